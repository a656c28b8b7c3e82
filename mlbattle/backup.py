"""Backup and restore of everything organisers entered and the sync history, as an open zip.

The zip holds `manifest.json` and one Parquet file per table in `queries.BACKUP_TABLES`. The manifest
names the format and the schema version and gives each file's row count and SHA-256, so a restore can
check the whole file before it touches the database, then replace every table in one transaction:
a refused or failing restore leaves the database exactly as it was.

Parts are staged in spooled temporary files: in memory for the Admin page's bytes, spilling into a
temporary folder inside the app's data folder (always removed) for the command line's files.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from . import db, queries
from .settings import Settings

FORMAT = "mlbattle-backup"
MANIFEST = "manifest.json"
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_MANIFEST_BYTES = 1024**2
SPOOL_BYTES = 16 * 1024**2
BATCH_ROWS = 100_000
_CHUNK = 1024**2
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
LABELS = {
    "events": ("event", "events"),
    "competitions": ("competition", "competitions"),
    "participants": ("participant", "participants"),
    "sync_runs": ("sync run", "sync runs"),
    "history": ("history row", "history rows"),
    "kaggle_rows": ("leaderboard row", "leaderboard rows"),
}


class BackupError(ValueError):
    """A backup that cannot be written or restored; the message is one line fit for people."""


# The oldest schema whose tables have the columns this app restores: version 2 dropped an index, no column.
OLDEST_RESTORABLE_SCHEMA = 1


def schema_version() -> int:
    """The schema this app reads and writes: one version per migration."""
    return len(queries.MIGRATIONS)


def table_file(table: str) -> str:
    return f"{table}.parquet"


# ---------------------------------------------------------------- writing


def backup_bytes(con: duckdb.DuckDBPyConnection) -> bytes:
    """The whole backup in memory, for the Admin page's download button."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _dump(con, archive, scratch=None)
    return buffer.getvalue()


def write_backup(settings: Settings, path: Path) -> str:
    """Write a backup to `path` (replacing a file there) and return the one-line summary the CLI prints."""
    target = Path(path)
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give a file name such as backup.zip")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    with tempfile.TemporaryDirectory(prefix="backup-", dir=settings.scratch_folder()) as folder:
        partial = Path(folder) / "backup.zip"
        with db.connect(settings) as con, zipfile.ZipFile(partial, "w") as archive:
            counts = _dump(con, archive, scratch=Path(folder))
        shutil.move(partial, target)
    return f"backup written to {target}: {describe(counts)}"


