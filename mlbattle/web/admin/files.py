"""The files tab: a board brought as a file, downloads held back as implausible, a competition added by hand.

Every action handler starts with `web.require_admin(cfg)` (a test parses this file to hold that).
"""

from __future__ import annotations

import streamlit as st

from mlbattle import board_files, held, imports, kaggle_client, registry, web
from mlbattle.leaderboard_file import LeaderboardFileError
from mlbattle.web.admin.context import NO_EVENT, Admin


def show(ctx: Admin) -> None:
    _held(ctx)
    _upload(ctx)
    _by_hand(ctx)


def _flash_result(result) -> None:
    kind = {"failed": "error", "held": "warning"}.get(result.outcome, "success")
    web.flash(kind, result.summary())


def _held(ctx: Admin) -> None:
    """Downloads held back, each with its reason and a button that loads it as it is."""
    cfg = ctx.cfg
    st.subheader("Held downloads")
    pending = web.read(cfg, ctx.version, held.pending)
    if not pending:
        st.caption("None: a download that looks wrong next to the stored board (every team with the same score, "
                   "or fewer than half the teams) waits here instead of replacing it.")
        return
    for item in pending:
        slug = item["competition_slug"]
        st.warning(f"{web.md(slug)}: held {web.age_text(item['held_at'])}, {item['rows'] or 0:,} teams "
                   f"({web.md(item['file_name'])}): {web.md(item['reason'])}. The last good board stays.")
    chosen = st.selectbox("Held download", [item["competition_slug"] for item in pending], key="held_pick")
    accept = st.button(f"Accept the held download of {chosen} and load it", key="held_accept")
    if accept:
        web.require_admin(cfg)
        try:
            result = held.accept(cfg, chosen)
        except held.NothingHeld as exc:
            st.error(web.md(str(exc)))
        else:
            _flash_result(result)
            st.rerun()


def _upload(ctx: Admin) -> None:
    """A board from a file: Kaggle's zip or its CSV, through the same checks and sync as a download."""
    cfg = ctx.cfg
    st.subheader("Load a board from a file")
    if not ctx.by_slug:
        st.info("Add the competition first: import it from Kaggle, or add it by hand below.")
        return
    slug = st.selectbox("Competition", list(ctx.by_slug), key="file_competition",
                        format_func=lambda s: f"{ctx.by_slug[s]['title']} ({s})")
    uploaded = st.file_uploader("Kaggle's leaderboard zip, or the CSV inside it", type=["zip", "csv"],
                                key="file_upload")
    load = st.button("Load the file", key="file_load", type="primary", disabled=uploaded is None)
    if load:
        web.require_admin(cfg)
        if uploaded is None:
            st.error("Choose a file first.")
            return
        try:
            result = board_files.load_bytes(cfg, slug, uploaded.name, uploaded.getvalue())
        except (LeaderboardFileError, OSError) as exc:
            st.error(f"The file was not loaded: {web.md(str(exc))}")
        else:
            _flash_result(result)
            st.rerun()


def _by_hand(ctx: Admin) -> None:
    """A competition Kaggle's list cannot show (InClass, private): title and metric as typed, auto-sync off."""
    cfg = ctx.cfg
    st.subheader("Add a competition by hand")
    st.caption("For a competition Kaggle's list cannot show this account (Kaggle Community/InClass, private): "
               "its board then comes as a file. Auto-sync stays off.")
    with st.form("manual_competition"):
        typed = st.text_input("Slug or URL", key="manual_slug", placeholder="my-class-2026")
        title = st.text_input("Title", key="manual_title", max_chars=300)
        metric = st.text_input("Metric", key="manual_metric", max_chars=100,
                               help="Its name hints the score direction (RMSE, log loss: lower is better).")
        left, right = st.columns(2)
        into = left.selectbox("Event", [NO_EVENT, *ctx.event_titles], format_func=ctx.event_label,
                              key="manual_event")
        status = right.selectbox("Status", registry.STATUSES, index=registry.STATUSES.index("ongoing"),
                                 key="manual_status")
        add = st.form_submit_button("Add by hand")
    if add:
        web.require_admin(cfg)
        try:
            slug = kaggle_client.competition_slug(typed)
            facts = registry.CompetitionFacts(slug, title, f"https://www.kaggle.com/competitions/{slug}",
                                              metric=metric.strip() or None)
            imports.import_competition(cfg, slug, event=into or None, status=status, auto_sync=False, facts=facts)
        except ValueError as exc:
            st.error(web.md(str(exc)))
        else:
            web.flash("success", f"competition {slug} added by hand; load its board from a file above")
            st.rerun()
