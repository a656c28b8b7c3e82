"""Limits on public actions: a window per key that refills as its oldest events age out."""

from __future__ import annotations

from mlbattle.throttle import Limits, Lockout, Window, registrations


def test_a_key_may_act_limit_times_per_window_then_waits_for_its_oldest_event_to_age_out():
    window = Window(limit=2, seconds=60)
    window.record("a", now=0)
    window.record("a", now=10)
    assert window.wait("a", now=20) == 40
    assert window.wait("b", now=20) == 0  # keys are independent
    assert window.wait("a", now=60) == 0  # the first event left the window
    window.record("a", now=60)
    assert window.wait("a", now=61) == 9


def test_limits_apply_every_window_that_has_a_key():
    limits = Limits(session=Window(1, 100), address=Window(3, 100))
    keys = {"session": "s1", "address": None}
    limits.record(keys, now=0)
    assert limits.wait(keys, now=1) == 99
    assert limits.wait({"session": "s2", "address": None}, now=1) == 0  # no address: that window is skipped
    for session in ("s2", "s3", "s4"):
        limits.record({"session": session, "address": "10.0.0.1"}, now=2)
    assert limits.wait({"session": "s5", "address": "10.0.0.1"}, now=3) == 99


def test_forgotten_keys_are_dropped_once_the_key_limit_is_reached():
    window = Window(limit=1, seconds=10, max_keys=3)
    for key in "abc":
        window.record(key, now=0)
    window.record("d", now=20)  # a, b and c have aged out: dropped to make room
    assert window.wait("a", now=20) == 0 and window.wait("d", now=21) == 9


def test_registration_limits_let_a_room_register_but_not_a_script():
    limits = registrations()
    for person in range(200):  # 200 people, each in their own session, within a minute
        keys = {"session": f"s{person}", "address": None, "app": "app"}
        assert limits.wait(keys, now=person * 0.25) == 0
        limits.record(keys, now=person * 0.25)
    script = {"session": "bot", "address": "203.0.113.9", "app": "app"}
    for _ in range(5):
        limits.record(script, now=100)
    assert limits.wait(script, now=100) > 0


def test_a_lockout_locks_a_key_after_failures_in_a_row_then_counts_again():
    lockout = Lockout(max_failures=3, seconds=300)
    assert lockout.fail("10.0.0.1", now=0) == 0 and lockout.fail("10.0.0.1", now=1) == 0
    assert lockout.locked_until("10.0.0.2") == 0  # keys are independent
    assert lockout.fail("10.0.0.1", now=2) == 302 == lockout.locked_until("10.0.0.1")
    assert lockout.fail("10.0.0.1", now=400) == 0  # once the lock has passed, the count starts again
    assert lockout.locked_until("10.0.0.1") == 0


def test_a_flood_of_keys_is_forgotten_rather_than_locking_anyone_out():
    lockout = Lockout(max_failures=1, seconds=300, max_keys=3)
    lockout.fail("a", now=0)
    for key in "bcd":
        lockout.fail(key, now=1)
    assert lockout.locked_until("a") == 0
