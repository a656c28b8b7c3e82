"""`python -m tools.loadtest`: the app under load, its memory and its page times, on the real app over loopback.

A temporary folder gets a DuckDB database with registered participants and competitions of synthetic
leaderboards, each loaded through the real `sync.sync` (the fetch copies a prepared Kaggle zip). Then:

1. Load: `streamlit run app.py` serves it; N viewers are real Streamlit sessions on its websocket, speaking
   the browser's protocol (BackMsg `rerun_script` with the page name and query string, ForwardMsgs until
   `script_finished`), each rerunning the leaderboard page as fast as it is answered (closed loop, no think
   time) until the time limit, while sync processes load changed downloads of the same competitions.
   Afterwards the database must hold exactly the last loaded file of each competition and one run record
   per download.
2. Page script time of the leaderboard at several sizes, cold (caches cleared) and warm: through the server
   (what a viewer waits for) and through AppTest (with AppTest's own floor, an empty page, beside it).
3. Memory: a fresh server, S sessions each opening C leaderboards; the server's peak RSS and what its
   caches hold (Streamlit's /_stcore/metrics).

Everything is bounded in time, listens on 127.0.0.1 only, and the server's process group and the folder
are removed at the end. Streamlit is imported only inside the functions that speak its protocol, so the
rest of `mlbattle` (the CLI, cron jobs) never loads it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tools import app_server

log = logging.getLogger("tools.loadtest")

PROJECT_DIR = Path(__file__).resolve().parent.parent
PAGE = "leaderboard"  # the leaderboard's url_path in app.py's st.navigation
SCREEN_PAGE = "screen"
EVENT = "load-night"  # the event of the load competitions, which the big screen cycles through
EVENT_TITLE = "Load night"
PARTICIPANTS = 200
DROPPED_TEAMS = 7  # the second download of a competition lost its last 7 teams, so row counts tell them apart
RUN_TIMEOUT = 60.0  # one page run; a run that takes longer counts as a failure
TARGET_RSS_MB = 500.0
TARGET_SCRIPT_SECONDS = {10_000: 0.300, 100_000: 1.5}
SETUP_TRIGGER = "loadtest-setup"
SYNC_TRIGGER = "loadtest"
BUSY_TEXT = "database is busy"
SETTLE_SECONDS = 10.0  # after the last viewer's arrival (within `think`), the queue of first views has drained
PROBE_GAP = 1.1  # longer than mlbattle.web.data.PROBE_FRESH_SECONDS, the life of a version probe shared by sessions
_STRIPPED_ENV = ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN", "KAGGLE_CONFIG_DIR", "MLBATTLE_KAGGLE_ENDPOINT",
                 "MLBATTLE_ADMIN_PASSWORD", "MLBATTLE_AUTO_SYNC", "MLBATTLE_SYNC_INTERVAL", "MLBATTLE_DB")


@dataclass(frozen=True)
class Plan:
    viewers: int = 50
    seconds: float = 60.0
    teams: int = 10_000
    competitions: int = 10
    sessions: int = 20
    sync_workers: int = 2
    sync_gap: float = 1.0
    script_sizes: tuple[int, ...] = (2_000, 10_000, 100_000)
    repeats: int = 5
    apptest: bool = True
    memory: bool = True
    screens: int = 0  # sessions with the big screen open (cycling the event) during the load run
    every: int = 20  # the big screen's seconds per slide
    full_reruns: bool = False  # refresh by rerunning the whole page, as the timer did before it was a fragment
    refreshes: int = 1  # refresh turns before each new query in a viewer's cycle


QUICK = Plan(viewers=10, seconds=15.0, competitions=3, sessions=5, script_sizes=(2_000, 10_000), repeats=3)


# ---------------------------------------------------------------- the data


@dataclass(frozen=True)
class Board:
    """One competition of the test: its zips on disk and the rows each one holds."""

    slug: str
    title: str
    teams: int
    zips: dict[str, str]  # "a"/"b" -> path
    rows: dict[str, int]  # "a"/"b" -> all rows (teams and benchmarks)
    team_rows: dict[str, int]  # "a"/"b" -> teams (benchmarks excluded)


@dataclass(frozen=True)
class Fixture:
    folder: str
    db: str
    home: str
    cwd: str
    load: list[Board]  # the competitions viewers open, all with plan.teams teams
    sizes: dict[int, Board]  # teams -> competition for the script-time table

    @property
    def synced(self) -> list[Board]:
        """What the sync processes load during the load run: the viewed competition and the next one."""
        return self.load[:2]

    def env(self) -> dict[str, str]:
        """Environment of every process of the test: its own database and home, no Kaggle, no password."""
        base = {k: v for k, v in os.environ.items() if k not in _STRIPPED_ENV}
        path = os.pathsep.join(filter(None, [str(PROJECT_DIR), base.get("PYTHONPATH")]))
        return {**base, "MLBATTLE_DB": self.db, "HOME": self.home, "PYTHONPATH": path}


def usernames(count: int) -> list[str]:
    return [f"Viewer_{i:04d}" for i in range(count)]


def _write_board(folder: Path, slug: str, title: str, teams: int, names: Sequence[str], seed: int,
                 second: bool) -> Board:
    """Zip `a`, and when asked zip `b`: `a` after every 20th team submitted again and the last teams left."""
    from tools import samples

    frame = samples.synthetic_leaderboard(teams, seed=seed, usernames=names)
    folder.mkdir(parents=True, exist_ok=True)
    zips, rows, team_rows = {}, {}, {}
    variants = {"a": frame}
    if second:
        changed = frame.copy()
        again = changed.index % 20 == 0
        changed.loc[again, "SubmissionCount"] += 1
        last_teams = changed.index[changed["Rank"] != 0][-DROPPED_TEAMS:]
        variants["b"] = changed.drop(index=last_teams).reset_index(drop=True)
    for name, board in variants.items():
        path = folder / f"{name}.zip"
        path.write_bytes(samples.leaderboard_zip(slug, samples.leaderboard_csv(board),
                                                 timestamp=f"2026-11-2{2 if name == 'a' else 3}T18:00:00"))
        zips[name], rows[name], team_rows[name] = str(path), len(board), int((board["Rank"] != 0).sum())
    (folder / "current").write_text("a 0")
    return Board(slug, title, teams, zips, rows, team_rows)


def _other(name: str) -> str:
    return "b" if name == "a" else "a"


def copying_fetch(board_folder: Path, toggle: bool, handed: list[tuple[str, int]] | None = None):
    """A sync `fetch` that 'downloads' by copying a prepared zip.

    With `toggle`, it hands out the zip the database does not hold, so every sync is a real change. The
    marker (`current`: the file the database holds and a download count) is flipped here, inside the sync's
    per-competition lock, so two syncs of one competition never read it at once; if the lock failed, two
    syncs would load the same file and the second would be "unchanged".
    """

    def fetch(slug: str, folder: Path) -> Path:
        marker = board_folder / "current"
        name, held = marker.read_text().split()
        count = int(held)
        if toggle:
            name, count = _other(name), count + 1
            marker.write_text(f"{name} {count}")
        if handed is not None:
            handed.append((name, count))
        target = folder / f"{slug}.zip"
        shutil.copyfile(board_folder / f"{name}.zip", target)
        return target

    return fetch


def undo_download(board_folder: Path, count: int, settings: Any, slug: str) -> None:
    """A failed sync left the database as it was: point the marker back, unless a later sync moved it.

    Takes the sync's own lock (its name is `sync.sync`'s) so no sync of the competition runs meanwhile."""
    from mlbattle import locks

    with locks.hold(settings, f"sync-{slug}", settings.total_timeout + settings.db_busy_timeout):
        marker = board_folder / "current"
        name, now = marker.read_text().split()
        if int(now) == count:
            marker.write_text(f"{_other(name)} {count}")


def prepare(folder: Path, plan: Plan) -> Fixture:
    """The database: participants, the load competitions and the script-time sizes, each synced once."""
    from mlbattle import db, registry, sync
    from mlbattle.settings import Settings

    names = usernames(PARTICIPANTS)
    home, cwd = folder / "home", folder / "cwd"
    home.mkdir(parents=True)
    (cwd / ".streamlit").mkdir(parents=True)
    config = PROJECT_DIR / ".streamlit" / "config.toml"
    if config.is_file():  # the project's look, never its secrets: the server runs from this scratch folder
        shutil.copyfile(config, cwd / ".streamlit" / "config.toml")
    settings = Settings(db=str(folder / "data" / "loadtest.duckdb"))
    load = [_write_board(folder / "zips" / f"load-{i:02d}", f"load-{i:02d}", f"Load test {i:02d}", plan.teams,
                         names, seed=i, second=i <= 2)
            for i in range(1, max(plan.competitions, 2) + 1)]
    sizes = {n: _write_board(folder / "zips" / f"size-{n}", f"size-{n}", f"Size {n}", n, names, seed=n,
                             second=False) for n in plan.script_sizes}
    with db.connect(settings) as con:
        registry.import_participants(con, [(name, f"Person {i}") for i, name in enumerate(names)])
        registry.add_event(con, EVENT, EVENT_TITLE)
        for board in [*load, *sizes.values()]:
            registry.add_competition(con, registry.CompetitionFacts(board.slug, board.title, metric="AUC"),
                                     event=EVENT if board in load else None, status="ongoing", auto_sync=False)
    for board in [*load, *sizes.values()]:
        result = sync.sync(board.slug, settings, trigger=SETUP_TRIGGER,
                           fetch=copying_fetch(Path(board.zips["a"]).parent, toggle=False))
        if result.outcome != "created":
            raise RuntimeError(f"setting up {board.slug} failed: {result.summary()}")
    return Fixture(str(folder), settings.db, str(home), str(cwd), load, sizes)


# ---------------------------------------------------------------- the server


class AppServer(app_server.AppServer):
    """The real app on the load-test database, plus what the report reads off it."""

    def __init__(self, fixture: Fixture, name: str, script: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        super().__init__({**fixture.env(), **(env or {})}, Path(fixture.folder), name, script)

    def log_errors(self) -> list[str]:
        """Tracebacks and errors the server logged (one line each)."""
        return [line for line in self.log().splitlines() if "Traceback" in line or " ERROR " in line]

    @property
    def pid(self) -> int:
        assert self.process is not None  # only used inside the `with` block that started it
        return self.process.pid

    def rss_mb(self) -> float:
        return tree_rss_mb(self.pid)

    def cache_memory(self) -> dict[str, float]:
        """MB per cache as Streamlit counts it (st.cache_data, st.cache_resource, session state, media)."""
        with urllib.request.urlopen(f"{self.url}/_stcore/metrics?families=cache_memory_bytes", timeout=30) as answer:
            return parse_cache_memory(answer.read().decode())


def parse_cache_memory(text: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for line in text.splitlines():
        match = re.match(r'cache_memory_bytes\{cache_type="([^"]*)",cache="([^"]*)"\} (\S+)', line)
        if match:
            key = f"{match[1]}: {match[2]}"
            found[key] = found.get(key, 0.0) + float(match[3]) / 1e6
    return dict(sorted(found.items(), key=lambda item: item[1], reverse=True))  # largest first


def _tree_total(pid: int, measure: Any) -> float:
    """`measure(process)` summed over a process and its living children (0 once it is gone)."""
    import psutil

    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for member in members:
        try:
            total += measure(member)
        except psutil.NoSuchProcess:
            pass
    return total


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process and its living children have used so far."""
    return _tree_total(pid, lambda process: sum(process.cpu_times()[:2]))


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    return _tree_total(pid, lambda process: process.memory_info().rss) / 2**20


