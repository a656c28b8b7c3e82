"""Sync runs: atomic, one at a time, unchanged downloads write only a run, history grows with changes."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import threading
import time
import uuid
import zipfile
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mlbattle import db, loader, queries, reads, registry, sync
from mlbattle.board_cache import BOARDS
from mlbattle.held import accept as accept_held
from mlbattle.settings import Settings
from tests.support.boards import downloaded, zip_of, zip_with_csv

SLUG = "sync-cup"
FIRST = [(1, "A", 0.9, "ann"), (2, "B", 0.8, "ben"), (0, "Benchmark", 0.5, "")]
SECOND = [(1, "B", 0.95, "ben"), (2, "A", 0.91, "ann"), (3, "C", 0.7, "cy")]


@pytest.fixture
def competition(settings):
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts(SLUG, "Sync Cup", metric="Accuracy"))
        registry.add_participant(con, "ann", "Ann")
        registry.add_participant(con, "ben", "Ben")
    return SLUG


def dump(settings) -> dict[str, list]:
    """Everything but the run log, to prove a sync changed nothing else."""
    with db.connect(settings) as con:
        return {
            table: sorted(map(repr, con.execute(f"SELECT * FROM {table}").fetchall()))
            for table in ("competitions", "kaggle_rows", "kaggle_members", "history", "participants")
        }


def runs(settings):
    with db.connect(settings) as con:
        return reads.records(con, queries.RECENT_RUNS, [SLUG, SLUG, 100])


def test_first_sync_creates_then_a_change_updates_with_counts(settings, local_fetch, competition):
    first = sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, FIRST)}))
    assert (first.outcome, first.rows, first.matched, first.created) == ("created", 3, 2, 3)
    second = sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, SECOND)}))
    assert (second.outcome, second.created, second.updated, second.removed) == ("updated", 1, 2, 1)


def test_an_unchanged_download_records_a_run_and_writes_nothing_else(settings, local_fetch, competition):
    fetch = local_fetch({SLUG: zip_of(SLUG, FIRST)})
    sync.sync(SLUG, settings, fetch=fetch)
    before = dump(settings)
    result = sync.sync(SLUG, settings, fetch=fetch)
    assert result.outcome == "unchanged"
    assert dump(settings) == before
    assert [r["outcome"] for r in runs(settings)] == ["unchanged", "created"]


def _rezipped(data: bytes, compress_type: int, level: int | None = None) -> bytes:
    """The same member, compressed another way: what a re-zip of the same file on Kaggle's side gives."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info, = archive.infolist()
        csv_bytes = archive.read(info)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compress_type, compresslevel=level) as archive:
        archive.writestr(info.filename, csv_bytes)
    return buffer.getvalue()


@pytest.mark.parametrize("held", [True, False], ids=["board-held", "compared-in-sql"])
@pytest.mark.parametrize("compress_type, level", [(zipfile.ZIP_STORED, None), (zipfile.ZIP_DEFLATED, 1)],
                         ids=["stored", "deflate-level-1"])
def test_the_same_file_zipped_again_is_unchanged_and_its_hash_kept(settings, local_fetch, competition, held,
                                                                  compress_type, level):
    original = zip_of(SLUG, FIRST)
    again = _rezipped(original, compress_type, level)
    assert again != original
    sync.sync(SLUG, settings, fetch=local_fetch({SLUG: original}))
    before = dump(settings)
    if not held:
        BOARDS.forget((settings.db, SLUG))
    result = sync.sync(SLUG, settings, fetch=local_fetch({SLUG: again}))
    assert result.outcome == "unchanged" and result.matched == 2
    after = dump(settings)
    assert {table: rows for table, rows in after.items() if table != "competitions"} == {
        table: rows for table, rows in before.items() if table != "competitions"}
    assert sync.sync(SLUG, settings, fetch=local_fetch({SLUG: again})).outcome == "unchanged"
    assert [r["outcome"] for r in runs(settings)] == ["unchanged", "unchanged", "created"]
    changed = sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, SECOND)}))
    assert (changed.outcome, changed.created, changed.updated, changed.removed) == ("updated", 1, 2, 1)


