"""The competitions tab: the overview, one competition's settings, Sync now, removal.

Every action handler starts with `web.require_admin(cfg)` (a test parses this file to hold that).
"""

from __future__ import annotations

import streamlit as st

from mlbattle import db, imports, registry, sync, web
from mlbattle.web.admin.context import NO_EVENT, Admin


def show(ctx: Admin) -> None:
    cfg = ctx.cfg
    competitions = ctx.competitions
    by_slug = ctx.by_slug
    event_titles = ctx.event_titles
    event_label = ctx.event_label
    run_syncs = ctx.run_syncs
    optional_number = ctx.optional_number
    if not competitions:
        st.info("No competitions yet: import one from Kaggle.")
    else:
        overview = [{
            "slug": c["slug"], "title": c["title"], "event": c["event_slug"], "status": c["status"],
            "auto_sync": c["auto_sync"], "direction": c["direction"], "teams": c["teams"], "matched": c["matched"],
            "last_sync": web.age_text(c["last_success_at"]), "last_outcome": c["last_outcome"],
            "last_error": c["last_error"],
        } for c in competitions]
        st.dataframe(overview, hide_index=True, column_config={
            "slug": "Slug", "title": "Title", "event": "Event", "status": "Status",
            "auto_sync": st.column_config.CheckboxColumn("Auto-sync"), "direction": "Better is",
            "teams": st.column_config.NumberColumn("Teams", format="%d"),
            "matched": st.column_config.NumberColumn("Participants", format="%d"),
            "last_sync": "Last good sync", "last_outcome": "Last outcome", "last_error": "Last error",
        })
        sync_all = st.button("Sync all ongoing competitions with auto-sync on", key="sync_all")
        if sync_all:
            web.require_admin(cfg)
            due = sync.auto_sync_slugs(cfg)
            if due:
                run_syncs(due, "manual")
            st.info("No competition is ongoing with auto-sync on.")

        chosen = st.selectbox("Competition", list(by_slug), key="admin_competition",
                              format_func=lambda s: f"{by_slug[s]['title']} ({s})")
        record = by_slug[chosen]
        with st.form(f"competition-{chosen}"):
            event_options = [NO_EVENT, *event_titles]
            new_event = st.selectbox("Event", event_options, format_func=event_label,
                                     index=event_options.index(record["event_slug"] or NO_EVENT))
            left, middle, right = st.columns(3)
            new_status = left.selectbox("Status", registry.STATUSES,
                                        index=registry.STATUSES.index(record["status"]))
            new_auto = middle.checkbox("Auto-sync", value=bool(record["auto_sync"]),
                                       help="Sync on page views and in `sync --all` while ongoing.")
            direction_options = ["", *registry.DIRECTIONS]
            new_direction = right.selectbox(
                "Better scores are", direction_options,
                index=direction_options.index(record["direction_override"] or ""),
                format_func=lambda d: f"as inferred ({record['inferred_direction'] or 'unknown'})" if d == ""
                else f"{d}")
            st.caption("Event points: leave all three empty for the zero-setup rule (share of the field beaten).")
            worst_column, best_column, points_column = st.columns(3)
            worst = worst_column.text_input("Worst score", value="" if record["worst"] is None else f"{record['worst']:g}")
            best = best_column.text_input("Best score", value="" if record["best"] is None else f"{record['best']:g}")
            points = points_column.text_input("Points for the best", value="" if record["points"] is None
                                              else f"{record['points']:g}")
            save = st.form_submit_button("Save")
        if save:
            web.require_admin(cfg)
            try:
                scoring = (optional_number(worst, "worst"), optional_number(best, "best"),
                           optional_number(points, "points"))
                with db.connect(cfg) as con, db.transaction(con):
                    registry.set_event(con, chosen, new_event or None)
                    registry.set_status(con, chosen, new_status)
                    registry.set_auto_sync(con, chosen, new_auto)
                    registry.set_direction(con, chosen, new_direction or None)
                    registry.set_scoring(con, chosen, *scoring)
            except ValueError as exc:
                st.error(web.md(str(exc)))
            else:
                web.flash("success", f"{chosen}: saved")
                if new_status == "ongoing" and record["status"] != "ongoing":
                    with st.status(f"{chosen} is now ongoing: syncing…", expanded=True):
                        result = imports.sync_if_auto(cfg, chosen, trigger="status")
                    if result is not None:
                        web.flash("error" if result.outcome == "failed" else "success", result.summary())
                st.rerun()

        sync_column, remove_column = st.columns(2)
        sync_now = sync_column.button(f"Sync {chosen} now", key="sync_now", type="primary")
        if sync_now:
            web.require_admin(cfg)
            run_syncs([chosen], "manual")
        confirm = remove_column.checkbox("Yes, remove it with its rows and history", key="confirm_remove")
        remove = remove_column.button(f"Remove {chosen}", key="remove_competition", disabled=not confirm)
        if remove:
            web.require_admin(cfg)
            with db.connect(cfg) as con:
                registry.remove_competition(con, chosen)
            web.flash("success", f"{chosen}: removed")
            st.rerun()