class RssSampler:
    """Samples a process tree's RSS every `every` seconds in a thread, keeping the peak."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid, self.every = pid, every
        self.peak = 0.0
        self.loads: list[float] = []  # the machine's 1-minute load average, once a second
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        last_load = 0.0
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_mb(self.pid))
            if time.monotonic() - last_load >= 1.0:
                self.loads.append(os.getloadavg()[0])
                last_load = time.monotonic()
            self._stop.wait(self.every)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_mb(self.pid))


# ---------------------------------------------------------------- a viewer: Streamlit's websocket protocol


@dataclass
class PageRun:
    """What one run of the page sent to its viewer."""

    seconds: float = 0.0
    finished: bool = False  # script_finished FINISHED_SUCCESSFULLY arrived
    title_seen: bool = False  # the competition's title was drawn, so the leaderboard page really ran
    exceptions: list[str] = field(default_factory=list)
    error_alerts: list[str] = field(default_factory=list)
    busy: bool = False  # the page said the database was busy (degraded, not an error)
    tick: bool = False  # a timer's fragment rerun, not a whole-page run
    redrawn: bool = False  # the run ended early for a rerun of the whole page (a tick that found new data)
    elements: int = 0  # elements the run sent (an unchanged tick sends none)
    query: str = ""  # the query string the run was asked for
    sent: float = 0.0  # time.monotonic() when it was asked for
    fragment_id: str = ""  # the page's timer, as its auto_rerun message announced it
    page_script_hash: str = ""  # the page that ran, as new_session named it (a tick names it as the browser does)
    interval: float = 0.0  # seconds between the timer's ticks

    @property
    def drew(self) -> bool:
        """The page really ran: a whole run drew its title; a tick finished (it draws only on a change)."""
        return self.finished and (self.title_seen or (self.tick and not self.redrawn))


def rerun_request(query: str, page: str = PAGE, clear_cache: bool = False, fragment_id: str = "",
                  page_script_hash: str = "") -> list[bytes]:
    """What the browser sends to (re)run a page: its url path as page name and the query string; for a
    fragment's timer, the fragment's id (only that fragment reruns)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    messages = []
    if clear_cache:
        clearing = BackMsg()
        clearing.clear_cache = True
        messages.append(clearing.SerializeToString())
    rerun = BackMsg()
    rerun.rerun_script.query_string = query
    rerun.rerun_script.page_name = page
    if page_script_hash:  # without it, a tick's st.rerun() would run the app's default page
        rerun.rerun_script.page_script_hash = page_script_hash
    if fragment_id:
        rerun.rerun_script.fragment_id = fragment_id
        rerun.rerun_script.is_auto_rerun = True
    messages.append(rerun.SerializeToString())
    return messages


