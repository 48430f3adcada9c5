#!/bin/bash
# Issue 13's ranking benchmark: how well supernets of each kind rank the architectures of a
# ground-truth table (benchmarks/ground_truth.sh) of the nb201 or transformer space, scored by `sculpt rank` (Kendall tau,
# Spearman rho, precision of the top 10 %, the truth rank of the supernet's top-1). Every
# supernet scores exactly the table's architectures (the `listed` strategy) on the quickstart's
# evaluation: the first 1,000 validation images.
#
# The supernets, per seed: SUPERNET_KINDS in benchmarks/lib/families.sh.
# A run reuses the supernets an earlier run of the same seed trained (one database per seed).
#
#   benchmarks/supernet_ranking.sh [SEEDS] [SPLIT] [TABLE] [WORK_DIR] [FAMILY]
#       SEEDS:  supernet seeds, e.g. "0 1 2" (default)
#       SPLIT:  the manual split (default the first decision: edge0, or embed for transformer)
#       TABLE:  default benchmarks/data/FAMILY_fashion_mnist.csv, column valid_accuracy
#       FAMILY: nb201 (default: the quickstart's skeleton and training) or transformer
#               (vit_quickstart's)
# Prints one markdown row per supernet and seed, then the mean and standard deviation per kind.
# Run from the repository root with nothing else running.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/families.sh"
supernet_benchmark_arguments runs/supernet_ranking "$@"
ROWS=$(($(wc -l < "$TABLE") - 1))
RESULTS="$WORK/$FAMILY-results.csv"
: > "$RESULTS"

run() {  # SEED NAME EPOCHS EVALUATOR_EXTRA
  local db="$WORK/$FAMILY-seed-$1.sqlite" name="$FAMILY-$2-seed$1"
  supernet_config "$name" "$1" "$3" "$4" "{\"type\": \"listed\", \"path\": \"$TABLE\"}" \
    "$ROWS" "$db" > "$WORK/$name.json"
  local start end
  start=$(date +%s.%N)
  "$SCULPT" run "$WORK/$name.json" --quiet > "$WORK/$name.log" 2>&1
  end=$(date +%s.%N)
  "$SCULPT" rank "$db" --experiment "$name" --truth "$TABLE" --column valid_accuracy \
    --format json > "$WORK/$name.rank.json"
  python3 - "$WORK/$name.rank.json" "$2" "$1" "$(echo "$end - $start" | bc -l)" "$RESULTS" <<'PY'
import json, sys
path, kind, seed, seconds, results = sys.argv[1:]
doc = json.load(open(path))
rows = doc if isinstance(doc, list) else doc.get("rows", doc)
m = {r["measure"]: r["value"] for r in rows} if isinstance(rows, list) else rows
line = (f"| {kind} | {seed} | {float(m['kendall_tau']):.3f} | {float(m['spearman_rho']):.3f} | "
        f"{float(m['top_10pct_precision']):.2f} | {m['top1_truth_rank']} | {float(seconds):.0f} |")
print(line, flush=True)
with open(results, "a") as out:
    out.write(f"{kind},{seed},{m['kendall_tau']},{m['spearman_rho']},{m['top_10pct_precision']}\n")
PY
}

# seconds: the run's wall time, which leaves out the supernets it reused from this seed's
# earlier runs (the few-shot runs reuse the 3- and 8-epoch one-shot supernets): compare costs
# by epochs, whose time `sculpt query DB --sql` reads from training_epochs.seconds.
echo "| supernet | seed | Kendall tau | Spearman rho | top-10 % precision | top-1's truth rank | seconds |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for_each_supernet run
echo
echo "| supernet | seeds | Kendall tau | Spearman rho | top-10 % precision |"
echo "| --- | --- | --- | --- | --- |"
python3 - "$RESULTS" <<'PY'
import csv, statistics, sys
by = {}
for kind, seed, tau, rho, top in csv.reader(open(sys.argv[1])):
    by.setdefault(kind, []).append((float(tau), float(rho), float(top)))
def f(xs):
    return f"{statistics.mean(xs):.3f} ± {statistics.stdev(xs):.3f}" if len(xs) > 1 else f"{xs[0]:.3f}"
for kind, runs in by.items():
    print(f"| {kind} | {len(runs)} | {f([r[0] for r in runs])} | {f([r[1] for r in runs])} | {f([r[2] for r in runs])} |")
PY
