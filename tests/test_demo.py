"""Demo mode: the committed samples are Kaggle downloads, and ensure_demo fills an empty database once."""

from __future__ import annotations

import io
import threading
import zipfile
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from mlbattle import db, demo, grades, queries, reads, registry, season, standings, sync
from mlbattle import settings as settings_module
from mlbattle.leaderboard_file import CURRENT_HEADER, OLDER_HEADER
from tools import demo_samples

CONFIG = demo.load_config()
BY_SLUG = {comp.slug: comp for comp in CONFIG.competitions}
GALAXY, ENERGY, TITANIC = "nn26-galaxy-morphology", "nn26-energy-demand", "nn26-titanic-classic"
COUNTED_TABLES = ("events", "competitions", "participants", "kaggle_rows", "sync_runs", "history")


def counts(settings) -> dict[str, int]:
    with db.connect(settings) as con:
        return {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in COUNTED_TABLES}


def entrants(slug: str, snapshot: int) -> set[str]:
    """Registered usernames the config puts on a board by a snapshot (1-based)."""
    return {p.kaggle_username for p in CONFIG.participants
            if p.first_snapshot(slug) is not None and p.first_snapshot(slug) <= snapshot}


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """A fresh database filled by two threads calling ensure_demo at the same moment."""
    folder = tmp_path_factory.mktemp("demo")
    (folder / "home").mkdir()
    settings = settings_module.load(
        env={"MLBATTLE_DB": str(folder / "data" / "demo.duckdb"), "HOME": str(folder / "home")}, secrets={})
    results: list[bool] = []
    start = threading.Barrier(2)

    def call() -> None:
        start.wait()
        results.append(demo.ensure_demo(settings))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return settings, sorted(results)


# ---------------------------------------------------------------- the committed samples


def snapshot_files() -> list[tuple[demo.DemoCompetition, int, Path]]:
    return [(comp, number, comp.snapshot_path(demo.SAMPLES_DIR, number))
            for comp in CONFIG.competitions for number in range(1, comp.snapshots + 1)]


@pytest.mark.parametrize("comp, number, path", snapshot_files(), ids=lambda v: getattr(v, "slug", str(v)))
def test_committed_samples_are_kaggle_downloads(comp, number, path):
    with zipfile.ZipFile(path) as archive:
        (info,) = archive.infolist()  # one CSV, nothing else
        data = archive.read(info)
    board = "private" if comp.status == "completed" and number == comp.snapshots else "public"
    assert info.filename.startswith(f"{comp.slug}-{board}leaderboard-") and info.filename.endswith(".csv")
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    header = data[3:].split(b"\r\n", 1)[0].decode()
    assert header == ",".join(CURRENT_HEADER if comp.header == "current" else OLDER_HEADER)
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(frame) == comp.teams[number - 1] + comp.benchmarks
    if comp.header == "current":
        assert (frame["Rank"] == "0").sum() == comp.benchmarks
        assert frame["TeamMemberUserNames"].str.contains(",").any()  # multi-member teams
    scores = frame["Score"].astype(float)
    assert (scores.is_monotonic_increasing if comp.lower_is_better else scores.is_monotonic_decreasing)


def test_committed_samples_are_what_the_generator_makes(tmp_path):
    """`python -m tools.demo_samples` is deterministic and the committed zips are its output."""
    written = demo_samples.regenerate(CONFIG, tmp_path)
    assert len(written) == sum(comp.snapshots for comp in CONFIG.competitions)
    for path in written:
        assert path.read_bytes() == (demo.SAMPLES_DIR / path.relative_to(tmp_path)).read_bytes(), path
    assert sum(p.stat().st_size for p in written) < 600_000


def test_config_describes_a_realistic_event():
    assert len(CONFIG.participants) >= 20
    assert {comp.header for comp in CONFIG.competitions} == {"current", "older"}
    assert any(comp.lower_is_better for comp in CONFIG.competitions)
    assert all(3 <= comp.snapshots <= 4 for comp in CONFIG.competitions)


# ---------------------------------------------------------------- ensure_demo


def test_two_concurrent_callers_fill_once(filled):
    settings, results = filled
    assert results == [False, True]
    runs = counts(settings)["sync_runs"]
    assert runs == sum(comp.snapshots for comp in CONFIG.competitions)


