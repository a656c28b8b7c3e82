"""Comparing two boards in memory: a row changed when any column differs, nulls and NaN equal to themselves."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from mlbattle import diff

SCHEMA = pa.schema([
    ("position", pa.int32()), ("kaggle_rank", pa.int32()), ("team_id", pa.string()), ("team_name", pa.string()),
    ("last_submission", pa.timestamp("us")), ("score", pa.float64()), ("submission_count", pa.int32()),
    ("members", pa.string()), ("is_benchmark", pa.bool_()),
])
row = st.tuples(
    st.sampled_from([None, 0, 1, 2]), st.sampled_from([None, "1", "2"]), st.sampled_from(["a", "b", ""]),
    st.sampled_from([None, datetime(2026, 11, 22, 18, 0), datetime(2026, 11, 22, 18, 1)]),
    st.sampled_from([None, 0.5, math.nan, 0.75]), st.sampled_from([None, 1, 2]), st.sampled_from([None, "x", "x,y"]),
    st.booleans(),
)


def board(rows: list[tuple]) -> pa.Table:
    columns = list(zip(*rows)) if rows else [[] for _ in range(8)]
    arrays = [pa.array(np.arange(1, len(rows) + 1, dtype=np.int32))]
    arrays += [pa.array(list(values), type=field.type) for values, field in zip(columns, list(SCHEMA)[1:])]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def same(a: tuple, b: tuple) -> bool:
    def equal(x, y):
        return x == y or (isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y))

    return all(equal(x, y) for x, y in zip(a, b))


@given(old=st.lists(row, max_size=8), new=st.lists(row, max_size=8))
def test_changed_positions_are_the_rows_that_differ_or_are_new(old, new):
    expected = [i + 1 for i, r in enumerate(new) if i >= len(old) or not same(old[i], r)]
    assert diff.compare(board(old), board(new))[0].tolist() == expected


@given(old=st.lists(row, max_size=8), new=st.lists(row, max_size=8))
def test_replaced_rows_are_the_old_rows_at_changed_positions_and_past_the_new_end(old, new):
    positions, _ = diff.compare(board(old), board(new))
    replaced = diff.replaced_rows(board(old), positions, len(new))
    expected = [i + 1 for i in range(len(old)) if i >= len(new) or not same(old[i], new[i])]
    assert replaced["position"].to_pylist() == expected


def test_nan_and_null_scores_are_unchanged_but_a_null_against_a_number_is_a_change():
    a = (1, "1", "a", None, math.nan, 1, "x", False)
    b = (1, "1", "a", None, None, 1, "x", False)
    c = (1, "1", "a", None, 0.5, 1, "x", False)
    assert diff.compare(board([a, b, c]), board([a, b, b]))[0].tolist() == [3]


@given(old=st.lists(row, max_size=8), new=st.lists(row, max_size=8))
def test_member_rows_are_rewritten_where_members_team_name_or_benchmark_differ_or_the_row_is_new(old, new):
    positions, flags = diff.compare(board(old), board(new))

    def members_of(r):
        return r[2], r[6], r[7]  # team name, members, benchmark

    expected = [p > len(old) or members_of(old[p - 1]) != members_of(new[p - 1]) for p in positions.tolist()]
    assert flags.tolist() == expected
