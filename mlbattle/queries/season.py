"""The season and grades: results across competitions for points and ratings; baselines and graded scores."""

from __future__ import annotations

# ---------------------------------------------------------------- season

# The competitions a season counts, in match order: those with a board (a ranked row), deadline first,
# no deadline last, then by slug. Parameters: event slug or NULL (twice) for every competition.
SEASON_COMPETITIONS = """
    SELECT c.slug, c.title, c.event_slug, c.deadline, c.board
    FROM competitions c
    WHERE (CAST(? AS VARCHAR) IS NULL OR c.event_slug = ?)
      AND EXISTS (SELECT 1 FROM kaggle_rows k WHERE k.competition_slug = c.slug AND NOT k.is_benchmark)
    ORDER BY c.deadline NULLS LAST, c.slug"""

# One row per (competition, participant on its current board), with what Kaggle points and the rating
# need: the participant's best row's kaggle_rank, the platform rank (PLATFORM_LEADERBOARD's dense rank, so
# team-mates share it), the row's team size (members listed on it; 1 where the file has no member column)
# and N, the ranked teams (rank-0 rows aside; a team the older layout lists once per submission counts once).
# Parameters: event slug or NULL (twice).
SEASON_RESULTS = """
    WITH comps AS (
        SELECT slug FROM competitions WHERE CAST(? AS VARCHAR) IS NULL OR event_slug = ?),
    teams AS (
        SELECT r.competition_slug, count(DISTINCT coalesce(r.team_id, CAST(r.position AS VARCHAR))) AS teams
        FROM kaggle_rows r JOIN comps c ON c.slug = r.competition_slug
        WHERE NOT r.is_benchmark GROUP BY r.competition_slug),
    matched AS (
        SELECT r.competition_slug, p.username_key, r.position, r.kaggle_rank,
               CASE WHEN r.members IS NULL THEN 1
                    ELSE greatest(1, len(list_filter(string_split(r.members, ','), lambda x: trim(x) <> '')))
               END AS team_size,
               dense_rank() OVER (PARTITION BY r.competition_slug ORDER BY r.kaggle_rank) AS platform_rank
        FROM kaggle_rows r JOIN comps c ON c.slug = r.competition_slug
        JOIN kaggle_members m ON m.competition_slug = r.competition_slug AND m.position = r.position
        JOIN participants p ON p.username_key = m.username_key
        WHERE NOT r.is_benchmark),
    best_row AS (
        SELECT * FROM matched
        QUALIFY row_number() OVER (PARTITION BY competition_slug, username_key ORDER BY kaggle_rank, position) = 1)
    SELECT b.competition_slug, b.username_key, p.display_name, p.kaggle_username, b.kaggle_rank, b.platform_rank,
           b.team_size, t.teams
    FROM best_row b JOIN teams t ON t.competition_slug = b.competition_slug
    JOIN participants p ON p.username_key = b.username_key
    ORDER BY b.competition_slug, b.platform_rank, b.username_key"""

SEASON_EVENT_EXISTS = "SELECT title FROM events WHERE slug = ?"

# ---------------------------------------------------------------- grades

# A competition's organiser thresholds and the direction its scores are compared in.
GRADE_COMPETITION = """
    SELECT coalesce(baselines, '') AS baselines, coalesce(direction_override, inferred_direction, 'higher'),
           title, board
    FROM competitions WHERE slug = ?"""

SET_BASELINES = "UPDATE competitions SET baselines = ? WHERE slug = ?"

def _grade_statements(rows: str, members: str) -> tuple[str, str]:
    """Grading's two reads of one stored board (`rows` and its `members`, fixed table names): its benchmarks
    (rank-0 rows) with a finite score in the file's order, and each participant with their best row's score
    (the participant's team's score)."""
    benchmarks = f"""
    SELECT team_name, score FROM {rows}
    WHERE competition_slug = ? AND is_benchmark AND score IS NOT NULL AND isfinite(score)
    ORDER BY position"""  # noqa: S608 - fixed table names
    participants = f"""
    WITH matched AS (
        SELECT p.display_name, p.kaggle_username, p.username_key, r.kaggle_rank, r.position, r.team_name, r.score
        FROM {rows} r
        JOIN {members} m ON m.competition_slug = r.competition_slug AND m.position = r.position
        JOIN participants p ON p.username_key = m.username_key
        WHERE r.competition_slug = ? AND NOT r.is_benchmark)
    SELECT display_name, kaggle_username, team_name, kaggle_rank, score FROM matched
    QUALIFY row_number() OVER (PARTITION BY username_key ORDER BY kaggle_rank, position) = 1
    ORDER BY kaggle_rank, username_key"""  # noqa: S608 - fixed table names
    return benchmarks, participants


# The current board, and after the reveal the public board kept beside it.
GRADE_BENCHMARKS, GRADE_PARTICIPANTS = _grade_statements("kaggle_rows", "kaggle_members")
GRADE_PUBLIC_BENCHMARKS, GRADE_PUBLIC_PARTICIPANTS = _grade_statements("public_boards", "public_board_members")
HAS_PUBLIC_BOARD = "SELECT count(*) > 0 FROM reveals WHERE competition_slug = ?"

# Teams (by TeamId, their name without one) on both boards whose public score and private score both equal
# another team's: one submission shared between teams. Each row is a team with its group (1, 2, ... by
# private rank) and the registered participants on it; benchmarks and teams without a score are left out.
SHARED_SUBMISSIONS = """
    WITH public_teams AS (
        SELECT coalesce(team_id, '#' || team_name) AS team, arg_min(score, kaggle_rank) AS public_score,
               min(kaggle_rank) AS public_rank
        FROM public_boards WHERE competition_slug = $slug AND NOT is_benchmark AND score IS NOT NULL
        GROUP BY ALL),
    private_teams AS (
        SELECT coalesce(team_id, '#' || team_name) AS team, arg_min(score, kaggle_rank) AS private_score,
               min(kaggle_rank) AS private_rank, arg_min(position, kaggle_rank) AS position
        FROM kaggle_rows WHERE competition_slug = $slug AND NOT is_benchmark AND score IS NOT NULL
        GROUP BY ALL),
    both_boards AS (
        SELECT v.position, u.public_rank, v.private_rank, u.public_score, v.private_score,
               count(*) OVER (PARTITION BY u.public_score, v.private_score) AS sharing,
               min(v.private_rank) OVER (PARTITION BY u.public_score, v.private_score) AS group_rank
        FROM public_teams u JOIN private_teams v ON v.team = u.team),
    named AS (
        SELECT m.position, string_agg(p.display_name, ', ' ORDER BY p.kaggle_username) AS participants,
               string_agg(p.kaggle_username, ', ' ORDER BY p.kaggle_username) AS kaggle_usernames
        FROM kaggle_members m JOIN participants p ON p.username_key = m.username_key
        WHERE m.competition_slug = $slug
        GROUP BY m.position)
    SELECT dense_rank() OVER (ORDER BY b.group_rank) AS shared_group, r.team_name, b.private_rank, b.public_rank,
           b.private_score, b.public_score, n.participants, n.kaggle_usernames
    FROM both_boards b
    JOIN kaggle_rows r ON r.competition_slug = $slug AND r.position = b.position
    LEFT JOIN named n ON n.position = b.position
    WHERE b.sharing > 1
    ORDER BY b.group_rank, b.private_rank, b.position
    LIMIT $limit"""
