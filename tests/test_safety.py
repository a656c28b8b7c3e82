"""Safety on a public page: secrets masked everywhere, spreadsheet-safe exports, a damaged file named at
once, names shown as text, no litter. Real files, the real CLI in a subprocess, pages under AppTest."""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import os
import re
import time
import tomllib
from pathlib import Path

import pytest
from streamlit import config as streamlit_config

from mlbattle import db, export, redact, registry, scratch, setup_file, sync, text
from mlbattle import settings as settings_module
from mlbattle.registry import CompetitionFacts
from tests.support.boards import zip_of
from tests.support.cli_support import ROOT, fails, ok, run

HOSTILE_CELLS = ["x\r=cmd|' /C calc'!A0", "a\n=1+1", "\t=2", "@SUM(A1)", "+1", "-1", "=HYPERLINK(\"x\")",
                 "\r@cmd", 'quote " and , comma']
SLUG = "hostile-cup"


# ---------------------------------------------------------------- secrets


def test_every_secret_setting_and_any_url_password_are_masked(settings):
    cfg = dataclasses.replace(settings, admin_password="organiser-pass", motherduck_token="md-token-123",
                              db="postgresql://app:db%40pass@db.example.com:5432/prod",
                              kaggle=settings_module.KaggleCredentials("me", "kaggle-key-9"))
    leaked = ("organiser-pass md-token-123 db@pass db%40pass kaggle-key-9 "
              "postgres://other:hunter22@h/x password=sesame99 on postgresql://app:db%40pass@db.example.com/prod")
    shown = redact.redact(leaked, cfg)
    for secret in ("organiser-pass", "md-token-123", "db@pass", "db%40pass", "kaggle-key-9", "hunter22", "sesame99"):
        assert secret not in shown
    assert "postgres://other:***@h/x" in shown and "postgresql://app:***@db.example.com/prod" in shown


def test_a_setting_declared_secret_is_masked_without_more_code(settings, monkeypatch):
    row = settings_module.Setting("webhook_url", "MLBATTLE_TEST_WEBHOOK", None, settings_module._as_text, "x",
                                  secret=True)
    monkeypatch.setattr(settings_module, "SETTINGS", (*settings_module.SETTINGS, row))
    cfg = dataclasses.replace(settings)
    object.__setattr__(cfg, "webhook_url", "https://hooks.example.com/T000/B000/abcdef")
    assert "abcdef" not in redact.redact("posting to https://hooks.example.com/T000/B000/abcdef failed", cfg)


def test_loaded_settings_are_masked_in_log_lines_and_their_tracebacks(tmp_path):
    settings_module.load(env={"HOME": str(tmp_path), "MLBATTLE_ADMIN_PASSWORD": "log-leak-pass"}, secrets={},
                         declared={})
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("mlbattle.test-redaction")
    logger.addHandler(handler)
    try:
        redact.install_logging_filter()
        logger.error("password is %s", "log-leak-pass")
        try:
            raise RuntimeError("connect to postgresql://u:tb-secret@h/db failed with log-leak-pass")
        except RuntimeError:
            logger.exception("crashed")
    finally:
        logger.removeHandler(handler)
    assert "log-leak-pass" not in stream.getvalue() and "tb-secret" not in stream.getvalue()
    assert "password is ***" in stream.getvalue() and "Traceback" in stream.getvalue()


def test_a_failed_sync_stores_and_prints_its_reason_without_the_secret(settings):
    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts(SLUG, "Hostile"))

    def leaking_fetch(slug: str, folder: Path) -> Path:
        raise OSError("could not reach postgresql://kaggle:fetch-secret@10.0.0.1/x")

    result = sync.sync(SLUG, settings, fetch=leaking_fetch)
    assert result.outcome == "failed" and "fetch-secret" not in result.summary()
    with db.connect(settings) as con:
        stored = con.execute("SELECT error FROM sync_runs").fetchone()[0]
    assert "fetch-secret" not in stored and "postgresql://kaggle:***@10.0.0.1/x" in stored


def test_streamlit_shows_visitors_no_error_details_and_no_toolbar_download():
    options = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["client"]
    assert options["showErrorDetails"] == "none" and options["disableDataExport"] is True
    accepted = {option.value for option in streamlit_config.ShowErrorDetailsConfigOptions}
    assert options["showErrorDetails"] in accepted
    assert "client.disableDataExport" in streamlit_config._config_options_template


