"""The Kaggle stand-in, driven by the real `kaggle` client, and the leaderboard file writer.

These tests double as documentation of what the official client does on the wire: which endpoint it calls,
with which JSON body and auth, and how each failure reaches the caller.
"""

from __future__ import annotations

import csv
import io
import os
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.kaggle_stand_in import (  # noqa: F401 - kaggle_stand_in is a fixture
    DOWNLOAD_LEADERBOARD,
    HUGE_CONTENT_LENGTH,
    INTROSPECT_TOKEN,
    KaggleStandIn,
    kaggle_stand_in,
    stand_in_env,
)
from tools.samples import (
    COLUMNS,
    HEADERS,
    HOSTILE_TEAM_NAMES,
    leaderboard_csv,
    leaderboard_member_name,
    leaderboard_zip,
    synthetic_leaderboard,
    write_leaderboard_zip,
)

SLUG = "titanic"
BOM = b"\xef\xbb\xbf"


# ---- helpers: the real client, pointed at the stand-in ----


@pytest.fixture
def kaggle_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep the client's config dir and credential lookups (`~/.kaggle/...`) inside tmp_path."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / ".kaggle"))
    for name in ("KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def real_client(stand_in: KaggleStandIn, home: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> Any:
    """An authenticated official KaggleApi in its LOCAL environment, whose endpoint is the stand-in."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # Imported late: `import kaggle` authenticates and creates its config dir at import time.
    from kaggle.api.kaggle_api_extended import KaggleApi
    from kagglesdk.kaggle_env import KaggleEnv, _env_to_endpoint

    monkeypatch.setitem(_env_to_endpoint, KaggleEnv.LOCAL, stand_in.url)
    api = KaggleApi()
    api.args = ["--local"]
    api.config_dir = str(home / ".kaggle")
    api.config = str(home / ".kaggle" / "kaggle.json")
    api.authenticate()
    return api


@pytest.fixture
def api(kaggle_stand_in: KaggleStandIn, kaggle_home: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The client signing with a username and key (basic auth)."""
    return real_client(kaggle_stand_in, kaggle_home, monkeypatch, **stand_in_env(kaggle_stand_in))


@pytest.fixture
def board() -> bytes:
    return leaderboard_zip(SLUG, leaderboard_csv(synthetic_leaderboard(30)))


def download(api: Any, tmp_path: Path, slug: str = SLUG) -> bytes:
    api.competition_leaderboard_download(slug, str(tmp_path / "out"))
    return (tmp_path / "out" / f"{slug}.zip").read_bytes()


@contextmanager
def sdk_download(api: Any, slug: str = SLUG) -> Iterator[requests.Response]:
    """The SDK call under `competition_leaderboard_download`: a streamed response, body not yet read."""
    from kagglesdk.competitions.types.competition_api_service import ApiDownloadLeaderboardRequest

    request = ApiDownloadLeaderboardRequest()
    request.competition_name = slug
    with api.build_kaggle_client() as kaggle:
        response = kaggle.competitions.competition_api_client.download_leaderboard(request)
        try:
            yield response
        finally:
            response.close()


def raw_post(stand_in: KaggleStandIn, timeout: float, slug: str = SLUG) -> requests.Response:
    return requests.post(
        f"{stand_in.url}/api/v1/{DOWNLOAD_LEADERBOARD}",
        json={"competitionName": slug},
        auth=(stand_in.username, stand_in.key),
        stream=True,
        timeout=timeout,
    )


# ---- the stand-in, through the real client ----


def test_download_writes_the_exact_zip_and_nothing_else(
    api: Any, kaggle_stand_in: KaggleStandIn, board: bytes, tmp_path: Path
) -> None:
    kaggle_stand_in.set_leaderboard(SLUG, board)
    assert download(api, tmp_path) == board
    assert os.listdir(tmp_path / "out") == [f"{SLUG}.zip"]
    seen = kaggle_stand_in.requests[-1]
    assert seen["path"] == "/api/v1/competitions.CompetitionApiService/DownloadLeaderboard"
    assert seen["body"] == {"competitionName": SLUG}
    assert seen["auth"] == "basic"


def test_bearer_token_is_introspected_then_used(
    kaggle_stand_in: KaggleStandIn, kaggle_home: Path, monkeypatch: pytest.MonkeyPatch, board: bytes
) -> None:
    api = real_client(kaggle_stand_in, kaggle_home, monkeypatch, KAGGLE_API_TOKEN=kaggle_stand_in.token)
    kaggle_stand_in.set_leaderboard(SLUG, board)
    assert download(api, kaggle_home) == board
    introspect, fetch = kaggle_stand_in.requests
    assert introspect["path"] == f"/api/v1/{INTROSPECT_TOKEN}"
    assert introspect["body"] == {"token": kaggle_stand_in.token}
    assert (introspect["auth"], fetch["auth"]) == ("bearer", "bearer")


def test_unknown_token_makes_authenticate_print_help_and_exit(
    kaggle_stand_in: KaggleStandIn,
    kaggle_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        real_client(kaggle_stand_in, kaggle_home, monkeypatch, KAGGLE_API_TOKEN="KGAT_wrong")
    assert "KAGGLE_API_TOKEN" in capsys.readouterr().out
    assert kaggle_stand_in.requests[-1]["path"] == f"/api/v1/{INTROSPECT_TOKEN}"


def test_wrong_key_is_401_and_writes_no_file(
    kaggle_stand_in: KaggleStandIn, kaggle_home: Path, monkeypatch: pytest.MonkeyPatch, board: bytes
) -> None:
    api = real_client(
        kaggle_stand_in, kaggle_home, monkeypatch, KAGGLE_USERNAME=kaggle_stand_in.username, KAGGLE_KEY="wrong"
    )
    kaggle_stand_in.set_leaderboard(SLUG, board)
    with pytest.raises(requests.HTTPError) as caught:
        download(api, kaggle_home)
    assert caught.value.response.status_code == 401
    assert not (kaggle_home / "out" / f"{SLUG}.zip").exists()


def test_unknown_competition_is_404_with_kaggles_message(api: Any, tmp_path: Path) -> None:
    with pytest.raises(requests.HTTPError) as caught:
        download(api, tmp_path, "no-such-competition")
    assert caught.value.response.status_code == 404
    assert str(caught.value) == "Competition 'no-such-competition' not found"


def test_list_competitions_gives_refs_as_slug_or_url(api: Any, kaggle_stand_in: KaggleStandIn) -> None:
    kaggle_stand_in.add_competition(SLUG, title="Titanic - Machine Learning from Disaster", team_count=15000)
    kaggle_stand_in.add_competition(
        "house-prices", title="House Prices", ref_as_url=True, metric="RMSE", category="Getting Started"
    )
    kaggle_stand_in.add_competition("digit-recognizer", title="Digit Recognizer", deadline="2030-01-07T23:59:00Z")
    listed = api.competitions_list().competitions
    assert [c.ref for c in listed] == [SLUG, "https://www.kaggle.com/competitions/house-prices", "digit-recognizer"]
    assert (listed[0].team_count, listed[1].evaluation_metric) == (15000, "RMSE")
    assert listed[2].deadline.isoformat() == "2030-01-07T23:59:00"
    assert kaggle_stand_in.requests[-1]["body"] == {
        "group": "COMPETITION_LIST_TAB_EVERYTHING",
        "category": "HOST_SEGMENT_UNSPECIFIED",
        "sortBy": "COMPETITION_SORT_BY_BEST",
        "search": "",
        "page": 1,
        "pageToken": "",
        "pageSize": 20,
    }


def test_list_competitions_searches_filters_and_pages(api: Any, kaggle_stand_in: KaggleStandIn) -> None:
    for slug, title in [(SLUG, "Titanic"), ("house-prices", "House Prices"), ("spaceship-titanic", "Spaceship")]:
        kaggle_stand_in.add_competition(slug, title=title, category="Getting Started" if slug != SLUG else "Featured")
    assert [c.title for c in api.competitions_list(search="TITANIC").competitions] == ["Titanic", "Spaceship"]
    assert [c.title for c in api.competitions_list(category="featured").competitions] == ["Titanic"]
    first = api.competitions_list(page_size=2)
    rest = api.competitions_list(page_size=2, page_token=first.next_page_token)
    assert [c.title for c in first.competitions + rest.competitions] == ["Titanic", "House Prices", "Spaceship"]
    assert rest.next_page_token == ""


@pytest.mark.parametrize("kind", ["401", "403", "404", "429", "500", "502", "503"])
def test_status_faults_raise_http_error_before_any_file(
    api: Any, kaggle_stand_in: KaggleStandIn, board: bytes, tmp_path: Path, kind: str
) -> None:
    kaggle_stand_in.set_leaderboard(SLUG, board)
    kaggle_stand_in.fail_next(kind)
    with pytest.raises(requests.HTTPError) as caught:
        download(api, tmp_path)
    assert caught.value.response.status_code == int(kind)
    assert not (tmp_path / "out" / f"{SLUG}.zip").exists()
    assert download(api, tmp_path) == board


def test_429_carries_retry_after(api: Any, kaggle_stand_in: KaggleStandIn, tmp_path: Path) -> None:
    kaggle_stand_in.fail_next("429", retry_after=7)
    with pytest.raises(requests.HTTPError) as caught:
        download(api, tmp_path)
    assert caught.value.response.headers["Retry-After"] == "7"


def test_faults_count_down_per_slug(api: Any, kaggle_stand_in: KaggleStandIn, board: bytes, tmp_path: Path) -> None:
    kaggle_stand_in.set_leaderboard(SLUG, board)
    kaggle_stand_in.set_leaderboard("other", board)
    kaggle_stand_in.fail_next("500", times=2, slug=SLUG)
    assert download(api, tmp_path, "other") == board
    for _ in range(2):
        with pytest.raises(requests.HTTPError):
            download(api, tmp_path)
    assert download(api, tmp_path) == board


def test_unknown_fault_kind_is_refused(kaggle_stand_in: KaggleStandIn) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        kaggle_stand_in.fail_next("teapot")


def _names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.namelist()


def _is_html(data: bytes) -> bool:
    return data.startswith(b"<html")


def _is_corrupt(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04") and not zipfile.is_zipfile(io.BytesIO(data))


@pytest.mark.parametrize(
    ("kind", "looks_right"),
    [
        ("html", _is_html),
        ("corrupt_zip", _is_corrupt),
        ("empty_zip", lambda data: _names(data) == []),
        ("two_files", lambda data: len(_names(data)) == 2),
        ("zip_slip", lambda data: _names(data) == ["../../evil.csv"]),
    ],
)
def test_bad_bodies_reach_disk_without_any_error(
    api: Any, kaggle_stand_in: KaggleStandIn, board: bytes, tmp_path: Path, kind: str, looks_right: Any
) -> None:
    """The client checks nothing: whatever a 200 carries is saved as SLUG.zip, so the caller must check."""
    kaggle_stand_in.set_leaderboard(SLUG, board)
    kaggle_stand_in.fail_next(kind)
    assert looks_right(download(api, tmp_path))


def test_stall_headers_times_out_a_raw_request(kaggle_stand_in: KaggleStandIn) -> None:
    kaggle_stand_in.stall_seconds = 1.5
    kaggle_stand_in.fail_next("stall_headers")
    with pytest.raises(requests.exceptions.ReadTimeout):
        raw_post(kaggle_stand_in, timeout=0.5)


def test_stall_headers_blocks_the_real_client_until_the_server_hangs_up(
    api: Any, kaggle_stand_in: KaggleStandIn, tmp_path: Path
) -> None:
    """The client sets no timeout of its own: it waits as long as the server stalls."""
    kaggle_stand_in.stall_seconds = 1.0
    kaggle_stand_in.fail_next("stall_headers")
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ConnectionError):
        download(api, tmp_path)
    assert time.monotonic() - started >= 0.9


def test_stall_body_sends_headers_then_half_the_body(kaggle_stand_in: KaggleStandIn, board: bytes) -> None:
    kaggle_stand_in.set_leaderboard(SLUG, board)
    kaggle_stand_in.stall_seconds = 1.5
    kaggle_stand_in.fail_next("stall_body")
    received = bytearray()
    with raw_post(kaggle_stand_in, timeout=0.5) as response:
        assert response.status_code == 200
        assert int(response.headers["Content-Length"]) == len(board)
        with pytest.raises(requests.exceptions.ConnectionError):
            for chunk in response.iter_content(256):
                received += chunk
    # iter_content drops a partly filled chunk when the timeout hits, so only a prefix is certain.
    assert 0 < len(received) <= len(board) // 2 and bytes(received) == board[: len(received)]


def test_slow_body_beats_per_read_timeouts(kaggle_stand_in: KaggleStandIn, board: bytes) -> None:
    kaggle_stand_in.set_leaderboard(SLUG, board)
    kaggle_stand_in.fail_next("slow")
    received = 0
    with raw_post(kaggle_stand_in, timeout=0.5) as response:
        deadline = time.monotonic() + 1.2
        for chunk in response.iter_content(1):
            received += len(chunk)
            if time.monotonic() > deadline:
                break
    assert 1 <= received <= 10 < len(board)


def test_slow_body_still_arrives_whole_through_the_real_client(
    api: Any, kaggle_stand_in: KaggleStandIn, board: bytes, tmp_path: Path
) -> None:
    kaggle_stand_in.set_leaderboard(SLUG, board)
    kaggle_stand_in.drip_bytes_per_second = 20 * len(board)
    kaggle_stand_in.fail_next("slow")
    assert download(api, tmp_path) == board


def test_huge_body_announces_gigabytes_and_streams_zeros(
    api: Any, kaggle_stand_in: KaggleStandIn, board: bytes, tmp_path: Path
) -> None:
    kaggle_stand_in.set_leaderboard(SLUG, board)
    kaggle_stand_in.fail_next("huge")
    with sdk_download(api) as response:
        assert int(response.headers["Content-Length"]) == HUGE_CONTENT_LENGTH
        assert response.raw.read(1 << 20) == bytes(1 << 20)
    assert download(api, tmp_path) == board


def test_stop_returns_promptly_during_a_stall() -> None:
    stand_in = KaggleStandIn(stall_seconds=60).start()
    stand_in.fail_next("stall_headers")
    outcome: list[BaseException] = []

    def hang() -> None:
        try:
            raw_post(stand_in, timeout=30)
        except requests.RequestException as error:
            outcome.append(error)

    client = threading.Thread(target=hang)
    client.start()
    while not stand_in.requests:
        time.sleep(0.01)
    started = time.monotonic()
    stand_in.stop()
    client.join(timeout=5)
    assert time.monotonic() - started < 2
    assert not client.is_alive() and isinstance(outcome[0], requests.ConnectionError)


def test_stand_in_env_names_the_endpoint_and_credentials(kaggle_stand_in: KaggleStandIn) -> None:
    assert stand_in_env(kaggle_stand_in) == {
        "MLBATTLE_KAGGLE_ENDPOINT": kaggle_stand_in.url,
        "KAGGLE_USERNAME": kaggle_stand_in.username,
        "KAGGLE_KEY": kaggle_stand_in.key,
    }
    assert kaggle_stand_in.url.startswith("http://127.0.0.1:")


# ---- samples: Kaggle's file format ----


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_bom_crlf_and_the_current_header() -> None:
    data = leaderboard_csv(synthetic_leaderboard(20, hostile_names=False))
    assert data.startswith(BOM + HEADERS["current"].encode() + b"\r\n")
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")


def test_older_header_keeps_rows_in_order() -> None:
    frame = synthetic_leaderboard(20)
    rows = _rows(leaderboard_csv(frame, header="older"))
    assert rows[0] == ["TeamId", "TeamName", "SubmissionDate", "Score"]
    assert [int(row[0]) for row in rows[1:]] == frame["TeamId"].tolist()
    assert [row[2] for row in rows[1:]] == frame["LastSubmissionDate"].tolist()


def test_unknown_header_is_refused() -> None:
    with pytest.raises(ValueError):
        leaderboard_csv(synthetic_leaderboard(3), header="newest")


def test_hostile_team_names_round_trip_through_the_csv_module() -> None:
    frame = synthetic_leaderboard(50)
    rows = _rows(leaderboard_csv(frame))
    assert rows[0] == list(COLUMNS)
    names = [row[2] for row in rows[1:]]
    assert names == frame["TeamName"].tolist()
    assert set(HOSTILE_TEAM_NAMES) <= set(names)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1))
