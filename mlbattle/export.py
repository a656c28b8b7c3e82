"""Rows out as CSV that a spreadsheet opens as text, never as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

PLATFORM_COLUMNS = (
    "platform_rank", "kaggle_rank", "participant", "kaggle_username", "team_name", "score", "submission_count",
    "last_submission",
)
# What `leaderboard --csv` and the page's download write: the platform columns, then which board, the medal
# zone, the Kaggle rank on the previous download of that board, and the public rank (after the reveal).
LEADERBOARD_COLUMNS = (*PLATFORM_COLUMNS, "board", "medal", "previous_rank", "public_rank")


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run (`=`, `+`, `-`, `@`) gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else spreadsheet_safe(v) for v in row])
    return buffer.getvalue()
