#!/bin/bash
# Issue 14's zoo benchmark: each model of the zoo `experiments/vit_zoo.json` exported against
# the teacher's architecture scaled down to the same parameter budget, uniformly, in depth or in
# width, all trained stand-alone with the same schedule (the config's `final` block: 10 epochs,
# AdamW, the zoo's retraining) and the same seeds, then measured side by side for latency.
#
# The zoo retrains its models from scratch with `final`'s schedule, distilled from the teacher's
# logits when `final` has a `distill` block (BENCHMARKS 11.7 added one), so the
# baselines are trained exactly so: `sculpt train DB --arch A --seed S` on a copy of the zoo's
# database, which trains with the settings stored with its experiment, teacher included.
#
# Baselines of the teacher d48|h4:f0|h1:f128|h2:f0|h1:f128 (54,410 params), for each budget the
# largest of each ladder that fits:
#   depth: the teacher's first k layers at its widths (the others left out: heads 0, FFN 0);
#   width: all 4 layers, each width one step down its choice list (embedding 48 -> 32, heads
#          4 -> 2, 2 -> 1, FFN 128 -> 64), the embedding's step first, then the inner widths',
#          then the heads' second step; at 70,000 both ladders give the teacher itself.
#
#   benchmarks/zoo_baselines.sh [SEEDS] [ZOO_DB] [WORK_DIR] [BASELINES]
#       SEEDS: training seeds (default "0 1 2"); ZOO_DB: the zoo's database (default
#       experiments/runs/vit-zoo.sqlite: run experiments/vit_quickstart.json, then
#       experiments/vit_zoo.json first); WORK_DIR default runs/zoo_baselines; BASELINES: a file
#       of lines "name budget kind architecture" for a zoo of another teacher (default: the
#       ladders above; benchmarks/zoo_baselines_largest.txt has those of the space's largest
#       network, the teacher of BENCHMARKS 11.9).
# Trained models are reused by a later call with the same WORK_DIR (delete it to train again),
# so a second call on an idle machine only measures latency. Prints one markdown row per
# network. Run from the repository root with nothing else running.
set -euo pipefail
SEEDS=${1:-0 1 2}
ZOO_DB=${2:-experiments/runs/vit-zoo.sqlite}
WORK=${3:-runs/zoo_baselines}
BASELINES=${4:-}
SCULPT=$(realpath build/sculpt)
LATENCY=$(realpath build/benchmarks/prune_latency_bench)
if [ ! -f "$ZOO_DB" ]; then
  echo "no zoo database $ZOO_DB: run build/sculpt run experiments/vit_quickstart.json, then" \
       "build/sculpt run experiments/vit_zoo.json" >&2
  exit 2
fi
mkdir -p "$WORK/models"
WORK=$(realpath "$WORK")
DB="$WORK/zoo.sqlite"
if [ ! -f "$DB" ]; then
  # A copy, so that the baselines' runs do not land in the user's database.
  for suffix in "" -wal -shm; do
    if [ -f "$ZOO_DB$suffix" ]; then cp "$ZOO_DB$suffix" "$DB$suffix"; fi
  done
fi

# name budget kind arch: the zoo's models come from its database (`sculpt query --zoo`), of its
# newest zoo run.
NETWORKS="$WORK/networks.txt"
"$SCULPT" query "$DB" --format csv --sql \
  "SELECT json_extract(r.config, '$.zoo.budget'), json_extract(r.config, '$.arch')
   FROM training_runs r WHERE json_extract(r.config, '$.zoo.stage') = 'model' AND r.experiment_id =
     (SELECT max(experiment_id) FROM training_runs
      WHERE json_extract(config, '$.zoo.stage') = 'model') ORDER BY 1" |
  tail -n +2 | tr -d '"' |
  awk -F, '{ printf "zoo-%d %d zoo %s\n", $1, $1, $2 }' > "$NETWORKS"
