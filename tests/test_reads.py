"""The pages' reads: filtering, paging and binning in DuckDB, consistent with the matching rules."""

from __future__ import annotations

import csv
import io
import math

import pytest

from mlbattle import db, queries, reads, registry, sync
from mlbattle.registry import CompetitionFacts
from tests.support import boards
from tools import samples

SLUG = "reads-comp"
ROWS = [
    (1, "Top Team", 0.95, "alice, Carol"),
    (0, "Sample benchmark", 0.90, ""),
    (2, "=cmd|' /C calc'!A0", 0.80, "bob"),
    (3, "Strangers", 0.70, "zed"),
    (4, "Dave's 100% _team_", 0.60, "dave"),
    (5, "No score yet", None, "erin"),
]
PEOPLE = [("alice", "Alice A"), ("carol", "Carol C"), ("bob", "Bob B"), ("dave", "Dave D"), ("zedd", "Zedd Z"),
          ("frank", "Frank F")]


@pytest.fixture
def loaded(settings, local_fetch):
    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts(SLUG, "Reads", metric="AUC"), status="ongoing")
        for username, name in PEOPLE:
            registry.add_participant(con, username, name)
    result = sync.sync(SLUG, settings, trigger="manual", fetch=local_fetch({SLUG: boards.zip_of(SLUG, ROWS)}))
    assert result.outcome == "created"
    return settings


def page(settings, filters: reads.LeaderboardFilter, limit: int = 100, offset: int = 0) -> reads.Page:
    with db.connect(settings) as con:
        return reads.leaderboard_page(con, SLUG, filters, limit, offset)


def test_participants_view_is_the_platform_leaderboard(loaded) -> None:
    with db.connect(loaded) as con:
        expected = con.execute(queries.PLATFORM_LEADERBOARD, [SLUG]).fetchall()
    shown = page(loaded, reads.LeaderboardFilter())
    columns = ["platform_rank", "kaggle_rank", "participant", "kaggle_username", "team_name", "score",
               "submission_count", "last_submission"]
    assert [tuple(row) for row in shown.rows[columns].astype(object).itertuples(index=False)] == expected
    assert shown.total == 4
    assert list(shown.rows["platform_rank"]) == [1, 1, 2, 3]  # team-mates share their rank


def test_all_view_is_every_kaggle_row_in_kaggle_order(loaded) -> None:
    with db.connect(loaded) as con:
        expected = con.execute(queries.ALL_TEAMS, [SLUG, SLUG]).fetchall()
    shown = page(loaded, reads.LeaderboardFilter("all"))
    assert shown.total == len(ROWS)
    assert list(shown.rows["team_name"]) == [row[4] for row in expected]
    assert list(shown.rows["is_benchmark"]) == [False, True, False, False, False, False]
    assert shown.rows.loc[0, "participant"] == "Alice A, Carol C"


@pytest.mark.parametrize(
    ("view", "search", "teams"),
    [
        ("participants", "TOP", ["Top Team", "Top Team"]),
        ("participants", "carol", ["Top Team"]),
        ("all", "100%", ["Dave's 100% _team_"]),
        ("all", "_team_", ["Dave's 100% _team_"]),
        ("all", "%", ["Dave's 100% _team_"]),
        ("all", "zed", ["Strangers"]),  # a member's username finds an unregistered team
        ("all", "  strangers  ", ["Strangers"]),
        ("all", "'; DROP TABLE kaggle_rows; --", []),
    ],
)
def test_search_is_literal_and_case_insensitive(loaded, view: str, search: str, teams: list[str]) -> None:
    shown = page(loaded, reads.LeaderboardFilter(view, search))
    assert list(shown.rows["team_name"]) == teams
    assert shown.total == len(teams)


