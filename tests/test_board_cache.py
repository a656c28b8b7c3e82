"""The board a process keeps from its last load: used only while the store still holds that download."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pyarrow as pa
import pytest

from mlbattle import db, queries, registry, sync
from mlbattle.board_cache import BOARDS, BoardCache, Held
from tests.support.boards import zip_of
from tests.test_sync import stored_board

SLUG = "cache-cup"
FIRST = [(1, "A", 0.9, "ann"), (2, "B", 0.8, "ben"), (3, "C", 0.7, "cy")]
SECOND = [(1, "B", 0.95, "ben"), (2, "A", 0.9, "ann"), (3, "C", 0.7, "cy")]
THIRD = [*FIRST, (4, "D", 0.1, "dee")]  # against FIRST, only D would look new


def table(rows: int) -> pa.Table:
    return pa.table({"x": pa.array(range(rows), type=pa.int64())})


def held(content_hash: str, rows: int) -> Held:
    return Held(content_hash, table(rows), table(0), (0, 0))


def test_a_board_is_returned_only_for_the_download_it_came_from():
    cache = BoardCache()
    cache.put(("db", "cup"), held("hash-1", 3))
    assert cache.get(("db", "cup"), "hash-1").board.num_rows == 3
    assert cache.get(("db", "cup"), "hash-2") is None
    assert cache.get(("db", "cup"), None) is None
    assert cache.get(("other.duckdb", "cup"), "hash-1") is None
    cache.forget(("db", "cup"))
    assert cache.get(("db", "cup"), "hash-1") is None


def test_the_oldest_board_goes_first_past_the_budget_and_a_huge_one_is_not_kept():
    one = table(1000)
    cache = BoardCache(max_bytes=one.nbytes * 5)
    for name in "abcde":
        cache.put(("db", name), held(name, 1000))
    assert cache.get(("db", "a"), "a") is not None  # now the most recently used
    cache.put(("db", "f"), held("f", 1000))
    assert cache.get(("db", "b"), "b") is None
    assert all(cache.get(("db", n), n) is not None for n in "acdef")
    cache.put(("db", "g"), held("g", 1000 * 2))  # over a quarter of the budget
    assert cache.get(("db", "g"), "g") is None


@pytest.fixture
def cup(settings):
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts(SLUG, "Cache Cup"))
    return settings


def _sync_in_another_process(settings, zip_path) -> str:
    code = textwrap.dedent(f"""
        import shutil
        from pathlib import Path
        from mlbattle import sync
        from mlbattle.settings import Settings

        def fetch(slug, folder):
            return Path(shutil.copy({str(zip_path)!r}, folder / "lb.zip"))

        print(sync.sync({SLUG!r}, Settings(db={settings.db!r}), fetch=fetch).outcome)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.strip()


def test_a_load_by_another_process_in_between_is_noticed(cup, local_fetch, tmp_path):
    """This process holds FIRST; another loads SECOND; this one's THIRD must compare with SECOND, not FIRST."""
    assert sync.sync(SLUG, cup, fetch=local_fetch({SLUG: zip_of(SLUG, FIRST)})).outcome == "created"
    second = tmp_path / "second.zip"
    second.write_bytes(zip_of(SLUG, SECOND))
    assert _sync_in_another_process(cup, second) == "updated"
    third = sync.sync(SLUG, cup, fetch=local_fetch({SLUG: zip_of(SLUG, THIRD)}))
    assert (third.outcome, third.created, third.updated, third.removed) == ("updated", 1, 2, 0)
    rows, members = stored_board(cup, SLUG)
    assert [r[3] for r in rows] == ["A", "B", "C", "D"]
    assert [m for m in members if m[0] == 4] == [(4, "dee")]


def test_a_load_that_fails_in_its_transaction_leaves_no_board_behind(cup, local_fetch, monkeypatch):
    assert sync.sync(SLUG, cup, fetch=local_fetch({SLUG: zip_of(SLUG, FIRST)})).outcome == "created"
    from mlbattle import loader

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(loader, "record_run", broken)
        assert sync.sync(SLUG, cup, fetch=local_fetch({SLUG: zip_of(SLUG, SECOND)})).outcome == "failed"
    with db.connect(cup) as con:
        held = con.execute(queries.LOADED_STATE, [SLUG]).fetchone()[0]
    assert BOARDS.get((cup.db, SLUG), held) is None  # dropped before the write, whatever became of it
    assert [r[3] for r in stored_board(cup, SLUG)[0]] == ["A", "B", "C"]
    assert sync.sync(SLUG, cup, fetch=local_fetch({SLUG: zip_of(SLUG, SECOND)})).outcome == "updated"
    assert [r[3] for r in stored_board(cup, SLUG)[0]] == ["B", "A", "C"]


def test_a_participant_registered_or_removed_between_syncs_is_in_the_next_snapshot_or_not(cup, local_fetch):
    """Between these syncs no member rows change, so only the participants decide whether matches are reused."""
    again = [(1, "A", 0.9, "ann"), (2, "B", 0.85, "ben"), (3, "C", 0.7, "cy")]  # B improved, same members
    later = [(1, "A", 0.91, "ann"), (2, "B", 0.85, "ben"), (3, "C", 0.7, "cy")]
    with db.connect(cup) as con:
        registry.add_participant(con, "ann", "Ann")
    sync.sync(SLUG, cup, fetch=local_fetch({SLUG: zip_of(SLUG, FIRST)}))
    with db.connect(cup) as con:
        registry.add_participant(con, "ben", "Ben")
    assert sync.sync(SLUG, cup, fetch=local_fetch({SLUG: zip_of(SLUG, again)})).matched == 2
    with db.connect(cup) as con:
        registry.remove_participant(con, "ann")
    assert sync.sync(SLUG, cup, fetch=local_fetch({SLUG: zip_of(SLUG, later)})).matched == 1
    with db.connect(cup) as con:
        snapshots = con.execute("SELECT sync_id, list(username_key ORDER BY username_key) FROM history "
                                "GROUP BY sync_id ORDER BY min(synced_at)").fetchall()
    assert [names for _, names in snapshots] == [["ann"], ["ann", "ben"], ["ben"]]
