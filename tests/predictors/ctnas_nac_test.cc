// The ctnas strategy driven by the real NAC through the engine (search/ is tested with a
// torch-free comparator; this checks the pair that experiments/ wires together, in particular
// that refitting the NAC on restore reproduces the run).

#include <gtest/gtest.h>

#include <set>

#include "predictors/neural_comparator.h"
#include "search/engine.h"
#include "search/strategies.h"
#include "spaces/nb201.h"
#include "tests/predictors/synthetic_score.h"

namespace sculpt {
namespace {

using testing::SyntheticScore;

class SyntheticEvaluator final : public Evaluator {
 public:
  Metrics Evaluate(const Architecture& arch, const EvalContext& /*context*/) const override {
    return {{"score", SyntheticScore(arch)}};
  }
  std::vector<std::string> VisibleMetrics() const override { return {"score"}; }
};

class VectorSink final : public ResultSink {
 public:
  void Write(std::span<const CandidateRecord> records) override {
    all.insert(all.end(), records.begin(), records.end());
  }
  std::vector<CandidateRecord> all;
};

NacOptions Tiny() {
  NacOptions o;
  o.hidden = 16;
  o.steps = 60;
  o.batch_pairs = 128;
  o.learning_rate = 1e-2;
  return o;
}

std::unique_ptr<Strategy> BuildCtnas(const SearchSpace& space, std::uint64_t seed) {
  ConfigErrors errors;
  const nlohmann::json config = {{"initial", 8}, {"refit_every", 4}, {"candidates", 50}};
  Options options(config, "strategy", errors, nullptr);
  auto strategy =
      MakeCtnas(options, {&space, {{"score", Goal::kMaximize}}, seed, {},
                          [](Options&) { return NeuralComparatorFactory(Tiny()); }});
  options.Finish();
  EXPECT_TRUE(errors.Empty());
  return strategy;
}

std::vector<CandidateRecord> RunCtnas(const SearchSpace& space, std::uint64_t seed, int evaluations) {
  SyntheticEvaluator evaluator;
  auto strategy = BuildCtnas(space, seed);
  EngineOptions options;
  options.seed = seed;
  options.budget.evaluations = evaluations;
  options.strategy_name = "ctnas";
  Engine engine(space, evaluator, *strategy, {{"score", Goal::kMaximize}}, {}, options);
  VectorSink sink;
  engine.Run(sink);
  return sink.all;
}

TEST(CtnasWithNacTest, FindsGoodCellsWithoutRepeatsAndIsDeterministic) {
  auto space = nb201::MakeSpace({});
  const std::vector<CandidateRecord> first = RunCtnas(*space, 21, 30);
  const std::vector<CandidateRecord> second = RunCtnas(*space, 21, 30);
  ASSERT_EQ(first.size(), 30U);  // no proposal was a repeat: 30 proposals, 30 evaluations
  ASSERT_EQ(second.size(), first.size());
  double best_initial = -1e9, best = -1e9;
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].repeat_of, -1);
    EXPECT_EQ(first[i].arch, second[i].arch);
    const double score = first[i].metrics.at("score");
    if (i < 8) best_initial = std::max(best_initial, score);
    best = std::max(best, score);
  }
  EXPECT_GT(best, best_initial);
  EXPECT_GE(best, 5.0);  // five or six conv3x3 edges, in a space where 1.6% of cells have >= 5
}

TEST(CtnasWithNacTest, RestoreRefitsTheComparatorAndContinuesExactly) {
  auto space = nb201::MakeSpace({});
  std::int64_t step = 0;
  auto drive = [&](Strategy& strategy, int rounds, std::vector<Architecture>& out) {
    for (int r = 0; r < rounds; ++r) {
      std::vector<Proposal> asked = strategy.Ask(1);
      ASSERT_EQ(asked.size(), 1U);
      out.push_back(asked[0].arch);
      strategy.Tell({{step++, asked[0].arch, CandidateStatus::kOk,
                      {SyntheticScore(asked[0].arch)}, false}});
    }
  };
  std::vector<Architecture> straight, resumed;
  auto reference = BuildCtnas(*space, 4);
  drive(*reference, 22, straight);
  step = 0;
  auto before = BuildCtnas(*space, 4);
  drive(*before, 14, resumed);  // after the first fits and a baseline update
  const nlohmann::json state = nlohmann::json::parse(before->SaveState().dump());
  EXPECT_GT(state.at("fitted_on").get<int>(), 0);
  auto after = BuildCtnas(*space, 4);
  after->RestoreState(state);
  drive(*after, 8, resumed);
  EXPECT_EQ(straight, resumed);
}

}  // namespace
}  // namespace sculpt
