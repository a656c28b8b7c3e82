"""Event standings: both points rules, clamping, directions, absences, team-mates, benchmarks and ties."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mlbattle import db, reads, registry, standings, sync
from mlbattle import settings as settings_module
from mlbattle.registry import CompetitionFacts
from tools import samples

LONG = ["competition", "participant", "kaggle_username", "kaggle_rank", "platform_rank", "score", "points", "rule"]


def board(rows: list[tuple[int, str, float | None, str]]) -> pd.DataFrame:
    """A hand-made leaderboard in Kaggle's columns from (rank, team name, score, members)."""
    return pd.DataFrame({
        "Rank": [r[0] for r in rows],
        "TeamId": [1000 + i for i in range(len(rows))],
        "TeamName": [r[1] for r in rows],
        "LastSubmissionDate": ["2026-11-20 10:00:00"] * len(rows),
        "Score": [r[2] for r in rows],
        "SubmissionCount": [3] * len(rows),
        "TeamMemberUserNames": [r[3] for r in rows],
    })


def fetch_from(zips: dict[str, bytes]) -> sync.Fetch:
    """conftest's local_fetch as a plain function, for the module-scoped fixture."""

    def fetch(slug: str, folder: Path) -> Path:
        (folder / f"{slug}.zip").write_bytes(zips[slug])
        return folder / f"{slug}.zip"

    return fetch


def load(settings, slug: str, frame: pd.DataFrame, header: str = "current") -> None:
    data = samples.leaderboard_zip(slug, samples.leaderboard_csv(frame, header=header))
    result = sync.sync(slug, settings, trigger="test", fetch=fetch_from({slug: data}))
    assert result.outcome in ("created", "updated"), result


def add_competition(con, slug: str, event: str, metric: str = "Accuracy") -> None:
    registry.add_competition(con, CompetitionFacts(slug, slug.title(), metric=metric), event=event, auto_sync=False)


def standings_of(settings, event: str) -> standings.Standings:
    with db.connect(settings) as con:
        return standings.event_standings(con, event)


def points(result: standings.Standings, competition: str) -> dict[str, float]:
    rows = result.per_competition[result.per_competition["competition"] == competition]
    return dict(zip(rows["kaggle_username"], rows["points"]))


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """Event 'night': alpha (zero-setup, higher is better) and beta (organiser-set, lower is better).

    Built once for the module (read-only tests), with its own database and an empty home.
    """
    folder = tmp_path_factory.mktemp("night")
    (folder / "home").mkdir()
    settings = settings_module.load(env={"MLBATTLE_DB": str(folder / "night.duckdb"), "HOME": str(folder / "home")},
                                    secrets={})
    with db.connect(settings) as con:
        registry.add_event(con, "night", "Neural Night")
        registry.add_event(con, "other", "Another Event")
        add_competition(con, "alpha", "night")
        add_competition(con, "beta", "night", metric="RMSE")
        add_competition(con, "elsewhere", "other")
        registry.set_scoring(con, "beta", worst=1.0, best=0.2, points=100)
        for username, name in [("alice", "Alice Ng"), ("bob_k", "Bob Kay"), ("carol", "Carol Diaz"),
                               ("dave", "Dave Moss"), ("erin", "Erin Ode"), ("frank", "Frank Absent"),
                               ("gina", "Gina Elsewhere")]:
            registry.add_participant(con, username, name)
    load(settings, "alpha", board([
        (1, "Top Team", 0.95, "Alice, bob_k"),
        (0, "Sample Submission Benchmark", 0.90, ""),
        (2, "Carol's", 0.90, "carol"),
        (2, "Tied Strangers", 0.90, "user9"),
        (4, "Dave Alone", 0.80, "dave"),
        (5, "Last", 0.70, "user7"),
    ]))
    load(settings, "beta", board([
        (1, "Erin", 0.10, "erin"),
        (2, "Carol Again", 0.60, "carol"),
        (3, "Stranger", 0.80, "user3"),
        (4, "Dave Alone", 1.50, "dave"),
    ]))
    load(settings, "elsewhere", board([(1, "Gina", 0.9, "gina")]))
    return settings


