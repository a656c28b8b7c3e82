"""Sliding-window limits on public actions (self-registration), so one visitor or a script cannot flood
the participant list. Pure and clock-driven: the caller passes `now`, tests pass any clock.
"""

from __future__ import annotations

import threading
from collections import deque


class Window:
    """At most `limit` events per `seconds` for each key; remembers at most `max_keys` keys."""

    def __init__(self, limit: int, seconds: float, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.seconds = seconds
        self._max_keys = max_keys
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.get(key, deque())
        while events and events[0] <= now - self.seconds:
            events.popleft()
        return events

    def wait(self, key: str, now: float) -> float:
        """Seconds until `key` may act again; 0 when it may act now."""
        with self._lock:
            events = self._recent(key, now)
            return 0.0 if len(events) < self.limit else events[0] + self.seconds - now

    def record(self, key: str, now: float) -> None:
        with self._lock:
            events = self._recent(key, now)
            events.append(now)
            if key not in self._events and len(self._events) >= self._max_keys:
                self._events = {k: v for k, v in self._events.items() if v and v[-1] > now - self.seconds}
            self._events[key] = events


class Lockout:
    """After `max_failures` failures in a row, a key is locked for `seconds`, and its count starts again.

    Remembers at most `max_keys` keys; past that it forgets them all, so a flood of keys never locks out
    a key that did nothing."""

    def __init__(self, max_failures: int, seconds: float, max_keys: int = 10_000) -> None:
        self.max_failures = max_failures
        self.seconds = seconds
        self._max_keys = max_keys
        self._keys: dict[str, tuple[int, float]] = {}  # key: (failures in a row, locked until)
        self._lock = threading.Lock()

    def locked_until(self, key: str) -> float:
        with self._lock:
            return self._keys.get(key, (0, 0.0))[1]

    def fail(self, key: str, now: float) -> float:
        """Count a failure; the time the key is now locked until, 0 when it is not."""
        with self._lock:
            failures = self._keys.get(key, (0, 0.0))[0] + 1
            until = now + self.seconds if failures >= self.max_failures else 0.0
            self._keys[key] = (0 if until else failures, until)
            if len(self._keys) > self._max_keys:
                self._keys.clear()
            return until


class Limits:
    """Several windows over one action: it may happen when every window that applies allows it."""

    def __init__(self, **windows: Window) -> None:
        self.windows = windows

    def wait(self, keys: dict[str, str | None], now: float) -> float:
        return max((window.wait(key, now) for name, window in self.windows.items()
                    if (key := keys.get(name)) is not None), default=0.0)

    def record(self, keys: dict[str, str | None], now: float) -> None:
        for name, window in self.windows.items():
            key = keys.get(name)
            if key is not None:
                window.record(key, now)


def registrations() -> Limits:
    """A person registers themself and maybe a team-mate or two; a room of 200 registers within minutes."""
    return Limits(session=Window(5, 600), address=Window(20, 600), app=Window(300, 60))


class LoginGate:
    """The app-wide bound on password checks: once `failures` wrong passwords arrived within
    `failure_seconds`, at most `checks` checks per `check_seconds` for everyone.

    The per-session and per-address lockouts do not stop a client that opens a new session every few
    guesses where Streamlit sees no address (loopback, a proxy on the same host): that measured about 460
    guesses a minute. This caps it at 10, while the organiser (whose right password is one of the 10) waits
    at most a minute.
    """

    def __init__(self, failures: int = 10, failure_seconds: float = 600, checks: int = 10,
                 check_seconds: float = 60) -> None:
        self._failures = Window(failures, failure_seconds)
        self._checks = Window(checks, check_seconds)

    def wait(self, now: float) -> float:
        """Seconds before the next password may be checked; 0 when it may be now."""
        if self._failures.wait("app", now) == 0:
            return 0.0
        return self._checks.wait("app", now)

    def checked(self, now: float, right: bool) -> None:
        self._checks.record("app", now)
        if not right:
            self._failures.record("app", now)
