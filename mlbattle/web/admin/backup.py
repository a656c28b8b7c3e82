"""Backup, restore and the declared setup's export.

Every action handler starts with `web.require_admin(cfg)` (a test parses this file to hold that).
"""

from __future__ import annotations

import duckdb
import streamlit as st

from mlbattle import backup, db, setup_file, web
from mlbattle.web.admin.context import Admin


def show(ctx: Admin) -> None:
    cfg = ctx.cfg
    st.markdown("**Backup**: everything organisers entered plus the sync history, as a zip of Parquet files "
                "with a manifest (`python -m mlbattle restore FILE` or the form below reads it back).")

    def _backup() -> bytes:
        """Runs on click only, so a page view never builds a backup."""
        web.require_admin(cfg)
        with db.connect(cfg) as con:
            return backup.backup_bytes(con)

    st.download_button("⬇️ Download a backup", data=_backup, file_name="mlbattle-backup.zip",
                       mime="application/zip", on_click="ignore", key="backup_download")

    with st.form("restore", clear_on_submit=True):
        st.markdown("**Restore** a backup: it replaces **everything** in this database. The whole file is "
                    "checked first; a file that fails any check changes nothing.")
        restore_file = st.file_uploader("Backup zip", type=["zip"], key="restore_file")
        restore_sure = st.checkbox("Yes, replace everything", key="restore_sure")
        restore_now = st.form_submit_button("Restore")
    if restore_now:
        web.require_admin(cfg)

        def _restore(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
            if restore_file is None:
                raise ValueError("choose a backup zip first")
            web.confirmed(restore_sure, "Yes, replace everything")
            counts = backup.restore_bytes(con, restore_file.getvalue())
            web.forget_results()
            return counts

        web.write(cfg, _restore, lambda counts: f"Restored: {backup.describe(counts)}")

    st.markdown("**Declared setup**: the current events, competitions and participants as `data/event.toml` "
                "and `data/participants.csv`. Commit them to the repository and a redeploy rebuilds the same "
                "event (see the README, *Deploy to Streamlit Community Cloud*).")

    def _export(part: int) -> str:
        web.require_admin(cfg)
        with db.connect(cfg) as con:
            return setup_file.export_setup(con)[part]

    left, right = st.columns(2)
    left.download_button("⬇️ event.toml", data=lambda: _export(0), file_name="event.toml", mime="text/plain",
                         on_click="ignore", key="export_toml")
    right.download_button("⬇️ participants.csv", data=lambda: _export(1), file_name="participants.csv",
                          mime="text/csv", on_click="ignore", key="export_participants")
