"""Event standings' own place change: today's places against the places before the event's newest board change."""

from __future__ import annotations

import pandas as pd
import pytest

from mlbattle import db, registry, standings
from tests.test_standings import add_competition, board, load

EVENT = "move-night"


def ten_teams(placed: dict[str, int]) -> pd.DataFrame:
    """Ten ranked teams (scores 0.99 down to 0.90) with the given participants at the given ranks."""
    by_rank = {rank: username for username, rank in placed.items()}
    return board([(rank, f"team {rank}", 1.0 - rank / 100, by_rank.get(rank, f"stranger{rank}"))
                  for rank in range(1, 11)])


@pytest.fixture
def night(settings):
    with db.connect(settings) as con:
        registry.add_event(con, EVENT, "Move Night")
        add_competition(con, "comp-a", EVENT)
        add_competition(con, "comp-b", EVENT)
        for username in ("ann", "ben", "cy"):
            registry.add_participant(con, username, username.title())
    return settings


def moves(settings) -> dict[str, tuple]:
    with db.connect(settings) as con:
        result = standings.event_standings(con, EVENT)
    joined = result.table.merge(result.movement, on="kaggle_username")
    return {row.kaggle_username: (int(row.place), None if pd.isna(row.previous_place) else int(row.previous_place),
                                  row.movement) for row in joined.itertuples()}


def test_the_first_download_of_a_board_moves_the_standings_against_the_boards_before_it(night):
    load(night, "comp-a", ten_teams({"ann": 1, "ben": 5}))
    load(night, "comp-b", ten_teams({"ben": 1, "cy": 2, "ann": 8}))
    # Before comp-b: ann 100, ben 55.6. Now: ben 155.6, ann 122.2, cy 88.9.
    assert moves(night) == {"ben": (1, 2, "▲1"), "ann": (2, 1, "▼1"), "cy": (3, None, "new")}


def test_a_changed_board_moves_the_standings_by_the_places_it_changed(night):
    load(night, "comp-a", ten_teams({"ann": 1, "ben": 5}))
    load(night, "comp-b", ten_teams({"ben": 1, "cy": 2, "ann": 8}))
    load(night, "comp-b", ten_teams({"cy": 1, "ann": 2, "ben": 9}))
    # Now: ann 100 + 88.9, cy 100, ben 55.6 + 11.1.
    assert moves(night) == {"ann": (1, 2, "▲1"), "cy": (2, 3, "▲1"), "ben": (3, 1, "▼2")}


def test_organiser_set_points_are_recomputed_from_the_earlier_scores(night):
    with db.connect(night) as con:
        registry.set_scoring(con, "comp-b", worst=0.90, best=1.0, points=50)
    load(night, "comp-a", ten_teams({"ann": 1, "ben": 2}))
    load(night, "comp-b", ten_teams({"ann": 10, "ben": 9}))
    load(night, "comp-b", ten_teams({"ben": 1, "ann": 10}))
    # a: ann 100, ben 88.9; b before: ann 0, ben 5 -> ann first; b now: ben 45 -> ben 133.9 first.
    assert moves(night) == {"ben": (1, 2, "▲1"), "ann": (2, 1, "▼1")}


def test_no_download_yet_means_no_movement(night):
    assert moves(night) == {}
