"""The command line's read-side commands: the platform leaderboard, the shake-up, the season table, grades."""

from __future__ import annotations

import argparse
import sys

from .cli_base import CommandError
from .cli_base import connect as _connect
from .text import plain


def cmd_leaderboard(args: argparse.Namespace) -> int:
    from . import export, kaggle_client, medals, movement, queries

    slug = kaggle_client.competition_slug(args.competition)
    with _connect() as con:
        if not con.execute(queries.GET_COMPETITION, [slug]).fetchone():
            raise CommandError(f"there is no competition {slug!r}: import it first")
        table = movement.export_frame(con, slug, args.all_teams)
    if args.csv:
        sys.stdout.write(export.to_csv(export.LEADERBOARD_COLUMNS, table.itertuples(index=False)))
        return 0
    for row in table.itertuples(index=False):
        mark = f"{medals.emoji(row.medal)}{_move(row.previous_rank, row.kaggle_rank, row.participant)}"
        print(f"{row.platform_rank or '-':>4} {row.kaggle_rank:>6}  {plain(row.participant or '-')[:30]:<30} "
              f"{plain(row.team_name or '')[:30]:<30} {'' if row.score is None else row.score}  {mark}".rstrip())
    if table.empty:
        print("no registered participant is on this leaderboard yet")
    return 0


def cmd_ratings(args: argparse.Namespace) -> int:
    from . import export, season

    with _connect() as con:
        table = season.season(con, args.event)
    rows = season.table_rows(table)
    if args.csv:
        sys.stdout.write(export.to_csv(season.COLUMNS, rows))
        return 0
    if rows:
        print(f"{'place':>5} {'participant':<30} {'kaggle_username':<24} {'rating':>8} {'n':>3} {'points':>10}")
    for place, participant, username, rating, played, points in rows:
        print(f"{place:>5} {plain(participant)[:30]:<30} {plain(username)[:24]:<24} {rating!s:>8} "
              f"{played:>3} {points!s:>10}")
    if not rows:
        print("no registered participant is on any of these competitions' boards yet")
    return 0


def cmd_grades(args: argparse.Namespace) -> int:
    from . import export, grades, kaggle_client

    slug = kaggle_client.competition_slug(args.competition)
    with _connect() as con:
        graded = grades.grades(con, slug, grades.PUBLIC if args.public else grades.CURRENT)
    if args.csv:
        sys.stdout.write(export.to_csv(grades.COLUMNS, graded.rows()))
        return 0
    if not graded.baselines:
        print(f"{slug} has no baselines: no benchmark on its board and no threshold set "
              "(competitions set SLUG --baselines 0.75,0.8)")
    for participant, username, score, beaten, total, upcoming, needed in graded.rows():
        after = "all beaten" if upcoming is None else f"next: {plain(upcoming)[:30]} ({needed:g})"
        shown = "" if score is None else score
        print(f"{plain(participant)[:30]:<30} {plain(username)[:24]:<24} {shown!s:>12} {beaten}/{total}  "
              f"{after}")
    return 0


def _move(previous_rank: int | None, kaggle_rank: int, participant: str | None) -> str:
    from . import movement

    return movement.arrow(previous_rank, kaggle_rank) if participant else ""


def cmd_shakeup(args: argparse.Namespace) -> int:
    from . import export, kaggle_client, reveal

    slug = kaggle_client.competition_slug(args.competition)
    with _connect() as con:
        if args.metrics:
            figures = reveal.shakeup(con, slug)
            sys.stdout.write(export.to_csv(("metric", "value"), figures.rows()))
            return 0
        rows = reveal.moves(con, slug)
    if args.csv:
        sys.stdout.write(export.to_csv(reveal.MOVE_COLUMNS, ([row[c] for c in reveal.MOVE_COLUMNS] for row in rows)))
        return 0
    if rows:
        print(f"{'private':>7} {'public':>7} {'move':>7}  participant")
    for row in rows:
        public, private = row["public_rank"], row["private_rank"]
        print(f"{'-' if private is None else private:>7} {'-' if public is None else public:>7} "
              f"{reveal.move_text(row['move']) or '-':>7}  {plain(row['participant'])[:30]:<30} "
              f"{plain(row['kaggle_username'])}")
    if not rows:
        print("no registered participant is on either board")
    return 0

