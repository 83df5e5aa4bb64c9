"""Rate limits on a shared Redis cache (SALUR_REDIS_URL): one counter for every server process.

Runs where a Redis answers at SALUR_TEST_REDIS_URL (default redis://127.0.0.1:6379/14, a database of its own, flushed
by the test); skipped elsewhere, since tests and the demo need no Redis.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from salur.portal.ratelimit import allow

REDIS_URL = os.environ.get("SALUR_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def _redis_answers() -> bool:
    url = urlparse(REDIS_URL)
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), timeout=0.5):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_answers(), reason=f"no Redis at {REDIS_URL}")


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "salur-test",
        }
    }
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_the_counter_is_shared_and_expires_with_its_window(redis_cache, settings):
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(redis_cache, RedisCache)
    settings.SALUR_PORTAL_RATE_LIMITS = "lookup=3/60"
    request = RequestFactory().post("/cek-bansos/", REMOTE_ADDR="10.1.2.3")
    answers = [allow(request, "lookup")[0] for _ in range(4)]
    assert answers == [True, True, True, False]
    assert allow(RequestFactory().post("/", REMOTE_ADDR="10.1.2.4"), "lookup")[0]  # another client
    # one key per client and window, with the window's expiry (not a key that lives for ever)
    client = redis_cache._cache.get_client(None)
    keys = [k.decode() for k in client.keys("salur-test:*rl:lookup:10.1.2.3:*")]
    assert len(keys) == 1
    assert 0 < client.ttl(keys[0]) <= 61
    assert client.get(keys[0]) == b"4"
