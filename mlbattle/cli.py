"""`python -m mlbattle ...`: each command a thin call into the modules; failures are one line on stderr, exit 1.

Modules are imported inside the commands that use them, so `participants add` does not pay for the Kaggle
SDK and nothing pays for pandas.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .cli_base import CommandError
from .cli_base import connect as _connect
from .cli_base import settings as _settings
from .cli_reports import cmd_grades, cmd_leaderboard, cmd_ratings, cmd_shakeup

log = logging.getLogger("mlbattle")


def cmd_events_add(args: argparse.Namespace) -> int:
    from . import registry

    with _connect() as con:
        slug = registry.add_event(con, args.slug, args.title, args.start, args.end, args.description or "")
    print(f"event {slug} added")
    return 0


def cmd_competitions_add(args: argparse.Namespace) -> int:
    from . import imports

    settings = _settings()
    if args.manual:
        return _add_by_hand(args, settings)
    if args.title or args.metric:
        raise CommandError("--title and --metric go with --manual; without it the title and metric come from Kaggle")
    outcome = imports.import_competition(
        settings, args.competition, event=args.event, status=args.status, auto_sync=not args.no_auto_sync,
        trigger="import",
    )
    print(outcome.message)
    if outcome.sync and outcome.sync.outcome == "failed":
        print(f"warning: first sync failed: {outcome.sync.error}", file=sys.stderr)
    return 0


def _add_by_hand(args: argparse.Namespace, settings) -> int:
    """A competition Kaggle's list cannot show (InClass, private): its facts as typed, no Kaggle call, no
    automatic syncs (its board comes as a file)."""
    from . import imports, kaggle_client, registry

    if not (args.title or "").strip():
        raise CommandError("--manual needs --title (and --metric, for the score direction)")
    slug = kaggle_client.competition_slug(args.competition)
    facts = registry.CompetitionFacts(slug, args.title, f"https://www.kaggle.com/competitions/{slug}",
                                      metric=(args.metric or "").strip() or None)
    imports.import_competition(settings, slug, event=args.event, status=args.status, auto_sync=False, facts=facts)
    print(f"competition {slug} added by hand ({facts.title}); load its board with: sync {slug} --file PATH")
    return 0


def cmd_competitions_set(args: argparse.Namespace) -> int:
    from . import grades, registry

    thresholds = None if args.baselines is None else grades.parse_baselines(args.baselines)
    with _connect() as con:
        if thresholds is not None:
            grades.set_baselines(con, args.slug, thresholds)
        if args.status:
            registry.set_status(con, args.slug, args.status)
        if args.auto_sync:
            registry.set_auto_sync(con, args.slug, args.auto_sync == "on")
        if args.direction:
            registry.set_direction(con, args.slug, None if args.direction == "auto" else args.direction)
        if args.points is not None or args.worst is not None or args.best is not None:
            registry.set_scoring(con, args.slug, args.worst, args.best, args.points)
        if args.event is not None:
            registry.set_event(con, args.slug, args.event or None)
    print(f"competition {args.slug} updated")
    if args.status == "ongoing":
        return _sync_after_ongoing(args.slug)
    return 0


def _sync_after_ongoing(slug: str) -> int:
    from . import imports

    result = imports.sync_if_auto(_settings(), slug, trigger="status")
    if result is not None:
        print(result.summary())
    return 0


def cmd_competitions_list(args: argparse.Namespace) -> int:
    from . import reads

    with _connect() as con:
        found = reads.competitions(con)
    for record in found:
        print(f"{record['slug']}\t{record['status']}\t{record['event_slug'] or '-'}\t{record['teams']} teams\t"
              f"{record['matched']} matched\tlast sync: {record['last_outcome'] or 'never'}")
    return 0


def cmd_participants_add(args: argparse.Namespace) -> int:
    from . import registry

    with _connect() as con:
        username = registry.add_participant(con, args.username, args.name)
    print(f"participant {username} registered")
    return 0


def cmd_participants_import(args: argparse.Namespace) -> int:
    from . import registry

    path = Path(args.file)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise CommandError(f"{path} does not exist") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text") from None
    rows = registry.parse_participants(text)
    with _connect() as con:
        report = registry.import_participants(con, rows)
    print(f"{report.added} participants registered, {len(report.skipped)} skipped")
    for line in report.skipped[:20]:
        print(f"  skipped {line}", file=sys.stderr)
    if len(report.skipped) > 20:
        print(f"  ... and {len(report.skipped) - 20} more", file=sys.stderr)
    return 0


def cmd_participants_remove(args: argparse.Namespace) -> int:
    from . import registry

    with _connect() as con:
        registry.remove_participant(con, args.username)
    print(f"participant {args.username} removed")
    return 0


def cmd_participants_approve(args: argparse.Namespace) -> int:
    from . import registration

    with _connect() as con:
        username = registration.approve(con, args.username)
    print(f"participant {username} approved")
    return 0


def cmd_participants_list(args: argparse.Namespace) -> int:
    from . import export, registration
    from .text import plain

    with _connect() as con:
        rows = registration.pending(con) if args.pending else registration.registrations(con)
    columns = registration.PENDING_COLUMNS if args.pending else registration.REGISTERED_COLUMNS
    if args.csv:
        sys.stdout.write(export.to_csv(columns, rows))
        return 0
    for row in rows:
        print("\t".join(plain("" if value is None else f"{value:%Y-%m-%d %H:%M}" if hasattr(value, "year")
                               else value) for value in row))
    if not rows:
        print("nobody waits for approval" if args.pending else "nobody is registered yet")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from . import kaggle_client, sync

    settings = _settings()
    slugs = [kaggle_client.competition_slug(s) for s in args.slugs]
    if args.file or args.accept_held:
        return _sync_one_way(args, settings, slugs)
    if args.all:
        slugs += [s for s in sync.auto_sync_slugs(settings) if s not in slugs]
    if not slugs and args.all:
        print("nothing to sync: no ongoing competition has auto-sync on")
        return 0
    if not slugs:
        raise CommandError("nothing to sync: name competitions, or use --all for every ongoing one with auto-sync on")
    failed = 0
    for slug in slugs:
        failed += _report(sync.sync(slug, settings, trigger="cli"))
    return 1 if failed else 0


def _report(result) -> int:
    """Print a sync's line: on stderr, counting 1, when it failed or was held."""
    if result.outcome in ("failed", "held"):
        print(result.summary(), file=sys.stderr)
        return 1
    print(result.summary())
    return 0


