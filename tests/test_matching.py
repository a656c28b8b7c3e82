"""The spec's matching and rank rules, each checked against a real sync into a real DuckDB file."""

from __future__ import annotations

import pytest

from mlbattle import db, queries, reads, registry, sync
from tests.support.boards import zip_of

SLUG = "neural-cup"


def setup(settings, participants, *, slug=SLUG, metric="Accuracy"):
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts(slug, slug.title(), metric=metric))
        for username, name in participants:
            registry.add_participant(con, username, name)


def load(settings, local_fetch, rows, *, slug=SLUG, header="current"):
    result = sync.sync(slug, settings, fetch=local_fetch({slug: zip_of(slug, rows, header=header)}))
    assert result.outcome in ("created", "updated"), result.error
    return result


def board(settings, slug=SLUG):
    with db.connect(settings) as con:
        return reads.records(con, queries.PLATFORM_LEADERBOARD, [slug])


def test_a_member_username_matches_case_insensitively_and_trimmed(settings, local_fetch):
    setup(settings, [("Alice", "Alice A."), ("bob", "Bob B.")])
    load(settings, local_fetch, [(1, "Team One", 0.9, "  ALICE , zed"), (2, "Solo", 0.8, "BoB")])
    rows = board(settings)
    assert [(r["participant"], r["kaggle_rank"]) for r in rows] == [("Alice A.", 1), ("Bob B.", 2)]


def test_registration_in_another_case_or_with_spaces_still_matches(settings, local_fetch):
    setup(settings, [("  CaRoL ", None)])
    load(settings, local_fetch, [(1, "C", 0.5, "carol")])
    assert [r["kaggle_username"] for r in board(settings)] == ["CaRoL"]


def test_team_mates_give_two_rows_with_the_same_ranks(settings, local_fetch):
    setup(settings, [("ann", "Ann"), ("ben", "Ben"), ("cat", "Cat")])
    load(settings, local_fetch, [(3, "Duo", 0.9, "ann, ben"), (7, "Cat's", 0.7, "cat")])
    rows = board(settings)
    assert [(r["participant"], r["kaggle_rank"], r["platform_rank"]) for r in rows] == [
        ("Ann", 3, 1), ("Ben", 3, 1), ("Cat", 7, 2)]


def test_platform_rank_is_dense_among_matched_rows_only(settings, local_fetch):
    setup(settings, [("a", None), ("b", None), ("c", None)])
    load(settings, local_fetch, [
        (1, "x", 0.99, "stranger"), (2, "A", 0.9, "a"), (2, "B", 0.9, "b"), (5, "C", 0.5, "c")])
    assert [(r["kaggle_rank"], r["platform_rank"]) for r in board(settings)] == [(2, 1), (2, 1), (5, 2)]


def test_benchmark_rows_with_rank_zero_never_match(settings, local_fetch):
    setup(settings, [("host", None), ("p", None)])
    load(settings, local_fetch, [(1, "P", 0.9, "p"), (0, "Host benchmark", 0.8, "host")])
    assert [r["kaggle_username"] for r in board(settings)] == ["p"]


def test_older_header_matches_team_name_and_ranks_by_position(settings, local_fetch):
    setup(settings, [("Gustavo", "G"), ("late", None)])
    load(settings, local_fetch, [(None, "first", 0.29, ""), (None, " gustavo ", 0.30, ""), (None, "x", 0.4, ""),
                                 (None, "LATE", 0.5, "")], header="older")
    assert [(r["participant"], r["kaggle_rank"], r["platform_rank"]) for r in board(settings)] == [
        ("G", 2, 1), ("late", 4, 2)]


def test_older_header_never_reads_member_names_that_are_not_there(settings, local_fetch):
    setup(settings, [("alice", None)])
    load(settings, local_fetch, [(None, "Team of alice", 0.9, "alice")], header="older")
    assert board(settings) == []


def test_a_participant_who_drops_off_leaves_the_board_but_keeps_history(settings, local_fetch):
    setup(settings, [("stay", None), ("gone", None)])
    load(settings, local_fetch, [(1, "S", 0.9, "stay"), (2, "G", 0.8, "gone")])
    load(settings, local_fetch, [(1, "S", 0.95, "stay")])
    assert [r["kaggle_username"] for r in board(settings)] == ["stay"]
    with db.connect(settings) as con:
        history = reads.records(con, queries.HISTORY, [SLUG])
    assert sorted({h["kaggle_username"] for h in history}) == ["gone", "stay"]
    assert len([h for h in history if h["kaggle_username"] == "stay"]) == 2


def test_a_participant_registered_after_the_sync_appears_at_once(settings, local_fetch):
    setup(settings, [])
    load(settings, local_fetch, [(1, "S", 0.9, "newcomer")])
    assert board(settings) == []
    with db.connect(settings) as con:
        registry.add_participant(con, "NewComer", "N")
    assert [r["participant"] for r in board(settings)] == ["N"]


def test_several_competitions_are_matched_independently(settings, local_fetch):
    setup(settings, [("a", None), ("b", None)])
    setup(settings, [], slug="other-cup")
    load(settings, local_fetch, [(1, "A", 0.9, "a"), (2, "B", 0.8, "b")])
    load(settings, local_fetch, [(1, "B", 0.1, "b"), (4, "A", 0.4, "a")], slug="other-cup")
    assert [r["kaggle_username"] for r in board(settings)] == ["a", "b"]
    assert [(r["kaggle_username"], r["kaggle_rank"]) for r in board(settings, "other-cup")] == [("b", 1), ("a", 4)]


HOSTILE = [
    "Robert'); DROP TABLE participants;--",
    "=HYPERLINK(\"http://evil\",\"x\")",
    "<script>alert(1)</script>",
    "line\nbreak, \"quoted\"",
    "🚀 中文 Ünïcode",
    "**bold** _md_",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_team_names_are_stored_as_given(settings, local_fetch, name):
    setup(settings, [("p", None)])
    load(settings, local_fetch, [(1, name, 0.9, "p")])
    assert board(settings)[0]["team_name"] == name
    with db.connect(settings) as con:
        assert con.execute("SELECT count(*) FROM participants").fetchone()[0] == 1


def test_matching_is_one_sql_statement():
    """Rule 5: the join lives in the SQL, not in a Python loop over rows."""
    sql = queries.PLATFORM_LEADERBOARD
    assert sql.count("SELECT") == 1 and "JOIN participants" in sql and "dense_rank()" in sql
