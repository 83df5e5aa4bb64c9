from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sqlite_guards(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from salur.core.setfk import sqlite_sync

    sqlite_sync(connections[using])


class CoreConfig(AppConfig):
    name = "salur.core"
    verbose_name = "Inti"

    def ready(self) -> None:
        # Once per migrate run (sender: this app), after every app's migrations: the set-based foreign keys'
        # SQLite triggers (core/setfk.py).
        post_migrate.connect(_sqlite_guards, sender=self, dispatch_uid="salur.core.sqlite_guards")
