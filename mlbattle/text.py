"""Text for people: user text made literal for Markdown, ages ("3 min ago"), score formats, a sync's state.

Streamlit-free, so the command line and tests use the same words as the pages.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import registry

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^%@])")


# GitHub-flavoured Markdown links bare `www.`, `http://` and e-mail addresses by their literal characters; a
# character reference renders the same character but is not one, so these never become links.
_AUTOLINK_BREAKS = ((re.compile(r"\\:(?=//)"), "&#58;"), (re.compile(r"(?<=www)\\\.", re.IGNORECASE), "&#46;"),
                    (re.compile(r"\\@"), "&#64;"))


def without_format_characters(text: str) -> str:
    """Bidi overrides and isolates, zero-width spaces and joiners (Unicode category Cf) removed: they can
    reverse the username shown beside a name or make two names look alike."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def md(text: object) -> str:
    """User text made literal inside st.markdown/title/caption: no emphasis, links (bare URLs included), HTML,
    LaTeX, directives, bidi overrides or zero-width characters."""
    flat = " ".join(without_format_characters(str("" if text is None else text)).split())
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", flat)
    for pattern, replacement in _AUTOLINK_BREAKS:
        escaped = pattern.sub(replacement, escaped)
    return escaped


def plain(text: object) -> str:
    """User text for a terminal: control and format characters written as escapes (`\\x1b`), so a team name
    cannot move the cursor, recolour the screen or reverse the line."""
    return "".join(ch if unicodedata.category(ch) not in ("Cc", "Cf") else
                   (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
                   for ch in str("" if text is None else text))


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
    """What a page says about a competition's freshness: `text` for anyone; `error`, the technical reason
    (paths, engine messages), only for organisers on Admin and the CLI."""

    text: str
    failed: bool
    error: str | None


def clock_time(then: datetime | None, now: datetime | None = None) -> str:
    """"14:05 UTC" for a time today, "2026-11-20 14:05 UTC" for an older one."""
    if then is None:
        return "never"
    same_day = then.date() == (now or registry.now()).date()
    return f"{then:%H:%M} UTC" if same_day else f"{then:%Y-%m-%d %H:%M} UTC"


def sync_state(record: Mapping[str, Any], now: datetime | None = None) -> SyncState:
    failed = record.get("last_outcome") == "failed"
    if failed:
        board = (f"showing the board from {clock_time(record['last_success_at'], now)}"
                 if record.get("last_success_at") else "no board downloaded yet")
        text = f"the last sync failed {clock_time(record.get('last_attempt_at'), now)}; {board}"
    elif record.get("last_success_at"):
        text = f"synced {age_text(record['last_success_at'], now)}"
    else:
        text = "not synced yet"
    return SyncState(text, failed, record.get("last_error") if failed else None)
