#!/bin/bash
# Issue 12's pruning benchmarks on one trained transformer export (docs/BENCHMARKS.md section 7:
# the uniform d64|h4:f128 x 6 ViT of section 6, 24 heads, and a d64|h8:f128 x 6 ViT of 48 heads):
#   1. heads removed within 0.5 validation points: astar (every child of a state at once, and
#      partial expansion: ASTAR_EXPAND children at a time), importance (Michel gradient, Fisher,
#      random order x 3 seeds), fisher (heads budget, with and without tuning);
#   2. validation accuracy against relative FLOPs 0.9..0.5 for the Fisher search with and without
#      rearrangement and mask tuning (FFN in 8 groups);
#   3. the time of each run, and (prune_latency_bench) batch-1 and batch-64 latency of the
#      pruned exports against the model.
# Every answer is exported (`sculpt export --answer`) and its test accuracy measured from the
# export. Usage: benchmarks/prune_methods.sh MODEL_DIR [WORK_DIR]   (run from the repo root,
# with nothing else running; takes about 20 minutes on 2 cores for 24 heads, longer for more).
# Environment: ASTAR_EVALUATIONS (default 150) caps the astar run that proposes every child at
# once, ASTAR_PARTIAL_EVALUATIONS (default: the same) the partial one; ASTAR_EXPAND (default 4);
# EVAL_IMAGES (default 0: the whole validation split) the validation images every mask is
# scored on; HEADS_ONLY=1 runs only part 1's methods that answer (astar with partial expansion,
# the importance orders, the Fisher heads search), to compare two models in less time;
# CONFIRM_IMAGES=N (default 0: not run) adds, first, astar with partial expansion confirmed on
# the validation split's last N images (`astar-confirmed`: the evaluator's confirm_images, the
# strategy's confirm), the same search on the same images unconfirmed (`astar-search-part`) and
# every mask of a random order scored on validation and test (`random-order-test`);
# METHODS="NAME ..." runs only the runs of those names.
set -euo pipefail
MODEL=$(realpath "$1")
WORK=${2:-/tmp/prune-bench}
SCULPT=$(realpath build/sculpt)
mkdir -p "$WORK"
cd "$WORK"

ACCURACY='[{"metric": "accuracy", "goal": "maximize"}]'
# run NAME SPACE_JSON EVALUATOR_JSON STRATEGY_JSON EVALUATIONS [OBJECTIVES_JSON]
run() {
  local name=$1
  [[ -z "${METHODS:-}" || " $METHODS " == *" $name "* ]] || return 0
  cat > "$name.json" <<JSON
{"name": "$name", "seed": ${SEED:-0}, "space": $2, "evaluator": $3,
 "objectives": ${6:-$ACCURACY},
 "strategy": $4, "budget": {"evaluations": $5}, "workers": 2, "batch": 2,
 "storage": "$name.sqlite"}
JSON
  rm -f "$name.sqlite"*
  local start=$(date +%s.%N)
  "$SCULPT" run "$name.json" --quiet > "$name.log" 2>&1
  local seconds=$(echo "$(date +%s.%N) - $start" | bc)
  local full=$("$SCULPT" query "$name.sqlite" -f csv --sql "SELECT objective FROM candidates WHERE step = 0" | tail -1)
  local evals=$("$SCULPT" query "$name.sqlite" -f csv --sql "SELECT count(*) FROM candidates WHERE repeat_of_step IS NULL" | tail -1)
  if "$SCULPT" export "$name.sqlite" --answer --out "$name-pruned" > /dev/null 2>&1; then
    local answer=$("$SCULPT" query "$name.sqlite" -f csv --sql "SELECT c.objective, json_extract(c.metrics, '$.heads'), json_extract(c.metrics, '$.flops'), json_extract(c.metrics, '$.params') FROM candidates c WHERE c.step = (SELECT parent_step FROM candidates WHERE origin LIKE '%-goal')" | tail -1)
    # Test accuracy of the exported network itself (its unpruned self in a prune space over it).
    cat > "$name-test.json" <<JSON
{"name": "$name-test", "space": {"type": "prune", "model": "$name-pruned"},
 "evaluator": {"type": "prune", "test_accuracy": true},
 "objectives": [{"metric": "accuracy", "goal": "maximize"}],
 "strategy": {"type": "importance", "scores": "random"}, "budget": {"evaluations": 1},
 "storage": "$name-test.sqlite"}
JSON
    rm -f "$name-test.sqlite"*
    # (A network with no head left cannot be put in a prune space of heads: no test accuracy.)
    local test=","
    if "$SCULPT" run "$name-test.json" --quiet > /dev/null 2>&1; then
      test=$("$SCULPT" query "$name-test.sqlite" -f csv --sql "SELECT json_extract(metrics, '$.accuracy'), json_extract(metrics, '$.test_accuracy') FROM candidates WHERE step = 0" | tail -1)
    fi
    echo "$name,$full,$answer,$test,$evals,$seconds"
  else
    echo "$name,$full,no answer,,,,,,$evals,$seconds"
  fi
}

