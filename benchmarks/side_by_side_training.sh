#!/bin/bash
# Issue 13: should the sub-supernets of a few-shot supernet train one after the other, each
# with every core, or side by side, one per engine worker with a core each? On 2 cores this is a
# question of throughput: SPOS steps per second of one training with 2 LibTorch threads against
# the sum of two trainings of 1 thread running at once. The trainings are the SPOS benchmarks
# (build/benchmarks/spos_speed_bench for nb201, transformer_spos_speed_bench): the same steps a
# sub-supernet takes, on random images.
#
#   benchmarks/side_by_side_training.sh [STEPS]     (default 150 steps per training)
# Prints, per family, the steps per second of each arrangement. Run from the repository root with
# nothing else running.
set -euo pipefail
STEPS=${1:-150}
BENCH=build/benchmarks
rate() { grep -E "(spos|Sculpt) supernet step:" | sed 's/.*: *\([0-9.]*\) steps\/s.*/\1/'; }

measure() {  # NAME COMMAND...
  local name=$1
  shift
  local one a b
  one=$("$@" --threads 2 --steps "$STEPS" | rate)
  "$@" --threads 1 --steps "$STEPS" > /tmp/side_by_side_a.$$ &
  local first=$!
  "$@" --threads 1 --steps "$STEPS" > /tmp/side_by_side_b.$$
  wait "$first"
  a=$(rate < /tmp/side_by_side_a.$$)
  b=$(rate < /tmp/side_by_side_b.$$)
  rm -f /tmp/side_by_side_a.$$ /tmp/side_by_side_b.$$
  echo "| $name | $one | $a + $b = $(echo "$a + $b" | bc -l | xargs printf '%.2f') |"
}

echo "| family | one after the other: 1 training x 2 threads (steps/s) | side by side: 2 trainings x 1 thread (steps/s) |"
echo "| --- | --- | --- |"
measure "nb201 (quickstart skeleton, batch 64)" "$BENCH/spos_speed_bench" --channels 12 --cells 1 --batch 64
measure "transformer (vit_quickstart space, batch 64)" "$BENCH/transformer_spos_speed_bench" --config experiments/vit_quickstart.json --batch 64
