"""The real app in a real browser: `streamlit run app.py` driven by Chromium through Playwright.

Two journeys: a visitor on the demo (no Kaggle credentials, empty database) follows the navigation to a
leaderboard and an event's standings; an organiser logs in, finds a competition in the stand-in Kaggle's
search, imports it into an event, syncs it again, and sees the registered participant on its leaderboard.
Streamlit's tables are drawn on a canvas; the rows are read from the accessible table the grid keeps inside
it. Screenshots land in a temporary folder (or in $MLBATTLE_SCREENSHOTS) for people to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from mlbattle import db, demo, registry
from mlbattle.settings import Settings
from tests.support.browser_support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    AppServer,
    full_page_screenshot,
    require_chromium,
    streamlit_server,
    wait_until_idle,
)
from tests.support.kaggle_stand_in import DOWNLOAD_LEADERBOARD, KaggleStandIn
from tools import samples

PASSWORD = "correct horse battery staple"
WAIT_MS = 30_000
FIRST_LOAD_MS = 60_000  # the demo fill runs the sample leaderboards through sync on the first page view

SLUG = "neural-cup-2026"
TITLE = "Neural Cup"
EVENT_SLUG = "autumn-battle"
EVENT_TITLE = "Autumn Battle"
USERNAME = "ada_lovelace"
NAME = "Ada Lovelace"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
    yield context.new_page()
    context.close()


@contextmanager
def explained(server: AppServer) -> Iterator[None]:
    """Whatever fails in the browser, show what the app printed (tracebacks land there, not in the page)."""
    try:
        yield
    except BaseException as exc:
        exc.add_note(f"--- streamlit output ({server.log_path}) ---\n{server.log()[-8000:]}")
        raise


def nav(page: Page, name: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name, exact=True).click()


def main(page: Page) -> Locator:
    return page.locator('[data-testid="stMain"]')


def metric(page: Page, label: str) -> Locator:
    """The value of the st.metric with this label."""
    box = main(page).locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
    return box.locator('[data-testid="stMetricValue"]')


def grid_rows(table: Locator) -> Locator:
    """The rows of the accessible table that Streamlit's canvas grid keeps for screen readers (the rows in
    view only: the grid is virtualised)."""
    return table.locator('table[role="grid"] tbody tr')


def choose(scope: Locator, label: str, option: str) -> None:
    """Pick an option of the st.selectbox with this label, as a person does, and see it chosen."""
    box = scope.get_by_role("combobox", name=label, exact=True)
    box.click()
    scope.page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)


def cells(row: Locator) -> list[str]:
    return [(cell.text_content() or "").strip() for cell in row.locator("td").all()]


# ---------------------------------------------------------------- demo mode


@pytest.fixture
def demo_app(app_env: dict[str, str], tmp_path: Path) -> Iterator[AppServer]:
    with streamlit_server({**app_env, "MLBATTLE_ADMIN_PASSWORD": PASSWORD}, tmp_path) as server:
        yield server


def test_demo_visitor_follows_the_navigation_to_a_leaderboard_and_the_event_standings(page, demo_app):
    config = demo.load_config()
    event = config.events[0]
    competition = next(c for c in config.competitions if c.event == event.slug)
    with explained(demo_app):
        page.goto(demo_app.url)
        expect(main(page).get_by_text("Demo mode")).to_be_visible(timeout=FIRST_LOAD_MS)
        expect(main(page).get_by_role("heading", name="ML-Battle Leaderboards")).to_be_visible()
        expect(metric(page, "Competitions")).to_have_text(str(len(config.competitions)))
        expect(main(page).get_by_role("link", name=competition.title)).to_be_visible()
        full_page_screenshot(page, "home.png")

        nav(page, "Leaderboard")
        expect(page).to_have_url(re.compile(r"/leaderboard$"))
        main(page).get_by_role("button", name=f"{competition.title} ({competition.slug})").click()
        expect(main(page).get_by_role("heading", name=competition.title)).to_be_visible()
        expect(page).to_have_url(re.compile(rf"/leaderboard\?competition={competition.slug}$"))
        expect(main(page).get_by_text("Demo mode")).to_be_visible()
        table = main(page).locator('[data-testid="stDataFrame"]')
        expect(table).to_be_visible()
        expect(table.locator("canvas").first).to_be_visible()
        table.hover()  # the table's own toolbar: search stays, the raw CSV download is off (disableDataExport)
        expect(main(page).get_by_role("button", name="Search").first).to_be_visible()
        expect(main(page).get_by_role("button", name="Download as CSV")).to_have_count(0)
        matched = int(metric(page, "Participants on it").inner_text().replace(",", ""))
        assert matched > 0
        expect(main(page).get_by_text(re.compile(rf"^Rows 1–\d+ of {matched:,}$"))).to_be_visible()
        expect(grid_rows(table).first).to_be_attached()
        first = cells(grid_rows(table).first)
        assert first[0] == "1", first  # platform rank 1 heads the participants' table
        chart = main(page).locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
        expect(chart).to_be_visible()
        expect(chart.locator(".bars path, .point path").first).to_be_attached()
        full_page_screenshot(page, "leaderboard.png")

        main(page).get_by_role("link", name="Event standings").click()
        expect(page).to_have_url(re.compile(rf"/event\?event={event.slug}$"))
        expect(main(page).get_by_role("heading", name=event.title)).to_be_visible()
        standings = main(page).locator('[data-testid="stDataFrame"]').first
        expect(standings).to_be_visible()
        on_boards = int(metric(page, "Participants on the boards").inner_text().replace(",", ""))
        assert on_boards > 0
        expect(grid_rows(standings).first).to_be_attached()
        leader = cells(grid_rows(standings).first)
        expect(main(page).locator('[data-testid="stCaptionContainer"]', has_text=leader[1]).first).to_be_visible()
        assert leader[0] == "1", leader
        chart = main(page).locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
        expect(chart).to_be_visible()
        expect(chart.locator(".bars path").first).to_be_attached()
        for item in (c for c in config.competitions if c.event == event.slug):
            expect(main(page).get_by_role("link", name=item.title)).to_be_visible()
        full_page_screenshot(page, "event.png")

        nav(page, "Participants")
        main(page).get_by_label("Kaggle username").first.fill("new_visitor")
        main(page).get_by_label("Your name (shown on the leaderboards)").fill("New Visitor")
        main(page).get_by_role("button", name="Register").click()
        expect(main(page).get_by_text("Registered new_visitor.", exact=False)).to_be_visible()
        on_boards = next(p for p in config.participants if p.first_snapshot(competition.slug) is not None)
        page.get_by_role("tab", name="My results").click()
        main(page).get_by_placeholder("your Kaggle username").fill(on_boards.kaggle_username)
        main(page).get_by_placeholder("your Kaggle username").press("Enter")
        expect(page).to_have_url(re.compile(rf"/participants\?user={on_boards.kaggle_username}$"))
        results = main(page).locator('[data-testid="stDataFrame"]').first
        expect(results).to_be_visible()
        expect(main(page).get_by_text(re.compile(rf"^{re.escape(competition.title)}: rank"))).to_be_visible()
        full_page_screenshot(page, "participants.png")

        page.goto(f"{demo_app.url}/event?event={event.slug}")  # the standings' link opens the big screen
        main(page).get_by_role("link", name=re.compile("Big screen")).click()
        expect(page).to_have_url(re.compile(rf"/screen\?event={event.slug}$"))
        medalled = next(c for c in config.competitions  # the other live board: the demo has medals on it
                        if c.event == event.slug and c.status == "ongoing" and c.slug != competition.slug)
        look_at_the_big_screen(page, demo_app.url, event, medalled)



def test_demo_visitor_sees_the_private_reveal_of_the_completed_competition(page, demo_app):
    """The demo's completed competition: the private board's banner and shake-up cards, the public rank and
    move beside each participant, the public-against-private chart, and the big screen's reveal slide."""
    completed = next(c for c in demo.load_config().competitions if c.status == "completed")
    with explained(demo_app):
        page.goto(f"{demo_app.url}/leaderboard?competition={completed.slug}")
        expect(main(page).get_by_role("heading", name=completed.title)).to_be_visible(timeout=FIRST_LOAD_MS)
        expect(main(page).get_by_text("Private leaderboard", exact=True)).to_be_visible()
        expect(metric(page, "Field shake-up")).to_have_text(re.compile(r"^0\.\d{3}$"))
        expect(metric(page, "Biggest climb")).to_have_text(re.compile(r"^↑\d+$"))
        expect(metric(page, "Biggest fall")).to_have_text(re.compile(r"^↓\d+$"))
        table = main(page).locator('[data-testid="stDataFrame"]').first
        expect(grid_rows(table).first).to_be_attached()
        first = cells(grid_rows(table).first)
        move = next(i for i, text in enumerate(first) if re.fullmatch(r"[↑↓=]\d*", text))
        assert first[move - 1].replace(",", "").isdigit(), first  # the public rank, then the move
        page.get_by_role("tab", name="Public vs private").click()
        chart = main(page).locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
        expect(chart.get_by_text("public rank", exact=True)).to_be_visible()
        expect(chart.locator(".scatterlayer .point path, canvas").first).to_be_attached()
        full_page_screenshot(page, "reveal.png")

        page.set_viewport_size(SCREEN)
        page.goto(f"{demo_app.url}/screen?competition={completed.slug}")
        expect(main(page).get_by_text(re.compile("The private reveal"))).to_be_visible()
        expect(main(page).get_by_text(re.compile("Biggest climb"))).to_be_visible()
        expect(main(page).get_by_text(re.compile("Biggest fall"))).to_be_visible()
        assert main(page).evaluate("m => m.scrollHeight <= window.innerHeight + 4"), "the reveal slide scrolls"
        wait_until_idle(page)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "reveal-screen.png"), animations="disabled")
        page.set_viewport_size(VIEWPORT)