def test_any_team_name_round_trips(name: str) -> None:
    frame = synthetic_leaderboard(3, hostile_names=False)
    frame.loc[1, "TeamName"] = name
    assert _rows(leaderboard_csv(frame))[2][2] == name


def test_a_thousand_teams_have_the_expected_shape() -> None:
    usernames = ["alice", "Bob", "carol_99"]
    frame = synthetic_leaderboard(1000, usernames=usernames, n_benchmarks=3)
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 1003
    teams = frame[frame["Rank"] > 0]
    assert teams["Rank"].tolist() == list(range(1, 1001))
    assert frame["TeamId"].is_unique
    members = [name.strip() for names in teams["TeamMemberUserNames"] for name in names.split(",")]
    assert all(members.count(user) == 1 for user in usernames)
    assert len(set(members)) == len(members)
    assert teams["TeamMemberUserNames"].str.contains(",").mean() > 0.05
    assert frame["LastSubmissionDate"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()


def test_benchmarks_have_rank_zero_and_sit_where_their_score_falls() -> None:
    frame = synthetic_leaderboard(200, n_benchmarks=2)
    benchmarks = frame[frame["Rank"] == 0]
    assert len(benchmarks) == 2 and (benchmarks["TeamMemberUserNames"] == "").all()
    for position in benchmarks.index:
        assert 0 < position < len(frame) - 1
        assert frame["Score"][position - 1] >= frame["Score"][position] >= frame["Score"][position + 1]


@pytest.mark.parametrize(("lower_is_better", "low", "high"), [(False, 0.5, 0.99), (True, 0.2, 1.5)])
def test_scores_are_monotone_in_the_right_direction(lower_is_better: bool, low: float, high: float) -> None:
    scores = synthetic_leaderboard(1000, lower_is_better=lower_is_better)["Score"].to_numpy()
    steps = np.diff(scores)
    assert (steps >= 0).all() if lower_is_better else (steps <= 0).all()
    assert low <= scores.min() and scores.max() <= high


def test_same_seed_same_leaderboard() -> None:
    pd.testing.assert_frame_equal(synthetic_leaderboard(100, seed=7), synthetic_leaderboard(100, seed=7))
    assert not synthetic_leaderboard(100, seed=7).equals(synthetic_leaderboard(100, seed=8))


@pytest.mark.parametrize(("private", "board_name"), [(False, "public"), (True, "private")])
def test_zip_holds_one_deflated_csv_named_like_kaggles(private: bool, board_name: str) -> None:
    data = leaderboard_csv(synthetic_leaderboard(10))
    with zipfile.ZipFile(io.BytesIO(leaderboard_zip(SLUG, data, private=private))) as archive:
        (member,) = archive.infolist()
        assert member.filename == f"{SLUG}-{board_name}leaderboard-2026-11-22T18:04:12.csv"
        assert member.filename == leaderboard_member_name(SLUG, private=private)
        assert member.compress_type == zipfile.ZIP_DEFLATED
        assert archive.read(member) == data
    assert leaderboard_zip(SLUG, data) == leaderboard_zip(SLUG, data)


def test_write_leaderboard_zip_names_the_file_like_the_client(tmp_path: Path) -> None:
    frame = synthetic_leaderboard(10)
    into_directory = write_leaderboard_zip(tmp_path, SLUG, frame)
    assert into_directory == tmp_path / f"{SLUG}.zip"
    explicit = write_leaderboard_zip(tmp_path / "deep" / "board.zip", SLUG, frame, header="older", private=True)
    assert _names(explicit.read_bytes()) == [leaderboard_member_name(SLUG, private=True)]
