"""Shapes of real current-header downloads: deleted members, benchmarks mid-file (even with a username),
an empty member field written as nothing at all, and the many shapes of the file name's timestamp."""

from __future__ import annotations

import pytest

from mlbattle import db, queries, reads, registry, sync
from mlbattle.leaderboard_file import board_of
from tests.support.boards import zip_members, zip_of, zip_with_csv

SLUG = "shape-cup"
HEADER = "Rank,TeamId,TeamName,LastSubmissionDate,Score,SubmissionCount,TeamMemberUserNames\r\n"


def setup(settings, people=()) -> None:
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts(SLUG, "Shape Cup", metric="AUC"))
        for username in people:
            registry.add_participant(con, username, username.upper())


def load(settings, local_fetch, data: bytes) -> sync.SyncResult:
    result = sync.sync(SLUG, settings, fetch=local_fetch({SLUG: data}))
    assert result.outcome in ("created", "updated"), result.summary()
    return result


def platform(settings) -> list[tuple]:
    with db.connect(settings) as con:
        return [(r["kaggle_username"], r["kaggle_rank"], r["platform_rank"])
                for r in reads.records(con, queries.PLATFORM_LEADERBOARD, [SLUG])]


def test_deleted_members_never_match_anyone(settings, local_fetch):
    setup(settings, ["ann", "del", "a670fbfee5c1ae93"])
    load(settings, local_fetch, zip_of(SLUG, [(1, "Pair", 0.9, "del=a670fbfee5c1ae93, ann"),
                                              (2, "[Deleted]", 0.8, "del=0123456789abcdef"),
                                              (3, "[Deleted]", 0.7, "del=a670fbfee5c1ae93")]))
    assert platform(settings) == [("ann", 1, 1)]
    with db.connect(settings) as con, pytest.raises(ValueError):
        registry.add_participant(con, "del=a670fbfee5c1ae93", "Ghost")


def test_benchmarks_mid_file_sit_at_their_score_and_never_match_even_with_a_username(settings, local_fetch):
    setup(settings, ["ann", "host", "dan"])
    rows = [(1, "A", 0.9, "ann"), (2, "B", 0.8, "ben"), (0, "Host baseline", 0.75, "host"), (3, "D", 0.7, "dan"),
            (0, "Sample submission", 0.5, "")]
    result = load(settings, local_fetch, zip_of(SLUG, rows))
    assert result.matched == 2
    assert platform(settings) == [("ann", 1, 1), ("dan", 3, 2)]
    with db.connect(settings) as con:
        record = reads.competition(con, SLUG)
        stored = con.execute("SELECT position, kaggle_rank, is_benchmark FROM kaggle_rows WHERE competition_slug = ? "
                             "ORDER BY position", [SLUG]).fetchall()
    assert record["inferred_direction"] == "higher"
    assert stored[2] == (3, 0, True) and stored[4] == (5, 0, True)


def test_an_empty_member_field_written_as_nothing_loads_with_no_members(settings, local_fetch):
    setup(settings, ["solo", "pat"])
    body = "1,11,solo,2026-01-01 00:00:00,0.9,2,\r\n2,12,Pat's team,2026-01-01 00:00:00,0.8,1,pat\r\n"
    load(settings, local_fetch, zip_with_csv(SLUG, HEADER + body))
    assert platform(settings) == [("pat", 2, 1)]  # the current header never matches team names
    with db.connect(settings) as con:
        assert con.execute("SELECT members FROM kaggle_rows WHERE competition_slug = ? ORDER BY position",
                           [SLUG]).fetchall() == [(None,), ("pat",)]


@pytest.mark.parametrize("member, board", [
    ("shape-cup-publicleaderboard-2024-03-01T17:41:44.csv", "public"),
    ("shape-cup-privateleaderboard-2024-03-01T17:41:44.csv", "private"),
    ("shape-cup-publicleaderboard-2024-03-01T16_40_20.csv", "public"),
    ("shape-cup-privateleaderboard-2024-03-01T16_40_20.csv", "private"),
    ("shape-cup-publicleaderboard-2024-03-01T223756 (1).csv", "public"),
    ("shape-cup-privateleaderboard-2024-03-01T223756 (1).csv", "private"),
    ("private-leaderboard-quiz-publicleaderboard-2024-03-01T223756.csv", "public"),
    ("PrivateLeaderboard.csv", "private"),
    ("leaderboard.csv", "public"),
])
def test_the_board_is_read_from_any_shape_of_the_file_name(member, board):
    assert board_of(member) == board


@pytest.mark.parametrize("member", ["shape-cup-privateleaderboard-2024-03-01T17:41:44.csv",
                                    "shape-cup-privateleaderboard-2024-03-01T16_40_20.csv",
                                    "shape-cup-privateleaderboard-2024-03-01T223756 (1).csv"])
def test_a_download_under_any_timestamp_shape_loads_and_records_its_board(settings, local_fetch, member):
    setup(settings)
    csv_bytes = (HEADER + "1,11,a,2026-01-01 00:00:00,0.9,2,ann\r\n").encode("utf-8-sig")
    load(settings, local_fetch, zip_members({member: csv_bytes}))
    with db.connect(settings) as con:
        assert con.execute("SELECT board FROM competitions WHERE slug = ?", [SLUG]).fetchone() == ("private",)
