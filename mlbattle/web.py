"""The app's edge, and the one module of `mlbattle` that imports Streamlit.

Pages call this for settings, the demo banner, cached reads, the refresh-on-view rule, links between pages
and the organiser's login; everything else they need comes from `reads`, `charts` and `registry`.

Caching: `Source.read()` caches query *results* (a page of rows, 40 histogram bins, KPIs) in
`st.cache_data`, keyed by the reader, its arguments and a data version (a cheap probe of the competition's
row, its newest sync run and the participants), so every session shares one copy and a sync or a
registration is seen on the next rerun. Whole leaderboards are never cached or kept per session. A page
run's reads share one short-lived connection, opened only on a cache miss; Plotly figures are cached too
(`figure()`), because building one costs more than a warm page's queries.

Refresh on view: a page asks `refresh_on_view()`; when the competition is due (`sync.wants_view_refresh`,
and Kaggle credentials are set), one background thread per process (`Refresher`, held by
`st.cache_resource`) runs `sync.refresh_on_view`, i.e. `sync.sync(..., trigger="view", only_if_stale=True,
wait=False)`. The page never waits for it: it draws the last good data with its age at once, and the new
data lands on a later rerun (auto-refresh reruns sooner while a refresh is under way). Other sessions of
the process join the queued request; other processes are held off by the sync's file lock and its re-check
of staleness, so any number of viewers cause one download per interval.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import logging
import math
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Mapping
from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError
from streamlit_autorefresh import st_autorefresh

from . import db, demo, registry, setup_file, sync, throttle
from . import settings as settings_module
from .settings import Settings, SettingsError

log = logging.getLogger(__name__)

APP_TITLE = "ML-Battle Leaderboards"
PAGES = {
    "home": ("pages/home.py", ""),
    "leaderboard": ("pages/leaderboard.py", "leaderboard"),
    "event": ("pages/event.py", "event"),
    "participants": ("pages/participants.py", "participants"),
    "admin": ("pages/admin.py", "admin"),
}
# Keys carry the data version, so these only bound memory: entries nobody asked for in two minutes go, and
# at most CACHE_MAX_ENTRIES results (each one page of rows at most, mostly far less) stay in the process.
CACHE_TTL_SECONDS = 120
CACHE_MAX_ENTRIES = 500
PAGE_BUSY_SECONDS = 2.0
PROBE_FRESH_SECONDS = 1.0
LAST_SEEN_MAX = 1_000
RERUN_SECONDS = 60
REFRESHING_RERUN_SECONDS = 5
REFRESH_COOLDOWN_SECONDS = 15.0
MAX_FAILURES = 5
LOCKOUT_SECONDS = 300
_TOKEN_KEY = "admin_token"
_FAILURES_KEY = "admin_failures"
_LOCKED_UNTIL_KEY = "admin_locked_until"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^%@])")


# ---------------------------------------------------------------- page setup


def load_settings() -> Settings:
    """Environment, else secrets, else defaults: read on every run (cheap), so a changed secret applies."""
    try:
        return settings_module.load()
    except SettingsError as exc:
        st.error(f"The app's settings are wrong: {md(str(exc))}")
        st.stop()


def page(title: str) -> Settings:
    """What every page does first: its title, the settings, the demo data when due and its banner."""
    st.set_page_config(page_title=f"{title} · {APP_TITLE}", page_icon="🏆", layout="wide")
    cfg = load_settings()
    _apply_declared(cfg)
    if demo.is_demo(cfg):
        _fill_demo(cfg)
        st.info(
            "**Demo mode**: these leaderboards are sample data loaded through the app's own sync, because no "
            "Kaggle credentials are set. Set `KAGGLE_USERNAME` and `KAGGLE_KEY` (or `KAGGLE_API_TOKEN`) to "
            "follow real competitions.",
            icon="🧪",
        )
    return cfg


@st.cache_resource(show_spinner="Applying data/event.toml...")
def _declared_applied(db_key: str, _cfg: Settings) -> str | None:
    """Once per process and database: a redeploy rebuilds the event declared in the repository."""
    return setup_file.apply_declared(_cfg)


def _apply_declared(cfg: Settings) -> None:
    try:
        summary = _declared_applied(cfg.db, cfg)
    except Exception as exc:  # a bad file must not take the app down; it says what is wrong instead
        log.exception("the declared setup could not be applied")
        st.error(f"data/event.toml could not be applied: {md(str(exc))}")
    else:
        if summary:
            log.info("declared setup: %s", summary)


@st.cache_resource(show_spinner="Loading the demo leaderboards...")
def _demo_filled(db_key: str, _cfg: Settings) -> bool:
    """Once per process and database: fill an empty database from the sample leaderboards."""
    return demo.ensure_demo(_cfg)


def _fill_demo(cfg: Settings) -> None:
    try:
        _demo_filled(cfg.db, cfg)
    except Exception as exc:  # the app must still open on real data if the samples cannot load
        log.exception("demo data could not be loaded")
        st.warning(f"The demo data could not be loaded: {md(str(exc))}")


# ---------------------------------------------------------------- text


def md(text: object) -> str:
    """User text made literal inside st.markdown/title/caption: no emphasis, links, HTML, LaTeX or directives."""
    flat = " ".join(str("" if text is None else text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def age_text(then: datetime | None, now: datetime | None = None) -> str:
    """"3 min ago" for a naive-UTC timestamp as stored."""
    if then is None:
        return "never"
    seconds = ((now or registry.now()) - then).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return "1 day ago" if days == 1 else f"{days} days ago"


def score_format(values: Iterable[float | None]) -> str:
    """A printf format with about five significant digits for the largest score (0.98765, 1234.5)."""
    finite = [abs(float(v)) for v in values if v is not None and math.isfinite(float(v))]
    largest = max(finite, default=0.0)
    before = int(math.floor(math.log10(largest))) + 1 if largest >= 1 else 0
    return f"%.{max(0, min(5, 5 - before))}f"


@dataclass(frozen=True)
class SyncState:
    """What a page says about a competition's freshness."""

    text: str
    failed: bool
    error: str | None


