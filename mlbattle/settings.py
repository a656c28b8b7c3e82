"""Settings: environment variables, else Streamlit's secrets file, else defaults.

The secrets file is read with `tomllib` rather than through Streamlit so that the command line and a
cron job on the same host see exactly what the app sees.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
class Setting:
    """One setting, declared once: `load()` reads it and `docs/settings.md` is checked against it."""

    field: str
    env: str
    default: Any
    parse: Callable[[str, Any, Any], Any]
    help: str
    shown_default: str = ""
    declarable: bool = False  # may sit in data/event.toml's [settings] (non-secret)

    @property
    def secrets_keys(self) -> tuple[str, ...]:
        """The names `.streamlit/secrets.toml` may use: the variable's, lower-cased, and without the prefix."""
        return (self.env, self.env.lower(), self.env.removeprefix("MLBATTLE_").lower())


def _as_text(name: str, value: Any, default: str | None) -> str | None:
    return str(value) if value not in (None, "") else default


def _as_endpoint(name: str, value: Any, default: str | None) -> str | None:
    return str(value).rstrip("/") if value not in (None, "") else default


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


def _number_at_least(minimum: float) -> Callable[[str, Any, float], float]:
    def parse(name: str, value: Any, default: float) -> float:
        if value is None or value == "":
            return default
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise SettingsError(f"{name} must be a number of seconds, not {value!r}") from None
        if not number >= minimum or number == float("inf"):
            raise SettingsError(f"{name} must be a number of at least {minimum:g}, not {value!r}")
        return number
    return parse


def _as_count(name: str, value: Any, default: int) -> int:
    return int(_number_at_least(0.0)(name, value, default))


