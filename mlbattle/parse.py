"""A checked leaderboard CSV to an Arrow table of typed rows, the shape of `kaggle_rows` without the slug.

Arrow's multithreaded CSV reader parses a well-formed Kaggle file straight into types in one pass, taking
its bytes from the zip as they inflate, and DuckDB scans the table without copying it. Anything Arrow
refuses (a score that is not a number, a row with too many fields, an unterminated quote, bytes that are
not UTF-8, numbers with spaces round them) goes through DuckDB's CSV reader instead, which accepts what it
can and names the line and the value of what it cannot. So the common case is fast and the rare one gets
the same exact message as before.
"""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from . import queries
from .leaderboard_file import LeaderboardCsv, LeaderboardFileError
from .settings import Settings

# Our column names and their Arrow types: the CSV's columns map onto these by `LeaderboardCsv.positions`.
RAW_TYPES = {
    "rank": pa.int32(),
    "team_id": pa.string(),
    "team_name": pa.string(),
    "submitted": pa.timestamp("us"),
    "score": pa.float64(),
    "submission_count": pa.int32(),
    "members": pa.string(),
}


def rows(csv_file: LeaderboardCsv, memory_limit: str = Settings.memory_limit) -> pa.Table:
    """Typed rows in file order: position, kaggle_rank, team_id, team_name, last_submission, score,
    submission_count, members, is_benchmark.

    No store connection is needed: the exact path runs in a DuckDB of its own (within `memory_limit`), so a
    sync parses before it takes the database file, and holds the file only for the comparison and the writes."""
    try:
        raw = _read_with_arrow(csv_file)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        with duckdb.connect(config={"threads": 1, "memory_limit": memory_limit}) as con:
            raw = _read_with_duckdb(con, csv_file)
    return _finish(raw)


def _read_with_arrow(csv_file: LeaderboardCsv) -> pa.Table:
    names = [f"c{i}" for i in range(len(csv_file.columns))]
    wanted = {f"c{index}": RAW_TYPES[ours] for ours, index in csv_file.positions.items() if index is not None}
    stream = csv_file.stream()
    table = pcsv.read_csv(
        pa.PythonFile(stream, mode="r"),
        read_options=pcsv.ReadOptions(column_names=names, skip_rows=1, use_threads=True),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            column_types=wanted, include_columns=list(wanted), null_values=[""], strings_can_be_null=True,
            quoted_strings_can_be_null=True, timestamp_parsers=[pcsv.ISO8601],
        ),
    )
    stream.finish()
    return pa.table({ours: table[f"c{index}"] for ours, index in csv_file.positions.items() if index is not None})


def _read_with_duckdb(con: duckdb.DuckDBPyConnection, csv_file: LeaderboardCsv) -> pa.Table:
    """The exact path: DuckDB's strict CSV reader as text, then TRY_CAST, naming the first bad value."""
    path = csv_file.written()
    try:
        con.execute(queries.read_csv_statement(len(csv_file.columns)), [str(path)])
    except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        raise _csv_error(exc) from None
    con.execute(queries.typed_stage_statement(csv_file.positions))
    bad = con.execute(queries.FIRST_BAD_VALUE).fetchone()
    if bad:
        position, what, text = bad
        kind = "a number" if what == "score" else "a whole number"
        raise LeaderboardFileError(f"row {position} has a {what} that is not {kind}: {text[:40]!r}")
    table = con.execute(queries.TYPED_STAGE_ROWS).to_arrow_table()
    return table.select([ours for ours, index in csv_file.positions.items() if index is not None])


def _csv_error(exc: duckdb.Error) -> LeaderboardFileError:
    """DuckDB's CSV errors span many lines and quote the row; keep the line number and the cause."""
    text = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    cause = re.search(r"^(Expected Number of Columns.*|.*unterminated quote.*|Invalid unicode.*)$", text,
                      re.MULTILINE | re.IGNORECASE)
    detail = cause.group(1) if cause else text.splitlines()[0]
    where = f" at line {line.group(1)}" if line else ""
    return LeaderboardFileError(f"the CSV is malformed{where}: {detail.strip()[:160]}")


def _column(raw: pa.Table, name: str) -> pa.ChunkedArray:
    """A column the file has, cast to our type, or nulls where the older layout has none."""
    if name in raw.column_names:
        return raw[name].cast(RAW_TYPES[name])
    return pa.chunked_array([pa.nulls(raw.num_rows, RAW_TYPES[name])])


def _finish(raw: pa.Table) -> pa.Table:
    """Rule 2 and the older layout: rank 0 marks a benchmark; a file without ranks ranks by position."""
    position = pa.array(np.arange(1, raw.num_rows + 1, dtype=np.int32))
    rank = _column(raw, "rank")
    return pa.table({
        "position": position,
        "kaggle_rank": pc.coalesce(rank, position),
        "team_id": _column(raw, "team_id"),
        "team_name": pc.coalesce(_column(raw, "team_name"), pa.scalar("", pa.string())),
        "last_submission": _column(raw, "submitted"),
        "score": _column(raw, "score"),
        "submission_count": _column(raw, "submission_count"),
        "members": _column(raw, "members"),
        "is_benchmark": pc.fill_null(pc.equal(rank, 0), False),
    })


def direction(board: pa.Table) -> str | None:
    """Scores that grow with rank mean lower is better: the sign of their correlation over the teams with a
    score (benchmarks aside); None when the file cannot tell (under two scores, all equal, or NaN)."""
    scored = pc.and_(pc.invert(board["is_benchmark"]), pc.is_valid(board["score"]))
    ranks = board["kaggle_rank"].filter(scored).to_numpy().astype(np.float64)
    scores = board["score"].filter(scored).to_numpy()
    if len(ranks) < 2:
        return None
    with np.errstate(all="ignore"):  # a constant column has no correlation: NaN, and None below
        correlation = np.corrcoef(ranks, scores)[0, 1]
    if np.isnan(correlation) or abs(correlation) < 1e-12:  # rounding noise is no direction
        return None
    return "lower" if correlation > 0 else "higher"