def read_message(data: bytes, title: str, run: PageRun) -> bool:
    """Note what a ForwardMsg says about the run; True when it is the run's end."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    msg.ParseFromString(data)
    kind = msg.WhichOneof("type")
    status = ForwardMsg.ScriptFinishedStatus
    if kind == "script_finished":
        if msg.script_finished == status.FINISHED_EARLY_FOR_RERUN:  # st.rerun(): the whole page follows
            run.redrawn = True
            return False
        run.finished = msg.script_finished in (status.FINISHED_SUCCESSFULLY, status.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
        return True
    if kind == "new_session" and not run.page_script_hash:
        run.page_script_hash = msg.new_session.page_script_hash
    if kind == "navigation":  # with st.navigation, the page that runs (new_session names app.py)
        run.page_script_hash = msg.navigation.page_script_hash
    if kind == "auto_rerun":
        run.fragment_id, run.interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
    if kind != "delta" or msg.delta.WhichOneof("type") != "new_element":
        return False
    element = msg.delta.new_element
    run.elements += 1
    shown = element.WhichOneof("type")
    if shown == "exception" and not element.exception.is_warning:
        run.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
    elif (shown == "heading" and title in element.heading.body) or (shown == "html" and title in element.html.body):
        run.title_seen = True  # (the big screen draws its text as HTML)
    elif shown == "alert":
        if element.alert.format == element.alert.ERROR:
            run.error_alerts.append(element.alert.body[:300])
        run.busy |= BUSY_TEXT in element.alert.body
    elif shown == "markdown":
        run.busy |= BUSY_TEXT in element.markdown.body
    return False


async def run_page(ws: Any, query: str, title: str, timeout: float = RUN_TIMEOUT, clear_cache: bool = False,
                   page: str = PAGE, fragment_id: str = "", page_script_hash: str = "") -> PageRun:
    run = PageRun(tick=bool(fragment_id), query=query, page_script_hash=page_script_hash, sent=time.monotonic())
    began = time.perf_counter()
    for message in rerun_request(query, page, clear_cache, fragment_id, page_script_hash):
        await ws.send(message)
    async with asyncio.timeout(timeout):
        while not read_message(await ws.recv(), title, run):
            pass
    run.seconds = time.perf_counter() - began
    return run


def connect(url: str) -> Any:
    from websockets.asyncio.client import connect as ws_connect
    from websockets.typing import Subprotocol

    # No keepalive pings: a browser sends none, and under load a late pong closed sessions a browser keeps.
    return ws_connect(url, subprotocols=[Subprotocol("streamlit")], max_size=None, open_timeout=30, close_timeout=5,
                      ping_interval=None)


@dataclass
class ViewerLog:
    runs: list[PageRun] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # websocket errors and runs past RUN_TIMEOUT


REFRESH = ""  # a turn of the cycle that is the page's own timer, not a new query


def viewer_queries(slug: str, viewer: int, refreshes: int = 1) -> list[str]:
    """The reruns a viewer cycles through: `refreshes` auto-refreshes, all Kaggle teams, as many refreshes, a
    search for a participant (with 1, the share the load test always had: half the runs are new queries)."""
    base = f"competition={slug}"
    return ([REFRESH] * refreshes + [f"{base}&view=all"] + [REFRESH] * refreshes
            + [f"{base}&q=viewer_{viewer % PARTICIPANTS:04d}"])


async def take_turn(ws: Any, want: str, shown: PageRun | None, base: str, title: str, full_reruns: bool = False,
                    page: str = PAGE) -> PageRun:
    """A turn as the browser takes it: a new query reruns the whole page; a refresh reruns the timer fragment
    the shown page announced (with the query it shows), or with `full_reruns` (or on a page without a timer)
    the whole page, as the timer did before it was a fragment."""
    if want != REFRESH:
        return await run_page(ws, want, title, page=page)
    if shown is not None and shown.fragment_id and not full_reruns:
        return await run_page(ws, shown.query, title, page=page, fragment_id=shown.fragment_id,
                              page_script_hash=shown.page_script_hash)
    return await run_page(ws, shown.query if shown else base, title, page=page)


async def viewer(url: str, board: Board, number: int, deadline: float, think: float = 0.0,
                 full_reruns: bool = False, refreshes: int = 1) -> ViewerLog:
    """One browser tab on the leaderboard, rerunning it until the deadline; reconnects after a failure.

    With `think`, the tab arrives at a random moment within the first `think` seconds and waits 0.5 to 1.5
    times `think` between runs, so viewers do not move in lockstep."""
    found = ViewerLog()
    queries = viewer_queries(board.slug, number, refreshes)
    pause = random.Random(number)
    turn = 0
    if think:
        await asyncio.sleep(pause.uniform(0, think))
    while time.monotonic() < deadline:
        try:
            async with connect(url) as ws:
                shown: PageRun | None = None  # the last whole run: its query and its timer
                while time.monotonic() < deadline:
                    run = await take_turn(ws, queries[turn % len(queries)], shown, f"competition={board.slug}",
                                          board.title, full_reruns)
                    if not run.tick or run.redrawn:
                        shown = run
                    found.runs.append(run)
                    turn += 1
                    if think:
                        await asyncio.sleep(min(pause.uniform(0.5, 1.5) * think,
                                                max(0.0, deadline - time.monotonic())))
        except Exception as exc:  # refused, closed, a protocol error or a run past RUN_TIMEOUT: count, reconnect
            found.failures.append(f"{type(exc).__name__}: {exc}"[:200])
            await asyncio.sleep(0.5)
    return found


async def screen(url: str, query: str, number: int, deadline: float) -> ViewerLog:
    """One projector on the big screen: opened once, then only its own timer's ticks, as the browser sends
    them (a tick that finds new data or the next slide reruns the page, which announces its timer again)."""
    found = ViewerLog()
    await asyncio.sleep(random.Random(-number).uniform(0, 2))
    while time.monotonic() < deadline:
        try:
            async with connect(url) as ws:
                shown = await run_page(ws, query, EVENT_TITLE, page=SCREEN_PAGE)
                found.runs.append(shown)
                while shown.fragment_id and time.monotonic() + shown.interval < deadline:
                    await asyncio.sleep(shown.interval)
                    run = await take_turn(ws, REFRESH, shown, query, EVENT_TITLE, page=SCREEN_PAGE)
                    found.runs.append(run)
                    shown = run if run.redrawn else shown
                await asyncio.sleep(max(0.0, deadline - time.monotonic()))
        except Exception as exc:  # as for a viewer: count, reconnect
            found.failures.append(f"{type(exc).__name__}: {exc}"[:200])
            await asyncio.sleep(0.5)
    return found


async def many_viewers(url: str, board: Board, count: int, seconds: float, think: float = 0.0,
                       screens: int = 0, every: int = 20, full_reruns: bool = False,
                       refreshes: int = 1) -> list[ViewerLog]:
    """The viewers on the leaderboard, and `screens` big screens cycling the event beside them."""
    deadline = time.monotonic() + seconds
    return list(await asyncio.gather(
        *(viewer(url, board, n, deadline, think, full_reruns, refreshes) for n in range(count)),
        *(screen(url, f"event={EVENT}&every={every}", n, deadline) for n in range(screens))))


async def open_sessions(server: AppServer, boards: Sequence[Board], sessions: int) -> tuple[list[ViewerLog], float]:
    """`sessions` sessions at once, each opening every board in turn. All stay connected until the last one
    is done; then the server's RSS is read (returned with the logs) and they close."""
    all_done, release = asyncio.Event(), asyncio.Event()
    pending = sessions

    def one_done() -> None:
        nonlocal pending
        pending -= 1
        if pending == 0:
            all_done.set()

    async def session(number: int) -> ViewerLog:
        found = ViewerLog()
        order = [boards[(number + i) % len(boards)] for i in range(len(boards))]
        visited = False
        try:
            async with connect(server.ws_url) as ws:
                for board in order:
                    found.runs.append(await run_page(ws, f"competition={board.slug}", board.title))
                visited = True
                one_done()
                await release.wait()
        except Exception as exc:  # websocket errors, runs past RUN_TIMEOUT: counted, the others go on
            found.failures.append(f"{type(exc).__name__}: {exc}"[:200])
            if not visited:
                one_done()
        return found

    tasks = [asyncio.create_task(session(n)) for n in range(sessions)]
    try:
        await asyncio.wait_for(all_done.wait(), RUN_TIMEOUT * len(boards) + 30)
        await asyncio.sleep(1.0)  # let the last runs' messages and garbage settle
        open_rss = server.rss_mb()
    finally:
        release.set()
    return list(await asyncio.gather(*tasks)), open_rss


