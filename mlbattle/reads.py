"""Read-side queries: each returns plain data (dicts, or DataFrames for the pages)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from . import export, movement, queries, registry, reveal


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


# ---------------------------------------------------------------- pages
# Every function below does its filtering, paging and binning in DuckDB and returns only what a page draws,
# so a page costs the same at 100,000 teams as at 1,000 apart from the SQL itself.

VIEWS = ("participants", "all")
_NO_LIMIT = 2**62


def frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
) -> pd.DataFrame:
    """A statement's rows as a DataFrame (named parameters as a mapping, `?` as a sequence)."""
    bound = dict(params) if isinstance(params, Mapping) else list(params)
    return con.execute(sql, bound).df()


@dataclass(frozen=True)
class LeaderboardFilter:
    """What a viewer narrowed the leaderboard to; hashable, so it can key a cache."""

    view: str = "participants"
    search: str = ""
    rank_min: int = 1
    rank_max: int = 2**31 - 1
    benchmarks: bool = True

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {self.view!r}")

    def params(self, slug: str, limit: int, offset: int) -> dict[str, Any]:
        values: dict[str, Any] = {
            "slug": slug, "q": " ".join(self.search.split()).lower(), "rank_min": int(self.rank_min),
            "rank_max": int(self.rank_max), "limit": int(limit), "offset": int(offset),
        }
        if self.view == "all":
            values["benchmarks"] = bool(self.benchmarks)
        return values

    @property
    def sql(self) -> str:
        return queries.APP_TEAMS_PAGE if self.view == "all" else queries.APP_PLATFORM_PAGE


@dataclass(frozen=True)
class Page:
    rows: pd.DataFrame
    total: int


def data_version(con: duckdb.DuckDBPyConnection) -> tuple:
    """Changes whenever anything a page shows could have changed; keys the cached reads."""
    return tuple(con.execute(queries.APP_DATA_VERSION).fetchone())


def competition_version(con: duckdb.DuckDBPyConnection, slug: str) -> tuple | None:
    """Like `data_version` for one competition's pages; None when there is no such competition."""
    row = con.execute(queries.APP_COMPETITION_VERSION, [slug]).fetchone()
    return tuple(row) if row else None


def leaderboard_page(
    con: duckdb.DuckDBPyConnection, slug: str, filters: LeaderboardFilter, limit: int = 100, offset: int = 0
) -> Page:
    """One page of the filtered leaderboard and how many rows the filters leave in all."""
    rows = frame(con, filters.sql, filters.params(slug, limit, offset))
    total = int(rows["total_rows"].iloc[0]) if len(rows) else _count(con, slug, filters, offset)
    return Page(rows.drop(columns="total_rows"), total)


def _count(con: duckdb.DuckDBPyConnection, slug: str, filters: LeaderboardFilter, offset: int) -> int:
    """Past the last page the window count is gone with the rows; ask for the first row instead."""
    if offset == 0:
        return 0
    first = frame(con, filters.sql, filters.params(slug, 1, 0))
    return int(first["total_rows"].iloc[0]) if len(first) else 0


def leaderboard_csv(con: duckdb.DuckDBPyConnection, slug: str, filters: LeaderboardFilter) -> str:
    """Every row the filters show, as CSV a spreadsheet opens safely (the download; not cached), with the
    board, medal and movement columns the CLI's `--csv` writes."""
    rows = frame(con, filters.sql, filters.params(slug, _NO_LIMIT, 0))
    teams, board_name = movement.facts(con, slug)
    table = reveal.with_public_ranks(con, slug, movement.decorate(rows, movement.board(con, slug), teams,
                                                                     board_name))
    table = table.loc[:, list(export.LEADERBOARD_COLUMNS)]
    return export.to_csv(export.LEADERBOARD_COLUMNS, table.astype(object).where(table.notna(), None).itertuples(
        index=False))


