// ReductionCostBounds: the end of the reduction walk costs no more than any member, and the
// largest member no less, on every cost metric, checked against every member of spaces small
// enough to enumerate.

#include "spaces/cost_bounds.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

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

}  // namespace
}  // namespace sculpt
