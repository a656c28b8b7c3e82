"""The private reveal: the public board kept at the first private download, public ranks, the shake-up figures
checked against values worked out by hand on tiny boards, and the `shakeup` command."""

from __future__ import annotations

import csv
import io

import pytest

from mlbattle import backup, db, registry, reveal, sync
from tests.support.boards import zip_of
from tests.support.cli_support import fails, ok

SLUG = "reveal-cup"

# Public: A 1, B 2, C 3, D 4, a benchmark, E 5. Private: C 1, A 2, the benchmark, D 3, F 4 (new), B 5; E gone.
# Teams on both: A, B, C, D, so N = 4 and the top is ceil(0.4) = 1 team.
PUBLIC = [(1, "A", 0.90, "ann"), (2, "B", 0.85, "ben"), (3, "C", 0.80, "cy"), (4, "D", 0.75, "dan, dora"),
          (0, "Benchmark", 0.70, ""), (5, "E", 0.60, "eve")]
PRIVATE = [(1, "C", 0.88, "cy"), (2, "A", 0.87, "ann"), (0, "Benchmark", 0.70, ""), (3, "D", 0.86, "dan, dora"),
           (4, "F", 0.85, "fay"), (5, "B", 0.70, "ben")]
PEOPLE = ("ann", "ben", "cy", "dan", "dora", "eve", "fay")


def register(settings, people=PEOPLE, slug=SLUG) -> None:
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts(slug, "Reveal Cup", metric="Accuracy"))
        for name in people:
            registry.add_participant(con, name, name.title())


def load(settings, local_fetch, rows, *, private=False, header="current", slug=SLUG):
    result = sync.sync(slug, settings, fetch=local_fetch({slug: zip_of(slug, rows, header=header, private=private)}))
    assert result.outcome in ("created", "updated"), result
    return result


@pytest.fixture
def revealed(settings, local_fetch):
    register(settings)
    load(settings, local_fetch, PUBLIC)
    load(settings, local_fetch, PRIVATE, private=True)
    return settings


def kept(settings, slug=SLUG) -> dict[str, list]:
    with db.connect(settings) as con:
        return {table: con.execute(f"SELECT * FROM {table} WHERE competition_slug = ? ORDER BY ALL",  # noqa: S608
                                   [slug]).fetchall()
                for table in ("public_boards", "public_board_members", "reveals")}


def figures(settings, slug=SLUG) -> reveal.ShakeUp:
    with db.connect(settings) as con:
        return reveal.shakeup(con, slug)


def moves(settings, slug=SLUG) -> dict[str, tuple]:
    with db.connect(settings) as con:
        return {row["kaggle_username"]: (row["public_rank"], row["private_rank"], row["move"])
                for row in reveal.moves(con, slug)}


# ---------------------------------------------------------------- keeping the public board


def test_the_first_private_download_keeps_the_whole_public_board_beside_it(revealed):
    board = kept(revealed)
    assert [(r[2], r[4]) for r in sorted(board["public_boards"], key=lambda r: r[1])] == [
        (1, "A"), (2, "B"), (3, "C"), (4, "D"), (0, "Benchmark"), (5, "E")]
    assert sorted(r[2] for r in board["public_board_members"]) == ["ann", "ben", "cy", "dan", "dora", "eve"]
    (slug, _, _, _, public_teams), = board["reveals"]
    assert (slug, public_teams) == (SLUG, 5)  # ranked teams: the benchmark is not one
    with db.connect(revealed) as con:
        assert reveal.state(con, SLUG).revealed


def test_a_second_private_download_leaves_the_kept_public_board_as_it_was(revealed, local_fetch):
    before = kept(revealed)
    rescored = [(1, "A", 0.91, "ann"), (2, "C", 0.88, "cy"), (3, "D", 0.86, "dan, dora"), (4, "B", 0.80, "ben")]
    load(revealed, local_fetch, rescored, private=True)
    assert kept(revealed) == before
    assert moves(revealed)["ann"] == (1, 1, 0)


