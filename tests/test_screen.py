"""The big screen under AppTest: one board, an event cycling its boards and standings, bad queries; and the
pages' timer as the browser drives it, through a real `streamlit run` on its websocket."""

from __future__ import annotations

import asyncio
import re

import pytest
from streamlit.testing.v1 import AppTest

from mlbattle import db, registry, sync
from mlbattle.registry import CompetitionFacts
from mlbattle.web import screen
from tests.support.pages import run_page
from tools import loadtest, samples
from tools.app_server import AppServer

EVENT = "night"
PEOPLE = [f"user{i}" for i in range(14)]
HOSTILE = "<b>Bold</b> evil <script>alert(1)</script>"  # bidi marks are refused at registration


def app(page: str, **params: str) -> AppTest:
    return run_page(page, 60, **params)


def drawn(at: AppTest) -> str:
    """The screen's HTML, all of it (the page draws its board as HTML)."""
    return "\n".join(str(element.proto.body) for element in at.get("html"))


def board_zip(slug: str, teams: int, seed: int) -> bytes:
    frame = samples.synthetic_leaderboard(teams, seed=seed, usernames=PEOPLE)
    return samples.leaderboard_zip(slug, samples.leaderboard_csv(frame))


@pytest.fixture
def night(settings, local_fetch):
    """An event of two downloaded boards and one not downloaded yet; fourteen participants, one with a
    name full of markup and a bidi override."""
    with db.connect(settings) as con:
        registry.add_event(con, EVENT, "Neural Night", "2026-11-01", "2026-11-30")
        for number, username in enumerate(PEOPLE):
            registry.add_participant(con, username, HOSTILE if number == 0 else f"Person {number}")
        for slug in ("alpha", "beta", "gamma"):
            registry.add_competition(con, CompetitionFacts(slug, f"Board {slug}", metric="AUC"), event=EVENT,
                                     auto_sync=False)
    for slug, seed in (("alpha", 1), ("beta", 2), ("alpha", 5)):  # alpha downloaded twice: people moved
        sync.sync(slug, settings, trigger="manual", fetch=local_fetch({slug: board_zip(slug, 200, seed)}))
    return settings


def test_one_board_shows_the_participants_top_in_large_type_without_the_sidebar(night) -> None:
    at = app("pages/screen.py", competition="alpha")

    html = drawn(at)
    assert not at.exception and not at.error and not at.warning
    assert "Board alpha" in html and "200 teams on Kaggle" in html and "medals to Kaggle rank 80" in html
    assert html.count("<tr>") == screen.TOP + 1  # the header and the top ten of fourteen
    assert re.search(r'<td class="num rank">1</td>', html)
    assert ">Medal</th>" in html and ">Move</th>" in html
    assert re.search(r'<td class="medal">🥇</td>', html)  # rank 1 of our 14 sits in the top 10 of 200 teams
    assert re.search(r'class="screen-(up|down)">[▲▼]\d+</span>', html)
    assert '[data-testid="stSidebar"]' in html and "display: none" in html and "font-size: 48px" in html
    assert "<script>" not in html and "\u202e" not in html and "&lt;b&gt;Bold&lt;/b&gt;" in html
    clock = at.get("iframe")
    assert len(clock) == 1 and "setInterval(tick, 1000)" in clock[0].proto.srcdoc  # ticks in the browser


def test_an_event_cycles_its_downloaded_boards_then_its_standings(night) -> None:
    at = app("pages/screen.py", event=EVENT, every="30")

    assert not at.exception and not at.warning
    assert "Board alpha" in drawn(at) and "slide 1 of 3, next in 30 s" in drawn(at)
    turns = []
    for _ in range(3):  # the timer's tick turns the slide; here the session state does what the tick does
        at.session_state[f"screen-slide-{EVENT}"] = at.session_state[f"screen-slide-{EVENT}"] + 1 \
            if f"screen-slide-{EVENT}" in at.session_state else 1
        turns.append(drawn(at.run()))
    assert "Board beta" in turns[0] and "slide 2 of 3" in turns[0]
    assert "event standings" in turns[1] and "Points" in turns[1] and "Board gamma" not in turns[1]
    assert ">Move</th>" in turns[1]
    assert "Board alpha" in turns[2]  # and round again


@pytest.mark.parametrize("every, said, shown", [
    ("abc", "every must be a whole number of seconds", 20),
    ("2", "every must be 5 to 600 seconds", 5),
    ("100000", "every must be 5 to 600 seconds", 600),
    ("", "", 20),
])
def test_a_bad_every_is_said_and_bounded(night, every: str, said: str, shown: int) -> None:
    at = app("pages/screen.py", event=EVENT, every=every)

    assert not at.exception
    assert (at.warning[0].value if at.warning else "").startswith(said)
    assert f"next in {shown} s" in drawn(at)


@pytest.mark.parametrize("query", [{"competition": "nope"}, {"event": "nope"}])
def test_an_unknown_board_or_event_says_so_and_offers_the_others(night, query: dict[str, str]) -> None:
    at = app("pages/screen.py", **query)

    assert not at.exception
    assert "There is no" in at.error[0].value and "nope" in at.error[0].value
    labels = [button.label for button in at.button]
    assert any("Neural Night" in label for label in labels) and any("Board alpha" in label for label in labels)


