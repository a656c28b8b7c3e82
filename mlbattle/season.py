"""The season: Kaggle points and a skill rating across competitions, computed from the stored boards.

Nothing here is stored: every call reads the competitions' current boards (the private one after a reveal)
and computes the table again, so a restored backup gives the same table, and a changed board or a new
participant shows at the next read. A season of a few dozen competitions and a few hundred participants
is a few thousand rows, rated in milliseconds.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb

from . import queries

# The rule as the Season page and the docs state it.
RULE = (
    "Each competition is one match of an OpenSkill Plackett–Luce rating (the library's defaults, everyone "
    "starting at μ = 25, σ = 25/3), in deadline order, with the participants ranked by their platform rank "
    "(team-mates tie, participants not on a board sit it out); the table shows the conservative rating "
    "μ − 3σ. Kaggle points are Kaggle's own formula, 100000 / √team size × rank^−0.75 × log10(1 + log10(N)) "
    "with N the ranked teams and no time decay, summed over the competitions shown."
)
COLUMNS = ("place", "participant", "kaggle_username", "rating", "competitions", "kaggle_points")


def kaggle_points(kaggle_rank: int, team_size: int, teams: int) -> float:
    """Kaggle's ranking points for one result, without the time decay: `100000 / sqrt(team_size) ×
    kaggle_rank^-0.75 × log10(1 + log10(teams))`. A lone team (N = 1) earns 0, as on Kaggle."""
    if kaggle_rank < 1 or teams < 1:
        raise ValueError("kaggle_rank and teams must be at least 1")
    size = max(1, team_size)
    return 100000 / math.sqrt(size) * kaggle_rank ** -0.75 * math.log10(1 + math.log10(teams))


@dataclass(frozen=True)
class Competition:
    slug: str
    title: str
    event_slug: str | None
    deadline: datetime | None
    board: str | None


@dataclass(frozen=True)
class Result:
    """One participant's best row on one competition's current board."""

    competition: str
    username_key: str
    participant: str
    kaggle_username: str
    kaggle_rank: int
    platform_rank: int
    team_size: int
    teams: int

    @property
    def points(self) -> float:
        return kaggle_points(self.kaggle_rank, self.team_size, self.teams)


@dataclass(frozen=True)
class Standing:
    """A participant's line in the season table."""

    place: int
    participant: str
    kaggle_username: str
    rating: float
    mu: float
    sigma: float
    competitions: int
    kaggle_points: float

    def row(self) -> tuple[Any, ...]:
        """The CSV's columns: rating to 2 decimals, points to 1, as numbers (a Decimal keeps the trailing
        zero, and a negative rating is not text starting with `-` that the export would neutralise)."""
        return (self.place, self.participant, self.kaggle_username, Decimal(f"{self.rating:.2f}"),
                self.competitions, Decimal(f"{self.kaggle_points:.1f}"))


@dataclass(frozen=True)
class Step:
    """A participant's conservative rating after one competition (for the chart)."""

    competition: str
    title: str
    match: int
    participant: str
    kaggle_username: str
    rating: float
    played: bool


@dataclass(frozen=True)
class Season:
    competitions: tuple[Competition, ...]
    standings: tuple[Standing, ...]
    steps: tuple[Step, ...]

    def standing(self, kaggle_username: str) -> Standing | None:
        key = kaggle_username.strip().lower()
        return next((s for s in self.standings if s.kaggle_username.lower() == key), None)


class SeasonError(ValueError):
    """A season that cannot be read (an unknown event); the message is one line fit for people."""


def read_competitions(con: duckdb.DuckDBPyConnection, event: str | None) -> list[Competition]:
    return [Competition(*row) for row in con.execute(queries.SEASON_COMPETITIONS, [event, event]).fetchall()]


def read_results(con: duckdb.DuckDBPyConnection, event: str | None) -> list[Result]:
    return [Result(*row) for row in con.execute(queries.SEASON_RESULTS, [event, event]).fetchall()]


def season(con: duckdb.DuckDBPyConnection, event: str | None = None) -> Season:
    """The season table of one event's competitions, or of every competition when `event` is None."""
    if event is not None and not con.execute(queries.SEASON_EVENT_EXISTS, [event]).fetchone():
        raise SeasonError(f"there is no event {event!r}")
    competitions = read_competitions(con, event)
    return compute(competitions, read_results(con, event))


def compute(competitions: list[Competition], results: list[Result]) -> Season:
    """Points summed, ratings from one match per competition in the order given, the table best first;
    results of competitions not given are left out."""
    chosen = {c.slug for c in competitions}
    results = [r for r in results if r.competition in chosen]
    by_competition: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_competition[result.competition].append(result)
    ratings, steps = rate(competitions, by_competition)
    points: dict[str, float] = defaultdict(float)
    played: dict[str, int] = defaultdict(int)
    names: dict[str, tuple[str, str]] = {}
    for result in results:
        points[result.username_key] += result.points
        played[result.username_key] += 1
        names[result.username_key] = (result.participant, result.kaggle_username)
    lines = sorted(
        ((round(ratings[key][0] - 3 * ratings[key][1], 2), points[key], key) for key in names),
        key=lambda line: (-line[0], -line[1], line[2]),
    )
    standings: list[Standing] = []
    for index, (conservative, total, key) in enumerate(lines):
        place = standings[-1].place if standings and standings[-1].rating == conservative else index + 1
        mu, sigma = ratings[key]
        standings.append(Standing(place, *names[key], conservative, mu, sigma, played[key], total))
    return Season(tuple(competitions), tuple(standings), tuple(steps))


def rate(competitions: list[Competition], by_competition: dict[str, list[Result]]
         ) -> tuple[dict[str, tuple[float, float]], list[Step]]:
    """OpenSkill's Plackett–Luce with its defaults: each competition one match of the participants on its
    board, each participant a team of one ranked by platform rank (team-mates share it, so they tie). A
    board with one participant has nobody to be compared with and changes no rating. Returns each rated
    participant's (mu, sigma) and their conservative rating after every match from their first one on."""
    from openskill.models import PlackettLuce

    model = PlackettLuce()
    current: dict[str, Any] = {}
    names: dict[str, tuple[str, str]] = {}
    steps: list[Step] = []
    for match, competition in enumerate(competitions, start=1):
        field = by_competition.get(competition.slug, [])
        for result in field:
            current.setdefault(result.username_key, model.rating())
            names[result.username_key] = (result.participant, result.kaggle_username)
        if len(field) > 1:
            rated = model.rate([[current[r.username_key]] for r in field], ranks=[r.platform_rank for r in field])
            for result, (rating,) in zip(field, rated):
                current[result.username_key] = rating
        on_board = {r.username_key for r in field}
        for key, rating in sorted(current.items()):
            steps.append(Step(competition.slug, competition.title, match, *names[key],
                              round(rating.mu - 3 * rating.sigma, 2), key in on_board))
    return {key: (rating.mu, rating.sigma) for key, rating in current.items()}, steps


def table_rows(result: Season) -> list[tuple[Any, ...]]:
    return [standing.row() for standing in result.standings]
