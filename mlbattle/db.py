"""Short-lived DuckDB connections that tolerate another process holding the file, and the migrations.

`MLBATTLE_DB` is a local DuckDB file, a PostgreSQL URL or a MotherDuck database (`md:NAME`). DuckDB stays the
engine that reads the CSVs and runs the matching join in every case; for Postgres the tables live in the
server, attached through DuckDB's postgres extension, so the data survives a wiped disk and is shared by
replicas.

DuckDB lets one process open a database file for writing at a time, and locks out even readers while it
does, so nothing here keeps the file: each unit of work attaches it, does its work and lets it go, and an
attempt that meets another process's lock is retried until `db_busy_timeout`.

A local file is attached to one in-memory DuckDB per process (the engine) rather than opened with
`duckdb.connect`: starting a DuckDB instance costs about 10 ms, attaching a file under 1 ms. Units of work
that overlap in one process (page threads, the background refresher) share the attachment; the last one
out detaches it, which releases the file for other processes.

Each commit that writes also checkpoints (`WAL_CHECKPOINT` is tiny), so no write-ahead log stays beside the
file. A log left behind is replayed by every attach after it, in any process, page views included: 11 to
17 ms each after a 100,000-row sync, until some later commit folds it in. With DuckDB's newest storage
format the checkpoint costs about what one replay does (13 ms at that size), so folding at once made the
whole sync faster too (92 to 97 ms against 106 to 108 with a 1 MB log, measured back to back).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

from . import locks, queries, redact
from .settings import Settings

log = logging.getLogger(__name__)

# One thread per query: the app's queries are small (a sync writes a few thousand rows, a page reads one
# page of them), where a second thread costs more than it gives (a 100,000-row sync took 107 and 118 ms with
# one, 119 and 124 with two, in two interleaved runs), and concurrent page views share the cores instead of
# oversubscribing them.
ENGINE_THREADS = 1
WAL_CHECKPOINT = "1KB"  # any commit that writes logs more than this
# The newest storage format of the pinned DuckDB, not the v0.10-compatible default: its checkpoints cost
# 10 ms where the default's cost 25 (a 100,000-row board after an update of 5,000 rows). A file made with
# the default is upgraded as it is written to; DuckDB older than the pin cannot open it afterwards.
STORAGE_VERSION = "latest"
# New files get 64 KB blocks, not DuckDB's 256 KB: a checkpoint writes whole blocks for every table it
# touches (four per sync), so smaller blocks make each sync's commit cheaper (1,744 rows: 10 to 11 ms against
# 15 to 17; 100,000 rows: 15 to 16 against 19 to 20, interleaved on two stores), and page reads measured the
# same. At 1,000,000 rows the commit costs more (128 and 129 ms against 77 and 102, 2 to 3% of that sync);
# 128 KB blocks cost the same as 256 KB there but gave back less at 1,744 rows. A file keeps the block size
# it was made with; DuckDB refuses to attach it under another one.
BLOCK_SIZE = 64 * 1024
_migrating = threading.Lock()
_migrated: set[str] = set()


class DatabaseBusy(RuntimeError):
    """Another process held the database for longer than the configured wait."""


class DatabaseDamaged(RuntimeError):
    """The database file cannot be read: said at once, never waited on, never written into."""

    def __init__(self, path: str) -> None:
        super().__init__(f"the database file is damaged: restore a backup ({redact.redact(path)})")
        self.path = path


# DuckDB's words for a file it cannot read: "Corrupt database file: computed checksum ... in block at
# location 0", "... exists, but it is not a valid DuckDB database file!", and their kin.
_DAMAGE = re.compile(r"corrupt|checksum|not a valid duckdb|invalid (database|block|pointer)|"
                     r"serialization error|file is too small|wrong file format", re.IGNORECASE)
# A lock conflict names a lock as a word ("Could not set lock on file ...: Conflicting lock is held");
# the checksum message's "block" is not one.
_LOCK = re.compile(r"\block\b|conflicting", re.IGNORECASE)


def is_damage(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.Error) and bool(_DAMAGE.search(str(exc)))


def _is_lock_conflict(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.IOException) and not is_damage(exc) and bool(_LOCK.search(str(exc)))


class _Engine:
    """The process's in-memory DuckDB and the local files attached to it, each counted by its users.

    One instance per process, made with the first settings' memory limit (a process runs with one set).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._instance: duckdb.DuckDBPyConnection | None = None
        self._users: dict[str, int] = {}

    def _engine(self, settings: Settings) -> duckdb.DuckDBPyConnection:
        if self._instance is None:
            engine = duckdb.connect(":memory:", config={"memory_limit": settings.memory_limit,
                                                        "threads": ENGINE_THREADS})
            engine.execute("PRAGMA disable_checkpoint_on_shutdown")
            engine.execute(f"SET wal_autocheckpoint = '{WAL_CHECKPOINT}'")
            engine.execute(f"SET default_block_size = {BLOCK_SIZE}")  # for new files only, so old ones attach
            self._instance = engine
        return self._instance

    @staticmethod
    def alias(path: str) -> str:
        """A catalog name derived from the file's absolute path: never from user text, one per file."""
        return "store_" + hashlib.sha256(_resolved(path, os.getcwd()).encode()).hexdigest()[:16]

    def enter(self, settings: Settings) -> duckdb.DuckDBPyConnection:
        """A cursor on the attached file; attaches it (taking DuckDB's file lock) if nobody here has it yet."""
        alias = self.alias(settings.db)
        with self._lock:
            engine = self._engine(settings)
            if not self._users.get(alias):
                Path(settings.db).parent.mkdir(parents=True, exist_ok=True)
                path = _sql_literal(_resolved(settings.db, os.getcwd()))
                engine.execute(f"ATTACH IF NOT EXISTS {path} AS {alias} (STORAGE_VERSION '{STORAGE_VERSION}')")
            self._users[alias] = self._users.get(alias, 0) + 1
        cursor = engine.cursor()
        try:
            cursor.execute(f"USE {alias}")
        except BaseException:
            self.leave(settings, cursor)
            raise
        return cursor

    def leave(self, settings: Settings, cursor: duckdb.DuckDBPyConnection) -> None:
        """Close the cursor; the last user detaches the file, which releases DuckDB's lock on it."""
        alias = self.alias(settings.db)
        cursor.close()
        with self._lock:
            self._users[alias] -= 1
            if self._users[alias] == 0:
                del self._users[alias]
                self._engine(settings).execute(f"DETACH DATABASE IF EXISTS {alias}")


