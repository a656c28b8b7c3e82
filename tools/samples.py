"""Kaggle-format leaderboard files for tests, demo data and benchmarks.

Kaggle's `kaggle competitions leaderboard SLUG --download` gives a zip `SLUG.zip` holding one CSV named
`SLUG-publicleaderboard-<timestamp>.csv` (or `privateleaderboard` after the deadline), UTF-8 with a BOM,
CRLF line endings and minimal quoting. Producing exactly that lets every reader in the project be exercised
on the real format, including the hostile team names real leaderboards contain.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

COLUMNS = (
    "Rank",
    "TeamId",
    "TeamName",
    "LastSubmissionDate",
    "Score",
    "SubmissionCount",
    "TeamMemberUserNames",
)
OLDER_COLUMNS = ("TeamId", "TeamName", "SubmissionDate", "Score")
HEADERS = {"current": ",".join(COLUMNS), "older": ",".join(OLDER_COLUMNS)}

HOSTILE_TEAM_NAMES = (
    "Commas, Inc., Ltd.",
    'The "Quoted" Team',
    '"',
    "Line\nBreak",
    "Windows\r\nBreak",
    "🚀 Rocket Science 🤖",
    "深度学习小组",
    "チーム・データ",
    "<script>alert('xss')</script>",
    "'; DROP TABLE x; --",
    '=HYPERLINK("http://example.com","click")',
    "+SUM(A1:A2)",
    "  padded name  ",
    "Tab\tSeparated",
    "Ünïcödé Çrëw",
    "مرحبا فريق",
    "x" * 200,
)
BENCHMARK_NAMES = (
    "Sample Submission Benchmark",
    "Random Forest Benchmark",
    "All Zeros Benchmark",
    "Logistic Regression Benchmark",
)
_ADJECTIVES = (
    "Deep", "Gradient", "Lucky", "Random", "Silent", "Boosted", "Greedy", "Sparse", "Bayesian", "Noisy",
    "Frozen", "Stacked", "Curious", "Tiny", "Mighty", "Lazy",
)
_NOUNS = (
    "Forest", "Descent", "Learners", "Tensors", "Owls", "Pandas", "Kernels", "Ensemble", "Gradients",
    "Neurons", "Labels", "Squad", "Lab", "Minds", "Trees", "Vectors",
)
_PLAIN_NAMES = pa.array([f"{adjective} {noun}" for adjective in _ADJECTIVES for noun in _NOUNS])
_SCORE_RANGE = {False: (0.5, 0.99), True: (0.2, 1.5)}
_SEASON_START = np.datetime64("2026-09-01T00:00:00", "s")
_SEASON_SECONDS = 80 * 24 * 3600


def _unique_ids(rng: np.random.Generator, n: int, start: int) -> np.ndarray:
    """Unique, unordered ids without sampling a huge range: random positive gaps, then a shuffle."""
    return rng.permutation(start + np.cumsum(rng.integers(1, 40, n)))


def _team_scores(rng: np.random.Generator, n: int, lower_is_better: bool) -> np.ndarray:
    """Scores bunched near the top, as on real leaderboards, best first."""
    low, high = _SCORE_RANGE[lower_is_better]
    quality = np.sort(rng.beta(5.0, 2.0, n))[::-1]
    scores = high - quality * (high - low) if lower_is_better else low + quality * (high - low)
    return np.round(scores, 5)


def _as_str(values: pa.Array) -> pd.Series:
    return pd.Series(pd.array(values, dtype="str"))


def _team_names(rng: np.random.Generator, n: int, hostile: bool) -> pd.Series:
    plain = pc.take(_PLAIN_NAMES, pa.array(rng.integers(0, len(_PLAIN_NAMES), n)))
    numbered = pc.binary_join_element_wise(plain, pc.cast(pa.array(rng.integers(1, 1000, n)), pa.string()), " ")
    names = pc.if_else(pa.array(rng.random(n) < 0.5), numbered, plain)
    if hostile and n:
        count = min(len(HOSTILE_TEAM_NAMES), max(1, n // 2))
        names = _overwrite(names, rng.choice(n, size=count, replace=False), HOSTILE_TEAM_NAMES[:count])
    return _as_str(names)


def _overwrite(values: pa.Array, positions: np.ndarray, replacements: Sequence[str]) -> pa.Array:
    chosen = np.zeros(len(values), dtype=bool)
    chosen[positions] = True
    spread = np.empty(len(values), dtype=object)
    spread[positions] = list(replacements)
    return pc.if_else(pa.array(chosen), pa.array(spread, pa.string()), values)


def _member_names(
    rng: np.random.Generator, n: int, usernames: Sequence[str], multi_member_share: float
) -> pd.Series:
    """Comma-joined usernames per team; Kaggle sometimes puts a space after the comma, sometimes not."""
    sizes = np.where(rng.random(n) < multi_member_share, rng.integers(2, 6, n), 1)
    n_slots = int(sizes.sum())
    if len(usernames) > n_slots:
        raise ValueError(f"{len(usernames)} usernames do not fit in {n_slots} team member slots")
    slots = pc.binary_join_element_wise(
        "user", pc.cast(pa.array(_unique_ids(rng, n_slots, 100_000)), pa.string()), ""
    )
    if len(usernames):
        slots = _overwrite(slots, rng.choice(n_slots, size=len(usernames), replace=False), usernames)
    offsets = pa.array(np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64))
    separators = pa.array(np.where(rng.random(n) < 0.5, ",", ", "))
    return _as_str(pc.binary_join(pa.LargeListArray.from_arrays(offsets, slots), separators))


def _dates(rng: np.random.Generator, n: int) -> pd.Series:
    moments = _SEASON_START + rng.integers(0, _SEASON_SECONDS, n).astype("timedelta64[s]")
    return pd.Series(moments).dt.strftime("%Y-%m-%d %H:%M:%S")


def _teams(
    rng: np.random.Generator,
    n_teams: int,
    lower_is_better: bool,
    usernames: Sequence[str],
    multi_member_share: float,
    hostile_names: bool,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Rank": np.arange(1, n_teams + 1),
            "TeamId": _unique_ids(rng, n_teams, 1_000_000),
            "TeamName": _team_names(rng, n_teams, hostile_names),
            "LastSubmissionDate": _dates(rng, n_teams),
            "Score": _team_scores(rng, n_teams, lower_is_better),
            "SubmissionCount": np.minimum(rng.geometric(0.05, n_teams), 500),
            "TeamMemberUserNames": _member_names(rng, n_teams, usernames, multi_member_share),
        }
    )


def _benchmarks(rng: np.random.Generator, n: int, team_scores: np.ndarray, lower_is_better: bool) -> pd.DataFrame:
    """Host baselines: Rank 0, no members, scores among the middle and lower teams as on Kaggle."""
    if len(team_scores):
        scores = np.quantile(team_scores, rng.uniform(0.3, 0.95, n))
    else:
        scores = rng.uniform(*_SCORE_RANGE[lower_is_better], n)
    return pd.DataFrame(
        {
            "Rank": np.zeros(n, dtype=np.int64),
            "TeamId": _unique_ids(rng, n, 100_000),
            "TeamName": pd.Series([BENCHMARK_NAMES[i % len(BENCHMARK_NAMES)] for i in range(n)], dtype="str"),
            "LastSubmissionDate": _dates(rng, n),
            "Score": np.round(scores, 5),
            "SubmissionCount": np.ones(n, dtype=np.int64),
            "TeamMemberUserNames": pd.Series([""] * n, dtype="str"),
        }
    )


def synthetic_leaderboard(
    n_teams: int,
    *,
    seed: int = 0,
    lower_is_better: bool = False,
    usernames: Sequence[str] = (),
    n_benchmarks: int = 2,
    multi_member_share: float = 0.1,
    hostile_names: bool = True,
) -> pd.DataFrame:
    """A realistic leaderboard, best first, so parsers and rankers meet what Kaggle really serves.

    Holds `n_teams` ranked teams (Rank 1..n_teams) plus `n_benchmarks` host rows with Rank 0 placed where
    their score falls. Each of `usernames` is a member of exactly one team, written as given. Vectorised:
    a million teams take a few seconds.
    """
    if n_teams < 0 or n_benchmarks < 0:
        raise ValueError("n_teams and n_benchmarks must not be negative")
    rng = np.random.default_rng(seed)
    teams = _teams(rng, n_teams, lower_is_better, usernames, multi_member_share, hostile_names)
    benchmarks = _benchmarks(rng, n_benchmarks, teams["Score"].to_numpy(), lower_is_better)
    frame = pd.concat([teams, benchmarks], ignore_index=True)
    best_first = frame["Score"].to_numpy() if lower_is_better else -frame["Score"].to_numpy()
    order = np.lexsort((np.arange(len(frame)), best_first))
    return frame.iloc[order].reset_index(drop=True)


def leaderboard_csv(frame: pd.DataFrame, *, header: str = "current") -> bytes:
    """The CSV bytes exactly as Kaggle serves them (BOM, CRLF, minimal quoting), rows kept in order."""
    if header == "current":
        table = frame.loc[:, list(COLUMNS)]
    elif header == "older":
        table = frame.rename(columns={"LastSubmissionDate": "SubmissionDate"}).loc[:, list(OLDER_COLUMNS)]
    else:
        raise ValueError(f"header must be one of {sorted(HEADERS)}, not {header!r}")
    return table.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def leaderboard_member_name(slug: str, *, private: bool = False, timestamp: str = "2026-11-22T18:04:12") -> str:
    """The CSV's name inside Kaggle's zip; readers may rely on it to tell public from private."""
    board = "private" if private else "public"
    return f"{slug}-{board}leaderboard-{timestamp}.csv"


def leaderboard_zip(
    slug: str, csv_bytes: bytes, *, private: bool = False, timestamp: str = "2026-11-22T18:04:12"
) -> bytes:
    """Kaggle's download zip; the member's date comes from `timestamp` so equal inputs give equal bytes."""
    member = zipfile.ZipInfo(
        leaderboard_member_name(slug, private=private, timestamp=timestamp),
        date_time=datetime.fromisoformat(timestamp).timetuple()[:6],
    )
    member.compress_type = zipfile.ZIP_DEFLATED
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, csv_bytes)
    return buffer.getvalue()


def write_leaderboard_zip(
    path: str | Path, slug: str, frame: pd.DataFrame, *, header: str = "current", private: bool = False
) -> Path:
    """Write the zip where the official client would; an existing directory gets `SLUG.zip` inside it."""
    target = Path(path)
    if target.is_dir():
        target = target / f"{slug}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(leaderboard_zip(slug, leaderboard_csv(frame, header=header), private=private))
    return target