def test_fills_event_competitions_and_participants(filled):
    settings, _ = filled
    with db.connect(settings) as con:
        events = reads.records(con, queries.LIST_EVENTS)
        competitions = {c["slug"]: c for c in reads.competitions(con)}
        participants = reads.records(con, queries.LIST_PARTICIPANTS)
    assert [e["slug"] for e in events] == ["neural-night-2026"]
    assert set(competitions) == {GALAXY, ENERGY, TITANIC}
    for slug, comp in competitions.items():
        assert comp["event_slug"] == "neural-night-2026"
        assert comp["status"] == BY_SLUG[slug].status
        assert comp["metric"] == BY_SLUG[slug].metric
        assert comp["auto_sync"] is False  # a page view never sends the demo to Kaggle
        assert comp["last_outcome"] == "updated"
        assert comp["teams"] == BY_SLUG[slug].teams[-1]
    assert len(participants) == len(CONFIG.participants)
    assert sync.auto_sync_slugs(settings) == []


def test_history_has_backdated_snapshots(filled):
    settings, _ = filled
    with db.connect(settings) as con:
        for comp in CONFIG.competitions:
            history = reads.records(con, queries.HISTORY, [comp.slug])
            moments = sorted({row["synced_at"] for row in history})
            assert len(moments) == comp.snapshots >= 3
            assert moments[-1] - moments[0] > timedelta(days=comp.snapshots - 1.5)
            assert moments[-1] > registry.now() - timedelta(hours=1)
            runs = reads.records(con, queries.RECENT_RUNS, [comp.slug, comp.slug, 10])
            assert {run["trigger"] for run in runs} == {"demo"}


def test_participants_are_matched_on_every_leaderboard(filled):
    settings, _ = filled
    with db.connect(settings) as con:
        for comp in CONFIG.competitions:
            board = reads.records(con, queries.PLATFORM_LEADERBOARD, [comp.slug])
            found = {row["kaggle_username"] for row in board}
            assert found == entrants(comp.slug, comp.snapshots)
            assert len(found) >= 15


def test_participants_move_between_snapshots(filled):
    settings, _ = filled
    with db.connect(settings) as con:
        for comp in CONFIG.competitions:
            history = reads.records(con, queries.HISTORY, [comp.slug])
            ranks: dict[str, set[int]] = {}
            for row in history:
                ranks.setdefault(row["kaggle_username"], set()).add(row["kaggle_rank"])
            moved = [name for name, seen in ranks.items() if len(seen) > 1]
            assert len(moved) >= len(ranks) // 2


def test_late_joiners_appear_from_their_snapshot(filled):
    settings, _ = filled
    with db.connect(settings) as con:
        for person in CONFIG.participants:
            for slug, first in person.joins.items():
                history = reads.records(con, queries.HISTORY, [slug])
                seen = {row["synced_at"] for row in history if row["kaggle_username"] == person.kaggle_username}
                assert len(seen) == BY_SLUG[slug].snapshots - first + 1


def test_older_header_is_matched_by_team_name(filled):
    settings, _ = filled
    with db.connect(settings) as con:
        assert con.execute("SELECT file_kind FROM competitions WHERE slug = ?", [TITANIC]).fetchone()[0] == "older"
        board = {row["kaggle_username"]: row for row in reads.records(con, queries.PLATFORM_LEADERBOARD, [TITANIC])}
    # On Kaggle these two are spelled in another case ("Kofi.Mensah", "adawong"): still matched.
    assert board["kofi.mensah"]["team_name"] == "Kofi.Mensah"
    assert board["AdaWong"]["team_name"] == "adawong"


def test_lower_is_better_is_inferred_and_scored_by_organiser_rule(filled):
    settings, _ = filled
    with db.connect(settings) as con:
        energy = reads.competition(con, ENERGY)
        result = standings.event_standings(con, "neural-night-2026")
    assert (energy["inferred_direction"], energy["direction_override"]) == ("lower", None)
    assert (energy["worst"], energy["best"], energy["points"]) == BY_SLUG[ENERGY].scoring
    assert result.rules[ENERGY].startswith("points = (score − worst) / (best − worst) × 100")
    assert result.rules[GALAXY].startswith("share of the 3,035 Kaggle teams beaten")
    assert len(result.table) == len(CONFIG.participants) - 2  # two registered people never submitted


def test_team_mates_and_case_share_rows(filled):
    settings, _ = filled
    with db.connect(settings) as con:
        board = {row["kaggle_username"]: row for row in reads.records(con, queries.PLATFORM_LEADERBOARD, [GALAXY])}
    owls = {board[name]["kaggle_rank"] for name in ("priya_sharma", "tomasz_k", "lena-mueller")}
    assert len(owls) == 1
    assert board["sofia_ricci"]["kaggle_rank"] == board["mateo_garcia"]["kaggle_rank"]
    assert "AdaWong" in board  # registered as AdaWong, listed on Kaggle as adawong


