"""The organiser's login (password or Streamlit's OIDC), its lockouts, and the self-registration limits."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time

import streamlit as st

from .. import throttle
from ..settings import Settings
from ..text import md

MAX_FAILURES = 5
LOCKOUT_SECONDS = 300
# An address may be shared (an office, a venue's wifi), so a stranger's guesses from it lock the organiser
# out for at most this long; the session's own lockout stays LOCKOUT_SECONDS.
ADDRESS_LOCKOUT_SECONDS = 60
clock = time.time  # tests put their own clock here
_TOKEN_KEY = "admin_token"
_FAILURES_KEY = "admin_failures"
_LOCKED_UNTIL_KEY = "admin_locked_until"


def _digest(password: str) -> bytes:
    return hashlib.sha256(password.encode("utf-8")).digest()


def is_admin(cfg: Settings) -> bool:
    """Logged in with the password configured *now* (changing or removing it logs every session out), or
    signed in through Streamlit's own st.login with an address listed in MLBATTLE_ADMIN_EMAILS."""
    token = st.session_state.get(_TOKEN_KEY)
    by_password = bool(cfg.admin_password and isinstance(token, bytes)
                       and hmac.compare_digest(token, _digest(cfg.admin_password)))
    return by_password or (_signed_in_email() in cfg.admin_emails if cfg.admin_emails else False)


def oidc_configured() -> bool:
    """The host set up Streamlit's OIDC login (an [auth] table in secrets)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _signed_in_email() -> str | None:
    if not oidc_configured():
        return None
    try:
        if st.user.is_logged_in:
            return str(st.user.get("email") or "").strip().lower() or None
    except Exception:  # st.user outside a request
        return None
    return None


def require_admin(cfg: Settings) -> None:
    """Called first inside every organiser action, so no action runs for a session that is not logged in."""
    if not is_admin(cfg):
        st.error("Organiser actions need the organiser password: log in first.")
        st.stop()


# Wrong passwords per client address, across sessions: a new browser tab must not reset the count. Only
# addresses Streamlit knows count (it gives none for localhost and in AppTest), so a shared unknown address
# never locks everybody out.
_address_lockout = throttle.Lockout(MAX_FAILURES, ADDRESS_LOCKOUT_SECONDS)
# One gate per database: one app (tests, each with its own database, do not share a gate).
_login_gates: dict[str, throttle.LoginGate] = {}


def login_gate(cfg: Settings) -> throttle.LoginGate:
    return _login_gates.setdefault(cfg.db, throttle.LoginGate())


def _client_address() -> str | None:
    try:
        return st.context.ip_address or None
    except Exception:  # no request context: a bare script run
        return None


def _client_locked_until() -> float:
    address = _client_address()
    return _address_lockout.locked_until(address) if address else 0.0


def _count_client_failure(now: float) -> None:
    address = _client_address()
    if address is not None:
        _address_lockout.fail(address, now)


def locked_for(now: float | None = None) -> float:
    """Seconds this session (or its client address) must still wait after too many wrong passwords."""
    until = max(float(st.session_state.get(_LOCKED_UNTIL_KEY, 0.0)), _client_locked_until())
    return max(0.0, until - (now or clock()))


_registrations = throttle.registrations()


def _registration_keys() -> dict[str, str | None]:
    session = st.session_state.setdefault("registration_session", secrets.token_hex(8))
    return {"session": session, "address": _client_address(), "app": "app"}


def registration_wait(now: float | None = None) -> float:
    """Seconds before this visitor may register someone else (per session, client address and app)."""
    return _registrations.wait(_registration_keys(), now or time.time())


def count_registration(now: float | None = None) -> None:
    _registrations.record(_registration_keys(), now or time.time())


def login(cfg: Settings, attempt: str) -> str | None:
    """Check a password; None when it is right, else the message to show. Five wrong ones lock the session
    out for `LOCKOUT_SECONDS`, during which even the right one is refused."""
    if not cfg.admin_password:
        return "No organiser password is configured."
    now = clock()
    wait = locked_for(now)
    if wait > 0:
        return f"Too many wrong passwords: try again in {math.ceil(wait)} s."
    gate = login_gate(cfg)
    app_wait = gate.wait(now)
    if app_wait > 0:
        return f"Too many wrong passwords for this app lately: try again in {math.ceil(app_wait)} s."
    right = hmac.compare_digest(_digest(attempt or ""), _digest(cfg.admin_password))
    gate.checked(now, right)
    if right:
        st.session_state[_TOKEN_KEY] = _digest(cfg.admin_password)
        st.session_state[_FAILURES_KEY] = 0
        return None
    _count_client_failure(now)
    failures = int(st.session_state.get(_FAILURES_KEY, 0)) + 1
    if failures >= MAX_FAILURES:
        st.session_state[_FAILURES_KEY] = 0
        st.session_state[_LOCKED_UNTIL_KEY] = now + LOCKOUT_SECONDS
        return f"Too many wrong passwords: this session is locked out for {LOCKOUT_SECONDS // 60} min."
    st.session_state[_FAILURES_KEY] = failures
    return f"Wrong password ({MAX_FAILURES - failures} tries left)."


def logout() -> None:
    st.session_state.pop(_TOKEN_KEY, None)


def admin_gate(cfg: Settings) -> bool:
    """The login box, or why organiser actions are off; True when this session may act."""
    single_sign_on = oidc_configured() and bool(cfg.admin_emails)
    if not cfg.admin_password and not single_sign_on:
        st.warning(
            "Organiser actions are off: no organiser password is configured. Set the environment variable "
            "`MLBATTLE_ADMIN_PASSWORD`, or add `admin_password = \"...\"` to `.streamlit/secrets.toml` "
            "(on Streamlit Community Cloud: the app's Settings → Secrets), then reload. Or configure "
            "Streamlit's login (`[auth]` in secrets) and list organisers in `MLBATTLE_ADMIN_EMAILS`.",
            icon="🔒",
        )
        return False
    if is_admin(cfg):
        left, right = st.columns([4, 1])
        email = _signed_in_email()
        left.success(f"Logged in as organiser{f' ({md(email)})' if email else ''}.", icon="🔓")
        if right.button("Log out", key="admin_logout"):
            logout()
            if email:
                st.logout()
            st.rerun()
        return True
    if single_sign_on:
        email = _signed_in_email()
        if email:
            st.warning(f"Signed in as {md(email)}, which is not in MLBATTLE_ADMIN_EMAILS.")
        elif st.button("Log in with your account", key="admin_sso", icon=":material/login:"):
            st.login()
        if not cfg.admin_password:
            return False
    with st.form("admin_login"):
        attempt = st.text_input("Organiser password", type="password", key="admin_password")
        submitted = st.form_submit_button("Log in")
    if locked_for() > 0:
        st.error(f"Too many wrong passwords: try again in {math.ceil(locked_for())} s.")
    elif submitted:
        problem = login(cfg, attempt or "")
        if problem is None:
            st.rerun()
        st.error(problem)
    return False
