"""The `salur` command: a thin door onto Django's management commands.

`salur import registry ...` runs the management command `import_registry`; `salur cycle create` runs
`cycle_create`; a single word (`salur setup`, `salur migrate`) runs the command of that name. Every Django
command stays reachable, so `salur shell` and `salur dbshell` work too.
"""

from __future__ import annotations

import os
import sys


def _resolve(argv: list[str]) -> list[str]:
    from django.core.management import get_commands

    commands = get_commands()
    if len(argv) >= 2:
        name = f"{argv[0]}_{argv[1].replace('-', '_')}"  # `payments import-status` -> payments_import_status
        if name in commands:
            return [name, *argv[2:]]
    return argv


def main(argv: list[str] | None = None, *, plain_django: bool = False) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salur.settings")
    import django
    from django.core.management import ManagementUtility

    args = list(sys.argv if argv is None else argv)
    prog, rest = args[0], args[1:]
    django.setup()
    if not rest:
        rest = ["help"]
    elif not plain_django:
        rest = _resolve(rest)
    ManagementUtility([os.path.basename(prog), *rest]).execute()
    return 0


if __name__ == "__main__":
    sys.exit(main())
