"""Demo mode: with no Kaggle credentials, an empty database is filled from the sample leaderboards.

The samples in `data/samples/` are Kaggle download zips, and they go through the same `sync.sync` as a
real download, each snapshot with a backdated clock so the history charts have days to draw. The demo
competitions are stored with auto-sync off: a page view never tries to reach Kaggle for them.

`data/samples/demo.toml` says what the demo holds; `python -m tools.demo_samples` rewrites the zips from it,
and `python -m mlbattle.demo` fills the configured database.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from . import db, grades, locks, queries, registry, sync
from .registry import CompetitionFacts
from .settings import PROJECT_DIR, Settings

log = logging.getLogger(__name__)

SAMPLES_DIR = PROJECT_DIR / "data" / "samples"
CONFIG_NAME = "demo.toml"
TRIGGER = "demo"
# Organiser thresholds for the demo's graded competition, as a course would set a pass and a distinction
# above the board's two benchmarks (0.8737 and 0.8866).
DEMO_BASELINES = {"nn26-galaxy-morphology": (0.9, 0.95)}


@dataclass(frozen=True)
class DemoEvent:
    slug: str
    title: str
    start_days: int | None = None
    end_days: int | None = None
    description: str = ""


@dataclass(frozen=True)
class DemoCompetition:
    slug: str
    event: str
    title: str
    metric: str
    status: str
    deadline_days: int | None
    header: str
    teams: tuple[int, ...]
    benchmarks: int
    lower_is_better: bool
    multi_member_share: float
    seed: int
    scoring: tuple[float, float, float] | None = None

    @property
    def snapshots(self) -> int:
        return len(self.teams)

    def snapshot_path(self, folder: Path, number: int) -> Path:
        """Snapshot `number` (1-based, oldest first) of this competition under the samples folder."""
        return folder / self.slug / f"{number:02d}.zip"


@dataclass(frozen=True)
class DemoParticipant:
    kaggle_username: str
    name: str
    kaggle_as: str | None = None
    team: str | None = None
    absent: tuple[str, ...] = ()
    joins: dict[str, int] = field(default_factory=dict)

    @property
    def spelling(self) -> str:
        """The username as the Kaggle file spells it."""
        return self.kaggle_as or self.kaggle_username

    def first_snapshot(self, slug: str) -> int | None:
        """The first snapshot (1-based) of a competition that shows this participant; None if none does."""
        return None if slug in self.absent else int(self.joins.get(slug, 1))


@dataclass(frozen=True)
class DemoConfig:
    events: tuple[DemoEvent, ...]
    competitions: tuple[DemoCompetition, ...]
    participants: tuple[DemoParticipant, ...]


def load_config(path: Path = SAMPLES_DIR / CONFIG_NAME) -> DemoConfig:
    """Read demo.toml; a missing key or a bad value is a ValueError naming it."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        events = tuple(DemoEvent(**item) for item in data.get("events", []))
        competitions = tuple(_competition(item) for item in data.get("competitions", []))
        participants = tuple(_participant(item) for item in data.get("participants", []))
    except (TypeError, KeyError) as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    return DemoConfig(events, competitions, participants)


def _competition(item: dict[str, Any]) -> DemoCompetition:
    scoring = item.pop("scoring", None)
    teams = tuple(int(n) for n in item.pop("teams"))
    if not teams:
        raise ValueError(f"competition {item.get('slug')!r} has no snapshots")
    return DemoCompetition(
        **item, teams=teams,
        scoring=(float(scoring["worst"]), float(scoring["best"]), float(scoring["points"])) if scoring else None,
    )


def _participant(item: dict[str, Any]) -> DemoParticipant:
    return DemoParticipant(**{**item, "absent": tuple(item.get("absent", ()))})


def is_demo(settings: Settings) -> bool:
    """Demo mode is simply the absence of Kaggle credentials."""
    return not settings.kaggle.present


def _progress(settings: Settings, config: DemoConfig) -> dict[str, int] | None:
    """Snapshots loaded so far per demo competition ({} for an empty database); None when there is nothing
    to do: the demo is complete, or the database holds anything but the demo's competitions."""
    with db.connect(settings) as con:
        empty = con.execute(queries.DEMO_DATABASE_IS_EMPTY).fetchone()
        if empty and empty[0]:
            return {}
        loaded = dict(con.execute(queries.RUNS_BY_TRIGGER, [TRIGGER]).fetchall())
    if set(loaded) != {comp.slug for comp in config.competitions}:
        return None
    if all(loaded[comp.slug] >= comp.snapshots for comp in config.competitions):
        return None
    return loaded


