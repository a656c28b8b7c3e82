"""The older download layout (`TeamId,TeamName,SubmissionDate,Score`) ranked by score: rule 3 for files
without a `Rank` column.

Real files of this layout are not always best first: one is sorted by `TeamId`, another holds a row per
improving submission, so a team appears many times. A file whose scores already run best first with each
team once keeps its rows as they are (each row's rank is its position, as before). Any other file counts
each team (its `TeamId`, else its name) once, with its best score, and places the teams by score in the
competition's direction, ties to the earlier submission, then to the earlier row: `kaggle_rank` is that
place. The direction comes from the file when its scores run one way; otherwise from `hint` (the
organiser's setting, else the metric's name).

Only a file of the older layout comes here, after parsing, so the current layout pays nothing for it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def file_order(scores: np.ndarray) -> str | None:
    """`higher` when the scores (NaN and empty aside) never rise down the file, `lower` when they never fall,
    `same` when they do neither because there are under two distinct ones, None when they go both ways."""
    present = scores[~np.isnan(scores)]
    steps = np.diff(present)
    falls, rises = bool((steps < 0).any()), bool((steps > 0).any())
    if falls and rises:
        return None
    if falls:
        return "higher"
    return "lower" if rises else "same"


def team_codes(board: pa.Table) -> np.ndarray:
    """One integer per team: its id, else its name (a file may lack ids)."""
    keys = pc.coalesce(board["team_id"], board["team_name"]).combine_chunks()
    return pc.dictionary_encode(keys).indices.to_numpy(zero_copy_only=False)


def _scores(board: pa.Table) -> np.ndarray:
    return pc.fill_null(board["score"], float("nan")).to_numpy().astype(np.float64)


def _submitted(board: pa.Table) -> np.ndarray:
    """Submission times as integers, a missing one after every real one."""
    times = board["last_submission"].cast(pa.int64())
    return pc.fill_null(times, np.iinfo(np.int64).max).to_numpy()


def best_first(scores: np.ndarray, submitted: np.ndarray, direction: str) -> np.ndarray:
    """Row indexes in ranking order: best score first in `direction` (no score last), then the earlier
    submission, then the earlier row."""
    sign = -1.0 if direction == "higher" else 1.0
    key = np.where(np.isnan(scores), np.inf, sign * scores)
    return np.lexsort((np.arange(len(scores)), submitted, key))


def ranked(board: pa.Table, hint: str) -> pa.Table:
    """The board with each team once, placed by score (see the module's docstring); `hint` is `higher` or
    `lower`, used when the file's order cannot tell."""
    if board.num_rows == 0:
        return board
    scores = _scores(board)
    codes = team_codes(board)
    order = file_order(scores)
    if order is not None and len(np.unique(codes)) == len(codes):
        return board  # already best first with each team once: each row's position is its rank
    direction = order if order in ("higher", "lower") else hint
    ordered = best_first(scores, _submitted(board), direction)
    _, first = np.unique(codes[ordered], return_index=True)  # each team's best row, by place
    kept = ordered[np.sort(first)]
    place = pa.array(np.arange(1, len(kept) + 1, dtype=np.int32))
    rows = board.take(pa.array(kept, type=pa.int64()))
    rows = rows.set_column(rows.schema.get_field_index("position"), "position", place)
    return rows.set_column(rows.schema.get_field_index("kaggle_rank"), "kaggle_rank", place)
