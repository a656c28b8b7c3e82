"""Kaggle's progression medals applied to the current board, by Kaggle rank.

N is the number of ranked teams (rank-0 benchmark rows do not count). The bands are Kaggle's own table;
integer division keeps ⌊0.002·N⌋ and the like exact (0.1 * N in floating point can fall just short of an
integer).
"""

from __future__ import annotations

MEDALS = ("gold", "silver", "bronze")
EMOJI = {"gold": "🥇", "silver": "🥈", "bronze": "🥉"}
# Better medals first: a smaller index is a better zone.
ORDER = {name: index for index, name in enumerate(MEDALS)}


def thresholds(n: int) -> tuple[int, int, int]:
    """(G, S, B): the last Kaggle rank of the gold, silver and bronze zones on a board of `n` ranked teams."""
    if n <= 0:
        return (0, 0, 0)
    if n < 100:
        return (max(1, n // 10), max(1, n // 5), max(1, 2 * n // 5))
    if n < 250:
        return (10, n // 5, 2 * n // 5)
    if n < 1000:
        return (10 + n // 500, 50, 100)
    return (10 + n // 500, n // 20, n // 10)


def medal(kaggle_rank: int | None, n: int) -> str | None:
    """'gold', 'silver', 'bronze' or None; rank 0 (a benchmark) and a missing rank never get one."""
    if kaggle_rank is None or kaggle_rank <= 0:
        return None
    for name, last in zip(MEDALS, thresholds(n)):
        if kaggle_rank <= last:
            return name
    return None


def better(new: str | None, old: str | None) -> bool:
    """Whether `new` is a better zone than `old` (any medal is better than none)."""
    if new is None:
        return False
    return old is None or ORDER[new] < ORDER[old]


def emoji(name: str | None) -> str:
    return EMOJI.get(name or "", "")
