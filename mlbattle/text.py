"""Text for people: user text made literal for Markdown, ages ("3 min ago"), score formats, a sync's state.

Streamlit-free, so the command line and tests use the same words as the pages.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import registry

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^%@])")


def md(text: object) -> str:
    """User text made literal inside st.markdown/title/caption: no emphasis, links, HTML, LaTeX or directives."""
    flat = " ".join(str("" if text is None else text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def age_text(then: datetime | None, now: datetime | None = None) -> str:
    """"3 min ago" for a naive-UTC timestamp as stored."""
    if then is None:
        return "never"
    seconds = ((now or registry.now()) - then).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return "1 day ago" if days == 1 else f"{days} days ago"


def score_format(values: Iterable[float | None]) -> str:
    """A printf format with about five significant digits for the largest score (0.98765, 1234.5)."""
    finite = [abs(float(v)) for v in values if v is not None and math.isfinite(float(v))]
    largest = max(finite, default=0.0)
    before = int(math.floor(math.log10(largest))) + 1 if largest >= 1 else 0
    return f"%.{max(0, min(5, 5 - before))}f"


@dataclass(frozen=True)
class SyncState:
    """What a page says about a competition's freshness."""

    text: str
    failed: bool
    error: str | None


def sync_state(record: Mapping[str, Any], now: datetime | None = None) -> SyncState:
    if record.get("last_success_at"):
        text = f"synced {age_text(record['last_success_at'], now)}"
    else:
        text = "not synced yet"
    failed = record.get("last_outcome") == "failed"
    if failed:
        text = f"{text}; last attempt failed {age_text(record.get('last_attempt_at'), now)}"
    return SyncState(text, failed, record.get("last_error") if failed else None)
