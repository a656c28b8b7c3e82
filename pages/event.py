"""Event standings (`?event=SLUG`): every participant across the event's competitions, in one fair order."""

import streamlit as st

from mlbattle import charts, reads, reveal, standings, web

cfg = web.page("Event standings")
slug = (st.query_params.get("event") or "").strip()
with web.source(cfg) as data:
    version = data.probe(reads.data_version)
    event = data.read(version, reads.event, slug) if slug else None
    known = data.read(version, reads.events) if event is None else []
    competitions = [c for c in data.read(version, reads.competitions) if c["event_slug"] == slug]
    result = data.read(version, standings.event_standings, slug) if event else None

if event is None:
    st.title("🏆 Event standings")
    if slug:
        st.error(f"There is no event “{web.md(slug)}” here. Pick one below.")
    if not known:
        st.info("No events yet. An organiser adds them on the Admin page.")
    for item in known:
        web.pick(item["title"], key=f"pick-{item['slug']}", event=item["slug"])
    st.stop()
assert result is not None  # read above for every event found

refreshing = [c["slug"] for c in competitions if web.refresh_on_view(cfg, c)]

st.title(f"🏆 {web.md(event['title'])}")
dates = " – ".join(str(d) for d in (event["start_date"], event["end_date"]) if d)
if dates:
    st.caption(dates)
if event["description"]:
    st.markdown(web.md(event["description"]))
web.link("screen", "📽️ Big screen (for a projector): cycles these boards and the standings", event=slug)
web.link("season", "📈 Season: ratings and Kaggle points over these competitions", event=slug)
if any(c["status"] == "ongoing" for c in competitions):
    web.autorefresh(cfg, web.Watch(reads.data_version, (), version, competitions, bool(refreshing)), default_on=True)

table = result.table
order = [c["slug"] for c in competitions if c["slug"] in table.columns]
order += [column for column in table.columns if column not in standings.TABLE_COLUMNS and column not in order]
titles = {c["slug"]: c["title"] for c in competitions}

people, comps, leader = st.columns(3)
people.metric("Participants on the boards", f"{len(table):,}")
comps.metric("Competitions", len(competitions))
leader.metric("Leader", "–" if table.empty else f"{table['total_points'].iloc[0]:,.1f} points")
if not table.empty:
    leader.caption(web.md(table["participant"].iloc[0]))

st.subheader("How points are counted", anchor=False)
st.caption("Each competition gives points on its own scale, so metrics of any range and direction add up "
           "fairly; the overall order is by total points.")
for record in competitions:
    with st.container(border=True):
        web.link("leaderboard", record["title"], competition=record["slug"])
        st.caption(f"{web.md(result.rules.get(record['slug'], ''))} · points from the "
                   f"{reveal.board_note(record['board'])} · {record['status']} · "
                   f"{web.md(web.sync_state(record).text)}" + (" · refreshing now" if record["slug"] in refreshing
                                                             else ""))
if not competitions:
    st.info("This event has no competitions yet.")

st.subheader("Standings", anchor=False)
if table.empty:
    st.info("No registered participant is on these leaderboards yet.")
else:
    columns = {
        "place": st.column_config.NumberColumn("Place", format="%d"),
        "movement": st.column_config.TextColumn(
            "Move", width="small", help="places gained (▲) or lost (▼) since the newest download of any of the "
            "event's boards; new: not in the standings before it"),
        "participant": st.column_config.TextColumn("Participant"),
        "kaggle_username": st.column_config.TextColumn("Kaggle username"),
        "total_points": st.column_config.NumberColumn("Total points", format="%.1f"),
        **{column: st.column_config.NumberColumn(titles.get(column, column), format="%.1f") for column in order},
    }
    moved = table.merge(result.movement[["kaggle_username", "movement"]], on="kaggle_username", how="left")
    st.dataframe(moved, hide_index=True, column_config=columns,
                 column_order=["place", "movement", *standings.TABLE_COLUMNS[1:], *order],
                 height=min(38 + 35 * len(table), 720))
    st.plotly_chart(web.figure(charts.standings, table, order, titles=titles), key="standings")
    with st.expander("Per competition: rank, score and points of each participant"):
        st.dataframe(result.per_competition, hide_index=True, column_config={
            "competition": st.column_config.TextColumn("Competition"),
            "participant": st.column_config.TextColumn("Participant"),
            "kaggle_username": st.column_config.TextColumn("Kaggle username"),
            "kaggle_rank": st.column_config.NumberColumn("Kaggle rank", format="%d"),
            "platform_rank": st.column_config.NumberColumn("Platform rank", format="%d"),
            "score": st.column_config.NumberColumn("Score"),
            "points": st.column_config.NumberColumn("Points", format="%.1f"),
            "rule": st.column_config.TextColumn("Rule"),
        })
