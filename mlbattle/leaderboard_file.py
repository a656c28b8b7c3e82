"""A downloaded leaderboard zip to one checked CSV in memory, ready for the parser.

The zip is distrusted: it may be an HTML error page, corrupt, empty, hold several files, name a path
that escapes its folder, or inflate far past any leaderboard. The one CSV is read out within the size
cap, hashed on the way, and its header is classified as Kaggle's current or older layout. It is written
to disk (under a fixed name, in the sync's temporary folder) only if DuckDB's CSV reader needs it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

CURRENT_HEADER = ("Rank", "TeamId", "TeamName", "LastSubmissionDate", "Score", "SubmissionCount",
                  "TeamMemberUserNames")
OLDER_HEADER = ("TeamId", "TeamName", "SubmissionDate", "Score")
# Our names for the columns, and the names Kaggle has used for each.
_ALIASES = {
    "rank": ("Rank",),
    "team_id": ("TeamId",),
    "team_name": ("TeamName",),
    "submitted": ("LastSubmissionDate", "SubmissionDate"),
    "score": ("Score",),
    "submission_count": ("SubmissionCount",),
    "members": ("TeamMemberUserNames",),
}
_REQUIRED = ("team_name", "score")
_CHUNK = 1024 * 1024
_HEADER_LIMIT = 64 * 1024


class LeaderboardFileError(ValueError):
    """The download is not a leaderboard we can load; the message says why in one line."""


@dataclass(frozen=True)
class LeaderboardCsv:
    data: bytearray
    folder: Path
    sha256: str
    columns: tuple[str, ...]
    positions: dict[str, int | None] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()

    def written(self) -> Path:
        """The CSV as a file in the sync's temporary folder, for readers that take a path."""
        path = self.folder / "leaderboard.csv"
        path.write_bytes(self.data)
        return path

    @property
    def kind(self) -> str:
        """`current` when the file carries ranks, `older` when rank is the row's position."""
        return "current" if self.positions.get("rank") is not None else "older"

    @property
    def has_members(self) -> bool:
        return self.positions.get("members") is not None


def _describe_non_zip(head: bytes) -> str:
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype", b"<html", b"<")):
        return "Kaggle sent a web page instead of the leaderboard zip (signed out, or an error page)"
    if not head:
        return "the download is empty"
    return "the download is not a zip file"


def _member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    files = [info for info in archive.infolist() if not info.is_dir()]
    if not files:
        raise LeaderboardFileError("the zip is empty: no leaderboard CSV inside")
    if len(files) > 1:
        raise LeaderboardFileError(f"the zip holds {len(files)} files; a leaderboard download holds one CSV")
    info = files[0]
    name = PurePosixPath(info.filename.replace("\\", "/"))
    if name.is_absolute() or ".." in name.parts:
        raise LeaderboardFileError("the zip names a path outside its folder; refused")
    if name.suffix.lower() != ".csv":
        raise LeaderboardFileError(f"the zip holds {name.name!r}, not a CSV")
    return info


def extract_csv(zip_path: Path, folder: Path, max_bytes: int) -> LeaderboardCsv:
    """Read the zip's one CSV into memory, hashing it; refuse anything else."""
    with zip_path.open("rb") as raw:
        head = raw.read(64)
    if not zipfile.is_zipfile(zip_path):
        raise LeaderboardFileError(_describe_non_zip(head))
    data = bytearray()
    digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(zip_path) as archive:
            info = _member(archive)
            if info.file_size > max_bytes:
                raise LeaderboardFileError(
                    f"the leaderboard inflates to {info.file_size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit"
                )
            with archive.open(info) as source:
                while chunk := source.read(_CHUNK):
                    if len(data) + len(chunk) > max_bytes:
                        raise LeaderboardFileError(f"the leaderboard inflates past the {max_bytes / 1e6:.0f} MB limit")
                    digest.update(chunk)
                    data += chunk
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise LeaderboardFileError(f"the zip is corrupt: {' '.join(str(exc).split())[:120]}") from None
    columns = read_header(bytes(data[:_HEADER_LIMIT]))
    positions, ignored = classify(columns)
    return LeaderboardCsv(data, folder, digest.hexdigest(), columns, positions, ignored)


def read_header(head: bytes) -> tuple[str, ...]:
    """The CSV's column names, BOM removed; the header must be valid UTF-8 and fit in 64 KB."""
    line = head.split(b"\n", 1)[0]
    if not line.strip():
        raise LeaderboardFileError("the leaderboard CSV is empty: no header row")
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LeaderboardFileError("the leaderboard CSV is not UTF-8 text") from None
    row = next(csv.reader(io.StringIO(text)), [])
    return tuple(name.strip() for name in row)


def classify(columns: tuple[str, ...]) -> tuple[dict[str, int | None], tuple[str, ...]]:
    """Map our column names to positions; unknown columns are ignored and reported, missing ones refused."""
    positions: dict[str, int | None] = {}
    known: set[str] = set()
    for ours, names in _ALIASES.items():
        positions[ours] = next((columns.index(n) for n in names if n in columns), None)
        known.update(names)
    missing = [ours for ours in _REQUIRED if positions[ours] is None]
    if missing:
        wanted = ",".join(CURRENT_HEADER)
        shown = ",".join(columns)[:120]
        raise LeaderboardFileError(f"the CSV header is {shown!r}; expected Kaggle's {wanted}")
    if len(set(columns)) != len(columns):
        raise LeaderboardFileError("the CSV header names a column twice")
    ignored = tuple(name for name in columns if name not in known)
    return positions, ignored
