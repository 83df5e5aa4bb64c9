#!/usr/bin/env bash
# Bounded load test of the public lookup (docs/portal.md, docs/benchmarks.md).
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/salur_load salur/portal/loadtest/run.sh [users] [seconds] [workers]
# Starts gunicorn on 127.0.0.1:8765, writes a sample of the registry, runs locust (FastHttpUser) headless for the
# given time, prints locust's summary (with percentiles), the load average before and after, and the CPU seconds
# that the server, its PostgreSQL backends and locust used during the run, then stops the server.
# All clients come from 127.0.0.1, so the per-client rate limit is raised for the run (SALUR_PORTAL_RATE_LIMITS);
# the counter is still incremented on every request. SALUR_REDIS_URL (default redis://127.0.0.1:6379/15 when a
# Redis answers there; set it to "" for the local-memory cache) puts the counters in a shared cache, as in
# production.
set -euo pipefail
USERS=${1:-200}
SECONDS_RUN=${2:-60}
WORKERS=${3:-4}
OUT=${SALUR_LOADTEST_OUT:-/tmp/salur-loadtest}
PORT=${SALUR_LOADTEST_PORT:-8765}
mkdir -p "$OUT"
: "${DATABASE_URL:?set DATABASE_URL to the registry to test}"
export SALUR_DEBUG=0 SALUR_SECRET_KEY=loadtest-only-key-0123456789abcdef SALUR_SSL_REDIRECT=0
export SALUR_PORTAL_RATE_LIMITS="lookup=100000000/60"
export DJANGO_SETTINGS_MODULE=salur.portal.loadtest.settings  # persistent connections; CONN_MAX_AGE=0 for the default
export SALUR_LOADTEST_SAMPLE="$OUT/sample.csv"
if [ -z "${SALUR_REDIS_URL+set}" ] && (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  export SALUR_REDIS_URL=redis://127.0.0.1:6379/15
fi
echo "cache: ${SALUR_REDIS_URL:-local memory}; users $USERS, $SECONDS_RUN s, $WORKERS gunicorn workers, $(nproc) CPUs"
uv run --frozen python -m salur.portal.loadtest.sample "$SALUR_LOADTEST_SAMPLE" 5000
uv run --frozen --with gunicorn gunicorn salur.wsgi --preload -w "$WORKERS" -b "127.0.0.1:$PORT" \
  --access-logfile /dev/null --log-level warning > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 90); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/cek-bansos/" && break; sleep 1; done
# Warm every worker before the clock starts: the first request of a process imports the URL configuration and
# all apps and reads the region tree, the first lookup opens its database connection and imports the Redis
# client (together 2-5 s per worker on a busy machine). Each warm-up client opens the page and looks up once by
# desa and name and once by NIK, as a citizen would.
warm() {
  local jar row desa nama nik token cookie url="http://127.0.0.1:$PORT/cek-bansos/"
  jar=$(mktemp)
  row=$(sed -n "$(( (RANDOM % 4000) + 2 ))p" "$SALUR_LOADTEST_SAMPLE")
  IFS=, read -r desa nama nik <<< "$row"
  token=$(curl -sf -c "$jar" "$url" | sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' | head -n 1)
  cookie="Cookie: csrftoken=$(awk '$6 == "csrftoken" { print $7 }' "$jar")"  # Secure cookie: sent by hand on http
  curl -sf -H "$cookie" -e "$url" --data-urlencode "csrfmiddlewaretoken=$token" -d cari=nama \
    -d "prov=${desa:0:2}" -d "kab=${desa:0:4}" -d "kec=${desa:0:6}" -d "desa=$desa" --data-urlencode "nama=$nama" \
    "$url" | grep -c 'id="lookup-result"' >> "$OUT/warm.txt" || true
  curl -sf -H "$cookie" -e "$url" --data-urlencode "csrfmiddlewaretoken=$token" -d cari=nik -d "nik=$nik" "$url" \
    | grep -c 'id="lookup-result"' >> "$OUT/warm.txt" || true
  rm -f "$jar"
}
: > "$OUT/warm.txt"
for _ in 1 2; do
  WARM=()
  for _ in $(seq 1 $((WORKERS * 5))); do warm & WARM+=($!); done
  wait "${WARM[@]}"
done
echo "warm-up: $(awk '{ s += $1 } END { print s + 0 }' "$OUT/warm.txt") of $((WORKERS * 20)) lookups answered"

# CPU seconds (user + system) of a set of processes, from /proc
cpu() { awk '{ split($0, a, ") "); split(a[2], f, " "); s += f[12] + f[13] } END { printf "%.2f", s / '"$(getconf CLK_TCK)"' }' \
  $(for p in "$@"; do [ -r "/proc/$p/stat" ] && echo "/proc/$p/stat"; done) /dev/null; }
server_pids() { echo "$SERVER" $(pgrep -P "$SERVER" || true) $(for p in $(pgrep -P "$SERVER" || true); do pgrep -P "$p" || true; done); }
backend_pids() {
  uv run --frozen python -c "import os,psycopg; c=psycopg.connect(os.environ['DATABASE_URL']); \
print(' '.join(str(r[0]) for r in c.execute('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')))"
}
BACKENDS=$(backend_pids)
S0=$(cpu $(server_pids)); B0=$(cpu $BACKENDS); L0=$(cut -d' ' -f1-3 /proc/loadavg)
uv run --frozen locust -f salur/portal/loadtest/locustfile.py --headless -u "$USERS" -r 50 -t "${SECONDS_RUN}s" \
  --host "http://127.0.0.1:$PORT" --csv "$OUT/locust" --only-summary > "$OUT/locust.log" 2>&1 &
LOCUST=$!
LC=0
while kill -0 "$LOCUST" 2>/dev/null; do
  LC=$(cpu "$LOCUST" $(pgrep -P "$LOCUST" || true) || echo "$LC")
  sleep 1
done
wait "$LOCUST" || true
S1=$(cpu $(server_pids)); B1=$(cpu $BACKENDS); L1=$(cut -d' ' -f1-3 /proc/loadavg)
tail -n 40 "$OUT/locust.log"
REQS=$(awk -F, '$2 == "Aggregated" { print $3 }' "$OUT/locust_stats.csv")
awk -v s="$S1" -v s0="$S0" -v b="$B1" -v b0="$B0" -v l="$LC" -v n="${REQS:-0}" -v t="$SECONDS_RUN" 'BEGIN {
  printf "CPU during the run: server %.1f s, its PostgreSQL backends %.1f s, locust %.1f s (of %d s x 2 cores)\n", s - s0, b - b0, l, t
  if (n > 0) printf "per request: server %.1f ms, database %.1f ms, locust %.1f ms CPU\n", 1000 * (s - s0) / n, 1000 * (b - b0) / n, 1000 * l / n
}'
echo "load average (1, 5, 15 min) before: $L0; after: $L1"
