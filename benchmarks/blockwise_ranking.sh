#!/bin/bash
# Issue 14's ranking benchmark: how well a block-wise distilled supernet (DNA, NAS-BERT) ranks
# the nb201 cells of the ground-truth table (benchmarks/ground_truth.sh), scored by `sculpt
# rank` exactly as benchmarks/supernet_ranking.sh scores the one-shot and few-shot supernets
# (Kendall tau, Spearman rho, precision of the top 10 %, the truth rank of the top-1), so that
# the rows go beside BENCHMARKS.md section 9's.
#
# The teacher: the space's largest cell (nor_conv_3x3 on every edge), trained from scratch once
# with the quickstart's training (10,000 images, batch 64, SGD lr 0.1) for TEACHER_EPOCHS
# epochs and exported (reused by later runs of the same WORK_DIR). Then, per seed, the
# supernet's 3 blocks (the stages) are distilled from it side by side for BLOCK_EPOCHS epochs
# each (the quickstart's supernet training otherwise) and the table's cells are scored by the
# sum of their blocks' losses on the first 1,000 validation images (scored on demand: the 300
# block choices the 100 cells take, not all 46,875).
#
#   benchmarks/blockwise_ranking.sh [SEEDS] [BLOCK_EPOCHS] [TEACHER_EPOCHS] [WORK_DIR]
#       SEEDS: supernet seeds (default "0 1 2"); BLOCK_EPOCHS default 4; TEACHER_EPOCHS 10
# Prints one markdown row per seed (with the run's wall time, the teacher's training left out),
# then the mean and standard deviation. Run from the repository root with nothing else running.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/families.sh"
SEEDS=${1:-0 1 2}
BLOCK_EPOCHS=${2:-4}
TEACHER_EPOCHS=${3:-10}
WORK=${4:-runs/blockwise_ranking}
sculpt_family nb201
TABLE=$(realpath benchmarks/data/nb201_fashion_mnist.csv)
SCULPT=$(realpath build/sculpt)
mkdir -p "$WORK"
WORK=$(realpath "$WORK")
ROWS=$(($(wc -l < "$TABLE") - 1))
LARGEST='|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|'
TEACHER="$WORK/teacher-$TEACHER_EPOCHS"

if [ ! -f "$TEACHER/model.pt" ]; then
  printf 'arch\n%s\n' "$LARGEST" > "$WORK/largest.csv"
  cat > "$WORK/teacher-$TEACHER_EPOCHS.json" <<JSON
{"name": "teacher-$TEACHER_EPOCHS", "seed": 0,
 "space": $SPACE,
 "evaluator": {"type": "cost"},
 "objectives": [{"metric": "params", "goal": "maximize"}],
 "strategy": {"type": "listed", "path": "$WORK/largest.csv"},
 "budget": {"evaluations": 1}, "batch": 1, "workers": 2,
 "final": {"epochs": $TEACHER_EPOCHS, $SUPERNET_TRAINING, "export": "$TEACHER",
           "dataset": {"path": "$DATA", "validation_size": 5000, "train_size": 10000}},
 "storage": "$WORK/teacher-$TEACHER_EPOCHS.sqlite"}
JSON
  echo "training the teacher ($TEACHER_EPOCHS epochs) ..." >&2
  "$SCULPT" run "$WORK/teacher-$TEACHER_EPOCHS.json" --quiet > "$WORK/teacher.log" 2>&1
fi
python3 - "$TEACHER/architecture.json" >&2 <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["retrain"]["metrics"]
print(f"teacher: validation {m['valid_accuracy']:.4f}, test {m['test_accuracy']:.4f}, "
      f"{m['seconds']:.0f} s of training")
PY

RESULTS="$WORK/results-$BLOCK_EPOCHS.csv"
: > "$RESULTS"
echo "| supernet | seed | Kendall tau | Spearman rho | top-10 % precision | top-1's truth rank | seconds |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for seed in $SEEDS; do
  name="blockwise_${BLOCK_EPOCHS}-teacher_${TEACHER_EPOCHS}-seed$seed"
  cat > "$WORK/$name.json" <<JSON
{"name": "$name", "seed": $seed,
 "space": $SPACE,
 "evaluator": {"type": "supernet", "kind": "blockwise",
   "blockwise": {"teacher": "$TEACHER", "scoring": "on_demand"},
   "dataset": {"path": "$DATA", "validation_size": 5000, "train_size": 10000},
   "training": {"epochs": $BLOCK_EPOCHS, $SUPERNET_TRAINING},
   "eval_images": 1000, "eval_batch_size": 250},
 "objectives": [{"metric": "block_loss", "goal": "minimize"}],
 "strategy": {"type": "listed", "path": "$TABLE"},
 "budget": {"evaluations": $ROWS}, "batch": 2, "workers": 2,
 "storage": "$WORK/$name.sqlite"}
JSON
  start=$(date +%s.%N)
  "$SCULPT" run "$WORK/$name.json" --quiet > "$WORK/$name.log" 2>&1
  end=$(date +%s.%N)
  "$SCULPT" rank "$WORK/$name.sqlite" --truth "$TABLE" --column valid_accuracy --format json \
    > "$WORK/$name.rank.json"
  python3 - "$WORK/$name.rank.json" "blockwise, $BLOCK_EPOCHS epochs a block" "$seed" \
    "$(echo "$end - $start" | bc -l)" "$RESULTS" <<'PY'
import json, sys
path, kind, seed, seconds, results = sys.argv[1:]
doc = json.load(open(path))
rows = doc if isinstance(doc, list) else doc.get("rows", doc)
m = {r["measure"]: r["value"] for r in rows} if isinstance(rows, list) else rows
print(f"| {kind} | {seed} | {float(m['kendall_tau']):.3f} | {float(m['spearman_rho']):.3f} | "
      f"{float(m['top_10pct_precision']):.2f} | {m['top1_truth_rank']} | {float(seconds):.0f} |",
      flush=True)
with open(results, "a") as out:
    out.write(f"{m['kendall_tau']},{m['spearman_rho']},{m['top_10pct_precision']}\n")
PY
done
python3 - "$RESULTS" <<'PY'
import csv, statistics, sys
runs = [tuple(map(float, r)) for r in csv.reader(open(sys.argv[1]))]
def f(xs):
    return f"{statistics.mean(xs):.3f} ± {statistics.stdev(xs):.3f}" if len(xs) > 1 else f"{xs[0]:.3f}"
print(f"\nmean over {len(runs)} seeds: tau {f([r[0] for r in runs])}, rho {f([r[1] for r in runs])}, "
      f"top-10 % precision {f([r[2] for r in runs])}")
PY
