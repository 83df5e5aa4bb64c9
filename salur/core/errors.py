"""Errors that every door (web, API, CLI) turns into its own answer."""

from __future__ import annotations

from django.core.management.base import CommandError


class SalurError(Exception):
    """A request that cannot be carried out; the message is for a clerk, in Indonesian."""


class UnreadableFile(SalurError):
    """A file that cannot be read at all: wrong format, encoding, empty, missing columns."""


class PermissionDenied(SalurError):
    """The actor's role or region does not allow this."""


class CommandFailed(CommandError):
    """CLI exit code 2: the command could not do its work and nothing changed (contract: cli.md)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=2)


class NotFound(SalurError):
    """The object does not exist, or lies outside the actor's scope (indistinguishable on purpose)."""
