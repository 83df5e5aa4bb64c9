"""Stage timings of batch paths, logged at INFO (`SALUR_LOG_LEVEL=INFO`) so that a slow run says where it went.

    stages = Stages("cycles.create")
    with stages("read"):
        ...
    stages.log()   # cycles.create timings (s): {"read": 1.23, ...}

Only durations and stage names are logged: never data.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Stages:
    def __init__(self, name: str) -> None:
        self.name = name
        self.seconds: dict[str, float] = {}
        self._log = logging.getLogger(f"salur.timing.{name}")

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - t0

    def log(self) -> None:
        rounded = {k: round(v, 2) for k, v in self.seconds.items()}
        self._log.info("%s timings (s): %s", self.name, json.dumps(rounded))
