"""Movement and medals: Kaggle's thresholds at every band edge, and previous ranks across downloads."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mlbattle import db, medals, movement, registry, sync
from tests.support.boards import zip_of

SLUG = "move-cup"


# ---------------------------------------------------------------- thresholds, worked out by hand from the table

@pytest.mark.parametrize(("teams", "expected"), [
    (1, (1, 1, 1)),            # max(1, ⌊0.1⌋), max(1, ⌊0.2⌋), max(1, ⌊0.4⌋)
    (5, (1, 1, 2)),            # ⌊0.5⌋→1, ⌊1.0⌋, ⌊2.0⌋
    (57, (5, 11, 22)),         # ⌊5.7⌋, ⌊11.4⌋, ⌊22.8⌋
    (99, (9, 19, 39)),         # ⌊9.9⌋, ⌊19.8⌋, ⌊39.6⌋
    (100, (10, 20, 40)),       # 10, ⌊20⌋, ⌊40⌋
    (180, (10, 36, 72)),       # 10, ⌊36⌋, ⌊72⌋
    (249, (10, 49, 99)),       # 10, ⌊49.8⌋, ⌊99.6⌋
    (250, (10, 50, 100)),      # 10 + ⌊0.5⌋, 50, 100
    (600, (11, 50, 100)),      # 10 + ⌊1.2⌋, 50, 100
    (999, (11, 50, 100)),      # 10 + ⌊1.998⌋, 50, 100
    (1000, (12, 50, 100)),     # 10 + ⌊2⌋, ⌊50⌋, ⌊100⌋
    (1200, (12, 60, 120)),     # 10 + ⌊2.4⌋, ⌊60⌋, ⌊120⌋
])
def test_the_medal_thresholds_follow_kaggles_table_at_every_band_edge(teams, expected):
    assert medals.thresholds(teams) == expected


@pytest.mark.parametrize(("rank", "expected"), [
    (1, "gold"), (12, "gold"), (13, "silver"), (60, "silver"), (61, "bronze"), (120, "bronze"), (121, None),
])
def test_a_rank_gets_the_best_zone_it_is_inside(rank, expected):
    assert medals.medal(rank, 1200) == expected


def test_rank_zero_and_an_empty_board_never_get_a_medal():
    assert medals.medal(0, 1200) is None
    assert medals.medal(None, 1200) is None
    assert medals.thresholds(0) == (0, 0, 0)
    assert medals.medal(1, 0) is None


@given(st.integers(min_value=1, max_value=200_000))
def test_the_zones_nest_gold_inside_silver_inside_bronze_inside_the_board(teams):
    gold, silver, bronze = medals.thresholds(teams)
    assert 1 <= gold <= silver <= bronze <= teams


@given(st.integers(min_value=1, max_value=200_000), st.data())
def test_a_better_rank_never_gets_a_worse_medal(teams, data):
    better = data.draw(st.integers(min_value=1, max_value=teams))
    worse = data.draw(st.integers(min_value=better, max_value=teams + 5))
    rank_of = {"gold": 0, "silver": 1, "bronze": 2, None: 3}
    assert rank_of[medals.medal(better, teams)] <= rank_of[medals.medal(worse, teams)]


# ---------------------------------------------------------------- previous ranks across downloads

class Clock:
    """A sync's clock that moves a minute per call, so downloads are ordered however fast the test runs."""

    def __init__(self) -> None:
        self.at = datetime(2026, 11, 22, 18, 0)

    def __call__(self) -> datetime:
        self.at += timedelta(minutes=1)
        return self.at


@pytest.fixture
def cup(settings, local_fetch):
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts(SLUG, "Move Cup", metric="Accuracy"))
        for username in ("ann", "ben", "cy", "dee"):
            registry.add_participant(con, username, username.title())
    clock = Clock()

    def download(rows, private=False):
        result = sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, rows, private=private)}),
                           clock=clock)
        assert result.outcome in sync.SUCCESS, result.error

    return download


def moves(settings) -> dict[str, tuple]:
    with db.connect(settings) as con:
        frame = movement.board(con, SLUG)
    return {row.kaggle_username: (row.kaggle_rank, None if pd.isna(row.previous_rank) else int(row.previous_rank),
                                  row.movement) for row in frame.itertuples()}


def _rows(*teams):
    return [(rank, name, 1.0 - rank / 100, members) for rank, name, members in teams] + [
        (0, "Benchmark", 0.5, "")]


def test_everyone_is_new_on_the_first_download(settings, cup):
    cup(_rows((1, "A", "ann"), (2, "B", "ben")))
    assert moves(settings) == {"ann": (1, None, "new"), "ben": (2, None, "new")}


def test_a_skipped_download_looks_further_back_and_a_late_joiner_is_new(settings, cup):
    cup(_rows((1, "A", "ann"), (2, "B", "ben"), (3, "D", "dee")))
    cup(_rows((1, "B", "ben"), (2, "X", "xavier"), (3, "A", "ann")))             # dee skips this one
    cup(_rows((1, "A", "ann"), (2, "D", "dee"), (3, "C", "cy"), (4, "B", "ben")))  # cy joins
    assert moves(settings) == {
        "ann": (1, 3, "▲2"), "dee": (2, 3, "▲1"), "cy": (3, None, "new"), "ben": (4, 1, "▼3")}


def test_a_participant_who_left_is_off_the_board_and_compared_with_their_last_download_on_return(settings, cup):
    cup(_rows((1, "A", "ann"), (2, "D", "dee")))
    cup(_rows((1, "A", "ann"), (2, "B", "ben")))                     # dee leaves
    assert set(moves(settings)) == {"ann", "ben"}
    assert moves(settings)["ann"] == (1, 1, "–")
    cup(_rows((1, "D", "dee"), (2, "A", "ann"), (3, "B", "ben")))    # and comes back
    assert moves(settings)["dee"] == (1, 2, "▲1")


