// Params and FLOPs of NAS-Bench-201's network, and the skeleton options.

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "spaces/errors.h"
#include "spaces/nb201.h"
#include "spaces/options.h"

namespace sculpt::nb201 {
namespace {

const Architecture kAllNone{{0, 0, 0, 0, 0, 0}};
const Architecture kAllConv3x3{{3, 3, 3, 3, 3, 3}};
// |nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|skip_connect~0|none~1|avg_pool_3x3~2|
const Architecture kMixed{{3, 2, 1, 1, 0, 4}};

// By hand, CIFAR-10 skeleton (C = 16, N = 5, 3 x 32 x 32 input, 10 classes). Conv params are
// k*k*in*out (no bias), BN adds 2 per channel; FLOPs are conv MACs per output pixel times the
// output pixels, plus in*out + out for the classifier.
//   stem Conv3x3 3->16 + BN:       params 432 + 32 = 464;            FLOPs 432 * 32*32 = 442,368
//   reduction 16->32 at 16x16:     conv_a 4,608 + 64, conv_b 9,216 + 64, shortcut 1x1 512
//                                  params 14,464;  FLOPs (4,608 + 9,216 + 512) * 256 = 3,670,016
//   reduction 32->64 at 8x8:       conv_a 18,432 + 128, conv_b 36,864 + 128, shortcut 2,048
//                                  params 57,600;  FLOPs (18,432 + 36,864 + 2,048) * 64 = 3,670,016
//   last BN(64): 128 params; Linear 64->10: 650 params, 650 FLOPs.
//   all-none total: params 464 + 14,464 + 57,600 + 128 + 650 = 73,306
//                   FLOPs 442,368 + 2 * 3,670,016 + 650 = 7,783,050
// A cell conv at stage s (c = 16, 32, 64 at 32, 16, 8 pixels): c*c*h*h = 262,144 in every
// stage; a 3x3 conv is 9 of those FLOPs and 9c^2 + 2c params (2,336 / 9,280 / 36,992), a 1x1
// conv c^2 + 2c (288 / 1,088 / 4,224).
//   all-conv3x3: 6 convs * 5 cells: params 30 * (2,336 + 9,280 + 36,992) = 1,458,240 more
//                = 1,531,546; FLOPs 30 * 3 * 9 * 262,144 = 212,336,640 more = 220,119,690.
//   mixed (one 3x3, one 1x1 per cell): params 5 * (2,624 + 10,368 + 41,216) = 271,040 more
//                = 344,346; FLOPs 5 * 3 * 10 * 262,144 = 39,321,600 more = 47,104,650.
TEST(Nb201CostTest, KnownCellsOnCifar10) {
  const Skeleton cifar10;
  EXPECT_EQ(CountParams(kAllNone, cifar10), 73306);
  EXPECT_EQ(CountFlops(kAllNone, cifar10), 7783050);
  EXPECT_EQ(CountParams(kAllConv3x3, cifar10), 1531546);
  EXPECT_EQ(CountFlops(kAllConv3x3, cifar10), 220119690);
  EXPECT_EQ(CountParams(kMixed, cifar10), 344346);
  EXPECT_EQ(CountFlops(kMixed, cifar10), 47104650);
}

// ImageNet16-120 (16 x 16 inputs, 120 classes), all-none by hand: stem 464 params,
// 432 * 256 = 110,592 FLOPs; reductions at 8x8 and 4x4: 14,336 * 64 + 57,344 * 16 = 1,835,008
// FLOPs; classifier 64 * 120 + 120 = 7,800. Params 464 + 14,464 + 57,600 + 128 + 7,800.
TEST(Nb201CostTest, OtherSkeleton) {
  Skeleton imagenet16;
  imagenet16.input_size = 16;
  imagenet16.classes = 120;
  EXPECT_EQ(CountParams(kAllNone, imagenet16), 80456);
  EXPECT_EQ(CountFlops(kAllNone, imagenet16), 1953400);
  Skeleton one_cell;
  one_cell.cells_per_stage = 1;
  // One cell per stage: a fifth of the cell part of the all-conv3x3 numbers above.
  EXPECT_EQ(CountParams(kAllConv3x3, one_cell), 73306 + 1458240 / 5);
  EXPECT_EQ(CountFlops(kAllConv3x3, one_cell), 7783050 + 212336640 / 5);
}

TEST(Nb201CostTest, RangeOverTheSpaceMatchesThePublishedRange) {
  const auto space = MakeSpace(Skeleton{});
  EXPECT_EQ(space->CostMetricNames(), std::vector<std::string>({"params", "flops"}));
  double min_params = 1e18, max_params = 0, min_flops = 1e18, max_flops = 0;
  for (const Architecture& arch : space->Enumerate()) {
    const Metrics cost = space->Cost(arch);
    ASSERT_EQ(cost.size(), 2u);
    min_params = std::min(min_params, cost.at("params"));
    max_params = std::max(max_params, cost.at("params"));
    min_flops = std::min(min_flops, cost.at("flops"));
    max_flops = std::max(max_flops, cost.at("flops"));
  }
  // NAS-Bench-201 reports 0.073 - 1.53 M params and 7.8 - 220 M FLOPs on CIFAR-10.
  EXPECT_EQ(min_params, 73306);
  EXPECT_EQ(max_params, 1531546);
  EXPECT_EQ(min_flops, 7783050);
  EXPECT_EQ(max_flops, 220119690);
}

TEST(Nb201CostTest, InvalidSkeletonOrCellIsAUserError) {
  Skeleton odd;
  odd.input_size = 30;
  EXPECT_THROW(MakeSpace(odd), UserError);
  EXPECT_THROW(CountParams(kAllNone, odd), UserError);
  EXPECT_THROW(CountFlops(Architecture{{0, 0}}, Skeleton{}), UserError);
}

// Runs the factory on a "space" block the way the experiment builder does.
struct Built {
  std::unique_ptr<SearchSpace> space;
  std::vector<std::string> errors;
  nlohmann::json canonical;
};

Built Build(const nlohmann::json& block, bool finish) {
  Built built;
  ConfigErrors errors;
  Options options(block, "space", errors, &built.canonical);
  built.space = MakeSpaceFromOptions(options);
  if (finish) options.Finish();
  built.errors = errors.Messages();
  return built;
}

TEST(Nb201OptionsTest, DefaultsAreFilledIn) {
  const Built built = Build(nlohmann::json::object(), true);
  EXPECT_TRUE(built.errors.empty());
  EXPECT_EQ(built.canonical, nlohmann::json::parse(R"({"channels": 16, "cells_per_stage": 5,
      "input_channels": 3, "input_size": 32, "classes": 10})"));
  EXPECT_EQ(built.space->Cost(kAllNone).at("params"), 73306);
}

TEST(Nb201OptionsTest, OptionsChangeTheSkeleton) {
  const Built built = Build(nlohmann::json::parse(R"({"input_size": 16, "classes": 120})"), true);
  EXPECT_TRUE(built.errors.empty());
  EXPECT_EQ(built.space->Cost(kAllNone).at("params"), 80456);
  EXPECT_EQ(built.space->Cost(kAllNone).at("flops"), 1953400);
}

TEST(Nb201OptionsTest, EveryBadValueIsReportedAtOnce) {
  const Built built = Build(nlohmann::json::parse(R"({"channels": -1, "cells_per_stage": 500,
      "input_channels": "3", "input_size": 30, "classes": 2.5})"),
                            true);
  EXPECT_EQ(built.errors,
            std::vector<std::string>({
                "space.channels: expected an integer >= 1, got -1",
                "space.cells_per_stage: expected at most 64, got 500",
                "space.input_channels: expected an integer >= 1, got the string \"3\"",
                "space.input_size: expected a multiple of 4 (NAS-Bench-201's two stride-2 "
                "reductions halve it twice), got 30",
                "space.classes: expected an integer >= 1, got 2.5",
            }));
  ASSERT_NE(built.space, nullptr);  // built on the defaults, so that validation goes on
}

TEST(Nb201OptionsTest, FactoryLeavesUnknownKeysToTheCaller) {
  const nlohmann::json block = nlohmann::json::parse(R"({"type": "nb201", "chanels": 8})");
  EXPECT_TRUE(Build(block, false).errors.empty());
  const std::vector<std::string> errors = Build(block, true).errors;
  ASSERT_EQ(errors.size(), 2u);  // "type" is read by the caller, so it is unknown here too
  EXPECT_NE(errors[0].find("space.chanels: unknown key; did you mean 'channels'?"),
            std::string::npos)
      << errors[0];
}

}  // namespace
}  // namespace sculpt::nb201
