"""Cached reads and figures shared by every session of the process.

`Source.read()` keeps query *results* (a page of rows, 40 histogram bins, KPIs) in one process-wide `Shared`
store, keyed by the reader, its arguments and a data version (a cheap probe of the competition's row, its newest sync run and
the participants), so every session shares one copy (handed out as a cheap copy-on-write copy, `fresh`) and a sync or a registration is seen on the next rerun.
Whole leaderboards are never cached or kept per session. A page run's reads share one short-lived connection,
opened only on a cache miss; Plotly figures are cached too (`figure()`), because building one costs more than
a warm page's queries.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import cachetools
import duckdb
import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from .. import db
from ..settings import Settings

log = logging.getLogger(__name__)

# Keys carry the data version, so these only bound memory: entries nobody asked for in two minutes go, and
# at most CACHE_MAX_ENTRIES results (each one page of rows at most, mostly far less) stay in the process.
CACHE_TTL_SECONDS = 120
CACHE_MAX_ENTRIES = 500
PAGE_BUSY_SECONDS = 2.0
PROBE_FRESH_SECONDS = 1.0
PROBE_RECHECK_SECONDS = 15.0
LAST_SEEN_MAX = 1_000


class Source:
    """The reads of one page run. DuckDB locks the file against every other process while any connection is
    open, and a page that opened one on every view left a sync in another process (cron, a second replica)
    almost no moment to write (the load test measured 1 free moment in 79 tries with 50 viewers). So the
    version probes close their connection at once and are shared by all sessions for `PROBE_FRESH_SECONDS`:
    a crowd of viewers opens the file about once a second, not once a view. Only a run with cache misses
    (new data, new filters) keeps one connection for its reads, closed at the end of `web.source`.

    Between those moments a probe costs two `stat` calls: when neither the database file nor its write-ahead
    log changed since a probe read the version (every committed write changes one of them; reading does
    not), the version it read still holds, and the file is not even opened. That is what a page's timer
    asks on every tick, so a room on an unchanged board touches the file once in `PROBE_RECHECK_SECONDS`
    (read again that often all the same: a write of this process can land between a probe's `stat` and its
    read, and not every page write says so through `forget_probes`).

    Another process (a cron `sync --all`) can hold the database file while it loads a download. A page
    waits at most `PAGE_BUSY_SECONDS` for it, then answers its probes with the versions it saw last, so
    the cached results of the last good data are shown instead of a blank page.
    """

    def __init__(self, cfg: Settings) -> None:
        self.cfg = cfg
        self._connect_as = dataclasses.replace(cfg, db_busy_timeout=min(cfg.db_busy_timeout, PAGE_BUSY_SECONDS))
        self._stack: contextlib.ExitStack | None = None
        self._con: Any = None

    def connection(self) -> Any:
        if self._con is None:
            stack = contextlib.ExitStack()
            self._con = stack.enter_context(db.connect(self._connect_as))
            self._stack = stack
        return self._con

    def close(self) -> None:
        if self._stack is not None:
            self._stack.close()
        self._stack = self._con = None

    def probe(self, reader: Callable[..., Any], *args: Any) -> Any:
        """A cheap version probe that keys the cached reads; fresh to within `PROBE_FRESH_SECONDS`."""
        key = (self.cfg.db, reader.__qualname__, args)
        signature = file_signature(self.cfg)  # before the read: a write after it shows in the next one
        with _last_seen_lock:
            seen_at, seen = _probed_at.get(key, 0.0), _last_seen.get(key)
            unchanged = signature is not None and key in _last_seen and _signatures.get(key) == signature
        age = time.monotonic() - seen_at
        if age < PROBE_FRESH_SECONDS or (unchanged and age < PROBE_RECHECK_SECONDS):
            return seen
        try:
            try:
                value = reader(self.connection(), *args)
            finally:
                self.close()
        except db.DatabaseBusy:
            with _last_seen_lock:
                if key not in _last_seen:
                    raise
                seen = _last_seen[key]
            st.caption("⏳ The database is busy with a sync in another process: showing the last data seen.")
            return seen
        with _last_seen_lock:
            _last_seen[key] = value
            _probed_at[key] = time.monotonic()
            _signatures[key] = signature
            while len(_last_seen) > LAST_SEEN_MAX:
                _probed_at.pop(next(iter(_last_seen)), None)
                _signatures.pop(next(iter(_last_seen)), None)
                _last_seen.pop(next(iter(_last_seen)))
        return value

    def read(self, version: Any, reader: Callable[..., Any], *args: Any) -> Any:
        """`reader(con, *args)` once per (reader, database, data version, args) for every session."""
        key = (reader.__module__, reader.__qualname__, self.cfg.db, version, args)
        return shared_values()["results"].get(key, lambda: _Result.of(reader(self.connection(), *args))).handed_out()


_last_seen: dict[tuple, Any] = {}
_probed_at: dict[tuple, float] = {}
_signatures: dict[tuple, Any] = {}
_last_seen_lock = threading.Lock()


def file_signature(cfg: Settings) -> tuple | None:
    """(mtime, size) of the database file and of its write-ahead log; None where the data is not a local
    file (Postgres, MotherDuck), so every probe there reads."""
    if not cfg.is_local_db:
        return None
    found: list[tuple[int, int] | None] = []
    for path in (cfg.db, f"{cfg.db}.wal"):
        try:
            stat = os.stat(path)
        except OSError:
            found.append(None)
        else:
            found.append((stat.st_mtime_ns, stat.st_size))
    return tuple(found)


def forget_probes() -> None:
    """This process just wrote: the next probe reads the database, so its own change shows at once."""
    with _last_seen_lock:
        _probed_at.clear()
        _signatures.clear()


class Shared:
    """Values shared by every session of the process, each built once: `get(key, build)` returns the kept
    value for `key` (any hashable: Python hashes it, nothing is pickled or inspected), else builds it while
    other sessions asking for the same key wait for that one build instead of repeating it.

    Keys carry the data version, so the bounds only limit memory: at most `size` entries, each gone
    `ttl` seconds after it was built. Held by `st.cache_resource` (`shared_values`), so Streamlit's "Clear
    caches" (and a test's `st.cache_resource.clear()`) empties it too.

    Why not `st.cache_data`: it pickles each result and unpickles it on every read, and hashes its arguments
    after inspecting the function's signature on every call; under a full room those two were a third of
    the server's Python time (the load test's profile, docs/performance.md)."""

    def __init__(self, size: int, ttl: float) -> None:
        self._values: cachetools.TTLCache = cachetools.TTLCache(maxsize=size, ttl=ttl)
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            found = self._values.get(key, _MISSING)
            if found is not _MISSING:
                return found
            gate = self._building.setdefault(key, threading.Lock())
        with gate:  # one build per key; the others wait for it and take its value
            with self._lock:
                found = self._values.get(key, _MISSING)
            if found is not _MISSING:
                return found
            try:
                value = build()
                with self._lock:
                    self._values[key] = value
            finally:
                with self._lock:
                    self._building.pop(key, None)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)


_MISSING = object()


@st.cache_resource(show_spinner=False)
def shared_values() -> dict[str, Shared]:
    """The process's shared values: query results, and what pages derive from them (tables, figures)."""
    return {"results": Shared(CACHE_MAX_ENTRIES, CACHE_TTL_SECONDS),
            "derived": Shared(CACHE_MAX_ENTRIES // 2, CACHE_TTL_SECONDS)}


def forget_results() -> None:
    """The data changed under the same version (a backup restored): every session reads it anew."""
    for values in shared_values().values():
        values.clear()


_IMMUTABLE = (str, int, float, bool, bytes, type(None), datetime.date, datetime.timedelta)


def fresh(value: Any) -> Any:
    """A shared result as a caller may change it without touching the shared one: DataFrames and Series as
    copies that share their data until written (pandas' copy-on-write), containers and dataclasses rebuilt
    around fresh items, immutable values as they are. About a microsecond per item, where unpickling a
    result cost a millisecond or more."""
    if isinstance(value, _IMMUTABLE):
        return value
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    if isinstance(value, list):
        return [fresh(item) for item in value]
    if isinstance(value, dict):
        return {name: fresh(item) for name, item in value.items()}
    if isinstance(value, tuple):
        items = [fresh(item) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: fresh(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    return copy.deepcopy(value)


def immutable(value: Any) -> bool:
    """True when nothing in `value` can be changed in place (scalars, and tuples and frozen dataclasses of
    them, like a competition's grades): such a result is handed out as it is, without `fresh`."""
    if isinstance(value, _IMMUTABLE):
        return True
    if isinstance(value, tuple):
        return all(immutable(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and value.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        return all(immutable(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


@dataclasses.dataclass(frozen=True)
class _Result:
    value: Any
    frozen: bool  # nothing in it can change: handed out as it is

    @classmethod
    def of(cls, value: Any) -> _Result:
        return cls(value, immutable(value))

    def handed_out(self) -> Any:
        return self.value if self.frozen else fresh(self.value)


@contextlib.contextmanager
def source(cfg: Settings) -> Iterator[Source]:
    """Reads for a stretch of a page; the connection (if one was needed) is closed at the end."""
    reads_of_run = Source(cfg)
    try:
        yield reads_of_run
    except STORE_FAILURES as exc:
        stop_for_store_failure(exc)
    finally:
        reads_of_run.close()


# What a store that cannot answer raises: DuckDB's errors (Postgres through its extension included), a file
# the OS refuses, the two the database layer names itself. A page shows a plain reason for these, never the
# exception, whose text may hold a server path or, for Postgres, the whole connection URL.
STORE_FAILURES: tuple[type[BaseException], ...] = (db.DatabaseBusy, db.DatabaseDamaged, duckdb.Error, OSError)


def store_failure_reason(exc: BaseException) -> str:
    """The one line a visitor sees when the data cannot be read."""
    if isinstance(exc, db.DatabaseBusy):
        return "The database is busy with a sync in another process right now: reload in a moment."
    if isinstance(exc, db.DatabaseDamaged):
        return "The leaderboards cannot be shown: the database file is damaged, and an organiser must restore a backup."
    return "The leaderboards cannot be shown right now: the database is not reachable. Reload in a minute."


def stop_for_store_failure(exc: BaseException) -> None:
    """Log the cause (secrets masked by the log filter) and end the page run with the plain reason."""
    if not isinstance(exc, db.DatabaseBusy):
        log.error("a page could not read the database: %s", exc)
    st.warning(store_failure_reason(exc), icon="⏳" if isinstance(exc, db.DatabaseBusy) else "⚠️")
    st.stop()


@contextlib.contextmanager
def store(cfg: Settings) -> Iterator[Any]:
    """A connection for a page's own write (a registration): a store failure ends the run with its plain
    reason; a refusal (ValueError) goes to the caller."""
    try:
        with db.connect(cfg) as con:
            yield con
    except STORE_FAILURES as exc:
        stop_for_store_failure(exc)


def probe(cfg: Settings, reader: Callable[..., Any], *args: Any) -> Any:
    with source(cfg) as data:
        return data.probe(reader, *args)


def read(cfg: Settings, version: Any, reader: Callable[..., Any], *args: Any) -> Any:
    with source(cfg) as data:
        return data.read(version, reader, *args)


class SharedFigure(go.Figure):
    """A figure built once and drawn by many sessions: its dictionary, which `st.plotly_chart` asks for on
    every draw (a deep copy of the whole figure, about a tenth of a warm page's Python), is made once."""

    def to_dict(self) -> dict[str, Any]:
        made = self.__dict__.get("_shared_dict")
        if made is None:
            made = super().to_dict()
            self.__dict__["_shared_dict"] = made
        return made


def as_arrow(frame: pd.DataFrame) -> pa.Table | pd.DataFrame:
    """A table to keep and draw as Arrow: `st.dataframe` sends an Arrow table as it is, where it converts a
    DataFrame again on every draw (a tenth of a warm leaderboard's Python). A frame Arrow cannot take as it
    stands (a column of mixed types) stays a DataFrame, which Streamlit converts its own way."""
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return frame


def _built(name: str, key: Hashable, builder: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> Any:
    return shared_values()["derived"].get((name, key), lambda: builder(*args, **kwargs))


def kept(key: Hashable, builder: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`builder(*args, **kwargs)` once per `key` and shared, not copied; the inputs are not hashed.

    For what a page derives from its cached reads (a table's added columns, a chart): the reads are keyed by
    the data version, so the derived value is too, and `key` (a tuple holding the data version and every
    other input that varies: slug, filters, page) names it without hashing whole DataFrames on every run,
    which cost more than building them again at times. Callers must not change what they get."""
    return _built(f"{builder.__module__}.{builder.__qualname__}", key, builder, args, kwargs)


def figure(builder: Callable[..., Any], *args: Any, key: Hashable = None, **kwargs: Any) -> Any:
    """A chart built once per distinct input and shared, not copied: Plotly spends ~60 ms validating a
    figure, more than the rest of a warm page, and its dictionary is made once too (`SharedFigure`). With
    `key` (see `kept`) only the key is hashed, not the inputs: what a page run on every refresh should use.
    Callers must not change the figure they get."""
    name = f"{builder.__module__}.{builder.__qualname__}"
    if key is None:
        return _cached_figure(name, args, kwargs, _builder=builder)
    return _built(name, key, lambda *a, **k: SharedFigure(builder(*a, **k)), args, kwargs)


@st.cache_resource(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES // 4, show_spinner=False)
def _cached_figure(name: str, args: tuple, kwargs: dict[str, Any], _builder: Callable[..., Any]) -> Any:
    return SharedFigure(_builder(*args, **kwargs))
