"""The demo's sample leaderboards: successive Kaggle download zips per competition, made from demo.toml.

Deterministic (seeded, fixed zip timestamps), so `python -m tools.demo_samples` rewrites the
committed files byte for byte. Each competition's newest public snapshot comes from
`samples.synthetic_leaderboard`; earlier ones are that field with fewer teams (late joiners removed) and worse
scores (the improvements still to come taken back), so the registered participants move between snapshots the
way people do at an event: they improve faster than the field around them.

A completed competition's last snapshot is its private board: the last public field rescored on the rest of
the test set. Each team's private score is its public one plus noise (the other half of the test set), less
what its public score owes to tuning against the public board, which grows with its submissions: so the
board shakes up the way Kaggle's do (a field shake-up near 0.06), and heavy submitters tend to fall.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from mlbattle.demo import DemoCompetition, DemoConfig, DemoParticipant
from tools import samples

# The newest snapshot's name inside its zip; earlier snapshots are a day apart before it.
NEWEST_DOWNLOAD = datetime(2026, 11, 22, 18, 4, 12)
# Between two snapshots a team submits again with these chances (the field, registered people), and
# then gains on average this share of the metric's score range.
FIELD_ACTIVE, PARTICIPANT_ACTIVE = 0.35, 0.85
FIELD_GAIN, PARTICIPANT_GAIN = 0.006, 0.03
_SCORE_RANGE = {False: 0.49, True: 1.3}
# The private board: noise of the other half of the test set (a share of the metric's range, as a standard
# deviation), and the public overfit per log(1 + submissions), at most this share of the range.
PRIVATE_NOISE, PRIVATE_OVERFIT = 0.04, 0.016


def entrant_teams(comp: DemoCompetition, participants: tuple[DemoParticipant, ...]) -> list[tuple[list[str], int]]:
    """Registered people's teams on this board: (Kaggle spellings, first snapshot 1-based).

    The older header has no member column, so there everyone is a team of one named after them.
    """
    teams: dict[str, tuple[list[str], int]] = {}
    for person in participants:
        first = person.first_snapshot(comp.slug)
        if first is None:
            continue
        key = person.team if person.team and comp.header == "current" else f"solo:{person.kaggle_username}"
        names, joined = teams.get(key, ([], first))
        teams[key] = (names + [person.spelling], min(joined, first))
    return list(teams.values())


def _place_entrants(final: pd.DataFrame, comp: DemoCompetition, teams: list[tuple[list[str], int]],
                    rng: np.random.Generator) -> np.ndarray:
    """Put each registered team on its own random row of the field; returns each row's first snapshot (0-based).

    On the current header the people replace the row's first member (other members stay: a team of
    strangers with one of ours); on the older header the team takes the person's name.
    """
    joins = np.full(len(final), -1)
    rows = rng.choice(np.flatnonzero(final["Rank"].to_numpy() > 0), size=len(teams), replace=False)
    members_at, name_at = final.columns.get_loc("TeamMemberUserNames"), final.columns.get_loc("TeamName")
    for row, (names, first) in zip(rows, teams):
        if comp.header == "current":
            others = [n.strip() for n in str(final.iat[row, members_at]).split(",")][1:]
            final.iat[row, members_at] = ", ".join(names + others)
        else:
            final.iat[row, name_at] = names[0]
        joins[row] = first - 1
    return joins


def _field_joins(joins: np.ndarray, is_team: np.ndarray, comp: DemoCompetition, counts: tuple[int, ...],
                 rng: np.random.Generator) -> np.ndarray:
    """Spread the other teams' arrival so snapshot k holds exactly counts[k] teams."""
    entrant_joins = joins[joins >= 0]
    others = rng.permutation(np.flatnonzero(is_team & (joins < 0)))
    joins = joins.copy()
    start = 0
    for k, total in enumerate(counts):
        present_entrants = int(np.sum(entrant_joins <= k))
        wanted = total - present_entrants - start
        if wanted < 0 or start + wanted > len(others):
            raise ValueError(f"{comp.slug}: team counts {counts} do not fit the registered teams")
        joins[others[start:start + wanted]] = k
        start += wanted
    return joins


def snapshots(comp: DemoCompetition, participants: tuple[DemoParticipant, ...]) -> list[pd.DataFrame]:
    """The competition's leaderboards, oldest first, each best first with Kaggle's ranks; a completed
    competition's last one is its private board."""
    if comp.status != "completed":
        return _public_snapshots(comp, participants, comp.teams)
    if len(comp.teams) < 2 or comp.teams[-1] != comp.teams[-2]:
        raise ValueError(f"{comp.slug}: the private board rescores the last public field, so its team count "
                         f"repeats the one before it ({comp.teams})")
    public = _public_snapshots(comp, participants, comp.teams[:-1])
    return [*public, _private(public[-1], comp)]