# ---------------------------------------------------------------- sync processes


def sync_worker(folder: Path, slugs: Sequence[str], seconds: float, gap: float, first: int) -> dict[str, Any]:
    """Sync the competitions in turn until the time is up, each time a changed download; what happened."""
    from mlbattle import settings as settings_module
    from mlbattle import sync

    settings = settings_module.load()
    deadline = time.monotonic() + seconds
    done: list[dict[str, Any]] = []
    turn = first
    while time.monotonic() < deadline:
        slug = slugs[turn % len(slugs)]
        handed: list[tuple[str, int]] = []
        began = time.perf_counter()
        try:
            result = sync.sync(slug, settings, trigger=SYNC_TRIGGER,
                               fetch=copying_fetch(folder / "zips" / slug, toggle=True, handed=handed))
        except Exception as exc:  # sync() should answer, never raise: that is a finding, not a worker crash
            result = sync.SyncResult(slug, "raised", error=f"{type(exc).__name__}: {exc}"[:300])
        if handed and result.outcome not in sync.SUCCESS:
            undo_download(folder / "zips" / slug, handed[0][1], settings, slug)
        done.append({"slug": slug, "file": handed[0][0] if handed else None, "outcome": result.outcome,
                     "seconds": result.seconds, "wall": time.perf_counter() - began, "error": result.error,
                     "ended": time.time()})
        turn += 1
        time.sleep(gap)
    return {"syncs": done}


def start_sync_workers(fixture: Fixture, plan: Plan) -> list[subprocess.Popen]:
    slugs = ",".join(board.slug for board in fixture.synced)
    return [subprocess.Popen([sys.executable, "-m", "tools.loadtest", "--sync-worker", fixture.folder,
                              "--slugs", slugs, "--seconds", str(plan.seconds), "--sync-gap", str(plan.sync_gap),
                              "--first", str(number)],
                             cwd=fixture.cwd, env=fixture.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)
            for number in range(plan.sync_workers)]


def collect_sync_workers(workers: Sequence[subprocess.Popen], timeout: float) -> tuple[list[dict], list[str]]:
    """Every worker's syncs, and the failures of the workers themselves (a crash, a hang past `timeout`)."""
    syncs: list[dict] = []
    problems: list[str] = []
    for worker in workers:
        try:
            out, err = worker.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            out, err = worker.communicate()
            problems.append(f"sync worker {worker.pid} ran past its time and was killed")
        if worker.returncode != 0:
            problems.append(f"sync worker exited {worker.returncode}: {err.strip()[-300:]}")
            continue
        syncs.extend(json.loads(out)["syncs"])
    return sorted(syncs, key=lambda s: s["ended"]), problems


# ---------------------------------------------------------------- checks after the load


@dataclass
class RowsCheck:
    slug: str
    expected_rows: int
    found_rows: int
    expected_teams: int
    found_teams: int
    downloads: int  # fetches the sync processes made for it
    runs_recorded: int  # loadtest sync runs in the database
    outcomes_recorded: dict[str, int]

    @property
    def ok(self) -> bool:
        return (self.expected_rows == self.found_rows and self.expected_teams == self.found_teams
                and self.downloads == self.runs_recorded)


def check_rows(fixture: Fixture, syncs: Sequence[dict]) -> list[RowsCheck]:
    """Each synced competition holds exactly the last file loaded, and every download left one run record."""
    from mlbattle import db, reads
    from mlbattle import settings as settings_module

    settings = settings_module.load(env=fixture.env(), secrets={}, declared={})
    checks = []
    with db.connect(settings) as con:
        for board in fixture.synced:
            mine = [s for s in syncs if s["slug"] == board.slug]
            loaded = [s["file"] for s in mine if s["outcome"] in ("created", "updated", "unchanged")]
            last = loaded[-1] if loaded else "a"
            record = reads.competition(con, board.slug)
            assert record is not None  # every synced board was registered by prepare()
            total = reads.leaderboard_page(con, board.slug, reads.LeaderboardFilter("all"), 1, 0).total
            runs = reads.recent_runs(con, board.slug, limit=1_000_000)
            runs = runs[runs["trigger"] == SYNC_TRIGGER]
            checks.append(RowsCheck(board.slug, board.rows[last], total, board.team_rows[last], int(record["teams"]),
                                    sum(1 for s in mine if s["file"] is not None), len(runs),
                                    dict(Counter(runs["outcome"]))))
    return checks


