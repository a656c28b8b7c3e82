"""Grades by baselines: which of a competition's benchmarks and organiser thresholds each participant beats.

A competition's baselines are the board's benchmarks (rank-0 rows with a score) and the score thresholds an
organiser adds. A participant beats one only when their score is strictly better in the competition's
direction: an equal score is not a pass, as a course's "beat the baseline" means.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from . import queries, registry

COLUMNS = ("participant", "kaggle_username", "score", "baselines_beaten", "baselines_total", "next_baseline",
           "next_baseline_score")
MAX_BASELINES = 50
CURRENT, PUBLIC = "current", "public"


@dataclass(frozen=True)
class Baseline:
    name: str
    score: float
    source: str  # "benchmark" or "organiser"


@dataclass(frozen=True)
class Grade:
    participant: str
    kaggle_username: str
    team_name: str
    kaggle_rank: int
    score: float | None
    beaten: int
    total: int
    next_baseline: Baseline | None

    def row(self) -> tuple[Any, ...]:
        upcoming = self.next_baseline
        return (self.participant, self.kaggle_username, self.score, self.beaten, self.total,
                upcoming.name if upcoming else None, upcoming.score if upcoming else None)


@dataclass(frozen=True)
class Grades:
    slug: str
    title: str
    direction: str
    board: str | None
    baselines: tuple[Baseline, ...]
    grades: tuple[Grade, ...]

    def rows(self) -> list[tuple[Any, ...]]:
        return [grade.row() for grade in self.grades]


class GradesError(ValueError):
    """Baselines that cannot be set or a competition that is not there; one line fit for people."""


def parse_baselines(text: str | None) -> tuple[float, ...]:
    """`0.75,0.8` (commas, spaces or both) into numbers; empty text clears them. NaN, infinity and words
    are refused with the offending item named, so a typo never becomes a threshold nobody can beat."""
    items = [item for item in (text or "").replace(",", " ").split() if item]
    if len(items) > MAX_BASELINES:
        raise GradesError(f"at most {MAX_BASELINES} baselines, not {len(items)}")
    values = []
    for item in items:
        try:
            values.append(registry.finite_number(item, "a baseline"))
        except ValueError as exc:
            raise GradesError(str(exc)) from None
    return tuple(values)


def baselines_text(values: Sequence[float]) -> str:
    """The thresholds as an organiser types them (the shortest text that reads back as the same number)."""
    return ", ".join(repr(float(v)) for v in values)


def set_baselines(con: duckdb.DuckDBPyConnection, slug: str, values: Sequence[float]) -> None:
    """Store the organiser's thresholds (an empty list clears them); finite numbers only."""
    if any(not math.isfinite(v) for v in values):
        raise GradesError("a baseline must be a finite number")
    _facts(con, slug)
    con.execute(queries.SET_BASELINES, [baselines_text(values) or None, slug])


def _facts(con: duckdb.DuckDBPyConnection, slug: str) -> tuple[list[float], str, str, str | None]:
    row = con.execute(queries.GRADE_COMPETITION, [slug]).fetchone()
    if row is None:
        raise GradesError(f"there is no competition {slug!r}: import it first")
    return list(parse_baselines(row[0])), row[1], row[2], row[3]


def baselines(con: duckdb.DuckDBPyConnection, slug: str, board: str = CURRENT) -> tuple[Baseline, ...]:
    """The board's benchmarks, then the organiser's thresholds, each as a named score. `board` is the
    current board, or `public`: the public board kept at the reveal, with its own benchmark scores."""
    thresholds, _, _, _ = _facts(con, slug)
    sql = queries.GRADE_PUBLIC_BENCHMARKS if board == PUBLIC else queries.GRADE_BENCHMARKS
    found = [Baseline(name, score, "benchmark") for name, score in con.execute(sql, [slug]).fetchall()]
    found += [Baseline(f"threshold {value!r}", value, "organiser") for value in thresholds]
    return tuple(found)


def beats(score: float | None, baseline: float, direction: str) -> bool:
    """Strictly better in the competition's direction; no score (or NaN) beats nothing."""
    if score is None or math.isnan(score):
        return False
    return score < baseline if direction == "lower" else score > baseline


def grade(score: float | None, ladder: Sequence[Baseline], direction: str) -> tuple[int, Baseline | None]:
    """How many baselines the score beats, and the easiest one it does not beat yet (None: all beaten)."""
    beaten = sum(beats(score, b.score, direction) for b in ladder)
    ahead = [b for b in ladder if not beats(score, b.score, direction)]
    if not ahead:
        return beaten, None
    easiest = max if direction == "lower" else min
    return beaten, easiest(ahead, key=lambda b: b.score)


def has_public_board(con: duckdb.DuckDBPyConnection, slug: str) -> bool:
    """Whether the reveal kept the public board beside the private one."""
    row = con.execute(queries.HAS_PUBLIC_BOARD, [slug]).fetchone()
    return bool(row and row[0])


def grades(con: duckdb.DuckDBPyConnection, slug: str, board: str = CURRENT) -> Grades:
    """Every participant on the competition's current board (or the public board kept at the reveal),
    graded against all its baselines."""
    _, direction, title, current = _facts(con, slug)
    if board == PUBLIC and not has_public_board(con, slug):
        raise GradesError(f"{slug} has no public board kept beside a private one: the public board is kept "
                          "when the private board arrives")
    ladder = baselines(con, slug, board)
    sql = queries.GRADE_PUBLIC_PARTICIPANTS if board == PUBLIC else queries.GRADE_PARTICIPANTS
    graded = []
    for participant, username, team, rank, score in con.execute(sql, [slug]).fetchall():
        beaten, upcoming = grade(score, ladder, direction)
        graded.append(Grade(participant, username, team, rank, score, beaten, len(ladder), upcoming))
    return Grades(slug, title, direction, PUBLIC if board == PUBLIC else current, ladder, tuple(graded))


def public_grades(con: duckdb.DuckDBPyConnection, slug: str) -> Grades | None:
    """The grades on the public board kept at the reveal; None before the reveal (or without one)."""
    return grades(con, slug, PUBLIC) if has_public_board(con, slug) else None


SHARED_COLUMNS = ("shared_group", "team_name", "private_rank", "public_rank", "private_score", "public_score",
                  "participants", "kaggle_usernames")


def shared_submissions(con: duckdb.DuckDBPyConnection, slug: str, limit: int = 500) -> list[dict[str, Any]]:
    """Teams whose public and private scores both equal another team's (one submission shared), grouped,
    for organisers to look into; empty before the reveal. Two independent models almost never tie on both
    halves of the test set, but many teams handing in the sample submission do: organisers judge."""
    if not has_public_board(con, slug):
        return []
    cursor = con.execute(queries.SHARED_SUBMISSIONS, {"slug": slug, "limit": int(limit)})
    return [dict(zip(SHARED_COLUMNS, row)) for row in cursor.fetchall()]
