"""What organisers type: validated, stored as given, duplicates refused whatever the case."""

from __future__ import annotations

import pytest

from mlbattle import db, queries, reads, registry


@pytest.fixture
def con(settings):
    with db.connect(settings) as connection:
        yield connection


@pytest.mark.parametrize("username, message", [
    ("", "required"), ("   ", "required"), ("a" * 51, "too long"), ("аnn", "non-ASCII"), ("ann smith", "letters, digits"),
    ("<script>", "letters, digits"), ("ann;drop", "letters, digits"), ("-ann", "letters, digits"),
])
def test_usernames_kaggle_would_not_accept_are_refused(con, username, message):
    with pytest.raises(ValueError, match=message):
        registry.add_participant(con, username)


def test_a_duplicate_in_another_case_is_refused(con):
    registry.add_participant(con, "Ann_B", "Ann")
    with pytest.raises(ValueError, match="already registered"):
        registry.add_participant(con, " ann_b ")


@pytest.mark.parametrize("name", ["=HYPERLINK(\"x\")", "<b>bold</b>", "Robert'); DROP TABLE participants;--",
                                  "**md**", "Zoë 🚀 中文"])
def test_names_that_look_like_code_are_stored_as_given(con, name):
    registry.add_participant(con, "someone", name)
    assert reads.records(con, queries.LIST_PARTICIPANTS)[0]["display_name"] == name


@pytest.mark.parametrize("name, message", [("x" * 81, "at most 80"), ("bell\x07", "control characters")])
def test_bad_names_are_refused(con, name, message):
    with pytest.raises(ValueError, match=message):
        registry.add_participant(con, "someone", name)


def test_import_accepts_a_csv_with_bom_blank_lines_and_reports_skips(con):
    rows = registry.parse_participants("\ufeffKaggle_Username,Name\r\nann,Ann\r\n\r\n,Nobody\r\nANN,Dup\r\nbo b,X\r\n")
    report = registry.import_participants(con, rows)
    assert report.added == 1 and len(report.skipped) == 3
    assert any("already registered" in s for s in report.skipped)


def test_import_accepts_one_username_a_line(con):
    report = registry.import_participants(con, registry.parse_participants("ann\nbob\n\ncy\n"))
    assert report.added == 3


def test_import_refuses_a_wrong_header(con):
    with pytest.raises(ValueError, match="no kaggle_username column"):
        registry.parse_participants("user,name\nann,Ann\n")


def test_import_handles_100000_rows(con):
    text = "kaggle_username,name\n" + "".join(f"user{i},Person {i}\n" for i in range(100_000))
    report = registry.import_participants(con, registry.parse_participants(text))
    assert report.added == 100_000
    assert con.execute("SELECT count(*) FROM participants").fetchone()[0] == 100_000


def test_too_many_rows_are_refused(con):
    with pytest.raises(ValueError, match="at most"):
        registry.parse_participants("\n".join(f"u{i}" for i in range(registry.MAX_IMPORT_ROWS + 5)))


def test_events_validate_slug_dates_and_duplicates(con):
    registry.add_event(con, "neural-night", "Neural Night", "2026-11-20", "2026-11-27")
    with pytest.raises(ValueError, match="already exists"):
        registry.add_event(con, "neural-night", "Again")
    with pytest.raises(ValueError, match="ends before it starts"):
        registry.add_event(con, "later", "Later", "2026-11-27", "2026-11-20")
    registry.update_event(con, "neural-night", "Renamed", None, None, "")
    assert reads.records(con, queries.GET_EVENT, ["neural-night"])[0]["title"] == "Renamed"


def test_scoring_needs_all_three_values(con):
    registry.add_competition(con, registry.CompetitionFacts("c", "C"))
    with pytest.raises(ValueError, match="together"):
        registry.set_scoring(con, "c", 0.5, None, 100)
    with pytest.raises(ValueError, match="differ"):
        registry.set_scoring(con, "c", 1, 1, 100)
    registry.set_scoring(con, "c", 1.0, 0.2, 100)
    record = reads.competition(con, "c")
    assert (record["worst"], record["best"], record["points"]) == (1.0, 0.2, 100)


def test_a_competition_can_only_join_an_existing_event(con):
    with pytest.raises(ValueError, match="add it first"):
        registry.add_competition(con, registry.CompetitionFacts("c", "C"), event="nope")


def test_reimporting_refreshes_kaggle_facts_and_keeps_settings(con):
    registry.add_competition(con, registry.CompetitionFacts("c", "Old", metric="AUC"), auto_sync=False)
    registry.add_competition(con, registry.CompetitionFacts("c", "New", metric="AUC"))
    record = reads.competition(con, "c")
    assert (record["title"], record["auto_sync"]) == ("New", False)
