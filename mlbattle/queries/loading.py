"""Loading a download: the CSV reader, the typed stage, the changed rows, the run record; matching (rules 1-5, one join)."""

from __future__ import annotations

# ---------------------------------------------------------------- loading a download


def read_csv_statement(column_count: int) -> str:
    """Stage the CSV as text columns c0..cN; the shape comes from a count, never from the file's words."""
    if not 0 < column_count <= 64:
        raise ValueError("a leaderboard has between 1 and 64 columns")
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(column_count))
    return (
        "CREATE OR REPLACE TEMP TABLE staged_raw AS SELECT * FROM read_csv(?, header = true, delim = ',', "  # noqa: S608 - counts only
        "quote = '\"', escape = '\"', auto_detect = false, strict_mode = true, encoding = 'utf-8', "
        f"columns = {{{columns}}})"
    )


def typed_stage_statement(positions: dict[str, int | None]) -> str:
    """Typed columns in file order, keeping the raw score and rank text only to name a bad value.

    `positions` maps our names to CSV column indexes (or None); the statement's shape comes from those
    integers alone.
    """

    def col(name: str) -> str:
        index = positions.get(name)
        return "CAST(NULL AS VARCHAR)" if index is None else f"c{int(index)}"

    rank, score = col("rank"), col("score")
    return f"""
        CREATE OR REPLACE TEMP TABLE staged_typed AS
        SELECT
            CAST(rowid + 1 AS INTEGER) AS position,
            TRY_CAST(trim({rank}) AS INTEGER) AS rank,
            {col('team_id')} AS team_id,
            {col('team_name')} AS team_name,
            TRY_CAST({col('submitted')} AS TIMESTAMP) AS submitted,
            TRY_CAST(trim({score}) AS DOUBLE) AS score,
            TRY_CAST(trim({col('submission_count')}) AS INTEGER) AS submission_count,
            {col('members')} AS members,
            {rank} AS rank_text,
            {score} AS score_text
        FROM staged_raw"""  # noqa: S608 - column positions only


# The first row whose score or rank is text that is not a number, in one pass.
FIRST_BAD_VALUE = """
    SELECT position, CASE WHEN bad_score THEN 'score' ELSE 'rank' END, CASE WHEN bad_score THEN score_text
           ELSE rank_text END
    FROM (SELECT position, score_text, rank_text,
                 score IS NULL AND nullif(trim(score_text), '') IS NOT NULL AS bad_score,
                 rank_text IS NOT NULL AND rank IS NULL AS bad_rank
          FROM staged_typed)
    WHERE bad_score OR bad_rank
    ORDER BY position LIMIT 1"""

TYPED_STAGE_ROWS = """
    SELECT rank, team_id, team_name, submitted, score, submission_count, members FROM staged_typed ORDER BY position"""

# `staged` is the parsed download (an Arrow table registered on the connection), in kaggle_rows' shape.
# The positions whose stored row differs from the download's in any column (every position, when the
# parameters are true), in order, and whether the row's members may differ (the members, the team name the
# older layout takes them from, or the benchmark flag): the comparison `diff` makes in memory, for a process
# that does not hold the previous board. The loader takes these rows out of the download as `arrived`, an
# Arrow table of the download's shape plus `members_changed`, so the writes below read only the changed rows,
# and a team that only submitted again keeps its member rows.
CHANGED_POSITIONS = """
    SELECT s.position,
           ? OR k.position IS NULL OR k.members IS DISTINCT FROM s.members
             OR k.team_name IS DISTINCT FROM s.team_name OR k.is_benchmark IS DISTINCT FROM s.is_benchmark
             AS members_changed
    FROM staged s LEFT JOIN (SELECT * FROM kaggle_rows WHERE competition_slug = ?) k ON k.position = s.position
    WHERE ? OR k.position IS NULL
       OR k.kaggle_rank IS DISTINCT FROM s.kaggle_rank OR k.team_id IS DISTINCT FROM s.team_id
       OR k.team_name IS DISTINCT FROM s.team_name OR k.last_submission IS DISTINCT FROM s.last_submission
       OR k.score IS DISTINCT FROM s.score OR k.submission_count IS DISTINCT FROM s.submission_count
       OR k.members IS DISTINCT FROM s.members OR k.is_benchmark IS DISTINCT FROM s.is_benchmark
    ORDER BY s.position"""

# The stored rows the write replaces: at the changed positions and past the download's end.
# Parameters: slug, the download's row count.
REPLACED_ROWS = """
    SELECT position, kaggle_rank, team_id, team_name, last_submission, score, submission_count, members,
           is_benchmark
    FROM kaggle_rows
    WHERE competition_slug = $1 AND (position > $2 OR position IN (SELECT position FROM arrived))"""

# Parameters: slug, the download's row count (rows past it are gone).
DELETE_CHANGED_ROWS = """
    DELETE FROM kaggle_rows
    WHERE competition_slug = $1 AND (position > $2 OR position IN (SELECT position FROM arrived))"""
DELETE_CHANGED_MEMBERS = """
    DELETE FROM kaggle_members
    WHERE competition_slug = $1
      AND (position > $2 OR position IN (SELECT position FROM arrived WHERE members_changed))"""
