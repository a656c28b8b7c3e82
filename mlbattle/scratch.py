"""The data folder's `tmp/`: what a sync or a restore unpacks into, and the sweep of what a killed one left.

A process killed mid-download leaves its folder (up to the 200 MB download cap) behind, since its
`TemporaryDirectory` never got to clean up. The next sync and the next app start remove such folders, but
only ones nothing has touched for `stale_after(settings)`: a live sync in another process writes its
download continuously and finishes within the total download timeout plus the wait for the database, so a
folder older than twice that (and never younger than an hour, which a restore of a large backup may take)
belongs to nobody.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from .settings import Settings

log = logging.getLogger(__name__)

MIN_AGE_SECONDS = 3600.0
PREFIXES = ("sync-", "backup-", "restore-")


def stale_after(settings: Settings) -> float:
    """Seconds without a change after which a scratch folder is left over, not in use."""
    return max(MIN_AGE_SECONDS, 2 * (settings.total_timeout + settings.db_busy_timeout))


def _last_change(folder: Path) -> float:
    """The newest modification time of the folder and anything in it (a download grows its file)."""
    newest = folder.stat().st_mtime
    for path in folder.rglob("*"):
        try:
            newest = max(newest, path.stat().st_mtime)
        except OSError:  # removed while we looked: in use
            return time.time()
    return newest


def sweep(settings: Settings, now: float | None = None) -> list[str]:
    """Remove the scratch folders a killed sync or restore left; the names of those removed."""
    root = settings.data_dir / "tmp"
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    removed = []
    for folder in root.iterdir():
        if not folder.is_dir() or not folder.name.startswith(PREFIXES):
            continue
        try:
            if now - _last_change(folder) < stale_after(settings):
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    if removed:
        log.info("removed %d left-over scratch folders: %s", len(removed), ", ".join(removed))
    return removed
