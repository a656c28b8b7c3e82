"""The app's edge, and the one package of `mlbattle` that imports Streamlit (a test holds that boundary).

Pages call `web.X` for everything they need from here: settings and the demo banner (`setup`), links between
pages (`links`), cached reads and figures (`data`), refresh on view and the rerun timer (`refresh`), organiser
writes and their messages (`actions`), and the organiser's login (`auth`). Reads, charts and registry calls
come from the Streamlit-free modules of `mlbattle`; text helpers from `mlbattle.text`.
"""

from ..text import SyncState, age_text, md, score_format, sync_state
from . import screen, shakeup  # noqa: E402  (the big screen's and the private reveal's drawing)
from .actions import confirmed, flash, show_flashes, write
from .auth import (
    LOCKOUT_SECONDS,
    MAX_FAILURES,
    admin_gate,
    count_registration,
    is_admin,
    locked_for,
    login,
    logout,
    oidc_configured,
    registration_wait,
    require_admin,
)
from .data import (
    PAGE_BUSY_SECONDS,
    PROBE_FRESH_SECONDS,
    Source,
    as_arrow,
    figure,
    forget_probes,
    forget_results,
    kept,
    probe,
    read,
    source,
    store,
)
from .links import link, pick, url
from .movers import marked, medal_kpi, movers_strip
from .refresh import (
    Refresher,
    Watch,
    autorefresh,
    changed,
    follow,
    refresh_on_view,
    refresher,
    show_sync_state,
    view_refresh_due,
)
from .setup import APP_TITLE, PAGES, load_settings, page

__all__ = [
    "APP_TITLE", "LOCKOUT_SECONDS", "MAX_FAILURES", "PAGES", "PAGE_BUSY_SECONDS", "PROBE_FRESH_SECONDS",
    "Refresher", "Source", "SyncState", "Watch", "admin_gate", "as_arrow", "age_text", "autorefresh", "changed", "confirmed",
    "count_registration", "figure", "flash", "follow", "forget_probes", "forget_results", "is_admin", "kept", "link", "load_settings",
    "locked_for", "login", "logout", "marked", "md", "medal_kpi", "movers_strip",
    "oidc_configured", "page", "pick", "probe", "read", "refresh_on_view", "refresher", "registration_wait",
    "require_admin", "score_format", "screen", "shakeup", "show_flashes", "show_sync_state", "source", "store",
    "sync_state", "url",
    "view_refresh_due", "write",
]
