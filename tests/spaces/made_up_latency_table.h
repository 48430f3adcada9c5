#pragma once
// A latency table with made-up, distinct entries (no timing), for tests that check how a table
// is read, written and summed: every entry is a different exact binary fraction, so sums are
// exact and a mixed-up entry changes the result.

#include "spaces/nb201_latency.h"

namespace sculpt::testing {

inline nb201::LatencyTable MadeUpLatencyTable(const nb201::Skeleton& skeleton) {
  nb201::LatencyTable table;
  table.machine = "test machine";
  table.threads = 1;
  table.runs = 7;
  table.date = "2026-11-24T00:00:00Z";
  table.skeleton = skeleton;
  table.stem_ms = 0.5;
  table.reduction_ms = {0.25, 0.375};
  table.head_ms = 0.125;
  table.network_overhead_ms = 0.0625;
  const auto shapes = nb201::StageShapes(skeleton);
  for (int s = 0; s < 3; ++s) {
    nb201::StageLatency& stage = table.stages[s];
    stage.channels = shapes[s].first;
    stage.size = shapes[s].second;
    for (int op = 1; op < nb201::kNumOps; ++op) stage.op_ms[op] = (s + 1) + op / 8.0;
    stage.add_ms = (s + 1) / 16.0;
    stage.zeros_ms = (s + 1) / 32.0;
    stage.cell_overhead_ms = (s + 1) / 64.0;
  }
  return table;
}

}  // namespace sculpt::testing