def sync_state(record: Mapping[str, Any], now: datetime | None = None) -> SyncState:
    if record.get("last_success_at"):
        text = f"synced {age_text(record['last_success_at'], now)}"
    else:
        text = "not synced yet"
    failed = record.get("last_outcome") == "failed"
    if failed:
        text = f"{text}; last attempt failed {age_text(record.get('last_attempt_at'), now)}"
    return SyncState(text, failed, record.get("last_error") if failed else None)


def show_sync_state(record: Mapping[str, Any], refreshing: bool = False) -> None:
    state = sync_state(record)
    if state.failed:
        st.warning(f"⚠️ Last sync failed: {md(state.error or 'unknown reason')} ({md(state.text)})")
    else:
        st.caption(f"🔄 {md(state.text)}")
    if refreshing:
        st.info("Refreshing from Kaggle in the background; the data shown is the last good download.", icon="⏳")


# ---------------------------------------------------------------- links


def url(page_name: str, **params: str) -> str:
    """A relative link to a page with its query parameters, for places where st.page_link cannot go."""
    path = PAGES[page_name][1]
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"./{path}" + (f"?{query}" if query else "")


def link(page_name: str, label: str, **params: str) -> None:
    """st.page_link inside the app (keeps the session); a plain link when a page runs on its own."""
    path = settings_module.PROJECT_DIR / PAGES[page_name][0]
    query = {k: v for k, v in params.items() if v is not None}
    try:
        st.page_link(str(path), label=md(label), query_params=query or None)
    except StreamlitPageNotFoundError:
        st.markdown(f"[{md(label)}]({url(page_name, **query)})")


def pick(label: str, key: str, **params: str) -> None:
    """A choice that stays on this page: st.page_link to the current page drops its query parameters from
    the browser's URL, so the pick sets them itself, and the link stays shareable and survives a reload."""
    if st.button(md(label), key=key, type="tertiary", icon=":material/arrow_forward:"):
        st.query_params.update(params)
        st.rerun()


# ---------------------------------------------------------------- cached reads


