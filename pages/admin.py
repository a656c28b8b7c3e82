"""Admin: events, competitions from a Kaggle search, status and auto-sync, Sync now, the run log, participants,
and who is registered but missing from a leaderboard.

Behind the organiser password; every action handler starts with `web.require_admin(cfg)`, so an action runs
only for a session logged in with the password configured at that moment, whatever the page showed before.
Actions keep their outcome with `web.flash` and rerun, so the tables below always show the result.
"""


import streamlit as st

from mlbattle import backup, db, imports, kaggle_client, reads, registry, setup_file, sync, web

cfg = web.page("Admin")
st.title("🔐 Admin")
if not web.admin_gate(cfg):
    st.stop()
web.show_flashes()

version = web.probe(cfg, reads.data_version)
competitions = web.read(cfg, version, reads.competitions)
events = web.read(cfg, version, reads.events)
by_slug = {c["slug"]: c for c in competitions}
event_titles = {e["slug"]: e["title"] for e in events}
NO_EVENT = ""


def event_label(slug: str) -> str:
    return "(no event)" if slug == NO_EVENT else f"{event_titles.get(slug, slug)} ({slug})"


def run_syncs(slugs: list[str], trigger: str) -> None:
    """Sync one after another with visible progress, then keep each outcome for the rerun."""
    with st.status(f"Syncing {len(slugs)} competition(s)…", expanded=True) as status:
        failed = 0
        for number, slug in enumerate(slugs, start=1):
            st.write(f"{number}/{len(slugs)}: downloading {web.md(slug)}…")
            result = sync.sync(slug, cfg, trigger=trigger)
            failed += result.outcome == "failed"
            web.flash("error" if result.outcome == "failed" else "success", result.summary())
        status.update(label=f"Synced {len(slugs) - failed} of {len(slugs)}", expanded=False,
                      state="error" if failed else "complete")
    st.rerun()


