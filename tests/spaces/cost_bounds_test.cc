// ReductionCostBounds: the end of the reduction walk costs no more than any member, and the
// largest member no less, on every cost metric, checked against every member of spaces small
// enough to enumerate.

#include "spaces/cost_bounds.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "spaces/latency_lookup.h"
#include "spaces/nb201.h"
#include "spaces/transformer.h"
#include "tests/spaces/small_transformer.h"

namespace sculpt {
namespace {

void ExpectBoundsEveryMember(const SearchSpace& space) {
  const std::optional<CostBounds> bounds = ReductionCostBounds(space);
  ASSERT_TRUE(bounds.has_value());
  EXPECT_EQ(bounds->lowest, space.Cost(bounds->smallest));
  EXPECT_EQ(bounds->highest, space.Cost(bounds->largest));
  const std::vector<Architecture> members = space.Enumerate();
  ASSERT_FALSE(members.empty());
  for (const std::string& metric : space.CostMetricNames()) {
    double lowest = space.Cost(members.front()).at(metric);
    double highest = lowest;
    for (const Architecture& member : members) {
      const double cost = space.Cost(member).at(metric);
      lowest = std::min(lowest, cost);
      highest = std::max(highest, cost);
    }
    EXPECT_EQ(bounds->lowest.at(metric), lowest) << space.Name() << " " << metric;
    EXPECT_EQ(bounds->highest.at(metric), highest) << space.Name() << " " << metric;
  }
}

TEST(CostBoundsTest, TheEndsOfTheReductionWalkAreTheCheapestAndDearestMembers) {
  // nb201: 15,625 cells; the cheapest is every edge `none`, the dearest every edge a 3x3 conv.
  const std::unique_ptr<SearchSpace> cells = nb201::MakeSpace(nb201::Skeleton{});
  ExpectBoundsEveryMember(*cells);
  EXPECT_EQ(cells->Format(ReductionCostBounds(*cells)->smallest),
            "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|");

  // A transformer space of 2 layers, 2 widths, 0-2 heads and FFN 0 or 32: 72 members.
  const std::unique_ptr<SearchSpace> transformers =
      transformer::MakeSpace(testing::SmallTransformerSkeleton());
  ExpectBoundsEveryMember(*transformers);
  EXPECT_EQ(transformers->Format(ReductionCostBounds(*transformers)->smallest), "d8|h0:f0|h0:f0");
}

// A metric the reduction walk does not bound (a latency table's) is ranged over every member of
// a space small enough to score whole; params and FLOPs are the walk's ends.
TEST(CostBoundsTest, AnUnboundedMetricIsRangedOverEveryMember) {
  const transformer::Skeleton skeleton = testing::SmallTransformerSkeleton();
  LatencyLookup table;
  table.family = "transformer";
  table.skeleton = transformer::SkeletonJson(skeleton);
  // Made up so that the widest embedding is the fastest: the smallest member is not the cheapest.
  for (const std::string& key : transformer::LatencyKeys(skeleton)) {
    table.parts_ms[key] = key.find("/d8") != std::string::npos ? 2.0 : 1.0;
  }
  const std::unique_ptr<SearchSpace> space =
      transformer::MakeSpace(skeleton, std::make_shared<LatencyLookup>(table));
  const std::optional<CostBounds> bounds = ReductionCostBounds(*space);
  const std::optional<CostRange> range = SureCostRange(*space, bounds, "latency_lut_ms");
  ASSERT_TRUE(range.has_value());
  double lowest = 1e9;
  double highest = 0;
  for (const Architecture& member : space->Enumerate()) {
    lowest = std::min(lowest, space->Cost(member).at("latency_lut_ms"));
    highest = std::max(highest, space->Cost(member).at("latency_lut_ms"));
  }
  EXPECT_EQ(range->lowest, lowest);
  EXPECT_EQ(range->highest, highest);
  EXPECT_EQ(space->Cost(range->cheapest).at("latency_lut_ms"), lowest);
  EXPECT_LT(range->lowest, space->Cost(bounds->smallest).at("latency_lut_ms"));
  EXPECT_EQ(range->cheapest_word, "cheapest");

  const std::optional<CostRange> params = SureCostRange(*space, bounds, "params");
  ASSERT_TRUE(params.has_value());
  EXPECT_EQ(params->cheapest, bounds->smallest);
  EXPECT_EQ(params->cheapest_word, "smallest");
  EXPECT_FALSE(SureCostRange(*space, bounds, "accuracy").has_value());  // not a cost
}

}  // namespace
}  // namespace sculpt
