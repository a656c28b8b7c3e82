"""Settings: environment variables, else Streamlit's secrets file, else defaults.

The secrets file is read with `tomllib` rather than through Streamlit so that the command line and a
cron job on the same host see exactly what the app sees.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_DIR / "data" / "mlbattle.duckdb"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A setting has a value the app cannot use; the message names the setting."""


@dataclass(frozen=True)
class KaggleCredentials:
    """What the official client needs to sign its requests: a username and key, or a token."""

    username: str | None = None
    key: str | None = None
    token: str | None = None
    source: str = ""

    @property
    def present(self) -> bool:
        return bool(self.token or (self.username and self.key))


@dataclass(frozen=True)
class Settings:
    db: str = str(DEFAULT_DB)
    sync_interval: float = 300.0
    auto_sync: bool = True
    admin_password: str | None = None
    kaggle_endpoint: str | None = None
    kaggle: KaggleCredentials = field(default_factory=KaggleCredentials)
    stall_timeout: float = 20.0
    total_timeout: float = 120.0
    max_download_bytes: int = 200 * 1024 * 1024
    retries: int = 3
    min_request_gap: float = 1.0
    db_busy_timeout: float = 30.0
    memory_limit: str = "512MB"
    motherduck_token: str | None = None
    admin_emails: tuple[str, ...] = ()
    registration: bool = True

    @property
    def data_dir(self) -> Path:
        """Where locks and the download scratch folder live: beside a local database, else `data/`."""
        if self.is_local_db:
            return Path(self.db).resolve().parent
        return PROJECT_DIR / "data"

    def scratch_folder(self) -> Path:
        """Where downloads and backups are unpacked: inside the app's data folder, never the system's /tmp."""
        folder = self.data_dir / "tmp"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @property
    def is_local_db(self) -> bool:
        """A DuckDB file here, not Postgres or MotherDuck (where DuckDB is only the engine in front of the data)."""
        return not self.db.startswith(("postgres://", "postgresql://", "md:"))


