"""The declared setup read and checked: `data/event.toml` and `data/participants.csv` into `Declared`, every
file checked completely, a bad one refused with one line naming the file and the problem. The file format is
described in `setup_file`, which applies and exports what this reads.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from . import grades, kaggle_client, registry
from . import settings as settings_module
from .registry import CompetitionFacts
from .settings import BY_FIELD, DECLARABLE, PROJECT_DIR, SettingsError

DEFAULT_FOLDER = PROJECT_DIR / "data"
EVENT_FILE = "event.toml"
PARTICIPANTS_FILE = "participants.csv"
TRIGGER = "setup"
MAX_FILE_BYTES = 20 * 1024**2

EVENT_KEYS = ("slug", "title", "start", "end", "description", "competitions")
COMPETITION_KEYS = ("slug", "url", "status", "auto_sync", "direction", "worst", "best", "points", "baselines",
                    "title", "metric", "deadline")
# Kaggle's credentials, and every setting declared secret (its name and its variable's), by any spelling.
SECRET_KEYS = ("kaggle_username", "kaggle_key", "kaggle_api_token", "kaggle",
               *sorted({name.lower() for row in settings_module.SETTINGS if row.secret
                        for name in (row.field, *row.secrets_keys)}))


class SetupError(ValueError):
    """A declared file the app cannot apply; the message is one line naming the file and the problem."""


@dataclass(frozen=True)
class DeclaredEvent:
    slug: str
    title: str
    start: date | None
    end: date | None
    description: str


@dataclass(frozen=True)
class DeclaredCompetition:
    """One declared competition; None means "not declared": keep what is there, or the default when new."""

    slug: str
    event: str | None
    status: str | None = None
    auto_sync: bool | None = None
    direction: str | None = None
    scoring: tuple[float, float, float] | None = None
    baselines: tuple[float, ...] | None = None  # () clears them
    title: str | None = None
    metric: str | None = None
    deadline: datetime | None = None

    def file_facts(self) -> CompetitionFacts:
        """What the file says of the competition, for when Kaggle cannot be asked."""
        url = f"https://www.kaggle.com/competitions/{self.slug}"
        return CompetitionFacts(self.slug, self.title or self.slug, url, self.deadline, self.metric)


@dataclass(frozen=True)
class Declared:
    """Everything the files declare, already validated."""

    sources: tuple[str, ...]
    events: tuple[DeclaredEvent, ...] = ()
    competitions: tuple[DeclaredCompetition, ...] = ()
    participants: tuple[tuple[str, str | None], ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- reading and checking


def read_declared(folder: Path = DEFAULT_FOLDER) -> Declared | None:
    """The declared setup in `folder`, or None when neither file exists; SetupError when one is bad."""
    toml_path, csv_path = folder / EVENT_FILE, folder / PARTICIPANTS_FILE
    if not toml_path.is_file() and not csv_path.is_file():
        return None
    sources: list[str] = []
    parsed = Declared(())
    if toml_path.is_file():
        sources.append(_shown(toml_path))
        parsed = parse_event_toml(_read_text(toml_path), _shown(toml_path))
    participants: tuple[tuple[str, str | None], ...] = ()
    if csv_path.is_file():
        sources.append(_shown(csv_path))
        participants = parse_participants_csv(_read_text(csv_path), _shown(csv_path))
    return Declared(tuple(sources), parsed.events, parsed.competitions, participants, parsed.settings)


def _shown(path: Path) -> str:
    """The path as a person would recognise it: relative to the project where it lies inside it."""
    try:
        return str(path.resolve().relative_to(PROJECT_DIR))
    except ValueError:
        return str(path)


def _read_text(path: Path) -> str:
    shown = _shown(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SetupError(f"{shown} is larger than {MAX_FILE_BYTES // 1024**2} MB")
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SetupError(f"{shown} is not UTF-8 text") from None
    except OSError as exc:
        raise SetupError(f"{shown} cannot be read: {exc.strerror or exc}") from None


def parse_event_toml(text: str, source: str = EVENT_FILE) -> Declared:
    """Check an event.toml completely and return what it declares (no participants)."""
    import tomllib

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SetupError(f"{source} is not valid TOML: {exc}") from None
    _known(document, ("events", "competitions", "settings"), source, "the top level")
    events: list[DeclaredEvent] = []
    competitions: list[DeclaredCompetition] = []
    for number, item in enumerate(_tables(document.get("events", []), source, "events"), start=1):
        where = f"event #{number}"
        _known(item, EVENT_KEYS, source, where)
        event = _event(item, source, where)
        events.append(event)
        for index, comp in enumerate(_tables(item.get("competitions", []), source, f"{where}'s competitions"), 1):
            competitions.append(_competition(comp, event.slug, source, f"event {event.slug!r}, competition #{index}"))
    for number, comp in enumerate(_tables(document.get("competitions", []), source, "competitions"), start=1):
        competitions.append(_competition(comp, None, source, f"competition #{number} (no event)"))
    _unique([e.slug for e in events], source, "event")
    _unique([c.slug for c in competitions], source, "competition")
    settings = _settings(document.get("settings", {}), source)
    return Declared((source,), tuple(events), tuple(competitions), (), settings)


def _fail(source: str, where: str, problem: str) -> SetupError:
    return SetupError(f"{source}: {where}: {problem}")


def _tables(value: Any, source: str, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _fail(source, where, "must be an array of tables ([[...]])")
    return value


def _known(table: Mapping[str, Any], keys: tuple[str, ...], source: str, where: str) -> None:
    for key in table:
        if key not in keys:
            raise _fail(source, where, f"unknown key {key!r} (known: {', '.join(keys)})")


def _string(table: Mapping[str, Any], key: str, source: str, where: str, limit: int) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(source, where, f"{key} must be a string")
    text = unicodedata.normalize("NFC", value.strip())
    if len(text) > limit:
        raise _fail(source, where, f"{key} is {len(text)} characters; at most {limit}")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise _fail(source, where, f"{key} contains control characters")
    return text


def _date(table: Mapping[str, Any], key: str, source: str, where: str) -> date | None:
    value = table.get(key)
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _fail(source, where, f"{key} must be a date like 2026-11-20, not {str(value)[:30]!r}")


def _event(item: Mapping[str, Any], source: str, where: str) -> DeclaredEvent:
    slug = (_string(item, "slug", source, where, 60) or "").lower()
    if not registry.EVENT_SLUG.match(slug):
        raise _fail(source, where, f"slug {slug!r} must be lowercase letters, digits and dashes (neural-night-2026)")
    where = f"event {slug!r}"
    title = _string(item, "title", source, where, registry.MAX_TITLE)
    if not title:
        raise _fail(source, where, "title is required")
    start, end = _date(item, "start", source, where), _date(item, "end", source, where)
    if start and end and end < start:
        raise _fail(source, where, "the event ends before it starts")
    description = _string(item, "description", source, where, registry.MAX_DESCRIPTION) or ""
    return DeclaredEvent(slug, title, start, end, description)


def _competition(item: Mapping[str, Any], event: str | None, source: str, where: str) -> DeclaredCompetition:
    _known(item, COMPETITION_KEYS, source, where)
    given = [item[key] for key in ("slug", "url") if key in item]
    if len(given) != 1 or not isinstance(given[0], str):
        raise _fail(source, where, "give the competition's slug or its url (one of them, as a string)")
    try:
        slug = kaggle_client.competition_slug(given[0])
    except ValueError as exc:
        raise _fail(source, where, str(exc)) from None
    where = f"competition {slug!r}"
    status = _choice(item, "status", registry.STATUSES, source, where)
    direction = _choice(item, "direction", (*registry.DIRECTIONS, "auto"), source, where)
    auto_sync = item.get("auto_sync")
    if auto_sync is not None and not isinstance(auto_sync, bool):
        raise _fail(source, where, "auto_sync must be true or false")
    return DeclaredCompetition(
        slug=slug, event=event, status=status, auto_sync=auto_sync, direction=direction,
        scoring=_scoring(item, source, where), baselines=_baselines(item, source, where),
        title=_string(item, "title", source, where, 300),
        metric=_string(item, "metric", source, where, 200), deadline=_deadline(item, source, where),
    )


def _choice(item: Mapping[str, Any], key: str, allowed: tuple[str, ...], source: str, where: str) -> str | None:
    value = item.get(key)
    if value is not None and value not in allowed:
        raise _fail(source, where, f"{key} must be one of {', '.join(allowed)}, not {str(value)[:30]!r}")
    return value


def _scoring(item: Mapping[str, Any], source: str, where: str) -> tuple[float, float, float] | None:
    values = [item.get(key) for key in ("worst", "best", "points")]
    if all(value is None for value in values):
        return None
    if any(value is None for value in values):
        raise _fail(source, where, "set worst, best and points together, or none of them")
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]
    if len(numbers) < len(values):
        raise _fail(source, where, "worst, best and points must be numbers")
    worst, best, points = (float(v) for v in numbers)
    if worst == best:
        raise _fail(source, where, "worst and best must differ")
    if points <= 0:
        raise _fail(source, where, "points must be positive")
    return worst, best, points


def _baselines(item: Mapping[str, Any], source: str, where: str) -> tuple[float, ...] | None:
    """The organiser's grading thresholds as a TOML array of numbers (`[]` clears them). TOML can spell NaN
    and infinity, which no score could ever beat, so they are refused as the CLI and Admin refuse them."""
    value = item.get("baselines")
    if value is None:
        return None
    if not isinstance(value, list):
        raise _fail(source, where, f"baselines must be an array of numbers like [0.75, 0.8], not {str(value)[:30]!r}")
    if len(value) > grades.MAX_BASELINES:
        raise _fail(source, where, f"at most {grades.MAX_BASELINES} baselines, not {len(value)}")
    for number in value:
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise _fail(source, where, f"baselines must be numbers, not {str(number)[:30]!r}")
        if not math.isfinite(number):
            raise _fail(source, where, f"baselines must be finite numbers, not {number!r}")
    return tuple(float(number) for number in value)


def _deadline(item: Mapping[str, Any], source: str, where: str) -> datetime | None:
    value = item.get("deadline")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise _fail(source, where, "deadline must be a date and time like 2026-12-31T23:59:00") from None
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if value is not None:
        raise _fail(source, where, "deadline must be a date and time like 2026-12-31T23:59:00")
    return None


def _unique(slugs: list[str], source: str, what: str) -> None:
    seen: set[str] = set()
    for slug in slugs:
        if slug in seen:
            raise SetupError(f"{source}: {what} {slug!r} is declared twice")
        seen.add(slug)


def _settings(table: Any, source: str) -> dict[str, Any]:
    """Only non-secret settings; a secret in a repository file is refused, not quietly ignored."""
    if not isinstance(table, dict):
        raise _fail(source, "[settings]", "must be a table")
    checked: dict[str, Any] = {}
    for key, value in table.items():
        if key.lower() in SECRET_KEYS:
            raise _fail(source, "[settings]", f"{key} is a secret: put it in the environment or "
                                              ".streamlit/secrets.toml, never in a file in the repository")
        if key not in DECLARABLE:
            raise _fail(source, "[settings]", f"unknown key {key!r} (known: {', '.join(DECLARABLE)})")
        setting = BY_FIELD[key]
        if isinstance(setting.default, bool):
            if not isinstance(value, bool):
                raise _fail(source, "[settings]", f"{key} must be true or false")
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(source, "[settings]", f"{key} must be a number")
        try:
            setting.parse(key, value, setting.default)
        except SettingsError as exc:
            raise _fail(source, "[settings]", str(exc)) from None
        checked[key] = value
    return checked


def parse_participants_csv(text: str, source: str = PARTICIPANTS_FILE) -> tuple[tuple[str, str | None], ...]:
    """The participants `participants import` reads, every row checked: a bad row refuses the file."""
    try:
        rows = registry.parse_participants(text)
    except ValueError as exc:
        raise SetupError(f"{source}: {exc}") from None
    seen: dict[str, int] = {}
    for number, (username, name) in enumerate(rows, start=2):
        try:
            username = registry.check_username(username)
        except ValueError as exc:
            raise SetupError(f"{source}: row {number}: {exc}") from None
        if name and len(name.strip()) > registry.MAX_NAME:
            raise SetupError(f"{source}: row {number}: the name is longer than {registry.MAX_NAME} characters")
        key = registry.username_key(username)
        if key in seen:
            raise SetupError(f"{source}: row {number}: {username!r} is listed twice (also row {seen[key]})")
        seen[key] = number
    return tuple(rows)
