"""What organisers enter: events, competitions and participants, validated before anything is stored.

Each function takes an open connection, so a caller can group several in one unit of work; every
validation failure is a `ValueError` whose message is one line fit to show a person.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb

from . import export, queries
from .db import transaction

EVENT_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
KAGGLE_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")
STATUSES = ("upcoming", "ongoing", "completed")
DIRECTIONS = ("higher", "lower")
MAX_NAME = 80
MAX_TITLE = 120
MAX_DESCRIPTION = 2000
MAX_IMPORT_ROWS = 200_000



def finite_number(text: str, what: str) -> float:
    """A number an organiser typed: NaN, infinity and words are refused with one line naming `what`."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} must be a number, not {text[:30]!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, not {text[:30]!r}")
    return value

def now() -> datetime:
    """Naive UTC, the way every timestamp is stored."""
    return datetime.now(UTC).replace(tzinfo=None)


def _text(value: str | None, what: str, limit: int, *, required: bool = True) -> str:
    text = unicodedata.normalize("NFC", (value or "").strip())
    if required and not text:
        raise ValueError(f"{what} is required")
    if len(text) > limit:
        raise ValueError(f"{what} is {len(text)} characters; at most {limit}")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise ValueError(f"{what} contains control characters")
    return text


def _date(value: str | date | None, what: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{what} must be a date like 2026-11-23, not {str(value)[:30]!r}") from None


# ---------------------------------------------------------------- events


def add_event(
    con: duckdb.DuckDBPyConnection, slug: str, title: str, start: str | date | None = None,
    end: str | date | None = None, description: str = "",
) -> str:
    slug = (slug or "").strip().lower()
    if not EVENT_SLUG.match(slug):
        raise ValueError(f"event slug {slug[:60]!r} must be lowercase letters, digits and dashes (neural-night-2026)")
    values = _event_values(title, start, end, description)
    if con.execute(queries.GET_EVENT, [slug]).fetchone():
        raise ValueError(f"event {slug!r} already exists")
    con.execute(queries.INSERT_EVENT, [slug, *values, now()])
    return slug


def update_event(
    con: duckdb.DuckDBPyConnection, slug: str, title: str, start: str | date | None = None,
    end: str | date | None = None, description: str = "",
) -> None:
    if not con.execute(queries.GET_EVENT, [slug]).fetchone():
        raise ValueError(f"there is no event {slug!r}")
    con.execute(queries.UPDATE_EVENT, [*_event_values(title, start, end, description), slug])


def _event_values(title: str, start: str | date | None, end: str | date | None, description: str) -> list:
    title = _text(title, "the event title", MAX_TITLE)
    start_date, end_date = _date(start, "the start"), _date(end, "the end")
    if start_date and end_date and end_date < start_date:
        raise ValueError("the event ends before it starts")
    return [title, start_date, end_date, _text(description, "the description", MAX_DESCRIPTION, required=False)]


# ---------------------------------------------------------------- competitions


@dataclass(frozen=True)
class CompetitionFacts:
    """What Kaggle's list says of a competition (or what demo data and tests supply)."""

    slug: str
    title: str
    url: str | None = None
    deadline: datetime | None = None
    metric: str | None = None
    team_count: int = 0


def add_competition(
    con: duckdb.DuckDBPyConnection, facts: CompetitionFacts, event: str | None = None,
    status: str = "ongoing", auto_sync: bool = True,
) -> None:
    """Import a competition; importing one already known refreshes Kaggle's facts and keeps the rest."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    if event and not con.execute(queries.GET_EVENT, [event]).fetchone():
        raise ValueError(f"there is no event {event!r}: add it first")
    deadline = facts.deadline.astimezone(UTC).replace(tzinfo=None) if (
        facts.deadline and facts.deadline.tzinfo) else facts.deadline
    title = _text(facts.title, "the competition title", 300)
    with transaction(con):
        if con.execute(queries.GET_COMPETITION, [facts.slug]).fetchone():
            con.execute(queries.UPDATE_COMPETITION_FROM_KAGGLE,
                        [title, facts.url, deadline, facts.metric, facts.team_count, facts.slug])
            if event:
                con.execute(queries.SET_COMPETITION_EVENT, [event, facts.slug])
            con.execute(queries.SET_STATUS, [status, facts.slug])
        else:
            con.execute(queries.INSERT_COMPETITION, [facts.slug, event, title, facts.url, deadline, facts.metric,
                                                     facts.team_count, status, auto_sync, now()])


def _require_competition(con: duckdb.DuckDBPyConnection, slug: str) -> None:
    if not con.execute(queries.GET_COMPETITION, [slug]).fetchone():
        raise ValueError(f"there is no competition {slug!r}: import it first")


def set_status(con: duckdb.DuckDBPyConnection, slug: str, status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    _require_competition(con, slug)
    con.execute(queries.SET_STATUS, [status, slug])


def set_auto_sync(con: duckdb.DuckDBPyConnection, slug: str, on: bool) -> None:
    _require_competition(con, slug)
    con.execute(queries.SET_AUTO_SYNC, [bool(on), slug])


def set_event(con: duckdb.DuckDBPyConnection, slug: str, event: str | None) -> None:
    _require_competition(con, slug)
    if event and not con.execute(queries.GET_EVENT, [event]).fetchone():
        raise ValueError(f"there is no event {event!r}")
    con.execute(queries.SET_COMPETITION_EVENT, [event or None, slug])


def set_direction(con: duckdb.DuckDBPyConnection, slug: str, direction: str | None) -> None:
    """An organiser's override of the inferred score direction; None goes back to inferring."""
    if direction is not None and direction not in DIRECTIONS:
        raise ValueError(f"direction must be higher or lower, not {direction!r}")
    _require_competition(con, slug)
    con.execute(queries.SET_DIRECTION_OVERRIDE, [direction, slug])


def set_scoring(
    con: duckdb.DuckDBPyConnection, slug: str, worst: float | None, best: float | None, points: float | None
) -> None:
    """Worst, best and points for event standings; all three or none."""
    values = [worst, best, points]
    if any(v is not None and not math.isfinite(v) for v in values):
        raise ValueError("worst, best and points must be finite numbers, not NaN or infinity")
    if any(v is not None for v in values) and any(v is None for v in values):
        raise ValueError("set worst, best and points together, or none of them")
    if worst is not None and worst == best:
        raise ValueError("worst and best must differ")
    if points is not None and points <= 0:
        raise ValueError("points must be positive")
    _require_competition(con, slug)
    con.execute(queries.SET_SCORING, [worst, best, points, slug])


def remove_competition(con: duckdb.DuckDBPyConnection, slug: str) -> None:
    _require_competition(con, slug)
    with transaction(con):
        for statement in queries.DELETE_COMPETITION:
            con.execute(statement, [slug])


# ---------------------------------------------------------------- participants


def username_key(username: str) -> str:
    """Rule 1's comparison form: trimmed, case-folded."""
    return (username or "").strip().lower()


def check_username(username: str) -> str:
    name = unicodedata.normalize("NFC", (username or "").strip())
    if not name:
        raise ValueError("a Kaggle username is required")
    if len(name) > 50:
        raise ValueError(f"{name[:20]!r}... is too long for a Kaggle username")
    if not name.isascii():
        raise ValueError(f"{name!r} has non-ASCII characters (a look-alike letter?); Kaggle usernames are plain ASCII")
    if not KAGGLE_USERNAME.match(name):
        raise ValueError(f"{name!r} is not a Kaggle username: letters, digits, '-', '_' and '.' only")
    return name


VIAS = ("self", "organiser", "import", "setup", "approved")


def display_name(name: str | None, username: str) -> str:
    """A person's shown name, checked: format characters (bidi overrides, zero-width ones) are refused,
    since they can reverse the username shown beside the name or make two names look alike."""
    display = _text(name, "the name", MAX_NAME, required=False) or username
    if any(unicodedata.category(ch) == "Cf" for ch in display):
        raise ValueError("the name contains invisible formatting characters (right-to-left or zero-width marks)")
    return display


def add_participant(con: duckdb.DuckDBPyConnection, username: str, name: str | None = None,
                    via: str = "organiser") -> str:
    """Register one participant; a username already registered, in any case, is refused. An organiser
    adding a username that waits for approval registers it (their word decides)."""
    username = check_username(username)
    display = display_name(name, username)
    existing = con.execute(queries.PARTICIPANT_EXISTS, [username_key(username)]).fetchone()
    if existing:
        raise ValueError(f"{username!r} is already registered (as {existing[0]!r})")
    with transaction(con):
        con.execute(queries.DELETE_PENDING, [username_key(username)])
        con.execute(queries.INSERT_PARTICIPANT_VIA, [username_key(username), username, display, now(), via])
    return username


def remove_participant(con: duckdb.DuckDBPyConnection, username: str) -> None:
    if not con.execute(queries.PARTICIPANT_EXISTS, [username_key(username)]).fetchone():
        raise ValueError(f"{username!r} is not registered")
    con.execute(queries.DELETE_PARTICIPANT, [username_key(username)])


@dataclass(frozen=True)
class ImportReport:
    added: int
    skipped: list[str]


def parse_participants(text: str) -> list[tuple[str, str | None]]:
    """A CSV with a `kaggle_username` column (and optional `name`), or one username a line."""
    text = text.lstrip("\ufeff")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("the file is empty")
    if len(lines) > MAX_IMPORT_ROWS + 1:
        raise ValueError(f"the file has {len(lines):,} lines; at most {MAX_IMPORT_ROWS:,} participants at once")
    header = [h.strip().lower() for h in next(csv.reader([lines[0]]))]
    if "kaggle_username" in header:
        user_col, name_col = header.index("kaggle_username"), header.index("name") if "name" in header else None
        rows = []
        for row in csv.reader(lines[1:]):
            if not row or not any(cell.strip() for cell in row):
                continue
            username = row[user_col] if user_col < len(row) else ""
            name = row[name_col] if name_col is not None and name_col < len(row) else None
            rows.append((username, None if name is None else export.unneutralised(name)))
        return rows
    if len(header) > 1 or "," in lines[0]:
        raise ValueError(
            f"the header {lines[0][:60]!r} has no kaggle_username column; give a CSV with kaggle_username "
            "(and optional name), or one username a line"
        )
    return [(line.strip(), None) for line in lines]


def import_participants(con: duckdb.DuckDBPyConnection, rows: Iterable[tuple[str, str | None]],
                        via: str = "import") -> ImportReport:
    """All valid new rows land together; invalid and duplicate ones are reported, not fatal."""
    known = {row[0] for row in con.execute(queries.PARTICIPANT_KEYS).fetchall()}
    fresh: list[list] = []
    skipped: list[str] = []
    stamp = now()
    for number, (username, name) in enumerate(rows, start=1):
        try:
            username = check_username(username)
            display = display_name(name, username)
        except ValueError as exc:
            skipped.append(f"row {number}: {exc}")
            continue
        if username_key(username) in known:
            skipped.append(f"row {number}: {username!r} is already registered")
            continue
        known.add(username_key(username))
        fresh.append([username_key(username), username, display, stamp, via])
    if fresh:
        with transaction(con):
            _insert_participants(con, fresh)
    return ImportReport(len(fresh), skipped)


def _insert_participants(con: duckdb.DuckDBPyConnection, rows: list[list]) -> None:
    """Through an Arrow table: executemany takes minutes for the 100,000 rows an import may hold."""
    import pyarrow as pa

    table = pa.table({
        "username_key": [r[0] for r in rows], "kaggle_username": [r[1] for r in rows],
        "display_name": [r[2] for r in rows], "created_at": [r[3] for r in rows],
        "registered_via": [r[4] for r in rows],
    })
    con.register("incoming_participants", table)
    try:
        con.execute(queries.INSERT_PARTICIPANTS_FROM_VIEW_VIA)
    finally:
        con.unregister("incoming_participants")
