#!/bin/bash
# Issue 13's ground truth: trains a fixed, seeded sample of a space's architectures from scratch
# on Fashion-MNIST with the `train` evaluator and writes them as a table (CSV keyed by the
# space's string form: valid and test accuracy and loss, params, FLOPs, training seconds) that
# the `table` evaluator can search and `sculpt rank` can score any supernet against. Then it
# retrains a seeded sample of the table's rows with another training seed and ranks the two
# seeds against each other: the ceiling no supernet can beat on this table.
#
#   benchmarks/ground_truth.sh FAMILY [COUNT] [RESEEDED] [WORK_DIR]
#       FAMILY:   nb201 (the quickstart's skeleton) or transformer (vit_quickstart's space)
#       COUNT:    architectures in the table (default 100 for nb201, 60 for transformer)
#       RESEEDED: rows retrained with seed 1 for the ceiling (default 10)
#       WORK_DIR: where the databases go (default runs/ground_truth); an interrupted run
#                 resumes where it stopped when started again with the same arguments.
# Writes benchmarks/data/FAMILY_fashion_mnist.csv and prints the ceiling's ranking scores.
# Run from the repository root with nothing else running: the seconds column is a timing.
set -euo pipefail
FAMILY=${1:?usage: benchmarks/ground_truth.sh nb201|transformer [COUNT] [RESEEDED] [WORK_DIR]}
WORK=${4:-runs/ground_truth}
SCULPT=$(realpath build/sculpt)
mkdir -p "$WORK" benchmarks/data
WORK=$(realpath "$WORK")
TABLE=$(realpath benchmarks/data)/${FAMILY}_fashion_mnist.csv

# The skeleton and the from-scratch schedule of each family (benchmarks/lib/families.sh). The
# schedule is short on purpose (the table must be affordable on 2 cores); the seed-to-seed
# ceiling says what it is worth.
source "$(dirname "${BASH_SOURCE[0]}")/lib/families.sh"
sculpt_family "$FAMILY"
COUNT=${2:-$TRUTH_COUNT}
RESEEDED=${3:-10}

config() {  # NAME STRATEGY TRAINING_SEED
  truth_training_config "$1" "$2" "$3" "$COUNT" "$WORK/$1.sqlite"
}

run() {  # NAME: runs WORK/NAME.json: resumes an interrupted run, skips a finished one
  local db="$WORK/$1.sqlite" finished=0
  if [ -e "$db" ]; then
    finished=$("$SCULPT" query "$db" --format csv \
      --sql "SELECT count(*) FROM experiments WHERE name = '$1' AND status = 'finished'" | tail -1)
  fi
  [ "$finished" -gt 0 ] || "$SCULPT" run "$WORK/$1.json" --resume --quiet
}

# The sample: uniform random architectures of the space, COUNT distinct ones, training seed 0.
config "$FAMILY-truth" '{"type": "random"}' 0 > "$WORK/$FAMILY-truth.json"
run "$FAMILY-truth"
"$SCULPT" query "$WORK/$FAMILY-truth.sqlite" --sort step --format csv \
  | cut -d, -f2- > "$TABLE"
echo "wrote $TABLE ($(($(wc -l < "$TABLE") - 1)) architectures)"

# The ceiling: RESEEDED of the table's rows trained again with training seed 1.
COUNT=$RESEEDED
config "$FAMILY-reseeded" \
  "{\"type\": \"listed\", \"path\": \"$TABLE\", \"sample\": $RESEEDED}" 1 \
  > "$WORK/$FAMILY-reseeded.json"
run "$FAMILY-reseeded"
for column in valid_accuracy test_accuracy; do
  echo "seed 1 against seed 0, $column:"
  "$SCULPT" rank "$WORK/$FAMILY-reseeded.sqlite" --truth "$TABLE" --column "$column" \
    --metric "$column"
done
