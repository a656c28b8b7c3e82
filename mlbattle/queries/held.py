"""Downloads held back because they look wrong next to the stored board, and what rule 3's older layout needs."""

from __future__ import annotations

# The stored board's ranked teams (benchmarks aside), how many have a score, and the lowest and highest:
# what a new download is judged against.
STORED_BOARD_SPREAD = """
    SELECT count(*) FILTER (WHERE NOT is_benchmark),
           count(score) FILTER (WHERE NOT is_benchmark),
           min(score) FILTER (WHERE NOT is_benchmark),
           max(score) FILTER (WHERE NOT is_benchmark)
    FROM kaggle_rows WHERE competition_slug = ?"""

# One held download per competition: the newest replaces the one before.
DELETE_HELD = "DELETE FROM held_downloads WHERE competition_slug = ?"
INSERT_HELD = """
    INSERT INTO held_downloads (competition_slug, run_id, held_at, reason, file_name, rows, zip)
    VALUES (?, ?, ?, ?, ?, ?, ?)"""
# A restore replaces the boards held downloads were judged against; they are not in backups (not organisers'
# data, and a pending download is worth nothing once the next one arrives).
FORGET_HELD = "DELETE FROM held_downloads"
HELD_ZIP = "SELECT zip FROM held_downloads WHERE competition_slug = ?"
HELD_LIST = """
    SELECT competition_slug, held_at, reason, rows, file_name
    FROM held_downloads ORDER BY held_at DESC, competition_slug"""

# The organiser's direction for a competition, which ranks an older-layout file that is not in score order.
DIRECTION_SETTING = "SELECT direction_override, metric FROM competitions WHERE slug = ?"