SCREEN = {"width": 1920, "height": 1080}


def look_at_the_big_screen(page: Page, url: str, event, competition) -> None:
    """At a projector's 1920x1080: no sidebar, the title, the participants' top in large type with their
    medals, the clock ticking in the browser, and the event's slides turning by themselves (the page's timer
    fragment)."""
    page.set_viewport_size(SCREEN)
    expect(main(page).get_by_text(re.compile(r"slide 1 of \d+"))).to_be_visible()
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    page.goto(f"{url}/screen?event={event.slug}&every=5")
    expect(main(page).get_by_text(re.compile(r"slide 1 of \d+"))).to_be_visible()
    expect(main(page).get_by_text(re.compile(r"slide 2 of \d+"))).to_be_visible()  # turned with no one's click

    page.goto(f"{url}/screen?competition={competition.slug}")
    expect(main(page).get_by_role("heading", name=competition.title)).to_be_visible()
    rows = main(page).locator("table.screen-board tr")
    expect(rows.nth(1)).to_be_visible()
    assert 2 <= rows.count() <= 11 and rows.nth(1).locator("td").first.inner_text() == "1"
    size = rows.nth(1).evaluate("row => parseFloat(getComputedStyle(row.querySelector('td')).fontSize)")
    assert size >= 40, size  # read from the last row of a hall
    expect(rows.locator("td.medal").filter(has_text=re.compile("🥇|🥈|🥉")).first).to_be_visible()
    clock = page.frame_locator('[data-testid="stIFrame"], iframe').first
    expect(clock.get_by_text(re.compile(r"synced|not synced yet"))).to_be_visible()
    expect(clock.get_by_text(re.compile(r"left$|deadline passed"))).to_be_visible()
    assert main(page).evaluate("m => m.scrollHeight <= window.innerHeight + 4"), "the screen scrolls: rows cut off"
    wait_until_idle(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "big-screen.png"), animations="disabled")  # what the projector shows
    page.set_viewport_size(VIEWPORT)


