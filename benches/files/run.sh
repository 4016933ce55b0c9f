#!/usr/bin/env bash
# `yardstick evaluate` of one month from files against the pandas script doing the same
# scoring (benches/files/pandas_peer.py): 20,000 senior reps, 1,380,000 metric rows in
# long form over 3 months, 23 metrics. Each runs 3 times; the best wall time and its
# peak resident memory are printed, then every person's total and grade are compared.
#
#   bash benches/files/run.sh [PEOPLE]      (pandas: pip install pandas; skipped without it)
set -euo pipefail
cd "$(dirname "$0")/../.."
people=${1:-20000}
cargo build --release --quiet --bin yardstick
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 benches/files/generate.py "$work" "$people" 3
echo "$(($(wc -l <"$work/metrics.csv") - 1)) metric rows, $(du -m "$work/metrics.csv" | cut -f1) MB"

# Prints "SECONDS KB" of the fastest of three runs of the command.
best_of_three() {
  local best="" line
  for _ in 1 2 3; do
    line=$( { /usr/bin/time -f "%e %M" "$@" >"$work/out.csv"; } 2>&1 | tail -1)
    if [[ -z $best ]] || awk -v a="${line% *}" -v b="${best% *}" 'BEGIN { exit !(a < b) }'; then best=$line; fi
  done
  echo "$best"
}

read -r seconds kb < <(best_of_three target/release/yardstick evaluate --period 2026-10 \
  --teams "$work/teams.csv" --people "$work/people.csv" --data "$work/metrics.csv" --format csv)
mv "$work/out.csv" "$work/yardstick.csv"
echo "yardstick evaluate: ${seconds} s, $((kb / 1024)) MB peak"

if ! python3 -c "import pandas" 2>/dev/null; then
  echo "pandas is not installed (pip install pandas): no peer to compare with"
  exit 0
fi
read -r p_seconds p_kb < <(best_of_three python3 benches/files/pandas_peer.py "$work" 2026-10)
mv "$work/out.csv" "$work/pandas.csv"
echo "pandas: ${p_seconds} s, $((p_kb / 1024)) MB peak"
awk -v y="$seconds" -v p="$p_seconds" 'BEGIN { printf "yardstick takes %.0f%% of pandas'"'"' time\n", 100 * y / p }'

python3 - "$work/yardstick.csv" "$work/pandas.csv" <<'PY'
import csv, sys
ours = {}
for row in csv.DictReader(open(sys.argv[1])):
    if row["kind"] == "person":
        ours[row["subject"]] = (float(row["total"]), row["grade"])
theirs = {r["subject"]: (float(r["total"]), r["grade"]) for r in csv.DictReader(open(sys.argv[2]))}
differ = [s for s in theirs if ours.get(s) != theirs[s]]
if len(ours) != len(theirs) or differ:
    print(f"results differ: {len(ours)} against {len(theirs)} people; first differences:")
    for s in differ[:5]:
        print(f"  {s}: yardstick {ours.get(s)}, pandas {theirs[s]}")
    sys.exit(1)
print(f"identical: {len(ours)} people's totals (every bit) and grades")
PY
