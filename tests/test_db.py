"""Sharing one DuckDB file between the app and a cron job: short connections, waits, migrations."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from mlbattle import db, queries, registry


def hold_database(path: str, seconds: float) -> subprocess.Popen:
    """Another process (the cron job, say) holding the file open for writing."""
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time, duckdb
        con = duckdb.connect({path!r})
        con.execute("CREATE TABLE IF NOT EXISTS held (x INTEGER)")
        print("held", flush=True)
        time.sleep({seconds})
        con.close()
    """)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "held"
    return child


def test_migrations_are_applied_once_and_recorded(settings):
    with db.connect(settings) as con:
        assert db.migrate(con) == len(queries.MIGRATIONS)
        assert con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(queries.MIGRATIONS)


def test_a_database_of_the_first_schema_keeps_its_runs_through_the_migrations(settings):
    Path(settings.db).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(settings.db)
    con.execute(queries.CREATE_SCHEMA_VERSION)
    for statement in queries.MIGRATIONS[0]:
        con.execute(statement)
    con.execute(queries.SET_SCHEMA_VERSION, [1])
    con.execute("INSERT INTO sync_runs (id, competition_slug, trigger, started_at, finished_at, outcome, rows)"
                " VALUES ('run-1', 'cup', 'manual', TIMESTAMP '2026-11-01 10:00', TIMESTAMP '2026-11-01 10:01',"
                " 'created', 42)")
    con.close()
    with db.connect(settings) as con:
        assert con.execute("SELECT id, competition_slug, outcome, rows FROM sync_runs").fetchall() == [
            ("run-1", "cup", "created", 42)]
        assert con.execute(queries.SCHEMA_VERSION).fetchone()[0] == len(queries.MIGRATIONS)


def test_no_table_a_sync_writes_carries_an_index(settings):
    """DuckDB writes an index out again at every checkpoint touching its table, so a sync's cost would grow
    with the table (the run log's primary key cost 21 ms per sync at 20,000 runs)."""
    with db.connect(settings) as con:
        indexed = con.execute(
            "SELECT table_name FROM duckdb_constraints() WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
            " AND table_name IN ('kaggle_rows', 'kaggle_members', 'sync_runs', 'history', 'competitions')"
            " AND database_name = current_database()").fetchall()
    assert indexed == [("competitions",)]  # one row per competition: its index stays tiny


def test_a_connection_waits_while_another_process_holds_the_file(settings):
    with db.connect(settings):
        pass
    child = hold_database(settings.db, 1.5)
    try:
        with db.connect(settings) as con:
            registry.add_participant(con, "waited", None)
    finally:
        child.wait(10)
    with db.connect(settings) as con:
        assert con.execute("SELECT count(*) FROM participants").fetchone()[0] == 1


def test_a_file_held_too_long_gives_a_clear_busy_error(settings):
    with db.connect(settings):
        pass
    impatient = replace(settings, db_busy_timeout=0.5)
    child = hold_database(settings.db, 3)
    try:
        with pytest.raises(db.DatabaseBusy, match="stayed busy"):
            with db.connect(impatient):
                pass
    finally:
        child.wait(10)


def test_many_threads_open_and_close_connections_at_once(settings):
    errors = []

    def work(n):
        try:
            for i in range(10):
                with db.connect(settings) as con:
                    con.execute("SELECT count(*) FROM participants").fetchone()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_a_failed_transaction_leaves_nothing(settings):
    with db.connect(settings) as con:
        with pytest.raises(RuntimeError):
            with db.transaction(con):
                registry.add_participant(con, "ghost", None)
                raise RuntimeError("boom")
        assert con.execute("SELECT count(*) FROM participants").fetchone()[0] == 0


def test_each_write_is_folded_into_the_file_so_no_attach_replays_a_log(settings):
    """Every attach after a write, in any process, would replay a log left behind; none is."""
    wal = Path(settings.db + ".wal")
    sizes = []
    for batch in range(40):
        with db.connect(settings) as con:
            registry.import_participants(con, [(f"user_{batch}_{i:04d}", "x" * 40) for i in range(500)])
        sizes.append(wal.stat().st_size if wal.exists() else 0)
    assert sizes == [0] * 40
    seen = subprocess.run([sys.executable, "-c", "import duckdb, sys; print(duckdb.connect(sys.argv[1]).execute("
                           "'SELECT count(*) FROM participants').fetchone()[0])", settings.db],
                          capture_output=True, text=True, check=True)
    assert seen.stdout.strip() == "20000"


