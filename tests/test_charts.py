"""Chart builders: DataFrames in, Plotly figures out; direction-aware and safe with hostile names."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from mlbattle import charts

HOSTILE = '<a href="javascript:alert(1)">**x**</a>'


def bins_frame(counts: list[int], lo: float = 0.0, width: float = 0.1) -> pd.DataFrame:
    return pd.DataFrame({
        "start": [lo + i * width for i in range(len(counts))],
        "end": [lo + (i + 1) * width for i in range(len(counts))],
        "teams": counts,
    })


PEOPLE = pd.DataFrame({"participant": ["Ada", HOSTILE], "kaggle_rank": [3, 10], "score": [0.35, 0.05]})
BENCH = pd.DataFrame({"team_name": ["Sample <b>baseline</b>", "Empty"], "score": [0.25, None]})


def test_distribution_draws_the_binned_field_participants_on_their_bars_and_benchmark_lines() -> None:
    figure = charts.score_distribution(bins_frame([1, 5, 2, 8]), PEOPLE, BENCH, direction="higher", metric="AUC")
    bars, marks = figure.data
    assert list(bars.y) == [1, 5, 2, 8]
    assert list(marks.y) == [8, 1]  # 0.35 sits in the last bin (8 teams), 0.05 in the first (1 team)
    assert list(marks.x) == [0.35, 0.05]
    lines = [shape for shape in figure.layout.shapes if shape.type == "line"]
    assert len(lines) == 1 and lines[0].x0 == 0.25  # the benchmark without a score is not drawn
    assert figure.layout.xaxis.autorange is True
    assert "higher is better" in figure.layout.xaxis.title.text


def test_lower_is_better_reverses_the_score_axis_so_better_is_to_the_right() -> None:
    figure = charts.score_distribution(bins_frame([3, 2]), PEOPLE.head(1), BENCH.head(0), direction="lower",
                                       metric="RMSE")
    assert figure.layout.xaxis.autorange == "reversed"
    assert figure.layout.xaxis.title.text == "RMSE (lower is better)"


def test_names_are_escaped_so_plotly_shows_them_as_text() -> None:
    figure = charts.score_distribution(bins_frame([1, 1, 1, 1]), PEOPLE, BENCH, direction="higher")
    texts = list(figure.data[1].text)
    assert texts[1] == "&lt;a href=&quot;javascript:alert(1)&quot;&gt;**x**&lt;/a&gt;"
    assert "<" not in "".join(texts)
    assert figure.layout.annotations[0].text == "Sample &lt;b&gt;baseline&lt;/b&gt;"


def test_distribution_without_scores_says_so() -> None:
    figure = charts.score_distribution(bins_frame([]), PEOPLE, BENCH, direction="higher")
    assert not figure.data and "No scores" in figure.layout.annotations[0].text


def test_participant_markers_are_capped() -> None:
    many = pd.DataFrame({"participant": [f"p{i}" for i in range(800)], "kaggle_rank": range(1, 801),
                         "score": [0.5] * 800})
    figure = charts.score_distribution(bins_frame([10] * 10), many, BENCH.head(0), direction="higher")
    assert len(figure.data[1].x) == charts.MAX_MARKERS


def history_frame() -> pd.DataFrame:
    days = [datetime(2026, 11, d) for d in (1, 2, 3)]
    return pd.DataFrame({
        "synced_at": days * 2,
        "participant": ["Ada"] * 3 + [HOSTILE] * 3,
        "kaggle_rank": [30, 20, 10, 5, 6, 7],
        "score": [0.5, 0.4, 0.3, 0.1, 0.12, 0.13],
    })


def test_progress_has_score_and_rank_per_participant_rank_one_on_top() -> None:
    figure = charts.progress(history_frame(), direction="higher", metric="AUC")
    assert len(figure.data) == 4  # score and rank for each of two people
    assert figure.layout.yaxis2.autorange == "reversed"  # rank 1 at the top
    assert figure.layout.yaxis.autorange is True
    assert {trace.name for trace in figure.data} == {"Ada", charts.plain(HOSTILE)}


def test_progress_for_lower_is_better_puts_the_best_score_on_top() -> None:
    figure = charts.progress(history_frame(), direction="lower", metric="RMSE")
    assert figure.layout.yaxis.autorange == "reversed"
    assert figure.layout.yaxis.title.text == "lower is better"
    assert figure.layout.annotations[0].text == "Score: RMSE (lower is better)"


def test_progress_gives_each_participant_one_colour_in_both_panels() -> None:
    figure = charts.progress(history_frame(), direction="higher")
    by_name: dict[str, set[str]] = {}
    for trace in figure.data:
        by_name.setdefault(trace.name, set()).add(trace.line.color)
    assert all(len(colours) == 1 for colours in by_name.values()) and len(by_name) == 2
    assert len({next(iter(c)) for c in by_name.values()}) == 2


def test_progress_without_snapshots_says_so() -> None:
    figure = charts.progress(history_frame().head(0), direction="higher")
    assert not figure.data and "No snapshots" in figure.layout.annotations[0].text


def test_standings_stack_points_per_competition_first_place_on_top() -> None:
    table = pd.DataFrame({
        "place": [1, 2, 2], "participant": ["Ada", "Bo", HOSTILE], "kaggle_username": ["ada", "bo", "x"],
        "total_points": [150.0, 90.0, 90.0], "comp-a": [100.0, 40.0, 50.0], "comp-b": [50.0, 50.0, 40.0],
    })
    figure = charts.standings(table, ["comp-a", "comp-b"], titles={"comp-a": "Comp <i>A</i>"})
    assert figure.layout.barmode == "stack"
    assert [trace.name for trace in figure.data] == ["Comp &lt;i&gt;A&lt;/i&gt;", "comp-b"]
    assert list(figure.data[0].y)[0] == "1. Ada"
    assert figure.layout.yaxis.autorange == "reversed"
    assert all("<" not in label for label in figure.data[0].y)
    assert len(charts.standings(table, ["comp-a"], top=2).data[0].y) == 2


def test_standings_without_anyone_says_so() -> None:
    empty = pd.DataFrame(columns=["place", "participant", "kaggle_username", "total_points"])
    assert "Nobody" in charts.standings(empty, []).layout.annotations[0].text


def test_the_medal_zones_are_drawn_as_lines_at_the_score_each_needs():
    zones = [("gold", 2, 0.98), ("silver", 4, 0.96), ("bronze", 8, 0.92)]
    figure = charts.score_distribution(bins_frame([1, 5, 2, 8]), PEOPLE, BENCH, direction="higher", zones=zones)
    dotted = [shape for shape in figure.layout.shapes if shape.line.dash == "dot"]
    assert sorted(shape.x0 for shape in dotted) == [0.92, 0.96, 0.98]
    labels = {annotation.text for annotation in figure.layout.annotations}
    assert {"gold ≤ #2", "silver ≤ #4", "bronze ≤ #8"} <= labels


def test_zones_that_need_the_same_score_share_one_line():
    zones = [("gold", 1, 0.9), ("silver", 1, 0.9), ("bronze", 1, 0.9)]
    figure = charts.score_distribution(bins_frame([1, 5]), PEOPLE, BENCH.head(0), direction="lower", zones=zones)
    assert [annotation.text for annotation in figure.layout.annotations] == ["gold ≤ #1, silver ≤ #1, bronze ≤ #1"]
