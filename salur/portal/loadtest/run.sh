#!/usr/bin/env bash
# Bounded load test of the public lookup (docs/portal.md, docs/benchmarks.md).
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/salur_load salur/portal/loadtest/run.sh [users] [seconds] [workers]
# Starts gunicorn on 127.0.0.1:8765, writes a sample of the registry, runs locust headless for the given time,
# prints locust's summary (with percentiles) and stops the server. All clients come from 127.0.0.1, so the per-client
# rate limit is raised for the run (SALUR_PORTAL_RATE_LIMITS); the counter is still incremented on every request.
set -euo pipefail
USERS=${1:-200}
SECONDS_RUN=${2:-60}
WORKERS=${3:-4}
OUT=${SALUR_LOADTEST_OUT:-/tmp/salur-loadtest}
mkdir -p "$OUT"
: "${DATABASE_URL:?set DATABASE_URL to the registry to test}"
export SALUR_DEBUG=0 SALUR_SECRET_KEY=loadtest-only-key-0123456789abcdef SALUR_SSL_REDIRECT=0
export SALUR_PORTAL_RATE_LIMITS="lookup=100000000/60"
export DJANGO_SETTINGS_MODULE=salur.portal.loadtest.settings  # persistent connections; CONN_MAX_AGE=0 for the default
export SALUR_LOADTEST_SAMPLE="$OUT/sample.csv"
uv run --frozen python -m salur.portal.loadtest.sample "$SALUR_LOADTEST_SAMPLE" 5000
uv run --frozen --with gunicorn gunicorn salur.wsgi --preload -w "$WORKERS" -b 127.0.0.1:8765 --access-logfile /dev/null \
  --log-level warning > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 90); do curl -sf -o /dev/null http://127.0.0.1:8765/cek-bansos/ && break; sleep 1; done
# warm every worker (first request of a process imports the URL configuration and all apps)
WARM=()
for _ in $(seq 1 $((WORKERS * 10))); do curl -sf -o /dev/null http://127.0.0.1:8765/cek-bansos/ & WARM+=($!); done
wait "${WARM[@]}"
uv run --frozen locust -f salur/portal/loadtest/locustfile.py --headless -u "$USERS" -r 50 -t "${SECONDS_RUN}s" \
  --host http://127.0.0.1:8765 --csv "$OUT/locust" --only-summary 2>&1 | tail -n 40
