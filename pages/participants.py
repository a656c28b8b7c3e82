"""Participants: register with a Kaggle username; "my results" across every competition and "my season"
(`?user=NAME`)."""

import math

import streamlit as st

from mlbattle import charts, db, reads, registry, web
from mlbattle.web import season_view

cfg = web.page("Participants")
st.title("🙋 Participants")

register, mine = st.tabs(["Register", "My results"])

with register:
    if not cfg.registration:
        st.info("Registration is closed: ask the organisers to add you.", icon="🔒")
    else:
        st.caption("Register your Kaggle username so your rows on the competitions' leaderboards count for "
                   "the event. Your username is what appears in the team members of Kaggle's leaderboard "
                   "download.")
        with st.form("register", clear_on_submit=True):
            username = st.text_input("Kaggle username", max_chars=50, key="register_username",
                                     placeholder="as in kaggle.com/USERNAME")
            name = st.text_input("Your name (shown on the leaderboards)", max_chars=registry.MAX_NAME,
                                 key="register_name")
            submitted = st.form_submit_button("Register")
        wait = web.registration_wait() if submitted else 0.0
        if wait:
            st.error(f"Too many registrations from here: try again in {math.ceil(wait)} s, or ask the "
                     "organisers to add people in bulk.")
        elif submitted:
            try:
                with db.connect(cfg) as con:
                    stored = registry.add_participant(con, username or "", name or None)
            except ValueError as exc:
                st.error(web.md(str(exc)))
            else:
                web.count_registration()
                st.success(f"Registered {web.md(stored)}. You appear on each leaderboard you are on from its "
                           "next sync; see them under My results.")

with mine:
    lookup = st.text_input("Kaggle username", key="user", bind="query-params", max_chars=50,
                           placeholder="your Kaggle username")
    if lookup:
        with web.source(cfg) as data:
            version = data.probe(reads.data_version)
            person = data.read(version, reads.participant, lookup)
            results = data.read(version, reads.participant_results, lookup) if person else None
            snapshots = data.read(version, reads.participant_history, lookup) if person else None
        if person is None:
            st.warning(f"{web.md(lookup)} is not registered. Register on the first tab.")
        else:
            st.subheader(web.md(f"{person['display_name']} ({person['kaggle_username']})"), anchor=False)
            if results.empty:
                st.info("You are not on any competition's newest leaderboard download yet. If you have "
                        "submitted, check that the username matches your Kaggle profile; new downloads "
                        "arrive at each sync.")
            else:
                st.dataframe(results, hide_index=True, column_order=[
                    "title", "platform_rank", "on_platform", "kaggle_rank", "teams", "score", "team_name",
                    "submission_count", "last_submission", "status"], column_config={
                    "title": st.column_config.TextColumn("Competition"),
                    "platform_rank": st.column_config.NumberColumn("Platform rank", format="%d"),
                    "on_platform": st.column_config.NumberColumn("of participants", format="%d"),
                    "kaggle_rank": st.column_config.NumberColumn("Kaggle rank", format="%d"),
                    "teams": st.column_config.NumberColumn("of Kaggle teams", format="%d"),
                    "score": st.column_config.NumberColumn("Score"),
                    "team_name": st.column_config.TextColumn("Team"),
                    "submission_count": st.column_config.NumberColumn("Submissions", format="%d"),
                    "last_submission": st.column_config.DatetimeColumn("Last submission (UTC)",
                                                                       format="YYYY-MM-DD HH:mm"),
                    "status": st.column_config.TextColumn("Status"),
                })
                for row in results.itertuples():
                    with st.expander(f"{web.md(row.title)}: rank {row.kaggle_rank:,} of {row.teams:,}"):
                        web.link("leaderboard", "Open the leaderboard", competition=row.competition)
                        own = snapshots[snapshots["competition"] == row.competition].assign(
                            participant=person["display_name"])
                        st.plotly_chart(web.figure(charts.progress, own, direction=row.direction,
                                                   metric=row.metric), key=f"progress-{row.competition}")
            season_view.show_my_season(cfg, person["kaggle_username"])
