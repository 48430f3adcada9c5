// Runs every registered strategy on a tiny search for a few evaluations (as NNI's test_sanity):
// it builds from its defaults (or the options listed below), proposes members of the space, makes
// progress under the engine and survives a save/restore round trip. A new strategy whose options
// have no defaults needs a line in kOptions.

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "experiments/config/builtins.h"
#include "predictors/neural_comparator.h"
#include "search/engine.h"
#include "tests/search/small_prune_space.h"

namespace sculpt {
namespace {

// Options for strategies that cannot run on defaults alone.
const std::map<std::string, nlohmann::json> kOptions = {
    {"astar", {{"target", {{"metric", "flops"}}}, {"max_drop", 5.0}}},
};

// Strategies that prune a trained model run on a prune space (over a model that exists only in
// memory: 4 + 2 heads, one FFN in 2 groups) with made-up gate gradients.
const std::set<std::string> kPruning = {"importance", "fisher"};

class MadeUpGradients final : public UnitGradientSource {
 public:
  MadeUpGradients() {
    gradients_.examples = 3;
    gradients_.units = 8;
    for (int i = 0; i < 24; ++i) gradients_.values.push_back(static_cast<float>((i * 7) % 5) - 2.0F);
    gradients_.groups = {{"layer0.heads", "head", {0, 1, 2, 3}},
                         {"layer0.neurons", "neurons", {4, 5}},
                         {"layer1.heads", "head", {6, 7}}};
  }
  const UnitGradients& Gradients() const override { return gradients_; }

 private:
  UnitGradients gradients_;
};

// A cheap, deterministic stand-in for training: more (and larger) convs score higher.
class ConvCountEvaluator final : public Evaluator {
 public:
  Metrics Evaluate(const Architecture& arch, const EvalContext& context) const override {
    double score = 0;
    for (std::size_t e = 0; e < arch.choices.size(); ++e) {
      score += arch.choices[e] * (1.0 + 0.1 * static_cast<double>(e));
    }
    return {{"score", score + static_cast<double>(context.seed % 97) * 1e-4}};
  }
  std::vector<std::string> VisibleMetrics() const override { return {"score"}; }
};

class CountingSink final : public ResultSink {
 public:
  void Write(std::span<const CandidateRecord> records) override {
    for (const CandidateRecord& r : records) ok += r.status == CandidateStatus::kOk ? 1 : 0;
    total += static_cast<int>(records.size());
  }
  int ok = 0;
  int total = 0;
};

TEST(StrategiesSanityTest, EveryRegisteredStrategyRunsAndRoundTripsItsState) {
  ConfigErrors errors;
  const nlohmann::json space_config = {{"type", "nb201"}};
  Options space_options(space_config, "space", errors, nullptr);
  auto space = Spaces().Get("nb201")(space_options);
  ASSERT_TRUE(errors.Empty());
  const std::unique_ptr<SearchSpace> prune_space = testing::SmallPruneSpace();
  const MadeUpGradients gradients;
  ConvCountEvaluator evaluator;
  const std::vector<Objective> objectives = {{"score", Goal::kMaximize},
                                             {"flops", Goal::kMinimize}};
  ASSERT_FALSE(Strategies().Entries().empty());
  for (const auto& entry : Strategies().Entries()) {
    SCOPED_TRACE("strategy " + entry.name);
    auto options_for = [&] {
      auto it = kOptions.find(entry.name);
      return it == kOptions.end() ? nlohmann::json::object() : it->second;
    };
    NacOptions nac;
    nac.steps = 20;  // a sanity run, not a search: keep comparator-guided strategies quick
    const bool pruning = kPruning.count(entry.name) > 0;
    const SearchSpace& strategy_space = pruning ? *prune_space : *space;
    StrategyContext context{&strategy_space, objectives, 17, {},
                            [&nac](Options&) { return NeuralComparatorFactory(nac); }};
    if (pruning) context.unit_gradients = &gradients;
    const nlohmann::json config = options_for();
    ConfigErrors strategy_errors;
    Options strategy_options(config, "strategy", strategy_errors, nullptr);
    auto strategy = entry.factory(strategy_options, context);
    strategy_options.Finish();
    ASSERT_TRUE(strategy_errors.Empty())
        << strategy_errors.Messages().front() << " (add its options to kOptions)";
    ASSERT_NE(strategy, nullptr);

    EngineOptions engine_options;
    engine_options.workers = 2;
    engine_options.batch = 4;
    engine_options.seed = 17;
    engine_options.budget.evaluations = 12;
    engine_options.budget.proposals = 200;
    engine_options.strategy_name = entry.name;
    Engine engine(strategy_space, evaluator, *strategy, objectives, {}, engine_options);
    CountingSink sink;
    const RunSummary summary = engine.Run(sink);
    EXPECT_GT(sink.ok, 0);
    EXPECT_GT(summary.progress.evaluations, 0);
    EXPECT_TRUE(summary.reason == StopReason::kEvaluationBudget ||
                summary.reason == StopReason::kStrategyFinished)
        << ToString(summary.reason);

    // The saved state survives JSON text and a fresh instance.
    const nlohmann::json saved = nlohmann::json::parse(strategy->SaveState().dump());
    Options again_options(config, "strategy", strategy_errors, nullptr);
    auto restored = entry.factory(again_options, context);
    restored->RestoreState(saved);
    EXPECT_EQ(restored->SaveState().dump(), saved.dump());
  }
}

}  // namespace
}  // namespace sculpt
