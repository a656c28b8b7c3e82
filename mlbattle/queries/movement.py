"""Movement and medals: each participant's rank on the previous download of the same board, the field's
size and the score each medal zone needs; the run notice that alerts leave."""

from __future__ import annotations

# The downloads that changed a board: what "the previous changed download" counts.
LOADED_OUTCOMES = ("created", "updated")

# The platform leaderboard (PLATFORM_LEADERBOARD's join and ranks) with each participant's `previous_rank`:
# their best kaggle_rank in the newest history snapshot of the same board taken before the current download
# (the newest created/updated run) on which they appear. Skipping a download looks further back; a
# participant with no such snapshot (joined late, or registered since) has none. `teams` is N, the ranked
# teams of the current board, for the medals.
MOVEMENT = """
    WITH latest AS (
        SELECT id, finished_at FROM sync_runs
        WHERE competition_slug = $slug AND outcome IN ('created', 'updated')
        ORDER BY finished_at DESC, id DESC LIMIT 1),
    current_board AS (SELECT board FROM competitions WHERE slug = $slug),
    board AS (
        SELECT dense_rank() OVER (ORDER BY r.kaggle_rank) AS platform_rank, r.kaggle_rank, p.username_key,
               p.display_name AS participant, p.kaggle_username, r.team_name, r.score, r.submission_count,
               r.last_submission
        FROM kaggle_rows r
        JOIN kaggle_members m ON m.competition_slug = r.competition_slug AND m.position = r.position
        JOIN participants p ON p.username_key = m.username_key
        WHERE r.competition_slug = $slug AND NOT r.is_benchmark),
    earlier AS (
        SELECT h.username_key, min(h.kaggle_rank) AS kaggle_rank, h.synced_at
        FROM history h CROSS JOIN latest CROSS JOIN current_board c
        WHERE h.competition_slug = $slug AND h.sync_id <> latest.id AND h.synced_at <= latest.finished_at
          AND h.board IS NOT DISTINCT FROM c.board AND h.kaggle_rank IS NOT NULL
        GROUP BY h.username_key, h.sync_id, h.synced_at),
    previous AS (
        SELECT username_key, kaggle_rank AS previous_rank FROM earlier
        QUALIFY row_number() OVER (PARTITION BY username_key ORDER BY synced_at DESC) = 1)
    SELECT b.platform_rank, b.kaggle_rank, b.participant, b.kaggle_username, b.username_key, b.team_name,
           b.score, b.submission_count, b.last_submission, pr.previous_rank,
           (SELECT count(*) FROM kaggle_rows k WHERE k.competition_slug = $slug AND NOT k.is_benchmark) AS teams,
           (SELECT board FROM current_board) AS board
    FROM board b LEFT JOIN previous pr ON pr.username_key = b.username_key
    ORDER BY b.platform_rank, b.kaggle_rank, b.username_key"""

# N for the medals: the ranked teams of a competition's current board.
RANKED_TEAMS = "SELECT count(*) FROM kaggle_rows WHERE competition_slug = ? AND NOT is_benchmark"

# The score at each of the given ranks (the last ranked row at or above it), for the zones' lines.
SCORES_AT_RANKS = """
    SELECT t.rank_limit,
           (SELECT k.score FROM kaggle_rows k
            WHERE k.competition_slug = ? AND NOT k.is_benchmark AND k.kaggle_rank <= t.rank_limit
            ORDER BY k.kaggle_rank DESC, k.position DESC LIMIT 1) AS score
    FROM (SELECT unnest(?) AS rank_limit) t
    ORDER BY t.rank_limit"""

# Alerts: the outcomes of a competition's newest runs, newest first (three failures in a row).
LAST_OUTCOMES = """
    SELECT outcome FROM sync_runs WHERE competition_slug = ? ORDER BY started_at DESC, finished_at DESC LIMIT ?"""

# What an alert that could not be delivered leaves on its run (never the webhook's address).
SET_RUN_NOTICE = "UPDATE sync_runs SET notice = ? WHERE id = ?"

# A competition's title, whether it holds a board, which board, and N for the medals (alerts, exports).
BOARD_FACTS = """
    SELECT title, content_hash, board,
           (SELECT count(*) FROM kaggle_rows k WHERE k.competition_slug = c.slug AND NOT k.is_benchmark) AS teams
    FROM competitions c WHERE slug = ?"""
