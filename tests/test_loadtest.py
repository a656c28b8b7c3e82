"""The load test at toy size: a real `streamlit run`, real websocket sessions, real sync processes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import psutil
import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tools import loadtest

SMALL = loadtest.Plan(viewers=3, seconds=5.0, teams=500, competitions=2, sessions=2, sync_workers=2,
                      sync_gap=0.5, script_sizes=(500,), repeats=1, apptest=True, memory=True, screens=1, every=5)


def _rows(table: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in table.splitlines() if line.startswith("|")]


def test_viewers_render_the_leaderboard_while_syncs_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    text, load, memory = loadtest.run(SMALL)

    assert load.finished == load.runs > 3 and load.rendered == load.runs  # every run drew the competition
    assert load.ticks and load.full  # refreshes ran the page's timer fragment, new queries the whole page
    assert load.screens == 1 and load.screen_runs >= 1 and load.screen_drew == load.screen_runs
    assert load.errors == 0 and not load.exceptions and not load.error_alerts and not load.ws_failures
    assert load.syncs.get("updated", 0) >= 2 and set(load.syncs) == {"updated"}  # real changes, none lost
    assert [check.slug for check in load.rows] == ["load-01", "load-02"]
    assert all(check.ok for check in load.rows), load.rows
    assert load.rss_peak_mb >= load.rss_before_mb > 0

    assert memory is not None and memory.page_views == memory.rendered == 4 and not memory.failures
    assert memory.rss_peak_mb > memory.rss_idle_mb > 0

    sections = text.split("### ")
    assert [s.splitlines()[0] for s in sections[1:]] == [
        "3 viewers for 5 s while syncs run", "Leaderboard page script time", "Memory"]
    load_rows = _rows(sections[1])
    assert load_rows[0] == ["Load run", "Value"] and len(load_rows) == 22
    assert any(row[0].startswith("Big screens") for row in load_rows)
    assert any(row[0].startswith("Machine load") and row[1].startswith("mean") for row in load_rows)
    script = _rows(sections[2])
    assert script[0][0] == "Teams" and script[2][0] == "empty page (the floor)" and script[2][2].endswith("ms")
    assert script[3][0] == "500" and "-" not in script[3][1:7] and script[3][4].endswith(" ms")
    assert _rows(sections[3])[2][0] == "2 competitions x 500 teams open in 2 sessions"
    assert "Machine: CPU" in text

    assert list(tmp_path.iterdir()) == []  # the folder with the database, zips and logs is gone
    assert psutil.Process().children(recursive=True) == []  # server and sync processes all ended


def _delta_message(kind: str, **fields: object) -> bytes:
    msg = ForwardMsg()
    element = getattr(msg.delta.new_element, kind)
    for name, value in fields.items():
        setattr(element, name, value)
    return msg.SerializeToString()


def test_a_run_is_read_from_the_messages_the_browser_would_get() -> None:
    run = loadtest.PageRun()
    assert not loadtest.read_message(_delta_message("heading", body="📊 Load test 01"), "Load test 01", run)
    loadtest.read_message(_delta_message("exception", type="KeyError", message="'teams'"), "Load test 01", run)
    loadtest.read_message(_delta_message("exception", message="deprecated", is_warning=True), "Load test 01", run)
    loadtest.read_message(_delta_message("markdown", body="⏳ The database is busy with a sync"), "x", run)
    finished = ForwardMsg()
    finished.script_finished = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY

    assert loadtest.read_message(finished.SerializeToString(), "Load test 01", run)
    assert run.finished and run.title_seen and run.busy and run.exceptions == ["KeyError: 'teams'"]


def test_percentiles_and_the_cache_metrics() -> None:
    assert loadtest.percentile([0.3, 0.1, 0.2, 0.4], 0.5) == 0.2
    assert loadtest.percentile(list(range(1, 101)), 0.95) == 95 and loadtest.percentile([], 0.5) == 0.0
    metrics = ('cache_memory_bytes{cache_type="st_cache_data",cache="mlbattle.web.data._cached_read"} 2500000\n'
               'cache_memory_bytes{cache_type="st_session_state",cache="x"} 1000000\n# EOF')
    assert loadtest.parse_cache_memory(metrics) == {"st_cache_data: mlbattle.web.data._cached_read": 2.5,
                                                     "st_session_state: x": 1.0}


def test_options() -> None:
    plan = loadtest.plan_from(loadtest.build_parser().parse_args(["--quick", "--viewers", "4", "--no-apptest"]))
    assert (plan.viewers, plan.seconds, plan.competitions, plan.apptest) == (4, 15.0, 3, False)
    plan = loadtest.plan_from(loadtest.build_parser().parse_args(["--screens", "20", "--every", "30",
                                                                   "--full-reruns", "--refreshes", "4"]))
    assert (plan.screens, plan.every, plan.full_reruns, plan.refreshes) == (20, 30, True, 4)
    assert loadtest.viewer_queries("c", 3, refreshes=1) == ["", "competition=c&view=all", "",
                                                            "competition=c&q=viewer_0003"]
    for bad in (["--every", "2"], ["--screens", "-1"], ["--refreshes", "-1"]):
        with pytest.raises(SystemExit):
            loadtest.plan_from(loadtest.build_parser().parse_args(bad))
    assert loadtest.plan_from(loadtest.build_parser().parse_args([])) == loadtest.Plan()
    with pytest.raises(SystemExit):
        loadtest.plan_from(loadtest.build_parser().parse_args(["--viewers", "0"]))


def test_the_fetch_always_hands_out_the_file_the_database_lacks(tmp_path: Path) -> None:
    from mlbattle.settings import Settings

    board = tmp_path / "zips" / "comp"
    board.mkdir(parents=True)
    for name in "ab":
        (board / f"{name}.zip").write_bytes(name.encode())
    (board / "current").write_text("a 0")
    handed: list[tuple[str, int]] = []
    fetch = loadtest.copying_fetch(board, toggle=True, handed=handed)
    settings = Settings(db=str(tmp_path / "data" / "x.duckdb"))

    assert fetch("comp", tmp_path).read_bytes() == b"b" and handed == [("b", 1)]
    loadtest.undo_download(board, 1, settings, "comp")  # that load failed: the database still holds a
    assert fetch("comp", tmp_path).read_bytes() == b"b" and handed[-1] == ("b", 2)
    fetch("comp", tmp_path)
    loadtest.undo_download(board, 2, settings, "comp")  # a later sync moved on: leave the marker alone
    assert (board / "current").read_text() == "a 3"