def test_rank_range_applies_to_ranked_teams_and_benchmarks_follow_their_own_switch(loaded) -> None:
    with_benchmarks = page(loaded, reads.LeaderboardFilter("all", rank_min=2, rank_max=3))
    assert list(with_benchmarks.rows["kaggle_rank"]) == [0, 2, 3]
    without = page(loaded, reads.LeaderboardFilter("all", rank_min=2, rank_max=3, benchmarks=False))
    assert list(without.rows["kaggle_rank"]) == [2, 3]
    platform = page(loaded, reads.LeaderboardFilter("participants", rank_min=2, rank_max=4))
    assert list(platform.rows["kaggle_username"]) == ["bob", "dave"]
    assert list(platform.rows["platform_rank"]) == [2, 3]  # ranks are the board's, not the filtered view's


def test_paging_happens_in_sql_and_keeps_the_total(loaded) -> None:
    second = page(loaded, reads.LeaderboardFilter("all"), limit=2, offset=2)
    assert list(second.rows["kaggle_rank"]) == [2, 3] and second.total == len(ROWS)
    past_the_end = page(loaded, reads.LeaderboardFilter("all"), limit=2, offset=50)
    assert past_the_end.rows.empty and past_the_end.total == len(ROWS)


def test_unknown_view_is_refused() -> None:
    with pytest.raises(ValueError, match="view"):
        reads.LeaderboardFilter("everyone")


def test_csv_holds_every_filtered_row_and_is_spreadsheet_safe(loaded) -> None:
    with db.connect(loaded) as con:
        text = reads.leaderboard_csv(con, SLUG, reads.LeaderboardFilter("all", benchmarks=False))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:8] == ["platform_rank", "kaggle_rank", "participant", "kaggle_username", "team_name", "score",
                           "submission_count", "last_submission"]
    assert len(rows) == 1 + 5
    assert rows[2][4] == "'=cmd|' /C calc'!A0"
    with db.connect(loaded) as con:
        only_bob = reads.leaderboard_csv(con, SLUG, reads.LeaderboardFilter("participants", "bob"))
    assert len(only_bob.strip().splitlines()) == 2


def test_histogram_counts_every_scored_team_but_not_benchmarks(loaded) -> None:
    with db.connect(loaded) as con:
        bins = reads.score_histogram(con, SLUG, bins=10)
        bench = reads.benchmarks(con, SLUG)
    assert len(bins) == 10 and int(bins["teams"].sum()) == 4
    assert bins["start"].iloc[0] == pytest.approx(0.60) and bins["end"].iloc[-1] == pytest.approx(0.95)
    assert bins["teams"].iloc[-1] == 1  # the best score falls in the last bin, not past it
    assert not bins.attrs["clipped"]
    assert list(bench["team_name"]) == ["Sample benchmark"]


def test_histogram_clips_outliers_that_would_squash_the_field(settings, local_fetch) -> None:
    frame = samples.synthetic_leaderboard(400, seed=5, lower_is_better=True, n_benchmarks=0, hostile_names=False)
    frame.loc[len(frame) - 1, "Score"] = 1e9
    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts("outliers", "Outliers", metric="RMSE"))
    zip_bytes = samples.leaderboard_zip("outliers", samples.leaderboard_csv(frame))
    sync.sync("outliers", settings, trigger="manual", fetch=local_fetch({"outliers": zip_bytes}))
    with db.connect(settings) as con:
        bins = reads.score_histogram(con, "outliers")
    assert bins.attrs["clipped"] and int(bins["teams"].sum()) == 400
    assert bins["end"].iloc[-1] < 1e6


def test_histogram_of_one_value_and_of_nothing(settings, local_fetch) -> None:
    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts("flat", "Flat"))
        registry.add_competition(con, CompetitionFacts("empty", "Empty"))
    flat = boards.zip_of("flat", [(1, "a", 0.5, "a"), (2, "b", 0.5, "b")])
    sync.sync("flat", settings, trigger="manual", fetch=local_fetch({"flat": flat}))
    with db.connect(settings) as con:
        one = reads.score_histogram(con, "flat")
        none = reads.score_histogram(con, "empty")
    assert list(one["teams"]) == [2]
    assert none.empty