def _block_size(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT block_size FROM pragma_database_size() WHERE database_name = current_database()"
                       ).fetchone()[0]


def test_a_new_file_gets_small_blocks_and_a_file_made_with_duckdbs_default_still_opens(settings, tmp_path):
    """Smaller blocks make each sync's checkpoint cheaper; a file keeps the block size it was made with."""
    with db.connect(settings) as con:
        assert _block_size(con) == db.BLOCK_SIZE < 262144
    older = tmp_path / "made-by-duckdb-defaults.duckdb"
    duckdb.connect(str(older)).close()
    older_settings = replace(settings, db=str(older))
    with db.connect(older_settings) as con:
        registry.add_participant(con, "still_writable", None)
        assert _block_size(con) == 262144
    with db.connect(older_settings) as con:
        assert con.execute("SELECT kaggle_username FROM participants").fetchall() == [("still_writable",)]


def test_a_process_killed_after_a_commit_loses_nothing(settings):
    with db.connect(settings):
        pass
    subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import os
        from mlbattle import db, registry
        from mlbattle.settings import Settings
        settings = Settings(db={settings.db!r})
        con = db._engine.enter(settings)
        registry.add_participant(con, "survivor", None)
        os._exit(0)  # no detach, no checkpoint, no clean shutdown
    """)], check=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    with db.connect(settings) as con:
        assert con.execute("SELECT kaggle_username FROM participants").fetchall() == [("survivor",)]


def test_overlapping_units_of_work_share_the_file_and_release_it_together(settings):
    def other_process_opens() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1]).close()",
                               settings.db], capture_output=True, text=True)

    with db.connect(settings) as outer:
        with db.connect(settings) as inner:
            registry.add_participant(inner, "inner", None)
        assert outer.execute("SELECT count(*) FROM participants").fetchone()[0] == 1
        held = other_process_opens()
        assert held.returncode != 0 and "lock" in held.stderr.lower()
    assert other_process_opens().returncode == 0


def test_a_transaction_opened_inside_another_joins_it(settings):
    with db.connect(settings) as con:
        con.execute("CREATE TABLE notes (x INTEGER)")
        with pytest.raises(RuntimeError):
            with db.transaction(con):
                con.execute("INSERT INTO notes VALUES (1)")
                with db.transaction(con):  # e.g. registry.import_participants inside a larger write
                    con.execute("INSERT INTO notes VALUES (2)")
                raise RuntimeError("the outer write fails after the inner one finished")
        assert con.execute("SELECT count(*) FROM notes").fetchone()[0] == 0
        with db.transaction(con):
            with db.transaction(con):
                con.execute("INSERT INTO notes VALUES (3)")
        assert con.execute("SELECT x FROM notes").fetchall() == [(3,)]


def test_a_file_in_duckdbs_older_default_format_is_upgraded_with_its_data(settings):
    """Files made before the store asked for DuckDB's newest format keep working and move to it."""
    import struct

    Path(settings.db).parent.mkdir(parents=True, exist_ok=True)
    old = duckdb.connect(settings.db)  # DuckDB's default: the v0.10-compatible format
    old.execute("CREATE TABLE notes (x INTEGER)")
    old.execute("INSERT INTO notes VALUES (42)")
    old.close()

    def version() -> int:
        with open(settings.db, "rb") as raw:
            return struct.Struct("<8x4sQ").unpack(raw.read(20))[1]

    before = version()
    with db.connect(settings) as con:
        assert con.execute("SELECT x FROM notes").fetchall() == [(42,)]
        registry.add_participant(con, "ann", "Ann")
        con.execute("CHECKPOINT")
    assert version() > before
    with db.connect(settings) as con:
        assert con.execute("SELECT x FROM notes").fetchall() == [(42,)]
        assert con.execute("SELECT count(*) FROM participants").fetchone()[0] == 1
