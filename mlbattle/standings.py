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
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from . import queries, reads

LONG_COLUMNS = ["competition", "participant", "kaggle_username", "kaggle_rank", "platform_rank", "score", "points",
                "rule"]
TABLE_COLUMNS = ["place", "participant", "kaggle_username", "total_points"]
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
    return Standings(
        table=_table(long, slugs),
        per_competition=long,
        rules={c["slug"]: rule_sentence(c) for c in competitions},
    )
