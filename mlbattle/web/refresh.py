"""Refresh on view, and the page's own rerun timer.

A page asks `refresh_on_view()`; when the competition is due (`sync.wants_view_refresh`, and Kaggle credentials
are set), one background thread per process (`Refresher`, held by `st.cache_resource`) runs
`sync.refresh_on_view`, i.e. `sync.sync(..., trigger="view", only_if_stale=True, wait=False)`. The page never
waits for it: it draws the last good data with its age at once, and the new data lands on a later rerun
(auto-refresh reruns sooner while a refresh is under way). Other sessions of the process join the queued
request; other processes are held off by the sync's file lock and its re-check of staleness, so any number of
viewers cause one download per interval.

The page's own timer (`autorefresh`) is a fragment (`st.fragment(run_every=...)`), not a whole-page rerun: on
each tick only `_tick` runs. It asks the cached version probe the page's reads are keyed by, and starts the
view refresh of the competitions shown; when the version is the one the page drew, it does nothing more (no
table, no figure is rebuilt or sent), and only a changed version (or a background refresh starting or
ending) reruns the page. So a room of phones on an unchanged board costs a probe per tick, not a page run.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from .. import sync
from ..settings import Settings
from ..text import md, sync_state
from .data import forget_probes, probe

log = logging.getLogger(__name__)

RERUN_SECONDS = 60
REFRESHING_RERUN_SECONDS = 5
REFRESH_COOLDOWN_SECONDS = 15.0


def show_sync_state(record: Mapping[str, Any], refreshing: bool = False) -> None:
    state = sync_state(record)
    if state.failed:
        st.warning(f"⚠️ Last sync failed: {md(state.error or 'unknown reason')} ({md(state.text)})")
    else:
        st.caption(f"🔄 {md(state.text)}")
    if refreshing:
        st.info("Refreshing from Kaggle in the background; the data shown is the last good download.", icon="⏳")



class Refresher:
    """One background thread per process running view-triggered syncs, one competition at a time.

    A request for a competition already queued or running joins it; a competition refreshed moments ago
    is not asked again (a "busy" or "fresh" answer leaves its last attempt unchanged). Serial on purpose:
    it bounds the memory a burst of syncs could take, and Kaggle is paced per process anyway.
    """

    def __init__(self, cooldown: float = REFRESH_COOLDOWN_SECONDS) -> None:
        self._cooldown = cooldown
        self._changed = threading.Condition()
        self._queue: dict[tuple[str, str], Settings] = {}
        self._running: tuple[str, str] | None = None
        self._finished_at: dict[tuple[str, str], float] = {}
        self._thread: threading.Thread | None = None
        self.results: dict[tuple[str, str], sync.SyncResult] = {}

    def request(self, cfg: Settings, slug: str) -> bool:
        """Queue a refresh; False when one is already queued, running, or just finished."""
        key = (cfg.db, slug)
        with self._changed:
            recent = time.monotonic() - self._finished_at.get(key, -math.inf) < self._cooldown
            if key == self._running or key in self._queue or recent:
                return False
            self._queue[key] = cfg
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="mlbattle-refresh", daemon=True)
                self._thread.start()
            return True

    def busy(self, cfg: Settings, slug: str) -> bool:
        key = (cfg.db, slug)
        with self._changed:
            return key == self._running or key in self._queue

    def wait_idle(self, timeout: float) -> bool:
        """For tests and shutdown: True once nothing is queued or running."""
        with self._changed:
            return self._changed.wait_for(lambda: self._thread is None, timeout=timeout)

    def _work(self) -> None:
        while True:
            with self._changed:
                if not self._queue:
                    self._thread = None
                    self._changed.notify_all()
                    return
                key = next(iter(self._queue))
                cfg = self._queue.pop(key)
                self._running = key
            try:
                result = sync.refresh_on_view(key[1], cfg)
            except Exception as exc:  # never let one competition's crash stop the others' refreshes
                log.exception("view refresh of %s crashed", key[1])
                result = sync.SyncResult(key[1], "failed", error=str(exc))
            forget_probes()
            with self._changed:
                if result is not None:
                    self.results[key] = result
                self._finished_at[key] = time.monotonic()
                self._running = None
                self._changed.notify_all()


@st.cache_resource(show_spinner=False)
def refresher() -> Refresher:
    return Refresher()


def view_refresh_due(cfg: Settings, record: Mapping[str, Any]) -> bool:
    """The sync's page-view rule, and credentials to download with: without them (the demo) a view would
    only record a failed run every interval."""
    return bool(cfg.kaggle.present and sync.wants_view_refresh(dict(record), cfg))


def refresh_on_view(cfg: Settings, record: Mapping[str, Any]) -> bool:
    """Start a background refresh when due; True while one for this competition is queued or running."""
    worker = refresher()
    if view_refresh_due(cfg, record):
        worker.request(cfg, record["slug"])
    return worker.busy(cfg, record["slug"])


@dataclass(frozen=True)
class Watch:
    """What a page run drew from: the probe its reads are keyed by (`reader(con, *args)`), the version it
    returned, the competitions shown (refreshed on view by the timer too), and whether a refresh was running."""

    reader: Callable[..., Any]
    args: tuple = ()
    version: Any = None
    records: Sequence[Mapping[str, Any]] = field(default=())
    refreshing: bool = False


def changed(cfg: Settings, seen: Watch) -> bool:
    """One tick of the timer: start due view refreshes, then True when the page must be drawn again."""
    refreshing = any([refresh_on_view(cfg, record) for record in seen.records])
    return refreshing != seen.refreshing or probe(cfg, seen.reader, *seen.args) != seen.version


def follow(cfg: Settings, seen: Watch, seconds: float, also: Callable[[], bool] | None = None) -> None:
    """Every `seconds`, rerun only a fragment that checks `changed` (or `also`, e.g. a slide's turn) and,
    only then, the whole page; an unchanged tick sends the browser nothing but the fragment's end."""

    drawn = [False]  # the fragment also runs inline as the page draws it: that run has nothing to check

    def _tick() -> None:
        if not drawn[0]:
            drawn[0] = True
        elif any([changed(cfg, seen), also is not None and also()]):  # both run: a slide turns on every tick
            st.rerun()

    st.fragment(_tick, run_every=seconds)()


def autorefresh(cfg: Settings, seen: Watch, default_on: bool, key: str = "autorefresh") -> bool:
    """A visible toggle; while on, the page's data is checked every minute (every few seconds while a
    refresh runs) and the page redrawn when it changed."""
    on = st.toggle("Auto-refresh", value=default_on, key=key,
                   help=f"Check this page's data every {RERUN_SECONDS} s while it is open and redraw it when it "
                        "changed.")
    if on:
        follow(cfg, seen, REFRESHING_RERUN_SECONDS if seen.refreshing else RERUN_SECONDS)
    return on
