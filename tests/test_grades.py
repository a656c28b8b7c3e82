"""Grades by baselines: benchmarks and organiser thresholds, strictly better in the direction, the CLI."""

from __future__ import annotations

import csv
import io

import pytest

from mlbattle import db, grades, registry
from mlbattle.registry import CompetitionFacts
from tests.support.boards import load_board
from tests.support.cli_support import fails, ok

ROWS = [(1, "Top", 0.95, "ann"), (0, "Sample benchmark", 0.80, ""), (2, "=HYPERLINK(\"x\")", 0.80, "bob"),
        (3, "Low", 0.60, "cy"), (0, "Strong benchmark", 0.90, ""), (4, "Nobody", 0.5, "zed")]




@pytest.fixture
def course(settings):
    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts("course", "Course assignment"), auto_sync=False)
        registry.add_participant(con, "ann", "Ann")
        registry.add_participant(con, "bob", "=cmd|' /C calc'!A0")
        registry.add_participant(con, "cy", "Cy")
    load_board(settings, "course", ROWS)
    return settings


def graded(settings, slug: str = "course") -> dict[str, grades.Grade]:
    with db.connect(settings) as con:
        return {g.kaggle_username: g for g in grades.grades(con, slug).grades}


def set_baselines(settings, text: str, slug: str = "course") -> None:
    with db.connect(settings) as con:
        grades.set_baselines(con, slug, grades.parse_baselines(text))


@pytest.mark.parametrize("text, values", [("0.75,0.8", (0.75, 0.8)), (" 0.75 , 0.8 ", (0.75, 0.8)),
                                          ("1e-3 2", (0.001, 2.0)), ("", ()), ("  ", ()), (None, ())])
def test_baselines_are_read_from_commas_or_spaces_and_empty_clears(text, values):
    assert grades.parse_baselines(text) == values


@pytest.mark.parametrize("text, message", [("nan", "finite number, not 'nan'"), ("0.7,inf", "not 'inf'"),
                                           ("-Infinity", "finite"), ("0.7,abc", "a number, not 'abc'"),
                                           ("0.7;0.8", "a number, not '0.7;0.8'")])
def test_bad_baselines_are_refused_with_one_line(text, message):
    with pytest.raises(grades.GradesError, match=message) as caught:
        grades.parse_baselines(text)
    assert "\n" not in str(caught.value)


def test_benchmarks_are_baselines_and_beaten_only_when_strictly_better(course):
    result = graded(course)
    assert (result["ann"].beaten, result["ann"].total, result["ann"].next_baseline) == (2, 2, None)
    bob = result["bob"]  # 0.80 equals the sample benchmark: not beaten
    assert (bob.beaten, bob.next_baseline) == (0, grades.Baseline("Sample benchmark", 0.80, "benchmark"))
    assert graded(course)["cy"].next_baseline.name == "Sample benchmark"


def test_organiser_thresholds_join_the_benchmarks_and_the_next_is_the_nearest_unbeaten(course):
    set_baselines(course, "0.7, 0.85")
    result = graded(course)
    assert (result["bob"].beaten, result["bob"].total) == (1, 4)
    assert result["bob"].next_baseline == grades.Baseline("Sample benchmark", 0.80, "benchmark")
    assert (result["cy"].beaten, result["cy"].next_baseline.name, result["cy"].next_baseline.score) == (
        0, "threshold 0.7", 0.7)
    set_baselines(course, "")
    assert graded(course)["bob"].total == 2


def test_lower_is_better_beats_below_and_the_next_is_the_highest_unbeaten(settings):
    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts("errors", "Errors", metric="RMSE"), auto_sync=False)
        registry.set_direction(con, "errors", "lower")
        registry.add_participant(con, "ann", "Ann")
    load_board(settings, "errors", [(1, "Ann", 2.0, "ann"), (2, "x", 3.0, "x")])
    set_baselines(settings, "1.0, 2.0, 2.5, 4", slug="errors")
    ann = graded(settings, "errors")["ann"]
    assert (ann.beaten, ann.total, ann.next_baseline.score) == (2, 4, 2.0)  # 2.0 ties: not beaten


def test_a_participant_without_a_score_beats_nothing(settings):
    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts("blank", "Blank"), auto_sync=False)
        registry.add_participant(con, "ann", "Ann")
    load_board(settings, "blank", [(1, "x", 0.9, "x"), (2, "Ann", None, "ann")])
    set_baselines(settings, "0.1, 0.5", slug="blank")
    ann = graded(settings, "blank")["ann"]
    assert (ann.score, ann.beaten, ann.next_baseline.score) == (None, 0, 0.1)


def test_setting_baselines_on_an_unknown_competition_is_refused(settings):
    with db.connect(settings) as con, pytest.raises(grades.GradesError, match="no competition 'nope'"):
        grades.set_baselines(con, "nope", (0.5,))


def test_stored_baselines_refuse_nan_even_past_the_parser(course):
    with db.connect(course) as con, pytest.raises(grades.GradesError, match="finite"):
        grades.set_baselines(con, "course", (float("nan"),))


# ---------------------------------------------------------------- command line


