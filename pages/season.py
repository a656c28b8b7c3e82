"""Season (`?event=SLUG`, or every competition): ratings and Kaggle points, and each rating over time.

Computed from the stored boards on every change (cached per data version), never stored: a restored backup
shows the same table.
"""

import streamlit as st

from mlbattle import reads, season, web
from mlbattle.web import season_view

cfg = web.page("Season")
st.title("📈 Season")
slug = (st.query_params.get("event") or "").strip()

with web.source(cfg) as data:
    version = data.probe(reads.data_version)
    events = {e["slug"]: e["title"] for e in data.read(version, reads.events)}

if slug and slug not in events:
    st.error(f"There is no event “{web.md(slug)}” here: showing every competition.")
    slug = ""
options = ["", *events]
chosen = st.selectbox("Competitions", options, index=options.index(slug),
                      format_func=lambda s: "All competitions" if s == "" else f"{events[s]} ({s})")
if chosen != slug:
    if chosen:
        st.query_params["event"] = chosen
    else:
        st.query_params.pop("event", None)
result = season_view.read_season(cfg, chosen or None)

st.caption(web.md(season.RULE))
matches, people, leader = st.columns(3)
matches.metric("Competitions with a board", len(result.competitions))
people.metric("Participants rated", len(result.standings))
if result.standings:
    top = result.standings[0]
    leader.metric("Leader", f"{top.rating:.2f}", help="rating μ − 3σ")
    leader.caption(web.md(top.participant))
else:
    leader.metric("Leader", "–")

st.subheader("Table", anchor=False)
season_view.show_table(result, file_name=f"season-{chosen or 'all'}.csv")
if result.competitions:
    st.caption("Matches in order: " + " → ".join(web.md(c.title) for c in result.competitions))
st.subheader("Rating after each competition", anchor=False)
season_view.show_chart(result, key="season-ratings")
