# Sourced by the supernet benchmarks (ground_truth.sh, supernet_ranking.sh, supernet_search.sh)
# so that they all speak of the same skeletons, schedules and supernets.
#
# sculpt_family FAMILY sets, for nb201 (the quickstart's skeleton and training) or transformer
# (vit_quickstart's):
#   SPACE              the space block
#   SUPERNET_TRAINING  the supernet's training block, less its epochs
#   TRUTH_TRAINING     the from-scratch schedule of the ground-truth table, epochs included
#   TRUTH_COUNT        architectures in the table
#   FIRST_DECISION     the default few-shot split (the space's first decision)
#   SPLIT_VALUES       that decision's values (the few-shot cost: one sub-supernet each)
# It exits with status 2 on another family.
#
# SUPERNET_KINDS, one per line: NAME ONE_SHOT_EPOCHS SUB_EPOCHS SPLIT, with SPLIT "manual" (the
# benchmark's SPLIT), "auto" (gradient matching), or "-" for a one-shot supernet. Cost in
# one-shot epochs: ONE_SHOT_EPOCHS + SUB_EPOCHS x SPLIT_VALUES.
#   one_shot_8     SPOS, 8 epochs: the quickstart's (or vit_quickstart's) supernet
#   few_shot_3+1x  3 epochs, then 1 epoch per sub-supernet: nb201 8, equal to one_shot_8
#   one_shot_18    SPOS, 18 epochs: nb201's few-shot cost at the paper's ratio
#   few_shot_8+2x  one_shot_8 split, 2 epochs per sub-supernet: nb201 18, 2.25x (the paper's)
#   auto_8+2x      the same, split where the values' gradients disagree most
SUPERNET_KINDS='one_shot_8 8 0 -
few_shot_3+1x 3 1 manual
one_shot_18 18 0 -
few_shot_8+2x 8 2 manual
auto_8+2x 8 2 auto'

# The images every benchmark trains and scores on (Debian's dataset-fashion-mnist).
DATA=/usr/share/datasets/fashion-mnist

sculpt_family() {
  case "$1" in
    nb201)
      SPACE='{"type": "nb201", "channels": 12, "cells_per_stage": 1,
              "input_channels": 1, "input_size": 28, "classes": 10}'
      SUPERNET_TRAINING='"batch_size": 64, "learning_rate": 0.1'
      TRUTH_TRAINING='"epochs": 2, "batch_size": 64, "learning_rate": 0.1'
      TRUTH_COUNT=100
      FIRST_DECISION=edge0
      SPLIT_VALUES=5
      ;;
    transformer)
      SPACE='{"type": "transformer", "input_channels": 1, "input_size": 28, "classes": 10,
              "patch_size": 4, "layers": 4, "embed_dims": [32, 48, 64], "heads": [0, 1, 2, 4],
              "head_dim": 16, "ffn_dims": [0, 64, 128]}'
      SUPERNET_TRAINING='"batch_size": 64, "optimizer": "adamw", "learning_rate": 0.003,
                         "weight_decay": 0.05, "warmup_epochs": 0.5'
      TRUTH_TRAINING='"epochs": 3, "batch_size": 64, "optimizer": "adamw", "learning_rate": 0.003,
                      "weight_decay": 0.05, "warmup_epochs": 0.5'
      TRUTH_COUNT=60
      FIRST_DECISION=embed
      SPLIT_VALUES=3
      ;;
    *) echo "unknown family '$1' (nb201 or transformer)" >&2; exit 2 ;;
  esac
}

# supernet_evaluator_extra SUB_EPOCHS SPLIT: the supernet evaluator's keys for a kind (see
# SUPERNET_KINDS; "manual" is replaced by the caller's split), each followed by a comma.
supernet_evaluator_extra() {
  case "$2" in
    -) echo '' ;;
    *) echo "\"kind\": \"few_shot\", \"few_shot\": {\"split\": \"$2\", \"epochs\": $1}," ;;
  esac
}

# supernet_benchmark_arguments DEFAULT_WORK_DIR [SEEDS] [SPLIT] [TABLE] [WORK_DIR] [FAMILY]: the
# arguments the supernet benchmarks share. Sets SEEDS (default "0 1 2"), FAMILY (default nb201)
# with sculpt_family's variables, SPLIT (default the first decision), TABLE (default
# benchmarks/data/FAMILY_fashion_mnist.csv), WORK (created; absolute) and SCULPT.
supernet_benchmark_arguments() {
  local default_work=$1
  shift
  SEEDS=${1:-0 1 2}
  FAMILY=${5:-nb201}
  sculpt_family "$FAMILY"
  SPLIT=${2:-$FIRST_DECISION}
  TABLE=$(realpath "${3:-benchmarks/data/${FAMILY}_fashion_mnist.csv}")
  WORK=${4:-$default_work}
  SCULPT=$(realpath build/sculpt)
  mkdir -p "$WORK"
  WORK=$(realpath "$WORK")
}

# for_each_supernet COMMAND: runs COMMAND SEED KIND ONE_SHOT_EPOCHS EVALUATOR_EXTRA for every
# seed of SEEDS and kind of SUPERNET_KINDS, in that order (a manual split is SPLIT).
for_each_supernet() {
  local seed kind epochs sub_epochs split
  for seed in $SEEDS; do
    while read -r -u 3 kind epochs sub_epochs split; do
      [ "$split" = manual ] && split=$SPLIT
      "$1" "$seed" "$kind" "$epochs" "$(supernet_evaluator_extra "$sub_epochs" "$split")"
    done 3<<< "$SUPERNET_KINDS"
  done
}

# truth_training_config NAME STRATEGY TRAINING_SEED COUNT DB: prints the config that trains
# COUNT architectures STRATEGY proposes from scratch, as the ground-truth table's rows were
# (TRUTH_TRAINING, this training seed, 2 workers of 1 thread), storing them in DB.
truth_training_config() {
  cat <<JSON
{"name": "$1", "seed": 0,
 "space": $SPACE,
 "evaluator": {"type": "train",
   "dataset": {"path": "$DATA", "validation_size": 5000, "train_size": 10000},
   "training": {$TRUTH_TRAINING, "seed": $3}},
 "objectives": [{"metric": "valid_accuracy", "goal": "maximize"}],
 "strategy": $2,
 "budget": {"evaluations": $4}, "batch": 2, "workers": 2,
 "storage": "$5"}
JSON
}

# supernet_config NAME SEED EPOCHS EVALUATOR_EXTRA STRATEGY EVALUATIONS DB: prints the config
# that trains a supernet (SUPERNET_TRAINING for EPOCHS one-shot epochs, then what
# EVALUATOR_EXTRA adds: see supernet_evaluator_extra) with SEED and scores EVALUATIONS
# architectures STRATEGY proposes on the first 1,000 validation images, storing them in DB.
supernet_config() {
  cat <<JSON
{"name": "$1", "seed": $2,
 "space": $SPACE,
 "evaluator": {"type": "supernet",
   "dataset": {"path": "$DATA", "validation_size": 5000, "train_size": 10000},
   "training": {"epochs": $3, $SUPERNET_TRAINING},
   $4
   "eval_images": 1000, "eval_batch_size": 250, "latency_runs": 0},
 "objectives": [{"metric": "accuracy", "goal": "maximize"}],
 "strategy": $5,
 "budget": {"evaluations": $6}, "batch": 2, "workers": 2,
 "storage": "$7"}
JSON
}