# ---------------------------------------------------------------- exports


def test_hostile_cells_read_back_as_one_row_each_and_never_start_with_a_formula():
    written = export.to_csv(["name", "score"], [[cell, 1.5] for cell in HOSTILE_CELLS])
    rows = list(csv.reader(io.StringIO(written, newline="")))
    assert len(rows) == len(HOSTILE_CELLS) + 1
    for original, (cell, score) in zip(HOSTILE_CELLS, rows[1:]):
        assert score == "1.5"
        assert not cell.startswith(export.FORMULA_START)
        assert cell.lstrip("'") == original or cell == original
    assert '"x\r=cmd|\' /C calc\'!A0"' in written and '"a\n=1+1"' in written  # line breaks stay in quotes


def hostile_board(settings, local_fetch) -> None:
    rows = [(1, HOSTILE_CELLS[0], 0.9, "ann"), (2, HOSTILE_CELLS[1], 0.8, "bob"), (3, "plain", 0.7, "cy")]
    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts(SLUG, "Hostile"))
        registry.add_participant(con, "ann", "-Ann")
        registry.add_participant(con, "bob", "@Bob")
        registry.add_participant(con, "cy", "=Cy")
    assert sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, rows)})).outcome == "created"


def test_the_cli_csv_and_the_page_download_are_spreadsheet_safe(settings, local_fetch, app_env):
    from mlbattle import reads

    hostile_board(settings, local_fetch)
    with db.connect(settings) as con:
        page_csv = reads.leaderboard_csv(con, SLUG, reads.LeaderboardFilter("all"))
    cli_csv = ok(app_env, "leaderboard", SLUG, "--csv", "--all-teams").stdout
    for written in (page_csv, cli_csv):
        table = list(csv.DictReader(io.StringIO(written, newline="")))
        assert len(table) == 3
        for row in table:
            for value in row.values():
                assert not (value or "").startswith(export.FORMULA_START)
        # quoted and whole (the subprocess's text mode reads CR as LF)
        assert {row["team_name"].replace("\r", "\n") for row in table} == {
            HOSTILE_CELLS[0].replace("\r", "\n"), HOSTILE_CELLS[1], "plain"}


def test_the_setup_export_is_spreadsheet_safe_and_reads_back_the_same_names(settings, local_fetch):
    hostile_board(settings, local_fetch)
    with db.connect(settings) as con:
        _, people = setup_file.export_setup(con)
    table = list(csv.DictReader(io.StringIO(people, newline="")))
    assert {row["name"] for row in table} == {"'-Ann", "'@Bob", "'=Cy"}
    assert {name for _, name in registry.parse_participants(people)} == {"-Ann", "@Bob", "=Cy"}


# ---------------------------------------------------------------- a damaged file


def damaged_copy(settings, tmp_path: Path, where: str) -> settings_module.Settings:
    with db.connect(settings) as con:
        registry.add_participant(con, "ann", "Ann")
        con.execute("CREATE TABLE filler AS SELECT range AS x, 'row ' || range AS y FROM range(50000)")
    data = bytearray(Path(settings.db).read_bytes())
    if where == "header":
        data[64:320] = b"\xff" * 256
    else:  # every block after the three header blocks: whatever a query reads first is damaged
        for offset in range(3 * 4096 + 64, len(data) - 256, db.BLOCK_SIZE):
            data[offset:offset + 256] = b"\xff" * 256
    damaged = tmp_path / f"damaged-{where}.duckdb"
    damaged.write_bytes(bytes(data))
    return dataclasses.replace(settings, db=str(damaged), db_busy_timeout=30.0)


@pytest.mark.parametrize("where", ["header", "data"])
def test_a_damaged_file_is_named_at_once_and_never_called_busy(settings, tmp_path, where):
    damaged = damaged_copy(settings, tmp_path, where)
    before = Path(damaged.db).read_bytes()
    started = time.monotonic()
    with pytest.raises(db.DatabaseDamaged, match=r"the database file is damaged: restore a backup \(.*damaged-"):
        with db.connect(damaged) as con:
            con.execute("SELECT count(*) FROM participants").fetchall()
            con.execute("SELECT sum(x) FROM filler").fetchall()
    assert time.monotonic() - started < 10  # not the 30 s a lock conflict waits
    assert Path(damaged.db).read_bytes() == before


