"""The season table: Kaggle points by hand, OpenSkill ratings in deadline order, the CLI, a restored backup."""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime

import pytest
from openskill.models import PlackettLuce

from mlbattle import db, registry, season
from mlbattle.registry import CompetitionFacts
from tests.support.boards import load_board
from tests.support.cli_support import fails, ok


def add(con, slug: str, event: str | None = "club", deadline: datetime | None = None) -> None:
    registry.add_competition(con, CompetitionFacts(slug, slug.title(), deadline=deadline), event=event,
                             auto_sync=False)


def table_of(settings, event: str | None = None) -> season.Season:
    with db.connect(settings) as con:
        return season.season(con, event)


def results_of(settings, event: str | None = None) -> list[season.Result]:
    with db.connect(settings) as con:
        return season.read_results(con, event)


def competitions_of(settings, event: str | None = None) -> list[season.Competition]:
    with db.connect(settings) as con:
        return season.read_competitions(con, event)


@pytest.fixture
def club(settings):
    """Three competitions of one event (deadlines out of slug order, one without) and one elsewhere."""
    with db.connect(settings) as con:
        registry.add_event(con, "club", "Club season", None, None, "")
        registry.add_event(con, "other", "Other", None, None, "")
        add(con, "zeta", deadline=datetime(2026, 1, 10))
        add(con, "alpha", deadline=datetime(2026, 2, 10))
        add(con, "open-end", deadline=None)
        add(con, "elsewhere", event="other", deadline=datetime(2026, 1, 1))
        for username in ("ann", "bob", "cy", "dee"):
            registry.add_participant(con, username, username.title())
    load_board(settings, "zeta", [(1, "Pair", 0.9, "ann, bob"), (0, "Benchmark", 0.8, ""), (2, "Cy", 0.7, "cy"),
                            (3, "Stranger", 0.6, "zed")])
    load_board(settings, "alpha", [(1, "Cy", 0.9, "cy"), (2, "Dee", 0.8, "dee"), (3, "Ann", 0.7, "ann")])
    load_board(settings, "open-end", [(1, "Dee", 0.9, "dee"), (2, "Ann", 0.8, "ann"), (3, "Bob", 0.7, "bob")])
    load_board(settings, "elsewhere", [(1, "Bob", 0.9, "bob"), (2, "Ann", 0.8, "ann")])
    return settings


# ---------------------------------------------------------------- Kaggle points


def test_kaggle_points_match_the_formula_worked_by_hand():
    # 100000 / sqrt(1) * 1^-0.75 * log10(1 + log10(100)) = 100000 * log10(3)
    assert season.kaggle_points(1, 1, 100) == pytest.approx(47712.125, abs=1e-3)
    # a team of 4 at rank 16 of 1000: 100000 / 2 * (1/8) * log10(4)
    assert season.kaggle_points(16, 4, 1000) == pytest.approx(3762.875, abs=1e-3)
    # a lone team earns nothing: log10(1 + log10(1)) = 0
    assert season.kaggle_points(1, 1, 1) == 0.0


def test_kaggle_points_refuse_a_rank_or_field_below_one():
    with pytest.raises(ValueError, match="at least 1"):
        season.kaggle_points(0, 1, 10)


def test_points_count_team_members_and_leave_benchmarks_out_of_n(club):
    result = {(r.competition, r.kaggle_username): r for r in results_of(club)}
    zeta_pair = result[("zeta", "ann")]
    assert (zeta_pair.team_size, zeta_pair.teams) == (2, 3)  # the benchmark is not a ranked team
    # ann on zeta: 100000 / sqrt(2) * 1 * log10(1 + log10(3)) = 11979.53
    assert zeta_pair.points == pytest.approx(11979.531, abs=1e-3)
    # cy on zeta: rank 2 alone of 3: 100000 * 2^-0.75 * log10(1 + log10(3)) = 10073.54
    assert result[("zeta", "cy")].points == pytest.approx(100000 * 2 ** -0.75 * math.log10(1 + math.log10(3)))
    assert result[("zeta", "cy")].points == pytest.approx(10073.544, abs=1e-3)


