"""The private reveal: the public board kept when the private one lands, public ranks, and the shake-up.

Kaggle's download switches from the public board to the private one at the deadline, and the private board
replaces the stored one like any other download. So the first private download keeps the public board it
replaces, whole (every team and its members), inside the load's own transaction: the shake-up needs the
field, not only the participants, and a failed load keeps neither. A later private download (Kaggle
rescoring) leaves the kept board alone; a competition whose first download was already private never had a
public board here, and has no shake-up.

The shake-up (the spec's definition): `mean(|private_rank - public_rank|) / N` over the ranked teams on both
boards, N of them; over the participants on both, divided by the same N; and both again only over those whose
private rank is within ceil(N / 10).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from . import queries

PUBLIC, PRIVATE = "public", "private"
METRICS = ("field", "participants", "field_top10", "participants_top10")
MOVE_COLUMNS = ("participant", "kaggle_username", "public_rank", "private_rank", "move")


class NoReveal(ValueError):
    """A competition without a reveal to show; the message says why in one line."""


def keep_public_board(con: duckdb.DuckDBPyConnection, slug: str, board: str | None, sync_id: str,
                      at: datetime) -> bool:
    """Keep the stored board as the last public one when a private download is about to replace it.

    Called inside the load's transaction, before its writes. Only the switch itself keeps anything: the stored
    board must be public and the download private. True when a board was kept (the reveal happened)."""
    stored = con.execute(queries.STORED_BOARD, [slug]).fetchone()
    if board != PRIVATE or not stored or stored[0] != PUBLIC:
        return False
    for statement in queries.FORGET_PUBLIC_BOARD:
        con.execute(statement, [slug])
    con.execute(queries.KEEP_PUBLIC_ROWS, [slug])
    con.execute(queries.KEEP_PUBLIC_MEMBERS, [slug])
    con.execute(queries.INSERT_REVEAL, [slug, sync_id, at, stored[1], slug])
    return True


@dataclass(frozen=True)
class State:
    """Which board a competition shows, and whether a public board was kept when it went private."""

    board: str | None
    revealed_at: datetime | None
    public_teams: int | None
    teams: int
    sync_id: str | None = None

    @property
    def is_private(self) -> bool:
        return self.board == PRIVATE

    @property
    def revealed(self) -> bool:
        """The board is private and the public board before it was kept: public ranks and a shake-up exist."""
        return self.is_private and self.revealed_at is not None

    def sentence(self) -> str:
        """What a page or the command line says about the board it shows."""
        if not self.is_private:
            return "public leaderboard: the final standings come with the private board after the deadline"
        if self.revealed:
            return "private leaderboard: final standings, compared with the last public board"
        return ("private leaderboard: the competition was imported after its deadline, so no public board was "
                "ever seen here and there is no shake-up")


def state(con: duckdb.DuckDBPyConnection, slug: str) -> State | None:
    row = con.execute(queries.REVEAL_STATE, [slug]).fetchone()
    if row is None:
        return None
    board, revealed_at, public_teams, sync_id, teams = row
    return State(board, revealed_at, public_teams, int(teams or 0), sync_id)


def require_reveal(con: duckdb.DuckDBPyConnection, slug: str) -> State:
    """The competition's state when it has a reveal, else NoReveal saying why not."""
    found = state(con, slug)
    if found is None:
        raise NoReveal(f"there is no competition {slug!r}: import it first")
    if not found.is_private:
        raise NoReveal(f"{slug} has no private leaderboard yet: the shake-up comes after the deadline")
    if not found.revealed:
        raise NoReveal(f"{slug} was imported after its deadline: no public board was ever seen, so there is "
                       "no shake-up")
    return found


def _rows(con: duckdb.DuckDBPyConnection, sql: str, slug: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql, {"slug": slug})
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def moves(con: duckdb.DuckDBPyConnection, slug: str) -> list[dict[str, Any]]:
    """Every registered participant on either board: public_rank, private_rank, move (public - private),
    best private rank first; a rank is None where the participant is absent from that board."""
    require_reveal(con, slug)
    return _rows(con, queries.SHAKEUP_PARTICIPANTS, slug)


def public_ranks(con: duckdb.DuckDBPyConnection, slug: str) -> dict[str, int]:
    """username_key -> kaggle_rank on the kept public board, while the current board is private (else {})."""
    found = state(con, slug)
    if found is None or not found.revealed:
        return {}
    return {key: int(rank) for key, rank in con.execute(queries.PUBLIC_RANKS, {"slug": slug}).fetchall()}


