"""Load one checked CSV into the store: parse it into Arrow, compare it with the stored board (in memory
when this process loaded it, else in SQL), write the difference in one transaction.

Parsing and checking happen before the transaction, and the write itself is one transaction, so the
previous leaderboard survives any failure exactly as it was. Only rows whose content changed (and rows
that are gone) are rewritten: the stored board ends equal to the download, at a fraction of the writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb

from . import queries, reveal
from .board_cache import BOARDS, Held
from .db import transaction
from .leaderboard_file import Download, LeaderboardCsv
from .settings import Settings

if TYPE_CHECKING:  # Arrow and NumPy are imported only by a load that parses
    import numpy as np
    import pyarrow as pa

_LOWER_HINTS = re.compile(r"error|loss|rmse|mae|mse|rmsle|mape|wape|distance|deviance|brier|log", re.IGNORECASE)


@dataclass(frozen=True)
class Run:
    id: str
    slug: str
    trigger: str
    started_at: datetime


@dataclass(frozen=True)
class LoadResult:
    outcome: str
    rows: int | None
    matched: int
    created: int = 0
    updated: int = 0
    removed: int = 0
    direction: str | None = None
    note: str | None = None
    rewritten: int = 0  # stored rows replaced: the changed ones, not the whole board
    board: str | None = None  # public or private, for a run that loaded rows


@dataclass(frozen=True)
class Parsed:
    """A new download inflated, checked and parsed: work a sync does before it takes the database file."""

    csv_file: LeaderboardCsv
    board: pa.Table


def parse_download(download: Download, memory_limit: str = Settings.memory_limit) -> Parsed:
    from . import parse  # Arrow and NumPy cost 200 ms of start-up: only a load that parses pays it

    csv_file = download.csv()
    return Parsed(csv_file, parse.rows(csv_file, memory_limit))


def direction_from_metric(metric: str | None) -> str:
    """The metric's name decides when the file cannot (one row, or all scores equal)."""
    return "lower" if metric and _LOWER_HINTS.search(metric) else "higher"


def load(
    con: duckdb.DuckDBPyConnection, run: Run, download: Download, metric: str | None, finished: datetime,
    store: str = "", parsed: Parsed | None = None,
) -> LoadResult:
    """Bring the competition's stored leaderboard to the download's, or record an unchanged run.

    `store` names the database, so the board this process loaded last (`board_cache`) is used only for it.
    `parsed` is the download parsed before the connection was opened; without it the load parses here.
    """
    previous = con.execute(queries.LOADED_STATE, [run.slug]).fetchone()
    content_hash = download.content_hash
    if previous and previous[0] == content_hash:
        return _unchanged(con, run, finished, content_hash)
    parsed = parsed or parse_download(download)
    csv_file, staged = parsed.csv_file, parsed.board
    note = f"ignored unknown columns: {', '.join(csv_file.ignored)}"[:200] if csv_file.ignored else None
    from . import diff, parse

    rows = staged.num_rows
    direction = parse.direction(staged) or direction_from_metric(metric)
    # Members come from another column in the older layout: a switch of layout rewrites every row.
    rewrite_all = previous is None or previous[1] != csv_file.kind
    key = (store, run.slug)
    held = None if rewrite_all else BOARDS.get(key, previous[0])
    positions, arrived, replaced = _compare(con, run.slug, staged, held.board if held else None, rewrite_all)
    if not rewrite_all and previous[0] is not None and not len(positions) and not replaced.num_rows:
        con.unregister("arrived")
        return _same_rows(con, run, finished, content_hash, note, key, held)
    kept = diff.kept_sharing_keys(staged, positions, arrived, replaced)
    created, updated, removed = diff.change_counts(arrived, replaced, kept)
    regroup = diff.members_to_rewrite(arrived, replaced, rows)
    outcome = "created" if previous is None or previous[0] is None else "updated"
    members = queries.INSERT_CHANGED_MEMBERS_FROM_COLUMN if csv_file.has_members else (
        queries.INSERT_CHANGED_MEMBERS_FROM_TEAM_NAME)
    BOARDS.forget(key)  # from here until the commit, the store may hold either board
    with transaction(con):
        # The private board's first download keeps the public board it replaces (the reveal's shake-up).
        reveal.keep_public_board(con, run.slug, download.board, run.id, finished)
        con.execute(queries.DELETE_CHANGED_ROWS, [run.slug, rows])
        con.execute(queries.INSERT_CHANGED_ROWS, [run.slug])
        if regroup:
            con.execute(queries.DELETE_CHANGED_MEMBERS, [run.slug, rows])
            con.execute(members, [run.slug])
        participants = con.execute(queries.PARTICIPANTS_FINGERPRINT).fetchone()
        if held and not regroup and held.participants == participants:
            matched = held.matched  # the same member rows against the same participants
        else:
            matched = con.execute(queries.MATCHED_MEMBERS, [run.slug]).to_arrow_table()
        con.register("snapshot", diff.snapshot(staged, matched))
        con.execute(queries.INSERT_HISTORY, [run.slug, run.id, finished, download.board])
        con.execute(queries.SET_LOADED, [content_hash, direction, csv_file.kind, rows, download.board, run.slug])
        result = LoadResult(outcome, rows, matched.num_rows, created, updated, removed, direction, note,
                            len(positions), download.board)
        record_run(con, run, result, finished, content_hash)
    BOARDS.put(key, Held(content_hash, staged, matched, participants))
    for name in ("snapshot", "arrived"):
        con.unregister(name)
    return result


