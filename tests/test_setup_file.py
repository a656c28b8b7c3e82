"""Declared setup: data/event.toml + data/participants.csv, applied idempotently; refusals change nothing."""

from __future__ import annotations

import shutil
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from mlbattle import db, grades, queries, reads, registry, setup_file, sync
from mlbattle import settings as settings_module
from mlbattle.registry import CompetitionFacts
from mlbattle.settings import Settings
from mlbattle.setup_file import SetupError
from tests.support.boards import zip_of
from tests.support.kaggle_stand_in import KaggleStandIn
from tools import samples

PROJECT = Path(__file__).resolve().parent.parent
PEOPLE = ["ada-lovelace", "alan_turing", "grace.hopper"]

EVENT_TOML = """
[[events]]
slug = "neural-night-2026"
title = "Neural Night 2026"
start = 2026-11-20
end = 2026-11-27
description = "Two competitions, one week."

  [[events.competitions]]
  slug = "spaceship-titanic"
  status = "ongoing"
  auto_sync = true
  worst = 0.5
  best = 1.0
  points = 100
  title = "Title From The File"
  metric = "Metric From The File"

  [[events.competitions]]
  url = "https://www.kaggle.com/competitions/house-prices/leaderboard"
  status = "upcoming"
  direction = "lower"
  title = "House Prices"
  metric = "RMSE"

[settings]
sync_interval = 120
"""

PARTICIPANTS_CSV = "kaggle_username,name\nada-lovelace,Ada Lovelace\nalan_turing,\"Turing, Alan\"\ngrace.hopper,\n"


def _declare(folder: Path, toml: str | None = EVENT_TOML, people: str | None = PARTICIPANTS_CSV) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if toml is not None:
        (folder / "event.toml").write_text(toml, encoding="utf-8")
    if people is not None:
        (folder / "participants.csv").write_text(people, encoding="utf-8")
    return folder


def _state(settings: Settings) -> dict[str, list]:
    """What organisers entered plus the sync history, for before/after comparisons."""
    with db.connect(settings) as con:
        return {
            "events": con.execute(queries.LIST_EVENTS).fetchall(),
            "competitions": con.execute(queries.SETUP_COMPETITIONS).fetchall(),
            "participants": con.execute(queries.SETUP_PARTICIPANTS).fetchall(),
            "runs": con.execute("SELECT competition_slug, outcome FROM sync_runs ORDER BY 1, 2").fetchall(),
        }


def _competition(settings: Settings, slug: str) -> dict[str, Any]:
    with db.connect(settings) as con:
        return reads.competition(con, slug) or {}


def test_no_declared_files_means_nothing_to_do(settings: Settings, tmp_path: Path) -> None:
    assert setup_file.apply_declared(settings, tmp_path / "empty") is None


def test_the_repository_ships_no_event_toml_so_demo_mode_stays_the_default() -> None:
    assert not (PROJECT / "data" / "event.toml").exists()
    assert not (PROJECT / "data" / "participants.csv").exists()


def test_the_committed_examples_are_valid_declared_files(tmp_path: Path) -> None:
    folder = tmp_path / "examples"
    folder.mkdir()
    shutil.copy(PROJECT / "data" / "event.example.toml", folder / "event.toml")
    shutil.copy(PROJECT / "data" / "participants.example.csv", folder / "participants.csv")
    declared = setup_file.read_declared(folder)
    assert declared is not None and declared.events and declared.competitions and declared.participants


def test_without_credentials_the_file_gives_title_and_metric(settings: Settings, tmp_path: Path) -> None:
    summary = setup_file.apply_declared(settings, _declare(tmp_path / "decl"))

    assert summary is not None and summary.startswith("declared setup applied from ")
    assert "1 event (1 new), 2 competitions (2 new), 3 participants registered" in summary
    titanic = _competition(settings, "spaceship-titanic")
    assert (titanic["title"], titanic["metric"], titanic["event_slug"]) == (
        "Title From The File", "Metric From The File", "neural-night-2026")
    assert (titanic["worst"], titanic["best"], titanic["points"]) == (0.5, 1.0, 100.0)
    houses = _competition(settings, "house-prices")
    assert (houses["status"], houses["direction_override"], houses["auto_sync"]) == ("upcoming", "lower", True)
    with db.connect(settings) as con:
        people = con.execute(queries.SETUP_PARTICIPANTS).fetchall()
    assert people == [("ada-lovelace", "Ada Lovelace"), ("alan_turing", "Turing, Alan"),
                      ("grace.hopper", "grace.hopper")]
    assert "Kaggle credentials are missing" in (titanic["last_error"] or "")


