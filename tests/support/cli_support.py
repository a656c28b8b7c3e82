"""Running `python -m mlbattle` the way a user does: a subprocess with its own environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlbattle", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


def ok(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    done = run(env, *args)
    assert done.returncode == 0, done.stderr
    return done


def fails(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Exit 1, one line on stderr, no traceback."""
    done = run(env, *args)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") or "failed" in done.stderr
    return done