def test_zero_setup_rule_is_share_of_field_beaten_benchmarks_excluded(night):
    result = standings_of(night, "night")
    # 5 teams (the benchmark is not one): rank 1 beats 4 of 4, the tied rank-2 teams beat 2, rank 4 beats 1.
    assert points(result, "alpha") == {"alice": 100.0, "bob_k": 100.0, "carol": 50.0, "dave": 25.0,
                                       "erin": 0.0}
    assert result.rules["alpha"] == (
        "share of the 5 Kaggle teams beaten × 100 (a team with the same rank is not beaten)")
    alpha = result.per_competition.set_index(["competition", "kaggle_username"]).loc["alpha"]
    assert set(alpha["rule"]) == {"field share"}


def test_team_mates_share_the_team_result(night):
    rows = standings_of(night, "night").per_competition.set_index(["competition", "kaggle_username"])
    alice, bob = rows.loc[("alpha", "alice")], rows.loc[("alpha", "bob_k")]
    assert (alice["kaggle_rank"], alice["platform_rank"], alice["score"], alice["points"]) == (1, 1, 0.95, 100.0)
    assert (bob["kaggle_rank"], bob["platform_rank"], bob["score"], bob["points"]) == (1, 1, 0.95, 100.0)
    assert rows.loc[("alpha", "carol"), "platform_rank"] == 2
    assert rows.loc[("alpha", "dave"), "platform_rank"] == 3


def test_organiser_rule_lower_is_better_clamped_both_ends(night):
    result = standings_of(night, "night")
    with db.connect(night) as con:
        assert reads.competition(con, "beta")["direction"] == "lower"
    # worst 1.0, best 0.2: 0.6 is half way; 0.1 beats best (clamped to 100); 1.5 is past worst (clamped to 0).
    assert points(result, "beta") == pytest.approx(
        {"erin": 100.0, "carol": 50.0, "dave": 0.0, "alice": 0.0, "bob_k": 0.0})
    assert result.rules["beta"] == (
        "points = (score − worst) / (best − worst) × 100, clamped to 0–100 (worst 1, best 0.2)")
    assert set(result.per_competition.loc[result.per_competition["competition"] == "beta", "rule"]) == {"organiser"}


def test_absent_participant_scores_zero_and_has_no_rank(night):
    rows = standings_of(night, "night").per_competition.set_index(["competition", "kaggle_username"])
    absent = rows.loc[("beta", "alice")]
    assert absent["points"] == 0.0
    assert pd.isna(absent["kaggle_rank"]) and pd.isna(absent["platform_rank"]) and pd.isna(absent["score"])
    assert rows.loc[("alpha", "erin"), "points"] == 0.0


def test_overall_order_ties_and_standard_places(night):
    table = standings_of(night, "night").table
    assert list(table.columns) == ["place", "participant", "kaggle_username", "total_points", "alpha", "beta"]
    # Alice, Bob, Carol and Erin all have 100; Carol's best single place is 2, the others' is 1, so she is
    # fourth; the three level on both keys share first place and are listed by name.
    assert list(table["participant"]) == ["Alice Ng", "Bob Kay", "Erin Ode", "Carol Diaz", "Dave Moss"]
    assert list(table["place"]) == [1, 1, 1, 4, 5]
    assert list(table["total_points"]) == [100.0, 100.0, 100.0, 100.0, 25.0]
    carol = table.set_index("kaggle_username").loc["carol"]
    assert (carol["alpha"], carol["beta"]) == (50.0, 50.0)


def test_only_people_on_the_events_boards_are_listed(night):
    result = standings_of(night, "night")
    listed = set(result.table["kaggle_username"])
    assert "frank" not in listed  # registered, on no leaderboard
    assert "gina" not in listed  # only on another event's competition
    assert set(result.per_competition["kaggle_username"]) == listed
    assert len(result.per_competition) == 2 * len(listed)
    assert list(result.per_competition.columns) == LONG