def test_applying_twice_gives_the_same_single_event(settings: Settings, tmp_path: Path) -> None:
    folder = _declare(tmp_path / "decl")
    setup_file.apply_declared(settings, folder)
    first = _state(settings)

    again = setup_file.apply_declared(settings, folder)

    assert again is not None and "1 event (0 new), 2 competitions (0 new), 0 participants registered" in again
    assert _state(settings) == first
    assert len(first["events"]) == 1 and len(first["competitions"]) == 2 and len(first["participants"]) == 3


def test_reapplying_brings_declared_keys_in_line_and_keeps_the_rest(settings: Settings, tmp_path: Path) -> None:
    folder = _declare(tmp_path / "decl")
    setup_file.apply_declared(settings, folder)
    with db.connect(settings) as con:
        registry.set_auto_sync(con, "house-prices", False)
        registry.set_status(con, "spaceship-titanic", "completed")
        registry.add_participant(con, "extra-person")
    _declare(folder, EVENT_TOML.replace('title = "Neural Night 2026"', 'title = "Neural Night, renamed"'))

    setup_file.apply_declared(settings, folder)

    assert _competition(settings, "spaceship-titanic")["status"] == "ongoing"  # declared: back in line
    assert _competition(settings, "house-prices")["auto_sync"] is False  # not declared: left alone
    with db.connect(settings) as con:
        assert con.execute(queries.GET_EVENT, ["neural-night-2026"]).fetchone()[1] == "Neural Night, renamed"
        assert registry.username_key("extra-person") in {r[0] for r in con.execute(queries.PARTICIPANT_KEYS).fetchall()}


