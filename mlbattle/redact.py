"""Secrets taken out of any text before a person or a log sees it.

A PostgreSQL driver's connection error quotes the whole URL, password included, and an exception's text
reaches pages, the command line, the server log and the stored reason of a failed sync. So every path that
shows such text passes it through `redact`: the secret values the running settings hold (every setting
declared `secret=True`, the Kaggle key and token, the password inside `MLBATTLE_DB`) are replaced by `***`,
and so is the password of any `scheme://user:password@host` in the text, known or not.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from .settings import Settings

MASK = "***"
# Shorter values are not masked inside free text: a 3-character secret would blank out every word that
# happens to contain it (the docs ask for long secrets anyway).
MIN_SECRET_LENGTH = 4
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)(?P<password>[^\s@/]*)(?=@)")
_DSN_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<password>'[^']*'|\S+)", re.IGNORECASE)

_known: set[str] = set()
_known_lock = threading.Lock()


def secret_values(settings: Settings) -> list[str]:
    """What must never be shown: every secret setting, the Kaggle credentials, a database URL's password."""
    from .settings import SETTINGS

    values = [getattr(settings, row.field) for row in SETTINGS if row.secret]
    values += [settings.kaggle.key, settings.kaggle.token]
    try:
        password = urlsplit(settings.db).password if "://" in settings.db else None
    except ValueError:
        password = None
    if password:
        values += [password, unquote(password)]
    return [str(value) for value in values if value and len(str(value)) >= MIN_SECRET_LENGTH]


def remember(settings: Settings) -> None:
    """Add the secrets of these settings to the ones masked everywhere in this process."""
    remember_values(secret_values(settings))


def remember_values(values: Iterable[str]) -> None:
    with _known_lock:
        _known.update(value for value in values if value and len(value) >= MIN_SECRET_LENGTH)


def redact(text: object, settings: Settings | None = None) -> str:
    """The text with every known secret and every URL's password replaced by `***`."""
    result = "" if text is None else str(text)
    with _known_lock:
        known = set(_known)
    if settings is not None:
        known.update(secret_values(settings))
    for value in sorted(known, key=len, reverse=True):  # longest first: one secret may contain another
        result = result.replace(value, MASK)
    result = _URL_PASSWORD.sub(lambda m: m["head"] + MASK, result)
    return _DSN_PASSWORD.sub(lambda m: m["head"] + MASK, result)


def one_line(text: object, settings: Settings | None = None, limit: int = 400) -> str:
    """Redacted and flattened to one line, for a message that promises to be one line."""
    return " ".join(redact(text, settings).split())[:limit]


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's message and in its traceback before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a call with the wrong arguments: let the handler report it as it would
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactingFilter()


def install_logging_filter() -> None:
    """Put the filter on every handler there is now: the root logger's and Streamlit's own (which do not
    propagate to the root). Safe to call on every page run; a handler gets the filter once."""
    loggers = [logging.getLogger(), *(logger for logger in logging.Logger.manager.loggerDict.values()
                                      if isinstance(logger, logging.Logger))]
    handlers = [handler for logger in loggers for handler in logger.handlers]
    if logging.lastResort is not None:  # where records go when no handler is configured (`streamlit run`)
        handlers.append(logging.lastResort)
    for handler in handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
