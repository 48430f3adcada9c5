#!/bin/bash
# Issue 10's reliability benchmark: a run killed with SIGKILL (kill -9) at random moments, then
# continued with `sculpt run CONFIG --resume`, must end exactly as the uninterrupted run of the
# same config: the same candidates (step, architecture, origin, parent, status, objective and
# metrics) and, for a run with a supernet and a "final" block, the same retrained network.
#
#   benchmarks/resume_after_kill.sh search [KILLS] [WORK_DIR]
#       Regularized evolution on the NAS-Bench-201 table (../shared/benchmarks), 4,300
#       evaluations (about 700,000 proposals, most of them repeats): one uninterrupted run, then
#       KILLS (default 24) runs killed at moments drawn uniformly over 5-75 % of its duration
#       (seed 1),
#       the first two as soon as the database file appears and 20 ms after, each resumed and
#       compared.
#   benchmarks/resume_after_kill.sh main-job CONFIG [WORK_DIR]
#       A supernet run with retraining (e.g. experiments/quickstart.json): one uninterrupted
#       run, then three runs killed in supernet training (after its 2nd epoch), in the search
#       (after 10 evaluations) and in the retraining (after its 2nd epoch), each resumed and
#       compared.
# Prints one markdown table row per kill. Run from the repository root, nothing else running.
set -euo pipefail
MODE=$1
SCULPT=$(realpath build/sculpt)
REPO=$(pwd)

query() { "$SCULPT" query "$1" --format csv --sql "$2"; }

# Everything of experiment 1 that an interruption must not change (latency_ms is measured on
# the machine at evaluation time, so no two runs share it).
candidates() {
  query "$1" "SELECT step, arch, hash, origin, parent_step, status, error, repeat_of_step, objective, json_remove(metrics, '$.latency_ms') FROM candidates WHERE experiment_id = 1 ORDER BY step" | md5sum | cut -c1-12
}
retrained() {
  query "$1" "SELECT json_extract(result, '$.test_accuracy'), json_extract(result, '$.valid_loss') FROM training_runs WHERE kind = 'retrain' AND status = 'finished'" | tail -n +2
}

# kill_and_resume CONFIG DB WHEN: starts a fresh run and kills it with SIGKILL when WHEN holds:
# "file+S" (S seconds after the database file appears), a number of seconds after the start,
# or an SQL condition on the database ("count(*) >= 2 FROM training_epochs"), polled every
# 10 ms; then resumes it until it finishes. Prints: stored proposals at the kill | what
# `sculpt query` shows | resumes | resume seconds.
kill_and_resume() {
  local config=$1 db=$2 when=$3
  rm -rf "$db" "$db"-* "$db".*
  "$SCULPT" run "$config" --db "$db" --quiet > /dev/null 2>&1 &
  local pid=$!
  case "$when" in
    file+*)
      while [ ! -e "$db" ] && kill -0 $pid 2>/dev/null; do sleep 0.001; done
      sleep "${when#file+}" ;;
    [0-9]*) sleep "$when" ;;
    *)
      until query "$db" "SELECT $when" 2>/dev/null | tail -1 | grep -qx 1; do
        kill -0 $pid 2>/dev/null || break
        sleep 0.01
      done ;;
  esac
  { kill -9 $pid; wait $pid; } 2>/dev/null || true
  local stored="-" shown="-"
  if "$SCULPT" query "$db" > list.txt 2>&1; then
    stored=$(query "$db" "SELECT count(*) FROM candidates" | tail -1)
    # The status column of the experiment's row (objective is two words: "max accuracy").
    shown=$(awk 'NR == 3 {print $7}' list.txt)
    [ -n "$shown" ] || shown="(no experiment yet)"
  else
    shown="(no results yet)"
  fi
  local start=$(date +%s.%N) resumes=0
  until "$SCULPT" run "$config" --db "$db" --quiet --resume > resume.log 2>&1; do
    resumes=$((resumes + 1))
    if [ $resumes -ge 3 ]; then cat resume.log >&2; exit 1; fi
  done
  resumes=$((resumes + 1))
  echo "$stored | $shown | $resumes | $(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.1f')"
}

case "$MODE" in
  search)
    KILLS=${2:-24}
    WORK=${3:-/tmp/resume-bench}
    mkdir -p "$WORK" && cd "$WORK"
    sed -e "s#../../shared#$REPO/../shared#" \
        -e 's#"evaluations": 150#"evaluations": 4300, "patience": 100000#' \
        "$REPO/experiments/nb201_re.json" > search.json
    rm -f whole.sqlite*
    start=$(date +%s.%N)
    "$SCULPT" run search.json --db whole.sqlite --quiet > whole.log
    total=$(echo "$(date +%s.%N) - $start" | bc)
    reference=$(candidates whole.sqlite)
    echo "uninterrupted: $(printf '%.2f' "$total") s, $(query whole.sqlite 'SELECT count(*) FROM candidates' | tail -1) proposals, candidates $reference"
    echo
    echo "| kill | at (s) | stored proposals | query shows | resumes | resume (s) | identical |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    for i in $(seq 1 "$KILLS"); do
      case $i in
        1) when=file+0 ;;      # as soon as the file exists
        2) when=file+0.02 ;;   # 20 ms after
        # Uniform over 5..75 % of the uninterrupted run's time: a run may go faster than the
        # reference did, and a kill after it finished tests nothing.
        *) when=$(awk -v i="$i" -v t="$total" 'BEGIN{srand(1); for (k = 0; k < i; k++) r = rand(); printf "%.3f", (0.05 + 0.7 * r) * t}') ;;
      esac
      row=$(kill_and_resume search.json cut.sqlite "$when")
      same=$([ "$(candidates cut.sqlite)" = "$reference" ] && echo yes || echo NO)
      echo "| $i | $when | $row | $same |"
    done
    ;;
  main-job)
    CONFIG=$(realpath "$2")
    WORK=${3:-/tmp/resume-main-bench}
    mkdir -p "$WORK" && cd "$WORK"
    # The config's relative paths (its data set) resolve against its own folder: run a copy there.
    cp "$CONFIG" "$(dirname "$CONFIG")/.resume-bench.json"
    config="$(dirname "$CONFIG")/.resume-bench.json"
    trap 'rm -f "$config"' EXIT
    rm -rf whole.sqlite*
    start=$(date +%s.%N)
    "$SCULPT" run "$config" --db "$WORK/whole.sqlite" --quiet > whole.log
    total=$(echo "$(date +%s.%N) - $start" | bc)
    reference=$(candidates whole.sqlite)
    reference_final=$(retrained whole.sqlite)
    echo "uninterrupted: $(printf '%.1f' "$total") s, candidates $reference, retrained (test accuracy, valid loss) $reference_final"
    echo
    echo "| killed when | stored proposals | query shows | resumes | resume (s) | same candidates | same retrained network |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    for when in "count(*) >= 2 FROM training_epochs" "count(*) >= 10 FROM evaluations" \
                "count(*) >= 2 FROM training_epochs e JOIN training_runs r ON r.id = e.run_id WHERE r.kind = 'retrain'"; do
      row=$(kill_and_resume "$config" "$WORK/cut.sqlite" "$when")
      same=$([ "$(candidates cut.sqlite)" = "$reference" ] && echo yes || echo NO)
      final=$([ "$(retrained cut.sqlite)" = "$reference_final" ] && echo yes || echo NO)
      echo "| $when | $row | $same | $final |"
    done
    ;;
  *)
    echo "usage: $0 search [KILLS] [WORK_DIR] | main-job CONFIG [WORK_DIR]" >&2
    exit 2
    ;;
esac
