// Ranking scores on hand-worked examples: what `sculpt rank` reports of a supernet.

#include "predictors/ranking.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "spaces/errors.h"

namespace sculpt {
namespace {

TEST(RankingTest, OneSwappedNeighbourPairOfFive) {
  const std::vector<double> truth = {5, 4, 3, 2, 1};
  const std::vector<double> predicted = {50, 30, 40, 20, 10};  // 2nd and 3rd swapped
  // 10 pairs, 9 concordant, 1 discordant: (9 - 1) / 10.
  EXPECT_DOUBLE_EQ(KendallTau(truth, predicted), 0.8);
  // 1 - 6 * (1 + 1) / (5 * 24).
  EXPECT_NEAR(SpearmanRho(truth, predicted), 0.9, 1e-12);
  EXPECT_DOUBLE_EQ(TopPrecision(truth, predicted, 1), 1.0);
  EXPECT_DOUBLE_EQ(TopPrecision(truth, predicted, 2), 0.5);  // {0, 2} against {0, 1}
  EXPECT_DOUBLE_EQ(TopPrecision(truth, predicted, 3), 1.0);
  EXPECT_EQ(OrderHighestFirst(predicted), (std::vector<std::size_t>{0, 2, 1, 3, 4}));
}

TEST(RankingTest, ReversedAndTiedRankings) {
  const std::vector<double> truth = {1, 2, 3, 4};
  const std::vector<double> reversed = {4, 3, 2, 1};
  EXPECT_DOUBLE_EQ(KendallTau(truth, reversed), -1.0);
  EXPECT_NEAR(SpearmanRho(truth, reversed), -1.0, 1e-12);
  EXPECT_DOUBLE_EQ(TopPrecision(truth, reversed, 2), 0.0);
  // Tied values share their mean rank: ranks (1.5, 1.5, 3, 4) against (1, 2, 3, 4).
  const std::vector<double> tied = {7, 7, 8, 9};
  EXPECT_NEAR(SpearmanRho(truth, tied), 0.9486832980505138, 1e-12);
  EXPECT_TRUE(std::isnan(SpearmanRho(truth, std::vector<double>{1, 1, 1, 1})));
  // Ties go to the earlier position.
  EXPECT_EQ(OrderHighestFirst(tied), (std::vector<std::size_t>{3, 2, 0, 1}));
}

TEST(RankingTest, BadInputIsAnError) {
  const std::vector<double> three = {1, 2, 3};
  const std::vector<double> two = {1, 2};
  EXPECT_THROW(SpearmanRho(three, two), UserError);
  EXPECT_THROW(TopPrecision(three, three, 0), UserError);
  EXPECT_THROW(TopPrecision(three, three, 4), UserError);
}

}  // namespace
}  // namespace sculpt