def test_the_cli_names_a_damaged_file_in_one_line(settings, tmp_path, app_env):
    damaged = damaged_copy(settings, tmp_path, "header")
    done = fails({**app_env, "MLBATTLE_DB": damaged.db, "MLBATTLE_DB_BUSY_TIMEOUT": "30"}, "participants", "add", "x")
    assert done.stderr.strip() == f"error: the database file is damaged: restore a backup ({damaged.db})"


def test_a_lock_conflict_is_still_told_from_damage():
    import duckdb

    conflict = duckdb.IOException('IO Error: Could not set lock on file "x.duckdb": Conflicting lock is held')
    damage = duckdb.IOException("IO Error: Corrupt database file: computed checksum 1 does not match stored "
                                "checksum 2 in block at location 0")
    assert db._is_lock_conflict(conflict) and not db.is_damage(conflict)
    assert db.is_damage(damage) and not db._is_lock_conflict(damage)


# ---------------------------------------------------------------- names are text


def test_bare_urls_and_emails_are_not_left_for_markdown_to_link():
    for name in ("see https://evil.example/x", "www.evil.example", "me@evil.example", "HTTP://X.Y"):
        shown = text.md(name)
        assert "://" not in shown and "www." not in shown.lower() and "@" not in shown


def test_bidi_overrides_and_zero_width_characters_are_dropped_from_shown_names():
    assert text.md("ann\u202egnp.exe\u200b\u2066") == "anngnp\\.exe"


def test_the_plain_text_leaderboard_escapes_terminal_sequences(settings, local_fetch, app_env):
    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts(SLUG, "Hostile"))
        registry.add_participant(con, "ann", "Ann")
    rows = [(1, "\x1b[2J\x1b[31mowned\x07", 0.9, "ann")]
    assert sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, rows)})).outcome == "created"
    out = ok(app_env, "leaderboard", SLUG).stdout
    assert "\x1b" not in out and "\x07" not in out and "\\x1b[2J\\x1b[31mowned\\x07" in out


# ---------------------------------------------------------------- no litter


def test_a_killed_syncs_folder_is_swept_but_a_live_one_is_kept(settings, local_fetch):
    root = settings.scratch_folder()
    killed, live = root / "sync-killed", root / "restore-live"
    for folder in (killed, live):
        folder.mkdir()
        (folder / "part.zip").write_bytes(b"x" * 1000)
    old = time.time() - scratch.stale_after(settings) - 60
    for path in (killed / "part.zip", killed):
        os.utime(path, (old, old))
    os.utime(live, (old, old))  # an old folder whose download is still being written
    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts(SLUG, "Hostile"))
    sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, [(1, "a", 0.5, "ann")])}))
    assert not killed.exists() and live.exists()


# ---------------------------------------------------------------- the password of a database that is down


def everything_drawn(at) -> str:
    """Every element the page drew, as its protobuf text: labels, bodies, exceptions and tracebacks."""
    parts = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def test_a_postgres_password_is_never_shown_when_the_server_is_down(app_env, monkeypatch, caplog):
    from streamlit.testing.v1 import AppTest

    from tests.support.postgres_server import PasswordServer

    password = "Pw-7f3c9e1d-never-shown"
    server = PasswordServer(password)
    try:
        url = server.start()
        env = {**app_env, "MLBATTLE_DB": url}
        ok(env, "participants", "add", "ann")
        ok(env, "events", "add", "night", "--title", "Night")
        server.stop()
        printed = []
        for command in (["participants", "add", "bob"], ["leaderboard", "x"], ["sync", "--all"],
                        ["participants", "list"], ["-v", "competitions", "list"]):
            done = run(env, *command) if command[0] == "-v" else fails(env, *command)  # -v: with the traceback
            printed += [done.stdout, done.stderr]
            assert done.returncode == 1
            if command[0] != "-v":
                assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "postgresql://postgres:***@127.0.0.1" in "".join(printed)
        monkeypatch.setenv("MLBATTLE_DB", url)
        caplog.set_level(logging.INFO)
        for page, params in (("home", {}), ("leaderboard", {"competition": "x"}), ("participants", {"user": "ann"}),
                             ("event", {"event": "night"}), ("admin", {})):
            at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=30)
            for name, value in params.items():
                at.query_params[name] = value
            at.run()
            assert not at.exception, page
            drawn = everything_drawn(at)
            printed.append(drawn)
            if page != "admin":
                assert "database is not reachable" in drawn, page
        printed.append(caplog.text)
        everything = "\n".join(printed)
        assert password not in everything and password.lower() not in everything.lower()
    finally:
        server.remove()