def test_the_season_sums_points_over_the_chosen_competitions(club):
    def points(event):
        return {s.kaggle_username: s.kaggle_points for s in table_of(club, event).standings}

    three = math.log10(1 + math.log10(3))
    two = math.log10(1 + math.log10(2))
    # ann: rank 1 in a pair on zeta, rank 3 on alpha and rank 2 on open-end (3 teams each)
    ann_club = (100000 / math.sqrt(2) + 100000 * 3 ** -0.75 + 100000 * 2 ** -0.75) * three
    assert points("club")["ann"] == pytest.approx(ann_club)
    assert points(None)["ann"] == pytest.approx(ann_club + 100000 * 2 ** -0.75 * two)
    assert points("other") == {"bob": pytest.approx(100000 * two), "ann": pytest.approx(100000 * 2 ** -0.75 * two)}


def test_the_older_header_counts_every_team_as_one_member(settings):
    with db.connect(settings) as con:
        add(con, "old", event=None)
        registry.add_participant(con, "ann", "Ann")
    load_board(settings, "old", [(1, "ann", 0.9, "ann, bob"), (2, "other", 0.8, "x"), (3, "third", 0.7, "y"),
                           (4, "fourth", 0.6, "z")], header="older")
    (standing,) = table_of(settings).standings
    assert standing.kaggle_points == pytest.approx(100000 * math.log10(1 + math.log10(4)))


# ---------------------------------------------------------------- ratings


def expected_ratings(matches: list[list[tuple[str, int]]]) -> dict[str, float]:
    """The rule run by hand on OpenSkill: one match per list of (username, platform rank), in order."""
    model = PlackettLuce()
    current: dict[str, object] = {}
    for match in matches:
        for name, _ in match:
            current.setdefault(name, model.rating())
        rated = model.rate([[current[name]] for name, _ in match], ranks=[rank for _, rank in match])
        for (name, _), (rating,) in zip(match, rated):
            current[name] = rating
    return {name: round(r.mu - 3 * r.sigma, 2) for name, r in current.items()}


def test_ratings_follow_deadline_order_with_no_deadline_last_and_team_mates_tied(club):
    expected = expected_ratings([
        [("ann", 1), ("bob", 1), ("cy", 2)],  # zeta, the earliest deadline; the pair shares platform rank 1
        [("cy", 1), ("dee", 2), ("ann", 3)],  # alpha
        [("dee", 1), ("ann", 2), ("bob", 3)],  # open-end, no deadline, last
    ])
    got = {s.kaggle_username: s.rating for s in table_of(club, "club").standings}
    assert got == expected
    by_slug = expected_ratings([[("cy", 1), ("dee", 2), ("ann", 3)], [("ann", 1), ("bob", 1), ("cy", 2)],
                                [("dee", 1), ("ann", 2), ("bob", 3)]])
    assert got != by_slug  # the order matters, and it is the deadlines'


def test_the_table_is_best_first_with_conservative_ratings_and_shared_places(club):
    standings = table_of(club, "club").standings
    ratings = [s.rating for s in standings]
    assert ratings == sorted(ratings, reverse=True)
    for standing in standings:
        assert standing.rating == round(standing.mu - 3 * standing.sigma, 2)
    assert [s.competitions for s in standings if s.kaggle_username == "ann"] == [3]
    zeta_only = season.compute(competitions_of(club, "club")[:1], results_of(club, "club"))
    places = {s.kaggle_username: s.place for s in zeta_only.standings}
    assert places["ann"] == places["bob"] == 1


def test_a_participant_not_on_a_board_sits_the_match_out(club):
    steps = [s for s in table_of(club, "club").steps if s.kaggle_username == "bob"]
    assert [(s.competition, s.played) for s in steps] == [("zeta", True), ("alpha", False), ("open-end", True)]
    assert steps[0].rating == steps[1].rating  # alpha left bob's rating alone
    dee = [s.competition for s in table_of(club, "club").steps if s.kaggle_username == "dee"]
    assert dee == ["alpha", "open-end"]  # no line before the first match


