"""`python -m tools.bench`: the sync's speed and memory against its targets and the old row loop.

For each size a leaderboard of that many teams (plus two benchmark rows) with 2,000 registered participants
on it is written as Kaggle's zip, twice with different content. A fresh process registers the participants,
syncs once to warm up, then times syncs that alternate the two zips, so every timed run is a real load
(outcome `updated`), from the zip on disk to committed rows. The same process reports its peak RSS, which
is why each size runs in its own process. The old system's way (pandas row loop, one look-up and one upsert
per row in SQLite) runs on the same zips in a process of its own, one run after each timed sync, so the two
are timed in turns and meet the machine in the same state (its speed drifts by up to 2x within minutes).
Everything lives in one temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

log = logging.getLogger("tools.bench")

PROJECT_DIR = Path(__file__).resolve().parent.parent
SIZES = (1_744, 10_000, 100_000, 1_000_000)
PARTICIPANTS = 2_000
SLUG = "bench-competition"
CHANGED_SHARE = 20  # every 20th team submitted again between the two downloads
OLD_BUDGET_SECONDS = 120.0
TARGET_SECONDS = {1_744: 0.050, 100_000: 0.400, 1_000_000: 10.0}
TARGET_PEAK_MB = {1_000_000: 1_500}
TARGET_RATIO = {100_000: 20.0}

# The old system's SQLite schema and statements. They are the baseline being measured, not the app's SQL,
# so they stay here rather than in queries.py (which holds the app's DuckDB statements).
OLD_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS participants (username_key TEXT PRIMARY KEY, kaggle_username TEXT NOT NULL,"
    " display_name TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS leaderboard (competition_slug TEXT NOT NULL, team_id TEXT NOT NULL,"
    " kaggle_rank INTEGER, team_name TEXT, last_submission TEXT, score REAL, submission_count INTEGER,"
    " members TEXT, participant TEXT, PRIMARY KEY (competition_slug, team_id))",
)
OLD_INSERT_PARTICIPANT = "INSERT OR IGNORE INTO participants VALUES (?, ?, ?)"
OLD_LOOKUP = "SELECT kaggle_username FROM participants WHERE username_key = ?"
OLD_UPSERT = (
    "INSERT INTO leaderboard VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (competition_slug, team_id) DO UPDATE"
    " SET kaggle_rank = excluded.kaggle_rank, team_name = excluded.team_name,"
    " last_submission = excluded.last_submission, score = excluded.score,"
    " submission_count = excluded.submission_count, members = excluded.members,"
    " participant = excluded.participant"
)


@dataclass(frozen=True)
class SyncStats:
    """What the measuring process reports for one size."""

    rows: int
    zip_mb: float
    cold_s: float
    warm_s: list[float]
    from_zip_s: list[float]
    not_held_s: list[float]
    unchanged_s: float
    baseline_rss_mb: float
    peak_rss_mb: float
    old_s: list[float] = field(default_factory=list)  # the old row loop, one run after each warm sync


@dataclass(frozen=True)
class OldStats:
    seconds: float
    estimated: bool


@dataclass(frozen=True)
class SizeResult:
    teams: int
    sync: SyncStats
    old: OldStats | None

    @property
    def warm_median(self) -> float:
        return statistics.median(self.sync.warm_s)

    @property
    def from_zip_median(self) -> float:
        return statistics.median(self.sync.from_zip_s)

    @property
    def ratio(self) -> float | None:
        return self.old.seconds / self.from_zip_median if self.old else None


# ---------------------------------------------------------------- the leaderboards


def usernames(count: int) -> list[str]:
    """Mixed case on purpose: matching is case-insensitive, so both systems must lowercase."""
    return [f"Bench_User{i:05d}" for i in range(count)]


def prepare(teams: int, folder: Path, names: Sequence[str]) -> tuple[Path, Path]:
    """Two zips of one competition: the second is the first after every 20th team submitted again."""
    from tools import samples

    folder.mkdir(parents=True, exist_ok=True)
    frame = samples.synthetic_leaderboard(teams, seed=teams, usernames=names)
    first = folder / "a.zip"
    first.write_bytes(samples.leaderboard_zip(SLUG, samples.leaderboard_csv(frame)))
    again = frame.index % CHANGED_SHARE == 0
    frame.loc[again, "SubmissionCount"] += 1
    frame.loc[again, "LastSubmissionDate"] = "2026-11-22 18:00:00"
    second = folder / "b.zip"
    second.write_bytes(samples.leaderboard_zip(SLUG, samples.leaderboard_csv(frame), timestamp="2026-11-22T18:09:12"))
    return first, second


# ---------------------------------------------------------------- the sync, measured in its own process


def _rss_mb() -> float:
    """Peak resident set of this process so far, in MB.

    Linux's VmHWM, not `ru_maxrss`: `ru_maxrss` survives exec, so a child started by a parent that held a
    million-row frame would report the parent's peak. VmHWM belongs to the current address space.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _copy_from(zip_path: Path) -> Callable[[str, Path], Path]:
    """A fetch that 'downloads' by copying the prepared zip, so the clock starts at a zip on disk."""

    def fetch(slug: str, folder: Path) -> Path:
        target = folder / f"{slug}.zip"
        shutil.copyfile(zip_path, target)
        return target

    return fetch


