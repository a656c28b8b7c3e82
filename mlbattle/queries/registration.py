"""Registrations: how each participant came to be registered, and self-registrations waiting for approval.

Pending registrations sit in their own table, so the matching join (which reads `participants` only) never
sees them: a pending username matches nothing and shows nowhere until an organiser approves it.
"""

from __future__ import annotations

INSERT_PARTICIPANT_VIA = """
    INSERT INTO participants (username_key, kaggle_username, display_name, created_at, registered_via)
    VALUES (?, ?, ?, ?, ?)"""
INSERT_PARTICIPANTS_FROM_VIEW_VIA = """
    INSERT INTO participants (username_key, kaggle_username, display_name, created_at, registered_via)
    SELECT username_key, kaggle_username, display_name, created_at, registered_via FROM incoming_participants"""

INSERT_PENDING = """
    INSERT INTO pending_participants (username_key, kaggle_username, display_name, created_at) VALUES (?, ?, ?, ?)"""
PENDING_EXISTS = "SELECT kaggle_username FROM pending_participants WHERE username_key = ?"
DELETE_PENDING = "DELETE FROM pending_participants WHERE username_key = ?"
APPROVE_PENDING = """
    INSERT INTO participants (username_key, kaggle_username, display_name, created_at, registered_via)
    SELECT username_key, kaggle_username, display_name, ?, 'approved' FROM pending_participants WHERE username_key = ?"""
LIST_PENDING = """
    SELECT kaggle_username, display_name, created_at AS requested_at FROM pending_participants
    ORDER BY created_at, username_key"""
LIST_REGISTRATIONS = """
    SELECT kaggle_username, display_name, coalesce(registered_via, '') AS registered_via, created_at AS registered_at
    FROM participants ORDER BY created_at, username_key"""
