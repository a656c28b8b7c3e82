"""Alerts for the room's organisers: a JSON POST to `MLBATTLE_WEBHOOK_URL` (Slack, Discord, anything).

After a changed download (never a competition's first), one message per notable change among the
participants: a new leader, someone entering a better medal zone; and once when a competition's syncs have
failed three times in a row. Names are display names, as the room knows them.

Delivery never fails a sync and delays it by at most `TIMEOUT` seconds in all: one attempt per message, no
retry, and once one fails the rest are dropped (a webhook that is down for one is down for all). What went
wrong is written on the sync run's `notice`. The URL is a secret: no message, log line or notice names it.
"""

from __future__ import annotations

import json
import logging
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import duckdb

from . import db, medals, queries
from .settings import Settings

log = logging.getLogger(__name__)

TIMEOUT = 5.0
FAILURES_IN_A_ROW = 3


@dataclass(frozen=True)
class Standing:
    participant: str
    platform_rank: int
    kaggle_rank: int
    medal: str | None


@dataclass(frozen=True)
class BoardState:
    """A competition's participants as the room sees them, before or after a load."""

    title: str
    loaded: bool  # the competition held a board (false before its first download)
    board: str | None
    people: dict[str, Standing] = field(default_factory=dict)  # by Kaggle username, lower-cased


def board_state(con: duckdb.DuckDBPyConnection, slug: str) -> BoardState:
    row = con.execute(queries.BOARD_FACTS, [slug]).fetchone()
    if row is None:
        return BoardState(slug, False, None)
    title, content_hash, board, teams = row
    people = {
        username.lower(): Standing(name, int(platform_rank), int(kaggle_rank), medals.medal(int(kaggle_rank), teams))
        for platform_rank, kaggle_rank, name, username, *_ in con.execute(queries.PLATFORM_LEADERBOARD, [slug])
        .fetchall()
    }
    return BoardState(title, content_hash is not None, board, people)


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def leader_messages(before: BoardState, after: BoardState) -> list[str]:
    """Platform rank 1 changed hands: someone leads who did not before (team-mates lead together)."""
    leaders = {key: s for key, s in after.people.items() if s.platform_rank == 1}
    earlier = {key for key, s in before.people.items() if s.platform_rank == 1}
    if not leaders or set(leaders) <= earlier:
        return []
    first = next(iter(leaders.values()))
    names = sorted(s.participant for s in leaders.values())
    verb = "leads" if len(names) == 1 else "lead"
    return [f"🏆 {after.title}: {_names(names)} now {verb} the participants (Kaggle rank #{first.kaggle_rank})"]


def medal_messages(before: BoardState, after: BoardState) -> list[str]:
    """A participant in a better zone than on the previous download (absent then counts as no medal)."""
    found = []
    for key, now in sorted(after.people.items(), key=lambda item: (item[1].kaggle_rank, item[0])):
        earlier = before.people.get(key)
        if medals.better(now.medal, earlier.medal if earlier else None):
            found.append(f"{medals.emoji(now.medal)} {after.title}: {now.participant} entered the {now.medal} "
                         f"zone (Kaggle rank #{now.kaggle_rank})")
    return found


Rule = Callable[[BoardState, BoardState], list[str]]
SAME_BOARD_RULES: tuple[Rule, ...] = (leader_messages, medal_messages)
"""Rules comparing two downloads of the same board; a switch of board (the private reveal) has its own."""
BOARD_SWITCH_RULES: list[Rule] = []


def messages(before: BoardState, after: BoardState) -> list[str]:
    """Every alert a load deserves: none after a competition's first download."""
    if not before.loaded:
        return []
    rules = SAME_BOARD_RULES if before.board == after.board else BOARD_SWITCH_RULES
    return [text for rule in rules for text in rule(before, after)]


class Watch:
    """Wraps one load: the board before, the messages after. Does nothing without a webhook."""

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings, slug: str, changing: bool) -> None:
        self.slug = slug
        self.before: BoardState | None = None
        if settings.webhook_url and changing:
            try:
                self.before = board_state(con, slug)
            except duckdb.Error as exc:  # an alert is never worth a sync
                log.warning("alerts for %s skipped: %s", slug, exc)

    def messages(self, con: duckdb.DuckDBPyConnection, outcome: str) -> list[str]:
        if self.before is None or outcome not in queries.LOADED_OUTCOMES:
            return []
        try:
            return messages(self.before, board_state(con, self.slug))
        except duckdb.Error as exc:  # an alert is never worth a sync
            log.warning("alerts for %s skipped: %s", self.slug, exc)
            return []


def failure_messages(con: duckdb.DuckDBPyConnection, slug: str) -> list[str]:
    """Once per streak: exactly the last three runs failed (a fourth failure in a row says nothing new)."""
    outcomes = [row[0] for row in con.execute(queries.LAST_OUTCOMES, [slug, FAILURES_IN_A_ROW + 1]).fetchall()]
    streak = outcomes[:FAILURES_IN_A_ROW] == ["failed"] * FAILURES_IN_A_ROW and outcomes[FAILURES_IN_A_ROW:] != [
        "failed"]
    if not streak:
        return []
    title = board_state(con, slug).title
    return [f"⚠️ {title}: the last {FAILURES_IN_A_ROW} syncs failed; the board still shows the last good download"]


def _post(url: str, text: str, timeout: float) -> None:
    body = json.dumps({"text": text, "content": text}).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 - the organiser's own URL
                                     headers={"Content-Type": "application/json", "User-Agent": "mlbattle"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
        answer.read(1024)


def _why(exc: BaseException) -> str:
    """A reason that names no URL: urllib's messages can carry the address, so only their kind is kept."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"the webhook answered {exc.code}"
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"the webhook did not answer within {TIMEOUT:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "the webhook refused the connection"
    if isinstance(exc, ValueError):
        return "the webhook URL is not a valid http(s) URL"
    return f"the webhook could not be reached ({type(reason).__name__})"


def send(url: str | None, texts: Sequence[str], timeout: float = TIMEOUT) -> str | None:
    """POST each message; None when all arrived, else the notice for the run. At most `timeout` s in all."""
    if not url or not texts:
        return None
    deadline = time.monotonic() + timeout
    for index, text in enumerate(texts):
        left = deadline - time.monotonic()
        try:
            if left <= 0:
                raise TimeoutError
            _post(url, text, left)
        except Exception as exc:  # noqa: BLE001 - whatever the webhook does, the sync goes on
            dropped = len(texts) - index
            return f"alert not sent: {_why(exc)} ({dropped} message{'' if dropped == 1 else 's'} dropped)"
    return None


def deliver(settings: Settings, run_id: str, slug: str, texts: Sequence[str]) -> str | None:
    """Send and, on failure, note it on the run; never raises."""
    notice = send(settings.webhook_url, texts)
    if notice is None:
        return None
    log.warning("sync of %s: %s", slug, notice)
    try:
        with db.connect(settings) as con:
            con.execute(queries.SET_RUN_NOTICE, [notice, run_id])
    except Exception as exc:  # noqa: BLE001
        log.error("could not note the alert's failure on the run of %s: %s", slug, type(exc).__name__)
    return notice


def after_failure(settings: Settings, run_id: str, slug: str) -> None:
    """After a failed run is recorded: the three-in-a-row alert, if this run completes the streak."""
    if not settings.webhook_url:
        return
    try:
        with db.connect(settings) as con:
            texts = failure_messages(con, slug)
    except Exception as exc:  # noqa: BLE001
        log.warning("failure alert for %s skipped: %s", slug, type(exc).__name__)
        return
    deliver(settings, run_id, slug, texts)