INSERT_CHANGED_ROWS = """
    INSERT INTO kaggle_rows
    SELECT ?, position, kaggle_rank, team_id, team_name, last_submission, score, submission_count, members,
           is_benchmark
    FROM arrived"""

# Rule 1: members' usernames, or the team name where the file has no member column; rule 2: no benchmarks.
INSERT_CHANGED_MEMBERS_FROM_COLUMN = """
    INSERT INTO kaggle_members
    SELECT DISTINCT ?, position, lower(trim(name))
    FROM (SELECT position, unnest(string_split(members, ',')) AS name
          FROM arrived WHERE members_changed AND NOT is_benchmark)
    WHERE trim(name) <> ''"""
INSERT_CHANGED_MEMBERS_FROM_TEAM_NAME = """
    INSERT INTO kaggle_members
    SELECT ?, position, lower(trim(team_name))
    FROM arrived
    WHERE members_changed AND NOT is_benchmark AND trim(team_name) <> ''"""

# Matching (rules 1 and 3) for the history snapshot, after the write: the positions of the competition's rows
# and the registered participants on them.
MATCHED_MEMBERS = """
    SELECT m.position, m.username_key
    FROM kaggle_members m JOIN participants p ON p.username_key = m.username_key
    WHERE m.competition_slug = ?"""

# Changes whenever a participant is added or removed: whether earlier matches still hold.
PARTICIPANTS_FINGERPRINT = "SELECT count(*), sum(hash(username_key)) FROM participants"

# `snapshot` is the matched members with their rows' values, one per participant on a team.
# Parameters: slug, sync id, synced at.
INSERT_HISTORY = """
    INSERT INTO history (competition_slug, sync_id, synced_at, username_key, team_name, kaggle_rank, score,
                         submission_count, board)
    SELECT ?, ?, ?, username_key, team_name, kaggle_rank, score, submission_count, ? FROM snapshot"""

SET_LOADED = """
    UPDATE competitions SET content_hash = ?, inferred_direction = ?, file_kind = ?, kaggle_team_count = ?, board = ?
    WHERE slug = ?"""

INSERT_RUN = """
    INSERT INTO sync_runs (id, competition_slug, trigger, started_at, finished_at, outcome, rows, matched,
                           created, updated, removed, duration_ms, content_hash, error, board)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""

LOADED_STATE = "SELECT content_hash, file_kind, board FROM competitions WHERE slug = ?"
SET_CONTENT_HASH = "UPDATE competitions SET content_hash = ? WHERE slug = ?"

# What a sync needs before it downloads: does the competition exist, its metric, its last attempt, and the
# hash and board of the download it holds (a new download, or a switch of board, is parsed before the load
# takes the file).
SYNC_STATE = """
    SELECT metric, (SELECT max(started_at) FROM sync_runs WHERE competition_slug = ?) AS last_attempt_at, status,
           auto_sync, content_hash, direction_override, board
    FROM competitions WHERE slug = ?"""

# ---------------------------------------------------------------- matching (rules 1-5, one join)

# Team-mates share the team's row, so they share kaggle_rank and, by the dense rank, platform_rank.
PLATFORM_LEADERBOARD = """
    SELECT
        dense_rank() OVER (ORDER BY r.kaggle_rank) AS platform_rank,
        r.kaggle_rank,
        p.display_name AS participant,
        p.kaggle_username,
        r.team_name,
        r.score,
        r.submission_count,
        r.last_submission
    FROM kaggle_rows r
    JOIN kaggle_members m ON m.competition_slug = r.competition_slug AND m.position = r.position
    JOIN participants p ON p.username_key = m.username_key
    WHERE r.competition_slug = ? AND NOT r.is_benchmark
    ORDER BY platform_rank, r.kaggle_rank, p.username_key"""

# Every Kaggle row, with the registered participants on each team and their platform rank.
ALL_TEAMS = """
    WITH matched AS (
        SELECT m.position, string_agg(p.display_name, ', ' ORDER BY p.kaggle_username) AS participant,
               string_agg(p.kaggle_username, ', ' ORDER BY p.kaggle_username) AS kaggle_username
        FROM kaggle_members m JOIN participants p ON p.username_key = m.username_key
        WHERE m.competition_slug = ?
        GROUP BY m.position)
    SELECT
        CASE WHEN m.position IS NOT NULL AND NOT r.is_benchmark
             THEN dense_rank() OVER (PARTITION BY m.position IS NOT NULL AND NOT r.is_benchmark
                                     ORDER BY r.kaggle_rank) END AS platform_rank,
        r.kaggle_rank, m.participant, m.kaggle_username, r.team_name, r.score, r.submission_count,
        r.last_submission
    FROM kaggle_rows r LEFT JOIN matched m ON m.position = r.position
    WHERE r.competition_slug = ?
    ORDER BY r.position"""

MATCHED_COUNT = """
    SELECT count(*) FROM kaggle_members m JOIN participants p ON p.username_key = m.username_key
    WHERE m.competition_slug = ?"""
