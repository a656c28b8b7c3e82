"""Rows out as CSV that a spreadsheet opens as text, never as a formula: the one writer every download uses.

Two ways a cell can run in a spreadsheet: it begins with a formula character (`=`, `+`, `-`, `@`, tab or
CR), or a line break inside it starts a new row whose first cell is a formula. Python's `csv` writer
quotes only the line terminator it was given (with "\\n", a lone CR went out unquoted and Excel began a row
there), so cells are quoted here by hand: any cell holding a comma, a quote, CR or LF is quoted, and text
that begins with a formula character gets a leading apostrophe.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTES = (",", '"', "\r", "\n")

PLATFORM_COLUMNS = (
    "platform_rank", "kaggle_rank", "participant", "kaggle_username", "team_name", "score", "submission_count",
    "last_submission",
)
# What `leaderboard --csv` and the page's download write: the platform columns, then which board, the medal
# zone, the Kaggle rank on the previous download of that board, and the public rank (after the reveal).
LEADERBOARD_COLUMNS = (*PLATFORM_COLUMNS, "board", "medal", "previous_rank", "public_rank")


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run (`=`, `+`, `-`, `@`, tab, CR) gets a leading apostrophe; numbers
    stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unneutralised(text: str) -> str:
    """What `spreadsheet_safe` was given, for files this app exported and reads back (the setup export)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def cell(value: Any) -> str:
    """One CSV field: empty for None, neutralised, quoted whenever it holds a separator or a line break."""
    if value is None:
        return ""
    text = str(spreadsheet_safe(value))
    if any(mark in text for mark in _NEEDS_QUOTES):
        return '"' + text.replace('"', '""') + '"'
    return text


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A header row and the rows, `\\n` between rows (a line break inside a cell is always quoted)."""
    lines = [",".join(cell(name) for name in columns)]
    lines += [",".join(cell(value) for value in row) for row in rows]
    return "\n".join(lines) + "\n"


def frame_to_csv(frame: Any) -> str:
    """A pandas DataFrame through the same writer, for downloads built from a frame."""
    return to_csv([str(name) for name in frame.columns], frame.itertuples(index=False, name=None))