def test_second_call_changes_nothing(filled):
    settings, _ = filled
    before = counts(settings)
    assert demo.ensure_demo(settings) is False
    assert counts(settings) == before



def test_the_demo_has_a_season_table_of_its_three_competitions(filled):
    settings, _ = filled
    with db.connect(settings) as con:
        table = season.season(con, "neural-night-2026")
    assert [c.slug for c in table.competitions] == [comp.slug for comp in sorted(
        CONFIG.competitions, key=lambda comp: comp.deadline_days)]
    assert len(table.standings) == len(CONFIG.participants) - 2  # two registered people never submitted
    assert all(s.competitions >= 1 and s.kaggle_points > 0 for s in table.standings)


def test_the_demo_grades_the_galaxy_competition_by_benchmarks_and_thresholds(filled):
    settings, _ = filled
    with db.connect(settings) as con:
        graded = grades.grades(con, GALAXY)
    assert [(b.source, b.score) for b in graded.baselines] == [
        ("benchmark", 0.8866), ("benchmark", 0.8737), ("organiser", 0.9), ("organiser", 0.95)]
    assert len({g.beaten for g in graded.grades}) >= 3  # the class spreads over several grades

# ---------------------------------------------------------------- when the demo stays out


def test_not_demo_with_kaggle_credentials(app_env):
    with_keys = settings_module.load(env={**app_env, "KAGGLE_USERNAME": "organiser", "KAGGLE_KEY": "k"}, secrets={})
    assert demo.is_demo(with_keys) is False
    assert demo.ensure_demo(with_keys) is False
    assert counts(with_keys)["competitions"] == 0


def test_is_demo_without_credentials(settings):
    assert demo.is_demo(settings) is True


def test_database_with_an_event_is_left_alone(settings):
    with db.connect(settings) as con:
        registry.add_event(con, "my-event", "My Event")
    assert demo.ensure_demo(settings) is False
    assert counts(settings)["events"] == 1 and counts(settings)["competitions"] == 0


def test_database_with_a_competition_is_left_alone(settings):
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts("my-comp", "Mine"), auto_sync=False)
    assert demo.ensure_demo(settings) is False
    assert counts(settings)["events"] == 0 and counts(settings)["participants"] == 0


def _stopped_after_the_first_day(settings) -> None:
    """What a reboot during the fill leaves: the demo registered, only the oldest day's snapshots loaded."""
    demo.register(settings, CONFIG, registry.now())
    longest = max(comp.snapshots for comp in CONFIG.competitions)
    for comp in CONFIG.competitions:
        if comp.snapshots == longest:
            first = demo._copy_of(comp.snapshot_path(demo.SAMPLES_DIR, 1))
            sync.sync(comp.slug, settings, trigger=demo.TRIGGER, fetch=first,
                      clock=demo._backdated(longest - 1))


def test_a_fill_stopped_midway_is_finished_by_the_next_call(settings, filled):
    complete, _ = filled
    _stopped_after_the_first_day(settings)
    assert counts(settings)["history"] < counts(complete)["history"]
    assert demo.ensure_demo(settings) is True
    assert counts(settings) == counts(complete)
    assert demo.ensure_demo(settings) is False


def test_a_stopped_fill_beside_an_organisers_competition_is_left_alone(settings):
    _stopped_after_the_first_day(settings)
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts("real-cup", "Real Cup"))
    before = counts(settings)
    assert demo.ensure_demo(settings) is False
    assert counts(settings) == before


def test_the_completed_competition_shows_its_reveal_with_a_shake_up(filled):
    """Three public snapshots, then the private board: the public one is kept and people moved both ways."""
    from mlbattle import reveal

    settings, _ = filled
    with db.connect(settings) as con:
        assert reveal.state(con, TITANIC).revealed
        assert not reveal.state(con, GALAXY).is_private
        moves = reveal.moves(con, TITANIC)
        figures = reveal.shakeup(con, TITANIC)
    assert figures.n == BY_SLUG[TITANIC].teams[-1]
    assert 0.02 < figures.field < 0.15  # Kaggle's shake-ups are of this size
    climber, faller = reveal.biggest(moves)
    assert climber["move"] >= 50 and faller["move"] <= -50
    assert {row["kaggle_username"] for row in moves} == entrants(TITANIC, BY_SLUG[TITANIC].snapshots)
