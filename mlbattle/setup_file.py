"""Declared setup: `data/event.toml` and `data/participants.csv`, applied idempotently on start.

For the Git-hosted case, where a redeploy starts from the repository: the files rebuild the same events,
competitions and participants, and the competitions get synced again. Both files are optional; the
committed `data/event.example.toml` and `data/participants.example.csv` show the shape.

event.toml::

    [[events]]                        # any number; slug and title required
    slug = "neural-night-2026"        # lowercase letters, digits, dashes
    title = "Neural Night 2026"
    start = 2026-11-20                # optional TOML dates (or "2026-11-20")
    end = 2026-11-27
    description = "..."               # optional

      [[events.competitions]]         # the event's competitions
      slug = "spaceship-titanic"      # or url = "https://www.kaggle.com/competitions/spaceship-titanic"
      status = "ongoing"              # upcoming | ongoing | completed; new ones default to ongoing
      auto_sync = true                # new ones default to true
      direction = "higher"            # optional override: higher | lower | auto (back to inferring)
      worst = 0.5                     # optional, all three or none: event points
      best = 1.0
      points = 100
      baselines = [0.75, 0.8]         # optional: score thresholds to grade against ([] clears them)
      title = "Spaceship Titanic"     # optional: used only when Kaggle cannot be asked (no credentials)
      metric = "Categorization Accuracy"
      deadline = 2026-12-31T23:59:00  # optional, naive UTC, as title and metric

    [[competitions]]                  # optional: competitions in no event, same keys
    slug = "digit-recognizer"

    [settings]                        # optional: non-secret settings only
    sync_interval = 300

participants.csv: what `participants import` reads, a `kaggle_username` column and an optional `name`.

Rules: every file is checked completely before anything is written, and a bad one is refused with one line
naming the file and the problem. Applying is additive and idempotent: what the files declare is created or
brought in line (an existing competition keeps its leaderboard, history and sync runs; keys a file leaves
out are left as they are); nothing the files do not mention is removed; participants already registered
are skipped. With Kaggle credentials, a new competition's title, deadline and metric come from Kaggle's
list; without them, from the file. A cross-process lock (`mlbattle.locks`) makes concurrent appliers
(threads, processes, replicas) take turns, so they still end with one copy of everything.

`[settings]` is validated here; the environment and Streamlit secrets take precedence over it, and
`settings.load` is what would apply it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from . import db, export, grades, imports, kaggle_client, locks, queries, reads, registry, sync
from .registry import CompetitionFacts
from .settings import Settings
from .setup_parse import (  # noqa: F401 - the reading side, used through this module too
    DEFAULT_FOLDER,
    EVENT_FILE,
    PARTICIPANTS_FILE,
    TRIGGER,
    Declared,
    DeclaredCompetition,
    DeclaredEvent,
    SetupError,
    parse_event_toml,
    parse_participants_csv,
    read_declared,
)

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- applying


def apply_declared(settings: Settings, folder: Path | None = None) -> str | None:
    """Apply the declared files in `folder` (default: the project's data/); None when there are none.

    Returns one line saying what happened. Raises SetupError, having changed nothing, for a bad file or
    a competition Kaggle's list does not have.
    """
    declared = read_declared(folder or DEFAULT_FOLDER)
    if declared is None:
        return None
    per_competition = settings.total_timeout * (settings.retries + 1) + settings.db_busy_timeout
    try:
        with locks.hold(settings, "setup", timeout=per_competition * (len(declared.competitions) + 1)):
            return _apply(settings, declared)
    except locks.LockTimeout:
        raise SetupError("another process is still applying the declared setup; try again later") from None


def _apply(settings: Settings, declared: Declared) -> str:
    """Ask Kaggle first, then write everything declared in one transaction, then sync what is due.

    So a failure while writing leaves the database as it was, and no connection is held while Kaggle is asked.
    """
    with db.connect(settings) as con:
        known_events = {row["slug"] for row in reads.records(con, queries.LIST_EVENTS)}
        known = {row["slug"] for row in reads.competitions(con)}
    fresh = [comp for comp in declared.competitions if comp.slug not in known]
    facts = {comp.slug: _facts(settings, comp) for comp in fresh}
    with db.connect(settings) as con, db.transaction(con):
        for event in declared.events:
            _apply_event(con, event, event.slug in known_events)
        added = registry.import_participants(con, declared.participants, via="setup").added if declared.participants else 0
        for comp in fresh:
            registry.add_competition(con, facts[comp.slug], event=comp.event, status=comp.status or "ongoing",
                                     auto_sync=True if comp.auto_sync is None else comp.auto_sync)
        for comp in declared.competitions:
            _apply_competition(con, comp, existing=comp.slug not in facts)
    results = [result for comp in fresh
               if (result := imports.sync_if_auto(settings, comp.slug, trigger=TRIGGER)) is not None]
    results.extend(_sync_existing(settings, [c.slug for c in declared.competitions if c.slug not in facts]))
    return _summary(declared, len(known_events & {e.slug for e in declared.events}), len(fresh), added, results)


def _facts(settings: Settings, comp: DeclaredCompetition) -> CompetitionFacts:
    """Kaggle's facts when it can be asked; the file's when there are no credentials or Kaggle is down."""
    if not settings.kaggle.present:
        return comp.file_facts()
    try:
        return imports.facts_from_kaggle(kaggle_client.find_competition(comp.slug, settings))
    except kaggle_client.KaggleError as exc:
        if exc.status == 404:
            raise SetupError(f"declared competition {comp.slug!r}: {exc}") from None
        log.warning("Kaggle's list could not be asked about %s (%s); using the declared facts", comp.slug, exc)
        return comp.file_facts()


def _apply_event(con: duckdb.DuckDBPyConnection, event: DeclaredEvent, exists: bool) -> None:
    values = (event.title, event.start, event.end, event.description)
    if exists:
        registry.update_event(con, event.slug, *values)
    else:
        registry.add_event(con, event.slug, *values)


def _apply_competition(con: duckdb.DuckDBPyConnection, comp: DeclaredCompetition, *, existing: bool) -> None:
    """Bring a competition in line with what is declared; keys left out leave the stored value alone."""
    if existing:
        registry.set_event(con, comp.slug, comp.event)
        if comp.status is not None:
            registry.set_status(con, comp.slug, comp.status)
        if comp.auto_sync is not None:
            registry.set_auto_sync(con, comp.slug, comp.auto_sync)
    if comp.direction is not None:
        registry.set_direction(con, comp.slug, None if comp.direction == "auto" else comp.direction)
    if comp.scoring is not None:
        registry.set_scoring(con, comp.slug, *comp.scoring)
    if comp.baselines is not None:
        grades.set_baselines(con, comp.slug, comp.baselines)


def _sync_existing(settings: Settings, slugs: list[str]) -> list[sync.SyncResult]:
    """A restart re-syncs what is due, as a page view would; a running sync is left to finish."""
    if not settings.auto_sync or not settings.kaggle.present:
        return []
    with db.connect(settings) as con:
        records = [reads.competition(con, slug) or {} for slug in slugs]
    due = [record["slug"] for record in records if record.get("status") == "ongoing" and record.get("auto_sync")]
    return [sync.sync(slug, settings, trigger=TRIGGER, only_if_stale=True, wait=False) for slug in due]


def _summary(declared: Declared, kept_events: int, new_competitions: int, added: int,
             results: list[sync.SyncResult]) -> str:
    events = len(declared.events)
    text = (
        f"declared setup applied from {' and '.join(declared.sources)}: "
        f"{events} event{'s' * (events != 1)} ({events - kept_events} new), "
        f"{len(declared.competitions)} competition{'s' * (len(declared.competitions) != 1)} "
        f"({new_competitions} new), {added} participant{'s' * (added != 1)} registered"
    )
    shown = [result.summary() for result in results if result.outcome not in ("fresh", "busy")]
    return "; ".join([text, *shown])


# ---------------------------------------------------------------- exporting


def export_setup(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """The current setup as (event.toml, participants.csv) texts that `apply_declared` rebuilds it from."""
    events = reads.records(con, queries.LIST_EVENTS)
    competitions = reads.records(con, queries.SETUP_COMPETITIONS)
    lines = ["# ML-Battle Leaderboards: declared setup (see data/event.example.toml for every key)."]
    for event in events:
        lines += ["", "[[events]]", *_pairs([
            ("slug", event["slug"]), ("title", event["title"]), ("start", event["start_date"]),
            ("end", event["end_date"]), ("description", event["description"] or None)])]
        for comp in competitions:
            if comp["event_slug"] == event["slug"]:
                lines += ["", "  [[events.competitions]]", *_pairs(_competition_pairs(comp), indent="  ")]
    for comp in competitions:
        if comp["event_slug"] is None:
            lines += ["", "[[competitions]]", *_pairs(_competition_pairs(comp))]
    people = export.to_csv(["kaggle_username", "name"], (
        [username, " ".join(name.split())] for username, name in con.execute(queries.SETUP_PARTICIPANTS).fetchall()))
    return "\n".join(lines) + "\n", people


def _competition_pairs(comp: Mapping[str, Any]) -> list[tuple[str, Any]]:
    scoring = [("worst", comp["worst"]), ("best", comp["best"]), ("points", comp["points"])]
    return [
        ("slug", comp["slug"]), ("status", comp["status"]), ("auto_sync", comp["auto_sync"]),
        ("direction", comp["direction_override"]),
        *(scoring if comp["points"] is not None else []),
        ("baselines", list(grades.parse_baselines(comp["baselines"])) or None),
        ("title", comp["title"]), ("metric", comp["metric"]), ("deadline", comp["deadline"]),
    ]


def _pairs(pairs: list[tuple[str, Any]], indent: str = "") -> list[str]:
    return [f"{indent}{key} = {_toml_value(value)}" for key, value in pairs if value is not None]


def _toml_value(value: Any) -> str:
    """TOML for the few types a setup holds; JSON's string escapes are TOML's, save for DEL."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")