# ---------------------------------------------------------------- the organiser's login


def test_the_app_wide_gate_allows_ten_checks_a_minute_once_ten_failed_within_ten_minutes():
    from mlbattle.throttle import LoginGate

    gate = LoginGate()
    for second in range(9):
        gate.checked(now=second * 50, right=False)  # nine failures spread over 7.5 minutes: no limit yet
    assert gate.wait(now=451) == 0
    gate.checked(now=451, right=False)  # the tenth failure within ten minutes turns the limit on
    assert gate.wait(now=452) == 0  # two checks in the last minute (400 and 451)
    for _ in range(8):
        gate.checked(now=452, right=True)
    assert gate.wait(now=453) == pytest.approx(7)  # ten this minute: the next waits for the one at 400 to age
    assert gate.wait(now=460) == 0
    assert gate.wait(now=1100) == 0  # the failures aged out of ten minutes: no limit at all


@pytest.fixture
def admin_app(settings, monkeypatch):
    from mlbattle.web import auth

    monkeypatch.setenv("MLBATTLE_ADMIN_PASSWORD", "right-password-1")
    now = [1_000_000.0]
    monkeypatch.setattr(auth, "clock", lambda: now[0])
    return now


def try_password(password: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "admin.py"), default_timeout=30).run()
    at.text_input(key="admin_password").input(password)
    next(b for b in at.button if b.label == "Log in").click().run()
    return at


def test_new_sessions_cannot_outrun_the_app_wide_limit_and_the_organiser_gets_in_a_minute_later(admin_app):
    for _ in range(10):  # a script opening a new session for every guess, with no client address
        assert "Wrong password" in " ".join(e.value for e in try_password("guess").error)
    refused = try_password("right-password-1")
    assert "try again in" in " ".join(e.value for e in refused.error) and not refused.tabs
    admin_app[0] += 61
    assert try_password("right-password-1").tabs


def test_a_shared_address_locks_the_organiser_out_for_a_minute_at_most(admin_app, monkeypatch):
    from mlbattle import throttle
    from mlbattle.web import auth

    monkeypatch.setattr(auth, "_client_address", lambda: "203.0.113.50")
    monkeypatch.setattr(auth, "_address_lockout", throttle.Lockout(auth.MAX_FAILURES, auth.ADDRESS_LOCKOUT_SECONDS))
    for _ in range(auth.MAX_FAILURES):
        try_password("guess")
    assert not try_password("right-password-1").tabs
    admin_app[0] += 60
    assert try_password("right-password-1").tabs


# ---------------------------------------------------------------- numbers


def test_organisers_numbers_refuse_nan_and_infinity(settings, app_env):
    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts(SLUG, "Hostile"))
        for worst, best, points in ((float("nan"), 1.0, 100.0), (0.0, float("inf"), 100.0), (0.0, 1.0, float("inf"))):
            with pytest.raises(ValueError, match="finite"):
                registry.set_scoring(con, SLUG, worst, best, points)
    done = fails(app_env, "competitions", "set", SLUG, "--worst", "nan", "--best", "1", "--points", "100")
    assert "finite" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_crafted_rank_filters_on_the_leaderboard_do_not_raise(settings, local_fetch):
    from streamlit.testing.v1 import AppTest

    hostile_board(settings, local_fetch)
    for index, value in ((0, float("nan")), (1, float("inf")), (0, -float("inf")), (1, 10**12)):
        at = AppTest.from_file(str(ROOT / "pages" / "leaderboard.py"), default_timeout=30)
        at.query_params["competition"] = SLUG
        at.run()
        at.number_input[index].set_value(value).run()
        assert not at.exception, (index, value)
        assert at.dataframe


