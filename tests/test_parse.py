"""Both parsers agree: Arrow's fast reader and DuckDB's exact one give the same typed rows for any file
they both accept, and a file Arrow refuses still loads (or fails) exactly as DuckDB says."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mlbattle import parse
from mlbattle.leaderboard_file import LeaderboardFileError
from tests.support.boards import extracted, zip_of, zip_with_csv

SLUG = "parse-cup"
HEADER = "Rank,TeamId,TeamName,LastSubmissionDate,Score,SubmissionCount,TeamMemberUserNames\r\n"


def _rows(table: pa.Table) -> list[dict]:
    """Rows to compare; NaN (a score Kaggle may print) is spelled out, as NaN != NaN."""
    return [{k: "NaN" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
            for row in table.to_pylist()]


def _both(folder: Path, data: bytes) -> tuple[pa.Table, pa.Table]:
    csv_file = extracted(folder, data)
    with duckdb.connect() as con:
        exact = parse._finish(parse._read_with_duckdb(con, csv_file))
    return parse._finish(parse._read_with_arrow(csv_file)), exact


@pytest.mark.parametrize("data", [
    zip_of(SLUG, [(1, "Team, with comma", 0.9, "a,b"), (2, 'Quote "q"', 0.8, "c"), (0, "Benchmark", 0.5, "")]),
    zip_of(SLUG, [(1, "line\nbreak", 0.9, "a"), (2, "NA", None, "null"), (3, "", 0.1, "d")]),
    zip_of(SLUG, [(None, "first", 0.29, ""), (None, "Ünïcødé 🚀", 0.30, "")], header="older"),
    zip_with_csv(SLUG, HEADER + '1,7,"",2026-01-01 00:00:00,1e-3,2,x\r\n2,8,b,,NaN,,y\r\n'),
    zip_with_csv(SLUG, "Rank,TeamName,Score,Medal,TeamMemberUserNames\n1,a,0.9,gold,p\n\n2,b,,silver,q\n"),
    zip_with_csv(SLUG, HEADER),
], ids=["quotes-commas-benchmark", "newline-NA-empty", "older-unicode", "empty-fields-nan", "extra-column-lf",
        "header-only"])
def test_arrow_and_duckdb_read_kaggle_files_the_same(tmp_path, data):
    fast, exact = _both(tmp_path, data)
    assert fast.schema == exact.schema
    assert _rows(fast) == _rows(exact)


team_names = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
scores = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=64))


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.integers(0, 10**6), team_names, scores, team_names), max_size=8))
def test_any_file_both_read_gives_the_same_rows(tmp_path, rows):
    fast, exact = _both(tmp_path, zip_of(SLUG, rows))
    assert _rows(fast) == _rows(exact)


@pytest.mark.parametrize("body, expected", [
    ("1,1,a,2026-01-01 00:00:00, 0.5 ,1,p\r\n", {"score": 0.5, "kaggle_rank": 1}),
    (" 2 ,1,a,2026-01-01 00:00:00,0.5,1,p\r\n", {"score": 0.5, "kaggle_rank": 2}),
    ("1,1,a,not a date,0.5,1,p\r\n", {"last_submission": None, "score": 0.5}),
    ("1,1,a,2026-01-01 00:00:00,0.5,1.0,p\r\n", {"submission_count": 1, "score": 0.5}),
])
def test_odd_values_load_as_duckdb_reads_them(tmp_path, body, expected):
    csv_file = extracted(tmp_path, zip_with_csv(SLUG, HEADER + body))
    row = parse.rows(csv_file).to_pylist()[0]
    assert {key: row[key] for key in expected} == expected


def test_a_value_arrow_refuses_goes_to_duckdb_which_reads_it(tmp_path):
    csv_file = extracted(tmp_path, zip_with_csv(SLUG, HEADER + "1,1,a,not a date,0.5,1,p\r\n"))
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
        parse._read_with_arrow(csv_file)
    assert parse.rows(csv_file)["score"].to_pylist() == [0.5]


def test_a_bad_score_is_named_by_row_and_value(tmp_path):
    csv_file = extracted(tmp_path, zip_with_csv(SLUG, HEADER + "1,1,a,,0.5,1,p\r\n2,2,b,,n/a,1,q\r\n"))
    with pytest.raises(LeaderboardFileError, match="row 2 has a score that is not a number: 'n/a'"):
        parse.rows(csv_file)


def test_the_csv_is_written_to_disk_only_for_duckdb(tmp_path):
    csv_file = extracted(tmp_path, zip_of(SLUG, [(1, "a", 0.5, "p")]))
    parse.rows(csv_file)
    assert not (tmp_path / "leaderboard.csv").exists()
    bad = extracted(tmp_path, zip_with_csv(SLUG, HEADER + "1,1,a,,zero,1,p\r\n"))
    with pytest.raises(LeaderboardFileError):
        parse.rows(bad)
    assert (tmp_path / "leaderboard.csv").exists()


def _expected_direction(rows: list[tuple[int, float | None, bool]]) -> str | None:
    """Issue 3's rule from its definition: the sign of Pearson's correlation of rank and score over the teams
    with a score, benchmarks aside (statistics.correlation is the reference)."""
    import statistics

    scored = [(rank, score) for rank, score, benchmark in rows if not benchmark and score is not None]
    if len(scored) < 2 or any(math.isnan(score) for _, score in scored):
        return None
    try:
        correlation = statistics.correlation([r for r, _ in scored], [s for _, s in scored])
    except statistics.StatisticsError:  # a constant column
        return None
    if abs(correlation) < 1e-12:
        return None
    return "lower" if correlation > 0 else "higher"


direction_rows = st.lists(st.tuples(st.integers(0, 50), st.one_of(st.none(), st.sampled_from(
    [0.1, 0.5, 0.5, 0.9, 12.0, math.nan])), st.booleans()), max_size=12)


@given(rows=direction_rows)
def test_the_direction_is_the_sign_of_the_rank_score_correlation(rows):
    board = pa.table({
        "kaggle_rank": pa.array([r for r, _, _ in rows], type=pa.int32()),
        "score": pa.array([s for _, s, _ in rows], type=pa.float64()),
        "is_benchmark": pa.array([b for _, _, b in rows], type=pa.bool_()),
    })
    assert parse.direction(board) == _expected_direction(rows)


def _rows_with_a_line_break_at(boundaries: list[int]) -> tuple[bytes, int]:
    """A CSV with a team name at each of these byte offsets holding a line break and then what looks like a
    row: the `\r` ends one block and the `\n` starts the next, where a reader that splits blocks at line
    ends without minding quotes cuts the name in two. Returns the CSV and its number of rows."""
    parts, size, rank = [HEADER.encode()], len(HEADER), 0
    for boundary in boundaries:
        while size + 200 < boundary:
            rank += 1
            parts.append(f'{rank},{rank},"T{rank}",2026-01-01 00:00:00,0.5,1,user{rank}\r\n'.encode())
            size += len(parts[-1])
        rank += 1
        prefix = f'{rank},{rank},"'
        name = "x" * (boundary - 1 - size - len(prefix)) + "\r\n1,999,Smuggled"
        parts.append(f'{prefix}{name}",2026-01-01 00:00:00,0.5,1,user{rank}\r\n'.encode())
        assert size + parts[-1].index(b"\r") == boundary - 1
        size += len(parts[-1])
    return b"".join(parts), rank


def test_a_line_break_in_a_team_name_where_a_block_ends_cannot_split_the_row(tmp_path):
    """Arrow reads 1 MiB blocks; a line break inside a quoted name at a block's end must stay in the name,
    or a hostile name could add a row (here one ranked 1) and drop its own."""
    data, rank = _rows_with_a_line_break_at([1 << 20, 2 << 20, 3 << 20])
    board = parse.rows(extracted(tmp_path, zip_with_csv(SLUG, data), max_bytes=10 << 20))
    assert board.num_rows == rank
    assert board["kaggle_rank"].to_pylist() == list(range(1, rank + 1))
    assert sum("Smuggled" in name for name in board["team_name"].to_pylist()) == 3
    assert "Smuggled" not in board["members"].to_pylist()
