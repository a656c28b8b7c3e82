"""The official Kaggle client against the stand-in server: real HTTP, every fault Kaggle can throw at us."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from mlbattle import db, imports, kaggle_client, queries, reads, registry, sync
from mlbattle.kaggle_client import KaggleError, competition_slug
from tests.support.boards import zip_of

SLUG = "spaceship-titanic"
ROWS = [(1, "Stars", 0.82, "ann, bob"), (2, "Solo", 0.80, "cy"), (0, "Benchmark", 0.5, "")]


@pytest.mark.parametrize("text", [
    "spaceship-titanic", "  Spaceship-Titanic ", "https://www.kaggle.com/competitions/spaceship-titanic",
    "https://www.kaggle.com/competitions/spaceship-titanic/leaderboard", "www.kaggle.com/c/spaceship-titanic",
    "kaggle.com/competitions/spaceship-titanic/overview?tab=x#top",
])
def test_a_slug_or_any_competition_url_gives_the_slug(text):
    assert competition_slug(text) == "spaceship-titanic"


@pytest.mark.parametrize("text", ["", "   ", "https://www.kaggle.com/datasets", "two words", "../etc/passwd",
                                  "a" * 200, "https://www.kaggle.com/competitions/", "slug;drop"])
def test_anything_else_is_refused_with_a_hint(text):
    with pytest.raises(ValueError, match="not a Kaggle competition"):
        competition_slug(text)


@pytest.fixture
def ready(kaggle, kaggle_settings):
    kaggle.add_competition(SLUG, title="Spaceship Titanic", metric="Categorization Accuracy", team_count=3)
    kaggle.set_leaderboard(SLUG, zip_of(SLUG, ROWS))
    with db.connect(kaggle_settings) as con:
        registry.add_competition(con, registry.CompetitionFacts(SLUG, "Spaceship Titanic"))
        registry.add_participant(con, "ann", "Ann")
    return kaggle_settings


def downloads(kaggle):
    return [r for r in kaggle.requests if r["path"].endswith("/DownloadLeaderboard")]


def test_the_full_leaderboard_is_downloaded_with_basic_auth(kaggle, ready, tmp_path):
    path = kaggle_client.download_leaderboard(SLUG, tmp_path, ready)
    assert path.read_bytes() == zip_of(SLUG, ROWS)
    assert downloads(kaggle)[0]["body"] == {"competitionName": SLUG} and downloads(kaggle)[0]["auth"] == "basic"
    assert not any("GetLeaderboard" in r["path"] for r in kaggle.requests)


def test_a_download_redirected_to_storage_follows_it_without_sending_the_credentials(kaggle, ready, tmp_path):
    kaggle.redirect_downloads = True
    path = kaggle_client.download_leaderboard(SLUG, tmp_path, ready)
    assert path.read_bytes() == zip_of(SLUG, ROWS)
    fetched = [r for r in kaggle.requests if r["path"].startswith("/storage/")]
    assert len(fetched) == 1 and fetched[0]["auth"] is None


def test_an_expired_storage_link_is_not_blamed_on_the_competition_rules(kaggle, ready, tmp_path):
    kaggle.redirect_downloads = kaggle.storage_refuses = True
    with pytest.raises(kaggle_client.KaggleError, match="Kaggle's download link was refused by its storage "
                                                         r"\(403\)") as failure:
        kaggle_client.download_leaderboard(SLUG, tmp_path, ready)
    assert "rules" not in str(failure.value)


def test_a_token_is_sent_as_bearer(kaggle, ready, tmp_path, monkeypatch):
    monkeypatch.delenv("KAGGLE_USERNAME")
    monkeypatch.delenv("KAGGLE_KEY")
    monkeypatch.setenv("KAGGLE_API_TOKEN", kaggle.token)
    from mlbattle import settings as settings_module

    kaggle_client.download_leaderboard(SLUG, tmp_path, settings_module.load(secrets={}))
    assert downloads(kaggle)[-1]["auth"] == "bearer"


def test_missing_credentials_say_which_settings_to_set(settings, tmp_path):
    with pytest.raises(KaggleError, match="KAGGLE_USERNAME and KAGGLE_KEY"):
        kaggle_client.download_leaderboard(SLUG, tmp_path, settings)


def test_the_competition_list_accepts_refs_as_slugs_and_as_urls(kaggle, kaggle_settings):
    kaggle.add_competition("as-slug", title="As Slug", metric="RMSE", team_count=10)
    kaggle.add_competition("as-url", title="As URL", ref_as_url=True, team_count=20)
    found = {c.slug: c for c in kaggle_client.list_competitions("as", kaggle_settings)}
    assert set(found) == {"as-slug", "as-url"}
    assert found["as-url"].url == "https://www.kaggle.com/competitions/as-url"
    assert (found["as-slug"].metric, found["as-slug"].team_count) == ("RMSE", 10)
    assert found["as-slug"].deadline.year == 2026


def test_importing_by_url_takes_title_and_metric_from_kaggle_and_syncs(kaggle, kaggle_settings):
    kaggle.add_competition(SLUG, title="Spaceship Titanic", metric="Categorization Accuracy", ref_as_url=True)
    kaggle.set_leaderboard(SLUG, zip_of(SLUG, ROWS))
    outcome = imports.import_competition(kaggle_settings, f"https://www.kaggle.com/competitions/{SLUG}/leaderboard")
    assert outcome.sync.outcome == "created"
    with db.connect(kaggle_settings) as con:
        record = reads.competition(con, SLUG)
    assert (record["title"], record["metric"], record["teams"]) == ("Spaceship Titanic", "Categorization Accuracy", 2)


def test_an_import_whose_first_sync_fails_keeps_the_competition(kaggle, kaggle_settings):
    kaggle.add_competition(SLUG, title="Spaceship Titanic")
    kaggle.fail_next("403", slug=SLUG)
    outcome = imports.import_competition(kaggle_settings, SLUG)
    assert outcome.sync.outcome == "failed" and "403" in outcome.sync.error
    with db.connect(kaggle_settings) as con:
        assert reads.competition(con, SLUG) is not None


def test_an_unknown_competition_is_not_imported(kaggle, kaggle_settings):
    with pytest.raises(KaggleError, match="no 'nope-nope'"):
        imports.import_competition(kaggle_settings, "nope-nope")


@pytest.mark.parametrize("kind, reason", [
    ("401", "refused the credentials (401) from KAGGLE_USERNAME and KAGGLE_KEY"),
    ("403", "403 for competition 'spaceship-titanic': accept the competition's rules"),
    ("404", "no competition 'spaceship-titanic' (404)"),
    ("html", "web page instead of the leaderboard zip"),
    ("corrupt_zip", "not a zip|corrupt"),
    ("empty_zip", "zip is empty"),
    ("two_files", "holds 2 files"),
    ("zip_slip", "outside its folder"),
])
def test_each_fault_fails_the_sync_with_its_reason_and_keeps_the_old_data(kaggle, ready, kind, reason):
    assert sync.sync(SLUG, ready).outcome == "created"
    with db.connect(ready) as con:
        before = con.execute("SELECT * FROM kaggle_rows ORDER BY position").fetchall()
    kaggle.set_leaderboard(SLUG, zip_of(SLUG, ROWS[:1]))
    kaggle.fail_next(kind, times=5)
    result = sync.sync(SLUG, ready)
    assert result.outcome == "failed"
    assert any(part in result.error for part in reason.split("|")), result.error
    with db.connect(ready) as con:
        assert con.execute("SELECT * FROM kaggle_rows ORDER BY position").fetchall() == before
        assert reads.records(con, queries.RECENT_RUNS, [SLUG, SLUG, 1])[0]["error"] == result.error


@pytest.mark.parametrize("kind", ["429", "500", "502", "503"])
def test_rate_limits_and_server_errors_are_retried_then_succeed(kaggle, ready, kind):
    kaggle.fail_next(kind, times=2, retry_after=0.2 if kind == "429" else None)
    result = sync.sync(SLUG, ready)
    assert result.outcome == "created"
    assert len(downloads(kaggle)) == 3


@pytest.mark.parametrize("kind, reason", [("429", "rate limiting"), ("503", "answered 503")])
def test_retries_are_bounded_then_the_run_fails(kaggle, ready, kind, reason):
    kaggle.fail_next(kind, times=10, retry_after=0.1 if kind == "429" else None)
    result = sync.sync(SLUG, ready)
    assert result.outcome == "failed" and reason in result.error
    assert len(downloads(kaggle)) == ready.retries + 1


def test_retry_after_slows_every_sync_of_the_process(kaggle, ready):
    with db.connect(ready) as con:
        registry.add_competition(con, registry.CompetitionFacts("second", "Second"))
    kaggle.set_leaderboard("second", zip_of("second", ROWS))
    kaggle.fail_next("429", times=1, slug=SLUG, retry_after=1.5)
    kaggle_client.PACER.hold_off(0)
    patient = replace(ready, retries=0)
    assert sync.sync(SLUG, patient).outcome == "failed"
    started = time.monotonic()
    assert sync.sync("second", patient).outcome == "created"
    assert time.monotonic() - started >= 1.2


def test_requests_are_paced_by_the_minimum_gap(kaggle, ready):
    paced = replace(ready, min_request_gap=0.4)
    for _ in range(3):
        sync.sync(SLUG, paced)
    times = [r["time"] for r in downloads(kaggle)]
    assert all(b - a >= 0.35 for a, b in zip(times, times[1:]))


@pytest.mark.parametrize("kind", ["stall_body", "stall_headers"])
def test_a_stalled_download_fails_within_the_stall_timeout(kaggle, ready, kind):
    kaggle.fail_next(kind, times=1)
    quick = replace(ready, retries=0)
    started = time.monotonic()
    result = sync.sync(SLUG, quick)
    assert result.outcome == "failed" and "stalled" in result.error
    assert time.monotonic() - started < quick.stall_timeout + 2


def test_a_slow_download_stops_at_the_total_timeout(kaggle, ready):
    kaggle.fail_next("slow", times=1)
    quick = replace(ready, retries=0, total_timeout=2.0, stall_timeout=1.5)
    started = time.monotonic()
    result = sync.sync(SLUG, quick)
    assert result.outcome == "failed" and "ran past 2 s" in result.error
    assert time.monotonic() - started < 5


def test_a_huge_download_is_refused_without_reading_it(kaggle, ready):
    kaggle.fail_next("huge", times=1)
    started = time.monotonic()
    result = sync.sync(SLUG, ready)
    assert result.outcome == "failed" and "over the 210 MB limit" in result.error
    assert time.monotonic() - started < 3


def test_kaggle_unreachable_is_a_clear_failure(ready):
    nowhere = replace(ready, kaggle_endpoint="http://127.0.0.1:9", retries=0)
    result = sync.sync(SLUG, nowhere)
    assert result.outcome == "failed" and "could not reach Kaggle" in result.error