class Source:
    """The reads of one page run. DuckDB locks the file against every other process while any connection is
    open, and a page that opened one on every view left a sync in another process (cron, a second replica)
    almost no moment to write (the load test measured 1 free moment in 79 tries with 50 viewers). So the
    version probes close their connection at once and are shared by all sessions for `PROBE_FRESH_SECONDS`:
    a crowd of viewers opens the file about once a second, not once a view. Only a run with cache misses
    (new data, new filters) keeps one connection for its reads, closed at the end of `web.source`.

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
        with _last_seen_lock:
            seen_at, seen = _probed_at.get(key, 0.0), _last_seen.get(key)
        if time.monotonic() - seen_at < PROBE_FRESH_SECONDS:
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
            while len(_last_seen) > LAST_SEEN_MAX:
                _probed_at.pop(next(iter(_last_seen)), None)
                _last_seen.pop(next(iter(_last_seen)))
        return value

    def read(self, version: Any, reader: Callable[..., Any], *args: Any) -> Any:
        """`reader(con, *args)` once per (reader, database, data version, args) for every session."""
        name = f"{reader.__module__}.{reader.__qualname__}"
        return _cached_read(name, self.cfg.db, version, args, _reader=reader, _source=self)


_last_seen: dict[tuple, Any] = {}
_probed_at: dict[tuple, float] = {}
_last_seen_lock = threading.Lock()


def forget_probes() -> None:
    """This process just wrote: the next probe reads the database, so its own change shows at once."""
    with _last_seen_lock:
        _probed_at.clear()


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def _cached_read(name: str, db_key: str, version: Any, args: tuple, _reader: Callable[..., Any],
                 _source: Source) -> Any:
    return _reader(_source.connection(), *args)


@contextlib.contextmanager
def source(cfg: Settings) -> Iterator[Source]:
    """Reads for a stretch of a page; the connection (if one was needed) is closed at the end."""
    reads_of_run = Source(cfg)
    try:
        yield reads_of_run
    except db.DatabaseBusy as exc:
        st.warning(f"The database is busy right now ({md(str(exc))}); reload in a moment.", icon="⏳")
        st.stop()
    finally:
        reads_of_run.close()


def probe(cfg: Settings, reader: Callable[..., Any], *args: Any) -> Any:
    with source(cfg) as data:
        return data.probe(reader, *args)


def read(cfg: Settings, version: Any, reader: Callable[..., Any], *args: Any) -> Any:
    with source(cfg) as data:
        return data.read(version, reader, *args)


@st.cache_resource(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES // 4, show_spinner=False)
def _cached_figure(name: str, args: tuple, kwargs: dict[str, Any], _builder: Callable[..., Any]) -> Any:
    return _builder(*args, **kwargs)


def figure(builder: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A chart built once per distinct input and shared, not copied: Plotly spends ~60 ms validating a
    figure, more than the rest of a warm page. Callers must not change the figure they get."""
    return _cached_figure(f"{builder.__module__}.{builder.__qualname__}", args, kwargs, _builder=builder)


# ---------------------------------------------------------------- refresh on view


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


def autorefresh(default_on: bool, refreshing: bool = False, key: str = "autorefresh") -> bool:
    """A visible toggle; while on, the page reruns every minute (every few seconds while a refresh runs)."""
    on = st.toggle("Auto-refresh", value=default_on, key=key,
                   help=f"Reload this page's data every {RERUN_SECONDS} s while it is open.")
    if on:
        seconds = REFRESHING_RERUN_SECONDS if refreshing else RERUN_SECONDS
        st_autorefresh(interval=seconds * 1000, key=f"{key}-timer")
    return on


# ---------------------------------------------------------------- messages that survive a rerun

_FLASH_KEY = "flash_messages"


def flash(kind: str, text: str, details: Iterable[str] = ()) -> None:
    """Keep an outcome for the next run, so an action can rerun the page (fresh tables) and still say what it
    did. `kind` is success, info, warning or error; text and details (one line each) are shown literally."""
    if kind not in ("success", "info", "warning", "error"):
        raise ValueError(f"unknown message kind {kind!r}")
    forget_probes()
    st.session_state.setdefault(_FLASH_KEY, []).append((kind, text, list(details)))


def show_flashes() -> None:
    for kind, text, details in st.session_state.pop(_FLASH_KEY, []):
        getattr(st, kind)(md(text))
        if details:
            st.text("\n".join(details))


def write(cfg: Settings, action: Callable[[Any], Any], done: Callable[[Any], str]) -> None:
    """One organiser write in its own connection: a refusal (ValueError) shows as an error where the form is;
    success is kept for the rerun, so the tables below show the result."""
    try:
        with db.connect(cfg) as con:
            result = action(con)
    except ValueError as exc:
        st.error(md(str(exc)))
        return
    flash("success", done(result))
    st.rerun()


def confirmed(ticked: bool, box: str) -> None:
    """Destructive actions need their box ticked; the refusal reads like every other one."""
    if not ticked:
        raise ValueError(f"tick “{box}” to confirm")


# ---------------------------------------------------------------- organiser login


def _digest(password: str) -> bytes:
    return hashlib.sha256(password.encode("utf-8")).digest()


def is_admin(cfg: Settings) -> bool:
    """Logged in with the password configured *now* (changing or removing it logs every session out), or
    signed in through Streamlit's own st.login with an address listed in MLBATTLE_ADMIN_EMAILS."""
    token = st.session_state.get(_TOKEN_KEY)
    by_password = bool(cfg.admin_password and isinstance(token, bytes)
                       and hmac.compare_digest(token, _digest(cfg.admin_password)))
    return by_password or (_signed_in_email() in cfg.admin_emails if cfg.admin_emails else False)


