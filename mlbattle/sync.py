"""One sync run: cross-process lock, bounded download, checked file, atomic load, a run record either way.

The database is never held open across the download: the lock is a file lock beside the database, the
download goes to a temporary folder inside the app's data folder that is always removed, a new download is
inflated and parsed before the database is taken, and only the comparison and the writes (seconds at most)
hold a connection.
"""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from . import db, held, kaggle_client, loader, locks, notify, queries, redact, scratch
from .kaggle_client import KaggleError
from .leaderboard_file import LeaderboardFileError, open_download
from .registry import now as utc_now
from .settings import Settings

log = logging.getLogger(__name__)

Fetch = Callable[[str, Path], Path]
"""Puts a leaderboard zip for a slug into a folder and returns its path: Kaggle, or the demo's samples."""

SUCCESS = ("created", "updated", "unchanged")


@dataclass(frozen=True)
class SyncResult:
    slug: str
    outcome: str
    rows: int | None = None
    matched: int | None = None
    created: int = 0
    updated: int = 0
    removed: int = 0
    seconds: float = 0.0
    error: str | None = None

    def _matched(self) -> str:
        return f"{self.matched} participant{'' if self.matched == 1 else 's'} matched"

    def summary(self) -> str:
        """The one line the CLI prints and the admin page shows."""
        if self.outcome == "failed":
            return f"{self.slug}: failed: {self.error}"
        if self.outcome == "busy":
            return f"{self.slug}: skipped: another sync of it is running"
        if self.outcome == "held":
            return (f"{self.slug}: held: {self.error}; the last good board stays (accept it on Admin, or with "
                    f"sync {self.slug} --accept-held)")
        if self.outcome == "fresh":
            return f"{self.slug}: fresh: synced less than the interval ago"
        if self.outcome == "unchanged":
            return f"{self.slug}: unchanged ({self._matched()}, {self.seconds:.2f} s)"
        return (
            f"{self.slug}: {self.outcome}: {self.rows:,} rows, {self._matched()} "
            f"(+{self.created} new, {self.updated} changed, -{self.removed} gone; {self.seconds:.2f} s)"
        )


def kaggle_fetch(settings: Settings) -> Fetch:
    return lambda slug, folder: kaggle_client.download_leaderboard(slug, folder, settings)


def is_stale(last_attempt_at: datetime | None, settings: Settings, at: datetime | None = None) -> bool:
    """Due for a refresh: no attempt within the interval. Failures count, so a failing Kaggle is not hammered."""
    if last_attempt_at is None:
        return True
    return (at or utc_now()) - last_attempt_at >= timedelta(seconds=settings.sync_interval)


_SYNC_STATE_COLUMNS = ("metric", "last_attempt_at", "status", "auto_sync", "content_hash", "direction_override",
                       "board")


def _state(settings: Settings, slug: str) -> dict | None:
    """The competition's metric, last attempt and stored hash, or None if there is no such competition: a
    light query, run before downloading."""
    with db.connect(settings) as con:
        row = con.execute(queries.SYNC_STATE, [slug, slug]).fetchone()
    return dict(zip(_SYNC_STATE_COLUMNS, row)) if row else None


def sync(
    slug: str,
    settings: Settings,
    *,
    trigger: str = "manual",
    fetch: Fetch | None = None,
    only_if_stale: bool = False,
    wait: bool = True,
    clock: Callable[[], datetime] = utc_now,
) -> SyncResult:
    """Sync one competition. `only_if_stale` is the page-view rule; `wait=False` skips when one is running."""
    fetch = fetch or kaggle_fetch(settings)
    try:
        with locks.hold(settings, f"sync-{slug}", settings.total_timeout + settings.db_busy_timeout if wait else 0):
            try:
                state = _state(settings, slug)
            except db.DatabaseBusy as exc:
                return _failed(loader.Run(uuid.uuid4().hex, slug, trigger, clock()), settings, time.perf_counter(),
                               _reason(exc, settings), clock)
            if state is None:
                return SyncResult(slug, "failed", error=f"there is no competition {slug!r}: import it first")
            if only_if_stale and not is_stale(state["last_attempt_at"], settings, clock()):
                return SyncResult(slug, "fresh")
            return _run(slug, settings, trigger, fetch, state, clock)
    except locks.LockTimeout:
        return SyncResult(slug, "busy")