def test_without_a_query_the_screen_offers_events_and_boards(night) -> None:
    at = app("pages/screen.py")

    assert not at.exception and not at.error
    next(b for b in at.button if "Neural Night" in b.label).click().run()
    assert at.query_params["event"] == EVENT and "slide 1 of 3" in drawn(at)


def test_while_registration_is_open_the_screen_says_how_to_join(night, monkeypatch) -> None:
    """The notice comes from the registration rules (`registration.registration_notice`), with markup in the
    join code kept as text; with registration closed, or no code, the screen says nothing of joining."""
    monkeypatch.setenv("MLBATTLE_JOIN_CODE", "<b>owl</b>")
    monkeypatch.setenv("MLBATTLE_REGISTRATION", "on")

    html = drawn(app("pages/screen.py", competition="alpha"))

    assert ('<div class="screen-join">Register on the Participants page with the join code &lt;b&gt;owl&lt;/b&gt;'
            '</div>') in html
    monkeypatch.setenv("MLBATTLE_REGISTRATION", "off")
    assert "join code" not in drawn(app("pages/screen.py", competition="alpha"))


def test_the_request_reads_the_query() -> None:
    assert screen.request({"competition": " alpha "}) == screen.Request(competition="alpha")
    assert screen.request({"event": "e", "every": "45"}) == screen.Request(event="e", every=45)
    assert screen.plain("a\u200bb <i>") == "ab &lt;i&gt;"
    assert "const deadline = null, synced = 5, skew = 7 -" in screen.clock_html(None, 5, 7)


# ---------------------------------------------------------------- the timer, as the browser drives it


def test_a_refresh_of_an_unchanged_board_draws_nothing_and_a_change_redraws_the_page(night, app_env,
                                                                                    tmp_path) -> None:
    """The leaderboard's timer is a fragment: its tick on unchanged data sends no element at all; after a
    registration (a new data version) the tick reruns the whole page."""

    async def session(url: str) -> tuple[loadtest.PageRun, loadtest.PageRun, loadtest.PageRun]:
        async with loadtest.connect(url) as ws:
            first = await loadtest.run_page(ws, "competition=alpha", "Board alpha")
            await asyncio.sleep(loadtest.PROBE_GAP)
            tick = {"fragment_id": first.fragment_id, "page_script_hash": first.page_script_hash}
            quiet = await loadtest.run_page(ws, "competition=alpha", "Board alpha", **tick)
            with db.connect(night) as con:
                registry.add_participant(con, "latecomer", "Late Comer")
            await asyncio.sleep(loadtest.PROBE_GAP)
            changed = await loadtest.run_page(ws, "competition=alpha", "Board alpha", **tick)
            return first, quiet, changed

    with AppServer(app_env, tmp_path, "timer") as server:
        first, quiet, changed = asyncio.run(session(server.ws_url))
        errors = [line for line in server.log().splitlines() if "Traceback" in line]

    assert first.finished and first.title_seen and first.fragment_id and first.interval == 60
    assert quiet.finished and not quiet.redrawn and quiet.elements == 0 and not quiet.title_seen
    assert changed.finished and changed.redrawn and changed.title_seen and changed.elements > 10
    assert not errors


def test_a_refresh_starts_the_view_refresh_of_a_stale_board(night, monkeypatch) -> None:
    """The timer keeps the view-triggered sync going on a page nobody reruns: a tick finds the board due."""
    from mlbattle import reads, web

    requested = []
    monkeypatch.setattr(web.refresh, "view_refresh_due", lambda cfg, record: True)
    monkeypatch.setattr(web.refresh.Refresher, "request", lambda self, cfg, slug: requested.append(slug) or True)
    with db.connect(night) as con:
        record, version = reads.competition(con, "alpha"), reads.competition_version(con, "alpha")
    seen = web.Watch(reads.competition_version, ("alpha",), version, (record,), refreshing=False)

    assert web.changed(night, seen) is False and requested == ["alpha"]


def test_a_probe_of_an_unchanged_file_leaves_it_closed_and_a_write_is_seen_at_once(night, monkeypatch) -> None:
    """The version probe a tick asks: while neither the file nor its log changed, the version read last
    answers without opening the file; any committed write changes them, and the next probe reads."""
    from mlbattle import reads
    from mlbattle.web import data

    opened: list[int] = []
    connection = data.Source.connection
    monkeypatch.setattr(data.Source, "connection", lambda self: opened.append(1) or connection(self))
    monkeypatch.setattr(data, "PROBE_FRESH_SECONDS", 0.0)  # no sharing window: only the file's state decides

    first = data.probe(night, reads.competition_version, "alpha")
    assert [data.probe(night, reads.competition_version, "alpha") for _ in range(3)] == [first] * 3
    assert len(opened) == 1
    with db.connect(night) as con:
        registry.add_participant(con, "latecomer", "Late Comer")
    assert data.probe(night, reads.competition_version, "alpha") != first and len(opened) == 2