# The model's head count, from its architecture string (d64|h4:f128|... : the sum of the h's).
HEAD_COUNT=$(python3 -c 'import json,sys,re; a=json.load(open(sys.argv[1]))["arch"]; print(sum(int(h) for h in re.findall(r"h(\d+)", a)))' "$MODEL/architecture.json")
ASTAR_EVALUATIONS=${ASTAR_EVALUATIONS:-150}
ASTAR_EXPAND=${ASTAR_EXPAND:-4}
ASTAR_PARTIAL_EVALUATIONS=${ASTAR_PARTIAL_EVALUATIONS:-$ASTAR_EVALUATIONS}
EVAL_IMAGES=${EVAL_IMAGES:-0}
HEADS='{"type": "prune", "model": "'$MODEL'"}'
GROUPS8='{"type": "prune", "model": "'$MODEL'", "neuron_groups": 8}'
EVAL='{"type": "prune", "eval_images": '$EVAL_IMAGES'}'
TUNED='{"type": "prune", "tune": true, "eval_images": '$EVAL_IMAGES'}'
echo "name,full_valid,answer_valid,heads,flops,params,export_valid,export_test,evaluations,seconds"
# 1. Heads within 0.5 points.
CONFIRM_IMAGES=${CONFIRM_IMAGES:-0}
if [ "$CONFIRM_IMAGES" -gt 0 ]; then
  HELD_OUT='{"type": "prune", "eval_images": '$EVAL_IMAGES', "confirm_images": '$CONFIRM_IMAGES'}'
  run astar-confirmed "$HEADS" "$HELD_OUT" '{"type": "astar", "max_drop": 0.005, "expand": '"$ASTAR_EXPAND"', "confirm": "confirm_accuracy"}' "$ASTAR_PARTIAL_EVALUATIONS" \
    '[{"metric": "accuracy", "goal": "maximize"}, {"metric": "confirm_accuracy", "goal": "maximize"}]'
  run astar-search-part "$HEADS" "$HELD_OUT" '{"type": "astar", "max_drop": 0.005, "expand": '"$ASTAR_EXPAND"'}' "$ASTAR_PARTIAL_EVALUATIONS"
  # Masks no search chose: a random order to the end, each mask on validation and test, so the
  # gap between the two splits is seen apart from what choosing adds to it.
  run random-order-test "$HEADS" '{"type": "prune", "test_accuracy": true, "eval_images": '$EVAL_IMAGES'}' '{"type": "importance", "scores": "random"}' "$((HEAD_COUNT + 2))"
  if [ -f random-order-test.sqlite ]; then
    echo "# random-order-test: heads kept, valid accuracy, test accuracy"
    "$SCULPT" query random-order-test.sqlite -f csv --sql "SELECT json_extract(metrics, '$.heads'), json_extract(metrics, '$.accuracy'), json_extract(metrics, '$.test_accuracy') FROM candidates WHERE repeat_of_step IS NULL ORDER BY step"
  fi
fi
run astar-partial "$HEADS" "$EVAL" '{"type": "astar", "max_drop": 0.005, "expand": '"$ASTAR_EXPAND"'}' "$ASTAR_PARTIAL_EVALUATIONS"
[ "${HEADS_ONLY:-0}" = 1 ] || run astar "$HEADS" "$EVAL" '{"type": "astar", "max_drop": 0.005}' "$ASTAR_EVALUATIONS"
run michel "$HEADS" "$EVAL" '{"type": "importance", "scores": "gradient", "max_drop": 0.005}' "$((HEAD_COUNT + 2))"
run fisher-order "$HEADS" "$EVAL" '{"type": "importance", "scores": "fisher", "max_drop": 0.005}' "$((HEAD_COUNT + 2))"
for seed in 0 1 2; do
  SEED=$seed run random-$seed "$HEADS" "$EVAL" '{"type": "importance", "scores": "random", "max_drop": 0.005}' "$((HEAD_COUNT + 2))"
