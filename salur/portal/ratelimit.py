"""Per-client rate limits of the public pages and API: a fixed-window counter in Django's cache.

Keyed by the client's address (REMOTE_ADDR: behind a reverse proxy, the proxy must set it from the real client,
docs/portal.md). With the default local-memory cache each server process counts on its own; production with
several processes sets SALUR_REDIS_URL (Django's Redis cache, shared by every process), see docs/portal.md. On
Redis a count is one round trip (SET NX with the window's expiry, then INCR, in one pipeline).

Limits: `SALUR_PORTAL_RATE_LIMITS` in settings or the environment variable of the same name, e.g.
"lookup=30/60,track=30/60,submit=5/600" (requests per window of seconds).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "lookup": (30, 60),  # a family checks a few names, not a desa's list
    "track": (30, 60),
    "submit": (5, 600),  # usul, sanggah, pengaduan
    "regions": (240, 60),  # the region pickers
}


def limits() -> dict[str, tuple[int, int]]:
    spec = getattr(settings, "SALUR_PORTAL_RATE_LIMITS", None) or os.environ.get(
        "SALUR_PORTAL_RATE_LIMITS", ""
    )
    out = dict(DEFAULT_LIMITS)
    for part in str(spec).split(","):
        if "=" not in part:
            continue
        name, _, value = part.partition("=")
        count, _, window = value.partition("/")
        try:
            out[name.strip()] = (int(count), int(window or 60))
        except ValueError:
            continue
    return out


def client_key(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(request: HttpRequest, bucket: str) -> tuple[bool, int]:
    """Count this request; (allowed, seconds until the window resets)."""
    count, window = limits().get(bucket, DEFAULT_LIMITS["lookup"])
    now = time.time()
    slot = int(now // window)
    n = _count(f"salur:rl:{bucket}:{client_key(request)}:{slot}", window + 1)
    retry = int((slot + 1) * window - now) + 1
    return n <= count, retry


def _count(key: str, timeout: int) -> int:
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full = backend.make_and_validate_key(key)
        # Django's Redis cache has no atomic "increment or create": its own client (connection pool) does it.
        pipe = backend._cache.get_client(full, write=True).pipeline(transaction=False)
        pipe.set(full, 0, ex=timeout, nx=True)
        pipe.incr(full)
        return int(pipe.execute()[1])
    backend.add(key, 0, timeout=timeout)
    try:
        return int(backend.incr(key))
    except ValueError:  # expired between add and incr
        backend.set(key, 1, timeout=timeout)
        return 1


TOO_MANY = "Terlalu banyak permintaan dari perangkat Anda. Coba lagi dalam {s} detik."


def rate_limited(bucket: str, *, methods: tuple[str, ...] = ("GET", "POST")) -> Callable[..., Any]:
    """View decorator: 429 with an Indonesian page when the client is over its limit."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                ok, retry = allow(request, bucket)
                if not ok:
                    from django.shortcuts import render

                    response = render(
                        request, "portal/limited.html", {"message": TOO_MANY.format(s=retry)}, status=429
                    )
                    response["Retry-After"] = str(retry)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