# ---------------------------------------------------------------- the measurements


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))]


@dataclass
class LoadResult:
    viewers: int
    seconds: float
    teams: int
    sync_workers: int
    first_view_s: float
    rss_idle_mb: float
    rss_before_mb: float
    rss_peak_mb: float
    server_cpu_s: float
    client_cpu_s: float
    runs: int
    finished: int
    rendered: int
    latencies: list[float]
    exceptions: list[str]
    error_alerts: list[str]
    busy_runs: int
    ws_failures: list[str]
    syncs: dict[str, int]
    sync_errors: list[str]
    sync_seconds: list[float]
    sync_wall: list[float]
    rows: list[RowsCheck]
    server_errors: list[str]
    caches: dict[str, float]
    settled: list[float] = field(default_factory=list)  # runs asked for once every viewer had arrived and settled
    ticks: list[float] = field(default_factory=list)  # the timer's reruns that found nothing new
    redraws: list[float] = field(default_factory=list)  # the timer's reruns that found new data: the whole page
    full: list[float] = field(default_factory=list)  # whole-page runs asked for (a new query, or full reruns)
    screens: int = 0
    screen_runs: int = 0
    screen_drew: int = 0
    screen_latencies: list[float] = field(default_factory=list)
    load_samples: list[float] = field(default_factory=list)  # the machine's 1-minute load during the run

    @property
    def throughput(self) -> float:
        return self.finished / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        screen_unfinished = self.screen_runs - len(self.screen_latencies)
        return (len(self.exceptions) + len(self.ws_failures) + (self.runs - self.finished) + screen_unfinished
                + len(self.server_errors))


def load_run(server: AppServer, fixture: Fixture, plan: Plan, think: float = 0.0) -> LoadResult:
    board = fixture.load[0]
    rss_idle = server.rss_mb()

    async def first_view() -> PageRun:
        async with connect(server.ws_url) as ws:
            return await run_page(ws, f"competition={board.slug}", board.title)

    first = asyncio.run(first_view())
    if not (first.finished and first.title_seen) or first.exceptions:
        raise RuntimeError(f"the leaderboard page did not render for a single viewer: {first}")
    rss_before = server.rss_mb()
    log.info("load: %d viewers on %s for %.0f s, %d sync processes", plan.viewers, board.slug, plan.seconds,
             plan.sync_workers)
    workers = start_sync_workers(fixture, plan)
    began = time.monotonic()
    cpu_before, client_before = tree_cpu_seconds(server.pid), time.process_time()
    with RssSampler(server.pid) as sampler:
        logs = asyncio.run(many_viewers(server.ws_url, board, plan.viewers, plan.seconds, think, plan.screens,
                                        plan.every, plan.full_reruns, plan.refreshes))
        elapsed = time.monotonic() - began
        server_cpu = tree_cpu_seconds(server.pid) - cpu_before
        client_cpu = time.process_time() - client_before
        syncs, problems = collect_sync_workers(workers, timeout=plan.seconds + 180)
    caches = server.cache_memory()
    screens = logs[plan.viewers:]
    runs = [run for found in logs[:plan.viewers] for run in found.runs]
    screen_runs = [run for found in screens for run in found.runs]
    done = [run for run in runs if run.finished]
    return LoadResult(
        viewers=plan.viewers, seconds=elapsed, teams=board.teams, sync_workers=plan.sync_workers,
        first_view_s=first.seconds, rss_idle_mb=rss_idle, rss_before_mb=rss_before, rss_peak_mb=sampler.peak,
        server_cpu_s=server_cpu, client_cpu_s=client_cpu, runs=len(runs), finished=len(done),
        rendered=sum(run.drew for run in runs),
        latencies=[run.seconds for run in done], exceptions=[e for run in runs + screen_runs for e in run.exceptions],
        error_alerts=[e for run in runs for e in run.error_alerts], busy_runs=sum(run.busy for run in runs),
        ws_failures=[f for found in logs for f in found.failures],
        settled=[run.seconds for run in done if run.sent >= began + think + SETTLE_SECONDS],
        ticks=[run.seconds for run in done if run.tick and not run.redrawn],
        redraws=[run.seconds for run in done if run.redrawn], full=[run.seconds for run in done if not run.tick],
        screens=len(screens), screen_runs=len(screen_runs), screen_drew=sum(run.drew or run.busy for run in screen_runs),
        screen_latencies=[run.seconds for run in screen_runs if run.finished],
        load_samples=sampler.loads,
        syncs=dict(Counter(s["outcome"] for s in syncs)),
        sync_errors=problems + [f"{s['slug']}: {s['outcome']}: {s['error']}" for s in syncs
                                if s["outcome"] not in ("created", "updated")],
        sync_seconds=[s["seconds"] for s in syncs if s["outcome"] in ("created", "updated")],
        sync_wall=[s["wall"] for s in syncs],
        rows=check_rows(fixture, syncs), server_errors=server.log_errors(), caches=caches,
    )


@dataclass
class MemoryResult:
    sessions: int
    competitions: int
    teams: int
    page_views: int
    rendered: int
    failures: list[str]
    exceptions: list[str]
    rss_idle_mb: float
    rss_peak_mb: float
    rss_open_mb: float
    caches: dict[str, float]


def memory_run(server: AppServer, fixture: Fixture, plan: Plan) -> MemoryResult:
    boards = fixture.load[:plan.competitions]
    rss_idle = server.rss_mb()
    log.info("memory: %d sessions each opening %d leaderboards of %s teams", plan.sessions, len(boards),
             f"{plan.teams:,}")
    with RssSampler(server.pid) as sampler:
        logs, open_rss = asyncio.run(open_sessions(server, boards, plan.sessions))
    runs = [run for found in logs for run in found.runs]
    return MemoryResult(plan.sessions, len(boards), plan.teams, len(runs), sum(run.title_seen for run in runs),
                        [f for found in logs for f in found.failures],
                        [e for run in runs for e in run.exceptions], rss_idle, sampler.peak, open_rss,
                        server.cache_memory())


@dataclass
class ScriptTime:
    teams: int
    server_cold: float
    server_warm: float
    server_refresh: float | None = None  # the timer's fragment on an unchanged board
    apptest_cold: float | None = None
    apptest_warm: float | None = None
    tick_script: float | None = None  # the timer's own work on a tick, in process (no Streamlit run around it)


