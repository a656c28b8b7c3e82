"""Organisers' writes and lists: events, competitions, participants; runs and history; backup, setup, demo."""

from __future__ import annotations

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
    "DELETE FROM public_boards WHERE competition_slug = ?",
    "DELETE FROM public_board_members WHERE competition_slug = ?",
    "DELETE FROM reveals WHERE competition_slug = ?",
    "DELETE FROM held_downloads WHERE competition_slug = ?",
    "DELETE FROM competitions WHERE slug = ?",
]

_COMPETITION_COLUMNS = """
    c.slug, c.event_slug, c.title, c.url, c.deadline, c.metric, c.kaggle_team_count, c.status, c.auto_sync,
    coalesce(c.direction_override, c.inferred_direction, 'higher') AS direction, c.direction_override,
    c.inferred_direction, c.worst, c.best, c.points, c.content_hash, c.board,
    (SELECT max(started_at) FROM sync_runs s WHERE s.competition_slug = c.slug) AS last_attempt_at,
    (SELECT max(started_at) FROM sync_runs s WHERE s.competition_slug = c.slug
        AND s.outcome IN ('created', 'updated', 'unchanged')) AS last_success_at,
    (SELECT arg_max(outcome, started_at) FROM sync_runs s WHERE s.competition_slug = c.slug) AS last_outcome,
    (SELECT arg_max(error, started_at) FROM sync_runs s WHERE s.competition_slug = c.slug) AS last_error,
    (SELECT count(*) FROM kaggle_rows k WHERE k.competition_slug = c.slug AND NOT k.is_benchmark) AS teams,
    (SELECT count(DISTINCT p.username_key) FROM kaggle_members m JOIN participants p
        ON p.username_key = m.username_key WHERE m.competition_slug = c.slug) AS matched"""

GET_COMPETITION = f"SELECT {_COMPETITION_COLUMNS} FROM competitions c WHERE c.slug = ?"  # noqa: S608 - a fixed column list
LIST_COMPETITIONS = f"SELECT {_COMPETITION_COLUMNS} FROM competitions c ORDER BY c.event_slug NULLS LAST, c.slug"  # noqa: S608
AUTO_SYNC_SLUGS = "SELECT slug FROM competitions WHERE status = 'ongoing' AND auto_sync ORDER BY slug"

PARTICIPANT_EXISTS = "SELECT kaggle_username FROM participants WHERE username_key = ?"
DELETE_PARTICIPANT = "DELETE FROM participants WHERE username_key = ?"
LIST_PARTICIPANTS = """
    SELECT kaggle_username, display_name, created_at FROM participants ORDER BY lower(display_name), username_key"""
PARTICIPANT_KEYS = "SELECT username_key FROM participants"

# ---------------------------------------------------------------- runs and history

RECENT_RUNS = """
    SELECT started_at, competition_slug, trigger, outcome, rows, matched, created, updated, removed, duration_ms,
           error, notice
    FROM sync_runs WHERE (? IS NULL OR competition_slug = ?) ORDER BY started_at DESC LIMIT ?"""

HISTORY = """
    SELECT h.synced_at, p.display_name AS participant, p.kaggle_username, h.kaggle_rank, h.score,
           h.submission_count
    FROM history h JOIN participants p ON p.username_key = h.username_key
    WHERE h.competition_slug = ? ORDER BY h.synced_at, p.kaggle_username"""

# ---- backup and setup
# The tables a backup holds and a restore replaces. Statements are built from this fixed tuple only,
# never from a name found in a backup file.
BACKUP_TABLES: tuple[str, ...] = (
    "events", "competitions", "participants", "kaggle_rows", "kaggle_members", "sync_runs", "history",
    "pending_participants",
    "public_boards", "public_board_members", "reveals",
)
BACKUP_SELECT = {table: f"SELECT * FROM {table}" for table in BACKUP_TABLES}  # noqa: S608 - names from the fixed tuple
BACKUP_EMPTY = {table: f"SELECT * FROM {table} LIMIT 0" for table in BACKUP_TABLES}  # noqa: S608 - names from the fixed tuple
BACKUP_DELETE = {table: f"DELETE FROM {table}" for table in BACKUP_TABLES}  # noqa: S608 - names from the fixed tuple
BACKUP_INSERT = {table: f"INSERT INTO {table} BY NAME SELECT * FROM backup_incoming" for table in BACKUP_TABLES}  # noqa: S608 - names from the fixed tuple

# The declared setup's view of what organisers entered, for exporting it as event.toml + participants.csv.
SETUP_COMPETITIONS = """
    SELECT slug, event_slug, title, deadline, metric, status, auto_sync, direction_override, worst, best, points,
           baselines
    FROM competitions ORDER BY event_slug NULLS LAST, created_at, slug"""
SETUP_PARTICIPANTS = "SELECT kaggle_username, display_name FROM participants ORDER BY created_at, username_key"

# ---- demo
# Demo data goes only into a database with no event and no competition.
DEMO_DATABASE_IS_EMPTY = "SELECT NOT EXISTS (SELECT 1 FROM events) AND NOT EXISTS (SELECT 1 FROM competitions)"
# Per competition, how many runs a trigger made (the demo's snapshots loaded so far), and every competition.
RUNS_BY_TRIGGER = """
    SELECT c.slug, count(r.id) FROM competitions c LEFT JOIN sync_runs r ON r.competition_slug = c.slug AND r.trigger = ?
    GROUP BY c.slug"""
