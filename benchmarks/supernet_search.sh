#!/bin/bash
# Issue 13's benchmarks 2 and 4: what a supernet's ranking buys, and what each kind costs.
# For every supernet kind (SUPERNET_KINDS in benchmarks/lib/families.sh) and seed, the
# quickstart's search runs on it: regularized evolution (population 12, sample 4), the same
# budget of 50 evaluations on the first 1,000 validation images, no constraint. Each run has its
# own database, so it trains its supernet from scratch and its CPU-seconds (user + system, from
# /usr/bin/time) are the kind's whole cost: training plus the search.
# Each run's pick is then trained from scratch with the ground-truth table's schedule and
# training seed (benchmarks/ground_truth.sh), so its accuracies compare with the table's rows.
# The baseline is random search on the table itself at equal cost: k rows, k the supernet
# search's CPU-seconds divided by the mean row's training seconds, plus one row for training the
# pick; the row with the best validation accuracy among k drawn without replacement, its
# expected accuracies computed exactly over every draw.
#
#   benchmarks/supernet_search.sh [SEEDS] [SPLIT] [TABLE] [WORK_DIR] [FAMILY]
#       arguments as benchmarks/supernet_ranking.sh's; WORK_DIR default runs/supernet_search
# A search an earlier run measured in WORK_DIR (its .time file) is kept, whatever the arguments
# were then: use a new WORK_DIR for other settings. The picks are trained again every run.
# Prints one markdown row per supernet and seed, then per kind the mean and standard deviation
# of the picks' accuracies beside random search's at equal cost. Run from the repository root
# with nothing else running: the CPU-seconds are measurements.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/families.sh"
supernet_benchmark_arguments runs/supernet_search "$@"
RESULTS="$WORK/$FAMILY-searches.csv"  # kind,seed,cpu_seconds,wall_seconds,supernet_accuracy,arch
: > "$RESULTS"

search() {  # SEED KIND EPOCHS EVALUATOR_EXTRA
  local name="$FAMILY-$2-seed$1"
  local db="$WORK/$name.sqlite"
  if [ -s "$WORK/$name.time" ]; then  # measured by an earlier run of this script: kept
    record "$name" "$2" "$1"
    return
  fi
  rm -rf "$db" "$db-wal" "$db-shm" "$db.supernet"
  supernet_config "$name" "$1" "$3" "$4" \
    '{"type": "regularized_evolution", "population": 12, "sample": 4}' 50 "$db" \
    > "$WORK/$name.json"
  /usr/bin/time -f "%e %U %S" -o "$WORK/$name.time.new" \
    "$SCULPT" run "$WORK/$name.json" --quiet > "$WORK/$name.log" 2>&1
  mv "$WORK/$name.time.new" "$WORK/$name.time"
  record "$name" "$2" "$1"
}

record() {  # NAME KIND SEED: appends a finished search's cost and pick to RESULTS
  local name=$1 db="$WORK/$1.sqlite" wall user system pick
  read -r wall user system < "$WORK/$name.time"
  pick=$("$SCULPT" query "$db" --format csv --sql "SELECT objective, arch FROM candidates
         WHERE status = 'ok' AND repeat_of_step IS NULL ORDER BY objective DESC, step LIMIT 1" |
         tail -1)
  echo "$2,$3,$(echo "$user + $system" | bc -l),$wall,$pick" >> "$RESULTS"
  echo "  $name: $(echo "$user + $system" | bc -l) CPU-s, $wall s, pick $pick" >&2
}

for_each_supernet search

# The picks, trained as the table's rows were (its schedule, training seed 0), with the
# table's first CALIBRATION rows: trained again today, they say how this machine's speed
# compares with the table's (a row's cost in today's CPU-seconds) and that the training
# reproduces the table. Repeated picks are trained once (the engine's cache).
CALIBRATION=6
python3 - "$RESULTS" "$WORK/$FAMILY-picks.csv" "$TABLE" "$CALIBRATION" <<'PY'
import csv, sys
archs = []
for row in csv.reader(open(sys.argv[1])):
    arch = ",".join(row[5:])
    if arch not in archs:
        archs.append(arch)
for row in list(csv.DictReader(open(sys.argv[3])))[:int(sys.argv[4])]:
    if row["arch"] not in archs:
        archs.append(row["arch"])
