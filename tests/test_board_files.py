"""Boards organisers bring as files (`sync SLUG --file PATH`, the Admin upload): Kaggle's zip or its bare CSV,
through the same checks, comparison, history and run log as a download; bad files refused in one line,
changing nothing. Competitions Kaggle's list cannot show are added by hand."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mlbattle import board_files, db, held, queries, reads, registry
from mlbattle.leaderboard_file import LeaderboardFileError
from tests.support.boards import zip_members, zip_of
from tests.support.cli_support import fails, ok

ROOT = Path(__file__).resolve().parents[1]
SLUG = "class-quiz"
ROWS = [(1, "A", 0.9, "ann"), (2, "B", 0.8, "ben"), (0, "Benchmark", 0.5, "")]


def csv_of(rows, slug: str = SLUG) -> bytes:
    with zipfile.ZipFile(io.BytesIO(zip_of(slug, rows))) as archive:
        return archive.read(archive.infolist()[0])


@pytest.fixture
def competition(settings):
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts(SLUG, "Class Quiz", metric="Accuracy"),
                                 auto_sync=False)
        registry.add_participant(con, "ann", "Ann")
    return SLUG


def everything(settings) -> dict[str, list]:
    """Every table a refused file must leave alone, the run log included."""
    with db.connect(settings) as con:
        return {table: sorted(map(repr, con.execute(f"SELECT * FROM {table}").fetchall()))  # noqa: S608
                for table in ("competitions", "kaggle_rows", "kaggle_members", "history", "sync_runs",
                              "held_downloads")}


def runs(settings) -> list[dict]:
    with db.connect(settings) as con:
        return reads.records(con, queries.RECENT_RUNS, [SLUG, SLUG, 10])


def test_kaggles_zip_loads_as_a_download_with_trigger_file(settings, competition, tmp_path):
    path = tmp_path / f"{SLUG}.zip"
    path.write_bytes(zip_of(SLUG, ROWS))
    result = board_files.load_file(settings, SLUG, path)
    assert (result.outcome, result.rows, result.matched) == ("created", 3, 1)
    assert [(r["trigger"], r["outcome"]) for r in runs(settings)] == [("file", "created")]
    with db.connect(settings) as con:
        assert len(reads.records(con, queries.HISTORY, [SLUG])) == 1


def test_the_bare_csv_gives_the_same_board_and_its_name_says_which_board(settings, competition, tmp_path):
    path = tmp_path / f"{SLUG}-privateleaderboard-2026-11-22T16_40_20 (1).csv"
    path.write_bytes(csv_of(ROWS))
    assert board_files.load_file(settings, SLUG, path).outcome == "created"
    with db.connect(settings) as con:
        assert con.execute("SELECT board FROM competitions WHERE slug = ?", [SLUG]).fetchone() == ("private",)
    zipped = tmp_path / "same.zip"
    zipped.write_bytes(zip_members({path.name: csv_of(ROWS)}))
    assert board_files.load_file(settings, SLUG, zipped).outcome == "unchanged"


def test_a_file_changes_the_board_as_a_download_would(settings, competition, tmp_path):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_bytes(csv_of(ROWS))
    second.write_bytes(csv_of([(1, "B", 0.95, "ben"), (2, "A", 0.91, "ann"), (3, "C", 0.7, "cy")]))
    board_files.load_file(settings, SLUG, first)
    result = board_files.load_file(settings, SLUG, second)
    assert (result.outcome, result.created, result.updated, result.removed) == ("updated", 1, 2, 1)


def test_an_implausible_file_is_held_like_a_download(settings, competition, tmp_path):
    good, zeros = tmp_path / "good.csv", tmp_path / "zeros.csv"
    good.write_bytes(csv_of(ROWS))
    zeros.write_bytes(csv_of([(1, "A", 0.0, "ann"), (2, "B", 0.0, "ben")]))
    board_files.load_file(settings, SLUG, good)
    assert board_files.load_file(settings, SLUG, zeros).outcome == "held"


BAD = {
    "html": (b"<!DOCTYPE html><html><body>Sign in</body></html>", "web page (HTML)"),
    "empty": (b"", "the file is empty"),
    "bom only": (b"\xef\xbb\xbf\r\n", "the file is empty"),
    "not a leaderboard": (b"name,age\r\nann,3\r\n", "the CSV header is 'name,age'"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "neither a zip nor a CSV"),
    "bad row": (b"Rank,TeamId,TeamName,LastSubmissionDate,Score,SubmissionCount,TeamMemberUserNames\r\n"
                b"1,1,a,2026-01-01 00:00:00,lots,1,p\r\n", "row 1 has a score that is not a number"),
    "two files in the zip": (zip_members({"a.csv": b"x", "b.csv": b"y"}), "holds 2 files"),
    "corrupt zip": (zip_of(SLUG, ROWS)[:-30], "corrupt"),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_a_bad_file_is_refused_in_one_line_and_changes_nothing(settings, competition, tmp_path, kind):
    good = tmp_path / "good.zip"
    good.write_bytes(zip_of(SLUG, ROWS))
    board_files.load_file(settings, SLUG, good)
    before = everything(settings)
    data, message = BAD[kind]
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(LeaderboardFileError, match=message.replace("(", r"\(").replace(")", r"\)")) as refusal:
        board_files.load_file(settings, SLUG, path)
    assert "\n" not in str(refusal.value)
    assert everything(settings) == before


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings, competition, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(csv_of(ROWS))
    small = replace(settings, max_download_bytes=50)
    with pytest.raises(LeaderboardFileError, match="over the 0 MB limit"):
        board_files.load_file(small, SLUG, path)
    with pytest.raises(LeaderboardFileError, match="over the 0 MB limit"):
        board_files.load_bytes(small, SLUG, "big.csv", path.read_bytes())
    assert runs(settings) == []


def test_a_file_for_a_competition_that_does_not_exist_is_refused(settings, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(csv_of(ROWS))
    result = board_files.load_file(settings, "nobody-knows", path)
    assert result.outcome == "failed" and "import it first" in result.error


def test_the_cli_loads_a_file_and_refuses_bad_ones_in_one_line(app_env, settings, competition, tmp_path):
    good, page = tmp_path / "board.zip", tmp_path / "page.html"
    good.write_bytes(zip_of(SLUG, ROWS))
    page.write_bytes(b"<html>Kaggle is down</html>")
    assert f"{SLUG}: created: 3 rows" in ok(app_env, "sync", SLUG, "--file", str(good)).stdout
    assert "web page (HTML)" in fails(app_env, "sync", SLUG, "--file", str(page)).stderr
    missing = fails(app_env, "sync", SLUG, "--file", str(tmp_path / "nope.zip"))
    assert missing.stderr.startswith("error: ") and "does not exist" in missing.stderr
    assert "exactly one competition" in fails(app_env, "sync", SLUG, "other", "--file", str(good)).stderr
    assert "one at a time" in fails(app_env, "sync", SLUG, "--file", str(good), "--accept-held").stderr


def test_a_competition_added_by_hand_takes_its_title_and_metric_without_kaggle(app_env, settings, tmp_path):
    done = ok(app_env, "competitions", "add", f"https://www.kaggle.com/c/{SLUG}", "--manual",
              "--title", "Class quiz 2026", "--metric", "RMSE", "--status", "ongoing")
    assert f"competition {SLUG} added by hand" in done.stdout
    with db.connect(settings) as con:
        record = reads.competition(con, SLUG)
    assert (record["title"], record["metric"], record["status"], record["auto_sync"]) == (
        "Class quiz 2026", "RMSE", "ongoing", False)
    board = tmp_path / "board.csv"
    board.write_bytes(csv_of([(1, "A", 0.1, "ann"), (2, "B", 0.2, "ben")]))
    ok(app_env, "sync", SLUG, "--file", str(board))
    with db.connect(settings) as con:
        assert reads.competition(con, SLUG)["inferred_direction"] == "lower"


def test_adding_by_hand_needs_a_title_and_title_needs_manual(app_env):
    assert "--manual needs --title" in fails(app_env, "competitions", "add", SLUG, "--manual").stderr
    assert "go with --manual" in fails(app_env, "competitions", "add", SLUG, "--title", "T").stderr


# ---------------------------------------------------------------- the Admin page


def open_admin(monkeypatch) -> AppTest:
    monkeypatch.setenv("MLBATTLE_ADMIN_PASSWORD", "s3cret-pw")
    at = AppTest.from_file(str(ROOT / "pages" / "admin.py"), default_timeout=30).run()
    at.text_input(key="admin_password").input("s3cret-pw")
    next(b for b in at.button if b.label == "Log in").click().run()
    assert not at.exception
    return at


@pytest.fixture
def admin_page(settings, competition, monkeypatch):
    return open_admin(monkeypatch)


def _said(at: AppTest, kind: str) -> str:
    return " ".join(str(element.value) for element in at.get(kind)).replace("\\", "")


def test_an_upload_on_admin_loads_the_board(settings, admin_page):
    at = admin_page
    at.selectbox(key="file_competition").select(SLUG)
    at.file_uploader(key="file_upload").set_value((f"{SLUG}.csv", csv_of(ROWS), "text/csv"))
    at.run()
    at.button(key="file_load").click().run()
    assert not at.exception
    assert f"{SLUG}: created: 3 rows" in _said(at, "success")
    assert [r["trigger"] for r in runs(settings)] == ["file"]


def test_a_bad_upload_is_refused_on_admin_and_changes_nothing(settings, admin_page):
    at = admin_page
    before = everything(settings)
    at.file_uploader(key="file_upload").set_value(("page.csv", b"<html>no</html>", "text/csv"))
    at.run()
    at.button(key="file_load").click().run()
    assert "The file was not loaded: the file is a web page (HTML)" in _said(at, "error")
    assert everything(settings) == before


def test_a_held_download_is_shown_on_admin_and_accepted_there(settings, local_fetch, competition, monkeypatch):
    from mlbattle import sync

    sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, ROWS)}))
    sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, [(1, "A", 0.0, "ann"), (2, "B", 0.0, "b")])}))
    at = open_admin(monkeypatch)
    assert "every ranked team has the same score" in _said(at, "warning")
    at.button(key="held_accept").click().run()
    assert not at.exception
    assert f"{SLUG}: updated" in _said(at, "success")
    with db.connect(settings) as con:
        assert held.pending(con) == []
    assert "None: a download that looks wrong" in _said(at, "caption")


def test_a_competition_is_added_by_hand_on_admin(settings, admin_page):
    at = admin_page
    at.text_input(key="manual_slug").input("inclass-2026")
    at.text_input(key="manual_title").input("InClass 2026")
    at.text_input(key="manual_metric").input("Log Loss")
    next(b for b in at.button if b.label == "Add by hand").click().run()
    assert not at.exception
    assert "competition inclass-2026 added by hand" in _said(at, "success")
    with db.connect(settings) as con:
        record = reads.competition(con, "inclass-2026")
    assert (record["title"], record["metric"], record["auto_sync"]) == ("InClass 2026", "Log Loss", False)