def measure_sync(folder: Path, participants: int, runs: int, with_old: bool = False) -> SyncStats:
    """Register the participants, warm up with one sync, then time `runs` loads of alternating content;
    `with_old`: after each, one run of the old row loop on the same zip, in its own process."""
    from mlbattle import db, registry, sync
    from mlbattle.settings import Settings

    first, second = folder / "a.zip", folder / "b.zip"
    settings = Settings(db=str(folder / "store" / "bench.duckdb"))
    with db.connect(settings) as con:
        registry.import_participants(con, [(name, None) for name in usernames(participants)])
        registry.add_competition(con, registry.CompetitionFacts(SLUG, "Benchmark"), status="ongoing")
    baseline = _rss_mb()

    from mlbattle.board_cache import BOARDS

    def timed(zip_path: Path, expected: str) -> tuple[float, float, int]:
        """The whole `sync.sync` call, and the part after the fetch handed over the zip (what the targets measure)."""
        copy = _copy_from(zip_path)
        handed_over: list[float] = []

        def fetch(slug: str, folder: Path) -> Path:
            path = copy(slug, folder)
            handed_over.append(time.perf_counter())
            return path

        began = time.perf_counter()
        result = sync.sync(SLUG, settings, trigger="bench", fetch=fetch)
        ended = time.perf_counter()
        if result.outcome != expected:
            raise RuntimeError(f"expected a sync that {expected} rows, got: {result.summary()}")
        return ended - began, ended - handed_over[0], result.rows or 0

    cold, _, rows = timed(first, "created")
    loads = itertools.cycle([second, first])  # every timed load differs from the one before
    warm: list[float] = []
    from_zip: list[float] = []
    old: list[float] = []
    with _old_loop_beside(folder, participants, with_old) as old_run:
        for _ in range(runs):
            whole, after_zip, _ = timed(last := next(loads), "updated")
            warm.append(whole)
            from_zip.append(after_zip)
            if old_run:
                old.append(old_run(last))
    not_held: list[float] = []
    for _ in range(runs):  # as a process that did not load the previous board (cron) finds it
        BOARDS.clear()
        not_held.append(timed(last := next(loads), "updated")[1])
    unchanged, _, _ = timed(last, "unchanged")
    return SyncStats(rows, first.stat().st_size / 1e6, cold, warm, from_zip, not_held, unchanged, baseline,
                     _rss_mb(), old)


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_DIR), os.environ.get("PYTHONPATH")]))}


