#!/usr/bin/env bash
# Load test of the server: an organisation of REPS junior reps (1,000 unless told) in
# 20 teams on SQLite, 64 connections: the scorecard page and JSON as a rep; those, the
# team page (a page of 100 of its REPS/20 members) and the leaderboard API (a page of
# 100) as the manager of a team; the index (100 a page) and a team page as hr.
# Reports requests/s, p50 and p99 (wrk --latency) and the server's resident memory
# with the month scored and after the load.
#
#   bash benches/load/run.sh            (needs wrk: apt-get install wrk)
#   REPS=100000 bash benches/load/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
db="sqlite://$work/load.db?mode=rwc"
bin=target/release/yardstick

# REPS junior reps in 20 teams, each with the demo's October numbers of p002.
reps=${REPS:-1000}
python3 - "$work" "$reps" <<'PY'
import csv, sys
out, reps = sys.argv[1], int(sys.argv[2])
rows = [r for r in csv.DictReader(open("examples/demo/metrics.csv")) if r["subject"] == "p002" and r["period"] == "2026-10"]
with open(f"{out}/teams.csv", "w") as f:
    f.write("id,name,parent\n" + "".join(f"t{t},Team {t},\n" for t in range(20)))
with open(f"{out}/people.csv", "w") as f:
    f.write("id,name,email,team,role\n" + "".join(f"r{p:04},Rep {p},r{p}@example.com,t{p % 20},junior_rep\n" for p in range(reps)))
with open(f"{out}/metrics.csv", "w") as f:
    f.write("subject,period,metric,value\n")
    for p in range(reps):
        f.write("".join(f"r{p:04},2026-10,{r['metric']},{float(r['value']) * (0.8 + (p % 40) / 100):.2f}\n" for r in rows))
PY
for kind in teams people metrics; do $bin --database "$db" import $kind "$work/$kind.csv" >/dev/null; done
echo "load-test-password" | $bin --database "$db" user add --username rep --role rep --person r0001 >/dev/null
echo "load-test-password" | $bin --database "$db" user add --username manager --role manager --team t1 >/dev/null
echo "load-test-password" | $bin --database "$db" user add --username hr --role hr >/dev/null

# The month's scheduled mail run is a job of its own (benches/mail.rs): left on, it
# scores last month for its reports in the middle of a measurement.
YARDSTICK_MAIL_SCHEDULE=off $bin --database "$db" serve --bind 127.0.0.1:18181 >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18181/healthz >/dev/null && break; sleep 0.1; done

sign_in() {
  local jar="$work/$1.cookies"
  csrf=$(curl -s -c "$jar" http://127.0.0.1:18181/login | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//; s/"//')
  curl -s -b "$jar" -c "$jar" -o /dev/null -d "username=$1&password=load-test-password&csrf=$csrf" http://127.0.0.1:18181/login
  grep ys_session "$jar" | awk '{print $7}'
}

paths_rep="/scorecards/r0001 /api/v1/scorecards/r0001"
paths_manager="/scorecards/r0001 /api/v1/scorecards/r0001 /teams/t1 /api/v1/leaderboards/t1"
paths_hr="/ /teams/t1"
for who in rep manager hr; do
  session=$(sign_in $who)
  paths="paths_$who"
  for path in ${!paths}; do
    # Warm the scored-period cache, then measure.
    curl -sf -o /dev/null -H "Cookie: ys_session=$session" "http://127.0.0.1:18181$path?period=2026-10"
    if [ -z "${scored_rss:-}" ]; then
      scored_rss=$(grep VmRSS /proc/$server/status | awk '{print $2, $3}')
      echo "== server memory with the month scored (before any load): $scored_rss resident"
    fi
    echo "== $who GET $path (64 connections, 2 threads, 15 s)"
    wrk -t2 -c64 -d15s --latency -H "Cookie: ys_session=$session" "http://127.0.0.1:18181$path?period=2026-10" \
      | grep -E "Requests/sec|  50%|  99%|Non-2xx|Socket errors"
  done
done
echo "== server memory after the load: $(grep VmRSS /proc/$server/status | awk '{print $2, $3}') resident"
