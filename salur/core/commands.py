"""Shared pieces of the CLI door: who is acting, JSON output, exit codes (contract: cli.md)."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from salur.core.errors import CommandFailed


class SalurCommand(BaseCommand):
    """A management command that can act as a user and print one JSON object."""

    acts_as_user = False
    # Batch commands skip Django's system checks (URL and admin checks cost time and are not their concern);
    # `salur check` and `salur serve` still run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        if self.acts_as_user:
            parser.add_argument("--user", help="nama pengguna yang menjalankan (atau SALUR_USER)")

    def actor(self, options: dict[str, Any]) -> Any:
        from django.contrib.auth import get_user_model

        User = get_user_model()  # noqa: N806
        name = options.get("user") or os.environ.get("SALUR_USER")
        if name:
            user = User.objects.filter(username=name, is_active=True).first()
            if user is None:
                raise CommandFailed(f"Pengguna '{name}' tidak ada atau tidak aktif")
            return user
        # Without --user the command acts as the administrator created by `salur setup`.
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
        if user is None:
            raise CommandFailed("Tidak ada pengguna: jalankan `salur setup` atau beri --user NAMA")
        self.stderr.write(
            f"(bertindak sebagai {user.username}; pakai --user atau SALUR_USER untuk pengguna lain)"
        )
        return user

    def emit_json(self, payload: Any) -> None:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, sort_keys=False) + "\n")
        sys.stdout.flush()


class TerminalProgress:
    """A progress bar on standard error (tqdm); silent when stderr is not a terminal."""

    def __init__(self, label: str) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=100, desc=label, file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)
        self.last = 0

    def __call__(self, fraction: float, stage: str) -> None:
        now = int(fraction * 100)
        self.bar.set_postfix_str(stage)
        if now > self.last:
            self.bar.update(now - self.last)
            self.last = now

    def close(self) -> None:
        self.bar.close()
