"""`streamlit run app.py` as a child process on a free loopback port: for the browser test and the load test.

It runs from a scratch folder holding only the project's `.streamlit/config.toml`, so a developer's own
`secrets.toml` (real Kaggle keys, a password) never reaches a test, and in its own process group, so
stopping it stops everything it started.
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
from pathlib import Path

from mlbattle.settings import PROJECT_DIR

START_TIMEOUT = 60.0
STOP_TIMEOUT = 5.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppServer:
    """The real app, started on enter and stopped (with its whole process group) on exit."""

    def __init__(self, env: dict[str, str], folder: Path, name: str = "streamlit", script: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/_stcore/stream"
        self.log_path = folder / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self._env = env
        self._cwd = folder / f"{name}-cwd"
        self._script = script or PROJECT_DIR / "app.py"  # another script: the load test's empty page

    def __enter__(self) -> AppServer:
        (self._cwd / ".streamlit").mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_DIR / ".streamlit" / "config.toml", self._cwd / ".streamlit" / "config.toml")
        command = [sys.executable, "-m", "streamlit", "run", str(self._script),
                   "--server.headless", "true", "--server.port", str(self.port), "--server.address", "127.0.0.1",
                   "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(command, cwd=self._cwd, env={**os.environ, **self._env}, stdout=out,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}:\n{self.log()[-4000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.read().decode().strip() == "ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"streamlit did not answer /_stcore/health in {START_TIMEOUT:.0f} s:\n{self.log()[-4000:]}")

    def stop(self) -> None:
        """Terminate the whole process group, killing it if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT)
        except ProcessLookupError:
            pass

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