# ---------------------------------------------------------------- registrations an organiser controls


def register_page(monkeypatch, mode: str, code: str | None = None):
    from streamlit.testing.v1 import AppTest

    no_demo(monkeypatch)
    monkeypatch.setenv("MLBATTLE_REGISTRATION", mode)
    if code is None:
        monkeypatch.delenv("MLBATTLE_JOIN_CODE", raising=False)
    else:
        monkeypatch.setenv("MLBATTLE_JOIN_CODE", code)
    return AppTest.from_file(str(ROOT / "pages" / "participants.py"), default_timeout=30).run()


def said(elements) -> str:
    """What a kind of element said, Markdown escapes removed."""
    return re.sub(r"\\(.)", r"\1", " ".join(str(element.value) for element in elements))


def submit(at, username: str, name: str = "", code: str | None = None):
    at.text_input(key="register_username").input(username)
    at.text_input(key="register_name").input(name)
    if code is not None:
        at.text_input(key="register_code").input(code)
    next(b for b in at.button if b.label == "Register").click().run()
    return at


def people(settings) -> tuple[list[tuple], list[tuple]]:
    from mlbattle import registration

    with db.connect(settings) as con:
        return registration.registrations(con), registration.pending(con)


def test_open_registration_registers_at_once_and_says_it_was_the_person_themself(settings, monkeypatch):
    at = submit(register_page(monkeypatch, "on"), "ann", "Ann")
    assert not at.exception and "Registered ann" in said(at.success)
    registered, pending = people(settings)
    assert [(r[0], r[2]) for r in registered] == [("ann", "self")] and not pending


def test_approval_keeps_a_registration_pending_matching_nothing_until_approved(settings, local_fetch, monkeypatch,
                                                                               app_env):
    at = submit(register_page(monkeypatch, "approval"), "ann", "Impostor")
    assert "waits for an organiser's approval" in said(at.success)
    registered, pending = people(settings)
    assert not registered and [row[0] for row in pending] == ["ann"]
    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts(SLUG, "Cup"))
    assert sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, [(1, "Ann's team", 0.9, "ann")])})).matched == 0
    assert "ann" not in ok(app_env, "leaderboard", SLUG).stdout
    assert "ann\tImpostor\t" in ok(app_env, "participants", "list", "--pending").stdout
    assert ok(app_env, "participants", "approve", "ANN").stdout.strip() == "participant ann approved"
    fails(app_env, "participants", "approve", "ann")  # no longer pending
    table = list(csv.DictReader(io.StringIO(ok(app_env, "participants", "list", "--csv").stdout)))
    assert [(r["kaggle_username"], r["registered_via"]) for r in table] == [("ann", "approved")]
    assert table[0]["registered_at"].startswith("20")
    assert sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, [(1, "Ann's team", 0.8, "ann")])})).matched == 1


def my_results(monkeypatch, username: str):
    """The Participants page opened on "my results" for `username` (`?user=`), self-registration by approval."""
    from mlbattle import web
    from tests.support.pages import run_page

    web.forget_probes()  # the test's own writes went round the app: the version probe is shared for a second
    no_demo(monkeypatch)
    monkeypatch.setenv("MLBATTLE_REGISTRATION", "approval")
    monkeypatch.delenv("MLBATTLE_JOIN_CODE", raising=False)
    return run_page("pages/participants.py", user=username)


WAITS = "is registered and waits for an organiser's approval"


