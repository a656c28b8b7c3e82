"""The Grades tab of the leaderboard page: baselines beaten per participant, and the gradebook CSV."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import export, grades


def grades_frame(graded: grades.Grades) -> pd.DataFrame:
    return pd.DataFrame([{
        "participant": g.participant, "kaggle_username": g.kaggle_username, "team_name": g.team_name,
        "kaggle_rank": g.kaggle_rank, "score": g.score, "beaten": f"{g.beaten} of {g.total}",
        "next_baseline": g.next_baseline.name if g.next_baseline else "all beaten",
        "next_baseline_score": g.next_baseline.score if g.next_baseline else None,
    } for g in graded.grades], columns=["participant", "kaggle_username", "team_name", "kaggle_rank", "score",
                                        "beaten", "next_baseline", "next_baseline_score"])


def show(graded: grades.Grades, score_format: str, public: grades.Grades | None = None,
         shared: list[dict] | None = None) -> None:
    """The current board's grades; after the reveal also the public board's (`public`); the shared
    submissions (`shared`) only when the caller is an organiser."""
    better = "lower" if graded.direction == "lower" else "higher"
    st.caption(f"A participant beats a baseline when their score is strictly {better} than it; an equal score "
               "does not count. Baselines are the board's benchmarks (rank 0) and the organisers' thresholds.")
    st.dataframe(pd.DataFrame([{"baseline": b.name, "score": b.score,
                                "from": "benchmark on the board" if b.source == "benchmark" else "organiser"}
                               for b in graded.baselines]), hide_index=True, column_config={
        "baseline": st.column_config.TextColumn("Baseline"),
        "score": st.column_config.NumberColumn("Score", format=score_format),
        "from": st.column_config.TextColumn("From"),
    })
    _board(graded, score_format, better, key="grades-csv")
    if public is not None:
        st.markdown("**On the public board, before the reveal**")
        _board(public, score_format, better, key="grades-public-csv")
    if shared is not None:
        show_shared(shared, score_format)


def _board(graded: grades.Grades, score_format: str, better: str, *, key: str) -> None:
    table = grades_frame(graded)
    if table.empty:
        st.info(f"No registered participant is on the {graded.board or 'current'} board.")
        return
    st.dataframe(table, hide_index=True, height=min(38 + 35 * len(table), 720), column_config={
        "participant": st.column_config.TextColumn("Participant"),
        "kaggle_username": st.column_config.TextColumn("Kaggle username"),
        "team_name": st.column_config.TextColumn("Team"),
        "kaggle_rank": st.column_config.NumberColumn("Kaggle rank", format="%d"),
        "score": st.column_config.NumberColumn("Score", format=score_format),
        "beaten": st.column_config.TextColumn("Baselines beaten"),
        "next_baseline": st.column_config.TextColumn("Next to beat"),
        "next_baseline_score": st.column_config.NumberColumn("Score to beat", format=score_format,
                                                             help=f"strictly {better} than this"),
    })
    suffix = "-public" if graded.board == grades.PUBLIC else ""
    st.download_button(f"⬇️ Download the {graded.board or 'current'} board's grades (CSV)",
                       data=export.to_csv(grades.COLUMNS, graded.rows()), file_name=f"{graded.slug}-grades{suffix}.csv",
                       mime="text/csv", on_click="ignore", key=key)


def show_shared(shared: list[dict], score_format: str) -> None:
    st.markdown("**Shared submissions** (organisers only)")
    if not shared:
        st.caption("No two teams have both the same public and the same private score.")
        return
    st.caption("These teams' public and private scores are both identical to another team's: likely one "
               "submission handed in by several teams. Same group number, same scores.")
    st.dataframe(pd.DataFrame(shared, columns=grades.SHARED_COLUMNS), hide_index=True, column_config={
        "shared_group": st.column_config.NumberColumn("Group", format="%d"),
        "team_name": st.column_config.TextColumn("Team"),
        "private_rank": st.column_config.NumberColumn("Private rank", format="%d"),
        "public_rank": st.column_config.NumberColumn("Public rank", format="%d"),
        "private_score": st.column_config.NumberColumn("Private score", format=score_format),
        "public_score": st.column_config.NumberColumn("Public score", format=score_format),
        "participants": st.column_config.TextColumn("Participants"),
        "kaggle_usernames": st.column_config.TextColumn("Kaggle usernames"),
    })
