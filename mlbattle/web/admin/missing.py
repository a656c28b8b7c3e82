"""Registered participants missing from a leaderboard, with the likely teams (a typo shows up here).

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
    if not by_slug:
        st.info("No competitions yet.")
    else:
        looked_at = st.selectbox("Competition", list(by_slug), key="missing_for",
                                 format_func=lambda s: f"{by_slug[s]['title']} ({s})")
        missing = web.read(cfg, version, reads.unmatched, looked_at, 50).fillna(
            {"team_name": "(no close match)", "members": ""})
        people_missing = missing["kaggle_username"].nunique() if len(missing) else 0
        st.caption(f"Registered participants not on the newest download of {web.md(looked_at)} (the first 50 by "
                   "name), each with the closest team names and member usernames on it: a typo in a username "
                   "shows up here.")
        if people_missing:
            st.dataframe(missing, hide_index=True, column_config={
                "kaggle_username": "Registered username", "display_name": "Name",
                "kaggle_rank": st.column_config.NumberColumn("Kaggle rank", format="%d"),
                "team_name": "Likely team", "members": "Its members",
                "similarity": st.column_config.ProgressColumn("Similarity", min_value=0.0, max_value=1.0,
                                                              format="%.2f"),
            })
        else:
            st.success("Every registered participant is on this leaderboard.")
