"""The private reveal: keeping the last public board, public ranks, the shake-up and its chart's points.

Ranks are `kaggle_rank` as each board has it (never re-ranked among the teams on both). A team is its `TeamId`
(its name where a file has none), counted once at its best rank, so an older-header file that lists a team per
improving submission still counts it once. Benchmarks (rank 0) are never part of a shake-up.
"""

from __future__ import annotations

# ---------------------------------------------------------------- keeping the public board

# The board the store holds now ('public', 'private', or NULL before the first download) and its hash.
STORED_BOARD = "SELECT board, content_hash FROM competitions WHERE slug = ?"

FORGET_PUBLIC_BOARD = [
    "DELETE FROM public_boards WHERE competition_slug = ?",
    "DELETE FROM public_board_members WHERE competition_slug = ?",
    "DELETE FROM reveals WHERE competition_slug = ?",
]
KEEP_PUBLIC_ROWS = """
    INSERT INTO public_boards (competition_slug, position, kaggle_rank, team_id, team_name, last_submission, score,
                               submission_count, members, is_benchmark)
    SELECT competition_slug, position, kaggle_rank, team_id, team_name, last_submission, score, submission_count,
           members, is_benchmark
    FROM kaggle_rows WHERE competition_slug = ?"""
KEEP_PUBLIC_MEMBERS = """
    INSERT INTO public_board_members (competition_slug, position, username_key)
    SELECT competition_slug, position, username_key FROM kaggle_members WHERE competition_slug = ?"""
# Parameters: slug, sync id, revealed at, the public board's content hash, slug.
INSERT_REVEAL = """
    INSERT INTO reveals (competition_slug, sync_id, revealed_at, public_content_hash, public_teams)
    SELECT ?, ?, ?, ?, (SELECT count(*) FROM public_boards WHERE competition_slug = ? AND NOT is_benchmark)"""

# ---------------------------------------------------------------- reading it

# The competition's current board and its reveal (NULLs when none was kept). No row: no such competition.
REVEAL_STATE = """
    SELECT c.board, r.revealed_at, r.public_teams, r.sync_id,
           (SELECT count(*) FROM kaggle_rows k WHERE k.competition_slug = c.slug AND NOT k.is_benchmark) AS teams
    FROM competitions c LEFT JOIN reveals r ON r.competition_slug = c.slug
    WHERE c.slug = ?"""

# Each registered participant's best kaggle_rank on the kept public board and on the current (private) one.
_PARTICIPANT_RANKS = """
    public_ranks AS (
        SELECT m.username_key, min(b.kaggle_rank) AS public_rank
        FROM public_boards b
        JOIN public_board_members m ON m.competition_slug = b.competition_slug AND m.position = b.position
        WHERE b.competition_slug = $slug AND NOT b.is_benchmark
        GROUP BY m.username_key),
    private_ranks AS (
        SELECT m.username_key, min(r.kaggle_rank) AS private_rank
        FROM kaggle_rows r
        JOIN kaggle_members m ON m.competition_slug = r.competition_slug AND m.position = r.position
        WHERE r.competition_slug = $slug AND NOT r.is_benchmark
        GROUP BY m.username_key),
    people AS (
        SELECT p.username_key, p.display_name, p.kaggle_username, u.public_rank, v.private_rank
        FROM participants p
        LEFT JOIN public_ranks u ON u.username_key = p.username_key
        LEFT JOIN private_ranks v ON v.username_key = p.username_key
        WHERE u.username_key IS NOT NULL OR v.username_key IS NOT NULL)"""

# One row per registered participant on either board; move = public - private (up is positive).
SHAKEUP_PARTICIPANTS = f"""
    WITH {_PARTICIPANT_RANKS}
    SELECT display_name AS participant, kaggle_username, public_rank, private_rank,
           public_rank - private_rank AS move
    FROM people
    ORDER BY private_rank NULLS LAST, public_rank NULLS LAST, lower(display_name), username_key"""  # noqa: S608 - a fixed CTE

# Each participant's public rank (username_key -> rank), for the leaderboard's `public_rank` column.
PUBLIC_RANKS = f"""
    WITH {_PARTICIPANT_RANKS}
    SELECT username_key, public_rank FROM people WHERE public_rank IS NOT NULL"""  # noqa: S608 - a fixed CTE

# Every ranked team on both boards, once, at its best rank on each, by TeamId (its name without one).
_FIELD = """
    public_teams AS (
        SELECT coalesce(team_id, '#' || team_name) AS team, min(kaggle_rank) AS public_rank
        FROM public_boards WHERE competition_slug = $slug AND NOT is_benchmark
        GROUP BY ALL),
    private_teams AS (
        SELECT coalesce(team_id, '#' || team_name) AS team, min(kaggle_rank) AS private_rank,
               arg_min(position, kaggle_rank) AS position
        FROM kaggle_rows WHERE competition_slug = $slug AND NOT kaggle_rows.is_benchmark
        GROUP BY ALL),
    field AS (
        SELECT u.public_rank, v.private_rank, v.position
        FROM public_teams u JOIN private_teams v ON v.team = u.team)"""

# The spec's figures: mean |private - public| / N over the field (the teams on both boards, N of them) and over
# the participants on both (divided by the same N); the `_top10` pair only over those whose private rank is
# within ceil(N / 10), computed in integers so that 0.1 * 30 never rounds up to 4.
SHAKEUP_METRICS = f"""
    WITH {_FIELD}, {_PARTICIPANT_RANKS},
    size AS (SELECT count(*) AS n, (count(*) + 9) // 10 AS top FROM field),
    moved AS (
        SELECT abs(private_rank - public_rank) AS shift, private_rank, false AS participant FROM field
        UNION ALL
        SELECT abs(private_rank - public_rank), private_rank, true FROM people
        WHERE public_rank IS NOT NULL AND private_rank IS NOT NULL)
    SELECT s.n, s.top,
           count(*) FILTER (WHERE m.participant) AS participants_on_both,
           avg(m.shift) FILTER (WHERE NOT m.participant) / s.n AS field,
           avg(m.shift) FILTER (WHERE m.participant) / s.n AS participants,
           avg(m.shift) FILTER (WHERE NOT m.participant AND m.private_rank <= s.top) / s.n AS field_top10,
           avg(m.shift) FILTER (WHERE m.participant AND m.private_rank <= s.top) / s.n AS participants_top10
    FROM size s LEFT JOIN moved m ON true
    GROUP BY s.n, s.top"""  # noqa: S608 - fixed CTEs

# The chart's points: every team on both boards with its ranks, its name, and the participants on it.
SHAKEUP_FIELD = f"""
    WITH {_FIELD},
    named AS (
        SELECT m.position, string_agg(p.display_name, ', ' ORDER BY p.kaggle_username) AS participants
        FROM kaggle_members m JOIN participants p ON p.username_key = m.username_key
        WHERE m.competition_slug = $slug
        GROUP BY m.position)
    SELECT f.public_rank, f.private_rank, r.team_name, n.participants
    FROM field f
    JOIN kaggle_rows r ON r.competition_slug = $slug AND r.position = f.position
    LEFT JOIN named n ON n.position = f.position
    ORDER BY f.private_rank, f.position"""  # noqa: S608 - a fixed CTE
