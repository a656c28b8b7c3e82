"""Kaggle credentials in every form the official client (kaggle 2.x, kagglesdk) reads, in its order, each tried
against the stand-in Kaggle, which checks them; a refusal names the setting to fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlbattle import kaggle_client
from mlbattle import settings as settings_module
from mlbattle.kaggle_client import KaggleError
from tests.support.boards import zip_of

SLUG = "cred-cup"


@pytest.fixture
def bare(app_env, kaggle, monkeypatch) -> dict:
    """The app's environment pointed at the stand-in, with no credentials anywhere yet."""
    monkeypatch.setenv("MLBATTLE_KAGGLE_ENDPOINT", kaggle.url)
    kaggle.set_leaderboard(SLUG, zip_of(SLUG, [(1, "A", 0.9, "ann")]))
    return {**app_env, "MLBATTLE_KAGGLE_ENDPOINT": kaggle.url}


def home(env: dict) -> Path:
    folder = Path(env["HOME"]) / ".kaggle"
    folder.mkdir(exist_ok=True)
    return folder


def download(tmp_path: Path, settings) -> str:
    """Download through the real client; the scheme the stand-in saw."""
    kaggle_client.download_leaderboard(SLUG, tmp_path, settings)
    return "ok"


def last_auth(kaggle) -> str:
    return [r for r in kaggle.requests if r["path"].endswith("/DownloadLeaderboard")][-1]["auth"]


def load(env: dict):
    return settings_module.load(env=env, secrets={}, declared={})


def test_kaggle_api_token_in_the_environment_is_sent_as_bearer(bare, kaggle, tmp_path):
    cfg = load({**bare, "KAGGLE_API_TOKEN": kaggle.token})
    assert cfg.kaggle.source == "KAGGLE_API_TOKEN"
    download(tmp_path, cfg)
    assert last_auth(kaggle) == "bearer"


def test_kaggle_api_token_may_name_a_file_holding_the_token(bare, kaggle, tmp_path):
    token_file = tmp_path / "token.txt"
    token_file.write_text(f"  {kaggle.token}\n")
    cfg = load({**bare, "KAGGLE_API_TOKEN": str(token_file)})
    assert cfg.kaggle.token == kaggle.token
    download(tmp_path, cfg)
    assert last_auth(kaggle) == "bearer"


@pytest.mark.parametrize("name", ["access_token", "access_token.txt"])
def test_a_token_saved_in_the_kaggle_folder_is_read(bare, kaggle, tmp_path, name):
    (home(bare) / name).write_text(kaggle.token + "\n")
    cfg = load(bare)
    assert cfg.kaggle.source.endswith(f".kaggle/{name}")
    download(tmp_path, cfg)
    assert last_auth(kaggle) == "bearer"


def test_a_saved_token_comes_before_a_username_and_key_as_the_official_client_has_it(bare, kaggle, tmp_path):
    (home(bare) / "access_token").write_text(kaggle.token)
    cfg = load({**bare, "KAGGLE_USERNAME": kaggle.username, "KAGGLE_KEY": "stale"})
    assert cfg.kaggle.token == kaggle.token and cfg.kaggle.username is None
    download(tmp_path, cfg)
    assert last_auth(kaggle) == "bearer"


def test_username_and_key_in_the_environment_are_sent_as_basic(bare, kaggle, tmp_path):
    cfg = load({**bare, "KAGGLE_USERNAME": kaggle.username, "KAGGLE_KEY": kaggle.key})
    download(tmp_path, cfg)
    assert last_auth(kaggle) == "basic"


def test_kaggle_json_in_the_config_dir_is_read(bare, kaggle, tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "kaggle.json").write_text(json.dumps({"username": kaggle.username, "key": kaggle.key}))
    cfg = load({**bare, "KAGGLE_CONFIG_DIR": str(config)})
    download(tmp_path, cfg)
    assert last_auth(kaggle) == "basic"


def test_kaggle_json_in_the_xdg_folder_is_read_when_there_is_no_kaggle_folder(bare, kaggle, tmp_path):
    xdg = Path(bare["HOME"]) / ".config" / "kaggle"
    xdg.mkdir(parents=True)
    (xdg / "kaggle.json").write_text(json.dumps({"username": kaggle.username, "key": kaggle.key}))
    cfg = load(bare)
    assert cfg.kaggle.username == kaggle.username
    download(tmp_path, cfg)


def test_a_token_in_streamlit_secrets_is_read(bare, kaggle, tmp_path):
    cfg = settings_module.load(env=bare, secrets={"kaggle": {"api_token": kaggle.token}}, declared={})
    download(tmp_path, cfg)
    assert last_auth(kaggle) == "bearer"


@pytest.mark.parametrize("form, names", [
    ("env token", "from KAGGLE_API_TOKEN: put a current API token there"),
    ("saved token", ".kaggle/access_token: put a current API token there"),
    ("username and key", "from KAGGLE_USERNAME and KAGGLE_KEY: check the username and key there"),
    ("kaggle.json", "kaggle.json: check the username and key there"),
])
def test_a_refused_credential_names_the_setting_to_fix(bare, kaggle, tmp_path, form, names):
    env = dict(bare)
    if form == "env token":
        env["KAGGLE_API_TOKEN"] = "KGAT_wrong"
    elif form == "saved token":
        (home(bare) / "access_token").write_text("KGAT_wrong")
    elif form == "username and key":
        env.update(KAGGLE_USERNAME=kaggle.username, KAGGLE_KEY="wrong")
    else:
        (home(bare) / "kaggle.json").write_text(json.dumps({"username": kaggle.username, "key": "wrong"}))
    cfg = load(env)
    with pytest.raises(KaggleError, match="refused the credentials") as refusal:
        download(tmp_path, cfg)
    assert names in str(refusal.value)
    assert "KGAT_wrong" not in str(refusal.value) and "wrong" not in str(refusal.value).replace("KGAT", "")