def _emails(name: str, value: Any, default: tuple[str, ...]) -> tuple[str, ...]:
    """Organisers who may sign in with st.login: a comma-separated string or a TOML list."""
    items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    return tuple(sorted({str(item).strip().lower() for item in items if str(item).strip()})) or default


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "MLBATTLE_DB", str(DEFAULT_DB), _as_text,
            "the database: a DuckDB file (recent writes sit in `NAME.wal` beside it: copy both, or use `backup`), "
            "a PostgreSQL URL `postgresql://user:password@host/db`, or `md:NAME` for MotherDuck", "`data/mlbattle.duckdb`"),
    Setting("sync_interval", "MLBATTLE_SYNC_INTERVAL", 300.0, _number_at_least(0.0),
            "seconds after which a page view refreshes a competition", "`300`", declarable=True),
    Setting("auto_sync", "MLBATTLE_AUTO_SYNC", True, _as_bool,
            "`off` stops page-view refreshes; buttons, imports and the CLI still sync", "`on`", declarable=True),
    Setting("admin_password", "MLBATTLE_ADMIN_PASSWORD", None, _as_text,
            "organiser password; without it the Admin controls are off and say how to set it (a secret)", "none"),
    Setting("admin_emails", "MLBATTLE_ADMIN_EMAILS", (), _emails,
            "organisers who may sign in with Streamlit's own login (`st.login`, OIDC) instead of the password, "
            "when the host configures `[auth]` in secrets", "none"),
    Setting("motherduck_token", "MOTHERDUCK_TOKEN", None, _as_text,
            "the token for `MLBATTLE_DB = \"md:NAME\"` (a secret)", "none"),
    Setting("kaggle_endpoint", "MLBATTLE_KAGGLE_ENDPOINT", None, _as_endpoint,
            "base URL of the Kaggle API; the tests point it at a local stand-in", "Kaggle's"),
    Setting("stall_timeout", "MLBATTLE_STALL_TIMEOUT", 20.0, _number_at_least(0.1),
            "a download that sends nothing for this many seconds fails", "`20`", declarable=True),
    Setting("total_timeout", "MLBATTLE_TOTAL_TIMEOUT", 120.0, _number_at_least(0.1),
            "a download that runs past this many seconds fails", "`120`", declarable=True),
    Setting("retries", "MLBATTLE_RETRIES", 3, _as_count,
            "retries of a 429 or 5xx answer, with backoff (and `Retry-After` honoured by every sync of the process)",
            "`3`", declarable=True),
    Setting("min_request_gap", "MLBATTLE_MIN_REQUEST_GAP", 1.0, _number_at_least(0.0),
            "seconds between two requests to Kaggle from one process", "`1`", declarable=True),
    Setting("db_busy_timeout", "MLBATTLE_DB_BUSY_TIMEOUT", 30.0, _number_at_least(0.0),
            "how long to wait while another process (the cron job) holds the database", "`30`", declarable=True),
    Setting("registration", "MLBATTLE_REGISTRATION", True, _as_bool,
            "`off` closes self-registration on the Participants page (organisers still add people on Admin and "
            "with the CLI)", "`on`", declarable=True),
    Setting("webhook_url", "MLBATTLE_WEBHOOK_URL", None, _as_text,
            "a Slack or Discord incoming webhook (or any URL that takes a JSON POST) for event-night alerts: a new "
            "leader, a participant entering a better medal zone, three failed syncs in a row (a secret)", "none"),
)
BY_FIELD = {setting.field: setting for setting in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """The settings of one run. Field defaults come from `SETTINGS`; `max_download_bytes` and `memory_limit`
    are the app's bounds, not settings a person changes."""

    db: str = BY_FIELD["db"].default
    sync_interval: float = BY_FIELD["sync_interval"].default
    auto_sync: bool = BY_FIELD["auto_sync"].default
    admin_password: str | None = BY_FIELD["admin_password"].default
    admin_emails: tuple[str, ...] = BY_FIELD["admin_emails"].default
    motherduck_token: str | None = BY_FIELD["motherduck_token"].default
    kaggle_endpoint: str | None = BY_FIELD["kaggle_endpoint"].default
    stall_timeout: float = BY_FIELD["stall_timeout"].default
    total_timeout: float = BY_FIELD["total_timeout"].default
    retries: int = BY_FIELD["retries"].default
    min_request_gap: float = BY_FIELD["min_request_gap"].default
    db_busy_timeout: float = BY_FIELD["db_busy_timeout"].default
    registration: bool = BY_FIELD["registration"].default
    webhook_url: str | None = field(default=BY_FIELD["webhook_url"].default, repr=False)  # a secret
    kaggle: KaggleCredentials = field(default_factory=KaggleCredentials)
    max_download_bytes: int = 200 * 1024 * 1024
    memory_limit: str = "512MB"

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
DECLARABLE = tuple(setting.field for setting in SETTINGS if setting.declarable)


def read_declared(path: Path = DECLARED_SETUP) -> dict[str, Any]:
    """Non-secret `[settings]` of the declared setup (data/event.toml); they rank below environment and secrets."""
    if not path.is_file():
        return {}
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8-sig")).get("settings", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from exc
    return {key: table[key] for key in DECLARABLE if isinstance(table, dict) and key in table}


def _lookup(setting: Setting, env: Mapping[str, str], secrets: Mapping[str, Any]) -> Any:
    if setting.env in env:
        return env[setting.env]
    for key in (*setting.secrets_keys, setting.field):
        if key in secrets:
            return secrets[key]
    return None


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
    values = {setting.field: setting.parse(setting.env, _lookup(setting, env, secrets), setting.default)
              for setting in SETTINGS}
    return Settings(**values, kaggle=_kaggle_credentials(env, secrets, Path(env.get("HOME", str(Path.home())))))


def markdown_table() -> str:
    """The settings as `docs/settings.md` lists them (a test holds the page to this)."""
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    rows += [f"| `{s.env}` | {s.shown_default} | {s.help} |" for s in SETTINGS]
    return "\n".join(rows) + "\n"
