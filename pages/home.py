"""Home: every event and its competitions, with status, teams, participants matched and sync age."""

import streamlit as st

from mlbattle import reads, web

cfg = web.page("Home")
st.title("🏆 ML-Battle Leaderboards")
st.caption("Your event's participants on Kaggle leaderboards, refreshed while the competitions run.")

with web.source(cfg) as data:
    version = data.probe(reads.data_version)
    events = data.read(version, reads.events)
    competitions = data.read(version, reads.competitions)
    registered = data.read(version, reads.participant_count)

left, middle, right = st.columns(3)
left.metric("Events", len(events))
middle.metric("Competitions", len(competitions))
right.metric("Registered participants", f"{registered:,}")

refreshing = {c["slug"] for c in competitions if web.refresh_on_view(cfg, c)}
if any(c["status"] == "ongoing" for c in competitions):
    web.autorefresh(cfg, web.Watch(reads.data_version, (), version, competitions, bool(refreshing)), default_on=True)


def show_competition(record: dict) -> None:
    with st.container(border=True):
        name, status, teams, matched = st.columns([4, 1.2, 1, 1])
        with name:
            web.link("leaderboard", record["title"], competition=record["slug"])
            state = web.sync_state(record)
            if state.failed:
                st.markdown(f":red[⚠️ **Last sync failed**] · {web.md(state.error or '')} · {web.md(state.text)}")
            else:
                st.caption(f"🔄 {web.md(state.text)}" + (" · refreshing now" if record["slug"] in refreshing else ""))
        status.markdown(f"**{record['status']}**" + ("" if record["auto_sync"] else " · manual"))
        on_kaggle = record["teams"] or record["kaggle_team_count"]
        teams.metric("Teams on Kaggle", f"{on_kaggle:,}" if on_kaggle else "–",
                     help=None if record["teams"] else "as Kaggle's competition list says; not downloaded yet")
        matched.metric("Participants", f"{record['matched']:,}")


if not competitions and not events:
    st.info("No events or competitions yet. An organiser adds them on the Admin page.")

for event in events:
    st.subheader(web.md(event["title"]), anchor=False)
    dates = " – ".join(str(d) for d in (event["start_date"], event["end_date"]) if d)
    if dates or event["description"]:
        st.caption(web.md(" · ".join(part for part in (dates, event["description"]) if part)))
    web.link("event", "Event standings", event=event["slug"])
    own = [c for c in competitions if c["event_slug"] == event["slug"]]
    if not own:
        st.caption("No competitions in this event yet.")
    for record in own:
        show_competition(record)

loose = [c for c in competitions if not c["event_slug"]]
if loose:
    st.subheader("Other competitions", anchor=False)
    for record in loose:
        show_competition(record)