def test_demo_visitor_sees_the_season_table_and_a_competitions_grades(page, demo_app):
    graded = next(iter(demo.DEMO_BASELINES))
    title = next(c.title for c in demo.load_config().competitions if c.slug == graded)
    with explained(demo_app):
        page.goto(demo_app.url)
        expect(main(page).get_by_text("Demo mode")).to_be_visible(timeout=FIRST_LOAD_MS)
        nav(page, "Season")
        expect(page).to_have_url(re.compile(r"/season$"))
        expect(main(page).get_by_role("heading", name="Season")).to_be_visible()
        expect(metric(page, "Competitions with a board")).to_have_text("3", timeout=FIRST_LOAD_MS)
        table = main(page).locator('[data-testid="stDataFrame"]').first
        expect(grid_rows(table).first).to_be_attached()
        assert cells(grid_rows(table).first)[0] == "1"
        expect(main(page).get_by_text("Plackett–Luce", exact=False)).to_be_visible()
        chart = main(page).locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
        expect(chart.locator(".scatterlayer .trace").first).to_be_attached()
        full_page_screenshot(page, "season.png")

        nav(page, "Leaderboard")
        main(page).get_by_role("button", name=f"{title} ({graded})").click()
        expect(main(page).get_by_role("heading", name=title)).to_be_visible()
        page.get_by_role("tab", name="Grades").click()
        expect(main(page).get_by_text("strictly higher", exact=False)).to_be_visible()
        expect(main(page).get_by_role("button", name=re.compile(r"Download the \w+ board's grades"))).to_be_visible()
        grades_table = main(page).locator('[data-testid="stTabs"] [data-testid="stDataFrame"]').nth(1)
        expect(grid_rows(grades_table).first).to_be_attached()
        full_page_screenshot(page, "grades.png")


# ---------------------------------------------------------------- organiser with the stand-in Kaggle


class Organiser(NamedTuple):
    server: AppServer
    rows: int  # in the stand-in's leaderboard file, benchmark included
    rank: int  # the registered participant's Kaggle rank in it


