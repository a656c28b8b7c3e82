"""Organiser actions that span Kaggle, the registry and a sync: import a competition, set one ongoing.

Shared by the command line and the Admin page so both behave the same: the competition is stored first,
then synced when it is ongoing with auto-sync on; a failed first sync keeps the competition and says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import db, kaggle_client, reads, registry, sync
from .registry import CompetitionFacts
from .settings import Settings


@dataclass(frozen=True)
class ImportOutcome:
    slug: str
    message: str
    sync: sync.SyncResult | None


def facts_from_kaggle(info: kaggle_client.CompetitionInfo) -> CompetitionFacts:
    return CompetitionFacts(info.slug, info.title, info.url, info.deadline, info.metric, info.team_count)


def import_competition(
    settings: Settings,
    competition: str,
    *,
    event: str | None = None,
    status: str = "ongoing",
    auto_sync: bool = True,
    trigger: str = "import",
    facts: CompetitionFacts | None = None,
    fetch: sync.Fetch | None = None,
) -> ImportOutcome:
    """Take Kaggle's title, deadline and metric (unless `facts` are given), store, then sync if due."""
    slug = kaggle_client.competition_slug(competition)
    if status not in registry.STATUSES:
        raise ValueError(f"status must be one of {', '.join(registry.STATUSES)}, not {status!r}")
    facts = facts or facts_from_kaggle(kaggle_client.find_competition(slug, settings))
    with db.connect(settings) as con:
        registry.add_competition(con, facts, event=event, status=status, auto_sync=auto_sync)
    message = f"competition {slug} imported ({facts.title})"
    result = sync_if_auto(settings, slug, trigger=trigger, fetch=fetch)
    if result is not None:
        message = f"{message}; {result.summary()}"
    return ImportOutcome(slug, message, result)


def sync_if_auto(
    settings: Settings, slug: str, *, trigger: str, fetch: sync.Fetch | None = None
) -> sync.SyncResult | None:
    """Sync now when the competition is ongoing with auto-sync on; otherwise leave it for later."""
    with db.connect(settings) as con:
        record = reads.competition(con, slug) or {}
    if record.get("status") != "ongoing" or not record.get("auto_sync"):
        return None
    return sync.sync(slug, settings, trigger=trigger, fetch=fetch)
