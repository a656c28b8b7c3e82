"""Pages under Streamlit's AppTest: a page file run on its own with its query parameters, and what it said."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def run_page(page: str, timeout: float = 30, **params: str) -> AppTest:
    """`page` (a path from the project's folder) run once with `params` as its query parameters."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=timeout)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def said(at: AppTest, *kinds: str) -> str:
    """The text of every element of these kinds (`success`, `info`, ...), Markdown escapes undone."""
    return re.sub(r"\\(.)", r"\1", " ".join(str(e.value) for kind in kinds for e in at.get(kind)))
