"""Rule 3 for the older header (`TeamId,TeamName,SubmissionDate,Score`): each team once with its best score,
placed by score in the competition's direction, ties to the earlier submission; a file already best first
keeps its positions. The fixtures reproduce the shapes of real old downloads (made here, not read from them)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from mlbattle import db, oldformat, queries, reads, registry, sync
from mlbattle.loader import parse_download
from tests.support.boards import downloaded, zip_with_csv

SLUG = "old-cup"
HEADER = ("TeamId", "TeamName", "SubmissionDate", "Score")

OldRow = tuple[object, str, str, object]  # (TeamId, TeamName, SubmissionDate, Score)


def old_csv(rows: list[OldRow], *, bom: bool = True, newline: str = "\r\n") -> bytes:
    """An older-header CSV as Kaggle wrote them: CRLF and a BOM unless told otherwise, fields quoted as needed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(HEADER)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def setup(settings, metric: str | None = "RMSE", direction: str | None = None, people=()) -> None:
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts(SLUG, "Old Cup", metric=metric))
        if direction:
            registry.set_direction(con, SLUG, direction)
        for username in people:
            registry.add_participant(con, username, username.strip().upper())


def load(settings, local_fetch, data: bytes) -> sync.SyncResult:
    result = sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_with_csv(SLUG, data)}))
    assert result.outcome in ("created", "updated"), result.summary()
    return result


def stored(settings) -> list[tuple]:
    """(kaggle_rank, team_id, team_name, score) in stored order."""
    with db.connect(settings) as con:
        return con.execute("SELECT kaggle_rank, team_id, team_name, score FROM kaggle_rows "
                           "WHERE competition_slug = ? ORDER BY position", [SLUG]).fetchall()


def platform(settings) -> list[tuple]:
    with db.connect(settings) as con:
        return [(r["kaggle_username"], r["kaggle_rank"], r["platform_rank"])
                for r in reads.records(con, queries.PLATFORM_LEADERBOARD, [SLUG])]


# Six teams sorted by TeamId, as a 2020 download was; lower is better (RMSE).
BY_TEAM_ID = [
    (101, "Delta", "2020-03-01 10:00:00", 0.40),
    (102, "Alpha", "2020-03-02 10:00:00", 0.10),
    (103, "Echo", "2020-03-03 10:00:00", 0.50),
    (104, "Bravo", "2020-03-04 10:00:00", 0.20),
    (105, "Foxtrot", "2020-03-05 10:00:00", None),
    (106, "Charlie", "2020-03-06 10:00:00", 0.30),
]


def test_a_file_sorted_by_team_id_is_ranked_by_score_in_the_metrics_direction(settings, local_fetch):
    setup(settings, metric="RMSE", people=["bravo"])
    load(settings, local_fetch, old_csv(BY_TEAM_ID))
    assert [(rank, name) for rank, _, name, _ in stored(settings)] == [
        (1, "Alpha"), (2, "Bravo"), (3, "Charlie"), (4, "Delta"), (5, "Echo"), (6, "Foxtrot")]
    assert platform(settings) == [("bravo", 2, 1)]


def test_the_organisers_direction_wins_over_the_metric_name(settings, local_fetch):
    setup(settings, metric="RMSE", direction="higher")
    load(settings, local_fetch, old_csv(BY_TEAM_ID))
    assert [name for _, _, name, _ in stored(settings)] == ["Echo", "Delta", "Charlie", "Bravo", "Alpha", "Foxtrot"]
    with db.connect(settings) as con:
        assert reads.competition(con, SLUG)["inferred_direction"] == "higher"


def test_a_metric_that_says_nothing_means_higher_is_better(settings, local_fetch):
    setup(settings, metric="Accuracy")
    load(settings, local_fetch, old_csv(BY_TEAM_ID))
    assert [name for _, _, name, _ in stored(settings)][:2] == ["Echo", "Delta"]


# A row per improving submission (lower is better): each team many times, one row out of date order.
PER_SUBMISSION = [
    (7, "ann", "2016-01-01 09:00:00", 0.90),
    (8, "ben", "2016-01-01 10:00:00", 0.80),
    (7, "ann", "2016-01-03 09:00:00", 0.60),
    (9, "cy", "2016-01-04 09:00:00", 0.70),
    (7, "ann", "2016-01-02 09:00:00", 0.75),  # out of date order
    (8, "ben", "2016-01-05 09:00:00", 0.60),  # ties ann's best, later: ranks after her
    (9, "cy", "2016-01-06 09:00:00", 0.65),
]


def test_a_row_per_improving_submission_counts_each_team_once_with_its_best_score(settings, local_fetch):
    setup(settings, metric="Mean Absolute Error", people=["ann", "ben", "cy"])
    result = load(settings, local_fetch, old_csv(PER_SUBMISSION))
    assert result.rows == 3
    assert [(rank, name, score) for rank, _, name, score in stored(settings)] == [
        (1, "ann", 0.60), (2, "ben", 0.60), (3, "cy", 0.65)]
    assert platform(settings) == [("ann", 1, 1), ("ben", 2, 2), ("cy", 3, 3)]


def test_ties_go_to_the_earlier_submission_wherever_the_rows_sit(settings, local_fetch):
    setup(settings, metric="RMSE")
    rows = [(2, "Later", "2021-05-02 00:00:00", 0.5), (1, "Earlier", "2021-05-01 00:00:00", 0.5),
            (3, "Worse", "2021-04-01 00:00:00", 0.7), (3, "Worse", "2021-03-01 00:00:00", 0.9)]
    load(settings, local_fetch, old_csv(rows))
    assert [(rank, name) for rank, _, name, _ in stored(settings)] == [(1, "Earlier"), (2, "Later"), (3, "Worse")]


