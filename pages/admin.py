"""Admin: events, competitions from a Kaggle search, status and auto-sync, Sync now, the run log, participants,
boards from files and held downloads, who is registered but missing from a leaderboard, baselines for grades,
backup and the declared setup.

Behind the organiser password. The tabs live in `mlbattle/web/admin/`, one module each; every action handler
there starts with `web.require_admin(cfg)`. Actions keep their outcome with `web.flash` and rerun, so the
tables below always show the result.
"""

import streamlit as st

from mlbattle import web
from mlbattle.web.admin import backup, baselines, competitions, events, files, importing, missing, people, runs
from mlbattle.web.admin.context import Admin

cfg = web.page("Admin")
st.title("🔐 Admin")
if not web.admin_gate(cfg):
    st.stop()
web.show_flashes()

ctx = Admin.read(cfg)
TABS = {
    "Competitions": competitions, "Import from Kaggle": importing, "Events": events, "Participants": people,
    "Sync log": runs, "Files & held downloads": files, "Not found on a leaderboard": missing, "Baselines": baselines,
    "Backup & setup": backup,
}
for tab, module in zip(st.tabs(list(TABS)), TABS.values()):
    with tab:
        module.show(ctx)
