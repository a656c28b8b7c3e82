"""The pieces of the browser test that are not about the app: Chromium, a real `streamlit run`, screenshots.

Playwright's own browser download cannot work here, so the test drives Debian's Chromium. The app runs as
`streamlit run` in its own process group, from a scratch folder holding only the project's Streamlit config:
a developer's own `.streamlit/secrets.toml` (real Kaggle credentials, a password) never reaches the test.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-quic", "--no-first-run", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 900}
START_TIMEOUT = 45.0
STOP_TIMEOUT = 5.0


def require_chromium() -> None:
    """Skip without Debian's Chromium, except where the browser test must run (CI): there it fails."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing (apt-get install chromium); the browser test needs it"
    if os.environ.get("MLBATTLE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"MLBATTLE_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StreamlitServer:
    """`streamlit run app.py` on a free loopback port; its stderr and stdout go to a log file."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "streamlit.log"
        self._env = env
        self._cwd = folder / "cwd"
        self._process: subprocess.Popen | None = None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def start(self) -> None:
        (self._cwd / ".streamlit").mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / ".streamlit" / "config.toml", self._cwd / ".streamlit" / "config.toml")
        command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
                   "--server.port", str(self.port), "--server.address", "127.0.0.1",
                   "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(command, cwd=self._cwd, env={**os.environ, **self._env},
                                             stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                             start_new_session=True)
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self._process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.read().decode().strip() == "ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"streamlit did not answer /_stcore/health within {START_TIMEOUT:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        """Terminate the whole process group (Streamlit and anything it started), killing it if it lingers."""
        if self._process is None or self._process.poll() is not None:
            return
        try:
            os.killpg(self._process.pid, signal.SIGTERM)
            self._process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=STOP_TIMEOUT)
        except ProcessLookupError:
            pass


@contextmanager
def streamlit_server(env: dict[str, str], folder: Path) -> Iterator[StreamlitServer]:
    server = StreamlitServer(env, folder)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def full_page_screenshot(page: Page, name: str) -> Path:
    """Playwright's full_page sees only the document, but Streamlit scrolls inside its main block: grow the
    viewport to the content's height for the shot, then put it back."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    height = page.evaluate(
        "() => Math.max(...['[data-testid=\"stMain\"]', '[data-testid=\"stAppViewContainer\"]']"
        ".map(s => document.querySelector(s)).filter(Boolean).map(e => e.scrollHeight), window.innerHeight)")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(height), 8000)})
    try:
        wait_until_idle(page)
        page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')]"
                               ".every(p => p.querySelector('.main-svg'))")
        page.screenshot(path=str(path), full_page=True, animations="disabled")
    finally:
        page.set_viewport_size(VIEWPORT)
    return path


def wait_until_idle(page: Page, timeout: float = 30_000) -> None:
    """Wait for Streamlit's "Running..." widget to go: the rerun an action started has finished."""
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=timeout)