def test_my_results_for_a_pending_registration_says_it_waits_for_approval_and_shows_no_results(
        settings, local_fetch, monkeypatch):
    from mlbattle import registration

    with db.connect(settings) as con:
        registry.add_competition(con, CompetitionFacts(SLUG, "Cup"))
    at = my_results(monkeypatch, "ann")
    assert "is not registered" in said(at.warning) and WAITS not in said(at.info)
    submit(at, "ann", "Ann")  # the same run's "my results" sees the registration it just made
    assert "waits for an organiser's approval" in said(at.success)
    assert f"ann {WAITS}" in said(at.info) and "not registered" not in said(at.warning)
    sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, [(1, "Ann's team", 0.9, "ann")])}))
    at = my_results(monkeypatch, "ANN")  # opened with the username in the query, in any case
    assert not at.exception and f"ann {WAITS}" in said(at.info)
    assert not at.dataframe and "not registered" not in said(at.warning)
    with db.connect(settings) as con:
        registration.approve(con, "ann")
    sync.sync(SLUG, settings, fetch=local_fetch({SLUG: zip_of(SLUG, [(1, "Ann's team", 0.8, "ann")])}))
    at = my_results(monkeypatch, "ann")
    assert WAITS not in said(at.info) and list(at.dataframe[0].value["competition"]) == [SLUG]


def test_my_results_says_not_registered_for_an_unknown_or_a_rejected_username(settings, monkeypatch):
    from mlbattle import registration

    cfg = dataclasses.replace(settings, registration="approval")
    with db.connect(cfg) as con:
        registration.register_self(con, cfg, "bob", "Bob")
    at = my_results(monkeypatch, "nobody")
    assert "nobody is not registered" in said(at.warning) and WAITS not in said(at.info)
    assert f"bob {WAITS}" in said(my_results(monkeypatch, "bob").info)
    with db.connect(cfg) as con:
        registration.reject(con, "bob")
    at = my_results(monkeypatch, "bob")  # the answer kept for the pending request is not shown again
    assert "bob is not registered" in said(at.warning) and WAITS not in said(at.info)


def test_closed_registration_registers_nothing(settings, monkeypatch):
    at = register_page(monkeypatch, "off")
    assert "Registration is closed" in said(at.info) and not any(t.key == "register_username" for t in at.text_input)
    from mlbattle import registration

    with db.connect(settings) as con, pytest.raises(ValueError, match="closed"):
        registration.register_self(con, dataclasses.replace(settings, registration="off"), "ann", None)


def test_a_join_code_is_asked_for_and_a_wrong_one_registers_nothing(settings, monkeypatch):
    at = submit(register_page(monkeypatch, "on", code="Room 42"), "ann", "Ann", code="room 41")
    assert "join code is not right" in said(at.error)
    assert people(settings) == ([], [])
    submit(at, "ann", "Ann", code=" room  42 ")
    assert "Registered ann" in said(at.success)
    assert [r[0] for r in people(settings)[0]] == ["ann"]


def test_names_with_bidi_overrides_or_zero_width_characters_are_refused(settings, monkeypatch):
    at = submit(register_page(monkeypatch, "on"), "ann", "Ann\u202egnirts")
    assert "invisible formatting characters" in said(at.error)
    with db.connect(settings) as con:
        report = registry.import_participants(con, [("bob", "B\u200bob"), ("cy", "Cy")])
    assert report.added == 1 and "invisible" in report.skipped[0]
    assert people(settings)[0][0][:3] == ("cy", "Cy", "import")


def test_the_big_screen_notice_shows_the_code_only_while_registration_is_open(settings):
    from mlbattle import registration

    assert registration.registration_notice(settings) is None
    with_code = dataclasses.replace(settings, join_code="ROOM-42")
    assert "ROOM-42" in registration.registration_notice(with_code)
    assert "approves" in registration.registration_notice(dataclasses.replace(with_code, registration="approval"))
    assert registration.registration_notice(dataclasses.replace(with_code, registration="off")) is None


def test_registration_modes_accept_old_true_false_and_refuse_others(tmp_path):
    load = settings_module.load
    assert load(env={"HOME": str(tmp_path), "MLBATTLE_REGISTRATION": "Approval"}, secrets={}).registration == "approval"
    assert load(env={"HOME": str(tmp_path)}, secrets={"registration": True}).registration == "on"
    assert load(env={"HOME": str(tmp_path), "MLBATTLE_REGISTRATION": "false"}, secrets={}).registration == "off"
    with pytest.raises(settings_module.SettingsError, match="on, approval or off"):
        load(env={"HOME": str(tmp_path), "MLBATTLE_REGISTRATION": "maybe"}, secrets={})


