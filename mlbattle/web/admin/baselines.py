"""The baselines tab: an organiser's score thresholds per competition, graded beside the board's benchmarks.

Every action handler starts with `web.require_admin(cfg)` (a test parses this file to hold that).
"""

from __future__ import annotations

import streamlit as st

from mlbattle import grades, web
from mlbattle.web import grades_view
from mlbattle.web.admin.context import Admin


def show(ctx: Admin) -> None:
    cfg = ctx.cfg
    by_slug = ctx.by_slug
    if not by_slug:
        st.info("No competitions yet: import one from Kaggle.")
        return
    st.caption("A competition with baselines gets a Grades tab on its leaderboard page and `grades SLUG --csv` "
               "for a course's gradebook. The board's benchmarks (rank-0 rows) always count; add score "
               "thresholds of your own here. A participant beats one only with a strictly better score.")
    chosen = st.selectbox("Competition", list(by_slug), key="baselines_competition",
                          format_func=lambda s: f"{by_slug[s]['title']} ({s})")
    graded = web.read(cfg, ctx.version, grades.grades, chosen)  # the data version covers the thresholds
    thresholds = [b.score for b in graded.baselines if b.source == "organiser"]
    benchmarks = [b for b in graded.baselines if b.source == "benchmark"]
    st.caption("Benchmarks on the board: " + (", ".join(f"{web.md(b.name)} ({b.score:g})" for b in benchmarks)
                                              or "none"))
    with st.form(f"baselines-{chosen}"):
        text = st.text_input("Score thresholds", value=grades.baselines_text(thresholds), key=f"baselines-{chosen}",
                             placeholder="0.75, 0.8", help="Numbers separated by commas; empty clears them.")
        save = st.form_submit_button("Save baselines")
    if save:
        web.require_admin(cfg)
        web.write(cfg, lambda con: grades.set_baselines(con, chosen, grades.parse_baselines(text)),
                  lambda _: f"{chosen}: baselines saved")
    shared = web.read(cfg, ctx.version, grades.shared_submissions, chosen)
    if shared or web.read(cfg, ctx.version, grades.has_public_board, chosen):
        grades_view.show_shared(shared, "%.5f")
    else:
        st.caption("Shared submissions (teams with both the same public and the same private score as another "
                   "team) show here after the private reveal.")

