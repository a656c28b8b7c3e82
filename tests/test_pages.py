"""Every page under AppTest, each run on its own file with its query parameters, on data set up through
the real registry and sync (local zips, or the stand-in Kaggle where a page talks to Kaggle)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from mlbattle import backup, db, reads, registry, sync, throttle, web
from mlbattle.registry import CompetitionFacts
from tests.support.pages import run_page
from tools import samples

ROOT = Path(__file__).resolve().parent.parent
HOSTILE_NAME = "**Bold** <img src=x onerror=alert(1)> $x$ :red[y]"
EVENT = "night"
EVENT_TITLE = "Neural *Night* <b>2026</b>"
PEOPLE = [f"user{i}" for i in range(12)]


# ---------------------------------------------------------------- helpers


def app(page: str, **params: str) -> AppTest:
    return run_page(page, 30, **params)


def shown(at: AppTest) -> str:
    """Everything the page wrote as text, one element a line."""
    kinds = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "text")
    return "\n".join(said(at, kind) for kind in kinds)


def said(at: AppTest, kind: str) -> str:
    """What the page said in one kind of element, Markdown escapes removed."""
    return re.sub(r"\\(.)", r"\1", " ".join(str(element.value) for element in at.get(kind)))


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def add_competition(settings, slug: str, *, event: str | None = None, status: str = "ongoing",
                    metric: str = "AUC", auto_sync: bool = True) -> None:
    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts(slug, f"Competition {slug}", metric=metric),
                                 event=event, status=status, auto_sync=auto_sync)


def synthetic_zip(slug: str, teams: int, *, seed: int, lower: bool = False) -> bytes:
    frame = samples.synthetic_leaderboard(teams, seed=seed, usernames=PEOPLE, lower_is_better=lower)
    return samples.leaderboard_zip(slug, samples.leaderboard_csv(frame))


def downloads(kaggle) -> int:
    return sum("DownloadLeaderboard" in request["path"] for request in kaggle.requests)


@pytest.fixture
def data(settings, local_fetch):
    """An event with a higher-is-better (ongoing, two snapshots) and a lower-is-better (completed)
    competition, one competition whose sync failed, and twelve participants plus one not on any board."""
    with db.connect(settings) as con:
        registry.add_event(con, EVENT, EVENT_TITLE, "2026-11-01", "2026-11-30", "Our *club* night")
        for number, username in enumerate(PEOPLE):
            registry.add_participant(con, username, HOSTILE_NAME if number == 0 else f"Person {number}")
        registry.add_participant(con, "frank", "Frank Absent")
    add_competition(settings, "comp-high", event=EVENT)
    add_competition(settings, "comp-low", event=EVENT, status="completed", metric="RMSE")
    add_competition(settings, "comp-broken")
    for slug, zip_bytes in (("comp-high", synthetic_zip("comp-high", 300, seed=1)),
                            ("comp-high", synthetic_zip("comp-high", 300, seed=2)),
                            ("comp-low", synthetic_zip("comp-low", 200, seed=3, lower=True)),
                            ("comp-broken", b"this is not a zip")):
        sync.sync(slug, settings, trigger="manual", fetch=local_fetch({slug: zip_bytes}))
    return settings


@pytest.fixture
def admin(monkeypatch):
    monkeypatch.setenv("MLBATTLE_ADMIN_PASSWORD", "s3cret-pw")
    return "s3cret-pw"


def login(at: AppTest, password: str) -> AppTest:
    at.text_input(key="admin_password").input(password)
    return button(at, "Log in").click().run()


# ---------------------------------------------------------------- home


def test_home_without_data(kaggle_env) -> None:
    at = app("pages/home.py")
    assert not at.exception
    assert "No events or competitions yet" in shown(at)
    assert "Demo mode" not in shown(at)


def test_home_lists_events_competitions_teams_matches_and_sync_state(data) -> None:
    at = app("pages/home.py")
    assert not at.exception
    text = shown(at)
    assert web.md(EVENT_TITLE) in [h.value for h in at.subheader]
    assert "./leaderboard?competition=comp-high" in text and "./event?event=night" in text
    assert "synced just now" in text
    assert "The last sync failed" in text and "no board downloaded yet" in text
    assert "not a zip" not in text  # the technical reason is for organisers
    metrics = {(m.label, m.value) for m in at.metric}
    assert ("Teams on Kaggle", "300") in metrics and ("Participants", "12") in metrics
    assert ("Registered participants", "13") in metrics


def test_demo_mode_fills_an_empty_database_and_says_so(app_env) -> None:
    at = app("pages/home.py")
    assert not at.exception
    assert "Demo mode" in shown(at)
    assert int(next(m.value for m in at.metric if m.label == "Competitions")) >= 1


def test_the_demo_banner_names_the_token_file_as_well_as_the_variables(app_env) -> None:
    banner = said(app("pages/home.py"), "info")
    for place in ("KAGGLE_API_TOKEN", "~/.kaggle/access_token", "KAGGLE_USERNAME", "KAGGLE_KEY"):
        assert place in banner


def test_the_app_navigates_with_links_that_keep_the_session(data) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert not at.exception
    links = {link.proto.label: link.proto for link in at.get("page_link")}
    target = links[web.md("Competition comp-high")]
    assert target.page == "leaderboard" and target.query_string == "competition=comp-high"


# ---------------------------------------------------------------- leaderboard


def test_leaderboard_without_a_competition_lists_them(data) -> None:
    at = app("pages/leaderboard.py")
    assert not at.exception
    at.button(key="pick-comp-low").click().run()
    assert at.query_params["competition"] == "comp-low"
    assert "Competition comp-low" in said(at, "title")


def test_leaderboard_and_event_without_data(kaggle_env) -> None:
    at = app("pages/leaderboard.py")
    assert not at.exception and "No competitions yet" in shown(at)
    at = app("pages/event.py")
    assert not at.exception and "No events yet" in shown(at)


def test_leaderboard_of_an_unknown_competition_says_so(data) -> None:
    at = app("pages/leaderboard.py", competition="no-such-thing")
    assert not at.exception
    assert "There is no competition" in said(at, "error")


def test_leaderboard_shows_kpis_participants_charts_and_download(data) -> None:
    at = app("pages/leaderboard.py", competition="comp-high")
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == len(PEOPLE) and sorted(table["kaggle_username"]) == sorted(PEOPLE)
    assert list(table["platform_rank"]) == sorted(table["platform_rank"])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Teams on Kaggle"] == "300" and metrics["Participants on it"] == "12"
    assert len(at.get("plotly_chart")) == 1  # only the open tab's chart is built
    assert at.get("download_button")[0].proto.label.startswith("⬇️ Download these 12 rows")
    assert at.toggle[0].label == "Auto-refresh" and at.toggle[0].value is True  # ongoing
    columns = at.dataframe[0].proto.columns
    assert '"kaggle_rank": {"label": "Kaggle rank"' in columns and "higher is better" in columns
    assert "synced just now" in shown(at)
    at.session_state["charts"] = "Participants over time"
    at.run()
    progress = at.get("plotly_chart")[0].proto.spec
    assert '"text":"Kaggle rank"' in progress and len(at.multiselect[0].value) == 5


def test_leaderboard_all_teams_search_and_paging(data) -> None:
    at = app("pages/leaderboard.py", competition="comp-high", view="All Kaggle teams")
    assert not at.exception
    assert len(at.dataframe[0].value) == 100
    assert "Rows 1–100 of 302" in shown(at)  # 300 teams and two benchmarks
    pager = at.get("pagination")[0]
    assert pager.num_pages == 4
    pager.set_value(4).run()
    assert len(at.dataframe[0].value) == 2 and "Rows 301–302 of 302" in shown(at)
    team = str(at.dataframe[0].value["team_name"].iloc[0])
    at.text_input(key="q").input(team.upper()).run()
    assert team in list(at.dataframe[0].value["team_name"])


def test_leaderboard_rank_range(data) -> None:
    at = app("pages/leaderboard.py", competition="comp-high", view="All Kaggle teams")
    at.number_input[0].set_value(10)
    at.number_input[1].set_value(19)
    at.checkbox[0].uncheck().run()
    assert list(at.dataframe[0].value["kaggle_rank"]) == list(range(10, 20))


def test_lower_is_better_is_labelled_and_charted_the_right_way_round(data) -> None:
    at = app("pages/leaderboard.py", competition="comp-low")
    assert not at.exception
    assert "lower is better" in at.dataframe[0].proto.columns
    assert '"autorange":"reversed"' in at.get("plotly_chart")[0].proto.spec
    assert at.toggle[0].value is False  # completed: no auto-refresh by default


def test_user_text_is_shown_as_text(data) -> None:
    at = app("pages/leaderboard.py", competition="comp-high")
    assert all(not m.proto.allow_html for m in at.markdown)
    assert HOSTILE_NAME not in shown(at)  # never as live Markdown
    at = app("pages/participants.py", user="user0")
    assert web.md(f"{HOSTILE_NAME} (user0)") in [s.value for s in at.subheader]


def test_a_view_refreshes_a_stale_competition_once_in_the_background(kaggle_env, kaggle_settings, kaggle) -> None:
    kaggle.set_leaderboard("live", synthetic_zip("live", 50, seed=4))
    add_competition(kaggle_settings, "live")
    with db.connect(kaggle_settings) as con:
        registry.add_participant(con, "user1")
    at = app("pages/leaderboard.py", competition="live")
    assert not at.exception
    assert "not been downloaded yet" in shown(at)
    assert web.refresher().wait_idle(20)
    at.run()
    assert len(at.dataframe[0].value) == 1 and "Refreshing" not in shown(at)
    second_viewer = app("pages/leaderboard.py", competition="live")
    app("pages/home.py")
    at.run()
    assert not second_viewer.exception and web.refresher().wait_idle(20)
    assert downloads(kaggle) == 1
    with db.connect(kaggle_settings) as con:
        assert list(reads.recent_runs(con, "live")["trigger"]) == ["view"]


def test_a_page_never_waits_for_a_running_sync(kaggle_env, kaggle_settings, kaggle, monkeypatch) -> None:
    monkeypatch.setenv("MLBATTLE_TOTAL_TIMEOUT", "3")
    kaggle.set_leaderboard("slow", synthetic_zip("slow", 50, seed=5))
    kaggle.fail_next("slow", slug="slow")
    add_competition(kaggle_settings, "slow")
    started = time.perf_counter()
    at = app("pages/leaderboard.py", competition="slow")
    other = app("pages/leaderboard.py", competition="slow")
    assert time.perf_counter() - started < 2.5
    assert not at.exception and not other.exception
    assert "Refreshing from Kaggle" in shown(other)
    assert web.refresher().wait_idle(20)
    at.run()
    assert "The last sync failed" in shown(at)
    assert downloads(kaggle) == 1


def test_no_refresh_when_automatic_syncs_are_off(kaggle_env, kaggle_settings, kaggle, monkeypatch) -> None:
    monkeypatch.setenv("MLBATTLE_AUTO_SYNC", "off")
    kaggle.set_leaderboard("quiet", synthetic_zip("quiet", 20, seed=6))
    add_competition(kaggle_settings, "quiet")
    at = app("pages/leaderboard.py", competition="quiet")
    assert not at.exception and web.refresher().wait_idle(5)
    assert downloads(kaggle) == 0


def test_refresher_joins_requests_and_cools_down(settings) -> None:
    worker = web.Refresher(cooldown=60)
    add_competition(settings, "joined", status="upcoming")
    assert worker.request(settings, "joined")
    assert not worker.request(settings, "joined")  # queued or running: joined, not repeated
    assert worker.wait_idle(10)
    assert not worker.request(settings, "joined")  # just refreshed: cooling down
    assert not worker.busy(settings, "joined")


# ---------------------------------------------------------------- event standings


def test_event_without_a_slug_lists_events_and_an_unknown_one_says_so(data) -> None:
    at = app("pages/event.py")
    assert not at.exception
    at.button(key="pick-night").click().run()
    assert at.query_params["event"] == "night" and not at.exception
    at = app("pages/event.py", event="nope")
    assert not at.exception and "There is no event" in said(at, "error")


def test_event_standings_table_rules_and_chart(data) -> None:
    with db.connect(data) as con:
        registry.set_scoring(con, "comp-low", 1.5, 0.2, 50)
    at = app("pages/event.py", event=EVENT)
    assert not at.exception
    table = at.dataframe[0].value
    assert {"place", "participant", "total_points", "comp-high", "comp-low"} <= set(table.columns)
    assert len(table) == len(PEOPLE) and list(table["total_points"]) == sorted(table["total_points"], reverse=True)
    text = shown(at)
    assert "share of the 300 Kaggle teams beaten" in text
    assert "(score − worst) / (best − worst)" in text
    assert len(at.get("plotly_chart")) == 1
    assert {m.label for m in at.metric} >= {"Participants on the boards", "Competitions", "Leader"}


def test_event_without_anyone_on_the_boards(settings) -> None:
    with db.connect(settings) as con:
        registry.add_event(con, "empty", "Empty event")
    at = app("pages/event.py", event="empty")
    assert not at.exception
    assert "has no competitions yet" in shown(at) and "No registered participant" in shown(at)


# ---------------------------------------------------------------- participants


def test_register_validates_and_refuses_duplicates_in_any_case(kaggle_settings) -> None:
    at = app("pages/participants.py")
    at.text_input(key="register_username").input("Ada_L")
    at.text_input(key="register_name").input("Ada Lovelace")
    button(at, "Register").click().run()
    assert "Registered Ada_L" in said(at, "success")
    at.text_input(key="register_username").input("ada_l")
    button(at, "Register").click().run()
    assert "already registered" in said(at, "error")
    at.text_input(key="register_username").input("not a username!")
    button(at, "Register").click().run()
    assert "is not a Kaggle username" in said(at, "error")
    with db.connect(kaggle_settings) as con:
        assert reads.participants_page(con).total == 1


def test_a_session_registers_five_people_then_waits(kaggle_settings) -> None:
    at = app("pages/participants.py")
    for number in range(5):
        at.text_input(key="register_username").input(f"member_{number}")
        button(at, "Register").click().run()
        assert f"Registered member_{number}" in said(at, "success")
    at.text_input(key="register_username").input("member_5")
    button(at, "Register").click().run()
    assert "Too many registrations from here: try again in 600 s" in said(at, "error")
    with db.connect(kaggle_settings) as con:
        assert reads.participants_page(con).total == 5


def test_closed_registration_shows_no_form(kaggle_env, monkeypatch) -> None:
    monkeypatch.setenv("MLBATTLE_REGISTRATION", "off")
    at = app("pages/participants.py")
    assert not at.exception
    assert "Registration is closed" in shown(at)
    assert not [b for b in at.get("form_submit_button") if b.label == "Register"]


def test_my_results_across_competitions(data) -> None:
    at = app("pages/participants.py", user="USER3")
    assert not at.exception
    results = at.dataframe[0].value
    assert sorted(results["competition"]) == ["comp-high", "comp-low"]
    assert len(at.get("plotly_chart")) == 3  # one per competition, and "My season"'s ratings
    at = app("pages/participants.py", user="frank")
    assert "not on any competition" in shown(at)
    at = app("pages/participants.py", user="nobody")
    assert "is not registered" in shown(at)


# ---------------------------------------------------------------- admin


def test_admin_without_a_password_is_off_and_says_how_to_set_one(data) -> None:
    at = app("pages/admin.py")
    assert not at.exception
    text = shown(at)
    assert "MLBATTLE_ADMIN_PASSWORD" in text and "admin_password" in text
    assert not at.tabs and not at.text_input


def test_admin_login_wrong_password_lockout_then_right_password(data, admin) -> None:
    at = app("pages/admin.py")
    login(at, "wrong")
    assert "Wrong password (4 tries left)" in said(at, "error")
    for _ in range(4):
        login(at, "wrong")
    assert "locked out" in said(at, "error")
    login(at, admin)
    assert not at.tabs and "Too many wrong passwords" in said(at, "error")
    at.session_state["admin_locked_until"] = 0.0
    login(at, admin)
    assert at.tabs and "Logged in as organiser" in shown(at)
    button(at, "Log out").click().run()
    assert not at.tabs


def test_a_changed_password_logs_sessions_out_before_any_action(data, admin, monkeypatch) -> None:
    at = login(app("pages/admin.py"), admin)
    at.text_input(key="event_slug").input("sneaky")
    at.text_input(key="event_title").input("Sneaky")
    monkeypatch.setenv("MLBATTLE_ADMIN_PASSWORD", "rotated")
    button(at, "Add event").click().run()
    assert not at.tabs
    with db.connect(data) as con:
        assert reads.event(con, "sneaky") is None


ADMIN_FILES = [ROOT / "pages" / "admin.py", *sorted((ROOT / "mlbattle" / "web" / "admin").glob("*.py"))]


def _admin_handlers(tree: ast.AST) -> tuple[set[str], list[ast.If]]:
    clicks = {
        target.id
        for node in ast.walk(tree) if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute) and node.value.func.attr in ("button", "form_submit_button")
        for target in node.targets if isinstance(target, ast.Name)
    }
    handlers = [node for node in ast.walk(tree) if isinstance(node, ast.If) and isinstance(node.test, ast.Name)
                and node.test.id in clicks]
    return clicks, handlers


def test_every_admin_action_checks_the_login_where_it_runs() -> None:
    assert len(ADMIN_FILES) >= 8, "the admin tabs moved: point ADMIN_FILES at them"
    handler_count = 0
    downloads: list[ast.FunctionDef] = []
    for path in ADMIN_FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        clicks, handlers = _admin_handlers(tree)
        assert {h.test.id for h in handlers} == clicks, f"{path.name}: a button whose click is not handled by name"
        handler_count += len(handlers)
        for handler in handlers:
            first = handler.body[0]
            assert ast.unparse(first) == "web.require_admin(cfg)", f"{path.name}:{handler.lineno} acts before checking"
        inline = [node for node in ast.walk(tree) if isinstance(node, ast.If) and isinstance(node.test, ast.Call)
                  and getattr(node.test.func, "attr", "") in ("button", "form_submit_button")]
        callbacks = [kw for node in ast.walk(tree) if isinstance(node, ast.Call) for kw in node.keywords
                     if kw.arg == "on_click" and not (isinstance(kw.value, ast.Constant) and kw.value.value == "ignore")]
        assert not inline and not callbacks, path.name
        downloads += [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                      and node.name in ("_backup", "_export")]
    assert handler_count >= 11
    assert len(downloads) == 2
    for function in downloads:
        first = next(statement for statement in function.body if not isinstance(statement, ast.Expr)
                     or not isinstance(statement.value, ast.Constant))
        assert ast.unparse(first) == "web.require_admin(cfg)", f"{function.name} builds data before checking"


def test_admin_events_add_and_edit(data, admin) -> None:
    at = login(app("pages/admin.py"), admin)
    at.text_input(key="event_slug").input("Bad Slug")
    at.text_input(key="event_title").input("Bad")
    button(at, "Add event").click().run()
    assert "must be lowercase" in said(at, "error")
    at.text_input(key="event_slug").input("spring-cup")
    at.text_input(key="event_title").input("Spring Cup")
    button(at, "Add event").click().run()
    assert "event spring-cup added" in said(at, "success")
    at.selectbox(key="edit_event").select("spring-cup").run()
    at.text_input(key="edit-title-spring-cup").input("Spring Cup 2027")
    button(at, "Save event").click().run()
    with db.connect(data) as con:
        assert reads.event(con, "spring-cup")["title"] == "Spring Cup 2027"


def test_admin_participants_add_import_and_remove(data, admin) -> None:
    at = login(app("pages/admin.py"), admin)
    at.text_input(key="add_username").input("grace")
    at.text_input(key="add_name").input("Grace H")
    button(at, "Add").click().run()
    assert "grace registered" in said(at, "success")
    at.text_area(key="participants_text").input("kaggle_username,name\nnew-one,New One\nbad name,X\nGRACE,dup\n")
    button(at, "Import").click().run()
    assert "1 added, 2 skipped" in said(at, "warning")
    assert "already registered" in said(at, "text")
    at.file_uploader(key="participants_file").set_value(("people.csv", b"\xef\xbb\xbfkaggle_username\nfromfile\n",
                                                         "text/csv"))
    button(at, "Import").click().run()
    assert "1 added, 0 skipped" in said(at, "success")
    at.text_input(key="remove_username").input("grace")
    button(at, "Remove").click().run()
    assert "confirm" in said(at, "error")
    at.text_input(key="remove_username").input("grace")
    at.checkbox(key="remove_sure").check()
    button(at, "Remove").click().run()
    with db.connect(data) as con:
        assert reads.participant(con, "grace") is None
        assert reads.participant(con, "new-one") and reads.participant(con, "fromfile")
    at.text_input(key="people_search").input("NEW-").run()
    people = next(d.value for d in at.dataframe if {"display_name", "created_at"} <= set(d.value.columns))
    assert list(people["kaggle_username"]) == ["new-one"]


def test_admin_status_sync_now_and_the_run_log(kaggle_env, kaggle_settings, kaggle, admin) -> None:
    kaggle.set_leaderboard("live", synthetic_zip("live", 40, seed=7))
    add_competition(kaggle_settings, "live", status="upcoming")
    at = login(app("pages/admin.py"), admin)
    at.selectbox(key="admin_competition").select("live").run()
    status = next(s for s in at.selectbox if s.label == "Status")
    status.select("ongoing")
    button(at, "Save").click().run()
    text = said(at, "success")
    assert "live: saved" in text and "live: created" in text  # ongoing syncs at once
    button(at, "Sync live now").click().run()
    assert "live: unchanged" in said(at, "success")
    runs = next(d.value for d in at.dataframe if "trigger" in d.value.columns)
    assert list(runs["trigger"]) == ["manual", "status"]
    scoring = {t.label: t for t in at.text_input}
    scoring["Worst score"].input("abc")
    button(at, "Save").click().run()
    assert "worst must be a number" in said(at, "error")
    with db.connect(kaggle_settings) as con:
        record = reads.competition(con, "live")
    assert record["status"] == "ongoing" and record["teams"] == 40


def test_admin_imports_a_competition_from_a_kaggle_search(kaggle_env, kaggle_settings, kaggle, data, admin) -> None:
    kaggle.add_competition("spaceship-titanic", title="Spaceship Titanic", metric="Categorization Accuracy",
                           team_count=120, ref_as_url=True)
    kaggle.set_leaderboard("spaceship-titanic", synthetic_zip("spaceship-titanic", 120, seed=8))
    at = login(app("pages/admin.py"), admin)
    at.text_input(key="kaggle_query").input("spaceship")
    button(at, "Search").click().run()
    assert "spaceship-titanic" in list(next(d.value for d in at.dataframe if "category" in d.value.columns)["slug"])
    at.selectbox(key="import_event").select(EVENT)
    button(at, "Import").click().run()
    assert "competition spaceship-titanic imported (Spaceship Titanic)" in said(at, "success")
    with db.connect(kaggle_settings) as con:
        record = reads.competition(con, "spaceship-titanic")
    assert record["event_slug"] == EVENT and record["teams"] == 120 and record["matched"] == len(PEOPLE)


def test_admin_on_an_empty_database(kaggle_env, admin) -> None:
    at = login(app("pages/admin.py"), admin)
    assert not at.exception and at.tabs
    assert "No competitions yet: import one from Kaggle." in shown(at)


def test_admin_import_without_credentials_says_what_to_set(data, admin) -> None:
    at = login(app("pages/admin.py"), admin)
    hint = said(at, "info")
    assert "Importing needs Kaggle credentials" in hint
    for place in ("KAGGLE_API_TOKEN", "~/.kaggle/access_token", "KAGGLE_USERNAME", "KAGGLE_KEY", "kaggle.json"):
        assert place in hint
    assert not [t for t in at.text_input if t.key == "kaggle_query"]


def test_admin_not_found_and_remove_competition(data, admin) -> None:
    at = login(app("pages/admin.py"), admin)
    at.selectbox(key="missing_for").select("comp-high").run()
    missing = next(d.value for d in at.dataframe if "similarity" in d.value.columns)
    assert list(missing["kaggle_username"].unique()) == ["frank"]
    at.selectbox(key="admin_competition").select("comp-broken").run()
    assert button(at, "Remove comp-broken").disabled
    at.checkbox(key="confirm_remove").check().run()
    button(at, "Remove comp-broken").click().run()
    assert "comp-broken: removed" in said(at, "success")
    with db.connect(data) as con:
        assert reads.competition(con, "comp-broken") is None


# ---------------------------------------------------------------- pure helpers of the edge


@pytest.mark.parametrize("text", ["**x**", "<script>alert(1)</script>", "$\\pi$", ":red[x]", "[a](javascript:x)",
                                  "# title", "a\nb"])
def test_markdown_escaping_leaves_no_markup(text: str) -> None:
    escaped = web.md(text)
    assert "\n" not in escaped
    for special in "*<>$[]:#":
        assert escaped.count(special) == escaped.count("\\" + special)


def test_age_and_score_format() -> None:
    now = pd.Timestamp("2026-11-23 12:00:00").to_pydatetime()
    assert web.age_text(now - pd.Timedelta(seconds=20), now) == "just now"
    assert web.age_text(now - pd.Timedelta(minutes=3, seconds=5), now) == "3 min ago"
    assert web.age_text(now - pd.Timedelta(hours=5), now) == "5 h ago"
    assert web.age_text(now - pd.Timedelta(days=1, hours=2), now) == "1 day ago"
    assert web.age_text(None, now) == "never"
    assert web.score_format([0.98765]) == "%.5f" and web.score_format([1234.5, None]) == "%.1f"
    assert web.score_format([]) == "%.5f" and web.score_format([123456789.0]) == "%.0f"


def test_a_database_held_by_another_process_shows_the_last_data_seen(data) -> None:
    at = app("pages/leaderboard.py", competition="comp-high")
    holder = subprocess.Popen(  # writes, as a sync does, so the file no longer answers for the versions seen
        [sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]);"
         " con.execute('CREATE TABLE held_here (x INTEGER)'); print('held', flush=True); time.sleep(60)", data.db],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        time.sleep(web.PROBE_FRESH_SECONDS)  # the versions this process probed a moment ago are now stale
        started = time.perf_counter()
        at.run()
        assert time.perf_counter() - started < web.PAGE_BUSY_SECONDS + 5
        assert not at.exception and len(at.dataframe[0].value) == len(PEOPLE)
        assert "database is busy" in shown(at)
        never_seen = app("pages/event.py", event=EVENT)
        assert not never_seen.exception and "database is busy" in said(never_seen, "warning")
    finally:
        holder.kill()
        holder.wait()


def test_version_probes_are_shared_for_a_moment_so_viewers_leave_the_file_free(data, monkeypatch) -> None:
    # "a moment", stretched past a slow machine's hiccup (the probe reads the name in web.data, not web's copy)
    monkeypatch.setattr(web.data, "PROBE_FRESH_SECONDS", 30.0)
    app("pages/leaderboard.py", competition="comp-high")
    with db.connect(data) as con:
        registry.add_participant(con, "late-arrival")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('held', flush=True);"
         " time.sleep(60)", data.db], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.perf_counter()
        again = app("pages/leaderboard.py", competition="comp-high")
        assert time.perf_counter() - started < web.PAGE_BUSY_SECONDS
        assert not again.exception and "database is busy" not in shown(again)
    finally:
        holder.kill()
        holder.wait()


def test_admin_restores_a_backup_only_when_confirmed_and_refuses_a_bad_file(data, admin) -> None:
    with db.connect(data) as con:
        saved = backup.backup_bytes(con)
        before = con.execute("SELECT count(*) FROM participants").fetchone()[0]
        registry.add_participant(con, "added-after-backup")
    at = login(app("pages/admin.py"), admin)
    at.file_uploader(key="restore_file").set_value(("backup.zip", saved, "application/zip"))
    button(at, "Restore").click().run()
    assert "confirm" in said(at, "error")
    at.file_uploader(key="restore_file").set_value(("backup.zip", b"PK\x03\x04 not a backup", "application/zip"))
    at.checkbox(key="restore_sure").check()
    button(at, "Restore").click().run()
    assert said(at, "error") and not at.exception
    with db.connect(data) as con:
        assert con.execute("SELECT count(*) FROM participants").fetchone()[0] == before + 1
    results = web.data.shared_values()["results"]  # what the pages read before: the restore must drop it
    results.get(("read before the restore",), lambda: "stale")
    at.file_uploader(key="restore_file").set_value(("backup.zip", saved, "application/zip"))
    at.checkbox(key="restore_sure").check()
    button(at, "Restore").click().run()
    assert "Restored" in said(at, "success")
    assert web.data.shared_values()["results"].get(("read before the restore",), lambda: "read again") == "read again"
    with db.connect(data) as con:
        assert con.execute("SELECT count(*) FROM participants").fetchone()[0] == before


def test_wrong_passwords_from_one_address_lock_out_its_new_sessions_too(data, admin, monkeypatch) -> None:
    """Streamlit gives no client address for loopback or AppTest, so the address is supplied here."""
    monkeypatch.setattr(web.auth, "_client_address", lambda: "203.0.113.7")
    monkeypatch.setattr(web.auth, "_address_lockout", throttle.Lockout(web.MAX_FAILURES, web.LOCKOUT_SECONDS))
    for _ in range(web.MAX_FAILURES):
        login(app("pages/admin.py"), "wrong")
    fresh = login(app("pages/admin.py"), admin)
    assert "Too many wrong passwords" in said(fresh, "error") and not web.is_admin(web.load_settings())
    monkeypatch.setattr(web.auth, "_client_address", lambda: "198.51.100.9")
    assert "Logged in as organiser" in said(login(app("pages/admin.py"), admin), "success")


def test_streamlit_login_is_offered_when_the_host_configures_it(data, monkeypatch) -> None:
    monkeypatch.setenv("MLBATTLE_ADMIN_EMAILS", "Organiser@Example.org")
    at = AppTest.from_file(str(ROOT / "pages/admin.py"), default_timeout=30)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x",
                          "client_id": "id", "client_secret": "secret",
                          "server_metadata_url": "https://accounts.example.org/.well-known/openid-configuration"}
    at.run()
    assert not at.exception
    assert any(b.label == "Log in with your account" for b in at.button)
    assert "Organiser actions are off" not in shown(at)
    assert not any(b.label == "Add" for b in at.button)
