"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temporary data folder, a free port.

pytest-postgresql's process fixture runs `pg_ctl` as the current user, and PostgreSQL refuses to run as
root, which is what CI is; so this starts the server as the `postgres` user when we are root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator

import pytest


def _binaries() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The base URL of a running server; skipped without PostgreSQL unless MLBATTLE_REQUIRE_POSTGRES=1."""
    bin_dir = _binaries()
    if bin_dir is None:
        message = "PostgreSQL is not installed (apt-get install postgresql)"
        if os.environ.get("MLBATTLE_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    folder = tempfile.mkdtemp(prefix="mlbattle-pg-")
    os.chmod(folder, 0o777)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = os.path.join(folder, "data"), _free_port()
    subprocess.run(_as_server_user([f"{bin_dir}/initdb", "-D", data, "-A", "trust", "-U", "postgres"]),
                   check=True, capture_output=True)
    subprocess.run(_as_server_user([
        f"{bin_dir}/pg_ctl", "-D", data, "-l", os.path.join(folder, "log"), "-w", "start", "-o",
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off",
    ]), check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_server_user([f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(server: str) -> str:
    """A new empty database on the server, as a URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


class PasswordServer:
    """A throwaway server that asks for a password (scram-sha-256), which a test can stop under the app."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.bin_dir = _binaries()
        self.folder = tempfile.mkdtemp(prefix="mlbattle-pgpw-")
        self.data = os.path.join(self.folder, "data")
        self.port = _free_port()

    def start(self) -> str:
        """Start it; the URL of a fresh database on it, password included."""
        if self.bin_dir is None:
            pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
        os.chmod(self.folder, 0o777)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        pwfile = os.path.join(self.folder, "pw")
        with open(pwfile, "w") as handle:
            handle.write(self.password)
        os.chmod(pwfile, 0o644)
        subprocess.run(_as_server_user([f"{self.bin_dir}/initdb", "-D", self.data, "-A", "scram-sha-256", "-U",
                                        "postgres", f"--pwfile={pwfile}"]), check=True, capture_output=True)
        subprocess.run(_as_server_user([
            f"{self.bin_dir}/pg_ctl", "-D", self.data, "-l", os.path.join(self.folder, "log"), "-w", "start", "-o",
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off",
        ]), check=True, capture_output=True)
        return fresh_database(f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}")

    def stop(self) -> None:
        subprocess.run(_as_server_user([f"{self.bin_dir}/pg_ctl", "-D", self.data, "-m", "immediate", "stop"]),
                       capture_output=True)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