def _run(slug: str, settings: Settings, trigger: str, fetch: Fetch, state: dict,
         clock: Callable[[], datetime]) -> SyncResult:
    run = loader.Run(uuid.uuid4().hex, slug, trigger, clock())
    began = time.perf_counter()
    scratch.sweep(settings)
    try:
        with tempfile.TemporaryDirectory(prefix="sync-", dir=settings.scratch_folder()) as folder:
            zip_path = fetch(slug, Path(folder))
            download = open_download(zip_path, Path(folder), settings.max_download_bytes)
            # A new download is inflated and parsed before the file is taken; the load decides again on the
            # hash and board it finds then, so another process loading in between changes nothing but wasted
            # work. The same bytes served as the other board (a private split scored like the public one) are
            # a change too: the switch is loaded, and its alert (the reveal) is watched for like any other.
            same = download.content_hash == state["content_hash"] and download.board == state["board"]
            parsed = None if same else loader.parse_download(
                download, settings.memory_limit, held.hint_of(state["direction_override"], state["metric"]))
            with db.connect(settings) as con:
                watch = notify.Watch(con, settings, slug, changing=parsed is not None)
                result = loader.load(con, run, download, state["metric"], clock(), settings.db, parsed)
                alerts = watch.messages(con, result.outcome)
    except (KaggleError, LeaderboardFileError, db.DatabaseBusy, OSError) as exc:
        return _failed(run, settings, began, _reason(exc, settings), clock)
    except Exception as exc:  # a crash must still leave a run record and the old leaderboard
        log.exception("sync of %s crashed", slug)
        return _failed(run, settings, began, f"unexpected {type(exc).__name__}: {_reason(exc, settings)}", clock)
    seconds = time.perf_counter() - began
    log.info("sync %s %s in %.2f s", slug, result.outcome, seconds)
    notify.deliver(settings, run.id, slug, alerts)  # after the load's connection is closed
    return SyncResult(slug, result.outcome, result.rows, result.matched, result.created, result.updated,
                      result.removed, seconds, result.note if result.outcome == "held" else None)


def _reason(exc: BaseException, settings: Settings) -> str:
    """One line, secrets masked: it is stored, printed by the CLI and shown to organisers."""
    return redact.one_line(exc, settings, 300) or type(exc).__name__


def _failed(run: loader.Run, settings: Settings, began: float, error: str,
            clock: Callable[[], datetime]) -> SyncResult:
    error = redact.one_line(error, settings, 300)
    log.warning("sync of %s failed: %s", run.slug, error)
    try:
        with db.connect(settings) as con:
            loader.record_run(con, run, loader.LoadResult("failed", rows=None, matched=0), clock(), error=error)
    except Exception as exc:
        log.error("could not record the failed run of %s: %s", run.slug, exc)
    else:
        notify.after_failure(settings, run.id, run.slug)
    return SyncResult(run.slug, "failed", seconds=time.perf_counter() - began, error=error)


def wants_view_refresh(record: dict, settings: Settings) -> bool:
    """The page-view rule: automatic syncs on, the competition ongoing with auto-sync on, and stale."""
    return (
        settings.auto_sync
        and record.get("status") == "ongoing"
        and bool(record.get("auto_sync"))
        and is_stale(record.get("last_attempt_at"), settings)
    )


def refresh_on_view(slug: str, settings: Settings, fetch: Fetch | None = None) -> SyncResult | None:
    """What a page view may do: sync a stale competition, never waiting behind a sync already running."""
    record = _state(settings, slug)
    if record is None or not wants_view_refresh(record, settings):
        return None
    return sync(slug, settings, trigger="view", fetch=fetch, only_if_stale=True, wait=False)


def auto_sync_slugs(settings: Settings) -> list[str]:
    """What `sync --all` and the scheduler cover: ongoing competitions with auto-sync on."""
    with db.connect(settings) as con:
        return [row[0] for row in con.execute(queries.AUTO_SYNC_SLUGS).fetchall()]


def sync_many(slugs: Iterable[str], settings: Settings, **options) -> list[SyncResult]:
    """One after the other: Kaggle's pacing applies across them, and one failure does not stop the rest."""
    return [sync(slug, settings, **options) for slug in slugs]
