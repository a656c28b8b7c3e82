"""The pieces of the browser test that are not about the app: Chromium, a real `streamlit run`, screenshots.

Playwright's own browser download cannot work here, so the test drives Debian's Chromium. The app runs
through `tools.app_server`, the same runner the load test uses.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tools.app_server import AppServer

ROOT = Path(__file__).resolve().parents[2]
# Screenshots go to a temporary folder (a test run leaves nothing in the tree); set MLBATTLE_SCREENSHOTS to
# keep them somewhere else: `MLBATTLE_SCREENSHOTS=docs/img python -m pytest tests/test_browser.py` refreshes
# the ones the README and docs/ show.
ARTIFACTS = Path(os.environ.get("MLBATTLE_SCREENSHOTS") or Path(tempfile.gettempdir()) / "mlbattle-screenshots")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-quic", "--no-first-run", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 900}


def require_chromium() -> None:
    """Skip without Debian's Chromium, except where the browser test must run (CI): there it fails."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing (apt-get install chromium); the browser test needs it"
    if os.environ.get("MLBATTLE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"MLBATTLE_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@contextmanager
def streamlit_server(env: dict[str, str], folder: Path) -> Iterator[AppServer]:
    with AppServer(env, folder) as server:
        yield server


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
