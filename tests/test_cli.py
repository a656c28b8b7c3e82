"""The command line end to end: a real subprocess, the stand-in Kaggle, a DuckDB file in a temporary folder."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlbattle.export import PLATFORM_COLUMNS
from tests.support.boards import zip_of
from tests.support.cli_support import ROOT, fails, ok, run

SLUG = "spaceship-titanic"
ROWS = [(1, "=cmd|' /C calc'!A0", 0.82, "Ann, bob"), (2, "Solo", 0.80, "cy"), (0, "Benchmark", 0.5, ""),
        (3, "Late", 0.7, "dee")]


@pytest.fixture
def cli_env(kaggle, kaggle_env):
    kaggle.add_competition(SLUG, title="Spaceship Titanic", metric="Categorization Accuracy", ref_as_url=True)
    kaggle.set_leaderboard(SLUG, zip_of(SLUG, ROWS))
    return kaggle_env


def test_the_whole_flow(cli_env, tmp_path):
    ok(cli_env, "events", "add", "neural-night", "--title", "Neural Night", "--start", "2026-11-20", "--end",
       "2026-11-27")
    ok(cli_env, "participants", "add", "ann", "--name", "Ann")
    people = tmp_path / "people.csv"
    people.write_text("\ufeffkaggle_username,name\nBOB,Bob\n\ncy,Cy\nann,Again\nnot valid!,X\n", encoding="utf-8")
    done = ok(cli_env, "participants", "import", str(people))
    assert "2 participants registered, 2 skipped" in done.stdout
    done = ok(cli_env, "competitions", "add", f"https://www.kaggle.com/competitions/{SLUG}/leaderboard",
              "--event", "neural-night")
    assert "created: 4 rows, 3 participants matched" in done.stdout
    done = ok(cli_env, "sync", SLUG)
    assert done.stdout.startswith(f"{SLUG}: unchanged")
    done = ok(cli_env, "leaderboard", SLUG, "--csv")
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(table[0])[: len(PLATFORM_COLUMNS)] == list(PLATFORM_COLUMNS)
    assert [(r["platform_rank"], r["kaggle_rank"], r["kaggle_username"]) for r in table] == [
        ("1", "1", "ann"), ("1", "1", "BOB"), ("2", "2", "cy")]
    assert table[0]["team_name"] == "'=cmd|' /C calc'!A0"
    done = ok(cli_env, "leaderboard", SLUG, "--csv", "--all-teams")
    assert len(list(csv.DictReader(io.StringIO(done.stdout)))) == 4
    ok(cli_env, "competitions", "list")


def test_sync_all_covers_ongoing_auto_sync_competitions_and_fails_with_status_1(cli_env, kaggle):
    ok(cli_env, "competitions", "add", SLUG)
    kaggle.add_competition("second-cup", title="Second")
    ok(cli_env, "competitions", "add", "second-cup", "--status", "upcoming")
    kaggle.fail_next("500", times=10, slug=SLUG)
    done = run(cli_env, "sync", "--all")
    assert done.returncode == 1
    assert done.stderr.strip() == f"{SLUG}: failed: Kaggle answered 500 for competition '{SLUG}'"
    assert "second-cup" not in done.stdout + done.stderr


def test_a_failed_first_sync_keeps_the_competition_and_exits_0(cli_env, kaggle):
    kaggle.fail_next("403", times=1, slug=SLUG)
    done = ok(cli_env, "competitions", "add", SLUG)
    assert "first sync failed" in done.stderr and "403" in done.stderr
    assert SLUG in ok(cli_env, "competitions", "list").stdout


def test_setting_a_competition_ongoing_syncs_it(cli_env):
    ok(cli_env, "competitions", "add", SLUG, "--status", "upcoming")
    done = ok(cli_env, "competitions", "set", SLUG, "--status", "ongoing")
    assert f"{SLUG}: created" in done.stdout


@pytest.mark.parametrize("args, message", [
    (("participants", "add", "bad name"), "not a Kaggle username"),
    (("participants", "add", "аnn"), "non-ASCII"),
    (("events", "add", "Bad Slug", "--title", "x"), "lowercase letters"),
    (("events", "add", "ok", "--title", "x", "--start", "tomorrow"), "must be a date"),
    (("competitions", "add", "not a url at all"), "not a Kaggle competition"),
    (("competitions", "add", "nope-nope"), "no 'nope-nope'"),
    (("sync",), "nothing to sync"),
    (("sync", "never-imported"), "import it first"),
    (("leaderboard", "never-imported"), "import it first"),
    (("participants", "import", "/does/not/exist.csv"), "does not exist"),
    (("restore", "/does/not/exist.zip"), ""),
])
def test_failures_are_one_line_on_stderr_with_exit_1(cli_env, args, message):
    done = fails(cli_env, *args)
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_sync_all_with_nothing_ongoing_is_not_an_error_for_cron(cli_env):
    assert "nothing to sync" in ok(cli_env, "sync", "--all").stdout


def test_duplicates_are_refused_whatever_the_case(cli_env):
    ok(cli_env, "participants", "add", "Ann")
    assert "already registered" in fails(cli_env, "participants", "add", " ANN ").stderr


def test_without_credentials_sync_says_what_to_set(app_env):
    ok(app_env, "events", "add", "e", "--title", "E")
    done = fails(app_env, "competitions", "add", SLUG)
    assert "KAGGLE_USERNAME and KAGGLE_KEY" in done.stderr


def test_help_runs_without_a_database(app_env):
    assert "usage" in ok(app_env, "--help").stdout
    assert not Path(app_env["MLBATTLE_DB"]).exists()


def test_sync_all_with_nothing_due_imports_neither_the_parser_nor_kaggle(app_env):
    """The cron command runs every few minutes: it must not pay for Arrow, pandas or the Kaggle client.

    (The first run creates the database, and DuckDB imports pandas to bind the migrations' parameters.)"""
    ok(app_env, "sync", "--all")
    code = ("import sys; from mlbattle import cli; code = cli.main(['sync', '--all']); "
            "print(sorted({'pyarrow', 'pandas', 'numpy', 'kaggle', 'kagglesdk'} & set(sys.modules)), code)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **app_env},
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "[] 0", done.stderr


def test_leaderboard_csv_adds_board_medal_previous_and_public_rank_in_the_specs_order(cli_env, kaggle):
    ok(cli_env, "participants", "add", "ann")
    ok(cli_env, "participants", "add", "cy")
    ok(cli_env, "competitions", "add", SLUG)
    kaggle.set_leaderboard(SLUG, zip_of(SLUG, [(1, "Solo", 0.85, "cy"), (2, "Pair", 0.82, "Ann, bob"),
                                                (0, "Benchmark", 0.5, ""), (3, "Late", 0.7, "dee")]))
    ok(cli_env, "sync", SLUG)
    done = ok(cli_env, "leaderboard", SLUG, "--csv")
    header, *rows = list(csv.reader(io.StringIO(done.stdout)))
    assert header == ["platform_rank", "kaggle_rank", "participant", "kaggle_username", "team_name", "score",
                      "submission_count", "last_submission", "board", "medal", "previous_rank", "public_rank"]
    # 3 ranked teams: gold, silver and bronze all end at rank 1.
    assert [(r[3], r[8], r[9], r[10], r[11]) for r in rows] == [
        ("cy", "public", "gold", "2", ""), ("ann", "public", "", "1", "")]
    done = ok(cli_env, "leaderboard", SLUG, "--csv", "--all-teams")
    teams = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(t["team_name"], t["medal"], t["previous_rank"]) for t in teams] == [
        ("Solo", "gold", "2"), ("Pair", "", "1"), ("Benchmark", "", ""), ("Late", "", "")]
    done = ok(cli_env, "leaderboard", SLUG)
    assert "🥇▲1" in done.stdout.splitlines()[0] and "▼1" in done.stdout.splitlines()[1]
