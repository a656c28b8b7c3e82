"""Plotly figures from DataFrames: no database, no Streamlit, so each is tested on its own.

Every chart reads "up (or right) = better": for a lower-is-better metric the score axis is reversed and
the axis title says so; ranks are always drawn with 1 at the top. Team and participant names come from
strangers, and Plotly treats a few HTML tags in text as markup, so names are escaped before they go in.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.colors as plotly_colors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

FIELD_COLOUR = "#9db4d0"
PARTICIPANT_COLOUR = "#d6336c"
BENCHMARK_COLOUR = "#495057"
ZONE_COLOURS = {"gold": "#d4a017", "silver": "#8a9597", "bronze": "#b0643c"}
MAX_MARKERS = 500
PALETTE = plotly_colors.qualitative.Plotly


def plain(text: object) -> str:
    """A name as Plotly shows it literally (no <b>, <a href>, <br> from a team name)."""
    return html.escape("" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text))


def direction_note(direction: str) -> str:
    return "lower is better" if direction == "lower" else "higher is better"


def score_title(metric: str | None, direction: str) -> str:
    return f"{plain(metric or 'Score')} ({direction_note(direction)})"


def _empty(message: str) -> go.Figure:
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def _bin_heights(bins: pd.DataFrame, scores: pd.Series) -> np.ndarray:
    """How tall each score's bar is, so a participant's marker sits on top of the bar it falls in."""
    if bins.empty:
        return np.zeros(len(scores))
    edges = bins["end"].to_numpy()[:-1]
    index = np.clip(np.searchsorted(edges, scores.to_numpy(dtype=float), side="right"), 0, len(bins) - 1)
    return bins["teams"].to_numpy()[index]


def score_distribution(
    bins: pd.DataFrame,
    participants: pd.DataFrame,
    benchmarks: pd.DataFrame,
    *,
    direction: str,
    metric: str | None = None,
    zones: Sequence[tuple[str, int, float | None]] = (),
) -> go.Figure:
    """The whole field as a histogram (bins: start, end, teams, binned in SQL), participants as markers on
    their bar (participant, kaggle_rank, score; the best `MAX_MARKERS`), benchmarks (team_name, score) as
    dashed vertical lines, and the medal zones (medal, last rank, score it needs) as dotted lines in their
    colour, labelled at the foot. Better scores are to the right in both directions."""
    if bins.empty or int(bins["teams"].sum()) == 0:
        return _empty("No scores on this leaderboard yet")
    figure = go.Figure()
    figure.add_bar(
        x=(bins["start"] + bins["end"]) / 2,
        y=bins["teams"],
        width=(bins["end"] - bins["start"]).clip(lower=1e-12),
        marker_color=FIELD_COLOUR,
        name="all Kaggle teams",
        customdata=np.stack([bins["start"], bins["end"]], axis=-1),
        hovertemplate="%{customdata[0]:.5g} to %{customdata[1]:.5g}: %{y} teams<extra></extra>",
    )
    shown = participants.dropna(subset=["score"]).head(MAX_MARKERS)
    if not shown.empty:
        figure.add_scatter(
            x=shown["score"],
            y=_bin_heights(bins, shown["score"]),
            mode="markers",
            marker={"color": PARTICIPANT_COLOUR, "size": 10, "symbol": "diamond", "line": {"width": 1,
                                                                                         "color": "white"}},
            name="participants",
            text=[plain(name) for name in shown["participant"]],
            customdata=shown["kaggle_rank"],
            hovertemplate="%{text}<br>rank %{customdata}<br>score %{x:.6g}<extra></extra>",
        )
    # Benchmarks often sit close together: alternate sides and heights so their labels do not overlap.
    for index, (_, row) in enumerate(benchmarks.dropna(subset=["score"]).sort_values("score").iterrows()):
        figure.add_vline(
            x=float(row["score"]), line_dash="dash", line_color=BENCHMARK_COLOUR,
            annotation_text=plain(row["team_name"]),
            annotation_position="top left" if index % 2 == 0 else "top right",
            annotation_yshift=-16 * (index % 2), annotation_font_size=11,
        )
    _zone_lines(figure, zones)
    figure.update_layout(
        bargap=0.02, showlegend=True, legend={"orientation": "h", "y": -0.2},
        margin={"t": 40, "b": 10, "l": 10, "r": 10},
    )
    figure.update_xaxes(title_text=score_title(metric, direction), autorange="reversed" if direction == "lower"
                        else True)
    figure.update_yaxes(title_text="teams")
    return figure


def _zone_lines(figure: go.Figure, zones: Sequence[tuple[str, int, float | None]]) -> None:
    """The score each medal zone needs, beside the benchmarks: dotted, labelled at the bottom (benchmarks are
    labelled at the top) and one above the other, since the zones of a big board sit close together. Zones that
    need the same score (small boards) share one line."""
    by_score: dict[float, list[str]] = {}
    for name, rank, score in zones:
        if score is not None and np.isfinite(score):
            by_score.setdefault(float(score), []).append(f"{name} ≤ #{rank}")
    for index, (score, labels) in enumerate(sorted(by_score.items())):
        colour = ZONE_COLOURS.get(labels[0].split()[0], BENCHMARK_COLOUR)
        figure.add_vline(
            x=score, line_dash="dot", line_width=2, line_color=colour,
            annotation_text=plain(", ".join(labels)), annotation_font_color=colour, annotation_font_size=11,
            annotation_position="bottom right", annotation_yshift=16 * index,  # close zones: labels stacked
        )


def progress(
    history: pd.DataFrame,
    *,
    direction: str,
    metric: str | None = None,
    series: str = "participant",
) -> go.Figure:
    """Score (top) and Kaggle rank (bottom) over time, one line per `series` value, from sync snapshots
    (synced_at, kaggle_rank, score and the series column). Rank 1 and the best score are at the top."""
    if history.empty:
        return _empty("No snapshots yet: history grows with each changed download")
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                           subplot_titles=(f"Score: {score_title(metric, direction)}", "Kaggle rank"))
    groups = history.sort_values("synced_at").groupby(series, sort=True)
    for number, (name, rows) in enumerate(groups):
        label = plain(name)
        colour = PALETTE[number % len(PALETTE)]
        common = {"x": rows["synced_at"], "mode": "lines+markers", "name": label, "legendgroup": label,
                  "line": {"color": colour}, "marker": {"color": colour}}
        figure.add_scatter(y=rows["score"], row=1, col=1, hovertemplate=f"{label}<br>%{{x}}<br>score %{{y:.6g}}"
                           "<extra></extra>", **common)
        figure.add_scatter(y=rows["kaggle_rank"], row=2, col=1, showlegend=False,
                           hovertemplate=f"{label}<br>%{{x}}<br>rank %{{y}}<extra></extra>", **common)
    figure.update_yaxes(title_text=direction_note(direction), row=1, col=1,
                        autorange="reversed" if direction == "lower" else True)
    figure.update_yaxes(title_text="1 at the top", autorange="reversed", row=2, col=1)
    figure.update_layout(height=520, margin={"t": 40, "b": 10, "l": 10, "r": 10},
                         legend={"orientation": "h", "y": -0.12})
    return figure


def standings(table: pd.DataFrame, competitions: Sequence[str], *, top: int = 25,
              titles: dict[str, str] | None = None) -> go.Figure:
    """The event's overall order as stacked horizontal bars of points per competition, first place on top.
    `table` has participant, total_points and one points column per competition slug."""
    if table.empty:
        return _empty("Nobody registered is on these leaderboards yet")
    shown = table.sort_values(["total_points"], ascending=False, kind="stable").head(top)
    labels = [f"{plain(place)}. {plain(name)}" for place, name in zip(shown.get("place", range(1, len(shown) + 1)),
                                                                       shown["participant"])]
    figure = go.Figure()
    for slug in competitions:
        if slug not in shown.columns:
            continue
        name = plain((titles or {}).get(slug, slug))
        figure.add_bar(y=labels, x=shown[slug].fillna(0), orientation="h", name=name,
                       hovertemplate=f"%{{y}}<br>{name}: %{{x:.1f}} points<extra></extra>")
    figure.update_layout(barmode="stack", height=max(260, 28 * len(shown) + 120),
                         margin={"t": 30, "b": 10, "l": 10, "r": 10}, legend={"orientation": "h", "y": -0.1})
    figure.update_yaxes(autorange="reversed", title_text=None)
    figure.update_xaxes(title_text="points")
    return figure
