"""Backup and restore: an open zip of Parquet files that round-trips, and refusals that change nothing."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mlbattle import backup, db, queries, registry, sync
from mlbattle import settings as settings_module
from mlbattle.backup import BackupError
from mlbattle.registry import CompetitionFacts
from mlbattle.settings import Settings
from tests.support.boards import zip_members
from tools import samples

PROJECT = Path(__file__).resolve().parent.parent
PEOPLE = ["alice", "Bob", "carol.k", "dan-9", "eve_x"]


def _board(seed: int, n: int = 300, **options: Any) -> bytes:
    frame = samples.synthetic_leaderboard(n, seed=seed, usernames=PEOPLE[:4], **options)
    return samples.leaderboard_zip("x", samples.leaderboard_csv(frame))


def _fetch(zips: dict[str, bytes]) -> Callable[[str, Path], Path]:
    def fetch(slug: str, folder: Path) -> Path:
        return _write(folder / f"{slug}.zip", zips[slug])

    return fetch


def _fill(settings: Settings) -> None:
    """An event, two competitions synced twice each (so history and runs exist), five participants."""
    with db.connect(settings) as con:
        registry.add_event(con, "neural-night", "Neural Night ☕", "2026-11-20", "2026-11-27", "a, \"quoted\"\nline")
        registry.add_competition(con, CompetitionFacts("titanic", "Titanic", metric="Accuracy"), event="neural-night")
        registry.add_competition(con, CompetitionFacts("houses", "Houses", metric="RMSE"), event="neural-night")
        registry.set_scoring(con, "titanic", 0.5, 1.0, 100)
        registry.set_direction(con, "houses", "lower")
        for name in PEOPLE:
            registry.add_participant(con, name, f"{name} =cmd|")
    for seed in (1, 2):
        fetch = _fetch({"titanic": _board(seed), "houses": _board(seed + 10, lower_is_better=True)})
        for slug in ("titanic", "houses"):
            assert sync.sync(slug, settings, trigger="test", fetch=fetch).outcome in ("created", "updated")


def _other(tmp_path: Path, name: str) -> Settings:
    return settings_module.load(env={"MLBATTLE_DB": str(tmp_path / name / "db.duckdb"), "HOME": str(tmp_path)},
                                secrets={})


def _dump(settings: Settings) -> dict[str, list[tuple]]:
    """Every row of every backed-up table, in a stable order, for before/after comparisons."""
    with db.connect(settings) as con:
        return {table: sorted(con.execute(queries.BACKUP_SELECT[table]).fetchall(), key=repr)
                for table in queries.BACKUP_TABLES}


def _leaderboards(settings: Settings) -> dict[str, Any]:
    with db.connect(settings) as con:
        return {slug: (con.execute(queries.PLATFORM_LEADERBOARD, [slug]).fetchall(),
                       con.execute(queries.ALL_TEAMS, [slug, slug]).fetchall(),
                       con.execute(queries.HISTORY, [slug]).fetchall())
                for slug in ("titanic", "houses")}


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The source database, built once: tests only read it."""
    source = _other(tmp_path_factory.mktemp("source"), "source")
    _fill(source)
    return source


@pytest.fixture(scope="module")
def good(filled: Settings) -> bytes:
    with db.connect(filled) as con:
        return backup.backup_bytes(con)