def test_grades_csv_has_the_specified_columns_and_is_spreadsheet_safe(course, app_env):
    ok(app_env, "competitions", "set", "course", "--baselines", "0.7,0.85")
    rows = list(csv.reader(io.StringIO(ok(app_env, "grades", "course", "--csv").stdout)))
    assert rows[0] == ["participant", "kaggle_username", "score", "baselines_beaten", "baselines_total",
                       "next_baseline", "next_baseline_score"]
    assert rows[1:] == [["Ann", "ann", "0.95", "4", "4", "", ""],
                        ["'=cmd|' /C calc'!A0", "bob", "0.8", "1", "4", "Sample benchmark", "0.8"],
                        ["Cy", "cy", "0.6", "0", "4", "threshold 0.7", "0.7"]]


@pytest.mark.parametrize("value, message", [("nan", "error: a baseline must be a finite number, not 'nan'"),
                                            ("0.7,inf", "error: a baseline must be a finite number, not 'inf'"),
                                            ("high", "error: a baseline must be a number, not 'high'")])
def test_bad_baselines_on_the_command_line_are_one_line_and_change_nothing(course, app_env, value, message):
    ok(app_env, "competitions", "set", "course", "--baselines", "0.7")
    done = fails(app_env, "competitions", "set", "course", "--baselines", value, "--status", "completed")
    assert done.stderr.strip() == message
    assert graded(course)["bob"].total == 3
    with db.connect(course) as con:
        assert con.execute("SELECT status FROM competitions WHERE slug = 'course'").fetchone()[0] != "completed"


def test_an_empty_baselines_value_clears_them(course, app_env):
    ok(app_env, "competitions", "set", "course", "--baselines", "0.7")
    ok(app_env, "competitions", "set", "course", "--baselines", "")
    assert graded(course)["bob"].total == 2


def test_grades_of_an_unknown_competition_fail_with_one_line(app_env):
    assert fails(app_env, "grades", "nope").stderr.strip() == "error: there is no competition 'nope': import it first"


def test_baselines_survive_a_backup_and_restore(course, app_env, tmp_path):
    ok(app_env, "competitions", "set", "course", "--baselines", "0.7,0.85")
    before = ok(app_env, "grades", "course", "--csv").stdout
    ok(app_env, "backup", str(tmp_path / "course.zip"))
    fresh = {**app_env, "MLBATTLE_DB": str(tmp_path / "fresh" / "restored.duckdb")}
    ok(fresh, "restore", str(tmp_path / "course.zip"))
    assert ok(fresh, "grades", "course", "--csv").stdout == before


# ---------------------------------------------------------------- after the reveal

PUBLIC_ROWS = [(1, "Top", 0.95, "ann"), (0, "Sample benchmark", 0.80, ""), (2, "Copy A", 0.85, "bob"),
               (3, "Copy B", 0.85, "x1"), (4, "Low", 0.60, "cy"), (5, "Near", 0.85, "x2")]
PRIVATE_ROWS = [(1, "Copy A", 0.90, "bob"), (2, "Copy B", 0.90, "x1"), (3, "Top", 0.88, "ann"),
                (0, "Sample benchmark", 0.82, ""), (4, "Near", 0.89, "x2"), (5, "Low", 0.70, "cy")]


@pytest.fixture
def revealed(course):
    load_board(course, "course", PUBLIC_ROWS)
    load_board(course, "course", PRIVATE_ROWS, private=True)
    set_baselines(course, "0.87")
    return course


def test_after_the_reveal_the_public_board_is_graded_with_its_own_benchmark_scores(revealed):
    with db.connect(revealed) as con:
        private = {g.kaggle_username: g for g in grades.grades(con, "course").grades}
        public = grades.public_grades(con, "course")
    assert public is not None and public.board == "public"
    assert [(b.name, b.score) for b in public.baselines] == [("Sample benchmark", 0.80), ("threshold 0.87", 0.87)]
    by_name = {g.kaggle_username: g for g in public.grades}
    assert (by_name["bob"].score, by_name["bob"].beaten) == (0.85, 1)
    assert (private["bob"].score, private["bob"].beaten) == (0.90, 2)
    assert (private["cy"].beaten, private["cy"].next_baseline.score) == (0, 0.82)


def test_before_the_reveal_there_are_no_public_grades_and_no_shared_submissions(course, app_env):
    with db.connect(course) as con:
        assert grades.public_grades(con, "course") is None
        assert grades.shared_submissions(con, "course") == []
    done = fails(app_env, "grades", "course", "--public")
    assert "no public board kept beside a private one" in done.stderr


def test_the_public_grades_on_the_command_line(revealed, app_env):
    rows = list(csv.reader(io.StringIO(ok(app_env, "grades", "course", "--public", "--csv").stdout)))
    assert rows[1:] == [["Ann", "ann", "0.95", "2", "2", "", ""],
                        ["'=cmd|' /C calc'!A0", "bob", "0.85", "1", "2", "threshold 0.87", "0.87"],
                        ["Cy", "cy", "0.6", "0", "2", "Sample benchmark", "0.8"]]


def test_teams_with_both_scores_identical_to_another_teams_are_flagged(revealed):
    with db.connect(revealed) as con:
        shared = grades.shared_submissions(con, "course")
    assert [(row["shared_group"], row["team_name"], row["participants"]) for row in shared] == [
        (1, "Copy A", "=cmd|' /C calc'!A0"), (1, "Copy B", None)]
    assert shared[0]["public_score"] == 0.85 and shared[0]["private_score"] == 0.90  # "Near" shares only one
