"""A downloaded leaderboard zip to one checked CSV in memory, ready for the parser.

The zip is distrusted: it may be an HTML error page, corrupt, empty, hold several files, name a path
that escapes its folder, or inflate far past any leaderboard. Its one member is read as stored and hashed
(`Download`): a download whose hash the store already holds is known to be unchanged without inflating it.
Otherwise its header is inflated and classified as Kaggle's current or older layout, and the rest is
inflated as the parser reads it (`Inflating`), within the size cap and checked against the zip's length and
CRC at the end. It is written to disk (under a fixed name, in the sync's temporary folder) only if DuckDB's
CSV reader needs it.

`zipfile` reads the directory and names the member; its bytes are inflated here by ISA-L (`isal`), which
inflates a leaderboard about three times as fast as zlib (11 against 29 ms for 100,000 rows), fed 256 KB of
compressed input at a time, with the output stopping one byte past the size limit.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import struct
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
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
_FEED_BYTES = 256 * 1024  # compressed bytes given to the inflater at a time
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the name's and the extra field's lengths
_STORED, _DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
_BOARD_WORD = re.compile(r"(public|private)[-_ ]?leaderboard", re.IGNORECASE)


class LeaderboardFileError(ValueError):
    """The download is not a leaderboard we can load; the message says why in one line."""


@dataclass(frozen=True)
class LeaderboardCsv:
    """A download's CSV, known by its header; its bytes are inflated as a reader takes them (`stream`), or all
    at once (`data`) for a reader that needs them whole."""

    source: Download
    columns: tuple[str, ...]
    positions: dict[str, int | None] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()

    @property
    def folder(self) -> Path:
        return self.source.folder

    def stream(self) -> Inflating:
        return self.source.stream()

    @cached_property
    def data(self) -> bytes:
        """The whole CSV, checked against the zip's length and CRC."""
        stream = self.stream()
        data = stream.read(self.source.max_bytes + 1)
        stream.finish()
        return data

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

    def stream(self) -> Inflating:
        return Inflating(self.stored, self.info, self.max_bytes)

    @property
    def board(self) -> str:
        """`private` when the member's name says so (Kaggle switches the download at the deadline), else
        `public`: a name with neither word, a CSV an organiser brought, counts as public."""
        return board_of(self.info.filename)

    def csv(self) -> LeaderboardCsv:
        """The CSV, known by its header (the first 64 KB inflated); refuse a header that is not a leaderboard's.
        The rest is inflated and checked as it is read."""
        stream = self.stream()
        head = stream.read(_HEADER_LIMIT)
        if len(head) < _HEADER_LIMIT:  # the whole CSV: check it now, before its header is judged
            stream.finish()
        columns = read_header(head)
        positions, ignored = classify(columns)
        return LeaderboardCsv(self, columns, positions, ignored)


def board_of(member_name: str) -> str:
    """`private` for `SLUG-privateleaderboard-<timestamp>.csv`, `public` for anything else. The timestamp comes
    in many shapes (`T17:41:44`, `T16_40_20`, `T223756 (1)`), and a slug may hold either word, so the last
    `public`/`private` + `leaderboard` in the name decides."""
    found = _BOARD_WORD.findall(PurePosixPath(member_name.replace("\\", "/")).name)
    return "private" if found and found[-1].lower() == "private" else "public"


def open_download(zip_path: Path, folder: Path, max_bytes: int) -> Download:
    """Read the zip's one member as stored, and hash it; refuse anything that is not a one-CSV zip."""
    with zip_path.open("rb") as raw:
        head = raw.read(64)
    if not zipfile.is_zipfile(zip_path):
        raise LeaderboardFileError(_describe_non_zip(head))
    with _corrupt_zip_refused():
        with zipfile.ZipFile(zip_path) as archive:
            info = _member(archive)
        if info.file_size > max_bytes:
            raise LeaderboardFileError(
                f"the leaderboard inflates to {info.file_size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit"
            )
        stored = _compressed(zip_path, info)
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


class Inflating(io.RawIOBase):
    """The member's CSV bytes as they inflate, for a reader that takes them a block at a time, so Arrow parses
    one block while the next inflates (11 ms less at 100,000 rows than inflating first). The output stops one
    byte past the size cap (a zip bomb ends there); `finish`, once the reader has all of it, checks that the
    stream ended where the zip says and matches its length and CRC. Every refusal is a LeaderboardFileError."""

    def __init__(self, stored: bytes, info: zipfile.ZipInfo, max_bytes: int) -> None:
        super().__init__()
        self._view = memoryview(stored)
        self._info = info
        self._max_bytes = max_bytes
        self._inflater = isal_zlib.decompressobj(-15) if info.compress_type == _DEFLATED else None
        self._fed = 0  # compressed bytes handed to the inflater (or, stored, bytes handed out)
        self._tail: bytes | memoryview = b""  # what the inflater took but has not turned into output yet
        self._produced = 0
        self._crc = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (all that is left when negative); fewer only at the end."""
        wanted = self._max_bytes + 1 - self._produced if size is None or size < 0 else size
        with _corrupt_zip_refused():
            out = self._inflate(wanted) if self._inflater else self._slice(wanted)
        self._produced += len(out)
        self._crc = isal_zlib.crc32(out, self._crc)
        if self._produced > self._max_bytes:
            raise LeaderboardFileError(f"the leaderboard inflates past the {self._max_bytes / 1e6:.0f} MB limit")
        return out

    def readinto(self, buffer) -> int:
        out = self.read(len(buffer))
        buffer[:len(out)] = out
        return len(out)

    def finish(self) -> None:
        with _corrupt_zip_refused():
            if self._inflater is not None and not self._inflater.eof:
                raise zipfile.BadZipFile("the compressed data ends early")
            if self._produced != self._info.file_size or self._crc != self._info.CRC:
                raise zipfile.BadZipFile("the CSV does not match its checksum")

    def _slice(self, wanted: int) -> bytes:
        out = bytes(self._view[self._fed:self._fed + wanted])
        self._fed += len(out)
        return out

    def _inflate(self, wanted: int) -> bytes:
        """Once all input is fed, the inflater may still hold output that a smaller read left behind (ISA-L
        takes in the last bytes whole): it is drained with empty input until nothing more comes out."""
        inflater = self._inflater
        assert inflater is not None  # read() inflates only a deflated member
        parts: list[bytes] = []
        while wanted > 0 and not inflater.eof:
            if not self._tail and self._fed < len(self._view):
                self._tail = self._view[self._fed:self._fed + _FEED_BYTES]
                self._fed += len(self._tail)
            fed = len(self._tail)
            out = inflater.decompress(self._tail, wanted)
            self._tail = inflater.unconsumed_tail
            if not out and len(self._tail) == fed:
                break  # nothing taken, nothing given: the input ran out first, and `finish` says so
            parts.append(out)
            wanted -= len(out)
        return b"".join(parts)


@contextmanager
def _corrupt_zip_refused() -> Iterator[None]:
    """What the zip's directory, headers or compressed bytes fail with, as one refusal naming the cause."""
    try:
        yield
    # isal's stub declares `error` an Exception instance; it is the class IsalError
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, struct.error, isal_zlib.error) as exc:  # type: ignore[misc]
        raise LeaderboardFileError(f"the zip is corrupt: {' '.join(str(exc).split())[:120]}") from None


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
