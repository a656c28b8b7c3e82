"""The events tab: add and edit events.

Every action handler starts with `web.require_admin(cfg)` (a test parses this file to hold that).
"""

from __future__ import annotations

import streamlit as st

from mlbattle import registry, web
from mlbattle.web.admin.context import Admin


def show(ctx: Admin) -> None:
    cfg = ctx.cfg
    events = ctx.events
    event_titles = ctx.event_titles
    event_label = ctx.event_label
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
