"""The private reveal on the pages: which board a page shows, public → private for each participant, the
shake-up figures and chart on the leaderboard, and the reveal slide of the big screen."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from .. import charts, medals, reads, registry, reveal
from ..settings import Settings
from ..text import md
from .data import Source, figure, source

SCREEN_ROWS = 8  # the reveal slide's rows: the big screen's ten, less the two lines calling out the moves
CALLOUT = "font-size: 36px; font-weight: 600; color: #1c2331; margin: 0.3rem 0"  # read from the back row too
REVEAL_COLUMNS = ("public_rank", "reveal_move")

COLUMNS = {
    "public_rank": st.column_config.NumberColumn(
        "Public rank", format="%d", help="Kaggle rank on the last public board, before the private reveal"),
    "reveal_move": st.column_config.TextColumn(
        "Public → private", help="places gained (↑) or lost (↓) at the private reveal"),
}


def banner(shown: reveal.View | None) -> None:
    """Says which board the page shows, above the KPIs: after the deadline the numbers change meaning."""
    if shown is None:
        return
    state = shown.state
    if state.revealed:
        when = f" on {state.revealed_at:%Y-%m-%d %H:%M} UTC" if state.revealed_at else ""
        st.success(f"🔓 **Private leaderboard**: the final standings, revealed{when}. Ranks, medals and event "
                   "points here come from the private board; each participant's public rank and move are "
                   "beside it.")
    elif state.is_private:
        st.info("🔒 **Private leaderboard** (final standings). This competition was imported after its deadline, "
                "so no public board was ever seen here: there is no shake-up to show.")
    else:
        st.caption("Public leaderboard: the private board replaces it after the deadline, with the shake-up.")


def shakeup_row(shown: reveal.View | None) -> None:
    """The shake-up in four cards: the field's, the participants', the biggest climb and the biggest fall."""
    if shown is None or shown.figures is None:
        return
    figures = shown.figures
    field, people, climb, fall = st.columns(4)
    explain = ("mean |private rank − public rank| / N over the {} on both boards (N = {:,} teams); 0 is no "
               "movement at all")
    field.metric("Field shake-up", _figure(figures.field), help=explain.format("teams", figures.n), border=True)
    people.metric("Participants' shake-up", _figure(figures.participants),
                  help=explain.format("participants", figures.n), border=True)
    climber, faller = reveal.biggest(shown.moves)
    for card, label, row in ((climb, "Biggest climb", climber), (fall, "Biggest fall", faller)):
        if row is None:
            card.metric(label, "–", border=True)
            continue
        card.metric(label, reveal.move_text(row["move"]), border=True,
                    help=f"Kaggle rank {row['public_rank']:,} on the public board, {row['private_rank']:,} on the "
                         "private one")
        card.caption(f"{md(row['participant'])}: #{row['public_rank']:,} → #{row['private_rank']:,}")


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def marked(rows: pd.DataFrame, shown: reveal.View | None) -> pd.DataFrame:
    """Table rows with `public_rank` and `reveal_move` (↑212, ↓37) for the participants on them; the all-teams
    view lists a team's participants as 'ann, ben', who share the row. The same-board Move column's "new" is
    dropped for anyone who was on the public board: the reveal's move tells their story."""
    if shown is None or not shown.moves or "kaggle_username" not in rows:
        return rows
    by_key = {registry.username_key(row["kaggle_username"]): row for row in shown.moves}
    found = [by_key.get(registry.username_key(str(name).split(",")[0])) if isinstance(name, str) else None
             for name in rows["kaggle_username"]]
    out = rows.assign(
        public_rank=pd.Series([row["public_rank"] if row else None for row in found], index=rows.index, dtype="Int64"),
        reveal_move=[reveal.move_text(row["move"]) if row else "" for row in found])
    if "movement" in out:  # "new" on the first private board: not new to the room, the public rank says where from
        was_public = out["public_rank"].notna().to_numpy()
        out["movement"] = out["movement"].where(~(was_public & (out["movement"] == "new").to_numpy()), "")
    return out


