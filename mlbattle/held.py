"""Downloads that look wrong, held back instead of loaded.

A download that parses but is implausible next to the stored board is not loaded: every ranked team with
the same score where the stored board had different scores (Kaggle once served a board of zeros), or fewer
than half the stored board's ranked teams. The run's outcome is `held` with the reason; the last good board
stays, untouched, and nothing that follows a load (history, alerts) happens. The download's zip is kept in
the database, one per competition, until an organiser accepts it (`accept`, which loads it through the
same sync as any download, trigger `accepted`) or the next download that loads or matches the stored board
replaces it (`superseded`).

The loader calls `implausible` after parsing and before its transaction; every other step is here.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from . import db, queries
from .db import transaction
from .settings import Settings

if TYPE_CHECKING:  # the loader calls in here, so its names are imported where they run
    import pyarrow as pa

    from . import loader
    from .sync import SyncResult

ACCEPTED = "accepted"  # the trigger of a run that loads a held download: an organiser vouched for it
LOADED = ("created", "updated", "unchanged")


def direction_hint(con: duckdb.DuckDBPyConnection, slug: str, metric: str | None) -> str:
    """The direction an older-layout file not in score order is ranked by: the organiser's, else the metric's."""
    row = con.execute(queries.DIRECTION_SETTING, [slug]).fetchone()
    return hint_of(row[0] if row else None, metric)


def hint_of(override: str | None, metric: str | None) -> str:
    from .loader import direction_from_metric

    return override or direction_from_metric(metric)


def implausible(con: duckdb.DuckDBPyConnection, run: loader.Run, board: pa.Table,
                stored: pa.Table | None = None) -> str | None:
    """Why the download must not replace the stored board, or None. A first download, and a download an
    organiser accepted, are never held. `stored` is the stored board when this process still holds it (its
    figures then cost no query)."""
    if run.trigger == ACCEPTED:
        return None
    import pyarrow.compute as pc

    stored_teams, stored_scored, low, high = _figures(con, run.slug, stored)
    if not stored_teams:
        return None
    scores = board["score"].filter(pc.invert(board["is_benchmark"]))
    teams = len(scores)
    if teams * 2 < stored_teams:
        return (f"the download has {teams:,} ranked teams where the stored board has {stored_teams:,}: "
                "fewer than half")
    stored_differ = bool(stored_scored) and (low != high or stored_scored < stored_teams)
    if teams >= 2 and stored_differ and _one_score(scores):
        value = scores[0].as_py()
        shown = "empty" if value is None else f"{value:g}"
        return f"every ranked team has the same score ({shown}) where the stored board had different scores"
    return None


def _figures(con: duckdb.DuckDBPyConnection, slug: str, stored: pa.Table | None) -> tuple:
    """The stored board's ranked teams, how many have a score, and the lowest and highest score."""
    if stored is None:
        row = con.execute(queries.STORED_BOARD_SPREAD, [slug]).fetchone()
        return tuple(row) if row else (0, 0, None, None)
    import pyarrow.compute as pc

    scores = stored["score"].filter(pc.invert(stored["is_benchmark"]))
    extremes = pc.min_max(scores).as_py()
    return len(scores), len(scores) - scores.null_count, extremes["min"], extremes["max"]


def _one_score(scores: Any) -> bool:
    """All the same: every score empty, or none empty and the lowest equal to the highest."""
    import pyarrow.compute as pc

    if scores.null_count == len(scores):
        return True
    if scores.null_count:
        return False
    extremes = pc.min_max(scores).as_py()
    return bool(extremes["min"] == extremes["max"])


def hold(con: duckdb.DuckDBPyConnection, run: loader.Run, parsed: loader.Parsed, reason: str,
         finished: datetime) -> loader.LoadResult:
    """Keep the download instead of loading it, replacing any held before, and record the `held` run."""
    from .loader import LoadResult, record_run

    csv_file = parsed.csv_file
    download = csv_file.source
    name = Path(download.info.filename).name
    with transaction(con):
        con.execute(queries.DELETE_HELD, [run.slug])
        con.execute(queries.INSERT_HELD, [run.slug, run.id, finished, reason, name, parsed.board.num_rows,
                                          _zipped(name, csv_file.data)])
        counted = con.execute(queries.MATCHED_COUNT, [run.slug]).fetchone()
        matched = counted[0] if counted else 0
        result = LoadResult("held", parsed.board.num_rows, matched, note=reason, board=download.board)
        record_run(con, run, result, finished, download.content_hash)
    return result


def _zipped(name: str, data: bytes) -> bytes:
    """The CSV as a download's zip: one deflated member under the name it came with."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def superseded(con: duckdb.DuckDBPyConnection, run: loader.Run, outcome: str) -> None:
    """A download that loaded, or matched the stored board, replaces the held one."""
    if outcome in LOADED:
        con.execute(queries.DELETE_HELD, [run.slug])


def pending(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Held downloads, newest first: competition, when, why, rows and the file's name."""
    cursor = con.execute(queries.HELD_LIST)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


class NothingHeld(ValueError):
    """Accepting a competition that has no held download."""


def accept(settings: Settings, slug: str) -> SyncResult:
    """Load the held download of `slug` as it is (no plausibility check), through the same sync and run log."""
    from . import sync

    with db.connect(settings) as con:
        row = con.execute(queries.HELD_ZIP, [slug]).fetchone()
    if row is None:
        raise NothingHeld(f"{slug} has no held download to accept")
    data = bytes(row[0])

    def fetch(_: str, folder: Path) -> Path:
        target = folder / f"{slug}.zip"
        target.write_bytes(data)
        return target

    return sync.sync(slug, settings, trigger=ACCEPTED, fetch=fetch)
