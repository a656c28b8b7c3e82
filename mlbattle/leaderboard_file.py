"""A downloaded leaderboard zip to one checked CSV in memory, ready for the parser.

The zip is distrusted: it may be an HTML error page, corrupt, empty, hold several files, name a path
that escapes its folder, or inflate far past any leaderboard. Its one member is read as stored and hashed
(`Download`): a download whose hash the store already holds is known to be unchanged without inflating it.
Otherwise the CSV is inflated within the size cap, checked against its CRC, and its header is classified as
Kaggle's current or older layout. It is written to disk (under a fixed name, in the sync's temporary
folder) only if DuckDB's CSV reader needs it.

`zipfile` reads the directory and names the member; its bytes are inflated here by ISA-L (`isal`), which
inflates a leaderboard about three times as fast as zlib (11 against 29 ms for 100,000 rows), in one call
whose output is capped at the size limit.
"""

from __future__ import annotations

import csv
import hashlib
import io
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from isal import isal_zlib

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
_HEADER_LIMIT = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the name's and the extra field's lengths
_STORED, _DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED


class LeaderboardFileError(ValueError):
    """The download is not a leaderboard we can load; the message says why in one line."""


@dataclass(frozen=True)
class LeaderboardCsv:
    data: bytes
    folder: Path
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


@dataclass(frozen=True)
class Download:
    """The zip's one member as stored. `content_hash` covers the compression method and the stored bytes,
    which determine the CSV: hashing them (2.6 MB for 100,000 rows) costs a third of hashing the CSV."""

    stored: bytes
    info: zipfile.ZipInfo
    folder: Path
    max_bytes: int
    content_hash: str

    def csv(self) -> LeaderboardCsv:
        """Inflate and check the CSV, and read its header; refuse anything that is not a leaderboard."""
        try:
            data = _inflate(self.stored, self.info, self.max_bytes)
        except (zipfile.BadZipFile, isal_zlib.error) as exc:
            raise LeaderboardFileError(f"the zip is corrupt: {' '.join(str(exc).split())[:120]}") from None
        columns = read_header(data[:_HEADER_LIMIT])
        positions, ignored = classify(columns)
        return LeaderboardCsv(data, self.folder, columns, positions, ignored)


def open_download(zip_path: Path, folder: Path, max_bytes: int) -> Download:
    """Read the zip's one member as stored, and hash it; refuse anything that is not a one-CSV zip."""
    with zip_path.open("rb") as raw:
        head = raw.read(64)
    if not zipfile.is_zipfile(zip_path):
        raise LeaderboardFileError(_describe_non_zip(head))
    try:
        with zipfile.ZipFile(zip_path) as archive:
            info = _member(archive)
        if info.file_size > max_bytes:
            raise LeaderboardFileError(
                f"the leaderboard inflates to {info.file_size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit"
            )
        stored = _compressed(zip_path, info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, struct.error) as exc:
        raise LeaderboardFileError(f"the zip is corrupt: {' '.join(str(exc).split())[:120]}") from None
    digest = hashlib.sha256(f"{info.compress_type}:".encode())
    digest.update(stored)
    return Download(stored, info, folder, max_bytes, digest.hexdigest())


def _compressed(zip_path: Path, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes as stored, found through its local header (whose lengths may differ from the directory's)."""
    if info.flag_bits & 0x1:
        raise LeaderboardFileError("the zip is encrypted; a leaderboard download is not")
    if info.compress_type not in (_STORED, _DEFLATED):
        raise LeaderboardFileError(f"the zip uses compression method {info.compress_type}; Kaggle's uses deflate")
    if not 0 <= info.header_offset < zip_path.stat().st_size:
        raise zipfile.BadZipFile("the directory points outside the file")
    with zip_path.open("rb") as raw:
        raw.seek(info.header_offset)
        signature, name_length, extra_length = _LOCAL_HEADER.unpack(raw.read(_LOCAL_HEADER.size))
        if signature != b"PK\x03\x04":
            raise zipfile.BadZipFile("the member's local header is missing")
        raw.seek(name_length + extra_length, 1)
        stored = raw.read(info.compress_size)
    if len(stored) != info.compress_size:
        raise zipfile.BadZipFile("the member is cut short")
    return stored


def _inflate(stored: bytes, info: zipfile.ZipInfo, max_bytes: int) -> bytes:
    """Inflate at most one byte past the cap (a zip bomb stops there), then check the length and the CRC."""
    if info.compress_type == _STORED:
        data = stored
    else:
        inflater = isal_zlib.decompressobj(-15)
        data = inflater.decompress(stored, max_bytes + 1)
        if len(data) > max_bytes:
            raise LeaderboardFileError(f"the leaderboard inflates past the {max_bytes / 1e6:.0f} MB limit")
        if not inflater.eof:
            raise zipfile.BadZipFile("the compressed data ends early")
    if len(data) != info.file_size or isal_zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile("the CSV does not match its checksum")
    return data


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