def order(columns: list[str], shown: reveal.View | None) -> list[str]:
    """The table's column order with the public rank and the move right after the Kaggle rank, once revealed."""
    if shown is None or not shown.state.revealed or "kaggle_rank" not in columns:
        return columns
    at = columns.index("kaggle_rank") + 1
    return [*columns[:at], *REVEAL_COLUMNS, *columns[at:]]


def tab_names(shown: reveal.View | None) -> list[str]:
    return ["Public vs private"] if shown is not None and shown.state.revealed else []


def chart_tab(data: Source, version: Any, slug: str, shown: reveal.View) -> None:
    """Public rank against private rank for the whole field, then every participant's move as a table."""
    points = data.read(version, reveal.field, slug)
    zones = medals.thresholds(shown.state.teams)
    st.plotly_chart(figure(charts.shakeup, points, zones), key="shakeup")
    st.caption("Each dot is a team on both boards; above the diagonal it climbed at the reveal. Bands: the "
               "private board's gold, silver and bronze zones.")
    table = pd.DataFrame(list(shown.moves), columns=list(reveal.MOVE_COLUMNS))
    table["move_text"] = [reveal.move_text(None if pd.isna(move) else int(move)) for move in table["move"]]
    st.dataframe(table, hide_index=True, column_order=["participant", "kaggle_username", "public_rank",
                                                       "private_rank", "move_text"], column_config={
        "participant": st.column_config.TextColumn("Participant"),
        "kaggle_username": st.column_config.TextColumn("Kaggle username"),
        "public_rank": st.column_config.NumberColumn("Public rank", format="%d"),
        "private_rank": st.column_config.NumberColumn("Private rank", format="%d"),
        "move_text": st.column_config.TextColumn("Move"),
    })


# ---------------------------------------------------------------- the big screen


def screen_slide(cfg: Settings, record: Mapping[str, Any]) -> bool:
    """The reveal on the big screen: the participants by private rank with their moves, the biggest climb and
    fall called out. False (nothing drawn) until the competition has a reveal."""
    with source(cfg) as data:
        version = data.probe(reads.competition_version, record["slug"])
        shown = data.read(version, reveal.view, record["slug"]) if version is not None else None
    if shown is None or not shown.state.revealed:
        return False
    st.html(screen_html(shown))
    return True


def screen_html(shown: reveal.View) -> str:
    """The slide's HTML: every stored name escaped by the screen's `plain`; no emoji in the words, which a
    projector's fonts may lack (medals as the screen draws them elsewhere)."""
    from .screen import NONE, plain

    head = ('<tr><th class="num">Private</th><th>Participant</th><th class="num">Public</th>'
            '<th class="num">Move</th><th class="medal">Medal</th></tr>')
    body = []
    for row in shown.on_private[:SCREEN_ROWS]:
        medal = medals.emoji(medals.medal(row["private_rank"], shown.state.teams))
        body.append(f'<tr><td class="num rank">{row["private_rank"]:,}</td><td class="name">'
                    f'{plain(row["participant"])}</td><td class="num">{_rank(row["public_rank"])}</td>'
                    f'<td class="num">{_move_html(row["move"])}</td><td class="medal">{medal or NONE}</td></tr>')
    climber, faller = reveal.biggest(shown.moves)
    calls = [f'<div class="screen-foot" style="{CALLOUT}">{label}: <b>{plain(row["participant"])}</b> '
             f'{_move_html(row["move"])} '
             f'(#{row["public_rank"]:,} → #{row["private_rank"]:,})</div>'
             for label, row in (("Biggest climb", climber), ("Biggest fall", faller)) if row]
    figures = shown.figures
    shake = f" · field shake-up {_figure(figures.field)}" if figures else ""
    return (f'<div class="screen-sub" style="{CALLOUT}">The private reveal: public → private{shake}</div>'
            f'<table class="screen-board">{head}{"".join(body)}</table>{"".join(calls)}')


def _rank(rank: int | None) -> str:
    return "–" if rank is None else f"{rank:,}"


def _move_html(move: int | None) -> str:
    text = reveal.move_text(move)
    if move is None or move == 0:
        return text or "new"
    return f'<span class="{"screen-up" if move > 0 else "screen-down"}">{text}</span>'
