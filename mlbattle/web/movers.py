"""Movement and medals on the pages: the movers strip, the medal KPI, the table's Medal and Move columns."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from .. import medals, movement
from ..text import md
from .data import kept

MOVERS_SHOWN = 5


def movers_strip(moves: pd.DataFrame, count: int = MOVERS_SHOWN, key: Hashable = None) -> None:
    """Who moved most since the previous download, as a row of small cards (nothing when nobody moved).
    `key` names `moves` by its data version (see `data.kept`), so a warm run does not rank them again."""
    top = movement.movers(moves, count) if key is None else kept(key, movement.movers, moves, count)
    if top.empty:
        return
    st.caption("Moved most since the previous download")
    for card, row in zip(st.columns(count), top.itertuples()):
        move = int(row.move)
        card.metric(f"{md(row.participant)} {medals.emoji(row.medal)}".strip(), f"#{int(row.kaggle_rank):,}",
                    delta=row.movement, border=True, help="Kaggle rank now, and places moved since the previous "
                    "download", delta_color="normal" if move > 0 else "inverse", delta_arrow="off")


def medal_kpi(column: Any, moves: pd.DataFrame, zones: Sequence[movement.Zone] = (), key: Hashable = None) -> None:
    """'4 participants in the medals', with how many in each zone; with none, where bronze ends. `key` as
    in `movers_strip`."""
    count, per_zone = _medal_summary(moves) if key is None else kept(key, _medal_summary, moves)
    column.metric("In the medals", f"{count:,}", help="participants inside Kaggle's gold, silver or bronze zone "
                  "on this board")
    if count:
        column.caption(" · ".join(f"{medals.EMOJI[name]} {int(per_zone[name])}" for name in medals.MEDALS
                                  if name in per_zone) + f" · {count} participant{'' if count == 1 else 's'} "
                       "in the medals")
    elif zones:
        column.caption(f"{medals.EMOJI['bronze']} bronze ends at Kaggle #{zones[-1].rank:,}")


def _medal_summary(moves: pd.DataFrame) -> tuple[int, dict[str, int]]:
    """Participants in a medal zone (each person once), and how many in each zone."""
    per_zone = moves.drop_duplicates("kaggle_username")["medal"].value_counts()
    return movement.medal_count(moves), {str(name): int(n) for name, n in per_zone.items()}


def marked(rows: pd.DataFrame, moves: pd.DataFrame, teams: int, board_name: str | None) -> pd.DataFrame:
    """A page of table rows with `medal_icon` and `movement` for the Medal and Move columns."""
    out = movement.decorate(rows, moves, teams, board_name)
    out["medal_icon"] = [medals.emoji(name) for name in out["medal"]]
    return out


COLUMNS = {
    "medal_icon": st.column_config.TextColumn("Medal", help="Kaggle's medal zone for this rank on this board",
                                              width="small"),
    "movement": st.column_config.TextColumn(
        "Move", width="small",
        help="Kaggle places gained (▲) or lost (▼) since the previous download of this board; new: not on it"),
}