@pytest.fixture
def target(tmp_path: Path) -> Settings:
    """A second database with contents of its own, which refused restores must leave alone."""
    other = _other(tmp_path, "target")
    with db.connect(other) as con:
        registry.add_event(con, "other-event", "Other")
        registry.add_competition(con, CompetitionFacts("other-comp", "Other comp"), event="other-event")
        registry.add_participant(con, "zed", "Zed")
    return other


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rebuild(data: bytes, *, replace: dict[str, bytes | None] | None = None,
             edit: Callable[[dict], None] | None = None, rehash: bool = False) -> bytes:
    """A variant of a good backup: members replaced or dropped, the manifest edited, hashes recomputed."""
    members = _members(data)
    for name, payload in (replace or {}).items():
        if payload is None:
            members.pop(name, None)
        else:
            members[name] = payload
    manifest = json.loads(members["manifest.json"])
    if rehash:
        for table, entry in manifest["tables"].items():
            if entry["file"] in members:
                entry["sha256"] = hashlib.sha256(members[entry["file"]]).hexdigest()
                entry["rows"] = pq.ParquetFile(io.BytesIO(members[entry["file"]])).metadata.num_rows
    if edit:
        edit(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    return zip_members(members)


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- the round trip


def test_file_round_trip_into_an_empty_database_gives_identical_leaderboards(filled: Settings,
                                                                             tmp_path: Path) -> None:
    path = tmp_path / "out" / "backup.zip"
    path.parent.mkdir()
    summary = backup.write_backup(filled, path)
    assert summary.startswith(f"backup written to {path}: 1 event, 2 competitions, 5 participants, 4 sync runs, ")
    empty = _other(tmp_path, "empty")

    restored = backup.restore_backup(empty, path)

    assert restored.startswith(f"restored {path} (written ")
    assert _leaderboards(empty) == _leaderboards(filled)
    assert _dump(empty) == _dump(filled)
    with db.connect(filled) as con:
        platform = con.execute(queries.PLATFORM_LEADERBOARD, ["titanic"]).fetchall()
    assert [row[3] for row in platform] and {row[3] for row in platform} <= set(PEOPLE)


def test_bytes_round_trip_replaces_what_the_target_had(good: bytes, filled: Settings, target: Settings) -> None:
    with db.connect(target) as con:
        counts = backup.restore_bytes(con, good)
    source = _dump(filled)
    assert _dump(target) == source
    assert counts == {table: len(rows) for table, rows in source.items()}
    assert counts["history"] > 0 and counts["kaggle_rows"] == 2 * 302


def test_a_backup_made_before_the_run_log_lost_its_index_restores(good: bytes, filled: Settings,
                                                                  target: Settings) -> None:
    """Schema 2 changed no column, so a backup of schema 1 (taken before the upgrade) still restores."""
    older = _rebuild(good, edit=lambda manifest: manifest.update(schema_version=1))
    with db.connect(target) as con:
        backup.restore_bytes(con, older)
    assert _dump(target) == _dump(filled)


def test_backup_is_an_open_zip_of_parquet_with_a_manifest(good: bytes, filled: Settings) -> None:
    members = _members(good)
    manifest = json.loads(members["manifest.json"])
    assert manifest["format"] == "mlbattle-backup"
    assert manifest["schema_version"] == len(queries.MIGRATIONS)
    assert set(manifest["tables"]) == set(queries.BACKUP_TABLES)
    assert set(members) == {"manifest.json"} | {f"{t}.parquet" for t in queries.BACKUP_TABLES}
    dump = _dump(filled)
    for table, entry in manifest["tables"].items():
        payload = members[entry["file"]]
        assert entry["sha256"] == hashlib.sha256(payload).hexdigest()
        assert entry["rows"] == len(dump[table]) == pq.read_table(io.BytesIO(payload)).num_rows


def test_backup_and_restore_leave_no_temporary_files(filled: Settings, target: Settings, tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    backup.write_backup(filled, path)
    backup.restore_backup(target, path)
    with pytest.raises(BackupError):
        backup.restore_backup(target, _write(tmp_path / "bad.zip", _rebuild(path.read_bytes(),
                                                                           replace={"events.parquet": None})))
    assert list((filled.data_dir / "tmp").iterdir()) == []
    assert list((target.data_dir / "tmp").iterdir()) == []


def test_a_backup_to_a_missing_folder_is_refused(filled: Settings, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="does not exist"):
        backup.write_backup(filled, tmp_path / "nowhere" / "b.zip")


# ---------------------------------------------------------------- refusals change nothing


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _flip_inside(data: bytes, name: str) -> bytes:
    """Damage one byte in the middle of a stored member's data, as a bad disk or transfer would."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]


FUTURE = backup.schema_version() + 1


def _future_schema(manifest: dict) -> None:
    manifest["schema_version"] = FUTURE


def _other_format(manifest: dict) -> None:
    manifest["format"] = "something-else"


def _rows_off(manifest: dict) -> None:
    manifest["tables"]["events"]["rows"] = 7


REFUSALS: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "not a zip": (lambda good: b"name,score\nalice,1\n", "not a backup: not a readable zip file"),
    "truncated zip": (lambda good: good[: len(good) // 2], "not a readable zip file"),
    "corrupt member": (lambda good: _flip_inside(good, "kaggle_rows.parquet"), "damaged: kaggle_rows.parquet"),
    "missing manifest": (lambda good: _rebuild_raw(good, drop="manifest.json"), "has no manifest.json"),
    "manifest not json": (lambda good: _rebuild_raw(good, put={"manifest.json": b"{nope"}), "not valid JSON"),
    "wrong format": (lambda good: _rebuild(good, edit=_other_format), "not an ML-Battle backup"),
    "other schema version": (lambda good: _rebuild(good, edit=_future_schema),
                             f"this backup is schema version {FUTURE}; this app reads versions 1 to {FUTURE - 1}"),
    "tampered file": (lambda good: _rebuild(good, replace={"participants.parquet": _parquet(
        pa.table({"username_key": ["mallory"], "kaggle_username": ["mallory"], "display_name": ["M"],
                  "created_at": pa.array([0], pa.timestamp("us"))}))}), "participants.parquet does not match"),
    "missing table file": (lambda good: _rebuild(good, replace={"history.parquet": None}),
                           "history.parquet is listed in its manifest but missing"),
    "zip slip": (lambda good: _rebuild_raw(good, put={"../../evil.parquet": b"x"}), "a path outside the backup"),
    "absolute name": (lambda good: _rebuild_raw(good, put={"/etc/evil": b"x"}), "a path outside the backup"),
    "unexpected member": (lambda good: _rebuild_raw(good, put={"notes.txt": b"hi"}), "unexpected file 'notes.txt'"),
    "row count lies": (lambda good: _rebuild(good, edit=_rows_off), "holds 1 rows; its manifest says 7"),
    "other columns": (lambda good: _rebuild(good, rehash=True, replace={"events.parquet": _parquet(
        pa.table({"slug": ["e"], "title": ["E"]}))}), "events.parquet has columns (slug, title)"),
    "duplicate keys fail inside the transaction": (lambda good: _rebuild(good, rehash=True, replace={
        "participants.parquet": _duplicated_participants(good)}), "could not be loaded, nothing was changed"),
}


def _rebuild_raw(data: bytes, *, drop: str | None = None, put: dict[str, bytes] | None = None) -> bytes:
    members = _members(data)
    if drop:
        members.pop(drop)
    members.update(put or {})
    return zip_members(members)


def _duplicated_participants(good: bytes) -> bytes:
    """Valid Parquet with the right columns whose rows break the primary key: only the insert can tell."""
    table = pq.read_table(io.BytesIO(_members(good)["participants.parquet"]))
    return _parquet(pa.concat_tables([table, table]))


@pytest.mark.parametrize("case", list(REFUSALS))
def test_restore_refuses_a_bad_file_and_changes_nothing(case: str, good: bytes, target: Settings) -> None:
    make, reason = REFUSALS[case]
    before = _dump(target)
    with db.connect(target) as con, pytest.raises(BackupError) as refused:
        backup.restore_bytes(con, make(good))
    assert reason in str(refused.value)
    assert "\n" not in str(refused.value)
    assert _dump(target) == before


def test_a_file_that_unpacks_past_the_cap_is_refused_from_its_headers(
    good: bytes, target: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup, "MAX_UNCOMPRESSED_BYTES", len(good) // 2)
    before = _dump(target)
    with db.connect(target) as con, pytest.raises(BackupError, match="unpacks to 0.0 GB; at most"):
        backup.restore_bytes(con, good)
    assert _dump(target) == before


def test_bytes_are_counted_while_reading_not_only_from_headers(
    good: bytes, target: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest's own cap is enforced on the bytes that come out of the zip."""
    monkeypatch.setattr(backup, "MAX_MANIFEST_BYTES", 100)
    with db.connect(target) as con, pytest.raises(BackupError, match="manifest.json unpacks to more than allowed"):
        backup.restore_bytes(con, good)


def test_a_file_restore_refuses_a_missing_file(target: Settings, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="does not exist"):
        backup.restore_backup(target, tmp_path / "nope.zip")


# ---------------------------------------------------------------- the command line, end to end


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlbattle", *args], cwd=PROJECT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_cli_backup_then_restore_into_another_database(filled: Settings, app_env: dict[str, str],
                                                        tmp_path: Path) -> None:
    path = tmp_path / "cli-backup.zip"
    env = {**os.environ, **app_env, "MLBATTLE_DB": filled.db}
    written = _cli(env, "backup", str(path))
    assert written.returncode == 0, written.stderr
    assert written.stdout.startswith(f"backup written to {path}: 1 event, 2 competitions, 5 participants")

    other = _other(tmp_path, "cli-other")
    other_env = {**env, "MLBATTLE_DB": other.db}
    restored = _cli(other_env, "restore", str(path))
    assert restored.returncode == 0, restored.stderr
    assert _dump(other) == _dump(filled)

    before = _dump(other)
    bad = _write(tmp_path / "newer.zip", _rebuild(path.read_bytes(), edit=_future_schema))
    refused = _cli(other_env, "restore", str(bad))
    assert refused.returncode == 1
    assert refused.stderr == f"error: this backup is schema version {FUTURE}; this app reads versions 1 to {FUTURE - 1}\n"
    assert _dump(other) == before

    garbage = _cli(other_env, "restore", str(_write(tmp_path / "garbage.zip", b"\x00" * 100)))
    assert garbage.returncode == 1
    assert garbage.stderr.startswith("error: ") and garbage.stderr.count("\n") == 1
    assert "Traceback" not in garbage.stderr
