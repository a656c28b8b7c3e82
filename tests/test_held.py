"""Downloads that look wrong are held, not loaded: every ranked team with one score where the stored board had
several, or fewer than half the stored board's teams. The last good board stays; an organiser accepts."""

from __future__ import annotations

import pytest

from mlbattle import db, held, queries, reads, registry, sync
from mlbattle.board_cache import BOARDS
from tests.support.boards import zip_of
from tests.support.cli_support import fails, ok
from tests.support.cli_support import run as cli

SLUG = "held-cup"
GOOD = [(1, "A", 0.9, "ann"), (2, "B", 0.8, "ben"), (3, "C", 0.7, "cy"), (0, "Benchmark", 0.5, "")]
ZEROS = [(1, "A", 0.0, "ann"), (2, "B", 0.0, "ben"), (3, "C", 0.0, "cy"), (0, "Benchmark", 0.5, "")]


def teams(count: int, *, benchmark: bool = True) -> list:
    rows = [(i + 1, f"T{i}", 1.0 - i / 100, f"user{i}") for i in range(count)]
    return rows + ([(0, "Benchmark", 0.5, "")] if benchmark else [])


@pytest.fixture
def competition(settings):
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts(SLUG, "Held Cup", metric="Accuracy"))
        registry.add_participant(con, "ann", "Ann")
    return SLUG


def run(settings, local_fetch, rows) -> sync.SyncResult:
    return sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, rows)}))


def board(settings) -> list:
    with db.connect(settings) as con:
        return con.execute("SELECT * FROM kaggle_rows WHERE competition_slug = ? ORDER BY position", [SLUG]).fetchall()


def state(settings) -> dict[str, list]:
    """The board, its members, history and the competition's row: what a held download must not touch."""
    with db.connect(settings) as con:
        return {table: sorted(map(repr, con.execute(f"SELECT * FROM {table}").fetchall()))  # noqa: S608
                for table in ("competitions", "kaggle_rows", "kaggle_members", "history")}


def pending(settings) -> list[dict]:
    with db.connect(settings) as con:
        return held.pending(con)


def last_run(settings) -> dict:
    with db.connect(settings) as con:
        return reads.records(con, queries.RECENT_RUNS, [SLUG, SLUG, 1])[0]


def test_a_board_of_one_score_where_the_stored_one_had_several_is_held(settings, local_fetch, competition):
    assert run(settings, local_fetch, GOOD).outcome == "created"
    before = state(settings)
    result = run(settings, local_fetch, ZEROS)
    assert result.outcome == "held"
    assert "every ranked team has the same score (0)" in result.error
    assert "held" in result.summary() and f"sync {SLUG} --accept-held" in result.summary()
    assert state(settings) == before
    recorded = last_run(settings)
    assert recorded["outcome"] == "held" and "same score" in recorded["error"]
    assert [(h["competition_slug"], h["rows"]) for h in pending(settings)] == [(SLUG, 4)]


def test_a_board_of_one_score_is_held_when_another_process_loaded_the_stored_one(settings, local_fetch,
                                                                                   competition):
    run(settings, local_fetch, GOOD)
    BOARDS.forget((settings.db, SLUG))
    assert run(settings, local_fetch, ZEROS).outcome == "held"


def test_a_board_that_always_had_one_score_is_loaded_as_usual(settings, local_fetch, competition):
    run(settings, local_fetch, [(1, "A", 0.5, "ann"), (2, "B", 0.5, "ben")])
    assert run(settings, local_fetch, [(1, "A", 0.0, "ann"), (2, "B", 0.0, "ben")]).outcome == "updated"


def test_empty_scores_everywhere_count_as_one_score(settings, local_fetch, competition):
    run(settings, local_fetch, GOOD)
    assert run(settings, local_fetch, [(1, "A", None, "ann"), (2, "B", None, "ben"), (3, "C", None, "cy")]
               ).outcome == "held"


@pytest.mark.parametrize("stored, arrived, outcome", [
    (10, 5, "updated"),  # exactly half: loaded
    (10, 4, "held"),  # under half: held
    (11, 6, "updated"),
    (11, 5, "held"),
])
@pytest.mark.parametrize("cold", [False, True], ids=["board-in-memory", "board-from-sql"])
def test_fewer_than_half_the_stored_teams_is_held_and_exactly_half_is_not(settings, local_fetch, competition,
                                                                          stored, arrived, outcome, cold):
    run(settings, local_fetch, teams(stored))
    if cold:  # another process loaded it: the stored board's figures come from SQL
        BOARDS.forget((settings.db, SLUG))
    result = run(settings, local_fetch, teams(arrived))
    assert result.outcome == outcome, result.summary()
    if outcome == "held":
        assert f"{arrived} ranked teams where the stored board has {stored}" in result.error


