"""Leaderboard (`?competition=SLUG`): KPIs, filters, the table, charts, grades (with baselines), CSV, auto-refresh.

Filtering, paging and binning run in DuckDB; the page only ever holds one page of rows and 40 bins. All
reads of a run share one connection, opened only when a cached result is missing.
"""

import math

import streamlit as st

from mlbattle import charts, db, grades, movement, reads, reveal, web
from mlbattle.web import grades_view

PAGE_SIZES = (50, 100, 250, 500)


def _table(rows, moves, teams, board_name, revealed):
    """The page of rows with its Medal, Move and reveal columns, as Arrow: built once per data version and
    page, and drawn by every session without converting it again."""
    return web.as_arrow(web.shakeup.marked(web.marked(rows, moves, teams, board_name), revealed))


cfg = web.page("Leaderboard")
slug = (st.query_params.get("competition") or "").strip()

with web.source(cfg) as data:
    version = data.probe(reads.competition_version, slug) if slug else None
    if version is None:
        st.title("📊 Leaderboard")
        if slug:
            st.error(f"There is no competition “{web.md(slug)}” here. Pick one below.")
        known = data.read(data.probe(reads.data_version), reads.competitions)
        if not known:
            st.info("No competitions yet. An organiser imports them on the Admin page.")
        for record in known:
            web.pick(f"{record['title']} ({record['slug']})", key=f"pick-{record['slug']}", competition=record["slug"])
        st.stop()

    record = data.read(version, reads.competition, slug)
    direction, metric = record["direction"], record["metric"]
    refreshing = web.refresh_on_view(cfg, record)

    st.title(f"📊 {web.md(record['title'])}")
    facts = [f"[{web.md(slug)} on Kaggle](https://www.kaggle.com/competitions/{slug})",
             f"status **{record['status']}**", f"{web.md(metric or 'score')}: {charts.direction_note(direction)}"]
    if record["deadline"]:
        facts.append(f"deadline {record['deadline']:%Y-%m-%d %H:%M} UTC")
    st.markdown(" · ".join(facts))
    if record["event_slug"]:
        web.link("event", "Event standings", event=record["event_slug"])
    web.link("screen", "📽️ Big screen (for a projector)", competition=slug)
    web.show_sync_state(record, refreshing)
    web.autorefresh(cfg, web.Watch(reads.competition_version, (slug,), version, (record,), refreshing),
                    default_on=record["status"] == "ongoing")

    kpis = data.read(version, reads.leaderboard_kpis, slug)
    bins = data.read(version, reads.score_histogram, slug)
    moves = data.read(version, movement.board, slug)
    zones = data.read(version, movement.zones, slug)
    teams_ranked, board_name = data.read(version, movement.facts, slug)
    score_format = web.score_format([kpis["leader_score"], *bins["start"], *bins["end"]])
    revealed = data.read(version, reveal.view, slug)
    web.shakeup.banner(revealed)

    teams, people, best, in_medals, leader, submissions = st.columns(6)
    teams.metric("Teams on Kaggle", f"{record['teams']:,}")
    people.metric("Participants on it", f"{record['matched']:,}", help=f"of {kpis['registered']:,} registered")
    if kpis["best_participant"] is not None:
        best.metric("Best participant", f"#{int(kpis['best_participant_rank']):,}",
                    help=f"{web.md(kpis['best_participant'])}: Kaggle rank {int(kpis['best_participant_rank']):,}")
        best.caption(web.md(kpis["best_participant"]))
    else:
        best.metric("Best participant", "–")
    leader.metric("Leader's score", "–" if kpis["leader_score"] is None else score_format % kpis["leader_score"])
    submissions.metric("Submissions", f"{int(kpis['submissions'] or 0):,}")
    web.medal_kpi(in_medals, moves, zones, key=(slug, version))
    web.shakeup.shakeup_row(revealed)
    web.movers_strip(moves, key=(slug, version))
    if not record["teams"]:
        st.info("This leaderboard has not been downloaded yet." + (" It is being fetched now." if refreshing else ""))

    # ------------------------------------------------------------ filters and table
    view_column, search_column, low_column, high_column, size_column = st.columns([2.2, 2.4, 1, 1, 1])
    view = view_column.segmented_control(
        "Show", list(reads.VIEWS), default="participants", required=True, key="view", bind="query-params",
        format_func={"participants": "Participants", "all": "All Kaggle teams"}.__getitem__,
    )
    search = search_column.text_input("Search", key="q", max_chars=100, bind="query-params",
                                      placeholder="team, participant or Kaggle username")
    top_rank = max(1, int(kpis["max_rank"] or 1))
    # Float inputs shown as whole numbers: Streamlit turns an int input's value into an int before the page
    # runs, and a crafted NaN raised there; a float input's non-finite or out-of-range value becomes its default.
    rank_min = low_column.number_input("Kaggle rank from", min_value=1.0, max_value=float(top_rank), value=1.0,
                                       step=1.0, format="%.0f")
    rank_max = high_column.number_input("to", min_value=1.0, max_value=float(top_rank), value=float(top_rank),
                                        step=1.0, format="%.0f")
    page_size = size_column.selectbox("Rows per page", PAGE_SIZES, index=1)
    page_size = page_size if page_size in PAGE_SIZES else PAGE_SIZES[1]  # a crafted choice gets the default
    show_benchmarks = True
    if view == "all":
        show_benchmarks = st.checkbox("Show benchmark rows (rank 0)", value=True)
    medal_zone = st.checkbox("Only teams in a medal zone", key="medals", bind="query-params",
                             help="Kaggle ranks inside the bronze zone or better: "
                                  + ", ".join(f"{z.medal} ≤ #{z.rank:,}" for z in zones) if zones else None)
    low = reads.whole_number(rank_min, 1, top_rank, 1)
    high = reads.whole_number(rank_max, 1, top_rank, top_rank)
    if medal_zone:
        show_benchmarks = False
        high = min(high, zones[-1].rank if zones else 0)
    filters = reads.LeaderboardFilter(view if view in reads.VIEWS else "participants", str(search or ""),
                                      low, high, bool(show_benchmarks))

    page_key = f"page-{slug}-{abs(hash(filters))}-{page_size}"
    page_number = reads.whole_number(st.session_state.get(page_key) or 1, 1, 2**31 - 1, 1)
    shown = data.read(version, reads.leaderboard_page, slug, filters, page_size, (page_number - 1) * page_size)
    pages = max(1, math.ceil(shown.total / page_size))
    if page_number > pages:
        page_number = 1
        shown = data.read(version, reads.leaderboard_page, slug, filters, page_size, 0)

    columns = {
        "platform_rank": st.column_config.NumberColumn("Platform rank", format="%d", help="Rank among participants"),
        "kaggle_rank": st.column_config.NumberColumn("Kaggle rank", format="%d"),
        "participant": st.column_config.TextColumn("Participant"),
        "kaggle_username": st.column_config.TextColumn("Kaggle username"),
        "team_name": st.column_config.TextColumn("Team"),
        "score": st.column_config.NumberColumn(f"Score ({charts.direction_note(direction)})", format=score_format,
                                               help=web.md(metric or "the competition's metric")),
        "submission_count": st.column_config.NumberColumn("Submissions", format="%d"),
        "last_submission": st.column_config.DatetimeColumn("Last submission (UTC)", format="YYYY-MM-DD HH:mm"),
        "is_benchmark": st.column_config.CheckboxColumn("Benchmark"),
        **web.movers.COLUMNS,
        **web.shakeup.COLUMNS,
    }
    order = (["platform_rank", "participant", "kaggle_username", "team_name", "kaggle_rank", "movement", "medal_icon",
              "score", "submission_count", "last_submission"] if filters.view == "participants" else
             ["kaggle_rank", "medal_icon", "team_name", "participant", "movement", "score", "submission_count",
              "last_submission", "platform_rank", "is_benchmark"])
    order = web.shakeup.order(order, revealed)
    if shown.total:
        table = web.kept((slug, version, filters, page_size, page_number), _table, shown.rows, moves,
                         teams_ranked, board_name, revealed)
        st.dataframe(table, hide_index=True, column_config=columns,
                     column_order=order,
                     height=min(38 + 35 * len(shown.rows), 720))
        first = (page_number - 1) * page_size + 1
        st.caption(f"Rows {first:,}–{first + len(shown.rows) - 1:,} of {shown.total:,}")
    elif record["teams"]:
        st.info("No rows match these filters." if filters != reads.LeaderboardFilter(filters.view) else
                "No registered participant is on this leaderboard yet. Register on the Participants page, or "
                "show all Kaggle teams.")
    if pages > 1:
        st.pagination(pages, key=page_key, default=1)

    def _csv() -> str:
        """Runs on click, in a thread of its own: every filtered row, never kept in the session."""
        with db.connect(cfg) as con:
            return reads.leaderboard_csv(con, slug, filters)

    st.download_button(f"⬇️ Download these {shown.total:,} rows (CSV)", data=_csv,
                       file_name=f"{slug}-{filters.view}.csv", mime="text/csv", on_click="ignore",
                       disabled=not shown.total)

    # ------------------------------------------------------------ charts
    # Only the open tab runs (on_change="rerun"): a chart costs more to build than the rest of the page.
    graded = data.read(version, grades.grades, slug)
    grade_tabs, reveal_tabs = (["Grades"] if graded.baselines else []), web.shakeup.tab_names(revealed)
    distribution, progress, *extra = st.tabs(
        ["Score distribution", "Participants over time", *grade_tabs, *reveal_tabs], key="charts",
        on_change="rerun")
    marks = data.read(version, reads.leaderboard_page, slug, reads.LeaderboardFilter(), charts.MAX_MARKERS, 0).rows
    if distribution.open:
        with distribution:
            benchmarks = data.read(version, reads.benchmarks, slug)
            st.plotly_chart(web.figure(charts.score_distribution, bins, marks, benchmarks, direction=direction,
                                       metric=metric, zones=tuple((z.medal, z.rank, z.score) for z in zones),
                                       key=(slug, version)),
                            key="distribution")
            if bins.attrs.get("clipped"):
                st.caption("Outliers squeezed the field into one bar, so the axis spans the 1st to 99th "
                           "percentile; teams beyond it count in the edge bars.")
    if progress.open:
        with progress:
            people_on_board = marks.drop_duplicates("kaggle_username")
            names = dict(zip(people_on_board["kaggle_username"], people_on_board["participant"]))
            chosen = st.multiselect("Participants", list(names), default=list(names)[:5], key="progress-people",
                                    format_func=lambda username: f"{names[username]} ({username})")
            if chosen:
                snapshots = data.read(version, reads.history, slug, tuple(sorted(chosen)))
                st.plotly_chart(web.figure(charts.progress, snapshots, direction=direction, metric=metric,
                                           key=(slug, version, tuple(sorted(chosen)))),
                                key="progress")
            else:
                st.caption("Choose participants to chart their score and rank at each sync.")
    grading, public_vs_private = extra[:len(grade_tabs)], extra[len(grade_tabs):]
    if public_vs_private and public_vs_private[0].open:
        with public_vs_private[0]:
            web.shakeup.chart_tab(data, version, slug, revealed)
    if grading and grading[0].open:
        with grading[0]:
            public = data.read(version, grades.public_grades, slug)
            shared = data.read(version, grades.shared_submissions, slug) if web.is_admin(cfg) else None
            grades_view.show(graded, score_format, public, shared)
