"""Sharing one DuckDB file between the app and a cron job: short connections, waits, migrations."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from dataclasses import replace

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
