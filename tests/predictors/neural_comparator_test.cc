#include "predictors/neural_comparator.h"

#include <gtest/gtest.h>

#include <unordered_set>

#include "predictors/mlp_predictor.h"
#include "predictors/ranking.h"
#include "spaces/errors.h"
#include "spaces/nb201.h"
#include "tests/predictors/synthetic_score.h"
#include "spaces/rng.h"

namespace sculpt {
namespace {

using testing::SyntheticScore;

class PredictorsTest : public ::testing::Test {
 protected:
  // `count` distinct (canonical) cells of nb201 from a fixed seed, with their synthetic scores.
  void Sample(int count, std::uint64_t seed, std::vector<Architecture>& archs,
              std::vector<double>& scores) {
    Rng rng(seed);
    while (static_cast<int>(archs.size()) < count) {
      Architecture a = space_->Sample(rng);
      if (!hashes_.insert(space_->CanonicalHash(a)).second) continue;
      scores.push_back(SyntheticScore(a));
      archs.push_back(std::move(a));
    }
  }

  void SetUp() override {
    Sample(80, 1, train_, train_scores_);
    Sample(40, 2, test_, test_scores_);
  }

  static NacOptions Small() {
    NacOptions o;
    o.hidden = 16;
    o.steps = 150;
    o.batch_pairs = 256;
    o.learning_rate = 5e-3;
    return o;
  }

  // Held-out pairwise accuracy of a comparator: the order of each pair by P(i > j) > 0.5.
  double HeldOutAccuracy(Comparator& comparator) {
    const std::vector<double> p = comparator.ProbabilityMatrix(test_);
    // Row sums rank like the pairwise decisions and make PairwiseAccuracy applicable.
    std::vector<double> wins(test_.size(), 0.0);
    long right = 0, pairs = 0;
    for (std::size_t i = 0; i < test_.size(); ++i) {
      for (std::size_t j = 0; j < test_.size(); ++j) {
        wins[i] += p[i * test_.size() + j];
        if (j <= i || test_scores_[i] == test_scores_[j]) continue;
        ++pairs;
        right += (p[i * test_.size() + j] > 0.5) == (test_scores_[i] > test_scores_[j]) ? 1 : 0;
      }
    }
    tau_ = KendallTau(test_scores_, wins);
    return static_cast<double>(right) / static_cast<double>(pairs);
  }

