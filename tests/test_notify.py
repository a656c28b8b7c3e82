"""Alerts: a real webhook receiver on loopback, real syncs into a DuckDB file."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from mlbattle import db, notify, queries, reads, registry, sync
from mlbattle import settings as settings_module
from mlbattle.notify import BoardState, Standing
from tests.support.boards import zip_of
from tests.support.cli_support import run as run_cli
from tests.support.webhook_receiver import WebhookReceiver

SLUG = "alert-cup"
# 20 ranked teams: gold ≤ 2, silver ≤ 4, bronze ≤ 8.
FIELD = [f"t{rank}" for rank in range(1, 21)]


def board(order: dict[str, int]) -> list[tuple]:
    """The 20-team field with the given participants at the given ranks (everyone else filling in)."""
    placed = {rank: username for username, rank in order.items()}
    rows, others = [], iter(FIELD)
    for rank in range(1, 21):
        member = placed.get(rank) or next(others)
        rows.append((rank, f"team {member}", 1.0 - rank / 100, member))
    return rows + [(0, "Benchmark", 0.9, "")]


@pytest.fixture
def hooked(app_env, monkeypatch):
    """Settings with the webhook set, a competition, and three participants (display names differ)."""

    def make(receiver: WebhookReceiver):
        monkeypatch.setenv("MLBATTLE_WEBHOOK_URL", receiver.url)
        settings = settings_module.load(secrets={}, declared={})
        with db.connect(settings) as con:
            registry.add_competition(con, registry.CompetitionFacts(SLUG, "Alert Cup", metric="Accuracy"))
            registry.add_participant(con, "ann", "Ann Lee")
            registry.add_participant(con, "ben", "Ben Okafor")
            registry.add_participant(con, "cy", "Cy")
        return settings

    return make


def download(settings, local_fetch, rows) -> sync.SyncResult:
    return sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, rows)}))


def last_run(settings) -> dict:
    with db.connect(settings) as con:
        return reads.records(con, queries.RECENT_RUNS, [SLUG, SLUG, 1])[0]


def test_a_new_leader_and_a_better_zone_send_one_message_each_with_the_text_under_text_and_content(
        hooked, local_fetch):
    with WebhookReceiver("ok") as hook:
        settings = hooked(hook)
        assert download(settings, local_fetch, board({"ann": 1, "ben": 6, "cy": 15})).outcome == "created"
        assert hook.bodies == []  # never for a competition's first download
        assert download(settings, local_fetch, board({"ben": 1, "ann": 2, "cy": 15})).outcome == "updated"
    assert hook.texts == [
        "🏆 Alert Cup: Ben Okafor now leads the participants (Kaggle rank #1)",
        "🥇 Alert Cup: Ben Okafor entered the gold zone (Kaggle rank #1)",
    ]
    assert all(body["content"] == body["text"] for body in hook.bodies)
    assert last_run(settings)["notice"] is None


def test_an_unchanged_download_and_a_worse_zone_send_nothing(hooked, local_fetch):
    with WebhookReceiver("ok") as hook:
        settings = hooked(hook)
        download(settings, local_fetch, board({"ann": 1, "ben": 3, "cy": 15}))
        download(settings, local_fetch, board({"ann": 1, "ben": 3, "cy": 15}))
        download(settings, local_fetch, board({"ann": 1, "ben": 12, "cy": 16}))
    assert hook.bodies == []


def test_a_participant_appearing_inside_a_zone_enters_it(hooked, local_fetch):
    with WebhookReceiver("ok") as hook:
        settings = hooked(hook)
        download(settings, local_fetch, board({"ann": 1, "ben": 15}))
        download(settings, local_fetch, board({"ann": 1, "ben": 15, "cy": 7}))
    assert hook.texts == ["🥉 Alert Cup: Cy entered the bronze zone (Kaggle rank #7)"]


def test_a_webhook_answering_500_is_noted_on_the_run_and_the_sync_still_succeeds(hooked, local_fetch, caplog):
    caplog.set_level(logging.DEBUG)
    with WebhookReceiver("error") as hook:
        settings = hooked(hook)
        download(settings, local_fetch, board({"ann": 1, "ben": 6}))
        result = download(settings, local_fetch, board({"ben": 1, "ann": 6}))
    assert result.outcome == "updated" and result.error is None
    assert hook.requests == 1  # one attempt; the second message is dropped with the first
    notice = last_run(settings)["notice"]
    assert notice == "alert not sent: the webhook answered 500 (2 messages dropped)"
    assert "127.0.0.1" not in caplog.text and "SECRET" not in caplog.text


def test_a_webhook_that_never_answers_costs_one_timeout_and_the_sync_completes(hooked, local_fetch, caplog):
    caplog.set_level(logging.DEBUG)
    with WebhookReceiver("silent") as hook:
        settings = hooked(hook)
        download(settings, local_fetch, board({"ann": 1, "ben": 6}))
        result = download(settings, local_fetch, board({"ben": 1, "ann": 6}))
        assert result.outcome == "updated"
        assert hook.requests == 1
    assert last_run(settings)["notice"] == "alert not sent: the webhook did not answer within 5 s (2 messages dropped)"
    assert "SECRET" not in caplog.text
    with db.connect(settings) as con:
        assert [row[0] for row in con.execute(queries.PLATFORM_LEADERBOARD, [SLUG]).fetchall()] == [1, 2]


def test_three_failed_syncs_in_a_row_alert_once_per_streak(hooked, local_fetch):
    def broken(slug: str, folder: Path) -> Path:
        raise OSError("Kaggle is down")

    with WebhookReceiver("ok") as hook:
        settings = hooked(hook)
        download(settings, local_fetch, board({"ann": 1}))
        for _ in range(4):
            assert sync.sync(SLUG, settings, fetch=broken).outcome == "failed"
        assert len(hook.texts) == 1
        download(settings, local_fetch, board({"ann": 1}))
        for _ in range(3):
            sync.sync(SLUG, settings, fetch=broken)
    assert hook.texts == ["⚠️ Alert Cup: the last 3 syncs failed; the board still shows the last good download"] * 2


def test_without_a_webhook_nothing_is_sent_and_nothing_noted(settings, local_fetch):
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts(SLUG, "Alert Cup", metric="Accuracy"))
        registry.add_participant(con, "ann", "Ann")
    download(settings, local_fetch, board({"ann": 3}))
    assert download(settings, local_fetch, board({"ann": 1})).outcome == "updated"
    assert last_run(settings)["notice"] is None


def test_the_webhook_url_stays_out_of_the_settings_repr_and_the_cli(kaggle, kaggle_env):
    kaggle.add_competition(SLUG, title="Alert Cup", metric="Accuracy")
    with WebhookReceiver("error") as hook:
        env = {**kaggle_env, "MLBATTLE_WEBHOOK_URL": hook.url}
        assert "SECRET" not in repr(settings_module.load(env=env, secrets={}, declared={}))
        outputs = []
        for args in (("participants", "add", "ann"), ("competitions", "add", SLUG, "--status", "upcoming")):
            outputs.append(run_cli(env, *args))
        for order in ({"ann": 5}, {"ann": 1}):
            kaggle.set_leaderboard(SLUG, zip_of(SLUG, board(order)))
            outputs.append(run_cli(env, "-v", "sync", SLUG))
    assert outputs[-1].returncode == 0, outputs[-1].stderr
    assert hook.requests == 1
    assert "alert not sent: the webhook answered 500" in outputs[-1].stderr
    assert not any("SECRET" in done.stdout + done.stderr for done in outputs)


def test_a_private_download_with_the_public_boards_very_bytes_sends_the_reveal_once(hooked, kaggle, kaggle_env):
    """Only the file's name tells the boards apart: the store's hash is the same, the switch is still the reveal."""
    rows = board({"ann": 1, "ben": 3, "cy": 15})
    with WebhookReceiver("ok") as hook:
        settings = hooked(hook)
        kaggle.set_leaderboard(SLUG, zip_of(SLUG, rows))
        assert sync.sync(SLUG, settings).outcome == "created"
        assert hook.bodies == []  # never for a competition's first download
        kaggle.set_leaderboard(SLUG, zip_of(SLUG, rows, private=True))
        assert sync.sync(SLUG, settings).outcome == "updated"
        assert sync.sync(SLUG, settings).outcome == "unchanged"  # the same private board again
    with db.connect(settings) as con:
        hashes = {row[0] for row in con.execute("SELECT content_hash FROM sync_runs WHERE competition_slug = ?",
                                                [SLUG]).fetchall()}
    assert len(hashes) == 1  # the very bytes, three times
    assert hook.texts == ["🔓 Alert Cup: the private leaderboard is out. 1. Ann Lee (=); 2. Ben Okafor (=); 3. Cy (=)."]


def test_a_competition_whose_first_download_is_private_sends_no_reveal(hooked, kaggle, kaggle_env):
    rows = board({"ann": 1, "ben": 3, "cy": 15})
    with WebhookReceiver("ok") as hook:
        settings = hooked(hook)
        kaggle.set_leaderboard(SLUG, zip_of(SLUG, rows, private=True))
        assert sync.sync(SLUG, settings).outcome == "created"
        assert sync.sync(SLUG, settings).outcome == "unchanged"
    assert hook.bodies == []


# ---------------------------------------------------------------- the rules on their own

def state(*people: tuple[str, int, int, str | None], board: str = "public", loaded: bool = True) -> BoardState:
    return BoardState("Cup", loaded, board, {
        name.lower(): Standing(name, platform, kaggle, medal) for name, platform, kaggle, medal in people})


def test_team_mates_taking_the_lead_together_are_named_in_one_message():
    before = state(("Ann", 1, 3, "gold"), ("Ben", 2, 5, "silver"), ("Cy", 2, 5, "silver"))
    after = state(("Ben", 1, 2, "gold"), ("Cy", 1, 2, "gold"), ("Ann", 2, 3, "gold"))
    assert notify.leader_messages(before, after) == ["🏆 Cup: Ben and Cy now lead the participants (Kaggle rank #2)"]


def test_a_leader_who_stays_or_loses_a_co_leader_sends_no_leader_message():
    before = state(("Ann", 1, 1, "gold"), ("Ben", 1, 1, "gold"))
    assert notify.leader_messages(before, state(("Ann", 1, 1, "gold"))) == []


def test_the_first_download_and_a_switch_of_board_send_no_same_board_messages():
    after = state(("Ann", 1, 1, "gold"))
    assert notify.messages(state(loaded=False), after) == []
    switched = notify.messages(state(("Ben", 1, 1, "gold"), board="public"), state(("Ann", 1, 1, "gold"),
                                                                                board="private"))
    assert switched == ["🔓 Cup: the private leaderboard is out. 1. Ann (new)."]  # the reveal's own message
