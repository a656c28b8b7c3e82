"""The sync log tab: the newest runs, failures first to the eye.

Every action handler starts with `web.require_admin(cfg)` (a test parses this file to hold that).
"""

from __future__ import annotations

import streamlit as st

from mlbattle import reads, web
from mlbattle.web.admin.context import Admin


def show(ctx: Admin) -> None:
    cfg = ctx.cfg
    version = ctx.version
    by_slug = ctx.by_slug
    ALL = ""
    which = st.selectbox("Competition", [ALL, *by_slug], key="runs_for",
                         format_func=lambda s: "all competitions" if s == ALL else s)
    runs = web.read(cfg, version, reads.recent_runs, which or None, 200)
    failed_runs = int((runs["outcome"] == "failed").sum()) if len(runs) else 0
    st.caption(f"The newest {len(runs)} runs" + (f"; {failed_runs} failed" if failed_runs else ""))
    st.dataframe(runs, hide_index=True, column_config={
        "started_at": st.column_config.DatetimeColumn("Started (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        "competition_slug": "Competition", "trigger": "Trigger", "outcome": "Outcome",
        "rows": st.column_config.NumberColumn("Teams", format="%d"),
        "matched": st.column_config.NumberColumn("Matched", format="%d"),
        "created": st.column_config.NumberColumn("New", format="%d"),
        "updated": st.column_config.NumberColumn("Changed", format="%d"),
        "removed": st.column_config.NumberColumn("Gone", format="%d"),
        "duration_ms": st.column_config.NumberColumn("ms", format="%d"),
        "error": st.column_config.TextColumn("Error", width="large"),
        "notice": st.column_config.TextColumn("Alert", help="an alert to the webhook that was not delivered"),
    })
