"""Tiny hand-made leaderboards in Kaggle's download format, for tests that need exact rows."""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from mlbattle.leaderboard_file import Download, LeaderboardCsv, open_download
from tools import samples

Row = tuple[Any, str, Any, str]  # (rank, team name, score, members)


def frame(rows: Sequence[Row]) -> pd.DataFrame:
    """Rows as (rank, team, score, members); TeamId follows the team name so a team keeps its id across files."""
    return pd.DataFrame(
        {
            "Rank": [r[0] for r in rows],
            "TeamId": [1000 + zlib.crc32(r[1].encode()) % 1_000_000 for r in rows],
            "TeamName": [r[1] for r in rows],
            "LastSubmissionDate": ["2026-11-22 18:00:00"] * len(rows),
            "Score": [r[2] for r in rows],
            "SubmissionCount": [3] * len(rows),
            "TeamMemberUserNames": [r[3] for r in rows],
        }
    )


def zip_of(slug: str, rows: Sequence[Row], *, header: str = "current", private: bool = False) -> bytes:
    return samples.leaderboard_zip(slug, samples.leaderboard_csv(frame(rows), header=header), private=private)


def zip_with_csv(slug: str, csv_text: str | bytes) -> bytes:
    """A zip around any CSV text, for files Kaggle would never send."""
    data = csv_text.encode("utf-8-sig") if isinstance(csv_text, str) else csv_text
    return samples.leaderboard_zip(slug, data)


def zip_members(members: dict[str, bytes]) -> bytes:
    """A zip holding exactly these members, for archives no real download would be."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def downloaded(folder: Path, data: bytes, max_bytes: int = 10_000_000) -> Download:
    """Zip bytes as a download in `folder`, opened as a sync opens it."""
    path = folder / "download.zip"
    path.write_bytes(data)
    return open_download(path, folder, max_bytes)


def extracted(folder: Path, data: bytes, max_bytes: int = 10_000_000) -> LeaderboardCsv:
    """Zip bytes as a download in `folder`, through the same checks a sync runs."""
    return downloaded(folder, data, max_bytes).csv()


def load_board(settings: Any, slug: str, rows: Sequence[Row], *, header: str = "current",
               private: bool = False) -> None:
    """Sync tiny rows into a competition through the real sync, as a download would arrive."""
    from mlbattle import sync

    data = zip_of(slug, rows, header=header, private=private)

    def fetch(name: str, folder: Path) -> Path:
        target = folder / f"{name}.zip"
        target.write_bytes(data)
        return target

    result = sync.sync(slug, settings, trigger="test", fetch=fetch)
    assert result.outcome in ("created", "updated"), result
