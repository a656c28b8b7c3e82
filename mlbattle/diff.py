"""What a download changes in the stored board, worked out on Arrow tables in memory.

Boards are compared row by row at the same position (Kaggle's file order), in every stored column: a live
leaderboard changes a few rows between syncs, and only those rows and the rows past the download's end
are rewritten. Comparing two 100,000-row tables column by column here takes about 3 ms; the same
comparison against the stored rows in SQL takes about 40, which is why the loader keeps the last board it
loaded (`board_cache`) and comes here when it has it.

Positions are 1-based and a table's row at position p is its row p - 1: `parse.rows` makes them so, and
the stored board is the previous download's table.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

COMPARED = ("kaggle_rank", "team_id", "team_name", "last_submission", "score", "submission_count", "members",
            "is_benchmark")
# What a row's member rows are made of: the members, or the team name in the older layout; none for a benchmark.
MEMBERS_FROM = ("members", "team_name", "is_benchmark")


def _same(old: pa.ChunkedArray, new: pa.ChunkedArray) -> pa.ChunkedArray:
    """Equal, both null, or both NaN: what SQL's IS NOT DISTINCT FROM means for these columns."""
    same = pc.equal(old, new)
    if pa.types.is_floating(old.type):
        same = pc.or_kleene(same, pc.and_(pc.is_nan(old), pc.is_nan(new)))
    if old.null_count or new.null_count:  # most columns have no nulls: equality alone decides
        same = pc.fill_null(pc.or_kleene(same, pc.and_(pc.is_null(old), pc.is_null(new))), False)
    return same


def _all(flags: list[pa.ChunkedArray], rows: int) -> np.ndarray:
    """Per row, whether every one of the flags is true."""
    combined = pa.chunked_array([pa.array(np.ones(rows, dtype=bool))])
    for flag in flags:
        combined = pc.and_(combined, flag)
    return combined.to_numpy(zero_copy_only=False)


def compare(old: pa.Table, new: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """The download's positions whose row differs from the stored row there or that the stored board lacks,
    and for each, whether its member rows may differ (a row the stored board lacks has none yet)."""
    common = min(old.num_rows, new.num_rows)
    same = {name: _same(old[name].slice(0, common), new[name].slice(0, common)) for name in COMPARED}
    differing = np.flatnonzero(~_all(list(same.values()), common))
    members_same = _all([same[name] for name in MEMBERS_FROM], common)
    positions = np.concatenate([differing + 1, np.arange(common + 1, new.num_rows + 1)]).astype(np.int64)
    regrouped = np.concatenate([~members_same[differing], np.ones(new.num_rows - common, dtype=bool)])
    return positions, regrouped


def rows_at(table: pa.Table, positions: np.ndarray) -> pa.Table:
    return table.take(pa.array(positions - 1, type=pa.int64()))


def arrived(new: pa.Table, positions: np.ndarray, regrouped: np.ndarray) -> pa.Table:
    """The download's changed rows, each with whether its member rows must be rewritten."""
    return rows_at(new, positions).append_column("members_changed", pa.array(regrouped, type=pa.bool_()))


def replaced_rows(old: pa.Table, positions: np.ndarray, new_count: int) -> pa.Table:
    """The stored rows that the write deletes: those at changed positions and those past the download's end."""
    inside = positions[positions <= old.num_rows]
    beyond = np.arange(new_count + 1, old.num_rows + 1, dtype=np.int64)
    return rows_at(old, np.concatenate([inside, beyond]))


def team_keys(table: pa.Table) -> pa.ChunkedArray:
    """A team is Kaggle's team id, else its name (the older layout may lack ids)."""
    return pc.coalesce(table["team_id"], table["team_name"])


def members_to_rewrite(arrived: pa.Table, replaced: pa.Table, new_count: int) -> bool:
    """Whether any member rows change: a changed row's members did, or rows past the new end are gone."""
    return bool(pc.any(arrived["members_changed"]).as_py()) or bool(
        pc.any(pc.greater(replaced["position"], new_count)).as_py())


def _counted(table: pa.Table) -> pa.Table:
    return pa.table({"k": team_keys(table), "rank": table["kaggle_rank"], "score": table["score"],
                     "count": table["submission_count"]})


def change_counts(arrived: pa.Table, replaced: pa.Table, kept: pa.Table) -> tuple[int, int, int]:
    """Teams new, changed (rank, score or submission count) and gone, as comparing the whole boards would
    count them. Each board is its unchanged rows (equal on both sides) plus its changed ones (`replaced`
    before, `arrived` after), so of the unchanged rows only those sharing a team with a changed row matter
    (`kept`, from `kept_sharing_keys`). A team is its id, else its name; a team may repeat."""
    incoming, still = _counted(arrived), _counted(kept)
    old = pa.concat_tables([_counted(replaced), still])
    new_keys = pa.chunked_array([*incoming["k"].chunks, *still["k"].chunks], type=pa.string())
    created = len(incoming) - _count(pc.is_in(incoming["k"], value_set=old["k"].combine_chunks()))
    removed = len(replaced) - _count(pc.is_in(team_keys(replaced), value_set=new_keys.combine_chunks()))
    pairs = incoming.join(old, keys="k", join_type="inner", left_suffix="_new", right_suffix="_old")
    same = _all([_same(pairs[f"{name}_new"], pairs[f"{name}_old"]) for name in ("rank", "score", "count")],
                pairs.num_rows)
    return created, int(pairs.num_rows - same.sum()), removed


def _count(flags: pa.ChunkedArray) -> int:
    return int(pc.sum(flags).as_py() or 0)


def kept_sharing_keys(new: pa.Table, positions: np.ndarray, arrived: pa.Table, replaced: pa.Table) -> pa.Table:
    """Unchanged rows whose team also appears among the changed rows: all the change counts need of them.

    A team has one row, so this is normally empty; it is not when a file repeats a key (two teams of one
    name in the older layout), and then the counts stay what comparing the whole boards would give.
    """
    candidates = pa.chunked_array([*team_keys(arrived).chunks, *team_keys(replaced).chunks], type=pa.string())
    unchanged = np.ones(new.num_rows, dtype=bool)
    unchanged[positions - 1] = False
    shares = pc.is_in(team_keys(new), value_set=candidates.combine_chunks())
    return new.filter(pc.and_(shares, pa.array(unchanged)))


def snapshot(board: pa.Table, matched: pa.Table) -> pa.Table:
    """The history rows: each matched member (position, username_key) with its team's row values."""
    rows = rows_at(board, matched["position"].to_numpy().astype(np.int64))
    return pa.table({
        "username_key": matched["username_key"], "team_name": rows["team_name"],
        "kaggle_rank": rows["kaggle_rank"], "score": rows["score"], "submission_count": rows["submission_count"],
    })