def _unchanged(con: duckdb.DuckDBPyConnection, run: Run, finished: datetime, content_hash: str,
               note: str | None = None) -> LoadResult:
    matched = con.execute(queries.MATCHED_COUNT, [run.slug]).fetchone()[0]
    result = LoadResult("unchanged", rows=None, matched=matched, note=note)
    record_run(con, run, result, finished, content_hash)
    return result


def _same_rows(con: duckdb.DuckDBPyConnection, run: Run, finished: datetime, content_hash: str, note: str | None,
               key: tuple[str, str], held: Held | None) -> LoadResult:
    """A download under a new hash whose rows are the stored ones (the same file zipped again): unchanged,
    and its hash is kept so that the next such download is known without inflating it."""
    BOARDS.forget(key)
    with transaction(con):
        con.execute(queries.SET_CONTENT_HASH, [content_hash, run.slug])
        result = _unchanged(con, run, finished, content_hash, note)
    if held:
        BOARDS.put(key, replace(held, content_hash=content_hash))
    return result


def _compare(con: duckdb.DuckDBPyConnection, slug: str, staged: pa.Table, board: pa.Table | None,
             rewrite_all: bool) -> tuple[np.ndarray, pa.Table, pa.Table]:
    """The changed positions, the download's rows there (registered as `arrived` for the writes) and the
    stored rows they replace: in memory against the board this process loaded last, else in SQL."""
    from . import diff

    if board is not None:
        positions, regrouped = diff.compare(board, staged)
        arrived = diff.arrived(staged, positions, regrouped)
        con.register("arrived", arrived)
        return positions, arrived, diff.replaced_rows(board, positions, staged.num_rows)
    con.register("staged", staged)
    changed = con.execute(queries.CHANGED_POSITIONS, [rewrite_all, slug, rewrite_all]).fetchnumpy()
    con.unregister("staged")
    positions = changed["position"].astype("int64")
    arrived = diff.arrived(staged, positions, changed["members_changed"].astype(bool))
    con.register("arrived", arrived)
    return positions, arrived, con.execute(queries.REPLACED_ROWS, [slug, staged.num_rows]).to_arrow_table()


def record_run(
    con: duckdb.DuckDBPyConnection,
    run: Run,
    result: LoadResult,
    finished: datetime,
    content_hash: str | None = None,
    error: str | None = None,
) -> None:
    duration_ms = int((finished - run.started_at).total_seconds() * 1000)
    con.execute(
        queries.INSERT_RUN,
        [
            run.id, run.slug, run.trigger, run.started_at, finished, result.outcome,
            result.rows, result.matched, result.created, result.updated,
            result.removed, duration_ms, content_hash, error or result.note, result.board,
        ],
    )
