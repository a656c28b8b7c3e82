"""Event standings: points per competition on one scale, whatever each metric's range and direction.

Two rules, per competition (the SQL is `queries.EVENT_STANDINGS`):
- organiser-set (worst, best and points stored): `(score - worst) / (best - worst) * points`, clamped to
  `[0, points]`; one formula for both directions, because for lower-is-better best < worst.
- zero-setup (nothing stored): the share of the Kaggle field beaten, `100 * beaten / (teams - 1)`, where
  `teams` counts the newest download's non-benchmark teams and `beaten` those with a strictly worse
  Kaggle rank (a team sharing the participant's rank is not beaten); a team alone on its board gets 100.

Who is listed: every registered participant found on at least one of the event's newest downloads; a
participant absent from a competition scores 0 there. Overall order: total points descending, then the
best platform rank the participant holds in any one competition, then the display name. `place` is the
standard competition rank ("1, 2, 2, 4") of (total points, best platform rank): people level on both
share a place, and the name only orders them within it.

Place change: the standings move when one of the event's boards changes, so `movement` compares today's
places with the places before the event's newest board-changing download, the other boards as they are.
The board before that download is its history snapshot (the participants' ranks and scores) and the
download's team count; history keeps no other team, so in the field-share rule a participant's Kaggle rank
stands for the teams at or above them (exact on Kaggle's current files, whose ranks are 1..N without gaps).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from . import movement, queries, reads

LONG_COLUMNS = ["competition", "participant", "kaggle_username", "kaggle_rank", "platform_rank", "score", "points",
                "rule"]
TABLE_COLUMNS = ["place", "participant", "kaggle_username", "total_points"]
MOVE_COLUMNS = ["kaggle_username", "previous_place", "movement"]
# Totals are sums of floats: compare them at this many decimals so 33.3… + 66.6… ties with 100.
_TOTAL_DECIMALS = 9


@dataclass(frozen=True)
class Standings:
    table: pd.DataFrame
    """place, participant, kaggle_username, total_points, then one points column per competition slug."""
    per_competition: pd.DataFrame
    """Long: competition, participant, kaggle_username, kaggle_rank, platform_rank, score, points, rule."""
    rules: dict[str, str]
    """Competition slug -> the sentence naming its points rule, for the page to show."""
    movement: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MOVE_COLUMNS))
    """kaggle_username, previous_place, movement (▲1, ▼2, new, –) since the event's newest board change."""


def _number(value: float) -> str:
    return f"{value:,.6g}"


def rule_sentence(competition: dict) -> str:
    """What the page says about how a competition's points are worked out, with the actual numbers."""
    if competition["organiser_set"]:
        points = _number(competition["points"])
        return (
            f"points = (score − worst) / (best − worst) × {points}, clamped to 0–{points} "
            f"(worst {_number(competition['worst'])}, best {_number(competition['best'])})"
        )
    teams = int(competition["teams"] or 0)
    if teams == 0:
        return "share of the Kaggle teams beaten × 100 (no leaderboard downloaded yet)"
    return f"share of the {teams:,} Kaggle teams beaten × 100 (a team with the same rank is not beaten)"


def _long_frame(con: duckdb.DuckDBPyConnection, event_slug: str) -> pd.DataFrame:
    frame = con.execute(queries.EVENT_STANDINGS, [event_slug]).df()
    if frame.empty:
        frame = pd.DataFrame({column: pd.Series(dtype="float64") for column in LONG_COLUMNS})
    for column in ("competition", "participant", "kaggle_username", "rule"):
        frame[column] = frame[column].astype("str")
    for column in ("kaggle_rank", "platform_rank"):
        frame[column] = frame[column].astype("Int64")
    for column in ("score", "points"):
        frame[column] = frame[column].astype("float64")
    return frame.loc[:, LONG_COLUMNS].reset_index(drop=True)


def _standard_places(totals: pd.Series, best_places: pd.Series) -> np.ndarray:
    """1, 2, 2, 4 over rows already sorted: a row starts a new place when either key differs from the last."""
    positions = np.arange(1, len(totals) + 1)
    new_place = (totals.ne(totals.shift()) | best_places.ne(best_places.shift())).to_numpy()
    return np.maximum.accumulate(np.where(new_place, positions, 0))


