"""The Season page, "My season", the Grades tab and the Baselines admin tab under AppTest, each page on its own."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mlbattle import db, grades, registry, season, web
from mlbattle.registry import CompetitionFacts
from tests.support.boards import load_board
from tests.support.pages import run_page, said

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "**Bold** <img src=x onerror=alert(1)> :red[y]"


def app(page: str, **params: str) -> AppTest:
    return run_page(page, 30, **params)




@pytest.fixture
def league(settings):
    with db.connect(settings) as con:
        registry.add_event(con, "club", "Club", None, None, "")
        registry.add_competition(con, CompetitionFacts("first", "First", deadline=datetime(2026, 1, 1)),
                                 event="club", auto_sync=False)
        registry.add_competition(con, CompetitionFacts("second", "Second", deadline=datetime(2026, 2, 1)),
                                 event="club", auto_sync=False)
        registry.add_competition(con, CompetitionFacts("loose", "Loose"), auto_sync=False)
        registry.add_participant(con, "ann", HOSTILE)
        for username in ("bob", "cy"):
            registry.add_participant(con, username, username.title())
    load_board(settings, "first", [(1, "A", 0.9, "ann"), (0, "Benchmark", 0.85, ""), (2, "B", 0.8, "bob"),
                             (3, "C", 0.7, "cy")])
    load_board(settings, "second", [(1, "B", 0.9, "bob"), (2, "A", 0.8, "ann")])
    load_board(settings, "loose", [(1, "C", 0.9, "cy"), (2, "B", 0.8, "bob")])
    return settings


def expected(settings, event: str | None) -> list[str]:
    with db.connect(settings) as con:
        return [s.kaggle_username for s in season.season(con, event).standings]


def test_the_season_page_shows_every_competition_by_default_with_the_rule(league):
    at = app("pages/season.py")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["kaggle_username"]) == expected(league, None)
    assert list(table["rating"]) == sorted(table["rating"], reverse=True)
    assert "Plackett–Luce" in said(at, "caption") and "Kaggle points" in said(at, "caption")
    assert len(at.get("plotly_chart")) == 1
    assert HOSTILE in list(table["participant"])  # shown as data in the grid, never as Markdown
    assert "<img" not in said(at, "markdown")


def test_the_season_page_filters_by_event_from_the_url(league):
    at = app("pages/season.py", event="club")
    table = at.dataframe[0].value
    assert list(table["kaggle_username"]) == expected(league, "club")
    assert set(table["competitions"]) == {2, 1}  # cy is only on "first" within the club
    assert at.metric[0].value == "2"


def test_an_unknown_event_on_the_season_page_says_so_and_shows_all(league):
    at = app("pages/season.py", event="nope")
    assert "no event “nope”" in said(at, "error")
    assert len(at.dataframe[0].value) == 3


def test_an_empty_season_page_says_nobody_is_rated_yet(settings):
    with db.connect(settings) as con:  # an event keeps the demo out of this database
        registry.add_event(con, "soon", "Soon", None, None, "")
    at = app("pages/season.py")
    assert not at.exception and "No registered participant" in said(at, "info")


def test_my_season_on_the_participants_page(league):
    at = app("pages/participants.py", user="BOB")
    assert "My season" in said(at, "subheader")
    mine = {m.label: m.value for m in at.metric}
    place = expected(league, None).index("bob") + 1
    assert mine["Season place"].startswith(f"{place} of 3")


def test_the_grades_tab_appears_only_with_baselines(league):
    with db.connect(league) as con:
        grades.set_baselines(con, "second", ())
    assert [t.label for t in app("pages/leaderboard.py", competition="second").tabs] == [
        "Score distribution", "Participants over time"]
    at = app("pages/leaderboard.py", competition="first")
    assert [t.label for t in at.tabs][-1] == "Grades"  # the benchmark is a baseline


def test_the_grades_tab_lists_beaten_baselines_and_offers_the_gradebook(league):
    with db.connect(league) as con:
        grades.set_baselines(con, "first", (0.75, 0.95))
    at = AppTest.from_file(str(ROOT / "pages/leaderboard.py"), default_timeout=30)
    at.query_params["competition"] = "first"
    at.run()
    at.session_state["charts"] = "Grades"
    at.run()
    assert not at.exception
    tab = at.tabs[2]
    baselines, table = (frame.value for frame in tab.dataframe)
    assert list(baselines["baseline"]) == ["Benchmark", "threshold 0.75", "threshold 0.95"]
    rows = {r.kaggle_username: (r.beaten, r.next_baseline) for r in table.itertuples()}
    assert rows == {"ann": ("2 of 3", "threshold 0.95"), "bob": ("1 of 3", "Benchmark"),
                    "cy": ("0 of 3", "threshold 0.75")}
    assert [b.label for b in tab.get("download_button")] == ["⬇️ Download the public board's grades (CSV)"]
    assert "Shared submissions" not in said(at, "markdown")  # for organisers only


@pytest.fixture
def admin(monkeypatch):
    monkeypatch.setenv("MLBATTLE_ADMIN_PASSWORD", "s3cret-pw")
    return "s3cret-pw"


def admin_baselines(admin: str, competition: str) -> AppTest:
    at = app("pages/admin.py")
    at.text_input(key="admin_password").input(admin)
    next(b for b in at.button if b.label == "Log in").click().run()
    at.selectbox(key="baselines_competition").select(competition).run()
    return at


def stored(settings, slug: str) -> list[float]:
    with db.connect(settings) as con:
        return [b.score for b in grades.baselines(con, slug) if b.source == "organiser"]


def test_the_admin_sets_and_clears_baselines(league, admin):
    at = admin_baselines(admin, "second")
    at.text_input(key="baselines-second").input("0.75, 0.8")
    next(b for b in at.button if b.label == "Save baselines").click().run()
    assert not at.exception and stored(league, "second") == [0.75, 0.8]
    at = admin_baselines(admin, "second")
    assert at.text_input(key="baselines-second").value == "0.75, 0.8"
    at.text_input(key="baselines-second").input("")
    next(b for b in at.button if b.label == "Save baselines").click().run()
    assert stored(league, "second") == []


@pytest.mark.parametrize("text", ["nan", "0.7, inf", "pass"])
def test_the_admin_refuses_bad_baselines_with_one_line(league, admin, text):
    at = admin_baselines(admin, "second")
    at.text_input(key="baselines-second").input(text)
    next(b for b in at.button if b.label == "Save baselines").click().run()
    assert "a baseline must be" in said(at, "error")
    assert stored(league, "second") == []


def test_after_the_reveal_the_grades_tab_adds_the_public_board(league):
    load_board(league, "first", [(1, "B", 0.95, "bob"), (2, "A", 0.9, "ann"), (0, "Benchmark", 0.86, ""),
                           (3, "C", 0.7, "cy")], private=True)
    at = AppTest.from_file(str(ROOT / "pages/leaderboard.py"), default_timeout=30)
    at.query_params["competition"] = "first"
    at.run()
    at.session_state["charts"] = "Grades"
    at.run()
    tab = at.tabs[2]
    assert "On the public board, before the reveal" in said(at, "markdown")
    _, private, public = (frame.value for frame in tab.dataframe)
    assert dict(zip(private["kaggle_username"], private["beaten"])) == {"bob": "1 of 1", "ann": "1 of 1",
                                                                         "cy": "0 of 1"}
    assert dict(zip(public["kaggle_username"], public["score"])) == {"ann": 0.9, "bob": 0.8, "cy": 0.7}
    assert [b.label for b in tab.get("download_button")] == ["⬇️ Download the private board's grades (CSV)",
                                                             "⬇️ Download the public board's grades (CSV)"]


def test_the_admin_sees_shared_submissions_after_the_reveal(league, admin):
    at = admin_baselines(admin, "first")
    assert "after the private reveal" in said(at, "caption")
    load_board(league, "first", [(1, "A", 0.9, "ann"), (0, "Benchmark", 0.85, ""), (2, "B", 0.8, "bob"),
                           (3, "C", 0.8, "cy")])
    load_board(league, "first", [(1, "B", 0.9, "bob"), (2, "C", 0.9, "cy"), (3, "A", 0.7, "ann")], private=True)
    web.forget_probes()  # the loads ran in this process without the app's writes: no probe saw them
    at = admin_baselines(admin, "first")
    shared = next(frame.value for frame in at.dataframe if "shared_group" in frame.value.columns)
    assert list(shared["team_name"]) == ["B", "C"] and set(shared["shared_group"]) == {1}


def test_the_grades_tab_shows_shared_submissions_to_a_logged_in_organiser_only(league, admin):
    import hashlib

    load_board(league, "first", [(1, "A", 0.9, "ann"), (0, "Benchmark", 0.85, ""), (2, "B", 0.8, "bob"), (3, "C", 0.8, "cy")])
    load_board(league, "first", [(1, "B", 0.9, "bob"), (2, "C", 0.9, "cy"), (0, "Benchmark", 0.8, ""), (3, "A", 0.7, "ann")],
         private=True)

    def grades_tab(token: bytes | None) -> AppTest:
        at = AppTest.from_file(str(ROOT / "pages/leaderboard.py"), default_timeout=30)
        at.query_params["competition"] = "first"
        if token:
            at.session_state["admin_token"] = token
        at.run()
        at.session_state["charts"] = "Grades"
        return at.run()

    assert "Shared submissions" not in said(grades_tab(None), "markdown")
    at = grades_tab(hashlib.sha256(admin.encode()).digest())
    assert "Shared submissions" in said(at, "markdown")
    assert list(at.tabs[2].dataframe[-1].value["team_name"]) == ["B", "C"]
