"""Boards for readers: event standings and the pages' reads."""

from __future__ import annotations

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
    SELECT c.slug AS competition, c.title, c.event_slug, c.status, c.board,
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
    SELECT kaggle_username, display_name, created_at, registered_via, count(*) OVER () AS total_rows
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
# The whole app: every competition's and event's row, the sync runs, the participants, and who waits for
# approval ("my results" says so for a pending username, and a rejected request must stop saying it).
APP_DATA_VERSION = """
    SELECT (SELECT hash(list(c ORDER BY c.slug)) FROM competitions c) AS competitions,
           (SELECT hash(list(e ORDER BY e.slug)) FROM events e) AS events,
           (SELECT count(*) FROM sync_runs) AS runs, (SELECT max(finished_at) FROM sync_runs) AS last_run,
           (SELECT count(*) FROM participants) AS participants,
           (SELECT max(created_at) FROM participants) AS last_registered,
           (SELECT hash(list(username_key ORDER BY username_key)) FROM pending_participants) AS pending"""

# One competition: its row (content hash, settings), its newest run, the participants.
APP_COMPETITION_VERSION = """
    SELECT hash(c) AS competition,
           (SELECT count(*) FROM sync_runs s WHERE s.competition_slug = c.slug) AS runs,
           (SELECT max(finished_at) FROM sync_runs s WHERE s.competition_slug = c.slug) AS last_run,
           (SELECT count(*) FROM participants) AS participants,
           (SELECT max(created_at) FROM participants) AS last_registered
    FROM competitions c WHERE c.slug = ?"""

APP_PARTICIPANT = "SELECT kaggle_username, display_name, created_at FROM participants WHERE username_key = ?"