def optional_number(text: str, what: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{what} must be a number, not {text[:30]!r}") from None


(competitions_tab, import_tab, events_tab, people_tab, runs_tab, missing_tab, backup_tab) = st.tabs(
    ["Competitions", "Import from Kaggle", "Events", "Participants", "Sync log", "Not found on a leaderboard",
     "Backup & setup"])

# ---------------------------------------------------------------- competitions
with competitions_tab:
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

# ---------------------------------------------------------------- import
with import_tab:
    if not cfg.kaggle.present:
        st.info("Importing needs Kaggle credentials: set `KAGGLE_USERNAME` and `KAGGLE_KEY` (or "
                "`KAGGLE_API_TOKEN`) in the environment or in `.streamlit/secrets.toml`, then reload.")
    else:
        with st.form("kaggle_search"):
            query = st.text_input("Search Kaggle's competitions", key="kaggle_query", max_chars=100,
                                  placeholder="title or slug, e.g. titanic")
            search = st.form_submit_button("Search")
        if search:
            web.require_admin(cfg)
            try:
                st.session_state["kaggle_results"] = kaggle_client.list_competitions(query or "", cfg)
            except kaggle_client.KaggleError as exc:
                st.error(f"Kaggle's search failed: {web.md(str(exc))}")
        found = st.session_state.get("kaggle_results", [])
        if search and not found:
            st.info("Kaggle found no competition for that search.")
        if found:
            st.dataframe([{"title": f.title, "slug": f.slug, "category": f.category, "deadline": f.deadline,
                           "metric": f.metric, "teams": f.team_count} for f in found], hide_index=True)
        with st.form("kaggle_import"):
            pick = None
            if found:  # a new search is a new widget, so its first result is picked
                pick = st.selectbox("Competition from the search", range(len(found)),
                                    key=f"import_pick-{abs(hash(tuple(f.slug for f in found)))}",
                                    format_func=lambda i: f"{found[i].title} ({found[i].slug})")
            typed = st.text_input("…or its slug or URL", key="import_slug",
                                  placeholder="spaceship-titanic or https://www.kaggle.com/competitions/...")
            left, middle, right = st.columns(3)
            into = left.selectbox("Event", [NO_EVENT, *event_titles], format_func=event_label, key="import_event")
            status = middle.selectbox("Status", registry.STATUSES, index=registry.STATUSES.index("ongoing"),
                                      key="import_status")
            auto = right.checkbox("Auto-sync", value=True, key="import_auto")
            do_import = st.form_submit_button("Import", type="primary")
        if do_import:
            web.require_admin(cfg)
            facts = None
            target = (typed or "").strip()
            if not target and pick is not None and found:
                info = found[pick]
                target, facts = info.slug, imports.facts_from_kaggle(info)
            if not target:
                st.error("Pick a competition from the search, or type its slug or URL.")
            else:
                try:
                    with st.status(f"Importing {web.md(target)}…", expanded=True):
                        outcome = imports.import_competition(cfg, target, event=into or None, status=status,
                                                             auto_sync=auto, facts=facts)
                except (ValueError, kaggle_client.KaggleError) as exc:
                    st.error(web.md(str(exc)))
                else:
                    failed = outcome.sync is not None and outcome.sync.outcome == "failed"
                    web.flash("warning" if failed else "success", outcome.message)
                    st.rerun()

# ---------------------------------------------------------------- events
with events_tab:
    if events:
        st.dataframe(events, hide_index=True)
    with st.form("add_event", clear_on_submit=True):
        st.markdown("**Add an event**")
        left, right = st.columns(2)
        slug = left.text_input("Slug", key="event_slug", placeholder="neural-night-2026", max_chars=60)
        title = right.text_input("Title", key="event_title", max_chars=registry.MAX_TITLE)
        start = left.date_input("Starts", value=None, key="event_start")
        end = right.date_input("Ends", value=None, key="event_end")
        description = st.text_area("Description", key="event_description", max_chars=registry.MAX_DESCRIPTION)
        add_event = st.form_submit_button("Add event")
    if add_event:
        web.require_admin(cfg)
        web.write(cfg, lambda con: registry.add_event(con, slug or "", title or "", start, end, description or ""),
                  lambda added: f"event {added} added")
    if events:
        editing = st.selectbox("Edit an event", list(event_titles), format_func=event_label, key="edit_event")
        current = next(e for e in events if e["slug"] == editing)
        with st.form(f"edit-event-{editing}"):
            new_title = st.text_input("Title", value=current["title"], max_chars=registry.MAX_TITLE,
                                      key=f"edit-title-{editing}")
            left, right = st.columns(2)
            new_start = left.date_input("Starts", value=current["start_date"], key=f"edit-start-{editing}")
            new_end = right.date_input("Ends", value=current["end_date"], key=f"edit-end-{editing}")
            new_description = st.text_area("Description", value=current["description"],
                                           max_chars=registry.MAX_DESCRIPTION, key=f"edit-description-{editing}")
            save_event = st.form_submit_button("Save event")
        if save_event:
            web.require_admin(cfg)
            web.write(cfg, lambda con: registry.update_event(con, editing, new_title or "", new_start, new_end,
                                                             new_description or ""),
                      lambda _: f"event {editing} saved")

# ---------------------------------------------------------------- participants
with people_tab:
    st.caption("Self-registration on the Participants page is **open** (at most 5 per visitor every 10 min): "
               "set `MLBATTLE_REGISTRATION = \"off\"` in secrets to close it." if cfg.registration else
               "Self-registration on the Participants page is **closed** (`MLBATTLE_REGISTRATION` is off): "
               "add people here.")
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

        def _remove(con: object) -> None:
            web.confirmed(sure, "Yes, remove")
            registry.remove_participant(con, leaving or "")

        web.write(cfg, _remove, lambda _: f"{(leaving or '').strip()} removed")

    people_search = st.text_input("Find registered participants", key="people_search", max_chars=100)
    people_page_number = int(st.session_state.get(f"people-page-{people_search}") or 1)
    people = web.read(cfg, version, reads.participants_page, people_search or "", 100, (people_page_number - 1) * 100)
    st.caption(f"{people.total:,} registered" + (" match" if people_search else ""))
    st.dataframe(people.rows, hide_index=True, column_config={
        "kaggle_username": "Kaggle username", "display_name": "Name",
        "created_at": st.column_config.DatetimeColumn("Registered (UTC)", format="YYYY-MM-DD HH:mm")})
    if people.total > 100:
        st.pagination(-(-people.total // 100), key=f"people-page-{people_search}")

# ---------------------------------------------------------------- sync log
with runs_tab:
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
    })

# ---------------------------------------------------------------- registered but not found
with missing_tab:
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

# ---------------------------------------------------------------- backup, restore, declared setup
with backup_tab:
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

        def _restore(con: object) -> dict[str, int]:
            if restore_file is None:
                raise ValueError("choose a backup zip first")
            web.confirmed(restore_sure, "Yes, replace everything")
            counts = backup.restore_bytes(con, restore_file.getvalue())
            st.cache_data.clear()
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
