#!/bin/bash
# Issue 13: the few-shot phase of a real `sculpt run`, its sub-supernets trained one after the
# other (each with both LibTorch threads) against side by side on the run's 2 engine workers
# (each with 1 thread): "few_shot": {"side_by_side": false | true}. Both arms start from the same
# trained one-shot supernet (copied checkpoints), split on the family's first decision, and score
# 2 architectures afterwards, so the difference in wall time is the sub-supernets' training.
#
#   benchmarks/few_shot_side_by_side.sh [FAMILY] [SUB_EPOCHS] [REPEATS] [WORK_DIR]
#     FAMILY nb201 (default; 5 sub-supernets) or transformer (3), SUB_EPOCHS default 2,
#     REPEATS default 2 (the arms alternate: in turn, side by side, in turn, ...),
#     WORK_DIR default runs/few_shot_side_by_side.
# Prints a Markdown table: per arm and repeat, wall and CPU seconds of the run, and the mean final
# train accuracy of the sub-supernets. Run from the repository root with nothing else running.
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/lib/families.sh
FAMILY=${1:-nb201}
SUB_EPOCHS=${2:-2}
REPEATS=${3:-2}
WORK=${4:-runs/few_shot_side_by_side}
sculpt_family "$FAMILY"
SCULPT=$(realpath build/sculpt)
mkdir -p "$WORK"
WORK=$(realpath "$WORK")/$FAMILY
mkdir -p "$WORK"

few_shot() {  # SIDE_BY_SIDE
  echo "\"kind\": \"few_shot\", \"few_shot\": {\"split\": \"$FIRST_DECISION\", \"epochs\": $SUB_EPOCHS, \"side_by_side\": $1},"
}
STRATEGY='{"type": "random"}'

# The one-shot supernet both arms split, trained once (reused when it exists).
supernet_config base 0 8 "" "$STRATEGY" 2 "$WORK/base.sqlite" > "$WORK/base.json"
"$SCULPT" run "$WORK/base.json" --quiet > "$WORK/base.log" 2>&1

echo "| arm | repeat | wall s | CPU s | sub-supernets' mean final train accuracy |"
echo "| --- | --- | --- | --- | --- |"
for repeat in $(seq 1 "$REPEATS"); do
  for side_by_side in false true; do
    name=$([ "$side_by_side" = true ] && echo side_by_side || echo in_turn)
    db="$WORK/$name-$repeat.sqlite"
    rm -rf "$db" "$db.supernet"
    cp -r "$WORK/base.sqlite.supernet" "$db.supernet"
    supernet_config "$name" 0 8 "$(few_shot "$side_by_side")" "$STRATEGY" 2 "$db" \
      > "$WORK/$name.json"
    /usr/bin/time -f '%e %U %S' -o "$WORK/$name-$repeat.time" \
      "$SCULPT" run "$WORK/$name.json" --quiet > "$WORK/$name-$repeat.log" 2>&1
    read -r wall user system < "$WORK/$name-$repeat.time"
    accuracy=$("$SCULPT" query "$db" --format csv --sql "SELECT round(100 * avg(json_extract( \
      result, '$.train_accuracy')), 2) FROM training_runs WHERE json_extract(config, \
      '$.few_shot') IS NOT NULL" | tail -1)
    echo "| $name | $repeat | $wall | $(echo "$user + $system" | bc -l) | $accuracy % |"
  done
done
