"""Shared fixtures: a real DuckDB file in a temporary folder, settings pointing at it, the stand-in Kaggle."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir

from mlbattle import settings as settings_module
from mlbattle.settings import Settings
from tests.support.kaggle_stand_in import KaggleStandIn, stand_in_env

# Hypothesis keeps examples and caches in ./.hypothesis; a test run leaves nothing in the working tree.
set_hypothesis_home_dir(str(Path(tempfile.gettempdir()) / "mlbattle-hypothesis"))
hypothesis_settings.register_profile("mlbattle", database=None)
hypothesis_settings.load_profile("mlbattle")

FAST = {
    "MLBATTLE_STALL_TIMEOUT": "1.5",
    "MLBATTLE_TOTAL_TIMEOUT": "8",
    "MLBATTLE_RETRIES": "2",
    "MLBATTLE_MIN_REQUEST_GAP": "0",
    "MLBATTLE_DB_BUSY_TIMEOUT": "10",
}


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment of an app with its own database and home, no Kaggle credentials, fast limits."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"MLBATTLE_DB": str(tmp_path / "data" / "mlbattle.duckdb"), "HOME": str(home), **FAST}
    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN", "MLBATTLE_KAGGLE_ENDPOINT",
                 "MLBATTLE_ADMIN_PASSWORD", "MLBATTLE_AUTO_SYNC", "MLBATTLE_SYNC_INTERVAL", "KAGGLE_CONFIG_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def settings(app_env: dict[str, str]) -> Settings:
    return settings_module.load(secrets={}, declared={})


@pytest.fixture
def kaggle() -> KaggleStandIn:
    with KaggleStandIn() as stand_in:
        stand_in.stall_seconds = 4.0
        yield stand_in


@pytest.fixture
def kaggle_env(app_env: dict[str, str], kaggle: KaggleStandIn, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The app's environment plus the stand-in Kaggle's endpoint and credentials."""
    extra = stand_in_env(kaggle)
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    return {**app_env, **extra}


@pytest.fixture
def kaggle_settings(kaggle_env: dict[str, str]) -> Settings:
    return settings_module.load(secrets={}, declared={})


@pytest.fixture
def local_fetch() -> Callable[[dict[str, bytes]], Callable[[str, Path], Path]]:
    """A sync source that hands out given zip bytes per slug, for tests about loading rather than HTTP."""

    def make(zips: dict[str, bytes]) -> Callable[[str, Path], Path]:
        def fetch(slug: str, folder: Path) -> Path:
            target = folder / f"{slug}.zip"
            target.write_bytes(zips[slug])
            return target

        return fetch

    return make
