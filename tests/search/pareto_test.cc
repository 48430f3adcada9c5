#include "search/pareto.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "spaces/errors.h"

namespace sculpt {
namespace {

using Points = std::vector<std::vector<double>>;

TEST(ParetoTest, Dominance) {
  const std::vector<double> a = {2, 3}, b = {1, 3}, c = {2, 3}, d = {3, 1};
  EXPECT_TRUE(Dominates(a, b));
  EXPECT_FALSE(Dominates(b, a));
  EXPECT_FALSE(Dominates(a, c));  // equal points
  EXPECT_FALSE(Dominates(a, d));
  EXPECT_FALSE(Dominates(d, a));
}

TEST(ParetoTest, NonDominatedOfAHandMadeSet) {
  // Larger is better in both: (4,1), (3,3), (1,4) trade off; (2,2) is dominated by (3,3);
  // (1,1) by everything; the duplicate of (3,3) stays.
  const Points points = {{2, 2}, {4, 1}, {3, 3}, {1, 1}, {1, 4}, {3, 3}};
  EXPECT_EQ(NonDominated(points), (std::vector<std::size_t>{1, 2, 4, 5}));
  EXPECT_TRUE(NonDominated(Points{}).empty());
  EXPECT_EQ(NonDominated(Points{{5.0}}), (std::vector<std::size_t>{0}));
}

TEST(ParetoTest, NonDominatedMatchesBruteForceInThreeObjectives) {
  Points points;
  for (int i = 0; i < 60; ++i) {
    points.push_back({static_cast<double>((i * 7) % 11), static_cast<double>((i * 5) % 13),
                      static_cast<double>((i * 3) % 7)});
  }
  std::vector<std::size_t> expected;
  for (std::size_t i = 0; i < points.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < points.size(); ++j)
      dominated = dominated || Dominates(points[j], points[i]);
    if (!dominated) expected.push_back(i);
  }
  EXPECT_EQ(NonDominated(points), expected);
}

TEST(ParetoTest, NonDominatedSortPeelsFronts) {
  const Points points = {{1, 1}, {3, 3}, {2, 2}, {4, 1}, {1, 4}, {0, 0}, {2, 2}};
  const std::vector<std::vector<std::size_t>> fronts = NonDominatedSort(points);
  ASSERT_EQ(fronts.size(), 4U);
  EXPECT_EQ(fronts[0], (std::vector<std::size_t>{1, 3, 4}));
  EXPECT_EQ(fronts[1], (std::vector<std::size_t>{2, 6}));
  EXPECT_EQ(fronts[2], (std::vector<std::size_t>{0}));
  EXPECT_EQ(fronts[3], (std::vector<std::size_t>{5}));
}

TEST(ParetoTest, CrowdingDistance) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // On a line from (0,4) to (4,0): interior distances are the neighbours' gaps over the range.
  const Points points = {{0, 4}, {1, 3}, {3, 1}, {4, 0}};
  const std::vector<std::size_t> front = {0, 1, 2, 3};
  const std::vector<double> d = CrowdingDistance(points, front);
  EXPECT_EQ(d[0], kInf);
  EXPECT_EQ(d[3], kInf);
  EXPECT_DOUBLE_EQ(d[1], 3.0 / 4 + 3.0 / 4);  // (3-0)/4 in each objective
  EXPECT_DOUBLE_EQ(d[2], 3.0 / 4 + 3.0 / 4);
  // Order of the result follows `front`, a subset of the points.
  const std::vector<std::size_t> sub = {2, 0, 1};
  const std::vector<double> ds = CrowdingDistance(points, sub);
  EXPECT_EQ(ds[0], kInf);
  EXPECT_EQ(ds[1], kInf);
  EXPECT_DOUBLE_EQ(ds[2], 2.0);  // (3-0)/3 + (4-1)/3
  EXPECT_EQ(CrowdingDistance(points, std::vector<std::size_t>{1, 2}),
            (std::vector<double>{kInf, kInf}));
}

TEST(ParetoTest, HypervolumeOfKnownCases) {
  EXPECT_DOUBLE_EQ(Hypervolume2D(Points{{1, 1}}, {0, 0}), 1.0);
  // Staircase of three points over reference (0,0): 3*1 + 2*(2-1) + 1*(3-2) = 6.
  EXPECT_DOUBLE_EQ(Hypervolume2D(Points{{1, 3}, {3, 1}, {2, 2}}, {0, 0}), 6.0);
  // Dominated points, duplicates and points not beyond the reference add nothing.
  EXPECT_DOUBLE_EQ(
      Hypervolume2D(Points{{1, 3}, {3, 1}, {2, 2}, {1, 1}, {2, 2}, {-1, 9}, {5, 0}}, {0, 0}), 6.0);
  // A shifted reference (minimized metrics are negated first: flops 10 -> -10).
  EXPECT_DOUBLE_EQ(Hypervolume2D(Points{{90, -10}, {80, -5}}, {70, -20}), 20 * 10 + 10 * 5);
  EXPECT_DOUBLE_EQ(Hypervolume2D(Points{}, {0, 0}), 0.0);
}

TEST(ParetoTest, BadPointsAreUserErrors) {
  EXPECT_THROW(NonDominated(Points{{1, 2}, {1}}), UserError);
  EXPECT_THROW(NonDominatedSort(Points{{1, std::nan("")}}), UserError);
  EXPECT_THROW(Hypervolume2D(Points{{1, 2, 3}}, {0, 0}), UserError);
  EXPECT_THROW(Hypervolume2D(Points{{1, 2}}, {0, std::numeric_limits<double>::infinity()}),
               UserError);
}

}  // namespace
}  // namespace sculpt
