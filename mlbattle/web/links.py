"""Links between pages, and choices that stay on a page with shareable query parameters."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from .. import settings as settings_module
from ..text import md
from .setup import PAGES


def url(page_name: str, **params: str) -> str:
    """A relative link to a page with its query parameters, for places where st.page_link cannot go."""
    path = PAGES[page_name][1]
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"./{path}" + (f"?{query}" if query else "")


def link(page_name: str, label: str, **params: str) -> None:
    """st.page_link inside the app (keeps the session); a plain link when a page runs on its own."""
    path = settings_module.PROJECT_DIR / PAGES[page_name][0]
    query = {k: v for k, v in params.items() if v is not None}
    try:
        st.page_link(str(path), label=md(label), query_params=query or None)
    except StreamlitPageNotFoundError:
        st.markdown(f"[{md(label)}]({url(page_name, **query)})")


def pick(label: str, key: str, **params: str) -> None:
    """A choice that stays on this page: st.page_link to the current page drops its query parameters from
    the browser's URL, so the pick sets them itself, and the link stays shareable and survives a reload."""
    if st.button(md(label), key=key, type="tertiary", icon=":material/arrow_forward:"):
        st.query_params.update(params)
        st.rerun()

