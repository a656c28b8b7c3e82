"""The benchmark at a toy size: every stage runs for real (zips, sync, SQLite row loop) and the table holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import bench


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def test_one_size_measures_both_ways_and_cleans_up(tmp_path: Path) -> None:
    result = bench.run_size(200, tmp_path, participants=50, runs=2, in_child=False)

    assert result.sync.rows == 202  # 200 teams and 2 benchmark rows, loaded
    assert len(result.sync.warm_s) == 2 and all(s > 0 for s in result.sync.warm_s)
    assert result.sync.peak_rss_mb >= result.sync.baseline_rss_mb > 0
    assert result.old is not None and not result.old.estimated and result.old.seconds > 0
    assert list(tmp_path.iterdir()) == []  # the size's zips and databases are gone

    header, rule, row = bench.markdown_table([result]).splitlines()
    assert _cells(header) == list(bench.TABLE_HEADER)
    assert len(_cells(rule)) == len(_cells(row)) == len(bench.TABLE_HEADER)
    assert _cells(row)[0] == "200"


def test_the_command_measures_in_its_own_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--sizes", "200", "--participants", "50", "--runs", "1", "--no-cli"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert _cells(lines[0]) == list(bench.TABLE_HEADER)
    assert _cells(lines[2])[0] == "200" and lines[3] == ""
    assert any(line.startswith("Machine: CPU") for line in lines)


def test_estimates_and_missed_targets_are_marked() -> None:
    stats = bench.SyncStats(rows=100_002, zip_mb=2.6, cold_s=1.0, warm_s=[0.55, 0.65, 0.75],
                            from_zip_s=[0.5, 0.6, 0.7], not_held_s=[0.8, 0.9, 1.0], unchanged_s=0.2,
                            baseline_rss_mb=200, peak_rss_mb=300)
    measured = bench.SizeResult(100_000, stats, bench.OldStats(6.0, estimated=False))
    guess = bench.old_estimate(1_000_000, [measured])
    assert guess == pytest.approx(60.0, rel=1e-3)  # the per-row rate, scaled

    row = _cells(bench.markdown_table([measured]).splitlines()[2])
    assert row[2] == "600 ms (min 500 ms, max 700 ms, n=3)" and row[3] == "900 ms" and row[4] == "650 ms"
    assert row[9] == "6,000 ms" and row[10] == "10.0x"
    assert row[11] == "≤ 400 ms: MISSED; ≥ 20x: MISSED"

    estimated = bench.SizeResult(1_000_000, stats, bench.OldStats(guess, estimated=True))
    row = _cells(bench.markdown_table([estimated]).splitlines()[2])
    assert row[9].startswith("est. ") and row[10].startswith("est. ")
    assert row[11] == "≤ 10.0 s: met; ≤ 1.5 GB: met"


def test_sizes_option_rejects_nonsense() -> None:
    with pytest.raises(SystemExit):
        bench.build_parser().parse_args(["--sizes", "ten"])


def test_only_the_load_before_the_run_counts_as_other_work() -> None:
    """The benchmark's own threads raise the load average by its end; that is not another process."""
    assert "busy" not in bench._load_line(0.1, 1.9)
    assert "other processes were busy" in bench._load_line(0.9, 0.2)