@functools.lru_cache(maxsize=64)
def _resolved(path: str, cwd: str) -> str:
    """The file's absolute path, worked out once per (path, working folder): resolving walks every folder of
    it with a system call each, twice per page read before."""
    return str(Path(cwd, path).resolve())


_engine = _Engine()


def _open(settings: Settings) -> duckdb.DuckDBPyConnection:
    if not settings.is_local_db:
        cursor = _remote(settings).cursor()
        if not settings.db.startswith("md:"):
            cursor.execute("USE store")
        return cursor
    return _engine.enter(settings)


def _close(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    if not settings.is_local_db:
        con.close()
    else:
        _engine.leave(settings, con)


_remotes: dict[str, duckdb.DuckDBPyConnection] = {}
DuckConfig = dict[str, str | bool | int | float | list[str]]  # what duckdb.connect(config=...) takes


def _remote(settings: Settings) -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process with the remote store attached; each unit of work takes a cursor.

    No file lock is at stake here, so the attachment (a network handshake) is made once, not per query.
    """
    if settings.db not in _remotes:
        config: DuckConfig = {"memory_limit": settings.memory_limit, "threads": ENGINE_THREADS}
        if settings.db.startswith("md:"):
            if settings.motherduck_token:
                config["motherduck_token"] = settings.motherduck_token
            _remotes[settings.db] = duckdb.connect(settings.db, config=config)
        else:
            base = duckdb.connect(":memory:", config=config | _postgres_extension())
            base.execute("LOAD postgres")
            base.execute(f"ATTACH {_sql_literal(settings.db)} AS store (TYPE postgres)")
            _remotes[settings.db] = base
    return _remotes[settings.db]


def _sql_literal(text: str) -> str:
    """ATTACH takes no parameters; the URL comes from the operator's settings and is quoted here."""
    return "'" + text.replace("'", "''") + "'"


def _postgres_extension() -> DuckConfig:
    """Use the extension shipped on PyPI (duckdb-extension-postgres) when present, so no download is needed.

    DuckDB looks for it as <dir>/v<version>/<platform>/postgres_scanner.duckdb_extension; without the
    package (e.g. on macOS) DuckDB installs it from its own repository on first use, as Streamlit Cloud can.
    """
    try:
        import duckdb_extension_postgres
    except ImportError:
        return {}
    shipped = Path(duckdb_extension_postgres.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    source = shipped / "postgres.duckdb_extension"
    if not source.is_file():
        return {}
    row = duckdb.sql("PRAGMA platform").fetchone()
    assert row is not None  # a PRAGMA that always answers one row
    platform = row[0]
    folder = Path.home() / ".duckdb" / "extensions"  # where DuckDB itself installs extensions
    target = folder / f"v{duckdb.__version__}" / platform / "postgres_scanner.duckdb_extension"
    if not target.is_file() or target.stat().st_size != source.stat().st_size:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return {"extension_directory": str(folder), "autoinstall_known_extensions": False}


@contextmanager
def connect(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for one unit of work; the schema is brought up to date on first use in the process."""
    retrying = Retrying(
        retry=retry_if_exception(_is_lock_conflict),
        stop=stop_after_delay(settings.db_busy_timeout),
        wait=wait_random_exponential(multiplier=0.02, max=0.5),
        reraise=True,
    )
    try:
        for attempt in retrying:
            with attempt:
                con = _open(settings)
    except duckdb.Error as exc:
        if is_damage(exc):
            raise DatabaseDamaged(settings.db) from None
        if _is_lock_conflict(exc):
            raise DatabaseBusy(f"the database {redact.redact(settings.db)} stayed busy for "
                               f"{settings.db_busy_timeout:g} s (another process holds it)") from None
        raise
    try:
        if settings.db not in _migrated:
            with _migrating, locks.hold(settings, "migrations", settings.db_busy_timeout):
                if settings.db not in _migrated:
                    migrate(con)
                    _migrated.add(settings.db)
        yield con
    except duckdb.Error as exc:  # a damaged block met mid-query
        if is_damage(exc):
            raise DatabaseDamaged(settings.db) from None
        raise
    finally:
        _close(settings, con)


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply the migrations the database has not seen, each in its own transaction; return the version."""
    con.execute(queries.CREATE_SCHEMA_VERSION)
    row = con.execute(queries.SCHEMA_VERSION).fetchone()
    version = row[0] if row and row[0] is not None else 0
    for number, statements in enumerate(queries.MIGRATIONS[version:], start=version + 1):
        con.execute("BEGIN TRANSACTION")
        try:
            for statement in statements:
                con.execute(statement)
            con.execute(queries.SET_SCHEMA_VERSION, [number])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        log.info("database migrated to version %s", number)
        version = number
    return version


_in_transaction: set[int] = set()  # connections inside `transaction`; a connection serves one thread


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a failure anywhere inside leaves the database as it was.

    A unit of work that opens its own transaction inside another joins the outer one, so small writes
    (importing participants, say) compose into one larger all-or-nothing write.
    """
    if id(con) in _in_transaction:
        yield con
        return
    con.execute("BEGIN TRANSACTION")
    _in_transaction.add(id(con))
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        _in_transaction.discard(id(con))
    con.execute("COMMIT")
