"""Self-registration as the organiser set it (`MLBATTLE_REGISTRATION`: on, approval or off, and an optional
`MLBATTLE_JOIN_CODE`), the pending ones an organiser approves, and the list of who registered how and when.

Open registration let anyone take anyone's Kaggle username and appear on the boards under any name (one
script registered 333 people in 65 s). With `approval`, a self-registration waits in its own table, which
the matching join never reads, until an organiser approves it; a join code shown only in the room keeps the
internet out while the room joins.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

import duckdb

from . import queries, registry
from .db import transaction
from .settings import Settings


@dataclass(frozen=True)
class Outcome:
    """What a self-registration did: `registered` at once, or `pending` an organiser's approval."""

    username: str
    status: str

    @property
    def message(self) -> str:
        if self.status == "pending":
            return (f"Thanks: {self.username} waits for an organiser's approval, and appears on the leaderboards "
                    "once approved.")
        return (f"Registered {self.username}. You appear on each leaderboard you are on from its next sync; "
                "see them under My results.")


def is_open(settings: Settings) -> bool:
    return settings.registration != "off"


def code_matches(settings: Settings, typed: str | None) -> bool:
    """No code set, or the one typed (spaces and case aside), compared in constant time."""
    if not settings.join_code:
        return True
    expected = " ".join(settings.join_code.split()).lower().encode()
    return hmac.compare_digest(" ".join((typed or "").split()).lower().encode(), expected)


def register_self(con: duckdb.DuckDBPyConnection, settings: Settings, username: str, name: str | None,
                  code: str | None = None) -> Outcome:
    """A visitor registers themself: refused when closed or with a wrong code (nothing is stored then)."""
    if not is_open(settings):
        raise ValueError("registration is closed: ask the organisers to add you")
    if not code_matches(settings, code):
        raise ValueError("that join code is not right: the organisers show it in the room")
    if settings.registration == "on":
        return Outcome(registry.add_participant(con, username, name, via="self"), "registered")
    return Outcome(_add_pending(con, username, name), "pending")


def _add_pending(con: duckdb.DuckDBPyConnection, username: str, name: str | None) -> str:
    username = registry.check_username(username)
    display = registry.display_name(name, username)
    key = registry.username_key(username)
    if con.execute(queries.PARTICIPANT_EXISTS, [key]).fetchone():
        raise ValueError(f"{username!r} is already registered; if it is yours, ask an organiser")
    if con.execute(queries.PENDING_EXISTS, [key]).fetchone():
        raise ValueError(f"{username!r} already waits for approval; if it is yours, ask an organiser")
    con.execute(queries.INSERT_PENDING, [key, username, display, registry.now()])
    return username


def approve(con: duckdb.DuckDBPyConnection, username: str) -> str:
    """Move a pending registration into the participants; it matches from the next sync on."""
    key = registry.username_key(username)
    pending = con.execute(queries.PENDING_EXISTS, [key]).fetchone()
    if not pending:
        raise ValueError(f"{(username or '').strip()!r} is not waiting for approval")
    with transaction(con):
        if con.execute(queries.PARTICIPANT_EXISTS, [key]).fetchone():
            con.execute(queries.DELETE_PENDING, [key])
            raise ValueError(f"{pending[0]!r} is already registered; the pending request was dropped")
        con.execute(queries.APPROVE_PENDING, [registry.now(), key])
        con.execute(queries.DELETE_PENDING, [key])
    return str(pending[0])


def reject(con: duckdb.DuckDBPyConnection, username: str) -> str:
    """Drop a pending registration (a username taken by someone else, say)."""
    key = registry.username_key(username)
    pending = con.execute(queries.PENDING_EXISTS, [key]).fetchone()
    if not pending:
        raise ValueError(f"{(username or '').strip()!r} is not waiting for approval")
    con.execute(queries.DELETE_PENDING, [key])
    return str(pending[0])


def pending_username(con: duckdb.DuckDBPyConnection, username: str) -> str | None:
    """The username as registered when it waits for approval, else None: "my results" tells that person
    their registration arrived and waits, rather than that they are not registered."""
    row = con.execute(queries.PENDING_EXISTS, [registry.username_key(username)]).fetchone()
    return str(row[0]) if row else None


PENDING_COLUMNS = ("kaggle_username", "name", "requested_at")
REGISTERED_COLUMNS = ("kaggle_username", "name", "registered_via", "registered_at")


def pending(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(queries.LIST_PENDING).fetchall()


def registrations(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every participant with how (`self`, `organiser`, `import`, `setup`, `approved`) and when."""
    return con.execute(queries.LIST_REGISTRATIONS).fetchall()


def registration_notice(settings: Settings) -> str | None:
    """What the big screen shows while registration is open and a join code is set, else None."""
    if not is_open(settings) or not settings.join_code:
        return None
    then = " (an organiser approves each one)" if settings.registration == "approval" else ""
    return f"Register on the Participants page with the join code {settings.join_code}{then}"