def test_public_downloads_keep_nothing(settings, local_fetch):
    register(settings)
    load(settings, local_fetch, PUBLIC)
    load(settings, local_fetch, PRIVATE)  # a new public board, not the private one
    assert kept(settings) == {"public_boards": [], "public_board_members": [], "reveals": []}
    with db.connect(settings) as con:
        with pytest.raises(reveal.NoReveal, match="no private leaderboard yet"):
            reveal.shakeup(con, SLUG)
        assert reveal.public_ranks(con, SLUG) == {}


def test_a_competition_imported_after_its_deadline_says_no_public_board_was_seen(settings, local_fetch):
    register(settings)
    load(settings, local_fetch, PRIVATE, private=True)
    assert kept(settings)["public_boards"] == []
    with db.connect(settings) as con:
        found = reveal.state(con, SLUG)
        assert found.is_private and not found.revealed
        assert "no public board was ever seen" in found.sentence()
        with pytest.raises(reveal.NoReveal, match="imported after its deadline"):
            reveal.moves(con, SLUG)
        assert reveal.public_ranks(con, SLUG) == {}


def test_backup_and_restore_keep_the_public_board(revealed, tmp_path):
    before = kept(revealed)
    path = tmp_path / "backup.zip"
    backup.write_backup(revealed, path)
    with db.connect(revealed) as con:
        registry.remove_competition(con, SLUG)
    assert kept(revealed)["public_boards"] == []  # removing a competition takes its kept board too
    backup.restore_backup(revealed, path)
    assert kept(revealed) == before
    assert figures(revealed).field == 0.4375


# ---------------------------------------------------------------- the figures, worked out by hand


def test_the_shakeup_follows_the_spec_on_a_board_worked_out_by_hand(revealed):
    # Field (A, B, C, D on both; E only public, F only private, benchmarks never): shifts A |2-1| = 1,
    # B |5-2| = 3, C |1-3| = 2, D |3-4| = 1: mean 7/4, divided by N = 4 gives 0.4375. Top ceil(0.4) = 1: C
    # alone, 2 / 4. Participants on both: ann 1, ben 3, cy 2, dan 1, dora 1 (eve and fay are on one board):
    # mean 8/5 / 4 = 0.4; in the top, cy alone: 2 / 4.
    assert figures(revealed) == reveal.ShakeUp(n=4, top=1, participants_on_both=5, field=0.4375, participants=0.4,
                                               field_top10=0.5, participants_top10=0.5)


def test_each_participants_move_is_public_minus_private_and_absent_boards_stay_empty(revealed):
    assert moves(revealed) == {"cy": (3, 1, 2), "ann": (1, 2, -1), "dan": (4, 3, 1), "dora": (4, 3, 1),
                               "fay": (None, 4, None), "ben": (2, 5, -3), "eve": (5, None, None)}
    with db.connect(revealed) as con:
        assert [row["kaggle_username"] for row in reveal.moves(con, SLUG)] == [
            "cy", "ann", "dan", "dora", "fay", "ben", "eve"]  # best private rank first, then the public one
        assert reveal.public_ranks(con, SLUG) == {"ann": 1, "ben": 2, "cy": 3, "dan": 4, "dora": 4, "eve": 5}


def test_ties_on_the_private_board_all_count_in_the_top(settings, local_fetch):
    # Public A 1, B 2, C 3, D 4; private C 1 and D 1 (tied), A 3, B 4. Shifts A 2, B 2, C 2, D 3: 9/4 / 4.
    # Top ceil(0.4) = 1 takes both teams ranked 1: (2 + 3) / 2 / 4. Participants: ann and amy on A (2 each),
    # dan on D (3): 7/3 / 4; in the top dan alone: 3 / 4.
    register(settings, ("ann", "amy", "dan"))
    load(settings, local_fetch, [(1, "A", 0.9, "ann, amy"), (2, "B", 0.8, "x"), (3, "C", 0.7, "y"),
                                 (4, "D", 0.6, "dan")])
    load(settings, local_fetch, [(1, "C", 0.9, "y"), (1, "D", 0.9, "dan"), (3, "A", 0.8, "ann, amy"),
                                 (4, "B", 0.7, "x")], private=True)
    got = figures(settings)
    assert (got.n, got.top, got.field, got.field_top10) == (4, 1, 0.5625, 0.625)
    assert got.participants == pytest.approx(7 / 12) and got.participants_top10 == 0.75


