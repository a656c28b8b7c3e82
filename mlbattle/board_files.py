"""Leaderboards organisers bring as files: the zip Kaggle's website or API gives, or the CSV inside it.

For an InClass competition whose board the app's account cannot read, an archived board, or an evening when
Kaggle's API is down. The file is checked whole first (what it is, its size, the zip, the header, every
row), so a wrong file is refused in one line and changes nothing, not even the run log; then it goes
through the same sync as a download (trigger `file`): the lock, the comparison, history, the hold of a
board that looks wrong, and the run record. A bare CSV is zipped under its own name, so a name saying
`privateleaderboard` makes it the private board, as in Kaggle's zip.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path, PurePath

from . import loader, sync
from .leaderboard_file import LeaderboardFileError, open_download
from .settings import Settings

TRIGGER = "file"
_HEAD = 4096


def _refusal(head: bytes, size: int) -> str | None:
    """Why a file that is not a zip cannot be a leaderboard CSV, judged by its first bytes."""
    if head.startswith(b"PK\x03\x04"):
        return "the zip is corrupt or cut short (no directory at its end): download it again"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if size == 0 or not text:
        return "the file is empty"
    if text.startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        return "the file is a web page (HTML), not a leaderboard: save the zip or CSV Kaggle's Download button gives"
    if b"\x00" in head:
        return "the file is neither a zip nor a CSV"
    return None


def _member_name(name: str) -> str:
    """A bare CSV's name inside the zip made for it: its own file name, ending in `.csv`."""
    base = PurePath(name.replace("\\", "/")).name.strip()
    return base if base.lower().endswith(".csv") else "leaderboard.csv"


def as_zip(path: Path, name: str, folder: Path, max_bytes: int) -> Path:
    """The file as a download's zip in `folder`: a zip copied, a CSV zipped; anything else refused."""
    size = path.stat().st_size
    if size > max_bytes:
        raise LeaderboardFileError(f"the file is {size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit")
    target = folder / "brought.zip"
    if zipfile.is_zipfile(path):
        shutil.copyfile(path, target)
        return target
    with path.open("rb") as raw:
        head = raw.read(_HEAD)
    reason = _refusal(head, size)
    if reason:
        raise LeaderboardFileError(reason)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(path, _member_name(name))
    return target


def checked(path: Path, name: str, folder: Path, settings: Settings) -> Path:
    """The file as a zip that a sync will load: opened and parsed whole here, so a bad file is refused now."""
    zip_path = as_zip(path, name, folder, settings.max_download_bytes)
    scratch = folder / "check"
    scratch.mkdir()
    loader.parse_download(open_download(zip_path, scratch, settings.max_download_bytes), settings.memory_limit)
    return zip_path


def load_file(settings: Settings, slug: str, path: Path, name: str | None = None) -> sync.SyncResult:
    """Load a leaderboard from a file for an existing competition; LeaderboardFileError when it is refused."""
    if not path.is_file():
        raise LeaderboardFileError(f"{path} is not a file")
    with tempfile.TemporaryDirectory(prefix="file-", dir=settings.scratch_folder()) as folder:
        zip_path = checked(path, name or path.name, Path(folder), settings)

        def fetch(_: str, into: Path) -> Path:
            return Path(shutil.copyfile(zip_path, into / "brought.zip"))

        return sync.sync(slug, settings, trigger=TRIGGER, fetch=fetch)


def load_bytes(settings: Settings, slug: str, name: str, data: bytes) -> sync.SyncResult:
    """An upload (the Admin page's): its bytes and the name it was uploaded under."""
    if len(data) > settings.max_download_bytes:
        raise LeaderboardFileError(
            f"the file is {len(data) / 1e6:.0f} MB, over the {settings.max_download_bytes / 1e6:.0f} MB limit")
    with tempfile.TemporaryDirectory(prefix="upload-", dir=settings.scratch_folder()) as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        return load_file(settings, slug, path, name)
