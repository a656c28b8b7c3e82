"""The private reveal on the pages, under Streamlit's AppTest: the leaderboard (banner, public → private in the
table, shake-up cards, the chart tab), the big screen's reveal slide, and which board standings and "my
results" come from."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from mlbattle import db, registry, standings, sync
from tests.support.boards import zip_of
from tests.support.pages import run_page, said

SLUG, EVENT = "reveal-cup", "reveal-night"
HOSTILE = '<script>alert("x")</script> Ann'
PUBLIC = [(1, "A", 0.90, "ann"), (2, "B", 0.85, "ben"), (3, "C", 0.80, "cy"), (4, "D", 0.75, "dan, dora"),
          (0, "Benchmark", 0.70, ""), (5, "E", 0.60, "eve")]
PRIVATE = [(1, "C", 0.88, "cy"), (2, "A", 0.87, "ann"), (0, "Benchmark", 0.70, ""), (3, "D", 0.86, "dan, dora"),
           (4, "F", 0.85, "fay"), (5, "B", 0.70, "ben")]


def app(page: str, **params: str) -> AppTest:
    return run_page(page, 60, **params)


def html(at: AppTest) -> str:
    return " ".join(element.proto.body for element in at.get("html"))


def competition(settings, local_fetch, slug, boards) -> None:
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts(slug, slug.title(), metric="Accuracy"), event=EVENT,
                                 auto_sync=False)
    for rows, private in boards:
        sync.sync(slug, settings, fetch=local_fetch({slug: zip_of(slug, rows, private=private)}))


@pytest.fixture
def boards(settings, local_fetch):
    """An event with a revealed competition, one imported after its deadline, and one still public."""
    with db.connect(settings) as con:
        registry.add_event(con, EVENT, "Reveal Night")
        for name in ("ann", "ben", "cy", "dan", "dora", "eve", "fay"):
            registry.add_participant(con, name, HOSTILE if name == "ann" else name.title())
    competition(settings, local_fetch, SLUG, [(PUBLIC, False), (PRIVATE, True)])
    competition(settings, local_fetch, "late-cup", [(PRIVATE, True)])
    competition(settings, local_fetch, "live-cup", [(PUBLIC, False)])
    return settings


def test_the_leaderboard_says_private_and_shows_public_to_private_with_the_move(boards):
    at = app("pages/leaderboard.py", competition=SLUG)
    assert not at.exception
    assert "Private leaderboard" in said(at, "success")
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Field shake-up"], metrics["Participants' shake-up"]) == ("0.438", "0.400")
    assert (metrics["Biggest climb"], metrics["Biggest fall"]) == ("↑2", "↓3")
    table = at.dataframe[0].value
    public = [None if pd.isna(rank) else int(rank) for rank in table["public_rank"]]
    assert list(zip(table["kaggle_username"], public, table["reveal_move"])) == [
        ("cy", 3, "↑2"), ("ann", 1, "↓1"), ("dan", 4, "↑1"), ("dora", 4, "↑1"), ("fay", None, ""), ("ben", 2, "↓3")]
    assert '"public_rank": {"label": "Public rank"' in at.dataframe[0].proto.columns
    assert list(table["movement"]) == ["", "", "", "", "new", ""]  # new to the private board, not to the room
    assert [tab.label for tab in at.tabs][-1] == "Public vs private"


def test_the_public_vs_private_tab_charts_the_field_and_lists_every_move(boards):
    at = app("pages/leaderboard.py", competition=SLUG)
    at.session_state["charts"] = "Public vs private"
    at.run()
    assert not at.exception
    spec = at.get("plotly_chart")[0].proto.spec
    assert '"name":"participants"' in spec and '"name":"no move"' in spec
    assert "&lt;script&gt;" in spec and "<script>" not in spec  # names are text on the chart
    moves = at.dataframe[-1].value
    assert list(moves["move_text"]) == ["↑2", "↓1", "↑1", "↑1", "", "↓3", ""]


def test_a_competition_imported_after_its_deadline_says_there_is_no_shake_up(boards):
    at = app("pages/leaderboard.py", competition="late-cup")
    assert not at.exception
    assert "imported after its deadline" in said(at, "info")
    assert "Field shake-up" not in [m.label for m in at.metric]
    assert "public_rank" not in at.dataframe[0].value.columns
    assert "Public vs private" not in [tab.label for tab in at.tabs]


def test_a_public_board_says_so_and_shows_no_reveal(boards):
    at = app("pages/leaderboard.py", competition="live-cup")
    assert not at.exception
    assert "Public leaderboard" in said(at, "caption") and not at.success
    assert "Public vs private" not in [tab.label for tab in at.tabs]


def test_the_big_screen_shows_the_reveal_by_private_rank_with_the_biggest_moves(boards):
    at = app("pages/screen.py", competition=SLUG)
    assert not at.exception
    text = html(at)
    assert "The private reveal" in text and "field shake-up 0.438" in text
    names = re.findall(r'<td class="name">(.*?)</td>', text)
    assert names == ["Cy", "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Ann", "Dan", "Dora", "Fay", "Ben"]
    assert "Biggest climb: <b>Cy</b>" in text and "Biggest fall: <b>Ben</b>" in text
    assert "<script>alert" not in text


def test_the_big_screen_shows_a_board_without_a_reveal_as_any_board(boards):
    at = app("pages/screen.py", competition="late-cup")
    assert not at.exception
    assert "The private reveal" not in html(at) and "screen-board" in html(at)


def test_event_standings_use_the_private_board_and_say_which_board_each_competition_gives(boards):
    with db.connect(boards) as con:
        result = standings.event_standings(con, EVENT)
    ranks = result.per_competition.query("competition == @SLUG").set_index("kaggle_username")["kaggle_rank"]
    assert ranks.dropna().to_dict() == {"cy": 1, "ann": 2, "dan": 3, "dora": 3, "fay": 4, "ben": 5}  # private
    at = app("pages/event.py", event=EVENT)
    assert not at.exception
    captions = said(at, "caption")
    assert captions.count("points from the private leaderboard (final)") == 2
    assert captions.count("points from the public leaderboard") == 1


def test_my_results_say_which_board_each_competition_comes_from(boards):
    at = app("pages/participants.py", user="cy")
    assert not at.exception
    results = at.dataframe[0].value.set_index("competition")["board"].to_dict()
    assert results == {SLUG: "private leaderboard (final)", "late-cup": "private leaderboard (final)",
                       "live-cup": "public leaderboard"}
