#!/usr/bin/env bash
# Dashboard bench: the trends page on a year of REAL estimates for 30 districts, through a
# real `wbe serve`. Prepares the data once in WORK (reused unless --fresh), then times the page.
# Usage: bench/dashboard/run.sh [--fresh] [--draws N] [--days N] [--runs N]
# Env: WORK (default /tmp/wbe-dashboard-bench), WBE (the built wbe), NODE_MODULES (playwright-core).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WBE="${WBE:-$ROOT/build/pipeline/wbe}"
WORK="${WORK:-/tmp/wbe-dashboard-bench}"
FRESH=0 DRAWS=200 DAYS=365 RUNS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --fresh) FRESH=1 ;;
    --draws) DRAWS="$2"; shift ;;
    --days) DAYS="$2"; shift ;;
    --runs) RUNS="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

# Run one command as a timed phase; its output goes to WORK/logs/NAME.log.
phase() {
  local name="$1"; shift
  local t0; t0=$(date +%s.%N)
  "$@" >"$WORK/logs/$name.log" 2>&1 || { echo "phase $name failed, see $WORK/logs/$name.log" >&2; tail -5 "$WORK/logs/$name.log" >&2; exit 1; }
  local s; s=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")
  printf '  %-9s %7s s\n' "$name" "$s"
  echo "$name $s" >>"$WORK/phases.txt"
}

SERVER=""
stop_server() { [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; }; SERVER=""; }
trap stop_server EXIT
# Start `wbe serve` on a free port; sets SERVER (pid) and URL. $1 names the log.
start_server() {
  "$WBE" serve --data "$WORK/data" --port 0 --alerts-schedule off --draws "$DRAWS" \
    --access-log "$WORK/logs/access.jsonl" >"$WORK/logs/$1.log" 2>&1 &
  SERVER=$!
  URL=""
  for _ in $(seq 300); do
    URL="$(grep -o 'http://127.0.0.1:[0-9]*' "$WORK/logs/$1.log" 2>/dev/null | head -n 1 || true)"
    [ -n "$URL" ] && return 0
    kill -0 "$SERVER" 2>/dev/null || break
    sleep 0.1
  done
  echo "server did not start:" >&2; cat "$WORK/logs/$1.log" >&2; exit 1
}
# Wait until the server has no background jobs (its re-estimation) left.
wait_idle() {
  until curl -s "$URL/api/v1/ready" | grep -q '"pending_jobs":0'; do sleep 1; done
}
# `wbe simulate` leaves no site-day estimates, so the first `wbe serve` back-calculates every
# site-day and then redoes the districts; let it finish once here (it writes the store on
# stop) so that the timed server starts with nothing to do.
settle() { start_server serve-settle; wait_idle; stop_server; }

[ "$FRESH" = 1 ] && rm -rf "$WORK"
mkdir -p "$WORK/logs"
# 'prepared' is written last, so an interrupted preparation is redone rather than reused.
if [ -f "$WORK/prepared" ]; then
  . "$WORK/prepared"
  echo "reusing prepared data in $WORK (days=$DAYS, draws=$DRAWS; --fresh to redo); it took:"
  awk '{printf "  %-9s %7s s\n", $1, $2}' "$WORK/phases.txt"
else
  rm -rf "$WORK/data" "$WORK/phases.txt"
  echo "preparing $WORK ($DAYS days, estimate and serve with --draws $DRAWS):"
  phase city /usr/bin/python3 "$HERE/make_city.py" --out "$WORK/city.json"
  phase simulate "$WBE" simulate --scenario "$WORK/city.json" --out "$WORK/data" --days "$DAYS" --seed 1
  phase estimate "$WBE" estimate --store "$WORK/data/wbe-store.h5" --draws "$DRAWS"
  phase settle settle
  echo "DAYS=$DAYS DRAWS=$DRAWS" >"$WORK/prepared"
fi
grep -h '^Simulated' "$WORK/logs/simulate.log" || true

# A fresh analyst token per run; names must be unique among active tokens.
TOKEN="$("$WBE" token create --data "$WORK/data" --role analyst --name "bench-$(date +%s)-$$" | tail -n 1)"
start_server serve
# A background re-estimation would compete with the page for the cores: say so, and wait.
if grep -q 're-estimating' "$WORK/logs/serve.log"; then
  echo "warning: the server started a background re-estimation; waiting for it" >&2
  wait_idle
fi
BASE="$URL" TOKEN="$TOKEN" RUNS="$RUNS" OUT="$WORK/results.json" PHASES="$WORK/phases.txt" node "$HERE/trends_render.mjs"
