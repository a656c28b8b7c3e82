"""What every Admin tab reads once per run, and the helpers more than one tab uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from mlbattle import reads, registry, sync, web
from mlbattle.settings import Settings

NO_EVENT = ""


@dataclass
class Admin:
    cfg: Settings
    version: Any
    competitions: list[dict[str, Any]]
    events: list[dict[str, Any]]
    by_slug: dict[str, dict[str, Any]] = field(init=False)
    event_titles: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.by_slug = {c["slug"]: c for c in self.competitions}
        self.event_titles = {e["slug"]: e["title"] for e in self.events}

    @classmethod
    def read(cls, cfg: Settings) -> Admin:
        version = web.probe(cfg, reads.data_version)
        return cls(cfg, version, web.read(cfg, version, reads.competitions), web.read(cfg, version, reads.events))

    def event_label(self, slug: str) -> str:
        return "(no event)" if slug == NO_EVENT else f"{self.event_titles.get(slug, slug)} ({slug})"

    def run_syncs(self, slugs: list[str], trigger: str) -> None:
        """Sync one after another with visible progress, then keep each outcome for the rerun. Callers have
        checked the login."""
        with st.status(f"Syncing {len(slugs)} competition(s)…", expanded=True) as status:
            failed = 0
            for number, slug in enumerate(slugs, start=1):
                st.write(f"{number}/{len(slugs)}: downloading {web.md(slug)}…")
                result = sync.sync(slug, self.cfg, trigger=trigger)
                failed += result.outcome in ("failed", "held")
                web.flash({"failed": "error", "held": "warning"}.get(result.outcome, "success"), result.summary())
            status.update(label=f"Synced {len(slugs) - failed} of {len(slugs)}", expanded=False,
                          state="error" if failed else "complete")
        st.rerun()

    @staticmethod
    def optional_number(text: str, what: str) -> float | None:
        text = (text or "").strip()
        return registry.finite_number(text, what) if text else None
