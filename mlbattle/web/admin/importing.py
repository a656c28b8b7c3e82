"""The import tab: search Kaggle's competitions and import one.

Every action handler starts with `web.require_admin(cfg)` (a test parses this file to hold that).
"""

from __future__ import annotations

import streamlit as st

from mlbattle import imports, kaggle_client, registry, web
from mlbattle.web.admin.context import NO_EVENT, Admin


def show(ctx: Admin) -> None:
    cfg = ctx.cfg
    event_titles = ctx.event_titles
    event_label = ctx.event_label
    if not cfg.kaggle.present:
        st.info("Importing needs Kaggle credentials, read in this order: `KAGGLE_API_TOKEN` (environment or "
                "`.streamlit/secrets.toml`), a token saved in `~/.kaggle/access_token`, `KAGGLE_USERNAME` and "
                "`KAGGLE_KEY`, or `~/.kaggle/kaggle.json`. Set one, then reload.")
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
