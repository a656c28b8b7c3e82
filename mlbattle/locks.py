"""Named locks that hold across processes: a file beside a local database, a Postgres advisory lock otherwise.

A file lock only spans one machine; when the data lives in Postgres the app may run as several replicas
plus a cron job elsewhere, so the lock lives in the database server itself.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from .settings import Settings

if TYPE_CHECKING:
    import psycopg


class LockTimeout(RuntimeError):
    """Somebody else held the lock for longer than we were willing to wait."""


def _file_name(name: str) -> str:
    return re.sub(r"[^a-z0-9-]", "_", name.lower())[:100] + ".lock"


@contextmanager
def hold(settings: Settings, name: str, timeout: float) -> Iterator[None]:
    """Hold the lock `name` for the block; `timeout=0` means try once. Raises LockTimeout."""
    if settings.db.startswith(("postgres://", "postgresql://")):
        with _advisory(settings.db, name, timeout):
            yield
        return
    folder = settings.data_dir / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / _file_name(name)))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise LockTimeout(f"{name} is held by another process") from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _advisory(url: str, name: str, timeout: float) -> Iterator[None]:
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as con:
        while not _try_advisory(con, name):
            if time.monotonic() >= deadline:
                raise LockTimeout(f"{name} is held by another process")
            time.sleep(0.1)
        yield


def _try_advisory(con: psycopg.Connection[Any], name: str) -> bool:
    row = con.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [f"mlbattle:{name}"]).fetchone()
    return bool(row and row[0])