def with_public_ranks(con: duckdb.DuckDBPyConnection, slug: str, rows: Any) -> Any:
    """A leaderboard DataFrame (with `kaggle_username`; the all-teams view lists a team's participants as
    'ann, ben', who share its row) with `public_rank` added: empty unless the board is private and a public
    one was kept, and for anyone absent from that public board."""
    import pandas as pd  # the loader imports this module; a sync never needs pandas

    ranks = public_ranks(con, slug)
    names = rows["kaggle_username"] if "kaggle_username" in rows else [None] * len(rows)
    keys = [None if name is None or name != name else str(name).split(",")[0].strip().lower() for name in names]
    return rows.assign(public_rank=pd.Series([ranks.get(key) if key else None for key in keys], index=rows.index,
                                             dtype="Int64"))


@dataclass(frozen=True)
class ShakeUp:
    """The spec's four figures (None where nobody qualifies), N and the top's size ceil(N / 10)."""

    n: int
    top: int
    participants_on_both: int
    field: float | None
    participants: float | None
    field_top10: float | None
    participants_top10: float | None

    def rows(self) -> list[tuple[str, float | None]]:
        return [(name, getattr(self, name)) for name in METRICS]


def shakeup(con: duckdb.DuckDBPyConnection, slug: str) -> ShakeUp:
    require_reveal(con, slug)
    row = con.execute(queries.SHAKEUP_METRICS, {"slug": slug}).fetchone()
    assert row is not None  # one row whatever the boards hold: the sizes' row
    n, top, on_both, field, people, field_top, people_top = row
    return ShakeUp(int(n), int(top), int(on_both), field, people, field_top, people_top)


def field(con: duckdb.DuckDBPyConnection, slug: str) -> Any:
    """The chart's points (a DataFrame): public_rank, private_rank, team_name, participants (names or None)."""
    require_reveal(con, slug)
    return con.execute(queries.SHAKEUP_FIELD, {"slug": slug}).df()


# ---------------------------------------------------------------- words for the room


def move_text(move: int | None) -> str:
    """↑212, ↓37, = for no move, and an empty string where one board lacks the participant."""
    if move is None:
        return ""
    if move > 0:
        return f"↑{move:,}"
    return f"↓{-move:,}" if move < 0 else "="


def biggest(rows: Sequence[dict[str, Any]]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The biggest climber and the biggest fall among the participants on both boards (None where nobody
    moved that way); ties go to the better private rank, the order `moves` gives."""
    moved = [row for row in rows if row.get("move") is not None]
    climbers = [row for row in moved if row["move"] > 0]
    fallers = [row for row in moved if row["move"] < 0]
    climber = max(climbers, key=lambda row: row["move"], default=None)
    faller = min(fallers, key=lambda row: row["move"], default=None)
    return climber, faller


def alert(before: Any, after: Any) -> list[str]:
    """The webhook's one message when a competition's first private board lands (`notify.BoardState`s of the
    public board before and the private one after): the top three participants and the biggest moves."""
    if before.board != PUBLIC or after.board != PRIVATE or not after.people:
        return []
    ranked = sorted(after.people.items(), key=lambda item: (item[1].platform_rank, item[0]))
    places: dict[int, list[str]] = {}
    for key, standing in ranked:
        if standing.platform_rank <= 3:
            earlier = before.people.get(key)
            move = move_text(earlier.kaggle_rank - standing.kaggle_rank) if earlier else "new"
            places.setdefault(standing.platform_rank, []).append(f"{standing.participant} ({move})")
    top = "; ".join(f"{place}. {', '.join(names)}" for place, names in places.items())
    text = f"🔓 {after.title}: the private leaderboard is out. {top}."
    rows = [{"participant": now.participant, "move": before.people[key].kaggle_rank - now.kaggle_rank,
             "public_rank": before.people[key].kaggle_rank, "private_rank": now.kaggle_rank}
            for key, now in ranked if key in before.people]
    climber, faller = biggest(rows)
    for label, row in (("Biggest climb", climber), ("Biggest fall", faller)):
        if row:
            text += (f" {label}: {row['participant']} {move_text(row['move'])} (#{row['public_rank']:,} → "
                     f"#{row['private_rank']:,}).")
    return [text]