def test_kpis(loaded) -> None:
    with db.connect(loaded) as con:
        kpis = reads.leaderboard_kpis(con, SLUG)
    assert kpis["leader_score"] == 0.95 and kpis["max_rank"] == 5 and kpis["registered"] == len(PEOPLE)
    assert kpis["best_participant"] == "Alice A" and kpis["best_participant_rank"] == 1
    assert kpis["submissions"] == 3 * len(ROWS)


def test_history_of_chosen_people_in_any_case(loaded, local_fetch) -> None:
    changed = [(1, "Top Team", 0.97, "alice, Carol"), *ROWS[1:]]
    sync.sync(SLUG, loaded, trigger="manual", fetch=local_fetch({SLUG: boards.zip_of(SLUG, changed)}))
    with db.connect(loaded) as con:
        snapshots = reads.history(con, SLUG, ["ALICE", "bob"])
    assert sorted(snapshots["kaggle_username"].unique()) == ["alice", "bob"]
    assert list(snapshots[snapshots["kaggle_username"] == "alice"]["score"]) == [0.95, 0.97]


def test_participant_results_across_competitions(loaded, local_fetch) -> None:
    with db.connect(loaded) as con:
        registry.add_competition(con, CompetitionFacts("second", "Second"))
    second = boards.zip_of("second", [(1, "Solo", 0.9, "bob"), (2, "Pair", 0.8, "alice")])
    sync.sync("second", loaded, trigger="manual", fetch=local_fetch({"second": second}))
    with db.connect(loaded) as con:
        alice = reads.participant_results(con, "Alice")
        frank = reads.participant_results(con, "frank")
        person = reads.participant(con, " ALICE ")
    by_competition = alice.set_index("competition")
    assert by_competition.loc[SLUG, "platform_rank"] == 1 and by_competition.loc[SLUG, "teams"] == 5
    assert by_competition.loc["second", "platform_rank"] == 2 and by_competition.loc["second", "kaggle_rank"] == 2
    assert frank.empty
    assert person["display_name"] == "Alice A"


def test_unmatched_people_with_likely_teams(loaded) -> None:
    with db.connect(loaded) as con:
        missing = reads.unmatched(con, SLUG)
    assert set(missing["kaggle_username"]) == {"zedd", "frank"}
    zedd = missing[missing["kaggle_username"] == "zedd"].iloc[0]
    assert zedd["team_name"] == "Strangers" and zedd["similarity"] > 0.9
    frank = missing[missing["kaggle_username"] == "frank"].iloc[0]
    assert math.isnan(frank["similarity"])


def test_versions_change_with_what_pages_show(loaded) -> None:
    with db.connect(loaded) as con:
        before, everything = reads.competition_version(con, SLUG), reads.data_version(con)
        registry.add_participant(con, "newcomer")
        after_registration = reads.competition_version(con, SLUG)
        registry.set_status(con, SLUG, "completed")
        after_status = reads.competition_version(con, SLUG)
        assert reads.competition_version(con, "nope") is None
        assert reads.data_version(con) != everything
    assert len({before, after_registration, after_status}) == 3


def test_participants_page_searches_and_counts(loaded) -> None:
    with db.connect(loaded) as con:
        everyone = reads.participants_page(con)
        found = reads.participants_page(con, "  DAVE ")
        assert reads.participant_count(con) == len(PEOPLE)
    assert everyone.total == len(PEOPLE) and list(found.rows["kaggle_username"]) == ["dave"]


def test_recent_runs(loaded) -> None:
    with db.connect(loaded) as con:
        runs = reads.recent_runs(con, SLUG)
        none = reads.recent_runs(con, "nope")
    assert list(runs["outcome"]) == ["created"] and none.empty
