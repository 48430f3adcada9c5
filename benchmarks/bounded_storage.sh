#!/bin/bash
# Issue 10's bounded-storage benchmark: a regularized evolution that circles in what it has
# seen (population 10 on NAS-Bench-201's 15,625 cells, ranked by FLOPs, patience 0 so nothing
# stops it but its proposal budget), run twice side by side: with the default stored_repeats
# (the first 1,000,000 repeats stored one row each, later ones counted per architecture) and
# with every repeat stored one row each (stored_repeats = the budget: what Sculpt did before);
# then the default once more with three times the budget, to show the file stops growing.
# Needs no data: the `cost` evaluator computes params and FLOPs.
#
#   benchmarks/bounded_storage.sh [PROPOSALS] [WORK_DIR]
#       PROPOSALS: the budget (default 5,000,000).
# Prints one markdown table row per run: database size (file plus WAL), proposals, rows in
# repeat_batches and repeat_counts, seconds. Run from the repository root, nothing else running.
set -euo pipefail
PROPOSALS=${1:-5000000}
WORK=${2:-$(mktemp -d)}
SCULPT=$(realpath build/sculpt)
mkdir -p "$WORK"

run() {  # NAME STORED_REPEATS PROPOSALS
  local db="$WORK/$1.sqlite"
  rm -f "$db" "$db-wal" "$db-shm"
  cat > "$WORK/$1.json" <<JSON
{"name": "circling-$1", "seed": 0, "space": {"type": "nb201"},
 "evaluator": {"type": "cost"},
 "objectives": [{"metric": "flops", "goal": "minimize"}],
 "strategy": {"type": "regularized_evolution", "population": 10, "sample": 3},
 "budget": {"proposals": $3, "patience": 0},
 "batch": 64, "workers": 2, "stored_repeats": $2, "storage": "$db"}
JSON
  local start end
  start=$(date +%s.%N)
  "$SCULPT" run "$WORK/$1.json" --quiet > "$WORK/$1.log" 2>&1
  end=$(date +%s.%N)
  local bytes
  bytes=$(( $(stat -c %s "$db") + $( [ -e "$db-wal" ] && stat -c %s "$db-wal" || echo 0) ))
  local counts
  counts=$("$SCULPT" query "$db" --format csv --sql "SELECT (SELECT candidates FROM experiment_summary) || ' | ' || (SELECT count(*) FROM repeat_batches) || ' | ' || (SELECT count(*) FROM repeat_counts) || ' | ' || (SELECT coalesce(sum(count), 0) FROM repeat_counts)" | tail -1)
  printf '| %s | %s | %.1f MB | %s | %.1f |\n' "$1" "$2" "$(echo "$bytes / 1000000" | bc -l)" \
    "$counts" "$(echo "$end - $start" | bc -l)"
}

echo "| run | stored_repeats | database | proposals | repeat_batches rows | repeat_counts rows | repeats counted | seconds |"
echo "|---|---|---|---|---|---|---|---|"
run bounded 1000000 "$PROPOSALS"
run every-repeat "$PROPOSALS" "$PROPOSALS"
run bounded-3x 1000000 $((3 * PROPOSALS))