def test_a_board_with_one_participant_changes_no_rating(settings):
    with db.connect(settings) as con:
        add(con, "solo", event=None)
        registry.add_participant(con, "ann", "Ann")
    load_board(settings, "solo", [(1, "Ann", 0.9, "ann"), (2, "x", 0.8, "x")])
    (standing,) = table_of(settings).standings
    assert (standing.mu, standing.sigma, standing.rating, standing.competitions) == (25.0, 25 / 3, 0.0, 1)


def test_a_revealed_private_board_is_the_one_rated(club):
    load_board(club, "alpha", [(1, "Ann", 0.7, "ann"), (2, "Dee", 0.8, "dee"), (3, "Cy", 0.9, "cy")], private=True)
    expected = expected_ratings([[("ann", 1), ("bob", 1), ("cy", 2)], [("ann", 1), ("dee", 2), ("cy", 3)],
                                 [("dee", 1), ("ann", 2), ("bob", 3)]])
    assert {s.kaggle_username: s.rating for s in table_of(club, "club").standings} == expected


def test_an_unknown_event_is_refused(settings):
    with pytest.raises(season.SeasonError, match="no event 'nope'"):
        table_of(settings, "nope")


# ---------------------------------------------------------------- command line and backups


def test_ratings_csv_has_the_specified_columns_and_rounding(club, app_env):
    done = ok(app_env, "ratings", "--event", "club", "--csv")
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["place", "participant", "kaggle_username", "rating", "competitions", "kaggle_points"]
    table = table_of(club, "club").standings
    assert rows[1:] == [[str(s.place), s.participant, s.kaggle_username, f"{s.rating:.2f}", str(s.competitions),
                         f"{s.kaggle_points:.1f}"] for s in table]
    assert any(row[3].startswith("-") for row in rows[1:])  # a negative rating stays a number, not "'-1.05"


def test_ratings_without_event_cover_every_competition(club, app_env):
    done = ok(app_env, "ratings")
    header, *lines = done.stdout.splitlines()
    assert header.split() == ["place", "participant", "kaggle_username", "rating", "n", "points"]
    assert {line.split()[2] for line in lines} == {"ann", "bob", "cy", "dee"}
    assert "error: there is no event 'nope'" in fails(app_env, "ratings", "--event", "nope").stderr


def test_a_restored_backup_gives_the_same_table(club, app_env, tmp_path):
    before = ok(app_env, "ratings", "--csv").stdout
    ok(app_env, "backup", str(tmp_path / "season.zip"))
    fresh = {**app_env, "MLBATTLE_DB": str(tmp_path / "fresh" / "restored.duckdb")}
    assert ok(fresh, "ratings", "--csv").stdout.count("\n") == 1  # header only: nothing there yet
    ok(fresh, "restore", str(tmp_path / "season.zip"))
    assert ok(fresh, "ratings", "--csv").stdout == before


def test_the_rating_chart_escapes_names_and_hollows_the_matches_sat_out(club):
    import pandas as pd

    from mlbattle import charts
    from mlbattle.web.season_view import steps_frame

    steps = steps_frame(table_of(club, "club"))
    steps.loc[steps["kaggle_username"] == "bob", "participant"] = "<b>Bob</b>"
    figure = charts.rating_history(steps)
    bob = next(trace for trace in figure.data if "bob" in trace.name)
    assert bob.name == "&lt;b&gt;Bob&lt;/b&gt; (bob)"
    assert list(bob.marker.symbol) == ["circle", "circle-open", "circle"]
    assert list(figure.layout.xaxis.ticktext) == ["Zeta", "Alpha", "Open-End"]
    assert charts.rating_history(pd.DataFrame(columns=steps.columns)).layout.annotations
