"""The data kept in PostgreSQL (MLBATTLE_DB=postgresql://...): a real throwaway server, the real CLI."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlbattle import db, reads, setup_file
from mlbattle import settings as settings_module
from tests.support.boards import zip_of
from tests.support.cli_support import ROOT, ok
from tests.support.postgres_server import fresh_database, postgres_server  # noqa: F401 - the fixture

SLUG = "spaceship-titanic"
ROWS = [(1, "Stars", 0.82, "ann, bob"), (2, "Solo", 0.80, "cy"), (0, "Benchmark", 0.5, ""), (3, "Late", 0.7, "dee")]


@pytest.fixture
def pg_url(postgres_server) -> str:  # noqa: F811 - the imported fixture
    return fresh_database(postgres_server)


@pytest.fixture
def pg_env(kaggle, kaggle_env, pg_url, monkeypatch) -> dict[str, str]:
    kaggle.add_competition(SLUG, title="Spaceship Titanic", metric="Categorization Accuracy")
    kaggle.set_leaderboard(SLUG, zip_of(SLUG, ROWS))
    monkeypatch.setenv("MLBATTLE_DB", pg_url)
    return {**kaggle_env, "MLBATTLE_DB": pg_url}


def board(env: dict[str, str]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(ok(env, "leaderboard", SLUG, "--csv").stdout)))


def test_the_whole_cli_flow_keeps_its_data_in_postgres(pg_env, pg_url):
    ok(pg_env, "events", "add", "night", "--title", "Night")
    ok(pg_env, "participants", "add", "ann", "--name", "Ann")
    ok(pg_env, "participants", "add", "CY")
    assert "created: 4 rows, 2 participants matched" in ok(pg_env, "competitions", "add", SLUG, "--event", "night").stdout
    assert ok(pg_env, "sync", "--all").stdout.startswith(f"{SLUG}: unchanged")
    assert [(r["platform_rank"], r["kaggle_username"]) for r in board(pg_env)] == [("1", "ann"), ("2", "CY")]
    import psycopg

    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT count(*) FROM kaggle_rows").fetchone()[0] == 4


def test_the_season_table_and_grades_work_on_postgres(pg_env):
    ok(pg_env, "participants", "add", "ann", "--name", "Ann")
    ok(pg_env, "participants", "add", "cy")
    ok(pg_env, "competitions", "add", SLUG)
    ok(pg_env, "competitions", "set", SLUG, "--baselines", "0.75, 0.81")
    grades_csv = list(csv.reader(io.StringIO(ok(pg_env, "grades", SLUG, "--csv").stdout)))
    assert grades_csv[1:] == [["Ann", "ann", "0.82", "3", "3", "", ""],
                              ["cy", "cy", "0.8", "2", "3", "threshold 0.81", "0.81"]]
    ratings = list(csv.DictReader(io.StringIO(ok(pg_env, "ratings", "--csv").stdout)))
    assert [(r["place"], r["kaggle_username"], r["competitions"]) for r in ratings] == [("1", "ann", "1"),
                                                                                        ("2", "cy", "1")]


def test_a_restart_that_loses_the_local_disk_keeps_the_data(pg_env, tmp_path):
    ok(pg_env, "participants", "add", "ann")
    ok(pg_env, "competitions", "add", SLUG)
    before = board(pg_env)
    shutil.rmtree(Path(pg_env["HOME"]))
    Path(pg_env["HOME"]).mkdir()
    assert board(pg_env) == before and before


def test_two_processes_syncing_at_once_load_once_and_both_succeed(pg_env, kaggle):
    ok(pg_env, "participants", "add", "ann")
    ok(pg_env, "competitions", "add", SLUG, "--status", "upcoming")
    kaggle.fail_next("slow", times=1, slug=SLUG)
    env = {**pg_env, "MLBATTLE_TOTAL_TIMEOUT": "60", "MLBATTLE_STALL_TIMEOUT": "20"}
    kaggle.drip_bytes_per_second = 2000
    procs = [subprocess.Popen([sys.executable, "-m", "mlbattle", "sync", SLUG], cwd=ROOT, env={**os.environ, **env},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    outcomes = sorted(out.split(":")[1].split()[0] for out, _ in outputs)
    assert outcomes == ["created", "unchanged"]
    with db.connect(settings_module.load(secrets={})) as con:
        assert con.execute("SELECT count(*) FROM kaggle_rows").fetchone()[0] == 4
        assert con.execute("SELECT count(*) FROM sync_runs WHERE outcome = 'failed'").fetchone()[0] == 0


def test_backup_then_restore_into_an_empty_database_gives_the_same_leaderboards(pg_env, postgres_server, tmp_path):  # noqa: F811
    ok(pg_env, "participants", "add", "ann")
    ok(pg_env, "participants", "add", "cy")
    ok(pg_env, "competitions", "add", SLUG)
    before = board(pg_env)
    ok(pg_env, "backup", str(tmp_path / "backup.zip"))
    empty = {**pg_env, "MLBATTLE_DB": fresh_database(postgres_server)}
    ok(empty, "restore", str(tmp_path / "backup.zip"))
    assert board(empty) == before


def test_the_declared_setup_applied_twice_gives_one_event(pg_env, tmp_path):
    folder = tmp_path / "declared"
    folder.mkdir()
    (folder / "event.toml").write_text(
        '[[events]]\nslug = "night"\ntitle = "Night"\n[[events.competitions]]\n'
        f'slug = "{SLUG}"\nstatus = "ongoing"\n')
    (folder / "participants.csv").write_text("kaggle_username,name\nann,Ann\n")
    settings = settings_module.load(secrets={})
    setup_file.apply_declared(settings, folder)
    setup_file.apply_declared(settings, folder)
    with db.connect(settings) as con:
        assert con.execute("SELECT count(*) FROM events").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM participants").fetchone()[0] == 1
        assert reads.competition(con, SLUG)["teams"] == 3


def test_a_held_download_is_kept_in_postgres_and_accepted_after_the_disk_is_lost(pg_env, kaggle, tmp_path):
    ok(pg_env, "participants", "add", "ann")
    ok(pg_env, "competitions", "add", SLUG)
    zeros = [(1, "Stars", 0.0, "ann, bob"), (2, "Solo", 0.0, "cy"), (3, "Late", 0.0, "dee")]
    kaggle.set_leaderboard(SLUG, zip_of(SLUG, zeros))
    held = subprocess.run([sys.executable, "-m", "mlbattle", "sync", SLUG], cwd=ROOT, env={**os.environ, **pg_env},
                          capture_output=True, text=True, timeout=120)
    assert held.returncode == 1 and f"{SLUG}: held: every ranked team has the same score" in held.stderr
    shutil.rmtree(Path(pg_env["HOME"]))
    Path(pg_env["HOME"]).mkdir()
    assert f"{SLUG}: updated" in ok(pg_env, "sync", SLUG, "--accept-held").stdout
    assert {r["score"] for r in board(pg_env)} == {"0.0"}