def server_script_times(server: AppServer, fixture: Fixture, repeats: int) -> list[ScriptTime]:
    """One quiet session per size: `repeats` runs after Streamlit's "clear cache" (cold), then as many reruns."""

    async def measure(board: Board) -> ScriptTime:
        async with connect(server.ws_url) as ws:
            query = f"competition={board.slug}"
            await run_page(ws, query, board.title)  # the session's first run, untimed
            cold = [await run_page(ws, query, board.title, clear_cache=True) for _ in range(repeats)]
            warm = [await run_page(ws, query, board.title) for _ in range(repeats)]
            ticks = []
            for _ in range(repeats if warm[-1].fragment_id else 0):
                await asyncio.sleep(PROBE_GAP)  # past the shared probe's life: each tick asks the file
                ticks.append(await run_page(ws, query, board.title, fragment_id=warm[-1].fragment_id,
                                            page_script_hash=warm[-1].page_script_hash))
        bad = [run for run in cold + warm if not run.finished or not run.title_seen or run.exceptions]
        bad += [run for run in ticks if not run.finished or run.redrawn or run.elements or run.exceptions]
        if bad:
            raise RuntimeError(f"the {board.slug} page failed while timing it: {bad[0]}")
        return ScriptTime(board.teams, statistics.median(r.seconds for r in cold),
                          statistics.median(r.seconds for r in warm),
                          statistics.median(r.seconds for r in ticks) if ticks else None)

    return [asyncio.run(measure(board)) for _, board in sorted(fixture.sizes.items())]


EMPTY_PAGE = "# The load test's floor: a page that draws nothing, served like the app.\n"


def empty_page_time(fixture: Fixture, repeats: int) -> float:
    """The floor: the median run of an empty page through a server of its own, as the app's pages are timed
    (what Streamlit's session, websocket and script runner cost before a page does anything)."""
    script = Path(fixture.folder) / "empty_page.py"
    script.write_text(EMPTY_PAGE)

    async def measure(server: AppServer) -> list[PageRun]:
        async with connect(server.ws_url) as ws:
            await run_page(ws, "", "", page="")
            return [await run_page(ws, "", "", page="") for _ in range(repeats)]

    with AppServer(fixture, "empty-page", script) as server:
        runs = asyncio.run(measure(server))
    if not all(run.finished and not run.exceptions for run in runs):
        raise RuntimeError(f"the empty page failed: {runs[0]}")
    return statistics.median(run.seconds for run in runs)


