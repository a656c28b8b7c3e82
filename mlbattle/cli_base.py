"""What every command of the command line shares: the one-line failure and the settings and store it acts on."""

from __future__ import annotations


class CommandError(Exception):
    """A failure the user can act on; printed as one line."""


def settings():
    from . import settings as settings_module

    return settings_module.load()


def connect():
    from . import db

    return db.connect(settings())