with open(sys.argv[2], "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(["arch"])
    writer.writerows([a] for a in archs)
PY
PICKS=$(($(wc -l < "$WORK/$FAMILY-picks.csv") - 1))
truth_training_config "$FAMILY-picks" "{\"type\": \"listed\", \"path\": \"$WORK/$FAMILY-picks.csv\"}" \
  0 "$PICKS" "$WORK/$FAMILY-picks.sqlite" > "$WORK/$FAMILY-picks.json"
rm -f "$WORK/$FAMILY-picks.sqlite"*
"$SCULPT" run "$WORK/$FAMILY-picks.json" --quiet > "$WORK/$FAMILY-picks.log" 2>&1
"$SCULPT" query "$WORK/$FAMILY-picks.sqlite" --format csv --sql "SELECT arch,
  json_extract(metrics, '$.valid_accuracy') AS valid_accuracy,
  json_extract(metrics, '$.test_accuracy') AS test_accuracy,
  json_extract(metrics, '$.params') AS params,
  json_extract(metrics, '$.train_seconds') AS train_seconds
  FROM candidate_results GROUP BY arch" > "$WORK/$FAMILY-picks-trained.csv"

python3 - "$RESULTS" "$WORK/$FAMILY-picks-trained.csv" "$TABLE" "$CALIBRATION" <<'PY'
import csv, math, statistics, sys
searches = [row for row in csv.reader(open(sys.argv[1]))]
trained = {r["arch"]: r for r in csv.DictReader(open(sys.argv[2]))}
table = list(csv.DictReader(open(sys.argv[3])))
n = len(table)
calibration = table[:int(sys.argv[4])]
speed = statistics.mean(float(trained[r["arch"]]["train_seconds"]) / float(r["train_seconds"])
                        for r in calibration)
drift = max(abs(float(trained[r["arch"]]["valid_accuracy"]) - float(r["valid_accuracy"]))
            for r in calibration)
# A row's training in today's seconds: one thread, beside another worker, as the table's.
row_seconds = speed * statistics.mean(float(r["train_seconds"]) for r in table)
print(f"Calibration: the table's first {len(calibration)} rows trained again took {speed:.2f}x "
      f"their table seconds; validation accuracy differs from the table's by at most "
      f"{100 * drift:.2f} points.")
by_valid = sorted(table, key=lambda r: -float(r["valid_accuracy"]))
in_table = {r["arch"]: i + 1 for i, r in enumerate(by_valid)}

def random_search(k):
    """Expected valid and test accuracy of the best-validation row among k of the table's n rows
    drawn without replacement: row i (0-based, best first) is the pick when it is drawn and the
    other k-1 come from the n-1-i rows below it."""
    k = max(1, min(k, n))
    total = math.comb(n, k)
    valid = test = 0.0
    for i, r in enumerate(by_valid):
        p = math.comb(n - 1 - i, k - 1) / total
        valid += p * float(r["valid_accuracy"])
        test += p * float(r["test_accuracy"])
    return valid, test

def pct(x):
    return f"{100 * x:.2f}"

print(f"Table: {n} rows, a row's training {row_seconds:.1f} CPU-s today (one thread); "
      f"best row {pct(float(by_valid[0]['valid_accuracy']))} % valid, "
      f"{pct(float(by_valid[0]['test_accuracy']))} % test.")
print()
print("| supernet | seed | CPU-s | wall s | supernet accuracy % | pick's truth valid % | test % | "
      "pick's table rank | random search rows at equal cost |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
by_kind = {}
for kind, seed, cpu, wall, accuracy, *arch in searches:
    arch = ",".join(arch)
    t = trained[arch]
    k = round(float(cpu) / row_seconds) + 1
    rank = in_table.get(arch, "-")
    print(f"| {kind} | {seed} | {float(cpu):.0f} | {float(wall):.0f} | {100 * float(accuracy):.1f} | "
          f"{pct(float(t['valid_accuracy']))} | {pct(float(t['test_accuracy']))} | {rank} | {k} |")
    by_kind.setdefault(kind, []).append((float(cpu), float(t["valid_accuracy"]),
                                         float(t["test_accuracy"]), k))
print()
print("| supernet | seeds | CPU-s | pick's truth valid % | pick's truth test % | "
      "random search at equal cost: rows | valid % | test % |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
def f(xs, scale=1.0, digits=2):
    xs = [scale * x for x in xs]
    if len(xs) == 1:
        return f"{xs[0]:.{digits}f}"
    return f"{statistics.mean(xs):.{digits}f} ± {statistics.stdev(xs):.{digits}f}"
for kind, runs in by_kind.items():
    cpu = statistics.mean(r[0] for r in runs)
    k = round(cpu / row_seconds) + 1
    valid, test = random_search(k)
    print(f"| {kind} | {len(runs)} | {f([r[0] for r in runs], digits=0)} | "
          f"{f([r[1] for r in runs], 100)} | {f([r[2] for r in runs], 100)} | {k} | "
          f"{pct(valid)} | {pct(test)} |")
for k in (10, 50):
    valid, test = random_search(k)
    print(f"| (random search, {k} rows) | - | {k * row_seconds:.0f} | - | - | {k} | {pct(valid)} | "
          f"{pct(test)} |")
PY