@pytest.fixture
def organiser_app(kaggle: KaggleStandIn, kaggle_env: dict[str, str], kaggle_settings: Settings,
                  tmp_path: Path) -> Iterator[Organiser]:
    """Kaggle lists one competition whose leaderboard has the registered participant on it; the database
    holds the event and the participant, nothing else."""
    board = samples.synthetic_leaderboard(300, seed=11, usernames=[USERNAME], n_benchmarks=1)
    kaggle.add_competition(SLUG, title=TITLE, metric="Categorization Accuracy", team_count=300, ref_as_url=True)
    kaggle.set_leaderboard(SLUG, samples.leaderboard_zip(SLUG, samples.leaderboard_csv(board)))
    members = board["TeamMemberUserNames"].str.split(",").apply(lambda names: [n.strip() for n in names])
    rank = int(board.loc[members.apply(lambda names: USERNAME in names), "Rank"].iloc[0])
    with db.connect(kaggle_settings) as con:
        registry.add_event(con, EVENT_SLUG, EVENT_TITLE, "2026-11-01", "2026-11-30")
        registry.add_participant(con, USERNAME, NAME)
    with streamlit_server({**kaggle_env, "MLBATTLE_ADMIN_PASSWORD": PASSWORD}, tmp_path) as server:
        yield Organiser(server, len(board), rank)


def downloads(kaggle: KaggleStandIn) -> int:
    return sum(request["path"].endswith(DOWNLOAD_LEADERBOARD) for request in kaggle.requests)


def test_organiser_imports_from_a_kaggle_search_syncs_and_finds_the_participant(page, organiser_app, kaggle):
    server, rows, rank = organiser_app
    with explained(server):
        page.goto(server.url)
        expect(main(page).get_by_role("heading", name="ML-Battle Leaderboards")).to_be_visible(timeout=FIRST_LOAD_MS)
        expect(main(page).get_by_text("Demo mode")).to_have_count(0)

        nav(page, "Admin")
        page.get_by_label("Organiser password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(main(page).get_by_text("Logged in as organiser.")).to_be_visible()

        page.get_by_role("tab", name="Import from Kaggle").click()
        search = page.locator('[data-testid="stForm"]').filter(has=page.get_by_label("Search Kaggle's competitions"))
        search.get_by_label("Search Kaggle's competitions").fill("neural")
        search.get_by_role("button", name="Search").click()
        wait_until_idle(page)
        form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name="Import"))
        form = form.filter(has=page.get_by_label("…or its slug or URL"))
        expect(form.get_by_role("combobox", name="Competition from the search")).to_have_value(f"{TITLE} ({SLUG})")
        choose(form, "Event", f"{EVENT_TITLE} ({EVENT_SLUG})")
        expect(form.get_by_role("combobox", name="Status")).to_have_value("ongoing")
        expect(form.get_by_role("checkbox", name="Auto-sync")).to_be_checked()
        form.get_by_role("button", name="Import").click()
        imported = main(page).locator('[data-testid="stAlert"]').filter(has_text=f"competition {SLUG} imported")
        expect(imported).to_contain_text(f"{SLUG}: created: {rows:,} rows, 1 participant matched")
        assert downloads(kaggle) == 1

        page.get_by_role("tab", name="Competitions").click()
        main(page).get_by_role("button", name=f"Sync {SLUG} now").click()
        synced = main(page).locator('[data-testid="stAlert"]').filter(has_text=f"{SLUG}: unchanged")
        expect(synced).to_contain_text("(1 participant matched")
        wait_until_idle(page)
        assert downloads(kaggle) == 2
        overview = main(page).locator('[data-testid="stDataFrame"]').first
        expect(grid_rows(overview)).to_have_count(1)
        row = cells(grid_rows(overview).first)
        assert row[:4] == [SLUG, TITLE, EVENT_SLUG, "ongoing"], row
        full_page_screenshot(page, "admin.png")

        nav(page, "Leaderboard")
        main(page).get_by_role("button", name=f"{TITLE} ({SLUG})").click()
        expect(main(page).get_by_role("heading", name=TITLE)).to_be_visible()
        expect(metric(page, "Teams on Kaggle")).to_have_text("300")
        expect(metric(page, "Participants on it")).to_have_text("1")
        expect(metric(page, "Best participant")).to_have_text(f"#{rank:,}")
        table = main(page).locator('[data-testid="stDataFrame"]')
        expect(grid_rows(table)).to_have_count(1)
        participant = cells(grid_rows(table).first)
        assert participant[:3] == ["1", NAME, USERNAME], participant
        assert str(rank) in participant, participant
        expect(main(page).get_by_role("link", name="Event standings")).to_be_visible()
        assert downloads(kaggle) == 2  # a fresh competition is not fetched again on a page view