def oidc_configured() -> bool:
    """The host set up Streamlit's OIDC login (an [auth] table in secrets)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _signed_in_email() -> str | None:
    if not oidc_configured():
        return None
    try:
        if st.user.is_logged_in:
            return str(st.user.get("email") or "").strip().lower() or None
    except Exception:  # st.user outside a request
        return None
    return None


def require_admin(cfg: Settings) -> None:
    """Called first inside every organiser action, so no action runs for a session that is not logged in."""
    if not is_admin(cfg):
        st.error("Organiser actions need the organiser password: log in first.")
        st.stop()


# Wrong passwords per client address, across sessions: a new browser tab must not reset the count. Only
# addresses Streamlit knows count (it gives none for localhost and in AppTest), so a shared unknown address
# never locks everybody out.
_address_lockout = throttle.Lockout(MAX_FAILURES, LOCKOUT_SECONDS)


def _client_address() -> str | None:
    try:
        return st.context.ip_address or None
    except Exception:  # no request context: a bare script run
        return None


def _client_locked_until() -> float:
    address = _client_address()
    return _address_lockout.locked_until(address) if address else 0.0


def _count_client_failure(now: float) -> None:
    address = _client_address()
    if address is not None:
        _address_lockout.fail(address, now)


def locked_for(now: float | None = None) -> float:
    """Seconds this session (or its client address) must still wait after too many wrong passwords."""
    until = max(float(st.session_state.get(_LOCKED_UNTIL_KEY, 0.0)), _client_locked_until())
    return max(0.0, until - (now or time.time()))


_registrations = throttle.registrations()


def _registration_keys() -> dict[str, str | None]:
    session = st.session_state.setdefault("registration_session", secrets.token_hex(8))
    return {"session": session, "address": _client_address(), "app": "app"}


def registration_wait(now: float | None = None) -> float:
    """Seconds before this visitor may register someone else (per session, client address and app)."""
    return _registrations.wait(_registration_keys(), now or time.time())


def count_registration(now: float | None = None) -> None:
    _registrations.record(_registration_keys(), now or time.time())


def login(cfg: Settings, attempt: str) -> str | None:
    """Check a password; None when it is right, else the message to show. Five wrong ones lock the session
    out for `LOCKOUT_SECONDS`, during which even the right one is refused."""
    if not cfg.admin_password:
        return "No organiser password is configured."
    wait = locked_for()
    if wait > 0:
        return f"Too many wrong passwords: try again in {math.ceil(wait)} s."
    if hmac.compare_digest(_digest(attempt or ""), _digest(cfg.admin_password)):
        st.session_state[_TOKEN_KEY] = _digest(cfg.admin_password)
        st.session_state[_FAILURES_KEY] = 0
        return None
    _count_client_failure(time.time())
    failures = int(st.session_state.get(_FAILURES_KEY, 0)) + 1
    if failures >= MAX_FAILURES:
        st.session_state[_FAILURES_KEY] = 0
        st.session_state[_LOCKED_UNTIL_KEY] = time.time() + LOCKOUT_SECONDS
        return f"Too many wrong passwords: this session is locked out for {LOCKOUT_SECONDS // 60} min."
    st.session_state[_FAILURES_KEY] = failures
    return f"Wrong password ({MAX_FAILURES - failures} tries left)."


def logout() -> None:
    st.session_state.pop(_TOKEN_KEY, None)


def admin_gate(cfg: Settings) -> bool:
    """The login box, or why organiser actions are off; True when this session may act."""
    single_sign_on = oidc_configured() and bool(cfg.admin_emails)
    if not cfg.admin_password and not single_sign_on:
        st.warning(
            "Organiser actions are off: no organiser password is configured. Set the environment variable "
            "`MLBATTLE_ADMIN_PASSWORD`, or add `admin_password = \"...\"` to `.streamlit/secrets.toml` "
            "(on Streamlit Community Cloud: the app's Settings → Secrets), then reload. Or configure "
            "Streamlit's login (`[auth]` in secrets) and list organisers in `MLBATTLE_ADMIN_EMAILS`.",
            icon="🔒",
        )
        return False
    if is_admin(cfg):
        left, right = st.columns([4, 1])
        email = _signed_in_email()
        left.success(f"Logged in as organiser{f' ({md(email)})' if email else ''}.", icon="🔓")
        if right.button("Log out", key="admin_logout"):
            logout()
            if email:
                st.logout()
            st.rerun()
        return True
    if single_sign_on:
        email = _signed_in_email()
        if email:
            st.warning(f"Signed in as {md(email)}, which is not in MLBATTLE_ADMIN_EMAILS.")
        elif st.button("Log in with your account", key="admin_sso", icon=":material/login:"):
            st.login()
        if not cfg.admin_password:
            return False
    with st.form("admin_login"):
        attempt = st.text_input("Organiser password", type="password", key="admin_password")
        submitted = st.form_submit_button("Log in")
    if locked_for() > 0:
        st.error(f"Too many wrong passwords: try again in {math.ceil(locked_for())} s.")
    elif submitted:
        problem = login(cfg, attempt or "")
        if problem is None:
            st.rerun()
        st.error(problem)
    return False