def _dump(con: duckdb.DuckDBPyConnection, archive: zipfile.ZipFile, scratch: Path | None) -> dict[str, int]:
    """Every table from one snapshot (one transaction), then the manifest that vouches for them."""
    entries: dict[str, dict[str, Any]] = {}
    with db.transaction(con):
        for table in queries.BACKUP_TABLES:
            with _spool(scratch) as part:
                rows = _write_parquet(con, table, part)
                part.seek(0)
                digest = _store(archive, table_file(table), part)
            entries[table] = {"file": table_file(table), "rows": rows, "sha256": digest}
    manifest = {
        "format": FORMAT,
        "schema_version": schema_version(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tables": entries,
    }
    archive.writestr(MANIFEST, json.dumps(manifest, indent=2), compress_type=zipfile.ZIP_DEFLATED)
    return {table: entry["rows"] for table, entry in entries.items()}


def _write_parquet(con: duckdb.DuckDBPyConnection, table: str, sink: IO[bytes]) -> int:
    """Stream the table through Arrow batches, so a million leaderboard rows never sit in memory at once."""
    reader = con.execute(queries.BACKUP_SELECT[table]).to_arrow_reader(BATCH_ROWS)
    rows = 0
    with pq.ParquetWriter(sink, reader.schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def _store(archive: zipfile.ZipFile, name: str, source: IO[bytes]) -> str:
    """Copy a part into the zip uncompressed (Parquet is compressed already) and return its SHA-256."""
    digest = hashlib.sha256()
    info = zipfile.ZipInfo(name, date_time=datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    with archive.open(info, "w", force_zip64=True) as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- restoring


@dataclass(frozen=True)
class Checked:
    """A backup whose manifest, names, sizes and checksums were all verified, with its parts staged."""

    created_at: str
    rows: dict[str, int]
    parts: dict[str, IO[bytes]]


def restore_bytes(con: duckdb.DuckDBPyConnection, data: bytes) -> dict[str, int]:
    """Check an uploaded backup completely, then replace every table with it; returns rows per table."""
    with _open_zip(io.BytesIO(data), "the uploaded file") as archive, _checked(archive, scratch=None) as checked:
        return _replace(con, checked)


def restore_backup(settings: Settings, path: Path) -> str:
    """Check the file before connecting (hashing may be slow), then replace; returns the CLI's summary."""
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    with tempfile.TemporaryDirectory(prefix="restore-", dir=settings.scratch_folder()) as folder:
        with _open_zip(source, str(source)) as archive, _checked(archive, scratch=Path(folder)) as checked:
            with db.connect(settings) as con:
                counts = _replace(con, checked)
    return f"restored {source} (written {checked.created_at}): {describe(counts)}"


@contextmanager
def _open_zip(source: Path | IO[bytes], name: str) -> Iterator[zipfile.ZipFile]:
    """A zip opened for reading, with "not a zip" turned into a refusal that names the file."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise BackupError(f"{name} is not a backup: not a readable zip file ({_one_line(exc)})") from None
    with archive:
        yield archive


@contextmanager
def _checked(archive: zipfile.ZipFile, scratch: Path | None) -> Iterator[Checked]:
    """Verify everything that can be verified without the database; the staged parts live until exit."""
    parts: dict[str, IO[bytes]] = {}
    try:
        yield _check(archive, scratch, parts)
    finally:
        for part in parts.values():
            part.close()


class _Allowance:
    """Bytes a restore may still unpack: the zip's headers can lie, so count what really comes out."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self, size: int, name: str) -> None:
        self.left -= size
        if self.left < 0:
            raise BackupError(f"the backup is refused: {name} unpacks to more than allowed")


def _check(archive: zipfile.ZipFile, scratch: Path | None, parts: dict[str, IO[bytes]]) -> Checked:
    members = _members(archive)
    manifest = _manifest(archive, members)
    entries = _entries(manifest)
    allowance = _Allowance(MAX_UNCOMPRESSED_BYTES)
    rows: dict[str, int] = {}
    for table in queries.BACKUP_TABLES:
        name = table_file(table)
        if table not in entries:  # a table newer than the backup: restored empty
            continue
        if name not in members:
            raise BackupError(f"the backup is incomplete: {name} is listed in its manifest but missing")
        part = _spool(scratch)
        parts[table] = part
        digest = _extract(archive, members[name], part, allowance)
        if digest != entries[table]["sha256"]:
            raise BackupError(f"the backup is damaged: {name} does not match the checksum in its manifest")
        rows[table] = entries[table]["rows"]
        found = _parquet_rows(part, name)
        if found != rows[table]:
            raise BackupError(f"the backup is damaged: {name} holds {found:,} rows; its manifest says {rows[table]:,}")
    return Checked(str(manifest.get("created_at", "at an unknown time")), rows, parts)


def _members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Only the names this format writes: nothing else is read, so nothing can escape a folder."""
    allowed = {MANIFEST} | {table_file(table) for table in queries.BACKUP_TABLES}
    members: dict[str, zipfile.ZipInfo] = {}
    declared = 0
    for info in archive.infolist():
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", name) or ":" in name:
            raise BackupError(f"the backup is refused: it holds {name[:80]!r}, a path outside the backup")
        if name not in allowed:
            raise BackupError(f"the backup is refused: it holds an unexpected file {name[:80]!r}")
        if name in members:
            raise BackupError(f"the backup is refused: it holds {name!r} twice")
        members[name] = info
        declared += info.file_size
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise BackupError(
            f"the backup is refused: it unpacks to {declared / 1024**3:.1f} GB; "
            f"at most {MAX_UNCOMPRESSED_BYTES / 1024**3:.0f} GB"
        )
    return members


def _manifest(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> dict[str, Any]:
    if MANIFEST not in members:
        raise BackupError(f"this is not an ML-Battle backup: it has no {MANIFEST}")
    raw = io.BytesIO()
    _extract(archive, members[MANIFEST], raw, _Allowance(MAX_MANIFEST_BYTES))
    try:
        manifest = json.loads(raw.getvalue().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BackupError(f"the backup is damaged: its {MANIFEST} is not valid JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"this is not an ML-Battle backup: its {MANIFEST} does not say format {FORMAT!r}")
    version = manifest.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BackupError(f"the backup is damaged: its {MANIFEST} has no schema version")
    if not OLDEST_RESTORABLE_SCHEMA <= version <= schema_version():
        raise BackupError(f"this backup is schema version {version}; this app reads versions "
                          f"{OLDEST_RESTORABLE_SCHEMA} to {schema_version()}")
    return manifest


def _entries(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    tables = manifest.get("tables")
    if not isinstance(tables, dict):
        raise BackupError(f"the backup is damaged: its {MANIFEST} lists no tables")
    unknown = sorted(set(tables) - set(queries.BACKUP_TABLES))
    if unknown:
        raise BackupError(f"the backup is refused: its {MANIFEST} lists unknown tables {', '.join(unknown)[:120]}")
    older = manifest.get("schema_version", 0) < schema_version()
    for table in queries.BACKUP_TABLES:
        entry = tables.get(table)
        if entry is None and older:  # the table came with a later migration than the backup
            continue
        if not isinstance(entry, dict):
            raise BackupError(f"the backup is incomplete: its {MANIFEST} does not list the {table} table")
        rows = entry.get("rows")
        if (entry.get("file") != table_file(table) or not isinstance(rows, int) or isinstance(rows, bool)
                or rows < 0 or not _SHA256.match(str(entry.get("sha256", "")))):
            raise BackupError(f"the backup is damaged: its {MANIFEST} entry for {table} is malformed")
    return tables


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, sink: IO[bytes], allowance: _Allowance) -> str:
    """Copy one member out, hashing it and counting its bytes against the allowance as they come out."""
    digest = hashlib.sha256()
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                allowance.take(len(chunk), info.filename)
                digest.update(chunk)
                sink.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise BackupError(f"the backup is damaged: {info.filename} cannot be read ({exc})") from None
    sink.seek(0)
    return digest.hexdigest()


def _parquet_rows(part: IO[bytes], name: str) -> int:
    try:
        rows = pq.ParquetFile(part).metadata.num_rows
    except (pa.ArrowException, OSError) as exc:
        raise BackupError(f"the backup is damaged: {name} is not a readable Parquet file ({exc})") from None
    part.seek(0)
    return rows


def _replace(con: duckdb.DuckDBPyConnection, checked: Checked) -> dict[str, int]:
    """Check each part's columns against the live table, then swap every table's rows in one transaction."""
    files = {table: pq.ParquetFile(part) for table, part in checked.parts.items()}
    for table, parquet in files.items():
        _check_columns(con, table, parquet.schema_arrow)
    counts: dict[str, int] = {}
    try:
        with db.transaction(con):
            for table in queries.BACKUP_TABLES:
                con.execute(queries.BACKUP_DELETE[table])
            con.execute(queries.FORGET_HELD)  # judged against boards the restore replaces
            for table in queries.BACKUP_TABLES:
                if table not in files:
                    counts[table] = 0
                    continue
                counts[table] = _insert(con, table, files[table])
                if counts[table] != checked.rows[table]:
                    raise BackupError(f"the backup is damaged: {table_file(table)} gave {counts[table]:,} rows")
    except (duckdb.Error, pa.ArrowException) as exc:
        raise BackupError(f"the backup could not be loaded, nothing was changed: {_one_line(exc)}") from None
    return counts


def _check_columns(con: duckdb.DuckDBPyConnection, table: str, found: pa.Schema) -> None:
    expected = con.execute(queries.BACKUP_EMPTY[table]).to_arrow_table().schema
    if _shape(found) != _shape(expected):
        names = ", ".join(found.names)[:200]
        raise BackupError(
            f"the backup does not fit this app: {table_file(table)} has columns ({names}); "
            f"the {table} table has ({', '.join(expected.names)})"
        )


def _shape(schema: pa.Schema) -> list[tuple[str, pa.DataType]]:
    """Names and types, with the string flavours DuckDB and Parquet may pick treated alike."""
    plain = {pa.large_string(): pa.string(), pa.string_view(): pa.string()}
    return [(field.name, plain.get(field.type, field.type)) for field in schema]


def _insert(con: duckdb.DuckDBPyConnection, table: str, parquet: pq.ParquetFile) -> int:
    reader = pa.RecordBatchReader.from_batches(parquet.schema_arrow, parquet.iter_batches(BATCH_ROWS))
    con.register("backup_incoming", reader)
    try:
        row = con.execute(queries.BACKUP_INSERT[table]).fetchone()
    finally:
        con.unregister("backup_incoming")
    return int(row[0]) if row else 0


# ---------------------------------------------------------------- shared


def describe(counts: dict[str, int]) -> str:
    """"2 events, 3 competitions, ..., 9,000 leaderboard rows": what a person cares about, in their words."""
    parts = []
    for table, (one, many) in LABELS.items():
        count = counts.get(table, 0)
        parts.append(f"{count:,} {one if count == 1 else many}")
    return ", ".join(parts)


def _spool(scratch: Path | None) -> tempfile.SpooledTemporaryFile[bytes]:
    """In memory without a scratch folder (max_size 0 never spills); otherwise spills into that folder."""
    if scratch is None:
        return tempfile.SpooledTemporaryFile(max_size=0)
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, dir=str(scratch))


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__