def test_the_older_header_matches_participants_by_team_name(settings, local_fetch):
    # No rank column: ranks are the file's order. Public ann, ben, Cy, dan; private dan, ann, ben, Cy.
    # Shifts ann 1, ben 1, Cy 1, dan 3: 6/4 / 4 = 0.375; top 1: dan, 3 / 4. Participants ann, cy, dan:
    # 5/3 / 4; top dan: 0.75.
    register(settings, ("ann", "cy", "dan"))
    names = ["ann", "ben", "Cy", "dan"]
    load(settings, local_fetch, [(i + 1, name, 0.9 - i / 10, "") for i, name in enumerate(names)], header="older")
    private = ["dan", "ann", "ben", "Cy"]
    load(settings, local_fetch, [(i + 1, name, 0.95 - i / 10, "") for i, name in enumerate(private)],
         header="older", private=True)
    got = figures(settings)
    assert (got.n, got.field, got.field_top10, got.participants_top10) == (4, 0.375, 0.75, 0.75)
    assert got.participants == pytest.approx(5 / 12)
    assert moves(settings) == {"dan": (4, 1, 3), "ann": (1, 2, -1), "cy": (3, 4, -1)}


def test_the_top_is_a_tenth_of_the_field_rounded_up_in_whole_numbers(settings, local_fetch):
    # 30 teams, the private board the public one upside down: team i moves from i to 31 - i, |31 - 2i|.
    # Field: 2 * (1 + 3 + ... + 29) / 30 = 15, / 30 = 0.5. Top ceil(3.0) = 3 (not 4, as 0.1 * 30 in floating
    # point would give): the teams publicly 30, 29, 28 move 29, 27, 25: mean 27, / 30 = 0.9.
    register(settings, ())
    teams = [(i, f"T{i}", 1 - i / 100, f"u{i}") for i in range(1, 31)]
    load(settings, local_fetch, teams)
    load(settings, local_fetch, [(31 - i, name, 0.5 + i / 100, who) for i, name, _, who in reversed(teams)],
         private=True)
    got = figures(settings)
    assert (got.n, got.top, got.field, got.field_top10) == (30, 3, 0.5, 0.9)
    assert (got.participants, got.participants_top10, got.participants_on_both) == (None, None, 0)


def test_biggest_climber_and_fall_come_from_the_moves(revealed):
    with db.connect(revealed) as con:
        climber, faller = reveal.biggest(reveal.moves(con, SLUG))
    assert (climber["kaggle_username"], faller["kaggle_username"]) == ("cy", "ben")
    assert (reveal.move_text(212), reveal.move_text(-37), reveal.move_text(0), reveal.move_text(None)) == (
        "↑212", "↓37", "=", "")


# ---------------------------------------------------------------- the command


def test_shakeup_prints_each_participant_as_csv(revealed, app_env):
    done = ok(app_env, "shakeup", SLUG, "--csv")
    table = list(csv.reader(io.StringIO(done.stdout)))
    assert table[0] == ["participant", "kaggle_username", "public_rank", "private_rank", "move"]
    assert table[1:3] == [["Cy", "cy", "3", "1", "2"], ["Ann", "ann", "1", "2", "-1"]]
    assert ["Eve", "eve", "5", "", ""] in table and ["Fay", "fay", "", "4", ""] in table


def test_shakeup_metrics_are_csv_rows_of_metric_and_value(revealed, app_env):
    done = ok(app_env, "shakeup", f"https://www.kaggle.com/competitions/{SLUG}/leaderboard", "--metrics")
    assert done.stdout.splitlines() == ["metric,value", "field,0.4375", "participants,0.4", "field_top10,0.5",
                                        "participants_top10,0.5"]


def test_shakeup_prints_moves_as_text(revealed, app_env):
    lines = ok(app_env, "shakeup", SLUG).stdout.splitlines()
    assert lines[0].split() == ["private", "public", "move", "participant"]
    assert lines[1].split() == ["1", "3", "↑2", "Cy", "cy"]
    assert lines[-1].split() == ["-", "5", "-", "Eve", "eve"]