  std::unique_ptr<SearchSpace> space_ = nb201::MakeSpace({});
  std::unordered_set<std::uint64_t> hashes_;
  std::vector<Architecture> train_, test_;
  std::vector<double> train_scores_, test_scores_;
  double tau_ = 0;
};

TEST_F(PredictorsTest, ComparatorLearnsASyntheticRankingOnHeldOutCells) {
  auto comparator = MakeNeuralComparator(*space_, 7, Small());
  EXPECT_DOUBLE_EQ(comparator->ProbabilityBetter(test_[0], test_[1]), 0.5);  // before any Fit
  comparator->Fit(train_, train_scores_);
  const double accuracy = HeldOutAccuracy(*comparator);
  EXPECT_GT(accuracy, 0.8);  // chance is 0.5
  EXPECT_GT(tau_, 0.6);
}

TEST_F(PredictorsTest, ComparatorIsAntisymmetricAndItsBatchedFormsAgree) {
  auto comparator = MakeNeuralComparator(*space_, 3, Small());
  comparator->Fit(train_, train_scores_);
  const std::span<const Architecture> five(test_.data(), 5);
  const std::vector<double> matrix = comparator->ProbabilityMatrix(five);
  const std::vector<double> against = comparator->ProbabilityBetter(five, test_[2]);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_NEAR(matrix[i * 5 + i], 0.5, 1e-6);
    EXPECT_NEAR(against[i], matrix[i * 5 + 2], 1e-5);
    for (std::size_t j = 0; j < 5; ++j) {
      EXPECT_NEAR(matrix[i * 5 + j] + matrix[j * 5 + i], 1.0, 1e-5);
      EXPECT_NEAR(comparator->ProbabilityBetter(test_[i], test_[j]), matrix[i * 5 + j], 1e-5);
    }
  }
}

TEST_F(PredictorsTest, ComparatorFitIsAFunctionOfSeedAndData) {
  auto first = MakeNeuralComparator(*space_, 5, Small());
  auto second = MakeNeuralComparator(*space_, 5, Small());
  auto other_seed = MakeNeuralComparator(*space_, 6, Small());
  first->Fit(train_, train_scores_);
  // A Fit on other data first must not matter: every Fit starts from the seeded initialisation.
  second->Fit(test_, test_scores_);
  second->Fit(train_, train_scores_);
  other_seed->Fit(train_, train_scores_);
  const std::vector<double> a = first->ProbabilityMatrix(test_);
  const std::vector<double> b = second->ProbabilityMatrix(test_);
  const std::vector<double> c = other_seed->ProbabilityMatrix(test_);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST_F(PredictorsTest, ComparatorRejectsBadInput) {
  auto comparator = MakeNeuralComparator(*space_, 1, Small());
  const std::vector<double> one_score = {1.0};
  EXPECT_THROW(comparator->Fit(train_, one_score), UserError);
  const std::vector<double> ties(train_.size(), 2.0);
  EXPECT_THROW(comparator->Fit(train_, ties), UserError);
  NacOptions bad = Small();
  bad.steps = 0;
  EXPECT_THROW(MakeNeuralComparator(*space_, 1, bad), UserError);
}

TEST_F(PredictorsTest, MlpPredictorFitsAndRanksHeldOutCells) {
  MlpPredictorOptions options;
  options.hidden = 32;
  options.steps = 200;
  auto predictor = MakeMlpPredictor(*space_, 4, options);
  EXPECT_THROW(predictor->Predict(test_), UserError);  // before any Fit
  predictor->Fit(train_, train_scores_);
  const std::vector<double> fitted = predictor->Predict(train_);
  double error = 0, spread = 0, mean = 0;
  for (double s : train_scores_) mean += s / static_cast<double>(train_scores_.size());
  for (std::size_t i = 0; i < fitted.size(); ++i) {
    error += (fitted[i] - train_scores_[i]) * (fitted[i] - train_scores_[i]);
    spread += (train_scores_[i] - mean) * (train_scores_[i] - mean);
  }
  EXPECT_LT(error, 0.1 * spread);  // R^2 > 0.9 on the training data, on the score scale
  const std::vector<double> predicted = predictor->Predict(test_);
  EXPECT_GT(KendallTau(test_scores_, predicted), 0.6);
  EXPECT_GT(PairwiseAccuracy(test_scores_, predicted), 0.8);
  // Deterministic for (seed, data).
  auto again = MakeMlpPredictor(*space_, 4, options);
  again->Fit(train_, train_scores_);
  EXPECT_EQ(again->Predict(test_), predicted);
}

TEST(RankingTest, PairwiseAccuracyAndKendallTau) {
  const std::vector<double> truth = {1, 2, 3, 4};
  const std::vector<double> same = {10, 20, 30, 40};
  const std::vector<double> reversed = {4, 3, 2, 1};
  const std::vector<double> one_swap = {2, 1, 3, 4};
  EXPECT_DOUBLE_EQ(PairwiseAccuracy(truth, same), 1.0);
  EXPECT_DOUBLE_EQ(PairwiseAccuracy(truth, reversed), 0.0);
  EXPECT_DOUBLE_EQ(PairwiseAccuracy(truth, one_swap), 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(KendallTau(truth, same), 1.0);
  EXPECT_DOUBLE_EQ(KendallTau(truth, reversed), -1.0);
  EXPECT_DOUBLE_EQ(KendallTau(truth, one_swap), 4.0 / 6.0);
  const std::vector<double> tied = {1, 1, 1, 1};
  EXPECT_DOUBLE_EQ(PairwiseAccuracy(truth, tied), 0.5);
  EXPECT_THROW(PairwiseAccuracy(tied, truth), UserError);
  EXPECT_THROW(KendallTau(truth, std::vector<double>{1, 2}), UserError);
}

}  // namespace
}  // namespace sculpt