def test_an_unchanged_download_keeps_the_movement_of_the_last_change(settings, cup):
    cup(_rows((1, "A", "ann"), (2, "B", "ben")))
    cup(_rows((1, "B", "ben"), (2, "A", "ann")))
    cup(_rows((1, "B", "ben"), (2, "A", "ann")))
    assert moves(settings) == {"ben": (1, 2, "▲1"), "ann": (2, 1, "▼1")}


def test_someone_registered_after_a_download_is_new_until_the_next_change(settings, cup):
    cup(_rows((1, "A", "ann"), (2, "E", "eve")))
    with db.connect(settings) as con:
        registry.add_participant(con, "eve", "Eve")
    assert moves(settings)["eve"] == (2, None, "new")


def test_the_private_board_compares_only_with_private_downloads(settings, cup):
    cup(_rows((1, "A", "ann"), (2, "B", "ben")))
    cup(_rows((1, "B", "ben"), (2, "A", "ann")), private=True)
    assert moves(settings) == {"ben": (1, None, "new"), "ann": (2, None, "new")}
    cup(_rows((1, "A", "ann"), (2, "B", "ben")), private=True)
    assert moves(settings) == {"ann": (1, 2, "▲1"), "ben": (2, 1, "▼1")}


def test_medals_count_ranked_teams_only_and_the_zones_carry_the_score_at_their_last_rank(settings, cup):
    field = [(rank, f"T{rank}", 1.0 - rank / 100, "ann" if rank == 2 else "ben" if rank == 5 else "")
             for rank in range(1, 21)] + [(0, "Benchmark", 0.95, "")]
    cup(field)  # 20 ranked teams: gold ≤ 2, silver ≤ 4, bronze ≤ 8
    with db.connect(settings) as con:
        frame = movement.board(con, SLUG)
        zones = movement.zones(con, SLUG)
    assert dict(zip(frame["kaggle_username"], frame["medal"])) == {"ann": "gold", "ben": "bronze"}
    assert [(z.medal, z.rank, z.score) for z in zones] == [
        ("gold", 2, pytest.approx(0.98)), ("silver", 4, pytest.approx(0.96)), ("bronze", 8, pytest.approx(0.92))]
    assert movement.medal_count(frame) == 2


def test_the_movers_are_the_biggest_moves_climbers_first(settings, cup):
    cup(_rows((1, "A", "ann"), (2, "B", "ben"), (3, "C", "cy"), (4, "D", "dee")))
    cup(_rows((1, "D", "dee"), (2, "C", "cy"), (3, "B", "ben"), (4, "A", "ann")))
    with db.connect(settings) as con:
        top = movement.movers(movement.board(con, SLUG), count=3)
    assert list(top["kaggle_username"]) == ["dee", "ann", "cy"]
    assert list(top["movement"]) == ["▲3", "▼3", "▲1"]


PEOPLE = ("ann", "ben", "cy", "dee")
_examples = iter(range(10**6))


@hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.permutations(range(6)).flatmap(
    lambda order: st.sets(st.sampled_from(PEOPLE)).map(lambda present: (tuple(order), frozenset(present)))),
    min_size=1, max_size=5))
def test_previous_rank_is_the_rank_on_the_latest_earlier_download_that_had_them(settings, local_fetch, downloads):
    """Any run of downloads (people present or not, in any order, some repeated unchanged): each participant
    on the newest board has the rank of the newest earlier changed download that listed them."""
    slug = f"prop-{next(_examples)}"
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts(slug, "Prop", metric="Accuracy"))
        for username in PEOPLE:
            if registry.username_key(username) not in {r[0] for r in con.execute(
                    "SELECT username_key FROM participants").fetchall()}:
                registry.add_participant(con, username)
    clock, loaded = Clock(), []
    for order, present in downloads:
        # Six teams; a participant's team is at the place `order` gives it, others are strangers.
        teams = [PEOPLE[i] if i < len(PEOPLE) and PEOPLE[i] in present else f"stranger{i}" for i in order]
        ranks = {member: place for place, member in enumerate(teams, start=1)}
        result = sync.sync(slug, settings, clock=clock, fetch=local_fetch({slug: zip_of(
            slug, [(place, f"team {member}", 1.0 - place / 100, member) for member, place in ranks.items()])}))
        if result.outcome != "unchanged":
            loaded.append({p: r for p, r in ranks.items() if p in PEOPLE})
    expected = {}
    for person, rank in loaded[-1].items():
        earlier = [board[person] for board in loaded[:-1] if person in board]
        expected[person] = (rank, earlier[-1] if earlier else None)
    with db.connect(settings) as con:
        frame = movement.board(con, slug)
    assert {row.kaggle_username: (row.kaggle_rank, None if pd.isna(row.previous_rank) else int(row.previous_rank))
            for row in frame.itertuples()} == expected


def test_team_mates_who_moved_together_share_one_movers_card(settings, cup):
    cup(_rows((1, "A", "ann"), (2, "BC", "ben,cy"), (3, "D", "dee")))
    cup(_rows((1, "BC", "ben,cy"), (2, "D", "dee"), (3, "A", "ann")))
    with db.connect(settings) as con:
        top = movement.movers(movement.board(con, SLUG))
    assert list(zip(top["participant"], top["movement"])) == [("Ann", "▼2"), ("Ben, Cy", "▲1"), ("Dee", "▲1")]
