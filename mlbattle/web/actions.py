"""Organiser writes from a page, and messages that survive the rerun after them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

from .. import db, redact
from ..settings import Settings
from ..text import md
from .data import STORE_FAILURES, forget_probes

_FLASH_KEY = "flash_messages"


def flash(kind: str, text: str, details: Iterable[str] = ()) -> None:
    """Keep an outcome for the next run, so an action can rerun the page (fresh tables) and still say what it
    did. `kind` is success, info, warning or error; text and details (one line each) are shown literally."""
    if kind not in ("success", "info", "warning", "error"):
        raise ValueError(f"unknown message kind {kind!r}")
    forget_probes()
    st.session_state.setdefault(_FLASH_KEY, []).append((kind, text, list(details)))


def show_flashes() -> None:
    for kind, text, details in st.session_state.pop(_FLASH_KEY, []):
        getattr(st, kind)(md(text))
        if details:
            st.text("\n".join(details))


def write(cfg: Settings, action: Callable[[Any], Any], done: Callable[[Any], str]) -> None:
    """One organiser write in its own connection: a refusal (ValueError) shows as an error where the form is;
    success is kept for the rerun, so the tables below show the result."""
    try:
        with db.connect(cfg) as con:
            result = action(con)
    except ValueError as exc:
        st.error(md(str(exc)))
        return
    except STORE_FAILURES as exc:  # organisers see the reason, secrets masked
        st.error(md(redact.one_line(exc, cfg)))
        return
    flash("success", done(result))
    st.rerun()


def confirmed(ticked: bool, box: str) -> None:
    """Destructive actions need their box ticked; the refusal reads like every other one."""
    if not ticked:
        raise ValueError(f"tick “{box}” to confirm")

