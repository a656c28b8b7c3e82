"""The schema: its version table and the migrations, one list of statements per version."""

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
    # 3: which board each download is (`public`, or `private` once the deadline passed), on the competition
    # (its current board), on each history snapshot and on each run that loaded rows.
    [
        "ALTER TABLE competitions ADD COLUMN board VARCHAR",
        "ALTER TABLE history ADD COLUMN board VARCHAR",
        "ALTER TABLE sync_runs ADD COLUMN board VARCHAR",
        "UPDATE competitions SET board = 'public' WHERE content_hash IS NOT NULL",
        "UPDATE history SET board = 'public'",
    ],
    # Self-registrations waiting for an organiser (MLBATTLE_REGISTRATION = approval) in their own table, so
    # the matching join over `participants` never sees them; and how each participant was registered
    # ('self', 'organiser', 'import', 'setup' or 'approved'; empty for those registered before this).
    [
        """CREATE TABLE pending_participants (
            username_key VARCHAR NOT NULL,
            kaggle_username VARCHAR NOT NULL,
            display_name VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL)""",
        "ALTER TABLE participants ADD COLUMN registered_via VARCHAR",
    ],
    # Alerts: what a webhook delivery that failed leaves on the sync run it followed ("the webhook answered
    # 500"), so organisers see it in the run log; the sync itself still succeeded.
    [
        "ALTER TABLE sync_runs ADD COLUMN notice VARCHAR",
    ],
    # The private reveal. When a competition's first private download arrives, the public board it replaces
    # is kept in full (every team, benchmarks, member usernames for matching) so the field's shake-up and each
    # participant's public rank can still be worked out; `reveals` says when, which run, and how big it was.
    [
        """CREATE TABLE public_boards (
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
        """CREATE TABLE public_board_members (
            competition_slug VARCHAR NOT NULL,
            position INTEGER NOT NULL,
            username_key VARCHAR NOT NULL)""",
        """CREATE TABLE reveals (
            competition_slug VARCHAR NOT NULL,
            sync_id VARCHAR NOT NULL,
            revealed_at TIMESTAMP NOT NULL,
            public_content_hash VARCHAR,
            public_teams INTEGER NOT NULL)""",
    ],
    # A download held back because it looks wrong next to the stored board (all scores equal, or under half the
    # teams): the zip itself, kept in the database (so it survives a Postgres deployment's wiped disk) until
    # an organiser accepts it or the next download replaces it. One per competition; no key, as the run log.
    [
        """CREATE TABLE held_downloads (
            competition_slug VARCHAR NOT NULL,
            run_id VARCHAR NOT NULL,
            held_at TIMESTAMP NOT NULL,
            reason VARCHAR NOT NULL,
            file_name VARCHAR NOT NULL,
            rows INTEGER,
            zip BLOB NOT NULL)""",
    ],
    # Grades: an organiser's score thresholds per competition, graded beside the board's benchmarks (rank-0
    # rows), on the competition's row so a backup carries them and removing the competition removes them. Kept
    # as the text an organiser types ("0.75, 0.8", each number's shortest exact form): PostgreSQL has no
    # DOUBLE[] type, and the text reads back as the same numbers on both stores.
    [
        "ALTER TABLE competitions ADD COLUMN baselines VARCHAR",
    ],
]