def test_history_gets_one_snapshot_per_changed_download(settings, local_fetch, competition):
    for rows in (FIRST, FIRST, SECOND, SECOND):
        sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, rows)}))
    with db.connect(settings) as con:
        history = reads.records(con, queries.HISTORY, [SLUG])
    assert [(h["kaggle_username"], h["kaggle_rank"], h["score"]) for h in history] == [
        ("ann", 1, 0.9), ("ben", 2, 0.8), ("ann", 2, 0.91), ("ben", 1, 0.95)]


@pytest.mark.parametrize(
    "bad",
    [
        b"<html>Kaggle is down</html>",
        b"PK\x03\x04garbage",
        zip_with_csv(SLUG, "who,knows\r\n1,2\r\n"),
        zip_with_csv(SLUG, "Rank,TeamName,Score\r\n1,a,NaN-ish\r\n"),
    ],
)
def test_a_bad_download_leaves_the_previous_leaderboard_exactly_as_it_was(settings, local_fetch, competition, bad):
    sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, FIRST)}))
    before = dump(settings)
    result = sync.sync(SLUG, settings, fetch=local_fetch({SLUG: bad}))
    assert result.outcome == "failed" and result.error
    assert dump(settings) == before
    latest = runs(settings)[0]
    assert latest["outcome"] == "failed" and latest["error"] == result.error


def test_a_crash_inside_the_fetch_is_recorded_and_loses_nothing(settings, local_fetch, competition):
    sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, FIRST)}))
    before = dump(settings)

    def explode(slug, folder):
        raise RuntimeError("disk on fire")

    result = sync.sync(SLUG, settings, fetch=explode)
    assert result.outcome == "failed" and "disk on fire" in result.error
    assert dump(settings) == before


def test_no_temporary_files_are_left_after_success_or_failure(settings, local_fetch, competition):
    sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, FIRST)}))
    sync.sync(SLUG, settings, fetch=local_fetch({SLUG: b"not a zip"}))
    assert list((settings.data_dir / "tmp").iterdir()) == []


def test_an_unknown_competition_fails_without_downloading(settings):
    called = []
    result = sync.sync("nope", settings, fetch=lambda slug, folder: called.append(slug))
    assert result.outcome == "failed" and "import it first" in result.error and called == []


def test_direction_is_inferred_from_the_file(settings, local_fetch, competition):
    lower = [(1, "a", 0.1, "x"), (2, "b", 0.2, "y"), (3, "c", 0.5, "z")]
    sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, lower)}))
    with db.connect(settings) as con:
        assert reads.competition(con, SLUG)["direction"] == "lower"
        registry.set_direction(con, SLUG, "higher")
        assert reads.competition(con, SLUG)["direction"] == "higher"


@pytest.mark.parametrize("metric, expected", [("Root Mean Squared Error", "lower"), ("Accuracy", "higher"),
                                              ("MultiClass Log Loss", "lower"), (None, "higher")])
def test_the_metric_name_decides_when_the_file_cannot(settings, local_fetch, metric, expected):
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts("one-row", "One", metric=metric))
    sync.sync("one-row", settings, fetch=local_fetch({"one-row": zip_of("one-row", [(1, "a", 0.5, "x")])}))
    with db.connect(settings) as con:
        assert reads.competition(con, "one-row")["direction"] == expected