def measure_sync_in_child(folder: Path, participants: int, runs: int, with_old: bool = False) -> SyncStats:
    """A fresh interpreter per size, so its peak RSS belongs to that size alone."""
    command = [sys.executable, "-m", "tools.bench", "--one", str(folder), "--participants", str(participants),
               "--runs", str(runs), *(["--with-old"] if with_old else [])]
    done = subprocess.run(command, env=_child_env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the measuring process failed: {done.stderr.strip()[-600:]}")
    return SyncStats(**json.loads(done.stdout))


# ---------------------------------------------------------------- the old way


def old_row_loop(zip_path: Path, database: Path, names: Sequence[str]) -> float:
    """The old system: pandas reads the zip, then per row one look-up and one upsert in SQLite; one commit."""
    import pandas as pd

    con = sqlite3.connect(database)
    try:
        for statement in OLD_SCHEMA:
            con.execute(statement)
        con.executemany(OLD_INSERT_PARTICIPANT, [(name.lower(), name, name) for name in names])
        con.commit()
        began = time.perf_counter()
        frame = pd.read_csv(zip_path, keep_default_na=False)
        for row in frame.itertuples(index=False):
            first_member = str(row.TeamMemberUserNames).split(",")[0].strip().lower()
            found = con.execute(OLD_LOOKUP, (first_member,)).fetchone()
            con.execute(OLD_UPSERT, (
                SLUG, str(row.TeamId), int(row.Rank), str(row.TeamName), str(row.LastSubmissionDate),
                float(row.Score) if row.Score != "" else None, int(row.SubmissionCount),
                str(row.TeamMemberUserNames), found[0] if found else None,
            ))
        con.commit()
        return time.perf_counter() - began
    finally:
        con.close()


def old_worker(folder: Path, participants: int) -> None:
    """The old loop's own process: one untimed load, then one timed run per zip path read from stdin."""
    names = usernames(participants)
    database = folder / "old.sqlite"
    old_row_loop(folder / "a.zip", database, names)
    print("ready", flush=True)
    for line in sys.stdin:
        print(old_row_loop(Path(line.strip()), database, names), flush=True)
    database.unlink()


@contextmanager
def _old_loop_beside(folder: Path, participants: int, wanted: bool) -> Iterator[Callable[[Path], float] | None]:
    """A warm process running the old loop on request, so its runs can take turns with the sync's."""
    if not wanted:
        yield None
        return
    command = [sys.executable, "-m", "tools.bench", "--old-worker", str(folder), "--participants",
               str(participants)]
    with subprocess.Popen(command, env=_child_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as worker:
        stdin, stdout = worker.stdin, worker.stdout
        assert stdin is not None and stdout is not None  # both piped above

        def run(zip_path: Path) -> float:
            stdin.write(f"{zip_path}\n")
            stdin.flush()
            return float(stdout.readline())

        if stdout.readline().strip() != "ready":
            raise RuntimeError("the old row loop's process did not start")
        yield run
        stdin.close()
        if worker.wait() != 0:
            raise RuntimeError("the old row loop's process failed")


def old_estimate(teams: int, measured: Sequence[SizeResult]) -> float | None:
    """Per-row rate of the largest measured size, scaled; None when nothing was measured yet."""
    done = [r for r in measured if r.old and not r.old.estimated]
    if not done:
        return None
    largest = max(done, key=lambda r: r.teams)
    assert largest.old is not None  # kept above only when measured
    return largest.old.seconds / largest.sync.rows * (teams + 2)


# ---------------------------------------------------------------- one size, start to end


def run_size(teams: int, work: Path, participants: int, runs: int, measured: Sequence[SizeResult] = (),
             in_child: bool = True) -> SizeResult:
    """Write the zips, time the sync (in its own process unless told), time or estimate the old way, clean up."""
    folder = work / f"rows-{teams}"
    names = usernames(participants)
    log.info("%s teams: writing the leaderboards", f"{teams:,}")
    prepare(teams, folder, names)
    guess = old_estimate(teams, measured)
    estimated = guess is not None and guess * (runs + 1) > OLD_BUDGET_SECONDS
    log.info("%s teams: timing the sync%s", f"{teams:,}", "" if estimated else " and the old row loop in turns")
    stats = (measure_sync_in_child if in_child else measure_sync)(folder, participants, runs, not estimated)
    old = OldStats(guess, estimated=True) if estimated and guess is not None else OldStats(statistics.median(stats.old_s), estimated=False)
    shutil.rmtree(folder)
    return SizeResult(teams, stats, old)


# ---------------------------------------------------------------- the command line's start-up


def _wall(command: Sequence[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, env=env, cwd=PROJECT_DIR, capture_output=True, check=False)
    return time.perf_counter() - began


def _cli_env(work: Path) -> dict[str, str]:
    """Its own database and home, so no real settings or secrets are read."""
    home = work / "cli-home"
    home.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "MLBATTLE_DB": str(work / "cli" / "cli.duckdb"), "HOME": str(home),
            "PYTHONPATH": str(PROJECT_DIR)}


CLI_COMMANDS: dict[str, Callable[[int], list[str]]] = {
    "python -c pass": lambda run: ["-c", "pass"],
    "python -m mlbattle --help": lambda run: ["-m", "mlbattle", "--help"],
    "python -m mlbattle participants add NAME": lambda run: ["-m", "mlbattle", "participants", "add", f"user_{run}"],
    "python -m mlbattle sync --all (nothing to sync)": lambda run: ["-m", "mlbattle", "sync", "--all"],
}
IMPORTS_OF = {"participants add NAME": ("participants", "add", "import_time_user"), "sync --all": ("sync", "--all")}


def cli_startup(work: Path, runs: int) -> dict[str, float]:
    """Median wall time of each command in a fresh interpreter; `python -c pass` is the floor."""
    env = _cli_env(work)
    _wall([sys.executable, "-m", "mlbattle", "participants", "add", "warm_up_user"], env)  # creates the database
    return {label: statistics.median(_wall([sys.executable, *make(run)], env) for run in range(runs))
            for label, make in CLI_COMMANDS.items()}


def slowest_imports(argv: Sequence[str], work: Path, top: int = 4) -> list[tuple[str, float]]:
    """Top-level modules by cumulative import time (`python -X importtime`), in milliseconds."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "mlbattle", *argv], env=_cli_env(work),
                          cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    found: list[tuple[str, float]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        if not name.startswith("  "):  # one space: imported by the program itself, not by another module
            found.append((name.strip(), int(cumulative) / 1000))
    return sorted(found, key=lambda item: -item[1])[:top]


# ---------------------------------------------------------------- the report


def machine() -> dict[str, str]:
    cpu = "unknown"
    memory = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    for line in Path("/proc/meminfo").read_text().splitlines() if Path("/proc/meminfo").exists() else []:
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": cpu, "cores": str(cores), "RAM": memory, "OS": platform.platform(),
        "Python": platform.python_version(), "DuckDB": metadata.version("duckdb"),
        "pandas": metadata.version("pandas"),
    }


def _mb(megabytes: float) -> str:
    return f"{megabytes:,.1f} MB" if megabytes >= 1 else f"{megabytes * 1000:,.0f} KB"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _targets(result: SizeResult) -> str:
    checks = []
    if result.teams in TARGET_SECONDS:
        limit = TARGET_SECONDS[result.teams]
        checks.append(f"≤ {_ms(limit)}: {'met' if result.from_zip_median <= limit else 'MISSED'}")
    if result.teams in TARGET_PEAK_MB:
        limit = TARGET_PEAK_MB[result.teams]
        checks.append(f"≤ {limit / 1000:g} GB: {'met' if result.sync.peak_rss_mb <= limit else 'MISSED'}")
    if result.teams in TARGET_RATIO and result.ratio is not None:
        limit = TARGET_RATIO[result.teams]
        checks.append(f"≥ {limit:g}x: {'met' if result.ratio >= limit else 'MISSED'}")
    return "; ".join(checks) or "-"


TABLE_HEADER = ("Teams", "Zip", "Zip → committed (median)", "Same, board not held", "Whole sync call",
                "Unchanged zip", "First sync",
                "Peak RSS", "RSS growth", "Old row loop", "Old / new", "Target")


def markdown_table(results: Sequence[SizeResult]) -> str:
    """The table, ready to paste into docs/performance.md."""
    lines = ["| " + " | ".join(TABLE_HEADER) + " |", "|" + "|".join("---:" for _ in TABLE_HEADER[:-1]) + "|---|"]
    for r in results:
        old = "-" if r.old is None else ("est. " if r.old.estimated else "") + _ms(r.old.seconds)
        ratio = "-" if r.ratio is None or r.old is None else ("est. " if r.old.estimated else "") + f"{r.ratio:,.1f}x"
        from_zip = (f"{_ms(r.from_zip_median)} (min {_ms(min(r.sync.from_zip_s))}, max {_ms(max(r.sync.from_zip_s))},"
                    f" n={len(r.sync.from_zip_s)})")
        cells = (
            f"{r.teams:,}", _mb(r.sync.zip_mb), from_zip, _ms(statistics.median(r.sync.not_held_s)), _ms(r.warm_median),
            _ms(r.sync.unchanged_s), _ms(r.sync.cold_s), f"{r.sync.peak_rss_mb:,.0f} MB",
            f"{r.sync.peak_rss_mb - r.sync.baseline_rss_mb:,.0f} MB", old, ratio, _targets(r),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


NOTES = """\
Each size: a leaderboard of that many teams plus 2 benchmark rows, {participants:,} registered participants on it.
Zip → committed = wall time from the moment the fetch hands over the downloaded zip to committed rows (hash the
member as stored, inflate it in memory, Arrow's CSV reader, the comparison with the stored board, the transaction
that writes the changed rows, the history snapshot and the run record, the commit's checkpoint, detaching the
file), in a warm process (one untimed load first), median, minimum and maximum of n timed runs, each a real load
whose content differs from the previous one (outcome `updated`, every {share}th team changed). The process compares the download with the
board it loaded last, kept in memory; "board not held" is the same load in a process that does not hold it
(the cache emptied before each run, as for a cron job), which compares with the stored rows in SQL. Whole sync call = the same plus what
`sync.sync()` does before downloading (the cross-process lock and a state query on a connection of its own). Unchanged zip = the same download
again (hash match: nothing inflated, nothing loaded). First sync = the first load into an empty competition, in that process.
Peak RSS = the measuring process's peak resident memory (VmHWM: Python, DuckDB and every load; the figure to
compare with 1.5 GB); RSS growth = peak minus the peak before the first sync. Old row loop = `pandas.read_csv`
of the zip, then per row one SELECT of the participant by lowercased username (primary key) and one
`INSERT ... ON CONFLICT DO UPDATE` in SQLite, committed at the end, same warm-up and alternation, median of n
runs in a warm process of its own, each run right after one of the timed syncs (the two take turns, so the
ratio compares them under the same machine load); "est." = scaled from the largest measured size's per-row
rate because running it would take over {budget:.0f} s."""


def _load_line(before: float, after: float) -> str:
    """The 1-minute load average around the run: on 2 cores, anything else running inflates every time. Only
    the start tells of other processes; the end counts the benchmark's own threads."""
    line = f"Load average (1 min): {before:.2f} at the start, {after:.2f} at the end (the benchmark's own included)"
    busy = before > 0.5
    return line + (" - other processes were busy at the start, so the times may be inflated; trust the minimums"
                   " more" if busy else "")


def report(results: Sequence[SizeResult], startup: dict[str, float],
           imports: dict[str, list[tuple[str, float]]], runs: int, participants: int, load_before: float) -> str:
    parts = [markdown_table(results), "",
             NOTES.format(participants=participants, share=CHANGED_SHARE, budget=OLD_BUDGET_SECONDS)]
    if startup:
        parts += ["", f"Command line start-up (wall time, median of {runs}):"]
        parts += [f"- `{label}`: {_ms(seconds)}" for label, seconds in startup.items()]
    for command, found in imports.items():
        parts.append(f"- slowest top-level imports of `{command}` (cumulative): "
                     + ", ".join(f"{name} {ms:,.0f} ms" for name, ms in found))
    parts += ["", "Machine: " + "; ".join(f"{key} {value}" for key, value in machine().items()),
              _load_line(load_before, os.getloadavg()[0])]
    return "\n".join(parts)


# ---------------------------------------------------------------- entry point


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes are whole numbers separated by commas, not {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("give at least one size, each at least 1")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, help="teams per leaderboard, e.g. 1744,10000 (default: "
                        + ",".join(str(s) for s in SIZES) + ")")
    parser.add_argument("--quick", action="store_true", help="skip 1,000,000 rows, one timed run per size")
    parser.add_argument("--runs", type=int, help="timed runs per size (default 9, 5 from 100,000 rows, 2 at 1M)")
    parser.add_argument("--participants", type=int, default=PARTICIPANTS, help="registered participants")
    parser.add_argument("--no-cli", action="store_true", help="skip the command line start-up timings")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # the measuring process: a prepared folder
    parser.add_argument("--with-old", action="store_true", help=argparse.SUPPRESS)  # it times the old loop in turns
    parser.add_argument("--old-worker", type=Path, help=argparse.SUPPRESS)  # the old loop's process
    return parser


def _default_runs(teams: int) -> int:
    return 9 if teams < 100_000 else 5 if teams < 1_000_000 else 2


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.one:
        print(json.dumps(asdict(measure_sync(args.one, args.participants, args.runs or 3, args.with_old))))
        return 0
    if args.old_worker:
        old_worker(args.old_worker, args.participants)
        return 0
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    load_before = os.getloadavg()[0]
    sizes = args.sizes or [s for s in SIZES if not (args.quick and s >= 1_000_000)]
    results: list[SizeResult] = []
    with tempfile.TemporaryDirectory(prefix="mlbattle-bench-") as folder:
        work = Path(folder)
        for teams in sizes:
            runs = args.runs or (1 if args.quick else _default_runs(teams))
            results.append(run_size(teams, work, args.participants, runs, results))
        cli_runs = 1 if args.quick else 3
        startup = {} if args.no_cli else cli_startup(work, cli_runs)
        imports = {} if args.no_cli else {label: slowest_imports(argv, work) for label, argv in IMPORTS_OF.items()}
    print(report(results, startup, imports, cli_runs, args.participants, load_before))
    return 0


if __name__ == "__main__":
    sys.exit(main())
