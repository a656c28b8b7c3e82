"""Movement and medals on the pages, under AppTest: the leaderboard's Move and Medal columns, movers, the
medal KPI and filter, the zones on the chart; My results; the event standings' Move column."""

from __future__ import annotations

import json

import pytest

from mlbattle import db, registry, sync, web
from mlbattle.registry import CompetitionFacts
from tests.support.boards import zip_of
from tests.test_pages import app, shown

SLUG = "medal-cup"
EVENT = "night"


def twenty(placed: dict[str, int]) -> list[tuple]:
    """20 ranked teams (gold ≤ 2, silver ≤ 4, bronze ≤ 8) and a benchmark, the participants where given."""
    by_rank = {rank: username for username, rank in placed.items()}
    return [(rank, f"team {rank}", 1.0 - rank / 100, by_rank.get(rank, f"stranger{rank}"))
            for rank in range(1, 21)] + [(0, "Benchmark", 0.95, "")]


@pytest.fixture
def moved(settings, local_fetch):
    with db.connect(settings) as con:
        registry.add_event(con, EVENT, "Night")
        registry.add_competition(con, CompetitionFacts(SLUG, "Medal Cup", metric="Accuracy"), event=EVENT,
                                 status="completed")
        for username, name in (("ann", "Ann Lee"), ("ben", "Ben"), ("cy", "Cy")):
            registry.add_participant(con, username, name)
    for placed in ({"ann": 1, "ben": 6, "cy": 15}, {"ben": 1, "ann": 2, "cy": 7}):
        assert sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, twenty(placed))})).outcome in (
            "created", "updated")
    return settings


def test_the_leaderboard_shows_moves_medals_movers_and_the_medal_count(moved):
    at = app("pages/leaderboard.py", competition=SLUG)
    assert not at.exception
    table = at.dataframe[0].value
    assert list(zip(table["kaggle_username"], table["movement"], table["medal_icon"])) == [
        ("ben", "▲5", "🥇"), ("ann", "▼1", "🥇"), ("cy", "▲8", "🥉")]
    metrics = {m.label: m for m in at.metric}
    assert metrics["In the medals"].value == "3"
    assert "3 participants in the medals" in shown(at)
    assert [(m.label, m.value, m.delta) for m in at.metric if m.label.startswith(("Cy", "Ben", "Ann"))] == [
        ("Cy 🥉", "#7", "▲8"), ("Ben 🥇", "#1", "▲5"), ("Ann Lee 🥇", "#2", "▼1")]


def test_the_medal_zone_filter_keeps_ranks_inside_bronze_and_no_benchmarks(moved):
    at = app("pages/leaderboard.py", competition=SLUG, view="All Kaggle teams")
    at.checkbox(key="medals").check().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["kaggle_rank"]) == list(range(1, 9))
    assert list(table["medal_icon"]) == ["🥇"] * 2 + ["🥈"] * 2 + ["🥉"] * 4


def test_the_distribution_chart_marks_the_score_each_zone_needs(moved):
    at = app("pages/leaderboard.py", competition=SLUG)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    labels = {a["text"]: s["x0"] for a in spec["layout"]["annotations"] for s in spec["layout"]["shapes"]
              if s["line"].get("dash") == "dot" and abs(s["x0"] - a["x"]) < 1e-9}
    assert labels == {"gold ≤ #2": pytest.approx(0.98), "silver ≤ #4": pytest.approx(0.96),
                      "bronze ≤ #8": pytest.approx(0.92)}


def test_my_results_show_the_move_and_medal_per_competition(moved):
    at = app("pages/participants.py", user="cy")
    assert not at.exception
    results = at.dataframe[0].value
    assert list(zip(results["competition"], results["movement"], results["medal_icon"])) == [(SLUG, "▲8", "🥉")]
    assert any("🥉 ▲8" in e.label for e in at.expander)


def test_the_event_standings_show_each_participants_place_change(moved):
    at = app("pages/event.py", event=EVENT)
    assert not at.exception
    table = at.dataframe[0].value
    assert list(zip(table["kaggle_username"], table["movement"])) == [("ben", "▲1"), ("ann", "▼1"), ("cy", "–")]


def test_the_pages_csv_download_carries_the_same_columns_as_the_cli(moved):
    from mlbattle import export, reads

    with db.connect(moved) as con:
        text = reads.leaderboard_csv(con, SLUG, reads.LeaderboardFilter())
    header, *rows = [line.split(",") for line in text.splitlines()]
    assert tuple(header) == export.LEADERBOARD_COLUMNS
    assert [(r[3], r[8], r[9], r[10]) for r in rows] == [
        ("ben", "public", "gold", "6"), ("ann", "public", "gold", "1"), ("cy", "public", "bronze", "15")]


def test_with_nobody_in_the_medals_the_kpi_says_where_bronze_ends(settings, local_fetch):
    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts(SLUG, "Medal Cup", metric="Accuracy"), status="completed")
        registry.add_participant(con, "cy", "Cy")
    sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, twenty({"cy": 12}))}))
    at = app("pages/leaderboard.py", competition=SLUG)
    assert {m.label: m.value for m in at.metric}["In the medals"] == "0"
    assert "bronze ends at Kaggle #8" in shown(at)
    assert at.dataframe[0].value["movement"].tolist() == ["new"]


def test_after_a_sync_the_open_leaderboard_redraws_moves_medals_movers_and_chart_from_the_new_download(moved,
                                                                                                  local_fetch):
    """What the page derives from its reads is kept per data version: a new download must not meet the old."""
    at = app("pages/leaderboard.py", competition=SLUG)
    old_chart = at.get("plotly_chart")[0].proto.spec
    assert sync.sync(SLUG, moved, fetch=local_fetch({SLUG: zip_of(SLUG, twenty({"cy": 1, "ben": 3, "ann": 12}))})
                     ).outcome == "updated"
    web.forget_probes()  # the version probe is shared for a second; the test does not wait it out
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(zip(table["kaggle_username"], table["movement"], table["medal_icon"])) == [
        ("cy", "▲6", "🥇"), ("ben", "▼2", "🥈"), ("ann", "▼10", "")]
    assert {m.label: m.value for m in at.metric}["In the medals"] == "2"
    assert [(m.label, m.delta) for m in at.metric if m.label.startswith(("Cy", "Ben", "Ann"))] == [
        ("Ann Lee", "▼10"), ("Cy 🥇", "▲6"), ("Ben 🥈", "▼2")]
    assert at.get("plotly_chart")[0].proto.spec != old_chart


def test_a_kept_value_is_built_once_per_key_and_again_for_a_new_version():
    built = []

    def build(rows):
        built.append(rows)
        return {"rows": rows}

    first = web.kept(("kept-test", 1), build, [1, 2])
    assert web.kept(("kept-test", 1), build, [1, 2]) is first
    assert web.kept(("kept-test", 2), build, [3]) == {"rows": [3]}
    assert built == [[1, 2], [3]]
