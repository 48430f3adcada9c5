// The gradient-based pruning strategies (search/pruning/) on a prune space over a model that
// exists only in memory, with made-up gate gradients and an evaluator whose drops add up: the
// importance order, the stop at max_drop and the answer, the Fisher search within its budget,
// rearrangement by the Fisher blocks, and the config errors.

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "search/pruning/unit_scores.h"
#include "search/strategies.h"
#include "spaces/prune.h"
#include "tests/search/search_runner.h"
#include "tests/search/small_prune_space.h"

namespace sculpt {
namespace {

using testing::SearchRun;

// Accuracy 0.9 minus the removed units' drops.
class AdditiveEvaluator final : public Evaluator {
 public:
  explicit AdditiveEvaluator(std::vector<double> drops) : drops_(std::move(drops)) {}
  Metrics Evaluate(const Architecture& arch, const EvalContext&) const override {
    double accuracy = 0.9;
    for (std::size_t u = 0; u < arch.choices.size(); ++u) {
      if (arch.choices[u] == 0) accuracy -= drops_[u];
    }
    return {{"accuracy", accuracy}};
  }
  std::vector<std::string> VisibleMetrics() const override { return {"accuracy"}; }

 private:
  std::vector<double> drops_;
};

class FixedGradients final : public UnitGradientSource {
 public:
  explicit FixedGradients(UnitGradients gradients) : gradients_(std::move(gradients)) {}
  const UnitGradients& Gradients() const override { return gradients_; }