def _private(public: pd.DataFrame, comp: DemoCompetition) -> pd.DataFrame:
    """The last public field rescored: noise from the other half of the test set, less the overfit that
    many submissions buy on the public half; benchmarks score the same on both."""
    rng = np.random.default_rng([comp.seed, 2])
    span = _SCORE_RANGE[comp.lower_is_better]
    is_team = public["Rank"].to_numpy() > 0
    overfit = PRIVATE_OVERFIT * span * np.log1p(public["SubmissionCount"].to_numpy()) * rng.random(len(public))
    noise = rng.normal(0.0, PRIVATE_NOISE * span, len(public))
    sign = 1 if comp.lower_is_better else -1
    board = public.copy()
    board["Score"] = np.round(public["Score"].to_numpy() + is_team * (sign * overfit + noise), 5)
    return _ranked(board, comp.lower_is_better)


def _public_snapshots(comp: DemoCompetition, participants: tuple[DemoParticipant, ...],
                      counts: tuple[int, ...]) -> list[pd.DataFrame]:
    """Public boards with `counts` teams each, oldest first, best first with Kaggle's ranks."""
    rng = np.random.default_rng(comp.seed)
    teams = entrant_teams(comp, participants)
    final = samples.synthetic_leaderboard(
        counts[-1], seed=comp.seed, lower_is_better=comp.lower_is_better,
        n_benchmarks=comp.benchmarks, multi_member_share=comp.multi_member_share,
    )
    is_team = final["Rank"].to_numpy() > 0
    joins = _place_entrants(final, comp, teams, rng)
    is_entrant = joins >= 0
    joins = _field_joins(joins, is_team, comp, counts, rng)
    steps = len(counts) - 1
    scale = np.where(is_entrant, PARTICIPANT_GAIN, FIELD_GAIN) * _SCORE_RANGE[comp.lower_is_better]
    active = (rng.random((len(final), steps)) < np.where(is_entrant, PARTICIPANT_ACTIVE, FIELD_ACTIVE)[:, None])
    active &= is_team[:, None]
    gains = rng.exponential(1.0, (len(final), steps)) * scale[:, None] * active
    extra_submissions = rng.integers(1, 4, (len(final), steps)) * active
    sign = 1 if comp.lower_is_better else -1
    frames = []
    for k in range(len(counts)):
        frame = final.copy()
        frame["Score"] = np.round(final["Score"].to_numpy() + sign * gains[:, k:].sum(axis=1), 5)
        frame["SubmissionCount"] = np.maximum(1, final["SubmissionCount"].to_numpy()
                                              - extra_submissions[:, k:].sum(axis=1))
        frame["LastSubmissionDate"] = (pd.to_datetime(final["LastSubmissionDate"])
                                       - pd.to_timedelta(active[:, k:].sum(axis=1), unit="D")
                                       ).dt.strftime("%Y-%m-%d %H:%M:%S")
        frame = frame[~is_team | ((joins >= 0) & (joins <= k))]
        frames.append(_ranked(frame, comp.lower_is_better))
    return frames


def _ranked(frame: pd.DataFrame, lower_is_better: bool) -> pd.DataFrame:
    """Best first; teams ranked 1..n in that order (ties by team id), benchmarks keep rank 0."""
    key = frame["Score"] if lower_is_better else -frame["Score"]
    ordered = frame.assign(_key=key).sort_values(["_key", "TeamId"], kind="stable").drop(columns="_key")
    is_team = ordered["Rank"].to_numpy() > 0
    ordered["Rank"] = np.where(is_team, np.cumsum(is_team), 0)
    return ordered.reset_index(drop=True)


def regenerate(config: DemoConfig, folder: Path) -> list[Path]:
    """Write every competition's snapshots as `<slug>/NN.zip`; the newest of a completed one is private."""
    written = []
    for comp in config.competitions:
        frames = snapshots(comp, config.participants)
        for number, frame in enumerate(frames, start=1):
            stamp = NEWEST_DOWNLOAD - timedelta(days=len(frames) - number)
            private = comp.status == "completed" and number == len(frames)
            data = samples.leaderboard_zip(comp.slug, samples.leaderboard_csv(frame, header=comp.header),
                                           private=private, timestamp=stamp.isoformat())
            path = comp.snapshot_path(folder, number)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(path)
    return written


def main() -> int:
    from mlbattle.demo import SAMPLES_DIR, load_config
    from mlbattle.settings import PROJECT_DIR

    for path in regenerate(load_config(), SAMPLES_DIR):
        print(f"{path.relative_to(PROJECT_DIR)}  {path.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