if [ "$(wc -l < "$NETWORKS")" -eq 0 ]; then
  echo "$ZOO_DB has no zoo models: run experiments/vit_zoo.json to its end first" >&2
  exit 2
fi
if [ -n "$BASELINES" ]; then
  grep -v '^#' "$BASELINES" | grep . >> "$NETWORKS"
else
  cat >> "$NETWORKS" <<'EOF'
depth-70000 70000 depth d48|h4:f0|h1:f128|h2:f0|h1:f128
depth-50000 50000 depth d48|h4:f0|h1:f128|h2:f0|h0:f0
depth-35000 35000 depth d48|h4:f0|h1:f128|h0:f0|h0:f0
depth-20000 20000 depth d48|h4:f0|h0:f0|h0:f0|h0:f0
width-50000 50000 width d32|h4:f0|h1:f128|h2:f0|h1:f128
width-35000 35000 width d48|h2:f0|h1:f64|h1:f0|h1:f64
width-20000 20000 width d32|h1:f0|h1:f64|h1:f0|h1:f64
EOF
fi

DIRS=()
declare -A FIRST  # architecture -> the first network of the list with it
while read -r name budget kind arch; do
  for seed in $SEEDS; do
    out="$WORK/models/$name-s$seed"
    # A zoo model that is a baseline too (a zoo reference) is the same training: copied.
    same="${FIRST[$arch]:-}"
    if [ ! -f "$out/model.pt" ] && [ -n "$same" ] && [ -f "$WORK/models/$same-s$seed/model.pt" ]; then
      cp -r "$WORK/models/$same-s$seed" "$out"
    fi
    if [ ! -f "$out/model.pt" ]; then
      echo "training $name (seed $seed): $arch" >&2
      "$SCULPT" train "$DB" --arch "$arch" --seed "$seed" --out "$out" --quiet \
        > "$out.log" 2>&1 || { cat "$out.log" >&2; exit 1; }
    fi
  done
  DIRS+=("$WORK/models/$name-s${SEEDS%% *}")
  FIRST[$arch]=${FIRST[$arch]:-$name}
done < "$NETWORKS"

echo "measuring latency (batch 1 and 64, 2 threads) ..." >&2
# (The program raises glibc's mmap and trim thresholds itself: see prune_latency.cc.)
"$LATENCY" "${DIRS[@]}" --runs 200 --threads 2 | tee "$WORK/latency.txt" >&2

python3 - "$WORK" "$SEEDS" <<'PY'
import json, statistics, sys
work, seeds = sys.argv[1], sys.argv[2].split()
latency = {}
for line in open(f"{work}/latency.txt"):
    parts = line.split()
    if len(parts) == 4 and parts[0].startswith("d"):
        latency[parts[0]] = (float(parts[2]), float(parts[3]))
rows = [line.split() for line in open(f"{work}/networks.txt")]
print("| budget (params) | network | architecture | params | test accuracy, mean ± sd | "
      "per seed | validation, mean | batch-1 ms | batch-64 ms |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for budget in sorted({int(r[1]) for r in rows}, reverse=True):
    for name, b, kind, arch in rows:
        if int(b) != budget:
            continue
        tests, valids, params = [], [], 0
        for seed in seeds:
            m = json.load(open(f"{work}/models/{name}-s{seed}/architecture.json"))
            r = m["retrain"]["metrics"]
            tests.append(100 * r["test_accuracy"])
            valids.append(100 * r["valid_accuracy"])
            params = int(r["params"])
        sd = statistics.stdev(tests) if len(tests) > 1 else 0.0
        ms1, ms64 = latency.get(arch, (float("nan"), float("nan")))
        label = "**zoo**" if kind == "zoo" else kind
        print(f"| {budget:,} | {label} | `{arch}` | {params:,} | {statistics.mean(tests):.2f} ± "
              f"{sd:.2f} | {' / '.join(f'{t:.2f}' for t in tests)} | "
              f"{statistics.mean(valids):.2f} | {ms1:.3f} | {ms64:.3f} |")
PY