done
# Keep H-1, H-2, ... H/2 of the H heads (each budget a hair above k/H, so k heads fit).
HEAD_BUDGETS=$(python3 -c 'import sys; h=int(sys.argv[1]); print("[" + ", ".join("%.4f" % (min(1.0, k / h + 1e-4)) for k in range(h - 1, h // 2 - 1, -1)) + "]")' "$HEAD_COUNT")
run fisher-heads "$HEADS" "$EVAL" '{"type": "fisher", "metric": "heads", "budget": '"$HEAD_BUDGETS"', "max_drop": 0.005}' "$((HEAD_COUNT / 2 + 5))"
run fisher-heads-tuned "$HEADS" "$TUNED" '{"type": "fisher", "metric": "heads", "budget": '"$HEAD_BUDGETS"', "max_drop": 0.005}' "$((HEAD_COUNT / 2 + 5))"
[ "${HEADS_ONLY:-0}" = 1 ] && exit 0
# 2. Accuracy against relative FLOPs.
FLOPS='[0.9, 0.8, 0.7, 0.6, 0.5]'
run flops-plain "$GROUPS8" "$EVAL" '{"type": "fisher", "budget": '"$FLOPS"', "rearrange": false}' 10
run flops-rearranged "$GROUPS8" "$EVAL" '{"type": "fisher", "budget": '"$FLOPS"'}' 10
run flops-tuned "$GROUPS8" "$TUNED" '{"type": "fisher", "budget": '"$FLOPS"', "rearrange": false}' 10
run flops-full "$GROUPS8" "$TUNED" '{"type": "fisher", "budget": '"$FLOPS"'}' 10
for name in flops-plain flops-rearranged flops-tuned flops-full; do
  echo "# $name: budget member, valid accuracy, flops"
  "$SCULPT" query "$name.sqlite" -f csv --sql "SELECT step, objective, json_extract(metrics, '$.flops') FROM candidates WHERE origin = 'fisher' ORDER BY step"
done
# How well do gradient scores predict what removing one head costs? The measured drops of the
# single-head removals (astar's first expansion) against the position of each head in the
# gradient and Fisher orders (the whole order: no max_drop).
run michel-all "$HEADS" "$EVAL" '{"type": "importance", "scores": "gradient"}' "$((HEAD_COUNT + 2))" > /dev/null
run fisher-all "$HEADS" "$EVAL" '{"type": "importance", "scores": "fisher"}' "$((HEAD_COUNT + 2))" > /dev/null
python3 - <<'PY'
import sqlite3
def rows(db, sql):
    return sqlite3.connect(db).execute(sql).fetchall()
full = rows("astar.sqlite", "SELECT objective FROM candidates WHERE step = 0")[0][0]
single = {}
for arch, obj in rows("astar.sqlite", "SELECT arch, objective FROM candidates WHERE parent_step = 0 AND origin = 'astar-reduction'"):
    unit = arch.replace("|", "").index("0")
    single[unit] = full - obj
def order(db):
    seen, result = set(), []
    for (arch,) in rows(db, "SELECT arch FROM candidates WHERE origin = 'importance' ORDER BY step"):
        removed = {i for i, c in enumerate(arch.replace("|", "")) if c == "0"}
        result += sorted(removed - seen)
        seen |= removed
    return result
def ranks(values):
    s = sorted(range(len(values)), key=lambda i: values[i])
    r = [0] * len(values)
    for k, i in enumerate(s):
        r[i] = k
    return r
def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    n = len(a)
    return 1 - 6 * sum((x - y) ** 2 for x, y in zip(ra, rb)) / (n * (n * n - 1))
units = sorted(single)
print("single-head drops (points):", " ".join("%.2f" % (100 * single[u]) for u in units))
print("heads whose removal alone stays within 0.5 points:", sum(1 for u in units if single[u] <= 0.005), "of", len(units))
for name in ("michel-all", "fisher-all"):
    o = order(name + ".sqlite")
    position = {u: k for k, u in enumerate(o)}
    print(name, "order:", o)
    print(name, "Spearman(position, single drop) = %.2f" % spearman([position[u] for u in units], [single[u] for u in units]))
PY
# 3. Latency of the exports, side by side in one process: the model, and the Fisher pipeline's
# masks at 70 % and 50 % of its FLOPs (tuned, rearranged).
seventy=$("$SCULPT" query flops-full.sqlite -f csv --sql "SELECT id FROM candidates WHERE origin = 'fisher' ORDER BY step LIMIT 1 OFFSET 2" | tail -1)
"$SCULPT" export flops-full.sqlite --candidate "$seventy" --out flops-full-70 > /dev/null
"$(dirname "$SCULPT")/benchmarks/prune_latency_bench" "$MODEL" flops-full-70 flops-full-pruned --threads 1
"$(dirname "$SCULPT")/benchmarks/prune_latency_bench" "$MODEL" flops-full-70 flops-full-pruned --threads 2