def test_benchmarks_are_not_counted_as_teams(settings, local_fetch, competition):
    run(settings, local_fetch, teams(4, benchmark=False))
    many_benchmarks = teams(1, benchmark=False) + [(0, f"Baseline {i}", 0.1 * i, "") for i in range(5)]
    assert run(settings, local_fetch, many_benchmarks).outcome == "held"


def test_the_first_download_is_never_held(settings, local_fetch, competition):
    assert run(settings, local_fetch, ZEROS).outcome == "created"


def test_accepting_loads_the_held_download_and_forgets_it(settings, local_fetch, competition):
    run(settings, local_fetch, GOOD)
    run(settings, local_fetch, ZEROS)
    result = held.accept(settings, SLUG)
    assert (result.outcome, result.rows, result.matched) == ("updated", 4, 1)
    assert [row[6] for row in board(settings)] == [0.0, 0.0, 0.0, 0.5]
    assert last_run(settings)["trigger"] == held.ACCEPTED
    assert pending(settings) == []
    with pytest.raises(held.NothingHeld, match="no held download"):
        held.accept(settings, SLUG)


def test_the_next_download_that_loads_replaces_the_held_one(settings, local_fetch, competition):
    run(settings, local_fetch, GOOD)
    run(settings, local_fetch, ZEROS)
    assert run(settings, local_fetch, GOOD[:2] + [(3, "C", 0.75, "cy")]).outcome == "updated"
    assert pending(settings) == []


def test_an_unchanged_download_also_replaces_the_held_one(settings, local_fetch, competition):
    run(settings, local_fetch, GOOD)
    run(settings, local_fetch, ZEROS)
    assert run(settings, local_fetch, GOOD).outcome == "unchanged"
    assert pending(settings) == []


def test_a_second_implausible_download_replaces_the_first_held_one(settings, local_fetch, competition):
    run(settings, local_fetch, teams(10))
    run(settings, local_fetch, ZEROS)
    run(settings, local_fetch, teams(2))
    assert [(h["rows"], "fewer than half" in h["reason"]) for h in pending(settings)] == [(3, True)]
    assert held.accept(settings, SLUG).rows == 3


def test_a_failed_download_keeps_the_held_one(settings, local_fetch, competition):
    run(settings, local_fetch, GOOD)
    run(settings, local_fetch, ZEROS)
    assert sync.sync(SLUG, settings, fetch=local_fetch({SLUG: b"<html>down</html>"})).outcome == "failed"
    assert len(pending(settings)) == 1


def test_removing_the_competition_removes_its_held_download(settings, local_fetch, competition):
    run(settings, local_fetch, GOOD)
    run(settings, local_fetch, ZEROS)
    with db.connect(settings) as con:
        registry.remove_competition(con, SLUG)
    assert pending(settings) == []


@pytest.fixture
def cli_env(app_env, tmp_path):
    ok(app_env, "events", "add", "e", "--title", "E")
    return app_env


def test_a_held_sync_exits_1_and_accept_held_loads_it(cli_env, settings, tmp_path):
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts(SLUG, "Held Cup", metric="Accuracy"))
    good, zeros = tmp_path / "good.zip", tmp_path / "zeros.zip"
    good.write_bytes(zip_of(SLUG, GOOD))
    zeros.write_bytes(zip_of(SLUG, ZEROS))
    ok(cli_env, "sync", SLUG, "--file", str(good))
    done = cli(cli_env, "sync", SLUG, "--file", str(zeros))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{SLUG}: held: every ranked team has the same score" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    accepted = ok(cli_env, "sync", SLUG, "--accept-held")
    assert f"{SLUG}: updated" in accepted.stdout
    again = fails(cli_env, "sync", SLUG, "--accept-held")
    assert again.stderr.strip() == f"error: {SLUG} has no held download to accept"


def test_a_restore_forgets_held_downloads(settings, local_fetch, competition, tmp_path):
    from mlbattle import backup

    run(settings, local_fetch, GOOD)
    backup.write_backup(settings, tmp_path / "backup.zip")
    run(settings, local_fetch, ZEROS)
    backup.restore_backup(settings, tmp_path / "backup.zip")
    assert pending(settings) == []