def test_page_views_only_sync_when_stale(settings, local_fetch, competition):
    fetch = local_fetch({SLUG: zip_of(SLUG, FIRST)})
    assert sync.sync(SLUG, settings, fetch=fetch, only_if_stale=True).outcome == "created"
    assert sync.sync(SLUG, settings, fetch=fetch, only_if_stale=True).outcome == "fresh"
    later = lambda: registry.now() + timedelta(seconds=settings.sync_interval + 1)  # noqa: E731
    assert sync.sync(SLUG, settings, fetch=fetch, only_if_stale=True, clock=later).outcome == "unchanged"


def test_a_burst_of_viewers_causes_one_download(settings, local_fetch, competition):
    calls = []
    inner = local_fetch({SLUG: zip_of(SLUG, FIRST)})

    def slow_fetch(slug, folder):
        calls.append(slug)
        time.sleep(0.5)
        return inner(slug, folder)

    results = []
    threads = [threading.Thread(target=lambda: results.append(
        sync.sync(SLUG, settings, fetch=slow_fetch, only_if_stale=True, trigger="view"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert sorted(r.outcome for r in results).count("created") == 1


def test_a_sync_held_by_another_process_is_not_started_twice(settings, local_fetch, competition):
    lock_path = settings.data_dir / "locks" / f"sync-{SLUG}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from filelock import FileLock
        with FileLock({str(lock_path)!r}):
            print("held", flush=True)
            time.sleep(3)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, FIRST)}), wait=False)
        assert result.outcome == "busy"
        waited = sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, FIRST)}), wait=True)
        assert waited.outcome == "created"
    finally:
        holder.wait(10)


def test_a_file_over_the_size_cap_is_refused(settings, local_fetch, competition):
    from dataclasses import replace

    small = replace(settings, max_download_bytes=1000)
    rows = [(i, f"team {i}", 1 - i / 1000, f"u{i}") for i in range(1, 200)]
    result = sync.sync(SLUG, small, fetch=local_fetch({SLUG: zip_of(SLUG, rows)}))
    assert result.outcome == "failed" and "limit" in result.error


def test_sync_many_goes_on_after_a_failure(settings, local_fetch, competition):
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts("second", "Second"))
    fetch = local_fetch({SLUG: b"junk", "second": zip_of("second", FIRST)})
    results = sync.sync_many([SLUG, "second"], settings, fetch=fetch)
    assert [r.outcome for r in results] == ["failed", "created"]


def test_auto_sync_covers_ongoing_competitions_with_auto_sync_on(settings):
    with db.connect(settings) as con:
        for slug, status, auto in (("a", "ongoing", True), ("b", "ongoing", False), ("c", "completed", True),
                                   ("d", "upcoming", True)):
            registry.add_competition(con, registry.CompetitionFacts(slug, slug), status=status, auto_sync=auto)
    assert sync.auto_sync_slugs(settings) == ["a"]


@pytest.mark.parametrize("env_on, status, auto, expected", [
    (True, "ongoing", True, True), (False, "ongoing", True, False), (True, "completed", True, False),
    (True, "upcoming", True, False), (True, "ongoing", False, False),
])
def test_page_views_refresh_only_ongoing_auto_sync_competitions(settings, local_fetch, env_on, status, auto,
                                                                 expected):
    from dataclasses import replace

    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts("view-cup", "V"), status=status, auto_sync=auto)
    chosen = replace(settings, auto_sync=env_on)
    result = sync.refresh_on_view("view-cup", chosen, fetch=local_fetch({"view-cup": zip_of("view-cup", FIRST)}))
    assert (result is not None and result.outcome == "created") == expected
    if expected:
        assert sync.refresh_on_view("view-cup", chosen, fetch=local_fetch({"view-cup": b"x"})) is None


def test_a_database_held_past_the_wait_fails_the_run_instead_of_raising(settings, local_fetch, competition):
    from dataclasses import replace

    from tests.test_db import hold_database

    impatient = replace(settings, db_busy_timeout=0.5)
    child = hold_database(settings.db, 2.5)
    try:
        result = sync.sync(SLUG, impatient, fetch=local_fetch({SLUG: zip_of(SLUG, FIRST)}))
    finally:
        child.wait(10)
    assert result.outcome == "failed" and "stayed busy" in result.error


