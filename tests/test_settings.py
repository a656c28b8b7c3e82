"""Settings: environment first, then Streamlit secrets, then defaults; bad values named clearly."""

from __future__ import annotations

import json

import pytest

from mlbattle import settings as settings_module
from mlbattle.settings import SettingsError, load, read_secrets


def test_defaults(tmp_path):
    s = load(env={"HOME": str(tmp_path)}, secrets={})
    assert (s.sync_interval, s.auto_sync, s.admin_password, s.kaggle_endpoint) == (300.0, True, None, None)
    assert s.registration == "on" and s.join_code is None
    assert s.db.endswith("data/mlbattle.duckdb") and not s.kaggle.present


def test_environment_wins_over_secrets(tmp_path):
    s = load(env={"HOME": str(tmp_path), "MLBATTLE_SYNC_INTERVAL": "60"},
             secrets={"MLBATTLE_SYNC_INTERVAL": 10, "admin_password": "pw", "MLBATTLE_AUTO_SYNC": "off"})
    assert (s.sync_interval, s.admin_password, s.auto_sync) == (60.0, "pw", False)
    assert load(env={"HOME": str(tmp_path)}, secrets={"registration": False}).registration == "off"


def test_secrets_file_is_read_as_toml(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('MLBATTLE_ADMIN_PASSWORD = "s3cret"\n[kaggle]\nusername = "me"\nkey = "k"\n')
    secrets = read_secrets([path])
    s = load(env={"HOME": str(tmp_path)}, secrets=secrets)
    assert s.admin_password == "s3cret" and (s.kaggle.username, s.kaggle.key) == ("me", "k")


def test_a_broken_secrets_file_is_named(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text("this is = = not toml")
    with pytest.raises(SettingsError, match="secrets.toml is not valid TOML"):
        read_secrets([path])


@pytest.mark.parametrize("name, value, message", [
    ("MLBATTLE_SYNC_INTERVAL", "soon", "must be a number"),
    ("MLBATTLE_SYNC_INTERVAL", "-5", "at least 0"),
    ("MLBATTLE_AUTO_SYNC", "maybe", "on or off"),
    ("MLBATTLE_REGISTRATION", "closed", "on or off"),
])
def test_bad_values_name_the_setting(tmp_path, name, value, message):
    with pytest.raises(SettingsError, match=f"{name} must"):
        load(env={"HOME": str(tmp_path), name: value}, secrets={})


def test_kaggle_credentials_come_from_where_the_kaggle_package_looks(tmp_path):
    home = tmp_path
    assert load(env={"HOME": str(home), "KAGGLE_API_TOKEN": "tok"}, secrets={}).kaggle.token == "tok"
    env = {"HOME": str(home), "KAGGLE_USERNAME": "u", "KAGGLE_KEY": "k"}
    assert load(env=env, secrets={}).kaggle.username == "u"
    (home / ".kaggle").mkdir()
    (home / ".kaggle" / "kaggle.json").write_text(json.dumps({"username": "file-user", "key": "file-key"}))
    assert load(env={"HOME": str(home)}, secrets={}).kaggle.username == "file-user"


def test_the_endpoint_changes_nothing_else(tmp_path):
    base = load(env={"HOME": str(tmp_path)}, secrets={})
    pointed = load(env={"HOME": str(tmp_path), "MLBATTLE_KAGGLE_ENDPOINT": "http://127.0.0.1:1234/"}, secrets={})
    assert pointed.kaggle_endpoint == "http://127.0.0.1:1234"
    assert {k: v for k, v in vars(pointed).items() if k != "kaggle_endpoint"} == {
        k: v for k, v in vars(base).items() if k != "kaggle_endpoint"}


def test_the_default_database_is_inside_the_project():
    assert settings_module.DEFAULT_DB.parent.name == "data"


def test_declared_settings_rank_below_environment_and_secrets(tmp_path):
    path = tmp_path / "event.toml"
    path.write_text('[settings]\nsync_interval = 120\nauto_sync = false\nadmin_password = "ignored"\n')
    declared = settings_module.read_declared(path)
    assert declared == {"sync_interval": 120, "auto_sync": False}
    assert load(env={"HOME": str(tmp_path)}, secrets={}, declared=declared).sync_interval == 120
    assert load(env={"HOME": str(tmp_path)}, secrets={"sync_interval": 60}, declared=declared).sync_interval == 60
    env = {"HOME": str(tmp_path), "MLBATTLE_SYNC_INTERVAL": "30"}
    assert load(env=env, secrets={"sync_interval": 60}, declared=declared).sync_interval == 30