def test_two_threads_at_once_give_one_event_and_one_first_sync(
    kaggle: KaggleStandIn, kaggle_settings: Settings, tmp_path: Path
) -> None:
    _serve(kaggle)
    folder = _declare(tmp_path / "decl")
    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.append(_try_apply(kaggle_settings, folder)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 2 and all(isinstance(result, str) for result in results), results
    state = _state(kaggle_settings)
    assert len(state["events"]) == 1 and len(state["competitions"]) == 2 and len(state["participants"]) == 3
    assert state["runs"] == [("spaceship-titanic", "created")]


def _try_apply(settings: Settings, folder: Path) -> Any:
    try:
        return setup_file.apply_declared(settings, folder)
    except Exception as exc:  # reported by the assertion rather than lost in the thread
        return exc


def _serve(kaggle: KaggleStandIn) -> None:
    kaggle.add_competition("spaceship-titanic", title="Spaceship Titanic", metric="Categorization Accuracy",
                           ref_as_url=True)
    kaggle.add_competition("house-prices", title="House Prices - Advanced Regression Techniques", metric="RMSE")
    frame = samples.synthetic_leaderboard(200, seed=4, usernames=PEOPLE)
    kaggle.set_leaderboard("spaceship-titanic",
                           samples.leaderboard_zip("spaceship-titanic", samples.leaderboard_csv(frame)))


def test_with_credentials_kaggle_gives_the_facts_and_the_ongoing_one_is_synced(
    kaggle: KaggleStandIn, kaggle_settings: Settings, tmp_path: Path
) -> None:
    _serve(kaggle)

    summary = setup_file.apply_declared(kaggle_settings, _declare(tmp_path / "decl"))

    assert summary is not None and "; spaceship-titanic: created: 202 " in summary and "3 participants matched" in summary
    titanic = _competition(kaggle_settings, "spaceship-titanic")
    assert (titanic["title"], titanic["metric"]) == ("Spaceship Titanic", "Categorization Accuracy")
    assert titanic["last_outcome"] == "created" and titanic["matched"] == 3
    assert _competition(kaggle_settings, "house-prices")["last_outcome"] is None  # upcoming: not synced
    with db.connect(kaggle_settings) as con:
        board = con.execute(queries.PLATFORM_LEADERBOARD, ["spaceship-titanic"]).fetchall()
        history = con.execute(queries.HISTORY, ["spaceship-titanic"]).fetchall()
    assert sorted(row[3] for row in board) == sorted(PEOPLE)
    assert len(history) == 3  # participants were registered before the first sync took its snapshot


def test_a_restart_keeps_sync_data_and_does_not_download_again_while_fresh(
    kaggle: KaggleStandIn, kaggle_settings: Settings, tmp_path: Path
) -> None:
    _serve(kaggle)
    folder = _declare(tmp_path / "decl")
    setup_file.apply_declared(kaggle_settings, folder)
    downloads = sum("DownloadLeaderboard" in r["path"] for r in kaggle.requests)
    before = _state(kaggle_settings)

    setup_file.apply_declared(kaggle_settings, folder)

    assert sum("DownloadLeaderboard" in r["path"] for r in kaggle.requests) == downloads
    assert _state(kaggle_settings) == before
    assert _competition(kaggle_settings, "spaceship-titanic")["teams"] == 200


def test_a_competition_kaggle_does_not_list_is_refused_before_anything_is_written(
    kaggle: KaggleStandIn, kaggle_settings: Settings, tmp_path: Path
) -> None:
    kaggle.add_competition("house-prices", title="House Prices", metric="RMSE")
    before = _state(kaggle_settings)
    with pytest.raises(SetupError, match="declared competition 'spaceship-titanic'.*no 'spaceship-titanic'"):
        setup_file.apply_declared(kaggle_settings, _declare(tmp_path / "decl"))
    assert _state(kaggle_settings) == before


def test_a_failure_while_writing_leaves_nothing_of_the_setup_behind(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events, participants and both competitions are written in one transaction: the last write fails,
    so the first ones are rolled back too, and applying again afterwards completes the setup."""
    before = _state(settings)
    folder = _declare(tmp_path / "decl")

    def full_disk(*args: Any) -> None:
        raise OSError("No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(registry, "set_direction", full_disk)  # the house-prices competition's last step
        with pytest.raises(OSError, match="No space left"):
            setup_file.apply_declared(settings, folder)
    assert _state(settings) == before
    setup_file.apply_declared(settings, folder)
    assert len(_state(settings)["competitions"]) == 2 and len(_state(settings)["participants"]) == 3


def with_baselines(value: str) -> str:
    """EVENT_TOML with `baselines = value` on its first competition (spaceship-titanic)."""
    return EVENT_TOML.replace("points = 100\n", f"points = 100\n  baselines = {value}\n")


BAD_TOML: dict[str, tuple[str, str]] = {
    "not toml": ("[[events]\nslug = ", "event.toml is not valid TOML: "),
    "unknown top key": ("[[event]]\nslug = 'x'\n", "event.toml: the top level: unknown key 'event'"),
    "unknown event key": (EVENT_TOML.replace("start =", "begin ="), "event #1: unknown key 'begin'"),
    "unknown competition key": (EVENT_TOML.replace('status = "upcoming"', 'stat = "upcoming"'),
                                "event 'neural-night-2026', competition #2: unknown key 'stat'"),
    "bad status": (EVENT_TOML.replace('"upcoming"', '"running"'),
                   "competition 'house-prices': status must be one of upcoming, ongoing, completed, not 'running'"),
    "bad event slug": (EVENT_TOML.replace('"neural-night-2026"', '"neural night!"'),
                       "slug 'neural night!' must be lowercase letters, digits and dashes"),
    "bad competition slug": (EVENT_TOML.replace('slug = "spaceship-titanic"', 'slug = "not a slug!"'),
                             "is not a Kaggle competition"),
    "slug and url": (EVENT_TOML.replace('slug = "spaceship-titanic"', 'slug = "a"\n  url = "b"'),
                     "give the competition's slug or its url"),
    "partial scoring": (EVENT_TOML.replace("points = 100\n", ""), "set worst, best and points together"),
    "bad direction": (EVENT_TOML.replace('"lower"', '"down"'), "direction must be one of higher, lower, auto"),
    "bad date": (EVENT_TOML.replace("end = 2026-11-27", 'end = "next friday"'), "end must be a date"),
    "ends before it starts": (EVENT_TOML.replace("end = 2026-11-27", "end = 2026-11-01"), "ends before it starts"),
    "declared twice": (EVENT_TOML.replace("house-prices/leaderboard", "spaceship-titanic"),
                       "competition 'spaceship-titanic' is declared twice"),
    "auto_sync not a switch": (EVENT_TOML.replace("auto_sync = true", 'auto_sync = "yes"'),
                               "auto_sync must be true or false"),
    "secret setting": (EVENT_TOML + 'admin_password = "hunter2"\n', "admin_password is a secret"),
    "unknown setting": (EVENT_TOML + "colour = 3\n", "[settings]: unknown key 'colour'"),
    "bad setting": (EVENT_TOML.replace("sync_interval = 120", "sync_interval = -5"),
                    "sync_interval must be a number of at least 0"),
    "baseline NaN": (with_baselines("[0.7, nan]"),
                     "competition 'spaceship-titanic': baselines must be finite numbers, not nan"),
    "baseline infinity": (with_baselines("[-inf]"),
                          "competition 'spaceship-titanic': baselines must be finite numbers, not -inf"),
    "baseline a word": (with_baselines('[0.7, "0.8x"]'),
                        "competition 'spaceship-titanic': baselines must be numbers, not '0.8x'"),
    "baseline a switch": (with_baselines("[true]"),
                          "competition 'spaceship-titanic': baselines must be numbers, not 'True'"),
    "baselines not an array": (with_baselines('"0.7, 0.8"'),
                               "competition 'spaceship-titanic': baselines must be an array of numbers like "
                               "[0.75, 0.8], not '0.7, 0.8'"),
    "too many baselines": (with_baselines(str(list(range(51)))),
                           "competition 'spaceship-titanic': at most 50 baselines, not 51"),
}

BAD_CSV: dict[str, tuple[str, str]] = {
    "no username column": ("name,email\nAda,a@x\n", "participants.csv: the header 'name,email' has no kaggle_username"),
    "bad username": ("kaggle_username\nada\nnot valid!\n", "participants.csv: row 3: 'not valid!' is not a Kaggle"),
    "listed twice": ("kaggle_username\nada\nADA\n", "participants.csv: row 3: 'ADA' is listed twice (also row 2)"),
}


@pytest.fixture
def occupied(settings: Settings) -> Settings:
    """A database with contents of its own, which a refused file must leave exactly as they are."""
    with db.connect(settings) as con:
        registry.add_event(con, "existing", "Existing event")
        registry.add_competition(con, CompetitionFacts("existing-comp", "Existing"), event="existing",
                                 status="completed")
        registry.add_participant(con, "someone")
    return settings


@pytest.mark.parametrize("case", list(BAD_TOML))
def test_a_bad_event_toml_is_refused_with_one_line_and_changes_nothing(
    case: str, occupied: Settings, tmp_path: Path
) -> None:
    text, reason = BAD_TOML[case]
    before = _state(occupied)
    with pytest.raises(SetupError) as refused:
        setup_file.apply_declared(occupied, _declare(tmp_path / "decl", text))
    message = str(refused.value)
    assert reason in message and "event.toml" in message and "\n" not in message
    assert _state(occupied) == before


@pytest.mark.parametrize("case", list(BAD_CSV))
def test_a_bad_participants_csv_is_refused_and_changes_nothing(case: str, occupied: Settings, tmp_path: Path) -> None:
    text, reason = BAD_CSV[case]
    before = _state(occupied)
    with pytest.raises(SetupError) as refused:
        setup_file.apply_declared(occupied, _declare(tmp_path / "decl", people=text))
    assert reason in str(refused.value) and "\n" not in str(refused.value)
    assert _state(occupied) == before


def test_participants_alone_can_be_declared(settings: Settings, tmp_path: Path) -> None:
    summary = setup_file.apply_declared(settings, _declare(tmp_path / "decl", toml=None))
    assert summary is not None and "0 events (0 new), 0 competitions (0 new), 3 participants registered" in summary


def test_export_then_apply_into_a_fresh_database_rebuilds_the_same_setup(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.connect(settings) as con:
        registry.add_event(con, "night", 'Night "☕" \\ 夜', "2026-11-20", None, "line one\nline two\ttab")
        registry.add_event(con, "later", "Later")
        registry.add_competition(con, CompetitionFacts("comp-a", "A = 1", metric="MAE",
                                                       deadline=datetime(2026, 12, 1, 23, 59)),
                                 event="night", status="completed", auto_sync=False)
        registry.set_direction(con, "comp-a", "lower")
        registry.set_scoring(con, "comp-a", 2.5, 0.25, 50)
        registry.add_competition(con, CompetitionFacts("comp-b", "B"), event="later", status="upcoming")
        registry.add_competition(con, CompetitionFacts("loose", "No event"), status="upcoming")
        registry.add_participant(con, "ada", 'Ada "the first", Lovelace')
        registry.add_participant(con, "Bob.B", "=cmd|' /C calc'!A0")
        registry.add_participant(con, "carol")
        toml, people = setup_file.export_setup(con)

    monkeypatch.setenv("MLBATTLE_DB", str(tmp_path / "fresh" / "mlbattle.duckdb"))
    fresh = settings_module.load(secrets={})
    setup_file.apply_declared(fresh, _declare(tmp_path / "exported", toml, people))

    original, rebuilt = _state(settings), _state(fresh)
    assert rebuilt["events"] == original["events"]
    assert rebuilt["participants"] == original["participants"]
    assert sorted(rebuilt["competitions"]) == sorted(original["competitions"])
    with db.connect(fresh) as con:
        assert setup_file.export_setup(con) == (toml, people)


GRADED = [(1, "A", 0.91, "ada"), (2, "B", 0.82, "bob"), (0, "Benchmark", 0.80, ""), (3, "C", 0.70, "carol")]


def _thresholds(settings: Settings, slug: str) -> list[float]:
    with db.connect(settings) as con:
        return [b.score for b in grades.baselines(con, slug) if b.source == "organiser"]


def _graded(settings: Settings, slug: str) -> grades.Grades:
    with db.connect(settings) as con:
        return grades.grades(con, slug)


def test_baselines_travel_with_the_exported_setup_and_grade_the_same_after_a_redeploy(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_fetch
) -> None:
    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts("course", "Course", metric="Accuracy"), status="completed")
        registry.add_competition(con, CompetitionFacts("no-thresholds", "Plain"), status="completed")
        grades.set_baselines(con, "course", [0.75, 0.85, 1e-05])
        for name in ("ada", "bob", "carol"):
            registry.add_participant(con, name)
        toml, people = setup_file.export_setup(con)
    assert "baselines = [0.75, 0.85, 1e-05]" in toml
    assert toml.count("baselines") == 1  # none written for a competition without them
    sync.sync("course", settings, fetch=local_fetch({"course": zip_of("course", GRADED)}))

    monkeypatch.setenv("MLBATTLE_DB", str(tmp_path / "fresh" / "mlbattle.duckdb"))
    fresh = settings_module.load(secrets={})
    setup_file.apply_declared(fresh, _declare(tmp_path / "exported", toml, people))
    sync.sync("course", fresh, fetch=local_fetch({"course": zip_of("course", GRADED)}))

    assert sorted(_state(fresh)["competitions"]) == sorted(_state(settings)["competitions"])
    original, rebuilt = _graded(settings, "course"), _graded(fresh, "course")
    assert [b.score for b in rebuilt.baselines if b.source == "organiser"] == [0.75, 0.85, 1e-05]
    assert rebuilt.baselines == original.baselines and rebuilt.rows() == original.rows()
    assert [row[3] for row in rebuilt.rows()] == [4, 3, 1]  # of 0.8 (the benchmark), 0.75, 0.85 and 1e-05
    with db.connect(fresh) as con:
        assert setup_file.export_setup(con) == (toml, people)


def test_declared_baselines_replace_the_stored_ones_an_empty_array_clears_them_and_leaving_the_key_out_keeps_them(
    settings: Settings, tmp_path: Path
) -> None:
    declared = with_baselines("[0.6, 0.9]")
    setup_file.apply_declared(settings, _declare(tmp_path / "one", declared))
    assert _thresholds(settings, "spaceship-titanic") == [0.6, 0.9]
    setup_file.apply_declared(settings, _declare(tmp_path / "two", EVENT_TOML))
    assert _thresholds(settings, "spaceship-titanic") == [0.6, 0.9]
    cleared = with_baselines("[]")
    setup_file.apply_declared(settings, _declare(tmp_path / "three", cleared))
    assert _thresholds(settings, "spaceship-titanic") == []


def test_a_bad_baseline_for_an_existing_competition_is_refused_and_its_baselines_stay(
    occupied: Settings, tmp_path: Path
) -> None:
    with db.connect(occupied) as con:
        grades.set_baselines(con, "existing-comp", [0.5])
    before = _state(occupied)
    toml = '[[competitions]]\nslug = "existing-comp"\nstatus = "ongoing"\nbaselines = [0.6, inf]\n'
    with pytest.raises(SetupError) as refused:
        setup_file.apply_declared(occupied, _declare(tmp_path / "decl", toml, people=None))
    assert str(refused.value).endswith("event.toml: competition 'existing-comp': baselines must be finite numbers, "
                                       "not inf")
    assert _state(occupied) == before
    assert _thresholds(occupied, "existing-comp") == [0.5]