def test_a_new_download_is_parsed_before_the_database_is_taken(settings, competition):
    """Another process takes the file while Kaggle's answer arrives: a file that does not parse fails with its
    own reason, which the sync finds out before it waits for the database (it would say "busy" otherwise)."""
    from dataclasses import replace

    from tests.test_db import hold_database

    holders = []

    def fetch_while_the_file_is_taken(slug, folder):
        holders.append(hold_database(settings.db, 2.5))
        target = folder / f"{slug}.zip"
        target.write_bytes(zip_with_csv(SLUG, "Rank,TeamId,TeamName,LastSubmissionDate,Score,SubmissionCount,"
                                              "TeamMemberUserNames\n1,1,a,,zero,1,ann\n"))
        return target

    impatient = replace(settings, db_busy_timeout=0.5)
    try:
        result = sync.sync(SLUG, impatient, fetch=fetch_while_the_file_is_taken)
    finally:
        holders[0].wait(10)
    assert result.outcome == "failed"
    assert result.error == "row 1 has a score that is not a number: 'zero'"


# ---------------------------------------------------------------- only changed rows are rewritten

TEAMS = ["A", "B", "C", "D", "e e"]
MEMBERS = ["ann", "ben", "ann, ben", "cy", "", " Dee ,x"]
board_rows = st.lists(st.tuples(st.integers(0, 4), st.sampled_from(TEAMS), st.sampled_from([None, 0.5, 0.7, 0.9]),
                                st.sampled_from(MEMBERS)), max_size=6)


def stored_board(settings, slug=SLUG) -> tuple[list, list]:
    with db.connect(settings) as con:
        rows = con.execute("SELECT * EXCLUDE (competition_slug) FROM kaggle_rows WHERE competition_slug = ? "
                           "ORDER BY position", [slug]).fetchall()
        members = con.execute("SELECT position, username_key FROM kaggle_members WHERE competition_slug = ? "
                              "ORDER BY ALL", [slug]).fetchall()
    return rows, members


def expected_counts(old: list, new: list, rewrite_all: bool) -> tuple[int, int, int]:
    """Issue 3's change counts, straight from their definition over the two whole boards.

    The changed rows are those that differ at their position (all of them after a layout switch), plus the
    old rows past the new end; a team is its id, else its name; a team may repeat.
    """
    def key(row):
        return row[2] if row[2] is not None else row[3]

    def values(row):
        return row[1], row[5], row[6]  # rank, score, submission count

    arrived = [r for i, r in enumerate(new) if rewrite_all or i >= len(old) or old[i] != r]
    replaced = [r for i, r in enumerate(old) if rewrite_all or i >= len(new) or new[i] != r]
    old_keys, new_keys = {key(r) for r in old}, {key(r) for r in new}
    created = sum(key(r) not in old_keys for r in arrived)
    updated = sum(values(o) != values(a) for a in arrived for o in old if key(o) == key(a))
    removed = sum(key(r) not in new_keys for r in replaced)
    return created, updated, removed


def loaded(result: sync.SyncResult, settings: Settings) -> sync.SyncResult:
    """A download held back as implausible (all scores equal, under half the teams), accepted: loaded as any."""
    return accept_held(settings, SLUG) if result.outcome == "held" else result


@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(boards=st.lists(st.tuples(board_rows, st.sampled_from(["current", "older"])), min_size=2, max_size=4))
@example(boards=[([(1, "A", 0.5, "ann"), (2, "B", 0.7, "ben")], "current"),  # A moves in beside itself
                 ([(1, "A", 0.5, "ann"), (2, "A", 0.9, "ben")], "current")])
@example(boards=[([(1, "A", 0.5, "ann"), (2, "A", 0.7, "ben")], "older"),  # a repeated team changes one row
                 ([(1, "A", 0.5, "ann"), (3, "A", 0.9, "ben")], "older")])
