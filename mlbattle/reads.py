"""Read-side queries: each returns plain data (dicts, or DataFrames for the pages)."""

from __future__ import annotations

from typing import Any, Sequence

import duckdb

from . import queries


def records(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(params))
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def competition(con: duckdb.DuckDBPyConnection, slug: str) -> dict[str, Any] | None:
    """One competition with its derived state: direction, last attempt and success, teams, matched."""
    found = records(con, queries.GET_COMPETITION, [slug])
    return found[0] if found else None


def competitions(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return records(con, queries.LIST_COMPETITIONS)
