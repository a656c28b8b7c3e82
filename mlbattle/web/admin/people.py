"""The participants tab: add, import, remove and find registered participants.

Every action handler starts with `web.require_admin(cfg)` (a test parses this file to hold that).
"""

from __future__ import annotations

import duckdb
import streamlit as st

from mlbattle import db, reads, registration, registry, web
from mlbattle.settings import Settings
from mlbattle.web.admin.context import Admin


def _registration_caption(cfg: Settings) -> str:
    code = " with the join code" if cfg.join_code else ""
    if cfg.registration == "off":
        return ("Self-registration on the Participants page is **closed** (`MLBATTLE_REGISTRATION` is off): "
                "add people here.")
    if cfg.registration == "approval":
        return (f"Self-registration is **by approval**{code}: each one waits below until you approve it, and "
                "matches nothing until then.")
    return (f"Self-registration on the Participants page is **open**{code} (at most 5 per visitor every 10 min): "
            "set `MLBATTLE_REGISTRATION` to `approval` or `off` in secrets to control it.")


def _pending(cfg: Settings) -> None:
    """Self-registrations waiting for approval, with when each came in; approve or remove one."""
    with web.store(cfg) as con:
        waiting = registration.pending(con)
    if not waiting:
        if cfg.registration == "approval":
            st.caption("Nobody waits for approval.")
        return
    st.markdown(f"**Waiting for approval** ({len(waiting):,})")
    st.dataframe([dict(zip(registration.PENDING_COLUMNS, row)) for row in waiting], hide_index=True,
                 column_config={"kaggle_username": "Kaggle username", "name": "Name",
                                "requested_at": st.column_config.DatetimeColumn("Asked (UTC)",
                                                                                format="YYYY-MM-DD HH:mm")})
    with st.form("pending_registrations"):
        chosen = st.selectbox("Registration", [row[0] for row in waiting], key="pending_username")
        approve_column, reject_column = st.columns(2)
        approve = approve_column.form_submit_button("Approve")
        reject = reject_column.form_submit_button("Remove request")
    if approve:
        web.require_admin(cfg)
        web.write(cfg, lambda con: registration.approve(con, chosen or ""), lambda name: f"{name} approved")
    if reject:
        web.require_admin(cfg)
        web.write(cfg, lambda con: registration.reject(con, chosen or ""), lambda name: f"{name}'s request removed")


def show(ctx: Admin) -> None:
    cfg = ctx.cfg
    version = ctx.version
    st.caption(_registration_caption(cfg))
    _pending(cfg)
    add_column, import_column = st.columns(2)
    with add_column.form("add_participant", clear_on_submit=True):
        st.markdown("**Add a participant**")
        username = st.text_input("Kaggle username", key="add_username", max_chars=50)
        name = st.text_input("Name", key="add_name", max_chars=registry.MAX_NAME)
        add_person = st.form_submit_button("Add")
    if add_person:
        web.require_admin(cfg)
        web.write(cfg, lambda con: registry.add_participant(con, username or "", name or None),
                  lambda stored: f"{stored} registered")
    with import_column.form("import_participants", clear_on_submit=True):
        st.markdown("**Import many**: a CSV with a `kaggle_username` column (and optional `name`), or one "
                    "username a line")
        upload = st.file_uploader("CSV file", type=["csv", "txt"], key="participants_file")
        pasted = st.text_area("…or paste it here", key="participants_text", height=120)
        import_people = st.form_submit_button("Import")
    if import_people:
        web.require_admin(cfg)
        try:
            text = upload.getvalue().decode("utf-8-sig") if upload is not None else (pasted or "")
            with db.connect(cfg) as con:
                report = registry.import_participants(con, registry.parse_participants(text))
        except UnicodeDecodeError:
            st.error("The file is not UTF-8 text.")
        except ValueError as exc:
            st.error(web.md(str(exc)))
        else:
            web.flash("success" if not report.skipped else "warning",
                      f"{report.added:,} added, {len(report.skipped):,} skipped", report.skipped[:50])
            st.rerun()

    with st.form("remove_participant", clear_on_submit=True):
        st.markdown("**Remove a participant** (their history stays with the competitions)")
        left, right = st.columns([3, 1])
        leaving = left.text_input("Kaggle username", key="remove_username", max_chars=50)
        sure = right.checkbox("Yes, remove", key="remove_sure")
        remove_person = st.form_submit_button("Remove")
    if remove_person:
        web.require_admin(cfg)

        def _remove(con: duckdb.DuckDBPyConnection) -> None:
            web.confirmed(sure, "Yes, remove")
            registry.remove_participant(con, leaving or "")

        web.write(cfg, _remove, lambda _: f"{(leaving or '').strip()} removed")

    people_search = st.text_input("Find registered participants", key="people_search", max_chars=100)
    people_page_number = int(st.session_state.get(f"people-page-{people_search}") or 1)
    people = web.read(cfg, version, reads.participants_page, people_search or "", 100, (people_page_number - 1) * 100)
    st.caption(f"{people.total:,} registered" + (" match" if people_search else ""))
    st.dataframe(people.rows, hide_index=True, column_config={
        "kaggle_username": "Kaggle username", "display_name": "Name",
        "created_at": st.column_config.DatetimeColumn("Registered (UTC)", format="YYYY-MM-DD HH:mm"),
        "registered_via": "How"})
    if people.total > 100:
        st.pagination(-(-people.total // 100), key=f"people-page-{people_search}")
