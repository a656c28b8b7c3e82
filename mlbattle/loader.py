"""Load one checked CSV into the store: stage with DuckDB's CSV reader, validate, then swap in one transaction.

Everything that can fail (parsing, validation) happens on temporary tables before the transaction, and
the swap itself is one transaction, so the previous leaderboard survives any failure exactly as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import duckdb

from . import queries
from .db import transaction
from .leaderboard_file import LeaderboardCsv, LeaderboardFileError

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


def direction_from_metric(metric: str | None) -> str:
    """The metric's name decides when the file cannot (one row, or all scores equal)."""
    return "lower" if metric and _LOWER_HINTS.search(metric) else "higher"


def _csv_error(exc: duckdb.Error) -> LeaderboardFileError:
    """DuckDB's CSV errors span many lines and quote the row; keep the line number and the cause."""
    text = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    cause = re.search(r"^(Expected Number of Columns.*|.*unterminated quote.*|Invalid unicode.*)$", text,
                      re.MULTILINE | re.IGNORECASE)
    detail = cause.group(1) if cause else text.splitlines()[0]
    where = f" at line {line.group(1)}" if line else ""
    return LeaderboardFileError(f"the CSV is malformed{where}: {detail.strip()[:160]}")


def stage(con: duckdb.DuckDBPyConnection, csv_file: LeaderboardCsv) -> tuple[int, str | None]:
    """Parse into temporary tables and validate; returns (row count, direction the file shows)."""
    try:
        con.execute(queries.read_csv_statement(len(csv_file.columns)), [str(csv_file.path)])
    except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        raise _csv_error(exc) from None
    con.execute(queries.typed_stage_statement(csv_file.positions))
    bad = con.execute(queries.FIRST_BAD_VALUE).fetchone()
    if bad:
        position, what, text = bad
        kind = "a number" if what == "score" else "a whole number"
        raise LeaderboardFileError(f"row {position} has a {what} that is not {kind}: {text[:40]!r}")
    con.execute(queries.STAGE_MEMBERS_FROM_COLUMN if csv_file.has_members else queries.STAGE_MEMBERS_FROM_TEAM_NAME)
    rows = con.execute(queries.STAGED_COUNT).fetchone()[0]
    direction = con.execute(queries.STAGED_DIRECTION).fetchone()[0]
    return rows, direction


def load(
    con: duckdb.DuckDBPyConnection, run: Run, csv_file: LeaderboardCsv, metric: str | None, finished: datetime
) -> LoadResult:
    """Replace the competition's leaderboard with the staged one, or record an unchanged run."""
    note = f"ignored unknown columns: {', '.join(csv_file.ignored)}"[:200] if csv_file.ignored else None
    previous = con.execute(queries.CONTENT_HASH, [run.slug]).fetchone()
    if previous and previous[0] == csv_file.sha256:
        matched = con.execute(queries.MATCHED_COUNT, [run.slug]).fetchone()[0]
        result = LoadResult("unchanged", rows=None, matched=matched, note=note)
        record_run(con, run, result, finished, csv_file.sha256)
        return result
    rows, direction = stage(con, csv_file)
    direction = direction or direction_from_metric(metric)
    created, updated, removed = con.execute(queries.CHANGE_COUNTS, [run.slug]).fetchone()
    outcome = "created" if previous is None or previous[0] is None else "updated"
    with transaction(con):
        con.execute(queries.DELETE_ROWS, [run.slug])
        con.execute(queries.INSERT_ROWS, [run.slug])
        con.execute(queries.DELETE_MEMBERS, [run.slug])
        con.execute(queries.INSERT_MEMBERS, [run.slug])
        con.execute(queries.INSERT_HISTORY, [run.slug, run.id, finished])
        matched = con.execute(queries.MATCHED_COUNT, [run.slug]).fetchone()[0]
        con.execute(queries.SET_LOADED, [csv_file.sha256, direction, csv_file.kind, rows, run.slug])
        result = LoadResult(outcome, rows, matched, created, updated, removed, direction, note)
        record_run(con, run, result, finished, csv_file.sha256)
    return result


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
            result.removed, duration_ms, content_hash, error or result.note,
        ],
    )
