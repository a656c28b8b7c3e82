"""The season's table and rating chart, drawn for the Season page and for "My season" on the Participants page."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from .. import charts, export, reads, season
from ..settings import Settings
from ..text import md
from .data import figure, source

TABLE_COLUMNS = {
    "place": st.column_config.NumberColumn("Place", format="%d"),
    "participant": st.column_config.TextColumn("Participant"),
    "kaggle_username": st.column_config.TextColumn("Kaggle username"),
    "rating": st.column_config.NumberColumn("Rating (μ − 3σ)", format="%.2f",
                                            help="The conservative skill rating: 99.7% sure the skill is above it"),
    "competitions": st.column_config.NumberColumn("Competitions", format="%d"),
    "kaggle_points": st.column_config.NumberColumn("Kaggle points", format="%.1f"),
    "mu": st.column_config.NumberColumn("μ", format="%.2f"),
    "sigma": st.column_config.NumberColumn("σ", format="%.2f"),
}


def standings_frame(result: season.Season) -> pd.DataFrame:
    return pd.DataFrame([dataclasses.asdict(s) for s in result.standings],
                        columns=[f.name for f in dataclasses.fields(season.Standing)])


def steps_frame(result: season.Season) -> pd.DataFrame:
    return pd.DataFrame([dataclasses.asdict(s) for s in result.steps],
                        columns=[f.name for f in dataclasses.fields(season.Step)])


def read_season(cfg: Settings, event: str | None) -> season.Season:
    """The season, cached per data version: it is computed from the boards, so any sync changes it."""
    with source(cfg) as data:
        return data.read(data.probe(reads.data_version), season.season, event)


def show_table(result: season.Season, *, file_name: str) -> None:
    table = standings_frame(result)
    if table.empty:
        st.info("No registered participant is on these competitions' boards yet.")
        return
    st.dataframe(table, hide_index=True, column_config=TABLE_COLUMNS, column_order=[*season.COLUMNS, "mu", "sigma"],
                 height=min(38 + 35 * len(table), 720))
    st.download_button("⬇️ Download the season table (CSV)", file_name=file_name, mime="text/csv",
                       data=export.to_csv(season.COLUMNS, season.table_rows(result)), on_click="ignore")


def show_chart(result: season.Season, *, key: str) -> None:
    steps = steps_frame(result)
    if steps.empty:
        return
    people = standings_frame(result)
    names = dict(zip(people["kaggle_username"], people["participant"]))
    chosen = st.multiselect("Participants", list(names), default=list(names)[:8], key=f"{key}-people",
                            format_func=lambda username: f"{names[username]} ({username})")
    shown = steps[steps["kaggle_username"].isin(chosen)]
    if shown.empty:
        st.caption("Choose participants to chart their rating after each competition.")
        return
    st.plotly_chart(figure(charts.rating_history, shown, top=len(chosen)), key=key)


def show_my_season(cfg: Settings, kaggle_username: str) -> None:
    """One participant's line of the season over every competition, and their rating after each one."""
    result = read_season(cfg, None)
    mine = result.standing(kaggle_username)
    st.subheader("My season", anchor=False)
    if mine is None:
        st.caption("Your season starts with your first competition on a board.")
        return
    place, rating, points = st.columns(3)
    place.metric("Season place", f"{mine.place} of {len(result.standings)}")
    rating.metric("Rating (μ − 3σ)", f"{mine.rating:.2f}", help=md(season.RULE))
    points.metric("Kaggle points", f"{mine.kaggle_points:,.1f}", help=f"over {mine.competitions} competition(s)")
    steps = steps_frame(result)
    own = steps[steps["kaggle_username"] == mine.kaggle_username]
    st.plotly_chart(figure(charts.rating_history, own, top=1), key="my-season")
