"""The pages' shared values (mlbattle/web/data.py): one build per key for every session, handed out so that a
caller changing its copy never changes what the other sessions see."""

from __future__ import annotations

import threading
import time
from collections import namedtuple
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import pytest

from mlbattle import reads
from mlbattle.web import data


@pytest.fixture(autouse=True)
def empty_shared_values():
    data.forget_results()
    yield
    data.forget_results()


@dataclass(frozen=True)
class Result:
    table: pd.DataFrame
    total: int


Pair = namedtuple("Pair", "rows note")


def test_a_caller_changing_its_result_leaves_the_shared_one_alone() -> None:
    table = pd.DataFrame({"name": ["ada", "bob"], "score": [1.0, 2.0]})
    table.attrs["clipped"] = True
    shared = [{"slug": "a", "title": "A"}, Result(table, 2), Pair(table, "x")]

    mine = data.fresh(shared)
    mine[0]["title"] = "changed"
    mine[1].table.loc[0, "score"] = 99.0
    mine[1].table["extra"] = 1
    mine[2].rows.loc[1, "name"] = "eve"
    mine.append("more")

    assert shared[0]["title"] == "A"
    assert table["score"].tolist() == [1.0, 2.0] and list(table.columns) == ["name", "score"]
    assert table["name"].tolist() == ["ada", "bob"]
    assert len(shared) == 3
    assert isinstance(mine[2], Pair) and mine[2].note == "x" and mine[1].total == 2
    assert mine[1].table.attrs == {"clipped": True}


def test_a_key_is_built_once_while_many_sessions_ask_for_it_at_once() -> None:
    values = data.Shared(size=10, ttl=60)
    builds, start = [], threading.Barrier(8)

    def build() -> str:
        builds.append(1)
        time.sleep(0.2)  # the others arrive while this build runs
        return "value"

    got: list[str] = []

    def ask() -> None:
        start.wait()
        got.append(values.get("key", build))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got == ["value"] * 8
    assert len(builds) == 1


def test_a_failed_build_keeps_nothing_and_the_next_ask_builds_again() -> None:
    values = data.Shared(size=10, ttl=60)

    def broken() -> str:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        values.get("key", broken)
    assert len(values) == 0
    assert values.get("key", lambda: "second") == "second"


def test_shared_values_are_bounded_in_number_and_in_age() -> None:
    values = data.Shared(size=3, ttl=60)
    for number in range(5):
        values.get(number, lambda number=number: number)
    assert len(values) == 3
    assert values.get(0, lambda: "built again") == "built again"  # the oldest went first

    young = data.Shared(size=10, ttl=0.05)
    young.get("key", lambda: "old")
    time.sleep(0.2)
    assert young.get("key", lambda: "new") == "new"


def test_reads_are_shared_per_version_and_handed_out_as_copies(settings) -> None:
    calls: list[str] = []

    def table(con, slug: str) -> pd.DataFrame:
        calls.append(slug)
        return con.execute("SELECT 1 AS n, ? AS slug", [slug]).df()

    with data.source(settings) as source:
        first = source.read(("v", 1), table, "a")
        first.loc[0, "n"] = 42
        again = source.read(("v", 1), table, "a")
        other = source.read(("v", 1), table, "b")
        newer = source.read(("v", 2), table, "a")
    assert calls == ["a", "b", "a"]
    assert again["n"].tolist() == [1]
    assert other["slug"].tolist() == ["b"] and newer["slug"].tolist() == ["a"]


def test_forget_results_makes_every_read_ask_the_database_again(settings) -> None:
    with data.source(settings) as source:
        before = source.read(("same",), reads.competitions)
    data.forget_results()
    calls = []

    def counted(con):
        calls.append(1)
        return reads.competitions(con)

    with data.source(settings) as source:
        source.read(("same",), counted)
    assert before == [] and calls == [1]


def test_a_shared_figure_makes_its_dictionary_once_and_draws_the_same() -> None:
    built = go.Figure(go.Bar(x=[1, 2, 3], y=[3, 1, 2]), layout={"title": {"text": "t"}})
    shared = data.SharedFigure(built)
    assert shared.to_dict() is shared.to_dict()
    assert shared.to_dict() == built.to_dict()


def test_figures_with_a_key_are_built_once_per_key() -> None:
    builds = []

    def chart(points: list[int]) -> go.Figure:
        builds.append(1)
        return go.Figure(go.Scatter(y=points))

    one = data.figure(chart, [1, 2], key=("board", 1))
    assert data.figure(chart, [9, 9], key=("board", 1)) is one  # the key names it; the inputs are not hashed
    assert data.figure(chart, [3], key=("board", 2)) is not one
    assert len(builds) == 2
    assert isinstance(one, data.SharedFigure)


def test_a_page_run_gives_threads_short_turns_on_the_interpreter_lock(settings) -> None:
    import sys

    from mlbattle.web import setup
    from tests.support.pages import run_page

    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        at = run_page("pages/home.py")
        assert not at.exception
        assert sys.getswitchinterval() == pytest.approx(setup.SWITCH_INTERVAL_SECONDS)
        assert setup.SWITCH_INTERVAL_SECONDS < 0.005
    finally:
        sys.setswitchinterval(before)


def test_a_result_nothing_can_change_is_handed_out_as_it_is_and_others_as_copies(settings) -> None:
    @dataclass(frozen=True)
    class Grade:
        name: str
        beaten: int

    frozen_result = ("board", (Grade("ada", 2), Grade("bob", 1)))
    table_result = Result(pd.DataFrame({"n": [1]}), 1)
    with data.source(settings) as source:
        assert source.read(("v",), lambda con: frozen_result) is frozen_result
        handed = source.read(("v",), lambda con, name: table_result, "other")
    assert handed is not table_result and handed.table is not table_result.table
    assert data.immutable(frozen_result)
    assert not data.immutable(table_result) and not data.immutable((1, [2])) and not data.immutable({"a": 1})


def test_a_table_is_kept_as_arrow_unless_arrow_cannot_take_a_column() -> None:
    import pyarrow as pa

    frame = pd.DataFrame({"name": ["ada", "bob"], "rank": [1, 2], "movement": ["▲3", None]})
    table = data.as_arrow(frame)
    assert isinstance(table, pa.Table)
    assert table.column_names == ["name", "rank", "movement"] and table.to_pandas().equals(frame)

    mixed = pd.DataFrame({"cell": [1, "a", 2.5]})  # a column of mixed types: Streamlit converts it its own way
    assert data.as_arrow(mixed) is mixed
