"""Who moved and who holds a medal: each participant's previous rank and medal on a competition's board.

`previous_rank` is the participant's Kaggle rank on the previous changed download of the same board on which
they appeared (the SQL is `queries.MOVEMENT`); `move` is previous − current, so climbing is positive.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from . import medals, queries

COLUMNS = ["platform_rank", "kaggle_rank", "participant", "kaggle_username", "team_name", "score",
           "submission_count", "last_submission", "previous_rank", "move", "movement", "medal", "board", "teams"]
_ADDED = ["previous_rank", "move", "movement", "medal", "board"]


def arrow(previous_rank: object, kaggle_rank: object) -> str:
    """▲3 (up three places), ▼2, 'new' (no previous download with them), '–' (same place)."""
    if kaggle_rank is None or pd.isna(kaggle_rank):
        return ""
    if previous_rank is None or pd.isna(previous_rank):
        return "new"
    move = int(previous_rank) - int(kaggle_rank)  # type: ignore[call-overload]
    if move > 0:
        return f"▲{move}"
    if move < 0:
        return f"▼{-move}"
    return "–"


def board(con: duckdb.DuckDBPyConnection, slug: str) -> pd.DataFrame:
    """The platform leaderboard with previous_rank, move, movement (the arrow's text), medal, board and N."""
    frame = con.execute(queries.MOVEMENT, {"slug": slug}).df()
    for column in ("platform_rank", "kaggle_rank", "previous_rank", "teams"):
        frame[column] = frame[column].astype("Int64")
    frame["move"] = (frame["previous_rank"] - frame["kaggle_rank"]).astype("Int64")
    frame["movement"] = [arrow(p, k) for p, k in zip(frame["previous_rank"], frame["kaggle_rank"])]
    teams = int(frame["teams"].iloc[0]) if len(frame) else 0
    frame["medal"] = pd.Series([medals.medal(int(k), teams) for k in frame["kaggle_rank"]], dtype="object")
    return frame.loc[:, COLUMNS + ["username_key"]].reset_index(drop=True)


def movers(frame: pd.DataFrame, count: int = 5) -> pd.DataFrame:
    """The teams of participants who moved most since the previous download, climbers before fallers at
    equal size; team-mates move together, so they share one row with their names joined."""
    moved = frame[frame["move"].notna() & frame["move"].ne(0)].copy()
    if moved.empty:
        return moved.reset_index(drop=True)
    moved["size"] = moved["move"].abs()
    moved = moved.sort_values(["size", "move", "kaggle_rank", "kaggle_username"],
                              ascending=[False, False, True, True], kind="stable")
    names = moved.groupby("kaggle_rank", sort=False)["participant"].agg(", ".join)
    teams = moved.drop_duplicates("kaggle_rank").assign(participant=lambda f: f["kaggle_rank"].map(names))
    return teams.drop(columns="size").head(count).reset_index(drop=True)


@dataclass(frozen=True)
class Zone:
    medal: str
    rank: int
    """The zone's last Kaggle rank (G, S or B)."""
    score: float | None
    """The score at that rank: what it takes to be in the zone."""


def zones(con: duckdb.DuckDBPyConnection, slug: str) -> list[Zone]:
    """Gold, silver and bronze on the current board with the score each needs; empty for an empty board."""
    counted = con.execute(queries.RANKED_TEAMS, [slug]).fetchone()
    teams = int(counted[0]) if counted else 0
    limits = medals.thresholds(teams)
    if teams == 0:
        return []
    scores = dict(con.execute(queries.SCORES_AT_RANKS, [slug, sorted(set(limits))]).fetchall())
    return [Zone(name, rank, None if scores.get(rank) is None else float(scores[rank]))
            for name, rank in zip(medals.MEDALS, limits)]


def medal_count(frame: pd.DataFrame) -> int:
    """How many participants sit in a medal zone (each person once)."""
    return int(frame.loc[frame["medal"].notna(), "kaggle_username"].nunique())


def _first_username(usernames: object) -> str | None:
    """The All-teams view lists a team's participants as 'ann, ben'; team-mates share the row and its move."""
    if usernames is None or (isinstance(usernames, float) and pd.isna(usernames)):
        return None
    return str(usernames).split(",")[0].strip() or None


def decorate(rows: pd.DataFrame, moves: pd.DataFrame, teams: int, board_name: str | None) -> pd.DataFrame:
    """Rows of any leaderboard read (kaggle_rank, kaggle_username) with previous_rank, move, movement and
    medal added: movement from `moves` (a `board` frame) for participants' rows, medals for every ranked row."""
    out = rows.copy()
    by_user = moves.drop_duplicates("kaggle_username").set_index("kaggle_username") if len(moves) else None
    keys = [_first_username(u) for u in out["kaggle_username"]] if "kaggle_username" in out else [None] * len(out)
    for column in ("previous_rank", "move", "movement"):
        values = [by_user.at[key, column] if by_user is not None and key in by_user.index else None for key in keys]
        out[column] = pd.Series(values, index=out.index, dtype="object" if column == "movement" else "Int64")
    out["movement"] = out["movement"].fillna("")
    out["medal"] = pd.Series([medals.medal(None if pd.isna(rank) else int(rank), teams) for rank in out["kaggle_rank"]],
                             index=out.index, dtype="object")
    out["board"] = board_name
    return out


def facts(con: duckdb.DuckDBPyConnection, slug: str) -> tuple[int, str | None]:
    """N (ranked teams) and which board (public/private) the competition holds now."""
    row = con.execute(queries.BOARD_FACTS, [slug]).fetchone()
    return (int(row[3]), row[2]) if row else (0, None)


def export_frame(con: duckdb.DuckDBPyConnection, slug: str, all_teams: bool = False) -> pd.DataFrame:
    """The CLI's `leaderboard --csv` table: `export.LEADERBOARD_COLUMNS`, in order. `public_rank` stays empty
    until a board is revealed."""
    from .export import LEADERBOARD_COLUMNS

    moves = board(con, slug)
    if all_teams:
        teams, board_name = facts(con, slug)
        rows = decorate(con.execute(queries.ALL_TEAMS, [slug, slug]).df(), moves, teams, board_name)
    else:
        rows = moves
    rows = rows.assign(public_rank=None)
    return rows.loc[:, list(LEADERBOARD_COLUMNS)].astype(object).where(rows.loc[:, list(LEADERBOARD_COLUMNS)].notna(),
                                                                       None)


def participant_results(con: duckdb.DuckDBPyConnection, username: str) -> pd.DataFrame:
    """`reads.participant_results` with previous_rank, move, movement and medal on each competition."""
    from . import reads, registry

    results = reads.participant_results(con, username)
    key = registry.username_key(username)
    marks = []
    for slug in results["competition"].drop_duplicates():
        moves = board(con, slug)
        mine = moves[moves["username_key"] == key].head(1)
        marks.append(mine.assign(competition=slug)[["competition", "previous_rank", "move", "movement", "medal"]])
    if not marks:
        return results.assign(previous_rank=pd.Series(dtype="Int64"), move=pd.Series(dtype="Int64"),
                              movement=pd.Series(dtype="object"), medal=pd.Series(dtype="object"))
    return results.merge(pd.concat(marks, ignore_index=True), on="competition", how="left")
