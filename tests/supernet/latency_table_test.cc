#include "supernet/latency_table.h"

#include <gtest/gtest.h>

#include "spaces/nb201_latency.h"

namespace sculpt {
namespace {

// Timings are noisy: these tests check what the table holds, never how accurate it is.
TEST(LatencyTableTest, BuildsPositiveEntriesForEveryPartAndRoundTrips) {
  nb201::Skeleton skeleton;
  skeleton.channels = 2;
  skeleton.cells_per_stage = 1;
  skeleton.input_channels = 1;
  skeleton.input_size = 8;
  skeleton.classes = 3;
  LatencyTableOptions options;
  options.runs = 3;
  options.warmup = 1;
  const nb201::LatencyTable table = BuildLatencyTable(skeleton, options);

  EXPECT_EQ(table.runs, 3);
  EXPECT_GE(table.threads, 1);
  EXPECT_NE(table.machine.find("LibTorch"), std::string::npos);
  EXPECT_EQ(table.date.size(), 20U);  // 2026-11-24T15:58:31Z
  EXPECT_EQ(nb201::DescribeSkeleton(table.skeleton), nb201::DescribeSkeleton(skeleton));
  EXPECT_GT(table.stem_ms, 0);
  EXPECT_GT(table.reduction_ms[0], 0);
  EXPECT_GT(table.reduction_ms[1], 0);
  EXPECT_GT(table.head_ms, 0);
  EXPECT_GE(table.network_overhead_ms, 0);
  const int expected_channels[] = {2, 4, 8};
  const int expected_sizes[] = {8, 4, 2};
  for (int s = 0; s < 3; ++s) {
    const nb201::StageLatency& stage = table.stages[s];
    EXPECT_EQ(stage.channels, expected_channels[s]);
    EXPECT_EQ(stage.size, expected_sizes[s]);
    EXPECT_EQ(stage.op_ms[nb201::kNone], 0);
    for (int op = 1; op < nb201::kNumOps; ++op) EXPECT_GT(stage.op_ms[op], 0) << s << " " << op;
    EXPECT_GT(stage.add_ms, 0);
    EXPECT_GT(stage.zeros_ms, 0);
    EXPECT_GE(stage.cell_overhead_ms, 0);
  }
  // With overheads, even the all-none network pays a zero tensor per cell on top of its parts.
  const Architecture empty{std::vector<int>(nb201::kNumEdges, nb201::kNone)};
  EXPECT_GT(nb201::PredictLatencyMs(table, empty), nb201::PredictLatencyMs(table, empty, false));

  const nb201::LatencyTable back =
      nb201::LatencyTableFromJson(nb201::LatencyTableToJson(table), "test");
  EXPECT_EQ(nb201::LatencyTableToJson(back), nb201::LatencyTableToJson(table));
  const Architecture arch{{3, 2, 1, 4, 0, 3}};
  EXPECT_EQ(nb201::PredictLatencyMs(back, arch), nb201::PredictLatencyMs(table, arch));
}

TEST(LatencyTableTest, RejectsBadOptions) {
  LatencyTableOptions options;
  options.runs = 0;
  EXPECT_THROW(BuildLatencyTable(nb201::Skeleton{}, options), UserError);
  nb201::Skeleton odd;
  odd.input_size = 30;
  EXPECT_THROW(BuildLatencyTable(odd, LatencyTableOptions{}), UserError);
}

}  // namespace
}  // namespace sculpt
