"""Page setup: the settings, the declared setup and the demo data applied once per process, the banner."""

from __future__ import annotations

import logging
import sys

import streamlit as st

from .. import demo, redact, scratch, setup_file
from .. import settings as settings_module
from ..settings import Settings, SettingsError
from ..text import md
from .auth import is_admin
from .data import STORE_FAILURES, stop_for_store_failure

log = logging.getLogger(__name__)

# How long a thread may hold Python's lock before another gets it (Python's default: 5 ms). The server is one
# process of many threads, and a page run gives the lock up at every small system call (each element it
# sends wakes the event loop) and then waits for it again behind whichever page run holds it: at 5 ms a
# wait, a page of 30 elements waited 150 ms under a full room. At 1 ms the big screens under load answered
# in a quarter of the time (docs/performance.md).
SWITCH_INTERVAL_SECONDS = 0.001

APP_TITLE = "ML-Battle Leaderboards"
PAGES = {
    "home": ("pages/home.py", ""),
    "leaderboard": ("pages/leaderboard.py", "leaderboard"),
    "event": ("pages/event.py", "event"),
    "season": ("pages/season.py", "season"),
    "participants": ("pages/participants.py", "participants"),
    "admin": ("pages/admin.py", "admin"),
    "screen": ("pages/screen.py", "screen"),
}


def load_settings() -> Settings:
    """Environment, else secrets, else defaults: read on every run (cheap), so a changed secret applies."""
    try:
        return settings_module.load()
    except SettingsError as exc:
        st.error(f"The app's settings are wrong: {md(str(exc))}")
        st.stop()


def page(title: str, banner: bool = True) -> Settings:
    """What every page does first: its title, the settings, the demo data when due and its banner (the big
    screen says "demo data" in its own footer instead)."""
    st.set_page_config(page_title=f"{title} · {APP_TITLE}", page_icon="🏆", layout="wide",
                       initial_sidebar_state="auto" if banner else "collapsed")
    cfg = load_settings()
    redact.install_logging_filter()
    _started(cfg.db, cfg)
    _apply_declared(cfg)
    if demo.is_demo(cfg):
        _fill_demo(cfg)
    if demo.is_demo(cfg) and banner:
        st.info(
            "**Demo mode**: these leaderboards are sample data loaded through the app's own sync, because no "
            "Kaggle credentials are set. Set `KAGGLE_API_TOKEN`, save the token in `~/.kaggle/access_token`, "
            "or set `KAGGLE_USERNAME` and `KAGGLE_KEY` to follow real competitions.",
            icon="🧪",
        )
    return cfg


@st.cache_resource(show_spinner=False)
def _started(db_key: str, _cfg: Settings) -> list[str]:
    """Once per process and database: remove the scratch folders a killed sync or restore left behind, and
    let page runs take turns on Python's lock in shorter slices."""
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    return scratch.sweep(_cfg)


def _problem(what: str, exc: BaseException, cfg: Settings) -> str:
    """The technical reason for organisers (secrets masked), a plain sentence for everyone else."""
    if is_admin(cfg):
        return f"{what}: {md(redact.one_line(exc, cfg))}"
    return f"{what}; an organiser can see why on the Admin page."


@st.cache_resource(show_spinner="Applying data/event.toml...")
def _declared_applied(db_key: str, _cfg: Settings) -> str | None:
    """Once per process and database: a redeploy rebuilds the event declared in the repository."""
    return setup_file.apply_declared(_cfg)


def _apply_declared(cfg: Settings) -> None:
    try:
        summary = _declared_applied(cfg.db, cfg)
    except STORE_FAILURES as exc:
        stop_for_store_failure(exc)
    except Exception as exc:  # a bad file must not take the app down; it says what is wrong instead
        log.exception("the declared setup could not be applied")
        st.error(_problem("data/event.toml could not be applied", exc, cfg))
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
    except STORE_FAILURES as exc:
        stop_for_store_failure(exc)
    except Exception as exc:  # the app must still open on real data if the samples cannot load
        log.exception("demo data could not be loaded")
        st.warning(_problem("The demo data could not be loaded", exc, cfg))

