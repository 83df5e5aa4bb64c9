"""Settings for the load test: the project's settings plus persistent database connections.

salur/settings.py opens a new PostgreSQL connection per request (`conn_max_age=0`): a backend process forked
for every lookup. The load test runs both ways (SALUR_LOADTEST_CONN_MAX_AGE=0 is the project's default) and
docs/portal.md recommends persistent connections (or a pooler) for the public portal.
"""

from __future__ import annotations

import os

from salur.settings import *  # noqa: F403
from salur.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("SALUR_LOADTEST_CONN_MAX_AGE", "600"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