def test_a_file_in_score_order_gives_each_row_its_position_as_before(settings, local_fetch):
    setup(settings, metric="RMSE")
    rows = [(5, "First", "2017-06-29 20:00:00", 0.29), (4, "Tied later", "2017-06-29 23:55:46", 0.30),
            (3, "Tied earlier", "2017-06-29 23:44:51", 0.30), (2, "Last", "2017-06-29 00:00:00", 0.31)]
    load(settings, local_fetch, old_csv(rows))
    assert [(rank, name) for rank, _, name, _ in stored(settings)] == [
        (1, "First"), (2, "Tied later"), (3, "Tied earlier"), (4, "Last")]


def test_a_score_ordered_file_best_first_for_higher_is_kept_whatever_the_metric_says(settings, local_fetch):
    setup(settings, metric="RMSE")
    rows = [(1, "Top", "2019-01-01 00:00:00", 0.9), (2, "Mid", "2019-01-01 00:00:00", 0.8),
            (3, "Low", "2019-01-01 00:00:00", 0.7)]
    load(settings, local_fetch, old_csv(rows))
    assert [name for _, _, name, _ in stored(settings)] == ["Top", "Mid", "Low"]
    with db.connect(settings) as con:
        assert reads.competition(con, SLUG)["inferred_direction"] == "higher"


def test_crlf_and_a_bom_read_the_same_as_plain_lines(tmp_path):
    plain = parse_download(downloaded(tmp_path, zip_with_csv(SLUG, old_csv(BY_TEAM_ID, bom=False, newline="\n"))),
                           hint="lower").board
    (tmp_path / "again").mkdir()
    kaggle = parse_download(downloaded(tmp_path / "again", zip_with_csv(SLUG, old_csv(BY_TEAM_ID))),
                            hint="lower").board
    assert kaggle.to_pylist() == plain.to_pylist()
    assert kaggle["team_id"].to_pylist()[0] == "102"


def test_many_teams_named_deleted_each_count_once_and_match_nobody(settings, local_fetch):
    setup(settings, metric="RMSE", people=["deleted"])
    rows = [(200 + i, "[Deleted]", f"2018-02-0{i + 1} 00:00:00", 0.5 + i / 10) for i in range(5)]
    rows += [(300, "Real", "2018-02-01 00:00:00", 0.55), (201, "[Deleted]", "2018-01-01 00:00:00", 0.95)]
    result = load(settings, local_fetch, old_csv(rows[::-1]))
    assert result.rows == 6 and result.matched == 0
    names = [name for _, _, name, _ in stored(settings)]
    assert names == ["[Deleted]", "Real", "[Deleted]", "[Deleted]", "[Deleted]", "[Deleted]"]
    assert platform(settings) == []


ODD_NAMES = ["  leading spaces", "\u00adsoft hyphen", "\u200dzero-width joiner", "007", "-minus", "+plus",
             "@at", "=formula", "trailing space ", "bidi marks at the end\u202c\u200f", "==>(AL)<=="]


def test_team_names_keep_every_character_and_digits_stay_text(settings, local_fetch):
    setup(settings, metric="RMSE", people=["007", "leading"])
    rows = [(400 + i, name, "2019-09-09 09:09:09", 0.05 * (len(ODD_NAMES) - i)) for i, name in enumerate(ODD_NAMES)]
    rows.append((999, "7", "2019-09-09 09:09:09", 0.95))
    load(settings, local_fetch, old_csv(rows))
    names = [name for _, _, name, _ in stored(settings)]
    assert names == ODD_NAMES[::-1] + ["7"]
    assert [(username, rank) for username, rank, _ in platform(settings)] == [("007", len(ODD_NAMES) - 3)]


def test_team_names_that_look_like_formulas_are_neutralised_in_the_csv_export(settings, local_fetch):
    from mlbattle import export

    setup(settings, metric="RMSE")
    rows = [(400 + i, name, "2019-09-09 09:09:09", 0.1 * (i + 1)) for i, name in enumerate(ODD_NAMES)]
    load(settings, local_fetch, old_csv(rows))
    with db.connect(settings) as con:
        table = con.execute(queries.ALL_TEAMS, [SLUG, SLUG]).fetchall()
    text = export.to_csv(export.PLATFORM_COLUMNS, table)
    for name in ("-minus", "+plus", "@at", "=formula", "==>(AL)<=="):
        assert f"'{name}" in text
    assert ",007," in text


def test_a_changed_older_file_updates_by_team_not_by_row(settings, local_fetch):
    setup(settings, metric="RMSE")
    load(settings, local_fetch, old_csv(BY_TEAM_ID))
    improved = [row if row[1] != "Echo" else (103, "Echo", "2020-03-09 10:00:00", 0.05) for row in BY_TEAM_ID]
    result = load(settings, local_fetch, old_csv(improved))
    assert result.created == 0 and result.removed == 0
    assert [name for _, _, name, _ in stored(settings)][:2] == ["Echo", "Alpha"]


@pytest.mark.parametrize("scores, expected", [
    ([0.9, 0.8, np.nan, 0.8], "higher"), ([0.1, 0.2, 0.2], "lower"), ([0.5, 0.5], "same"), ([np.nan], "same"),
    ([0.1, 0.3, 0.2], None),
])
def test_the_file_order_of_scores_is_read_without_the_empty_ones(scores, expected):
    assert oldformat.file_order(np.array(scores, dtype=float)) == expected