@pytest.mark.parametrize(("private", "message"), [
    (None, "there is no competition 'reveal-cup': import it first"),
    (False, "reveal-cup has no private leaderboard yet"),
    (True, "reveal-cup was imported after its deadline: no public board was ever seen"),
])
def test_shakeup_without_a_reveal_is_one_line_error(settings, local_fetch, app_env, private, message):
    if private is not None:
        register(settings)
        load(settings, local_fetch, PUBLIC, private=private)
    for extra in ((), ("--metrics",)):
        done = fails(app_env, "shakeup", SLUG, *extra)
        assert done.stderr.startswith(f"error: {message}") and len(done.stderr.splitlines()) == 1


# ---------------------------------------------------------------- the chart


def test_the_chart_draws_the_field_faint_participants_named_zones_shaded_and_the_diagonal(revealed):
    from mlbattle import charts, medals

    with db.connect(revealed) as con:
        points = reveal.field(con, SLUG)
    assert points[["public_rank", "private_rank", "team_name"]].values.tolist() == [
        [3, 1, "C"], [1, 2, "A"], [4, 3, "D"], [2, 5, "B"]]
    assert points["participants"].tolist() == ["Cy", "Ann", "Dan, Dora", "Ben"]
    figure = charts.shakeup(points, medals.thresholds(5))
    *bands, field, people, diagonal = figure.data
    assert field.marker.opacity < 0.5 and list(field.x) == [3, 1, 4, 2]
    assert list(people.text) == ["Cy", "Ann", "Dan, Dora", "Ben"] and list(people.customdata) == [2, -1, 1, -3]
    assert (list(diagonal.x), list(diagonal.y)) == ([1, 5], [1, 5])  # to the largest rank on either board
    # Five ranked teams: gold to rank 1, silver to 1, bronze to 2; a zone no wider than the one before is not drawn.
    assert [(band.name, min(band.y), max(band.y)) for band in bands] == [
        ("gold zone (private rank ≤ 1)", 0.5, 1.5), ("bronze zone (private rank ≤ 2)", 1.5, 2.5)]
    assert figure.layout.yaxis.range == (5.5, 0.5) and figure.layout.xaxis.type == "linear"  # rank 1 on top


def test_the_chart_uses_log_axes_for_a_large_field_and_escapes_names():
    import pandas as pd

    from mlbattle import charts

    ranks = list(range(1, 1001))
    points = pd.DataFrame({"public_rank": ranks, "private_rank": ranks[::-1], "team_name": ["<b>x</b>"] * 1000,
                           "participants": ["<i>Ann</i>"] + [None] * 999})
    figure = charts.shakeup(points, (12, 50, 100))
    assert figure.layout.xaxis.type == "log" and figure.layout.yaxis.type == "log"
    # A log axis's range and shapes are in powers of ten: rank 1000 (and a margin) at the bottom, 1 at the top.
    low, high = figure.layout.yaxis.range
    assert 10**low > 1000 and 0.5 < 10**high < 1
    assert figure.data[4].text == ("&lt;i&gt;Ann&lt;/i&gt;",)
    bands = [(min(band.y), max(band.y)) for band in figure.data[:3]]  # in ranks, as traces are on any axis
    assert bands == [(0.8, 12.5), (12.5, 50.5), (50.5, 100.5)]
    assert "No team" in charts.shakeup(points.head(0), (0, 0, 0)).layout.annotations[0].text


def test_a_huge_field_is_thinned_on_the_chart_but_every_participant_stays():
    import pandas as pd

    from mlbattle import charts

    ranks = list(range(1, 100_001))
    points = pd.DataFrame({"public_rank": ranks, "private_rank": ranks, "team_name": ["t"] * 100_000,
                           "participants": [None] * 99_990 + [f"p{i}" for i in range(10)]})
    figure = charts.shakeup(points, (210, 5000, 10000))
    cloud = next(trace for trace in figure.data if trace.name == "all Kaggle teams")
    people = next(trace for trace in figure.data if trace.name == "participants")
    assert len(cloud.x) == charts.FIELD_POINTS_MAX and cloud.text is None  # every 5th team, ranks only on hover
    assert len(people.x) == 10 and max(people.y) == 100_000