 private:
  UnitGradients gradients_;
};

// Two examples, unit u's gradients +-sqrt(w_u / 2): Fisher w_u, mean |g| sqrt(w_u / 2).
UnitGradients GradientsFor(const std::vector<double>& fisher) {
  UnitGradients g;
  g.examples = 2;
  g.units = static_cast<int>(fisher.size());
  for (int e = 0; e < 2; ++e) {
    for (const double w : fisher) g.values.push_back(static_cast<float>((e == 0 ? 1 : -1) * std::sqrt(w / 2)));
  }
  g.groups = {{"layer0.heads", "head", {0, 1, 2, 3}},
              {"layer0.neurons", "neurons", {4, 5}},
              {"layer1.heads", "head", {6, 7}}};
  return g;
}

const std::vector<Objective> kAccuracy = {{"accuracy", Goal::kMaximize}};

std::unique_ptr<Strategy> Build(const StrategyFactory& factory, const SearchSpace& space,
                                const UnitGradientSource* gradients, const nlohmann::json& options,
                                ConfigErrors& errors) {
  Options opts(options, "strategy", errors, nullptr);
  StrategyContext context{&space, kAccuracy, 7, {}, {}};
  context.unit_gradients = gradients;
  auto strategy = factory(opts, context);
  opts.Finish();
  return strategy;
}

SearchRun RunPruning(const StrategyFactory& factory, const SearchSpace& space, const Evaluator& evaluator,
              const UnitGradientSource* gradients, const nlohmann::json& options, int batch = 1) {
  ConfigErrors errors;
  auto strategy = Build(factory, space, gradients, options, errors);
  EXPECT_TRUE(errors.Empty()) << (errors.Empty() ? "" : errors.Messages().front());
  EngineOptions engine_options;
  engine_options.batch = batch;
  engine_options.budget.evaluations = 100;
  Engine engine(space, evaluator, *strategy, kAccuracy, {}, engine_options);
  testing::RecordingSink sink;
  SearchRun run;
  run.summary = engine.Run(sink);
  run.records = std::move(sink.all);
  return run;
}

const CandidateRecord* GoalOf(const SearchRun& run, const std::string& name) {
  const CandidateRecord* goal = nullptr;
  for (const CandidateRecord& r : run.records) {
    if (r.origin == name + "-goal") goal = &r;
  }
  return goal;
}

TEST(PruningTest, ImportanceRemovesTheLeastImportantFirstAndStopsPastMaxDrop) {
  const auto space = testing::SmallPruneSpace();
  // Real drops in the order of the Fisher scores: units 5, 2, 7, 0 are the cheapest.
  const std::vector<double> drops = {0.004, 0.02, 0.002, 0.03, 0.05, 0.001, 0.04, 0.003};
  AdditiveEvaluator evaluator(drops);
  FixedGradients gradients(GradientsFor(drops));
  for (const int batch : {1, 3}) {
    const SearchRun run =
        RunPruning(MakeImportancePruning, *space, evaluator, &gradients,
            {{"scores", "fisher"}, {"max_drop", 0.0095}}, batch);
    ASSERT_FALSE(run.records.empty());
    EXPECT_EQ(run.records.front().origin, "importance-start");
    EXPECT_EQ(run.summary.reason, StopReason::kStrategyFinished);
    // 5, 2, 7 drop 0.006; with 0 the drop is 0.010 > 0.0095: the answer removes 5, 2 and 7.
    const CandidateRecord* goal = GoalOf(run, "importance");
    ASSERT_NE(goal, nullptr) << "batch " << batch;
    EXPECT_EQ(space->Format(goal->arch), "1101/10|10/-") << "batch " << batch;
    // Every mask it proposed removes the units in that order, one more each time; the first
    // over the budget is the last one tried (with batch 1).
    std::vector<std::string> tried;
    for (const CandidateRecord& r : run.records) {
      if (r.origin == "importance") tried.push_back(space->Format(r.arch));
    }
    ASSERT_GE(tried.size(), 4U);
    EXPECT_EQ(tried[0], "1111/10|11/-");
    EXPECT_EQ(tried[1], "1101/10|11/-");
    EXPECT_EQ(tried[2], "1101/10|10/-");
    EXPECT_EQ(tried[3], "0101/10|10/-");
    if (batch == 1) {
      EXPECT_EQ(tried.size(), 4U);
    }
  }
}

// A drop of exactly max_drop is within it, though it seldom computes exactly: here
// 0.9 - (0.9 - 0.004 - 0.002 - 0.001 - 0.003) is 0.010000000000000009.
TEST(PruningTest, ADropOfExactlyMaxDropIsWithinIt) {
  const auto space = testing::SmallPruneSpace();
  const std::vector<double> drops = {0.004, 0.02, 0.002, 0.03, 0.05, 0.001, 0.04, 0.003};
  AdditiveEvaluator evaluator(drops);
  FixedGradients gradients(GradientsFor(drops));
  const SearchRun run = RunPruning(MakeImportancePruning, *space, evaluator, &gradients,
                                   {{"scores", "fisher"}, {"max_drop", 0.01}});
  const CandidateRecord* goal = GoalOf(run, "importance");
  ASSERT_NE(goal, nullptr);
  EXPECT_EQ(space->Format(goal->arch), "0101/10|10/-");  // 5, 2, 7 and 0 removed
}

TEST(PruningTest, MichelScoresAreNormalisedPerLayer) {
  UnitGradients g = GradientsFor({1, 1, 1, 1, 4, 4, 9, 9});
  const std::vector<double> scores = MichelImportance(g);
  // Within a layer's heads the scores have unit L2 norm, so layer 1's larger gradients do not
  // make its heads more important than layer 0's.
  EXPECT_NEAR(scores[0], 0.5, 1e-6);
  EXPECT_NEAR(scores[6], std::sqrt(0.5), 1e-6);
  EXPECT_NEAR(FisherDiagonal(g)[6], 9, 1e-5);
}

TEST(PruningTest, RandomOrderIsSeededAndNeedsNoGradients) {
  const auto space = testing::SmallPruneSpace();
  AdditiveEvaluator evaluator({0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01});
  const SearchRun a = RunPruning(MakeImportancePruning, *space, evaluator, nullptr, {{"scores", "random"}});
  const SearchRun b = RunPruning(MakeImportancePruning, *space, evaluator, nullptr, {{"scores", "random"}});
  testing::ExpectSameRun(a, b);
  // Without max_drop, every unit is removed in the end: the start, 8 masks and the answer.
  ASSERT_EQ(a.records.size(), 10U);
  EXPECT_EQ(space->Format(a.records[8].arch), "0000/00|00/-");
  EXPECT_EQ(space->Format(GoalOf(a, "importance")->arch), "0000/00|00/-");
}

TEST(PruningTest, FisherSearchKeepsTheMostFisherWithinEveryBudget) {
  const auto space = testing::SmallPruneSpace();
  const std::vector<double> fisher = {0.004, 0.02, 0.002, 0.03, 0.05, 0.001, 0.04, 0.003};
  AdditiveEvaluator evaluator(fisher);
  FixedGradients gradients(GradientsFor(fisher));
  const SearchRun run = RunPruning(MakeFisherPruning, *space, evaluator, &gradients,
                            {{"budget", {0.5, 0.9, 0.7}}, {"rearrange", false}});
  const Architecture largest = *space->Largest();
  const double full = space->Cost(largest).at("flops");
  std::vector<const CandidateRecord*> masks;
  for (const CandidateRecord& r : run.records) {
    if (r.origin == "fisher") masks.push_back(&r);
  }
  ASSERT_EQ(masks.size(), 3U);
  const std::vector<double> budgets = {0.9, 0.7, 0.5};  // largest first
  for (std::size_t i = 0; i < 3; ++i) {
    const Architecture& mask = masks[i]->arch;
    EXPECT_LE(space->Cost(mask).at("flops"), budgets[i] * full) << i;
    // No single removed unit could have been kept instead of a kept one with less Fisher at
    // no more cost: kept units of a kind outrank removed ones of that kind.
    for (const std::vector<int>& kind : std::vector<std::vector<int>>{{0, 1, 2, 3, 6, 7}, {4, 5}}) {
      for (const int kept : kind) {
        for (const int removed : kind) {
          if (mask.choices[kept] == 1 && mask.choices[removed] == 0) {
            EXPECT_GE(fisher[kept], fisher[removed]) << i;
          }
        }
      }
    }
  }
  // Without max_drop the smallest budget is the answer.
  EXPECT_EQ(GoalOf(run, "fisher")->arch, masks[2]->arch);
  // With max_drop, the smallest budget within it.
  const SearchRun limited = RunPruning(MakeFisherPruning, *space, evaluator, &gradients,
                                {{"budget", {0.9, 0.7, 0.5}}, {"max_drop", 0.02}});
  const CandidateRecord* goal = GoalOf(limited, "fisher");
  ASSERT_NE(goal, nullptr);
  EXPECT_LE(0.9 - *goal->objective, 0.02 + 1e-12);
}

TEST(PruningTest, RearrangementRemovesUnitsWhoseGradientsCancel) {
  const auto space = testing::SmallPruneSpace();
  // Layer 0's heads 0 and 1 have large gradients that cancel (removing both changes little),
  // heads 2 and 3 small independent ones; layer 1's heads are essential.
  UnitGradients g;
  g.examples = 4;
  g.units = 8;
  const std::vector<std::vector<float>> rows = {{1.0F, -1.0F, 0.5F, 0.0F, 5, 5, 9, 9},
                                                {-1.0F, 1.0F, -0.5F, 0.0F, 5, 5, 9, 9},
                                                {1.0F, -1.0F, 0.0F, 0.5F, 5, 5, 9, 9},
                                                {-1.0F, 1.0F, 0.0F, -0.5F, 5, 5, 9, 9}};
  for (const auto& row : rows) g.values.insert(g.values.end(), row.begin(), row.end());
  g.groups = GradientsFor(std::vector<double>(8, 1.0)).groups;
  FixedGradients gradients(g);
  AdditiveEvaluator evaluator(std::vector<double>(8, 0.0));
  // Keep 4 of the 6 heads: the diagonal removes heads 2 and 3 (least Fisher), the layer's block
  // removes 0 and 1 together (their removal form is 0).
  const nlohmann::json base = {{"budget", 4.0 / 6.0 + 1e-9}, {"metric", "heads"}};
  for (const bool rearrange : {false, true}) {
    nlohmann::json options = base;
    options["rearrange"] = rearrange;
    const SearchRun run = RunPruning(MakeFisherPruning, *space, evaluator, &gradients, options);
    const CandidateRecord* goal = GoalOf(run, "fisher");
    ASSERT_NE(goal, nullptr);
    EXPECT_EQ(space->Format(goal->arch), rearrange ? "0011/11|11/-" : "1100/11|11/-");
  }
}

TEST(PruningTest, BadOptionsAreConfigErrors) {
  const auto space = testing::SmallPruneSpace();
  FixedGradients gradients(GradientsFor(std::vector<double>(8, 1.0)));
  auto expect_error = [&](const StrategyFactory& factory, const UnitGradientSource* source,
                          const nlohmann::json& options, const std::string& wanted) {
    ConfigErrors errors;
    Build(factory, *space, source, options, errors);
    ASSERT_FALSE(errors.Empty()) << options.dump();
    EXPECT_NE(errors.Messages().front().find(wanted), std::string::npos)
        << errors.Messages().front();
  };
  expect_error(MakeFisherPruning, &gradients, {{"budget", 0}}, "(0, 1]");
  expect_error(MakeFisherPruning, &gradients, {{"budget", 1.5}}, "strategy.budget");
  expect_error(MakeFisherPruning, &gradients, {{"budget", {0.5, -1}}}, "strategy.budget[1]");
  expect_error(MakeFisherPruning, &gradients, {{"budget", 0.5}, {"metric", "flop"}},
               "did you mean 'flops'");
  expect_error(MakeFisherPruning, nullptr, {{"budget", 0.5}}, "prune evaluator");
  expect_error(MakeImportancePruning, nullptr, nlohmann::json::object(), "prune evaluator");
  expect_error(MakeImportancePruning, &gradients, {{"scores", "magic"}}, "strategy.scores");
  // A budget below what the embedding and classifier alone cost.
  expect_error(MakeFisherPruning, &gradients, {{"budget", 0.01}}, "that no unit's removal");
}

}  // namespace
}  // namespace sculpt