def apptest_times(slugs: Sequence[str], repeats: int) -> dict[str, Any]:
    """In this process (the child's): AppTest of pages/leaderboard.py per slug, cold and warm, and AppTest's
    floor (an empty page), all medians of `repeats`."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def timed(make) -> float:
        at = make()
        began = time.perf_counter()
        at.run(timeout=120)
        seconds = time.perf_counter() - began
        if at.exception:
            raise RuntimeError(f"AppTest run failed: {at.exception[0].message}")
        return seconds

    def page(slug: str):
        def make():
            at = AppTest.from_file(str(PROJECT_DIR / "pages" / "leaderboard.py"), default_timeout=120)
            at.query_params["competition"] = slug
            return at
        return make

    def clear() -> None:
        st.cache_data.clear()
        st.cache_resource.clear()

    timed(page(slugs[0]))  # imports and the first compile, untimed
    floor = statistics.median(timed(lambda: AppTest.from_string("import streamlit as st\nst.write('x')"))
                              for _ in range(repeats))
    found: dict[str, Any] = {"floor": floor, "pages": {}}
    for slug in slugs:
        cold = []
        for _ in range(repeats):
            clear()
            cold.append(timed(page(slug)))
        warm = [timed(page(slug)) for _ in range(repeats)]
        found["pages"][slug] = [statistics.median(cold), statistics.median(warm)]
    found["ticks"] = {slug: tick_script_time(slug, repeats) for slug in slugs}
    return found


def tick_script_time(slug: str, repeats: int) -> float:
    """What the leaderboard's timer runs on a tick (`web.changed`: the view-refresh check and the version
    probe), timed in this process on an unchanged board, `PROBE_GAP` apart so the shared probe has expired
    and each tick asks the file: the script's own part of a refresh, without Streamlit's run around it."""
    from mlbattle import db, reads, web
    from mlbattle import settings as settings_module

    cfg = settings_module.load()
    with db.connect(cfg) as con:
        record = reads.competition(con, slug)
        if record is None:
            raise RuntimeError(f"there is no competition {slug!r} to time")
        seen = web.Watch(reads.competition_version, (slug,), reads.competition_version(con, slug), (record,))
    times = []
    for _ in range(repeats):
        time.sleep(PROBE_GAP)
        began = time.perf_counter()
        if web.changed(cfg, seen):
            raise RuntimeError(f"the board {slug} changed while its refresh was timed")
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def apptest_in_child(fixture: Fixture, repeats: int) -> dict[str, Any]:
    slugs = [board.slug for _, board in sorted(fixture.sizes.items())]
    done = subprocess.run([sys.executable, "-m", "tools.loadtest", "--apptest", ",".join(slugs),
                           "--repeats", str(repeats)], cwd=fixture.cwd, env=fixture.env(), capture_output=True,
                          text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the AppTest timing process failed: {done.stderr.strip()[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- the report


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _mb(megabytes: float) -> str:
    return f"{megabytes:,.0f} MB"


def _median_ms(values: Sequence[float]) -> str:
    return _ms(statistics.median(values)) if values else "-"


def _first(items: Sequence[str], count: int = 3) -> str:
    shown = sorted(Counter(items).items(), key=lambda item: -item[1])[:count]
    return "; ".join(f"{text} (x{n})" for text, n in shown)


def _spread(values: Sequence[float]) -> str:
    if not values:
        return "-"
    return f"p50 {_ms(percentile(values, 0.5))}, p95 {_ms(percentile(values, 0.95))}, max {_ms(max(values))}"


def _load_text(samples: Sequence[float]) -> str:
    if not samples:
        return "-"
    return f"mean {statistics.mean(samples):.2f}, max {max(samples):.2f} ({os.cpu_count()} cores)"


def load_table(r: LoadResult) -> str:
    p50, p95 = percentile(r.latencies, 0.5), percentile(r.latencies, 0.95)
    syncs_ok = r.syncs.get("created", 0) + r.syncs.get("updated", 0)
    syncs_bad = sum(r.syncs.values()) - syncs_ok
    rows_ok = all(check.ok for check in r.rows)
    rows_text = "; ".join(
        f"{c.slug}: {c.found_rows:,}/{c.expected_rows:,} rows, {c.found_teams:,}/{c.expected_teams:,} teams, "
        f"{c.runs_recorded} runs recorded for {c.downloads} downloads" for c in r.rows)
    lines = [
        "| Load run | Value |", "|---|---|",
        f"| Viewers (real Streamlit sessions on the websocket) | {r.viewers} on one {r.teams:,}-team leaderboard |",
        f"| Duration | {r.seconds:.1f} s |",
        f"| Page runs completed | {r.finished:,} of {r.runs:,} started; {r.rendered:,} drew the leaderboard "
        "(or, a refresh, found it unchanged) |",
        f"| Throughput | {r.throughput:.1f} page runs/s |",
        f"| Latency per run (send to script_finished) | p50 {_ms(p50)}, p95 {_ms(p95)}, "
        f"max {_ms(max(r.latencies, default=0))} |",
        f"| ... once all viewers had arrived (runs asked for after {SETTLE_SECONDS:g} s more) | {len(r.settled):,}: "
        f"{_spread(r.settled)} |",
        f"| ... whole-page runs (a new query) | {len(r.full):,}: {_spread(r.full)} |",
        f"| ... refreshes that found the board unchanged (the timer's fragment only) | {len(r.ticks):,}: "
        f"{_spread(r.ticks)} |",
        f"| ... refreshes that found new data (fragment, then the whole page) | {len(r.redraws):,}: "
        f"{_spread(r.redraws)} |",
        *([f"| Big screens cycling the event beside them | {r.screens}: {r.screen_runs:,} runs, "
           f"{r.screen_drew:,} drew, found nothing new or said the database was busy; {_spread(r.screen_latencies)} |"] if r.screens else []),
        f"| Machine load (1 min average) during the run | {_load_text(r.load_samples)} |",
        f"| First view after start (1 viewer) | {_ms(r.first_view_s)} |",
        f"| CPU used during the run | server {r.server_cpu_s:.1f} s ({r.server_cpu_s / r.seconds:.2f} cores), "
        f"the viewers' client {r.client_cpu_s:.1f} s ({r.client_cpu_s / r.seconds:.2f} cores) |",
        f"| Errors | {r.errors}: {len(r.exceptions)} page exceptions, {len(r.ws_failures)} websocket failures, "
        f"{r.runs - r.finished} unfinished runs, {len(r.server_errors)} server log errors |",
        f"| Error messages on pages (st.error) | {len(r.error_alerts)} |",
        f"| Runs that said the database was busy | {r.busy_runs:,} |",
        f"| Syncs during the run ({r.sync_workers} processes) | {syncs_ok} loaded, {syncs_bad} not "
        f"({', '.join(f'{k} {v}' for k, v in sorted(r.syncs.items())) or 'none'}) |",
        f"| Sync time | the sync's own timer (fetch to commit, incl. any wait for the database file): median "
        f"{_median_ms(r.sync_seconds)}; the whole call (also waiting for the competition's lock and reading its "
        f"last attempt): median {_median_ms(r.sync_wall)}, max {_ms(max(r.sync_wall, default=0))} |",
        f"| Rows check | {'ok' if rows_ok else 'FAILED'}: {rows_text} |",
        f"| Server RSS | {_mb(r.rss_idle_mb)} idle, {_mb(r.rss_before_mb)} after the first view, "
        f"peak {_mb(r.rss_peak_mb)} during the run |",
    ]
    details = []
    if r.exceptions:
        details.append(f"- page exceptions: {_first(r.exceptions)}")
    if r.error_alerts:
        details.append(f"- error messages: {_first(r.error_alerts)}")
    if r.ws_failures:
        details.append(f"- websocket failures: {_first(r.ws_failures)}")
    if r.sync_errors:
        details.append(f"- syncs not loaded: {_first(r.sync_errors)}")
    if r.server_errors:
        details.append(f"- server log: {_first(r.server_errors)}")
    return "\n".join(lines + ([""] + details if details else []))


def memory_table(m: MemoryResult) -> str:
    verdict = "met" if m.rss_peak_mb < TARGET_RSS_MB else "MISSED"
    lines = [
        "| Memory scenario | Sessions | Leaderboards each | Page views (drew the board) | Errors | RSS idle | "
        "RSS peak | RSS, all open | Target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {m.competitions} competitions x {m.teams:,} teams open in {m.sessions} sessions | {m.sessions} | "
        f"{m.competitions} | {m.page_views:,} ({m.rendered:,}) | {len(m.failures) + len(m.exceptions)} | "
        f"{_mb(m.rss_idle_mb)} | {_mb(m.rss_peak_mb)} | {_mb(m.rss_open_mb)} | < {TARGET_RSS_MB:.0f} MB: {verdict} |",
    ]
    if m.caches:
        lines += ["", "What Streamlit counts in its caches with all sessions open: "
                  + ", ".join(f"{name} {mb:,.1f} MB" for name, mb in list(m.caches.items())[:6])]
    if m.failures or m.exceptions:
        lines.append(f"- failures: {_first(m.failures + m.exceptions)}")
    return "\n".join(lines)


def script_table(times: Sequence[ScriptTime], floor: float | None, repeats: int,
                 server_floor: float | None = None) -> str:
    def target(t: ScriptTime) -> str:
        limit = TARGET_SCRIPT_SECONDS.get(t.teams)
        if limit is None:
            return "-"
        return f"< {_ms(limit)}: {'met' if t.server_cold < limit else 'MISSED'} cold, " \
               f"{'met' if t.server_warm < limit else 'MISSED'} warm"

    def cell(value: float | None) -> str:
        return "-" if value is None else _ms(value)

    lines = ["| Teams | Server, cold | Server, warm | Server, refresh of an unchanged board | Refresh, script only | "
             "AppTest, cold | AppTest, warm | Target (server) |",
             "|---:|---:|---:|---:|---:|---:|---:|---|"]
    if server_floor is not None:
        lines.append(f"| empty page (the floor) | - | {_ms(server_floor)} | - | - | - | - | - |")
    for t in times:
        refresh = "-" if t.tick_script is None else f"{t.tick_script * 1000:.1f} ms"
        lines.append(f"| {t.teams:,} | {_ms(t.server_cold)} | {_ms(t.server_warm)} | {cell(t.server_refresh)} | "
                     f"{refresh} | {cell(t.apptest_cold)} | {cell(t.apptest_warm)} | {target(t)} |")
    note = (f"Medians of {repeats}. Server = one session of the running app: BackMsg `rerun_script` to "
            "`script_finished` (cold = after Streamlit's `clear_cache` message, i.e. st.cache_data and "
            "st.cache_resource cleared). AppTest = `AppTest.from_file(pages/leaderboard.py)` with "
            "`?competition=`, `.run()` wall time (cold = `st.cache_data.clear(); st.cache_resource.clear()` first). "
            "Refresh = the page's timer fragment (BackMsg `rerun_script` with its `fragment_id`) on an unchanged "
            f"board, {PROBE_GAP:g} s apart (past the probe shared by sessions); script only = what that tick's "
            "fragment runs (`web.changed`), timed in the AppTest process. Empty page = a script "
            "that draws nothing, on a server of its own")
    if floor is not None:
        note += f"; AppTest's own floor, an empty page, is {_ms(floor)} of each AppTest figure"
    return "\n".join(lines + ["", note + "."])


def machine_line() -> str:
    from tools.bench import machine

    return "Machine: " + "; ".join(f"{key} {value}" for key, value in machine().items())


def report(plan: Plan, load: LoadResult | None, times: Sequence[ScriptTime], floor: float | None,
           memory: MemoryResult | None, load_before: float, think: float = 0.0,
           server_floor: float | None = None) -> str:
    pacing = (f"Viewers wait 0.5-1.5 x {think:g} s between reruns" if think else
              "Viewers rerun the page as soon as it is answered (no think time), so throughput is the server's "
              "capacity and latency includes queueing")
    parts = []
    if load:
        parts += [f"### {plan.viewers} viewers for {plan.seconds:.0f} s while syncs run", "", load_table(load), "",
                  f"{pacing}; their reruns cycle: {plan.refreshes} x auto-refresh, all Kaggle teams, "
                  f"{plan.refreshes} x auto-refresh, a search for a participant; an auto-refresh is "
                  f"{'the whole page' if plan.full_reruns else 'the page timer fragment'}. Each sync process loads a changed download of "
                  f"{', '.join(check.slug for check in load.rows)} in turn, {plan.sync_gap:g} s apart.", ""]
    if times:
        parts += ["### Leaderboard page script time", "", script_table(times, floor, plan.repeats, server_floor), ""]
    if memory:
        parts += ["### Memory", "", memory_table(memory), ""]
    parts += [machine_line(), f"Load average (1 min): {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at "
              "the end; the viewers' client runs on the same cores as the server"]
    return "\n".join(parts)


# ---------------------------------------------------------------- entry point


def run(plan: Plan, think: float = 0.0) -> tuple[str, LoadResult, MemoryResult | None]:
    """Everything, in a temporary folder that is removed at the end."""
    load_before = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="mlbattle-loadtest-"))
    try:
        log.info("preparing %d competitions of %s teams and sizes %s", plan.competitions, f"{plan.teams:,}",
                 ", ".join(f"{n:,}" for n in plan.script_sizes))
        fixture = prepare(folder, plan)
        with AppServer(fixture, "load-server") as server:
            load = load_run(server, fixture, plan, think)
            log.info("script times through the server")
            times = server_script_times(server, fixture, plan.repeats) if plan.script_sizes else []
        server_floor = empty_page_time(fixture, plan.repeats) if plan.script_sizes else None
        memory = None
        if plan.memory:
            # The pages' shared results live in st.cache_resource, whose entries Streamlit's metrics count by
            # size only with this option on (otherwise as a number of entries).
            with AppServer(fixture, "memory-server", env={"STREAMLIT_SERVER_ENABLE_EXPENSIVE_MEMORY_STATS": "true"}) \
                    as server:
                memory = memory_run(server, fixture, plan)
        floor = None
        if plan.apptest and plan.script_sizes:
            log.info("script times through AppTest")
            found = apptest_in_child(fixture, plan.repeats)
            floor = found["floor"]
            for t in times:
                t.apptest_cold, t.apptest_warm = found["pages"][fixture.sizes[t.teams].slug]
                t.tick_script = found["ticks"][fixture.sizes[t.teams].slug]
        return report(plan, load, times, floor, memory, load_before, think, server_floor), load, memory
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sizes(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes are whole numbers separated by commas, not {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    default = Plan()
    parser = argparse.ArgumentParser(prog="python -m tools.loadtest", description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, help=f"concurrent viewers (default {default.viewers})")
    parser.add_argument("--seconds", type=float, help=f"length of the load run (default {default.seconds:g})")
    parser.add_argument("--teams", type=int, help=f"teams per leaderboard (default {default.teams:,})")
    parser.add_argument("--competitions", type=int, help="leaderboards each memory session opens (default 10)")
    parser.add_argument("--sessions", type=int, help="sessions of the memory scenario (default 20)")
    parser.add_argument("--sync-workers", type=int, help="sync processes during the load run (default 2)")
    parser.add_argument("--sync-gap", type=float, help="seconds between one process's syncs (default 1)")
    parser.add_argument("--script-sizes", type=_sizes, help="teams for the script-time table (default "
                        "2000,10000,100000); empty to skip")
    parser.add_argument("--repeats", type=int, help="runs per script-time median (default 5)")
    parser.add_argument("--think", type=float, default=0.0, help="seconds a viewer waits between reruns")
    parser.add_argument("--screens", type=int, help="big screens open beside the viewers, cycling the event "
                        "(default 0)")
    parser.add_argument("--every", type=int, help=f"the big screen's seconds per slide (default {default.every})")
    parser.add_argument("--refreshes", type=int, help="refreshes before each new query (all teams, then a "
                        "search) in a viewer's cycle (default 1: half the runs are new queries, as the cycle always had)")
    parser.add_argument("--full-reruns", action="store_true", help="refresh by rerunning the whole page, as "
                        "the timer did before it reran only a fragment (the before figure)")
    parser.add_argument("--no-apptest", action="store_true", help="skip the AppTest timings")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory scenario")
    parser.add_argument("--quick", action="store_true", help="10 viewers for 15 s, 3 x 5 memory sessions, "
                        "sizes 2000 and 10000, medians of 3")
    parser.add_argument("--sync-worker", type=Path, help=argparse.SUPPRESS)  # a prepared folder
    parser.add_argument("--slugs", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--apptest", help=argparse.SUPPRESS)  # slugs to time in this process
    return parser


def plan_from(args: argparse.Namespace) -> Plan:
    base = QUICK if args.quick else Plan()
    chosen = {
        "viewers": args.viewers, "seconds": args.seconds, "teams": args.teams, "competitions": args.competitions,
        "sessions": args.sessions, "sync_workers": args.sync_workers, "sync_gap": args.sync_gap,
        "script_sizes": args.script_sizes, "repeats": args.repeats, "screens": args.screens, "every": args.every,
        "refreshes": args.refreshes,
    }
    values = {**asdict(base), **{k: v for k, v in chosen.items() if v is not None}}
    values["apptest"] = base.apptest and not args.no_apptest
    values["memory"] = base.memory and not args.no_memory
    values["full_reruns"] = bool(args.full_reruns)
    plan = Plan(**values)
    if min(plan.viewers, plan.competitions, plan.sessions, plan.repeats, plan.teams) < 1 or plan.seconds <= 0:
        raise SystemExit("viewers, competitions, sessions, repeats, teams and seconds must be positive")
    if plan.screens < 0 or plan.refreshes < 0 or not 5 <= plan.every <= 600:
        raise SystemExit("screens and refreshes must be 0 or more, and every between 5 and 600 seconds")
    return plan


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.sync_worker:
        print(json.dumps(sync_worker(args.sync_worker, args.slugs.split(","), args.seconds, args.sync_gap or 0.0,
                                     args.first)))
        return 0
    if args.apptest:
        print(json.dumps(apptest_times(args.apptest.split(","), args.repeats or Plan().repeats)))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    text, load, memory = run(plan_from(args), args.think)
    print(text)
    syncs_failed = set(load.syncs) - {"created", "updated"}
    failed = load.errors or syncs_failed or not all(check.ok for check in load.rows) or (memory and memory.failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