def _sync_one_way(args: argparse.Namespace, settings, slugs: list[str]) -> int:
    """`sync SLUG --file PATH` and `sync SLUG --accept-held`: one competition, one source."""
    from . import board_files, held

    if args.file and args.accept_held:
        raise CommandError("--file and --accept-held go one at a time")
    if len(slugs) != 1 or args.all:
        raise CommandError("name exactly one competition with --file or --accept-held")
    if args.accept_held:
        return 1 if _report(held.accept(settings, slugs[0])) else 0
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{path} does not exist or is not a file")
    return 1 if _report(board_files.load_file(settings, slugs[0], path)) else 0


def cmd_backup(args: argparse.Namespace) -> int:
    from . import backup

    summary = backup.write_backup(_settings(), Path(args.file))
    print(summary)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from . import backup

    summary = backup.restore_backup(_settings(), Path(args.file))
    print(summary)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mlbattle", description="ML-Battle Leaderboards")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True)

    events = commands.add_parser("events", help="events").add_subparsers(dest="action", required=True)
    add = events.add_parser("add", help="create an event")
    add.add_argument("slug")
    add.add_argument("--title", required=True)
    add.add_argument("--start", help="YYYY-MM-DD")
    add.add_argument("--end", help="YYYY-MM-DD")
    add.add_argument("--description")
    add.set_defaults(run=cmd_events_add)

    comps = commands.add_parser("competitions", help="competitions").add_subparsers(dest="action", required=True)
    add = comps.add_parser("add", help="import a competition from Kaggle")
    add.add_argument("competition", help="slug or Kaggle URL")
    add.add_argument("--event")
    add.add_argument("--status", choices=("upcoming", "ongoing", "completed"), default="ongoing")
    add.add_argument("--no-auto-sync", action="store_true")
    add.add_argument("--manual", action="store_true",
                     help="add without asking Kaggle (a competition its list cannot show); needs --title")
    add.add_argument("--title", help="with --manual: the competition's title")
    add.add_argument("--metric", help="with --manual: the metric's name (it hints the score direction)")
    add.set_defaults(run=cmd_competitions_add)
    change = comps.add_parser("set", help="change a competition's settings")
    change.add_argument("slug")
    change.add_argument("--status", choices=("upcoming", "ongoing", "completed"))
    change.add_argument("--auto-sync", choices=("on", "off"))
    change.add_argument("--direction", choices=("higher", "lower", "auto"))
    change.add_argument("--worst", type=float)
    change.add_argument("--best", type=float)
    change.add_argument("--points", type=float)
    change.add_argument("--event", help="event slug; empty to detach")
    change.add_argument("--baselines", help="score thresholds to grade against, e.g. 0.75,0.8; empty to clear")
    change.set_defaults(run=cmd_competitions_set)
    comps.add_parser("list", help="list competitions").set_defaults(run=cmd_competitions_list)

    people = commands.add_parser("participants", help="participants").add_subparsers(dest="action", required=True)
    add = people.add_parser("add", help="register one participant")
    add.add_argument("username")
    add.add_argument("--name")
    add.set_defaults(run=cmd_participants_add)
    many = people.add_parser("import", help="register many from a CSV or a list")
    many.add_argument("file")
    many.set_defaults(run=cmd_participants_import)
    remove = people.add_parser("remove", help="unregister one participant")
    remove.add_argument("username")
    remove.set_defaults(run=cmd_participants_remove)
    approve = people.add_parser("approve", help="approve a pending self-registration")
    approve.add_argument("username")
    approve.set_defaults(run=cmd_participants_approve)
    listing = people.add_parser("list", help="participants with how and when each registered")
    listing.add_argument("--pending", action="store_true", help="self-registrations waiting for approval")
    listing.add_argument("--csv", action="store_true")
    listing.set_defaults(run=cmd_participants_list)

    sync = commands.add_parser("sync", help="download and load leaderboards")
    sync.add_argument("slugs", nargs="*")
    sync.add_argument("--all", action="store_true", help="every ongoing competition with auto-sync on")
    sync.add_argument("--file", help="load the board from this file (Kaggle's zip, or its CSV) instead of Kaggle")
    sync.add_argument("--accept-held", action="store_true", help="load the download held back as implausible")
    sync.set_defaults(run=cmd_sync)

    for name, run, text in (("backup", cmd_backup, "write a backup zip"), ("restore", cmd_restore, "restore one")):
        command = commands.add_parser(name, help=text)
        command.add_argument("file")
        command.set_defaults(run=run)

    board = commands.add_parser("leaderboard", help="print the platform leaderboard")
    board.add_argument("competition")
    board.add_argument("--csv", action="store_true")
    board.add_argument("--all-teams", action="store_true", help="every Kaggle team, participants marked")
    board.set_defaults(run=cmd_leaderboard)

    ratings = commands.add_parser("ratings", help="the season table: ratings and Kaggle points")
    ratings.add_argument("--event", help="one event's competitions (default: every competition)")
    ratings.add_argument("--csv", action="store_true")
    ratings.set_defaults(run=cmd_ratings)
    graded = commands.add_parser("grades", help="each participant's baselines beaten")
    graded.add_argument("competition")
    graded.add_argument("--csv", action="store_true")
    graded.add_argument("--public", action="store_true", help="after the reveal: grade the kept public board")
    graded.set_defaults(run=cmd_grades)
    shake = commands.add_parser("shakeup", help="after the reveal: each participant's public and private rank")
    shake.add_argument("competition")
    shake.add_argument("--csv", action="store_true")
    shake.add_argument("--metrics", action="store_true", help="the shake-up figures as CSV rows metric,value")
    shake.set_defaults(run=cmd_shakeup)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Without -v nothing but the command's own lines: a crash logged with its traceback (a sync's, say)
    # would break the promise that every failure is one line.
    logging.basicConfig(level=logging.INFO if args.verbose else logging.CRITICAL,
                        format="%(levelname)s %(message)s")
    from . import redact

    redact.install_logging_filter()
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # every failure is one line, never a traceback
        if args.verbose:
            log.exception("command failed")
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    from . import redact

    return redact.one_line(exc) or type(exc).__name__
