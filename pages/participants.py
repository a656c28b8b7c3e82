"""Participants: register with a Kaggle username; "my results" across every competition and "my season"
(`?user=NAME`)."""

import math

import streamlit as st

from mlbattle import charts, medals, movement, reads, registration, registry, reveal, web
from mlbattle.web import season_view

cfg = web.page("Participants")
st.title("🙋 Participants")

register, mine = st.tabs(["Register", "My results"])

with register:
    if not registration.is_open(cfg):
        st.info("Registration is closed: ask the organisers to add you.", icon="🔒")
    else:
        st.caption("Register your Kaggle username so your rows on the competitions' leaderboards count for "
                   "the event. Your username is what appears in the team members of Kaggle's leaderboard "
                   "download." + (" An organiser approves each registration before it shows."
                                  if cfg.registration == "approval" else ""))
        with st.form("register", clear_on_submit=True):
            username = st.text_input("Kaggle username", max_chars=50, key="register_username",
                                     placeholder="as in kaggle.com/USERNAME")
            name = st.text_input("Your name (shown on the leaderboards)", max_chars=registry.MAX_NAME,
                                 key="register_name")
            code = st.text_input("Join code", max_chars=100, key="register_code", type="password",
                                 help="The organisers show it in the room.") if cfg.join_code else None
            submitted = st.form_submit_button("Register")
        wait = web.registration_wait() if submitted else 0.0
        if wait:
            st.error(f"Too many registrations from here: try again in {math.ceil(wait)} s, or ask the "
                     "organisers to add people in bulk.")
        elif submitted:
            try:
                if not registration.code_matches(cfg, code):
                    web.count_registration()  # a wrong code counts, so codes cannot be guessed quickly
                with web.store(cfg) as con:
                    outcome = registration.register_self(con, cfg, username or "", name or None, code)
            except ValueError as exc:
                st.error(web.md(str(exc)))
            else:
                web.count_registration()
                web.forget_probes()  # "My results" below, in this same run, sees the registration
                st.success(web.md(outcome.message))

with mine:
    lookup = st.text_input("Kaggle username", key="user", bind="query-params", max_chars=50,
                           placeholder="your Kaggle username")
    if lookup:
        with web.source(cfg) as data:
            version = data.probe(reads.data_version)
            person = data.read(version, reads.participant, lookup)
            results = data.read(version, movement.participant_results, lookup) if person else None
            snapshots = data.read(version, reads.participant_history, lookup) if person else None
            waiting = data.read(version, registration.pending_username, lookup) if person is None else None
        if waiting is not None:
            st.info(f"{web.md(waiting)} is registered and waits for an organiser's approval: your results show "
                    "here, and you appear on the leaderboards, once it is approved.", icon="⏳")
        elif person is None:
            st.warning(f"{web.md(lookup)} is not registered. Register on the first tab.")
        else:
            assert results is not None and snapshots is not None  # read above for every person found
            st.subheader(web.md(f"{person['display_name']} ({person['kaggle_username']})"), anchor=False)
            if results.empty:
                st.info("You are not on any competition's newest leaderboard download yet. If you have "
                        "submitted, check that the username matches your Kaggle profile; new downloads "
                        "arrive at each sync.")
            else:
                st.dataframe(results.assign(medal_icon=[medals.emoji(m) for m in results["medal"]],
                                            board=[reveal.board_note(b) for b in results["board"]]),
                             hide_index=True, column_order=[
                    "title", "platform_rank", "on_platform", "kaggle_rank", "movement", "medal_icon", "teams",
                    "score", "team_name", "submission_count", "last_submission", "status", "board"], column_config={
                    **web.movers.COLUMNS,
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
                    "board": st.column_config.TextColumn("Board", help="which Kaggle board the rank and points "
                                                         "come from: public, or private (final) after the deadline"),
                })
                for row in results.itertuples():
                    marks = f" {medals.emoji(row.medal)} {row.movement or ''}".rstrip()
                    with st.expander(f"{web.md(row.title)}: rank {row.kaggle_rank:,} of {row.teams:,}{marks}"):
                        web.link("leaderboard", "Open the leaderboard", competition=row.competition)
                        own = snapshots[snapshots["competition"] == row.competition].assign(
                            participant=person["display_name"])
                        st.plotly_chart(web.figure(charts.progress, own, direction=row.direction,
                                                   metric=row.metric), key=f"progress-{row.competition}")
            season_view.show_my_season(cfg, person["kaggle_username"])
