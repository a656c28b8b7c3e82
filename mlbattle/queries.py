"""Every SQL statement of the app, parameterised with `?`.

Nothing here is ever formatted with text that came from a person or a file. The one statement that is
shaped at run time, the CSV reader's column list, is built from column *counts and positions* only
(`c0`, `c1`, ...), see `read_csv_statement`.
"""

from __future__ import annotations

CREATE_SCHEMA_VERSION = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
SCHEMA_VERSION = "SELECT max(version) FROM schema_version"
SET_SCHEMA_VERSION = "INSERT INTO schema_version VALUES (?)"

# One list of statements per schema version; append, never edit a released one.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE events (
            slug VARCHAR PRIMARY KEY,
            title VARCHAR NOT NULL,
            start_date DATE,
            end_date DATE,
            description VARCHAR NOT NULL DEFAULT '',
            created_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE competitions (
            slug VARCHAR PRIMARY KEY,
            event_slug VARCHAR,
            title VARCHAR NOT NULL,
            url VARCHAR,
            deadline TIMESTAMP,
            metric VARCHAR,
            kaggle_team_count INTEGER,
            status VARCHAR NOT NULL,
            auto_sync BOOLEAN NOT NULL,
            direction_override VARCHAR,
            inferred_direction VARCHAR,
            worst DOUBLE,
            best DOUBLE,
            points DOUBLE,
            content_hash VARCHAR,
            file_kind VARCHAR,
            created_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE participants (
            username_key VARCHAR PRIMARY KEY,
            kaggle_username VARCHAR NOT NULL,
            display_name VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE kaggle_rows (
            competition_slug VARCHAR NOT NULL,
            position INTEGER NOT NULL,
            kaggle_rank INTEGER NOT NULL,
            team_id VARCHAR,
            team_name VARCHAR NOT NULL,
            last_submission TIMESTAMP,
            score DOUBLE,
            submission_count INTEGER,
            members VARCHAR,
            is_benchmark BOOLEAN NOT NULL)""",
        """CREATE TABLE kaggle_members (
            competition_slug VARCHAR NOT NULL,
            position INTEGER NOT NULL,
            username_key VARCHAR NOT NULL)""",
        """CREATE TABLE sync_runs (
            id VARCHAR PRIMARY KEY,
            competition_slug VARCHAR NOT NULL,
            trigger VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP NOT NULL,
            outcome VARCHAR NOT NULL,
            rows INTEGER,
            matched INTEGER,
            created INTEGER,
            updated INTEGER,
            removed INTEGER,
            duration_ms INTEGER,
            content_hash VARCHAR,
            error VARCHAR)""",
        """CREATE TABLE history (
            competition_slug VARCHAR NOT NULL,
            sync_id VARCHAR NOT NULL,
            synced_at TIMESTAMP NOT NULL,
            username_key VARCHAR NOT NULL,
            team_name VARCHAR,
            kaggle_rank INTEGER,
            score DOUBLE,
            submission_count INTEGER)""",
    ],
    # 2: the run log without its primary key. DuckDB writes a table's index out again at each checkpoint that
    # touches the table, and every sync adds a run: with 20,000 runs that cost 21 ms per sync (1.4 ms
    # without). Run ids are random UUIDs and nothing looks a run up by its id.
    [
        """CREATE TABLE sync_runs_v2 (
            id VARCHAR NOT NULL,
            competition_slug VARCHAR NOT NULL,
            trigger VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP NOT NULL,
            outcome VARCHAR NOT NULL,
            rows INTEGER,
            matched INTEGER,
            created INTEGER,
            updated INTEGER,
            removed INTEGER,
            duration_ms INTEGER,
            content_hash VARCHAR,
            error VARCHAR)""",
        "INSERT INTO sync_runs_v2 SELECT * FROM sync_runs",
        "DROP TABLE sync_runs",
        "ALTER TABLE sync_runs_v2 RENAME TO sync_runs",
    ],
]

# ---------------------------------------------------------------- loading a download


def read_csv_statement(column_count: int) -> str:
    """Stage the CSV as text columns c0..cN; the shape comes from a count, never from the file's words."""
    if not 0 < column_count <= 64:
        raise ValueError("a leaderboard has between 1 and 64 columns")
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(column_count))
    return (
        "CREATE OR REPLACE TEMP TABLE staged_raw AS SELECT * FROM read_csv(?, header = true, delim = ',', "
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
        FROM staged_raw"""


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
    INSERT INTO history
    SELECT ?, ?, ?, username_key, team_name, kaggle_rank, score, submission_count FROM snapshot"""

SET_LOADED = """
    UPDATE competitions SET content_hash = ?, inferred_direction = ?, file_kind = ?, kaggle_team_count = ?
    WHERE slug = ?"""

INSERT_RUN = """
    INSERT INTO sync_runs (id, competition_slug, trigger, started_at, finished_at, outcome, rows, matched,
                           created, updated, removed, duration_ms, content_hash, error)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""

LOADED_STATE = "SELECT content_hash, file_kind FROM competitions WHERE slug = ?"
SET_CONTENT_HASH = "UPDATE competitions SET content_hash = ? WHERE slug = ?"

# What a sync needs before it downloads: does the competition exist, its metric, its last attempt, and the
# hash of the download it holds (a new download is parsed before the load takes the file).
SYNC_STATE = """
    SELECT metric, (SELECT max(started_at) FROM sync_runs WHERE competition_slug = ?) AS last_attempt_at, status,
           auto_sync, content_hash
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

# ---------------------------------------------------------------- events, competitions, participants

INSERT_EVENT = """
    INSERT INTO events (slug, title, start_date, end_date, description, created_at) VALUES (?, ?, ?, ?, ?, ?)"""
UPDATE_EVENT = "UPDATE events SET title = ?, start_date = ?, end_date = ?, description = ? WHERE slug = ?"
GET_EVENT = "SELECT slug, title, start_date, end_date, description FROM events WHERE slug = ?"
LIST_EVENTS = "SELECT slug, title, start_date, end_date, description FROM events ORDER BY start_date NULLS LAST, slug"

INSERT_COMPETITION = """
    INSERT INTO competitions (slug, event_slug, title, url, deadline, metric, kaggle_team_count, status, auto_sync,
                              created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
UPDATE_COMPETITION_FROM_KAGGLE = """
    UPDATE competitions SET title = ?, url = ?, deadline = ?, metric = ?, kaggle_team_count = ? WHERE slug = ?"""
SET_COMPETITION_EVENT = "UPDATE competitions SET event_slug = ? WHERE slug = ?"
SET_STATUS = "UPDATE competitions SET status = ? WHERE slug = ?"
SET_AUTO_SYNC = "UPDATE competitions SET auto_sync = ? WHERE slug = ?"
SET_DIRECTION_OVERRIDE = "UPDATE competitions SET direction_override = ? WHERE slug = ?"
SET_SCORING = "UPDATE competitions SET worst = ?, best = ?, points = ? WHERE slug = ?"
DELETE_COMPETITION = [
    "DELETE FROM kaggle_rows WHERE competition_slug = ?",
    "DELETE FROM kaggle_members WHERE competition_slug = ?",
    "DELETE FROM history WHERE competition_slug = ?",
    "DELETE FROM sync_runs WHERE competition_slug = ?",
    "DELETE FROM competitions WHERE slug = ?",
]

_COMPETITION_COLUMNS = """
    c.slug, c.event_slug, c.title, c.url, c.deadline, c.metric, c.kaggle_team_count, c.status, c.auto_sync,
    coalesce(c.direction_override, c.inferred_direction, 'higher') AS direction, c.direction_override,
    c.inferred_direction, c.worst, c.best, c.points, c.content_hash,
    (SELECT max(started_at) FROM sync_runs s WHERE s.competition_slug = c.slug) AS last_attempt_at,
    (SELECT max(started_at) FROM sync_runs s WHERE s.competition_slug = c.slug
        AND s.outcome IN ('created', 'updated', 'unchanged')) AS last_success_at,
    (SELECT arg_max(outcome, started_at) FROM sync_runs s WHERE s.competition_slug = c.slug) AS last_outcome,
    (SELECT arg_max(error, started_at) FROM sync_runs s WHERE s.competition_slug = c.slug) AS last_error,
    (SELECT count(*) FROM kaggle_rows k WHERE k.competition_slug = c.slug AND NOT k.is_benchmark) AS teams,
    (SELECT count(DISTINCT p.username_key) FROM kaggle_members m JOIN participants p
        ON p.username_key = m.username_key WHERE m.competition_slug = c.slug) AS matched"""

GET_COMPETITION = f"SELECT {_COMPETITION_COLUMNS} FROM competitions c WHERE c.slug = ?"
LIST_COMPETITIONS = f"SELECT {_COMPETITION_COLUMNS} FROM competitions c ORDER BY c.event_slug NULLS LAST, c.slug"
AUTO_SYNC_SLUGS = "SELECT slug FROM competitions WHERE status = 'ongoing' AND auto_sync ORDER BY slug"

INSERT_PARTICIPANT = """
    INSERT INTO participants (username_key, kaggle_username, display_name, created_at) VALUES (?, ?, ?, ?)"""
INSERT_PARTICIPANTS_FROM_VIEW = """
    INSERT INTO participants (username_key, kaggle_username, display_name, created_at)
    SELECT username_key, kaggle_username, display_name, created_at FROM incoming_participants"""
PARTICIPANT_EXISTS = "SELECT kaggle_username FROM participants WHERE username_key = ?"
DELETE_PARTICIPANT = "DELETE FROM participants WHERE username_key = ?"
LIST_PARTICIPANTS = """
    SELECT kaggle_username, display_name, created_at FROM participants ORDER BY lower(display_name), username_key"""
PARTICIPANT_KEYS = "SELECT username_key FROM participants"

# ---------------------------------------------------------------- runs and history

RECENT_RUNS = """
    SELECT started_at, competition_slug, trigger, outcome, rows, matched, created, updated, removed, duration_ms,
           error
    FROM sync_runs WHERE (? IS NULL OR competition_slug = ?) ORDER BY started_at DESC LIMIT ?"""

HISTORY = """
    SELECT h.synced_at, p.display_name AS participant, p.kaggle_username, h.kaggle_rank, h.score,
           h.submission_count
    FROM history h JOIN participants p ON p.username_key = h.username_key
    WHERE h.competition_slug = ? ORDER BY h.synced_at, p.kaggle_username"""

# ---------------------------------------------------------------- event standings

# The event's competitions in column order, with what each one's points rule needs to be described.
EVENT_STANDINGS_COMPETITIONS = """
    SELECT c.slug, c.title, c.metric, coalesce(c.direction_override, c.inferred_direction, 'higher') AS direction,
           c.worst, c.best, c.points,
           (c.worst IS NOT NULL AND c.best IS NOT NULL AND c.points IS NOT NULL) AS organiser_set,
           (SELECT count(*) FROM kaggle_rows k WHERE k.competition_slug = c.slug AND NOT k.is_benchmark) AS teams
    FROM competitions c WHERE c.event_slug = ?
    ORDER BY c.deadline NULLS LAST, c.slug"""

# One row per (competition, participant found on at least one of the event's leaderboards).
# Organiser-set: (score - worst) / (best - worst) * points, clamped to [0, points]; no score gives 0.
# Zero-setup: 100 * beaten / (teams - 1), where teams counts the non-benchmark rows of the newest download
# and beaten those with a strictly worse kaggle_rank (a shared rank is not beaten); a lone team gets 100.
# platform_rank is PLATFORM_LEADERBOARD's dense rank; a participant matched twice (older header, two teams
# named alike) keeps their best row. Absent from a competition: NULL ranks and score, 0 points.
EVENT_STANDINGS = """
    WITH comps AS (
        SELECT slug, deadline, worst, best, points,
               (worst IS NOT NULL AND best IS NOT NULL AND points IS NOT NULL) AS organiser_set
        FROM competitions WHERE event_slug = ?),
    field AS (
        SELECT r.competition_slug, r.position, r.kaggle_rank, r.score,
               count(*) OVER (PARTITION BY r.competition_slug) AS teams,
               count(*) OVER (PARTITION BY r.competition_slug ORDER BY r.kaggle_rank
                              RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS at_or_above
        FROM kaggle_rows r JOIN comps c ON c.slug = r.competition_slug
        WHERE NOT r.is_benchmark),
    matched AS (
        SELECT f.competition_slug, p.username_key, f.position, f.kaggle_rank, f.score, f.teams, f.at_or_above,
               dense_rank() OVER (PARTITION BY f.competition_slug ORDER BY f.kaggle_rank) AS platform_rank
        FROM field f
        JOIN kaggle_members m ON m.competition_slug = f.competition_slug AND m.position = f.position
        JOIN participants p ON p.username_key = m.username_key),
    best_row AS (
        SELECT * FROM matched
        QUALIFY row_number() OVER (PARTITION BY competition_slug, username_key ORDER BY kaggle_rank, position) = 1),
    people AS (
        SELECT p.username_key, p.display_name, p.kaggle_username FROM participants p
        WHERE p.username_key IN (SELECT username_key FROM best_row))
    SELECT
        c.slug AS competition,
        p.display_name AS participant,
        p.kaggle_username,
        b.kaggle_rank,
        b.platform_rank,
        b.score,
        CAST(CASE
            WHEN b.username_key IS NULL OR (c.organiser_set AND b.score IS NULL) THEN 0
            WHEN c.organiser_set THEN greatest(0, least(c.points, (b.score - c.worst) / (c.best - c.worst) * c.points))
            WHEN b.teams <= 1 THEN 100
            ELSE 100 * CAST(b.teams - b.at_or_above AS DOUBLE) / (b.teams - 1)
        END AS DOUBLE) AS points,
        CASE WHEN c.organiser_set THEN 'organiser' ELSE 'field share' END AS rule
    FROM comps c
    CROSS JOIN people p
    LEFT JOIN best_row b ON b.competition_slug = c.slug AND b.username_key = p.username_key
    ORDER BY c.deadline NULLS LAST, c.slug, b.kaggle_rank NULLS LAST, p.username_key"""

# ---- backup and setup
# The tables a backup holds and a restore replaces. Statements are built from this fixed tuple only,
# never from a name found in a backup file.
BACKUP_TABLES: tuple[str, ...] = (
    "events", "competitions", "participants", "kaggle_rows", "kaggle_members", "sync_runs", "history",
)
BACKUP_SELECT = {table: f"SELECT * FROM {table}" for table in BACKUP_TABLES}
BACKUP_EMPTY = {table: f"SELECT * FROM {table} LIMIT 0" for table in BACKUP_TABLES}
BACKUP_DELETE = {table: f"DELETE FROM {table}" for table in BACKUP_TABLES}
BACKUP_INSERT = {table: f"INSERT INTO {table} SELECT * FROM backup_incoming" for table in BACKUP_TABLES}

# The declared setup's view of what organisers entered, for exporting it as event.toml + participants.csv.
SETUP_COMPETITIONS = """
    SELECT slug, event_slug, title, deadline, metric, status, auto_sync, direction_override, worst, best, points
    FROM competitions ORDER BY event_slug NULLS LAST, created_at, slug"""
SETUP_PARTICIPANTS = "SELECT kaggle_username, display_name FROM participants ORDER BY created_at, username_key"

# ---- demo
# Demo data goes only into a database with no event and no competition.
DEMO_DATABASE_IS_EMPTY = "SELECT NOT EXISTS (SELECT 1 FROM events) AND NOT EXISTS (SELECT 1 FROM competitions)"
# Per competition, how many runs a trigger made (the demo's snapshots loaded so far), and every competition.
RUNS_BY_TRIGGER = """
    SELECT c.slug, count(r.id) FROM competitions c LEFT JOIN sync_runs r ON r.competition_slug = c.slug AND r.trigger = ?
    GROUP BY c.slug"""

# ---- app reads (pages)
# Statements behind the pages. Several use a value more than once, so they take named parameters
# ($slug, $q, ...): DuckDB binds them like `?`; nothing is formatted into the text. `$q` is the search text
# already lower-cased ('' for none); the rank range applies to ranked teams, `$benchmarks` to rank-0 rows.

# The platform leaderboard (PLATFORM_LEADERBOARD's join and ranks), filtered and paged in SQL.
APP_PLATFORM_PAGE = """
    WITH board AS (
        SELECT
            dense_rank() OVER (ORDER BY r.kaggle_rank) AS platform_rank,
            r.kaggle_rank, p.display_name AS participant, p.kaggle_username, r.team_name, r.score,
            r.submission_count, r.last_submission
        FROM kaggle_rows r
        JOIN kaggle_members m ON m.competition_slug = r.competition_slug AND m.position = r.position
        JOIN participants p ON p.username_key = m.username_key
        WHERE r.competition_slug = $slug AND NOT r.is_benchmark)
    SELECT platform_rank, kaggle_rank, participant, kaggle_username, team_name, score, submission_count,
           last_submission, false AS is_benchmark, count(*) OVER () AS total_rows
    FROM board
    WHERE ($q = '' OR contains(lower(team_name), $q) OR contains(lower(participant), $q)
           OR contains(lower(kaggle_username), $q))
      AND kaggle_rank BETWEEN $rank_min AND $rank_max
    ORDER BY platform_rank, kaggle_rank, kaggle_username
    LIMIT $limit OFFSET $offset"""

# Every Kaggle row in Kaggle's order (ALL_TEAMS's join and ranks), filtered and paged in SQL; the search
# also looks in the member usernames, so anyone can find their team.
APP_TEAMS_PAGE = """
    WITH matched AS (
        SELECT m.position, string_agg(p.display_name, ', ' ORDER BY p.kaggle_username) AS participant,
               string_agg(p.kaggle_username, ', ' ORDER BY p.kaggle_username) AS kaggle_username
        FROM kaggle_members m JOIN participants p ON p.username_key = m.username_key
        WHERE m.competition_slug = $slug
        GROUP BY m.position),
    board AS (
        SELECT
            r.position, r.is_benchmark,
            CASE WHEN m.position IS NOT NULL AND NOT r.is_benchmark
                 THEN dense_rank() OVER (PARTITION BY m.position IS NOT NULL AND NOT r.is_benchmark
                                         ORDER BY r.kaggle_rank) END AS platform_rank,
            r.kaggle_rank, m.participant, m.kaggle_username, r.team_name, r.score, r.submission_count,
            r.last_submission, r.members
        FROM kaggle_rows r LEFT JOIN matched m ON m.position = r.position
        WHERE r.competition_slug = $slug)
    SELECT platform_rank, kaggle_rank, participant, kaggle_username, team_name, score, submission_count,
           last_submission, is_benchmark, count(*) OVER () AS total_rows
    FROM board
    WHERE ($q = '' OR contains(lower(team_name), $q) OR contains(lower(coalesce(participant, '')), $q)
           OR contains(lower(coalesce(members, '')), $q))
      AND CASE WHEN is_benchmark THEN $benchmarks ELSE kaggle_rank BETWEEN $rank_min AND $rank_max END
    ORDER BY position
    LIMIT $limit OFFSET $offset"""

# The field's score distribution in equal bins, computed where the rows are: the page gets `bins` rows,
# never the scores. The span is min..max, or the 1st..99th percentile when outliers would squash the rest
# into one bar (more than four times that spread); teams outside it count in the edge bins.
APP_SCORE_HISTOGRAM = """
    WITH s AS (
        SELECT score FROM kaggle_rows
        WHERE competition_slug = $slug AND NOT is_benchmark AND score IS NOT NULL AND isfinite(score)),
    stats AS (
        SELECT min(score) AS lo_all, max(score) AS hi_all,
               quantile_cont(score, 0.01) AS q_lo, quantile_cont(score, 0.99) AS q_hi FROM s),
    span AS (
        SELECT CASE WHEN q_hi > q_lo AND hi_all - lo_all > 4 * (q_hi - q_lo) THEN q_lo ELSE lo_all END AS lo,
               CASE WHEN q_hi > q_lo AND hi_all - lo_all > 4 * (q_hi - q_lo) THEN q_hi ELSE hi_all END AS hi,
               lo_all, hi_all
        FROM stats)
    SELECT
        CAST(least(greatest(floor((s.score - span.lo) / nullif(span.hi - span.lo, 0) * $bins), 0), $bins - 1)
             AS INTEGER) AS bin,
        any_value(span.lo) AS lo, any_value(span.hi) AS hi,
        any_value(span.lo_all) AS lo_all, any_value(span.hi_all) AS hi_all,
        count(*) AS teams
    FROM s CROSS JOIN span
    GROUP BY ALL ORDER BY bin"""

# Rank-0 rows: the host's benchmarks, drawn as reference lines.
APP_BENCHMARKS = """
    SELECT team_name, score FROM kaggle_rows
    WHERE competition_slug = ? AND is_benchmark AND score IS NOT NULL ORDER BY position"""

# Facts for the KPI row: the leader's score, the best participant, the registered count.
APP_LEADERBOARD_KPIS = """
    WITH best AS (
        SELECT r.kaggle_rank, r.score, p.display_name, p.kaggle_username
        FROM kaggle_rows r
        JOIN kaggle_members m ON m.competition_slug = r.competition_slug AND m.position = r.position
        JOIN participants p ON p.username_key = m.username_key
        WHERE r.competition_slug = $slug AND NOT r.is_benchmark
        ORDER BY r.kaggle_rank, p.kaggle_username LIMIT 1)
    SELECT
        (SELECT score FROM kaggle_rows WHERE competition_slug = $slug AND NOT is_benchmark
            ORDER BY kaggle_rank, position LIMIT 1) AS leader_score,
        (SELECT max(kaggle_rank) FROM kaggle_rows WHERE competition_slug = $slug) AS max_rank,
        (SELECT count(*) FROM participants) AS registered,
        (SELECT sum(submission_count) FROM kaggle_rows WHERE competition_slug = $slug) AS submissions,
        best.kaggle_rank AS best_participant_rank, best.score AS best_participant_score,
        best.display_name AS best_participant
    FROM (SELECT 1) LEFT JOIN best ON true"""

# Participants' snapshots for the chosen usernames (keys), oldest first.
APP_HISTORY_FOR = """
    SELECT h.synced_at, p.display_name AS participant, p.kaggle_username, h.kaggle_rank, h.score,
           h.submission_count
    FROM history h JOIN participants p ON p.username_key = h.username_key
    WHERE h.competition_slug = ? AND list_contains(?, h.username_key)
    ORDER BY h.synced_at, p.kaggle_username"""

# One participant's row on every competition's platform leaderboard (platform ranks as in
# PLATFORM_LEADERBOARD), with the field size for context.
APP_PARTICIPANT_RESULTS = """
    WITH matched AS (
        SELECT r.competition_slug, r.kaggle_rank, r.team_name, r.score, r.submission_count, r.last_submission,
               m.username_key,
               dense_rank() OVER (PARTITION BY r.competition_slug ORDER BY r.kaggle_rank) AS platform_rank,
               count(DISTINCT m.username_key) OVER (PARTITION BY r.competition_slug) AS on_platform
        FROM kaggle_rows r
        JOIN kaggle_members m ON m.competition_slug = r.competition_slug AND m.position = r.position
        JOIN participants p ON p.username_key = m.username_key
        WHERE NOT r.is_benchmark)
    SELECT c.slug AS competition, c.title, c.event_slug, c.status,
           coalesce(c.direction_override, c.inferred_direction, 'higher') AS direction, c.metric,
           x.platform_rank, x.on_platform, x.kaggle_rank,
           (SELECT count(*) FROM kaggle_rows k WHERE k.competition_slug = c.slug AND NOT k.is_benchmark) AS teams,
           x.team_name, x.score, x.submission_count, x.last_submission
    FROM matched x JOIN competitions c ON c.slug = x.competition_slug
    WHERE x.username_key = ?
    ORDER BY c.event_slug NULLS LAST, c.deadline NULLS LAST, c.slug"""

# One participant's snapshots on every competition.
APP_PARTICIPANT_HISTORY = """
    SELECT h.competition_slug AS competition, h.synced_at, h.kaggle_rank, h.score, h.submission_count
    FROM history h WHERE h.username_key = ? ORDER BY h.competition_slug, h.synced_at"""

# Registered people (for the organiser), searched and paged in SQL.
APP_PARTICIPANTS_PAGE = """
    SELECT kaggle_username, display_name, created_at, count(*) OVER () AS total_rows
    FROM participants
    WHERE $q = '' OR contains(username_key, $q) OR contains(lower(display_name), $q)
    ORDER BY lower(display_name), username_key
    LIMIT $limit OFFSET $offset"""

# Registered participants who are not on a competition's newest download, each with the closest team
# names and member usernames there (Jaro-Winkler similarity of the lower-cased texts), best first.
APP_UNMATCHED_WITH_CANDIDATES = """
    WITH missing AS (
        SELECT p.username_key, p.kaggle_username, p.display_name FROM participants p
        WHERE NOT EXISTS (SELECT 1 FROM kaggle_members m
                          WHERE m.competition_slug = $slug AND m.username_key = p.username_key)
        ORDER BY lower(p.display_name), p.username_key
        LIMIT $limit),
    teams AS (
        SELECT r.position, r.kaggle_rank, r.team_name, lower(r.team_name) AS name_key, r.members
        FROM kaggle_rows r WHERE r.competition_slug = $slug AND NOT r.is_benchmark),
    names AS (
        SELECT position, name_key AS candidate FROM teams
        UNION
        SELECT position, username_key FROM kaggle_members WHERE competition_slug = $slug),
    close_names AS (
        SELECT x.username_key, n.position, max(jaro_winkler_similarity(x.username_key, n.candidate)) AS similarity
        FROM missing x CROSS JOIN names n
        WHERE jaro_winkler_similarity(x.username_key, n.candidate) >= $threshold
        GROUP BY x.username_key, n.position),
    scored AS (
        SELECT * FROM close_names
        QUALIFY row_number() OVER (PARTITION BY username_key ORDER BY similarity DESC, position) <= $per_person)
    SELECT x.kaggle_username, x.display_name, t.kaggle_rank, t.team_name, t.members, s.similarity
    FROM missing x
    LEFT JOIN scored s ON s.username_key = x.username_key
    LEFT JOIN teams t ON t.position = s.position
    ORDER BY lower(x.display_name), x.username_key, s.similarity DESC NULLS LAST, t.kaggle_rank"""


# Cheap probes that key the pages' caches: any write that changes what a page shows changes one of these.
# The whole app: every competition's and event's row, the sync runs, the participants.
APP_DATA_VERSION = """
    SELECT (SELECT hash(list(c ORDER BY c.slug)) FROM competitions c) AS competitions,
           (SELECT hash(list(e ORDER BY e.slug)) FROM events e) AS events,
           (SELECT count(*) FROM sync_runs) AS runs, (SELECT max(finished_at) FROM sync_runs) AS last_run,
           (SELECT count(*) FROM participants) AS participants,
           (SELECT max(created_at) FROM participants) AS last_registered"""

# One competition: its row (content hash, settings), its newest run, the participants.
APP_COMPETITION_VERSION = """
    SELECT hash(c) AS competition,
           (SELECT count(*) FROM sync_runs s WHERE s.competition_slug = c.slug) AS runs,
           (SELECT max(finished_at) FROM sync_runs s WHERE s.competition_slug = c.slug) AS last_run,
           (SELECT count(*) FROM participants) AS participants,
           (SELECT max(created_at) FROM participants) AS last_registered
    FROM competitions c WHERE c.slug = ?"""

APP_PARTICIPANT = "SELECT kaggle_username, display_name, created_at FROM participants WHERE username_key = ?"
