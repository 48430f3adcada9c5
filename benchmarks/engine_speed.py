#!/usr/bin/env python3
"""Benchmark 2, Python side: the same work as Sculpt's engine, as a plain Python loop.

Regularized evolution (population P, tournament S, one-edit mutation) on the NAS-Bench-201
table, in batches: every proposal's string form and class (canonical form and costs) are computed (memoised per
string, as Sculpt's engine memoises them), repeats are answered from a dict keyed by class, and
every proposal is written to SQLite with the sqlite3 module, one transaction per batch, into the
same tables (schema version 2: a row per evaluation, a row per new string form, one row of JSON
per batch for its repeats) of a database that Sculpt's store created, as experiment 1. It is
written the way a competent Python programmer would write it.

usage: engine_speed.py TABLE.csv DB PROPOSALS BATCH SEED
prints one line: proposals seconds proposals_per_second evaluations cpu_seconds
"""
import json
import random
import sqlite3
import sys
import time
from collections import deque

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
EDGES = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]


def format_arch(choices):
    c = [OPS[i] for i in choices]
    return f"|{c[0]}~0|+|{c[1]}~0|{c[2]}~1|+|{c[3]}~0|{c[4]}~1|{c[5]}~2|"


def canonical_form(choices):
    # The same rules as Sculpt's nb201 canonical form: none is zero, skip is identity,
    # sums are sorted multisets, zero terms vanish, only what reaches the output counts.
    node = {0: "x"}
    for target in (1, 2, 3):
        terms = []
        for edge, (source, to) in enumerate(EDGES):
            if to != target or node[source] is None:
                continue
            op = choices[edge]
            if op == 0:
                continue
            terms.append(node[source] if op == 1 else f"{OPS[op]}({node[source]})")
        node[target] = "+".join(sorted(terms)) if terms else None
    return node[3] or "zero"


def class_key(choices):
    # Sculpt's engine answers a repeat within one canonical form at one set of costs: nb201's
    # params and FLOPs count every conv, dead ends included, so the key adds the conv counts.
    return canonical_form(choices), choices.count(2), choices.count(3)


def digest(text):
    return format(hash(text) & 0xFFFFFFFFFFFFFFFF, "016x")


def main():
    table_path, db_path, proposals_total, batch, seed = sys.argv[1:6]
    proposals_total, batch, seed = int(proposals_total), int(batch), int(seed)
    table = {}
    with open(table_path) as f:
        next(f)
        for line in f:
            _, arch, valid, test = line.rstrip("\n").split(",")
            table[arch] = (float(valid), float(test))

    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA cache_size=-65536")

    rng = random.Random(seed)
    population = deque()
    known = {}  # arch tuple -> (string, class, architecture id)
    classes = {}  # class -> (first step, valid, test)
    step = 0
    evaluations = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    while step < proposals_total:
        n = min(batch, proposals_total - step)
        proposals = []
        for _ in range(n):
            if len(population) < 10:
                proposals.append((tuple(rng.randrange(5) for _ in range(6)), "random", None))
            else:
                parent = max((rng.choice(population) for _ in range(3)), key=lambda m: m[2])
                child = list(parent[1])
                edge = rng.randrange(6)
                child[edge] = (child[edge] + 1 + rng.randrange(4)) % 5
                proposals.append((tuple(child), "mutation", parent[0]))
        evaluated = []
        new_archs = []
        repeats = []
        told = []
        first_repeat = None
        for arch, origin, parent in proposals:
            seen = known.get(arch)
            if seen is None:
                text = format_arch(arch)
                seen = known[arch] = (text, class_key(arch), len(known))
                new_archs.append((seen[2], text))
            text, cls, arch_id = seen
            hit = classes.get(cls)
            now = time.perf_counter() - start
            if hit is None:
                valid, test = table[text]
                classes[cls] = (step, valid, test)
                evaluations += 1
                evaluated.append((step, text, digest(cls[0]), origin, parent, valid,
                                  f'{{"cifar10_valid":{valid},"cifar10_test":{test}}}', now))
                told.append((step, arch, valid))
            else:
                if first_repeat is None:
                    first_repeat = step
                repeats.append((step, arch_id, hit[0], parent, origin))
                told.append((step, arch, hit[1]))
            step += 1
        with db:
            db.executemany("INSERT INTO architectures (experiment_id, id, arch) VALUES (1, ?, ?)",
                           new_archs)
            db.executemany(
                "INSERT INTO evaluations (experiment_id, step, arch, hash, strategy, origin,"
                " parent_step, status, error, objective, metrics, eval_seconds, finished_at)"
                " VALUES (1, ?, ?, ?, 'regularized_evolution', ?, ?, 'ok', NULL, ?, ?, 0.0, ?)",
                evaluated)
            if repeats:
                db.execute(
                    "INSERT INTO repeat_batches (experiment_id, first_step, count, strategy,"
                    " finished_at, repeats) VALUES (1, ?, ?, 'regularized_evolution', ?, ?)",
                    (first_repeat, len(repeats), time.perf_counter() - start,
                     json.dumps(repeats, separators=(",", ":"))))
        for member in told:
            population.append(member)
            if len(population) > 10:
                population.popleft()
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    db.close()
    print(f"{step} {seconds:.3f} {step / seconds:.0f} {evaluations} {cpu_seconds:.3f}")


if __name__ == "__main__":
    main()