def test_organiser_rule_higher_is_better_clamped_and_empty_score(settings):
    with db.connect(settings) as con:
        registry.add_event(con, "solo", "Solo")
        add_competition(con, "gamma", "solo")
        registry.set_scoring(con, "gamma", worst=0.5, best=0.9, points=50)
        for username in ("ann", "ben", "cat", "dan"):
            registry.add_participant(con, username)
    load(settings, "gamma", board([
        (1, "A", 0.95, "ann"), (2, "B", 0.7, "ben"), (3, "C", 0.4, "cat"), (4, "D", None, "dan"),
    ]))
    result = standings_of(settings, "solo")
    assert points(result, "gamma") == pytest.approx({"ann": 50.0, "ben": 25.0, "cat": 0.0, "dan": 0.0})
    assert "× 50, clamped to 0–50 (worst 0.5, best 0.9)" in result.rules["gamma"]
    # Cat and Dan both have 0 points; Cat's better place keeps them apart.
    assert list(result.table["kaggle_username"]) == ["ann", "ben", "cat", "dan"]
    assert list(result.table["place"]) == [1, 2, 3, 4]


def test_older_header_matches_team_names_and_ranks_by_position(settings):
    with db.connect(settings) as con:
        registry.add_event(con, "old", "Old Times")
        add_competition(con, "titanic-old", "old")
        add_competition(con, "lonely", "old")
        registry.add_participant(con, "henry", "Henry")
        registry.add_participant(con, "ivy", "Ivy")
    load(settings, "titanic-old", board([
        (1, "someone", 0.9, ""), (2, "Henry", 0.8, ""), (3, "ivy", 0.7, ""), (4, "other", 0.6, ""),
    ]), header="older")
    load(settings, "lonely", board([(1, "Solo", 0.5, "ivy")]))
    result = standings_of(settings, "old")
    assert points(result, "titanic-old") == pytest.approx({"henry": 100 * 2 / 3, "ivy": 100 * 1 / 3})
    assert points(result, "lonely") == {"ivy": 100.0, "henry": 0.0}  # alone on the board: nobody to beat
    assert list(result.table["kaggle_username"]) == ["ivy", "henry"]
    assert result.table["total_points"].tolist() == pytest.approx([100 + 100 / 3, 200 / 3])


def test_equal_totals_from_different_float_sums_tie(settings):
    """51 + 4 and 55 points are level, although the floats summed differ in their last bit."""
    with db.connect(settings) as con:
        registry.add_event(con, "sums", "Sums")
        for slug in ("one", "two"):
            add_competition(con, slug, "sums")
            registry.set_scoring(con, slug, worst=0.0, best=1.0, points=100)
        registry.add_participant(con, "quinn", "Quinn")
        registry.add_participant(con, "pat", "Pat")
    load(settings, "one", board([(1, "P", 0.51, "pat"), (2, "X", 0.3, "user1")]))
    load(settings, "two", board([(1, "Q", 0.55, "quinn"), (2, "P", 0.04, "pat")]))
    table = standings_of(settings, "sums").table
    assert table["total_points"].tolist() != [55.0, 55.0]  # the float sums really differ ...
    assert table["total_points"].tolist() == pytest.approx([55.0, 55.0])
    assert list(table["participant"]) == ["Pat", "Quinn"]  # ... yet they tie, and the name orders them
    assert list(table["place"]) == [1, 1]


def test_unknown_event_is_refused(settings):
    with db.connect(settings) as con, pytest.raises(ValueError, match="no event 'nope'"):
        standings.event_standings(con, "nope")


def test_event_without_competitions_gives_empty_frames(settings):
    with db.connect(settings) as con:
        registry.add_event(con, "empty", "Empty")
        registry.add_participant(con, "someone")
        result = standings.event_standings(con, "empty")
    assert result.table.empty and list(result.table.columns) == ["place", "participant", "kaggle_username",
                                                                 "total_points"]
    assert result.per_competition.empty and list(result.per_competition.columns) == LONG
    assert result.rules == {}


def test_event_without_data_gives_empty_frames_with_competition_columns(settings):
    with db.connect(settings) as con:
        registry.add_event(con, "soon", "Soon")
        add_competition(con, "not-yet", "soon")
        registry.add_participant(con, "someone")
        result = standings.event_standings(con, "soon")
    assert result.table.empty
    assert list(result.table.columns) == ["place", "participant", "kaggle_username", "total_points", "not-yet"]
    assert result.per_competition.empty and list(result.per_competition.columns) == LONG
    assert result.rules == {"not-yet": "share of the Kaggle teams beaten × 100 (no leaderboard downloaded yet)"}