def _secrets_files() -> list[Path]:
    return [Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml"]


def read_secrets(paths: list[Path] | None = None) -> dict[str, Any]:
    """Merge Streamlit's secrets files the way Streamlit does: the project's file wins over the global one."""
    merged: dict[str, Any] = {}
    for path in paths if paths is not None else _secrets_files():
        if path.is_file():
            try:
                merged.update(tomllib.loads(path.read_text(encoding="utf-8")))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
                raise SettingsError(f"{path} is not valid TOML: {exc}") from exc
    return merged


DECLARED_SETUP = PROJECT_DIR / "data" / "event.toml"
# Non-secret settings a repository file may hold, with the smallest value each accepts (None: a switch).
DECLARABLE: dict[str, float | None] = {
    "sync_interval": 0.0, "auto_sync": None, "stall_timeout": 0.1, "total_timeout": 0.1, "retries": 0.0,
    "min_request_gap": 0.0, "db_busy_timeout": 0.0, "registration": None,
}


def read_declared(path: Path = DECLARED_SETUP) -> dict[str, Any]:
    """Non-secret `[settings]` of the declared setup (data/event.toml); they rank below environment and secrets."""
    if not path.is_file():
        return {}
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8-sig")).get("settings", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from exc
    return {key: table[key] for key in DECLARABLE if isinstance(table, dict) and key in table}


def _lookup(name: str, env: Mapping[str, str], secrets: Mapping[str, Any]) -> Any:
    if name in env:
        return env[name]
    for key in (name, name.lower(), name.removeprefix("MLBATTLE_").lower()):
        if key in secrets:
            return secrets[key]
    return None


def _as_bool(name: str, value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise SettingsError(f"{name} must be on or off, not {value!r}")


def _as_number(name: str, value: Any, default: float, minimum: float = 0.0) -> float:
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be a number of seconds, not {value!r}") from None
    if number < minimum:
        raise SettingsError(f"{name} must be at least {minimum:g}, not {value!r}")
    return number


def _kaggle_credentials(env: Mapping[str, str], secrets: Mapping[str, Any], home: Path) -> KaggleCredentials:
    """Look where the `kaggle` package looks, in its order, plus Streamlit secrets (`[kaggle]` or top level)."""
    section = secrets.get("kaggle") if isinstance(secrets.get("kaggle"), Mapping) else {}
    token = env.get("KAGGLE_API_TOKEN") or secrets.get("KAGGLE_API_TOKEN") or section.get("api_token")
    if token:
        if Path(str(token)).is_file():
            token = Path(str(token)).read_text(encoding="utf-8").strip()
        return KaggleCredentials(token=str(token), source="KAGGLE_API_TOKEN")
    for source, values in (
        ("environment", env),
        ("secrets", secrets),
        ("secrets [kaggle]", {f"KAGGLE_{k.upper()}": v for k, v in section.items()}),
    ):
        if values.get("KAGGLE_USERNAME") and values.get("KAGGLE_KEY"):
            return KaggleCredentials(str(values["KAGGLE_USERNAME"]), str(values["KAGGLE_KEY"]), source=source)
    token_file = home / ".kaggle" / "access_token"
    if token_file.is_file() and token_file.read_text(encoding="utf-8").strip():
        return KaggleCredentials(token=token_file.read_text(encoding="utf-8").strip(), source=str(token_file))
    config = Path(env.get("KAGGLE_CONFIG_DIR", home / ".kaggle")) / "kaggle.json"
    if config.is_file():
        try:
            data = json.loads(config.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise SettingsError(f"{config} is not valid JSON: {exc}") from exc
        if data.get("username") and data.get("key"):
            return KaggleCredentials(str(data["username"]), str(data["key"]), source=str(config))
    return KaggleCredentials()


def load(
    env: Mapping[str, str] | None = None,
    secrets: Mapping[str, Any] | None = None,
    declared: Mapping[str, Any] | None = None,
) -> Settings:
    """Environment, then secrets, then the declared setup's `[settings]`, then defaults."""
    env = os.environ if env is None else env
    secrets = read_secrets() if secrets is None else secrets
    declared = read_declared() if declared is None else declared
    secrets = {**declared, **secrets}
    db = _lookup("MLBATTLE_DB", env, secrets) or str(DEFAULT_DB)
    password = _lookup("MLBATTLE_ADMIN_PASSWORD", env, secrets)
    endpoint = _lookup("MLBATTLE_KAGGLE_ENDPOINT", env, secrets)
    return Settings(
        db=str(db),
        sync_interval=_as_number("MLBATTLE_SYNC_INTERVAL", _lookup("MLBATTLE_SYNC_INTERVAL", env, secrets), 300.0),
        auto_sync=_as_bool("MLBATTLE_AUTO_SYNC", _lookup("MLBATTLE_AUTO_SYNC", env, secrets), True),
        admin_password=str(password) if password else None,
        kaggle_endpoint=str(endpoint).rstrip("/") if endpoint else None,
        kaggle=_kaggle_credentials(env, secrets, Path(env.get("HOME", str(Path.home())))),
        stall_timeout=_as_number("MLBATTLE_STALL_TIMEOUT", _lookup("MLBATTLE_STALL_TIMEOUT", env, secrets), 20.0, 0.1),
        total_timeout=_as_number("MLBATTLE_TOTAL_TIMEOUT", _lookup("MLBATTLE_TOTAL_TIMEOUT", env, secrets), 120.0, 0.1),
        retries=int(_as_number("MLBATTLE_RETRIES", _lookup("MLBATTLE_RETRIES", env, secrets), 3)),
        min_request_gap=_as_number("MLBATTLE_MIN_REQUEST_GAP", _lookup("MLBATTLE_MIN_REQUEST_GAP", env, secrets), 1.0),
        db_busy_timeout=_as_number("MLBATTLE_DB_BUSY_TIMEOUT", _lookup("MLBATTLE_DB_BUSY_TIMEOUT", env, secrets), 30.0),
        motherduck_token=_lookup("MOTHERDUCK_TOKEN", env, secrets) or _lookup("motherduck_token", env, secrets),
        admin_emails=_emails(_lookup("MLBATTLE_ADMIN_EMAILS", env, secrets)),
        registration=_as_bool("MLBATTLE_REGISTRATION", _lookup("MLBATTLE_REGISTRATION", env, secrets), True),
    )


def _emails(value: Any) -> tuple[str, ...]:
    """Organisers who may sign in with st.login: a comma-separated string or a TOML list."""
    items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    return tuple(sorted({str(item).strip().lower() for item in items if str(item).strip()}))