def score_histogram(con: duckdb.DuckDBPyConnection, slug: str, bins: int = 40) -> pd.DataFrame:
    """The field's scores in `bins` equal bins (columns start, end, teams; empty bins included).

    `attrs["clipped"]` says the span was narrowed to the 1st..99th percentile because of outliers, whose
    teams then count in the edge bins.
    """
    counted = frame(con, queries.APP_SCORE_HISTOGRAM, {"slug": slug, "bins": int(bins)})
    if counted.empty:
        return pd.DataFrame({"start": pd.Series(dtype=float), "end": pd.Series(dtype=float),
                             "teams": pd.Series(dtype="int64")})
    lo, hi = float(counted["lo"].iloc[0]), float(counted["hi"].iloc[0])
    clipped = lo > float(counted["lo_all"].iloc[0]) or hi < float(counted["hi_all"].iloc[0])
    if hi == lo:
        result = pd.DataFrame({"start": [lo], "end": [hi], "teams": [int(counted["teams"].sum())]})
    else:
        width = (hi - lo) / bins
        teams = counted.set_index("bin")["teams"].reindex(range(bins), fill_value=0)
        result = pd.DataFrame({
            "start": [lo + i * width for i in range(bins)],
            "end": [lo + (i + 1) * width for i in range(bins)],
            "teams": teams.to_numpy(dtype="int64"),
        })
    result.attrs["clipped"] = clipped
    return result


def benchmarks(con: duckdb.DuckDBPyConnection, slug: str) -> pd.DataFrame:
    """Rank-0 rows (team_name, score): the host's reference scores."""
    return frame(con, queries.APP_BENCHMARKS, [slug])


def leaderboard_kpis(con: duckdb.DuckDBPyConnection, slug: str) -> dict[str, Any]:
    """leader_score, max_rank, registered, submissions, best_participant(_rank, _score)."""
    row = frame(con, queries.APP_LEADERBOARD_KPIS, {"slug": slug}).astype(object).iloc[0].to_dict()
    return {name: None if pd.isna(value) else value for name, value in row.items()}


def history(con: duckdb.DuckDBPyConnection, slug: str, usernames: Sequence[str]) -> pd.DataFrame:
    """Snapshots (synced_at, participant, kaggle_username, kaggle_rank, score, ...) of the chosen people."""
    keys = sorted({registry.username_key(name) for name in usernames})
    return frame(con, queries.APP_HISTORY_FOR, [slug, keys])


def events(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return records(con, queries.LIST_EVENTS)


def event(con: duckdb.DuckDBPyConnection, slug: str) -> dict[str, Any] | None:
    found = records(con, queries.GET_EVENT, [slug])
    return found[0] if found else None


def participant(con: duckdb.DuckDBPyConnection, username: str) -> dict[str, Any] | None:
    """A registered participant by Kaggle username, in any case."""
    found = records(con, queries.APP_PARTICIPANT, [registry.username_key(username)])
    return found[0] if found else None


def participant_results(con: duckdb.DuckDBPyConnection, username: str) -> pd.DataFrame:
    """The participant's row on every competition's platform leaderboard, with the field's size."""
    return frame(con, queries.APP_PARTICIPANT_RESULTS, [registry.username_key(username)])


def participant_history(con: duckdb.DuckDBPyConnection, username: str) -> pd.DataFrame:
    return frame(con, queries.APP_PARTICIPANT_HISTORY, [registry.username_key(username)])


def participants_page(con: duckdb.DuckDBPyConnection, search: str = "", limit: int = 100, offset: int = 0) -> Page:
    rows = frame(con, queries.APP_PARTICIPANTS_PAGE,
                 {"q": " ".join(search.split()).lower(), "limit": int(limit), "offset": int(offset)})
    total = int(rows["total_rows"].iloc[0]) if len(rows) else 0
    return Page(rows.drop(columns="total_rows"), total)


def participant_count(con: duckdb.DuckDBPyConnection) -> int:
    return int(records(con, queries.APP_DATA_VERSION)[0]["participants"])


def unmatched(
    con: duckdb.DuckDBPyConnection, slug: str, limit: int = 50, threshold: float = 0.85, per_person: int = 3
) -> pd.DataFrame:
    """Registered participants missing from the competition's newest download (the first `limit` by name),
    each with up to `per_person` likely teams by Jaro-Winkler similarity of team name or member username."""
    return frame(con, queries.APP_UNMATCHED_WITH_CANDIDATES,
                 {"slug": slug, "limit": int(limit), "threshold": float(threshold), "per_person": int(per_person)})


def recent_runs(con: duckdb.DuckDBPyConnection, slug: str | None = None, limit: int = 200) -> pd.DataFrame:
    return frame(con, queries.RECENT_RUNS, [slug, slug, int(limit)])
