#!/bin/bash
# Search latency over HTTP on the shipped corpus: builds ./cmd/portal, starts it
# with a fresh data dir (embedded Bleve, embedded defaults, the search rate limit
# raised so that wrk measures search, not the limiter), waits until it answers,
# then runs wrk at CONNS connections (8) on THREADS threads (2) for SECS seconds
# (20), ROUNDS times (3), cycling the ten queries of search-queries.lua against
# /api/v1/search. Prints `uptime` before and after each round.
# Run from the project's root:  ops/bench/search-http.sh
# Env: PORT (18510), CONNS, THREADS, SECS, ROUNDS; SEARCH_COLD=1 defeats the result cache
# (see search-queries.lua).
set -u
port=${PORT:-18510} conns=${CONNS:-8} threads=${THREADS:-2} secs=${SECS:-20} rounds=${ROUNDS:-3}
for t in wrk go curl; do command -v $t >/dev/null || { echo "needs $t (apt-get install -y wrk)"; exit 2; }; done
work=$(mktemp -d /tmp/search-http.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
go build -o "$work/portal" ./cmd/portal || { echo "build failed"; exit 2; }
mkdir -p "$work/data"
PORTAL_ADDR=127.0.0.1:$port PORTAL_DATA_DIR=$work/data PORTAL_LIMIT_SEARCH=1000000/s \
  "$work/portal" serve >"$work/portal.log" 2>&1 & pid=$!
for _ in $(seq 1 300); do curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break; sleep 0.2; done
curl -fsS -o /dev/null "http://127.0.0.1:$port/api/v1/search?q=ma+tuy" || { echo "portal did not start: $(tail -3 "$work/portal.log")"; exit 2; }
here=$(dirname "$0")
wrk -t "$threads" -c 8 -d 3s -s "$here/search-queries.lua" "http://127.0.0.1:$port" >/dev/null # warm-up
for r in $(seq 1 "$rounds"); do
  echo "round $r: $(uptime)"
  wrk -t "$threads" -c "$conns" -d "${secs}s" --latency -s "$here/search-queries.lua" "http://127.0.0.1:$port" | grep -E "requests |Requests/sec|Latency "
done
echo "after: $(uptime)"