def _table(long: pd.DataFrame, slugs: list[str]) -> pd.DataFrame:
    if long.empty:
        columns = {"place": pd.Series(dtype="int64"), "participant": pd.Series(dtype="str"),
                   "kaggle_username": pd.Series(dtype="str"), "total_points": pd.Series(dtype="float64")}
        columns.update({slug: pd.Series(dtype="float64") for slug in slugs})
        return pd.DataFrame(columns)
    wide = long.pivot(index="kaggle_username", columns="competition", values="points").reindex(columns=slugs)
    people = long.groupby("kaggle_username").agg(
        participant=("participant", "first"), best_place=("platform_rank", "min"))
    table = people.join(wide)
    table["total_points"] = table[slugs].sum(axis=1).astype("float64")
    table["rounded_total"] = table["total_points"].round(_TOTAL_DECIMALS)
    table["name_key"] = table["participant"].str.casefold()
    table = table.reset_index().sort_values(
        ["rounded_total", "best_place", "name_key", "kaggle_username"],
        ascending=[False, True, True, True], kind="stable",
    ).reset_index(drop=True)
    table["place"] = _standard_places(table["rounded_total"], table["best_place"].astype("float64"))
    return table.loc[:, TABLE_COLUMNS + slugs]


def event_standings(con: duckdb.DuckDBPyConnection, event_slug: str) -> Standings:
    """The event's overall table, its long per-competition form, and each competition's rule sentence."""
    if not con.execute(queries.GET_EVENT, [event_slug]).fetchone():
        raise ValueError(f"there is no event {event_slug!r}")
    competitions = reads.records(con, queries.EVENT_STANDINGS_COMPETITIONS, [event_slug])
    slugs = [c["slug"] for c in competitions]
    long = _long_frame(con, event_slug)
    table = _table(long, slugs)
    return Standings(
        table=table,
        per_competition=long,
        rules={c["slug"]: rule_sentence(c) for c in competitions},
        movement=_movement(con, event_slug, table, long, {c["slug"]: c for c in competitions}),
    )


def _movement(con: duckdb.DuckDBPyConnection, event_slug: str, table: pd.DataFrame, long: pd.DataFrame,
              competitions: dict[str, dict]) -> pd.DataFrame:
    downloads = reads.records(con, queries.EVENT_LAST_DOWNLOADS, [event_slug])
    if table.empty or not downloads:
        return pd.DataFrame(columns=MOVE_COLUMNS)
    changed = downloads[0]["competition_slug"]
    before = next((d for d in downloads if d["competition_slug"] == changed and d["nth"] == 2), None)
    earlier = long[long["competition"] != changed]
    if before is not None:
        earlier = pd.concat([earlier, _board_before(con, competitions[changed], before)], ignore_index=True)
    earlier = earlier[earlier["kaggle_username"].isin(earlier.loc[earlier["kaggle_rank"].notna(), "kaggle_username"])]
    places = _table(earlier.reset_index(drop=True), list(competitions)).set_index("kaggle_username")["place"]
    previous = table["kaggle_username"].map(places).astype("Int64")
    return pd.DataFrame({
        "kaggle_username": table["kaggle_username"], "previous_place": previous,
        "movement": [movement.arrow(p, now) for p, now in zip(previous, table["place"])],
    })


def _board_before(con: duckdb.DuckDBPyConnection, competition: dict, download: dict) -> pd.DataFrame:
    """The long rows of one competition as its earlier download left them (participants on it only)."""
    rows = con.execute(queries.RUN_SNAPSHOT, [download["id"]]).df()
    if rows.empty:
        return pd.DataFrame({column: pd.Series(dtype="float64") for column in LONG_COLUMNS})
    benchmarks = int((con.execute(queries.BENCHMARK_COUNT, [competition["slug"]]).fetchone() or (0,))[0])
    teams = max(int(download["rows"] or 0) - benchmarks, int(rows["kaggle_rank"].max()))
    rank = rows["kaggle_rank"].astype("float64")
    if competition["organiser_set"]:
        worst, best, points = competition["worst"], competition["best"], competition["points"]
        earned = ((rows["score"] - worst) / (best - worst) * points).clip(0, points).fillna(0)
    else:
        earned = 100 * (teams - rank) / (teams - 1) if teams > 1 else pd.Series(100.0, index=rows.index)
    return pd.DataFrame({
        "competition": competition["slug"], "participant": rows["participant"].astype(str),
        "kaggle_username": rows["kaggle_username"].astype(str), "kaggle_rank": rows["kaggle_rank"].astype("Int64"),
        "platform_rank": rank.rank(method="dense").astype("Int64"), "score": rows["score"].astype("float64"),
        "points": earned.astype("float64"), "rule": "",
    })