def test_a_board_synced_over_others_equals_the_board_loaded_fresh(tmp_path_factory, local_fetch, boards):
    """Delta writes: whatever came before, the stored rows and members are exactly the last download's, and
    the change counts are what their definition gives, whether the process still holds the previous board
    (compared in memory) or not (compared in SQL)."""
    folder = tmp_path_factory.mktemp("delta")
    held, cold, fresh = (Settings(db=str(folder / name)) for name in ("held.duckdb", "cold.duckdb", "fresh.duckdb"))
    for target in (held, cold, fresh):
        with db.connect(target) as con:
            registry.add_competition(con, registry.CompetitionFacts(SLUG, "Delta Cup"))
    previous_header = None
    for rows, header in boards:
        before = stored_board(held)[0]
        fetch = local_fetch({SLUG: zip_of(SLUG, rows, header=header)})
        in_memory = loaded(sync.sync(SLUG, held, fetch=fetch), held)
        BOARDS.forget((cold.db, SLUG))
        in_sql = loaded(sync.sync(SLUG, cold, fetch=fetch), cold)
        after = stored_board(held)[0]
        if in_memory.outcome != "unchanged":
            counts = expected_counts(before, after, rewrite_all=header != previous_header)
            assert (in_memory.created, in_memory.updated, in_memory.removed) == counts
            assert (in_sql.created, in_sql.updated, in_sql.removed) == counts
        previous_header = header
    rows, header = boards[-1]
    sync.sync(SLUG, fresh, fetch=local_fetch({SLUG: zip_of(SLUG, rows, header=header)}))
    assert stored_board(held) == stored_board(cold) == stored_board(fresh)


def test_an_update_rewrites_only_the_rows_that_changed(settings, tmp_path, competition):
    def load(rows):
        run = loader.Run(uuid.uuid4().hex, SLUG, "test", registry.now())
        with db.connect(settings) as con:
            return loader.load(con, run, downloaded(tmp_path, zip_of(SLUG, rows)), None, registry.now())

    many = [(i + 1, f"T{i}", 1 - i / 100, f"u{i}") for i in range(50)]
    assert load(many).rewritten == 50
    changed = [*many[:10], (11, "T10", 0.5, "u10, ann"), *many[11:40]]
    result = load(changed)
    assert (result.outcome, result.rows, result.rewritten, result.matched) == ("updated", 40, 1, 1)
    rows, members = stored_board(settings)
    assert len(rows) == 40 and members.count((11, "ann")) == 1


@pytest.mark.parametrize("member, board", [
    ("sync-cup-publicleaderboard-2026-11-22T18:00:00.csv", "public"),
    ("sync-cup-privateleaderboard-2026-11-29T00:00:00.csv", "private"),
    ("SYNC-CUP-PrivateLeaderboard.csv", "private"),
    ("sync-cup-private_leaderboard.csv", "private"),
    ("leaderboard.csv", "public"),
])
def test_the_member_name_says_which_board_a_download_is(member: str, board: str) -> None:
    from mlbattle.leaderboard_file import board_of

    assert board_of(member) == board


def test_each_download_records_its_board_on_the_competition_history_and_run(settings, local_fetch, competition):
    sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, FIRST)}))
    sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, SECOND, private=True)}))
    with db.connect(settings) as con:
        assert con.execute("SELECT board FROM competitions WHERE slug = ?", [SLUG]).fetchone() == ("private",)
        boards = con.execute("SELECT board, count(*) FROM history GROUP BY board ORDER BY board").fetchall()
        loaded = con.execute("SELECT board FROM sync_runs WHERE outcome IN ('created', 'updated') "
                             "ORDER BY started_at").fetchall()
    assert boards == [("private", 2), ("public", 2)]
    assert loaded == [("public",), ("private",)]