def test_the_admin_lists_pending_registrations_with_their_time_and_approves_or_removes_them(settings, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from mlbattle import registration

    cfg = dataclasses.replace(settings, registration="approval")
    with db.connect(cfg) as con:
        for username in ("ann", "bob"):
            registration.register_self(con, cfg, username, username.title())
    monkeypatch.setenv("MLBATTLE_REGISTRATION", "approval")
    at = try_password_page(monkeypatch)
    pending_table = next(frame for frame in at.dataframe if "requested_at" in frame.value.columns)
    assert list(pending_table.value["kaggle_username"]) == ["ann", "bob"]
    assert pending_table.value["requested_at"].notna().all()
    at.selectbox(key="pending_username").set_value("ann")
    next(b for b in at.button if b.label == "Approve").click().run()
    assert not at.exception and "ann approved" in said(at.success)
    at.selectbox(key="pending_username").set_value("bob")
    next(b for b in at.button if b.label == "Remove request").click().run()
    registered, pending = people(settings)
    assert [(r[0], r[2]) for r in registered] == [("ann", "approved")] and not pending
    assert isinstance(at, AppTest)


def no_demo(monkeypatch) -> None:
    """Kaggle credentials (never used here) turn demo mode off, so the database holds only the test's rows."""
    monkeypatch.setenv("KAGGLE_USERNAME", "organiser")
    monkeypatch.setenv("KAGGLE_KEY", "unused-key-0000")


def try_password_page(monkeypatch):
    no_demo(monkeypatch)
    monkeypatch.setenv("MLBATTLE_ADMIN_PASSWORD", "right-password-1")
    at = try_password("right-password-1")
    assert at.tabs
    return at


def test_a_backup_older_than_the_pending_table_still_restores(settings, tmp_path):
    import json
    import zipfile

    from mlbattle import backup

    with db.connect(settings) as con:
        registry.add_participant(con, "ann", "Ann")
    path = tmp_path / "new.zip"
    backup.write_backup(settings, path)
    older = tmp_path / "older.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(older, "w") as target:
        for info in source.infolist():
            if info.filename == backup.table_file("pending_participants"):
                continue
            data = source.read(info)
            if info.filename == backup.MANIFEST:
                manifest = json.loads(data)
                manifest["schema_version"] -= 1
                del manifest["tables"]["pending_participants"]
                data = json.dumps(manifest).encode()
            target.writestr(info, data)
    backup.restore_backup(settings, older)
    assert [r[0] for r in people(settings)[0]] == ["ann"]


def test_the_join_code_is_a_secret_the_declared_setup_refuses(tmp_path):
    from mlbattle import setup_parse

    assert {"join_code", "mlbattle_join_code", "admin_password", "motherduck_token"} <= set(setup_parse.SECRET_KEYS)


def test_a_page_on_a_damaged_file_says_so_plainly(settings, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    damaged = damaged_copy(settings, tmp_path, "header")
    monkeypatch.setenv("MLBATTLE_DB", damaged.db)
    at = AppTest.from_file(str(ROOT / "pages" / "home.py"), default_timeout=30).run()
    assert not at.exception
    drawn = everything_drawn(at)
    assert "the database file is damaged" in drawn and "busy" not in drawn and damaged.db not in drawn


def test_the_app_start_sweeps_a_killed_restores_folder(settings, monkeypatch):
    from streamlit.testing.v1 import AppTest

    killed = settings.scratch_folder() / "restore-killed"
    killed.mkdir()
    old = time.time() - scratch.stale_after(settings) - 60
    os.utime(killed, (old, old))
    no_demo(monkeypatch)
    at = AppTest.from_file(str(ROOT / "pages" / "home.py"), default_timeout=30).run()
    assert not at.exception and not killed.exists()


def test_a_log_line_with_no_handler_configured_is_masked_too(tmp_path, capsys):
    settings_module.load(env={"HOME": str(tmp_path), "MLBATTLE_ADMIN_PASSWORD": "last-resort-pass"}, secrets={},
                         declared={})
    redact.install_logging_filter()
    logger = logging.getLogger("mlbattle.test-last-resort")
    logger.propagate = False  # as under `streamlit run`: no handler anywhere, so Python's last resort writes it
    try:
        logger.error("the password last-resort-pass leaked")
    finally:
        logger.propagate = True
    assert "last-resort-pass" not in capsys.readouterr().err