# ---------------------------------------------------------------- public_rank on the leaderboard


def test_leaderboard_csv_gives_each_participant_their_public_rank_once_the_board_is_private(revealed, app_env):
    table = list(csv.DictReader(io.StringIO(ok(app_env, "leaderboard", SLUG, "--csv").stdout)))
    assert list(table[0])[-4:] == ["board", "medal", "previous_rank", "public_rank"]
    assert [(r["kaggle_username"], r["kaggle_rank"], r["board"], r["public_rank"]) for r in table] == [
        ("cy", "1", "private", "3"), ("ann", "2", "private", "1"), ("dan", "3", "private", "4"),
        ("dora", "3", "private", "4"), ("fay", "4", "private", ""), ("ben", "5", "private", "2")]
    teams = list(csv.DictReader(io.StringIO(ok(app_env, "leaderboard", SLUG, "--csv", "--all-teams").stdout)))
    assert [(r["team_name"], r["public_rank"]) for r in teams] == [
        ("C", "3"), ("A", "1"), ("Benchmark", ""), ("D", "4"), ("F", ""), ("B", "2")]


def test_public_rank_stays_empty_while_the_board_is_public_or_was_never_seen(settings, local_fetch, app_env):
    register(settings)
    load(settings, local_fetch, PUBLIC)
    table = list(csv.DictReader(io.StringIO(ok(app_env, "leaderboard", SLUG, "--csv").stdout)))
    assert {(r["board"], r["public_rank"]) for r in table} == {("public", "")}
    with db.connect(settings) as con:
        con.execute("UPDATE competitions SET board = 'private'")  # as if the first download had been private
    table = list(csv.DictReader(io.StringIO(ok(app_env, "leaderboard", SLUG, "--csv").stdout)))
    assert {(r["board"], r["public_rank"]) for r in table} == {("private", "")}


def test_the_pages_download_carries_the_public_rank_too(revealed):
    from mlbattle import reads

    with db.connect(revealed) as con:
        text = reads.leaderboard_csv(con, SLUG, reads.LeaderboardFilter(search="ann"))
    (row,) = csv.DictReader(io.StringIO(text))
    assert (row["kaggle_username"], row["kaggle_rank"], row["public_rank"], row["board"]) == ("ann", "2", "1", "private")


# ---------------------------------------------------------------- the reveal alert


def test_the_first_private_board_sends_one_alert_with_the_top_three_and_the_biggest_moves(
        app_env, monkeypatch, local_fetch):
    from mlbattle import settings as settings_module
    from tests.support.webhook_receiver import WebhookReceiver

    with WebhookReceiver("ok") as hook:
        monkeypatch.setenv("MLBATTLE_WEBHOOK_URL", hook.url)
        settings = settings_module.load(secrets={}, declared={})
        register(settings)
        load(settings, local_fetch, PUBLIC)
        load(settings, local_fetch, PRIVATE, private=True)
        load(settings, local_fetch, [*PRIVATE[:-1], (5, "B", 0.71, "ben")], private=True)  # rescored: no reveal
    assert hook.texts == [
        "🔓 Reveal Cup: the private leaderboard is out. 1. Cy (↑2); 2. Ann (↓1); 3. Dan (↑1), Dora (↑1). "
        "Biggest climb: Cy ↑2 (#3 → #1). Biggest fall: Ben ↓3 (#2 → #5)."]


def test_a_private_board_with_the_public_boards_very_rows_is_still_a_reveal(settings, local_fetch):
    """Kaggle's file name is the only difference: the switch is loaded, kept and shown, with no shake-up."""
    register(settings)
    load(settings, local_fetch, PUBLIC)
    load(settings, local_fetch, PUBLIC, private=True)
    with db.connect(settings) as con:
        assert reveal.state(con, SLUG).revealed
    assert [r[4] for r in sorted(kept(settings)["public_boards"], key=lambda r: r[1])] == [r[1] for r in PUBLIC]
    assert figures(settings).field == 0.0
    again = sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, PUBLIC, private=True)}))
    assert again.outcome == "unchanged"  # the same private board again writes nothing