def ensure_demo(settings: Settings) -> bool:
    """Fill an empty database from the samples in demo mode, or finish a fill that stopped midway; True when
    this call loaded anything.

    Idempotent and safe to call from every page view: a complete demo, or a database with anything else in
    it, is left alone. The check runs under a cross-process lock (mlbattle.locks), so concurrent callers
    (threads or processes) fill once, and a caller arriving during the fill waits for it rather than seeing
    half a demo. A process stopped during the fill (a reboot) leaves registered competitions with some
    snapshots; the next call loads the rest.
    """
    if not is_demo(settings):
        return False
    with locks.hold(settings, "demo", timeout=600):
        config = load_config()
        loaded = _progress(settings, config)
        if loaded is None:
            return False
        fill(settings, config, SAMPLES_DIR, loaded)
    return True


def _days(at: datetime, days: int | None) -> datetime | None:
    return None if days is None else at + timedelta(days=days)


def register(settings: Settings, config: DemoConfig, at: datetime) -> None:
    """Events, competitions (auto-sync off) with their scoring, and participants, all or nothing."""
    with db.connect(settings) as con, db.transaction(con):
        for event in config.events:
            start, end = _days(at, event.start_days), _days(at, event.end_days)
            registry.add_event(con, event.slug, event.title, start and start.date(), end and end.date(),
                               event.description)
        for comp in config.competitions:
            facts = CompetitionFacts(comp.slug, comp.title, None, _days(at, comp.deadline_days), comp.metric,
                                     comp.teams[-1])
            registry.add_competition(con, facts, event=comp.event, status=comp.status, auto_sync=False)
            if comp.scoring:
                registry.set_scoring(con, comp.slug, *comp.scoring)
        report = registry.import_participants(con, [(p.kaggle_username, p.name) for p in config.participants])
    for problem in report.skipped:
        log.info("demo participant skipped: %s", problem)


def _copy_of(path: Path) -> sync.Fetch:
    def fetch(slug: str, folder: Path) -> Path:
        return Path(shutil.copyfile(path, folder / f"{slug}.zip"))

    return fetch


def _backdated(days: int) -> Callable[[], datetime]:
    return lambda: registry.now() - timedelta(days=days)


def fill(settings: Settings, config: DemoConfig, samples: Path,
         loaded: dict[str, int] | None = None) -> list[sync.SyncResult]:
    """Register the demo (unless `loaded` says it is), then sync every snapshot oldest first, each
    competition's last one at now, skipping the first `loaded[slug]` snapshots of each competition."""
    if not loaded:
        register(settings, config, registry.now())
    loaded = loaded or {}
    longest = max((comp.snapshots for comp in config.competitions), default=0)
    results = []
    for days_ago in range(longest - 1, -1, -1):
        for comp in config.competitions:
            number = comp.snapshots - days_ago
            if number < 1 or number <= loaded.get(comp.slug, 0):
                continue
            result = sync.sync(comp.slug, settings, trigger=TRIGGER,
                               fetch=_copy_of(comp.snapshot_path(samples, number)), clock=_backdated(days_ago))
            if result.outcome == "failed":
                log.error("demo snapshot %s/%02d did not load: %s", comp.slug, number, result.error)
            results.append(result)
    add_baselines(settings, config)
    return results


def add_baselines(settings: Settings, config: DemoConfig) -> None:
    """Give the demo a graded competition: its thresholds beside the benchmarks already on its board."""
    slugs = {comp.slug for comp in config.competitions}
    with db.connect(settings) as con:
        for slug, values in DEMO_BASELINES.items():
            if slug in slugs:
                grades.set_baselines(con, slug, values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlbattle.demo", description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from . import settings as settings_module

    current = settings_module.load()
    if ensure_demo(current):
        print(f"demo data loaded into {current.db}")
        return 0
    reason = "Kaggle credentials are configured" if not is_demo(current) else "the database already holds data"
    print(f"nothing to do: {reason}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
