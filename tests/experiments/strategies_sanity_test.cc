// Runs every registered strategy on a tiny search for a few evaluations (as NNI's test_sanity):
// it builds from its defaults (or the options listed below), proposes members of the space, makes
// progress under the engine and survives a save/restore round trip. A new strategy whose options
// have no defaults needs a line in kOptions (or, for a file, in StrategySetup::Config).

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "experiments/config/builtins.h"
#include "predictors/neural_comparator.h"
#include "search/engine.h"
#include "spaces/rng.h"
#include "tests/search/search_runner.h"
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

// Every registered strategy with what it needs: its space (nb201, or the prune space for the
// pruning strategies), options and context.
class StrategySetup {
 public:
  StrategySetup() {
    ConfigErrors errors;
    const nlohmann::json space_config = {{"type", "nb201"}};
    Options space_options(space_config, "space", errors, nullptr);
    nb201_ = Spaces().Get("nb201")(space_options);
    EXPECT_TRUE(errors.Empty());
    nac_.steps = 20;  // a sanity run, not a search: keep comparator-guided strategies quick
    // The `listed` strategy's file: 40 cells drawn at random.
    std::ofstream listed(listed_file_);
    listed << "arch\n";
    Rng rng(5);
    for (int i = 0; i < 40; ++i) listed << nb201_->Format(nb201_->Sample(rng)) << "\n";
  }
  ~StrategySetup() { std::filesystem::remove(listed_file_); }

  const SearchSpace& Space(const std::string& name) const {
    return kPruning.count(name) > 0 ? *prune_space_ : *nb201_;
  }
  nlohmann::json Config(const std::string& name) const {
    if (name == "listed") return {{"path", listed_file_.string()}};
    auto it = kOptions.find(name);
    return it == kOptions.end() ? nlohmann::json::object() : it->second;
  }
  StrategyContext Context(const std::string& name) const {
    StrategyContext context{&Space(name), objectives, 17, {},
                            [this](Options&) { return NeuralComparatorFactory(nac_); }};
    if (kPruning.count(name) > 0) context.unit_gradients = &gradients_;
    return context;
  }
  std::unique_ptr<Strategy> Build(const Registry<StrategyFactory>::Entry& entry) const {
    const nlohmann::json config = Config(entry.name);
    ConfigErrors errors;
    Options options(config, "strategy", errors, nullptr);
    auto strategy = entry.factory(options, Context(entry.name));
    options.Finish();
    EXPECT_TRUE(errors.Empty()) << (errors.Empty() ? "" : errors.Messages().front())
                                << " (add its options to kOptions)";
    return strategy;
  }

  const std::vector<Objective> objectives = {{"score", Goal::kMaximize},
                                             {"flops", Goal::kMinimize}};
  const ConvCountEvaluator evaluator;

 private:
  std::unique_ptr<SearchSpace> nb201_;
  const std::filesystem::path listed_file_ =
      std::filesystem::temp_directory_path() /
      ("sculpt_sanity_listed_" + std::to_string(::getpid()) + ".csv");
  const std::unique_ptr<SearchSpace> prune_space_ = testing::SmallPruneSpace();
  const MadeUpGradients gradients_;
  NacOptions nac_;
};

EngineOptions SanityEngineOptions(const std::string& strategy, int batch) {
  EngineOptions options;
  options.workers = 2;
  options.batch = batch;
  options.seed = 17;
  options.budget.evaluations = 12;
  options.budget.proposals = 200;
  options.strategy_name = strategy;
  return options;
}

TEST(StrategiesSanityTest, EveryRegisteredStrategyRunsAndRoundTripsItsState) {
  const StrategySetup setup;
  const std::vector<Objective>& objectives = setup.objectives;
  ASSERT_FALSE(Strategies().Entries().empty());
  for (const auto& entry : Strategies().Entries()) {
    SCOPED_TRACE("strategy " + entry.name);
    const SearchSpace& strategy_space = setup.Space(entry.name);
    auto strategy = setup.Build(entry);
    ASSERT_NE(strategy, nullptr);
    Engine engine(strategy_space, setup.evaluator, *strategy, objectives, {},
                  SanityEngineOptions(entry.name, 4));
    CountingSink sink;
    const RunSummary summary = engine.Run(sink);
    EXPECT_GT(sink.ok, 0);
    EXPECT_GT(summary.progress.evaluations, 0);
    // exhaustive counts nb201's cells off in a fixed order, and its first 200 are 4 classes
    // (cells whose one path is the input-to-output edge) repeated: the proposal budget comes
    // before 12 evaluations.
    EXPECT_TRUE(summary.reason == StopReason::kEvaluationBudget ||
                summary.reason == StopReason::kStrategyFinished ||
                (entry.name == "exhaustive" && summary.reason == StopReason::kProposalBudget))
        << ToString(summary.reason);

    // The saved state survives JSON text and a fresh instance.
    const nlohmann::json saved = nlohmann::json::parse(strategy->SaveState().dump());
    auto restored = setup.Build(entry);
    restored->RestoreState(saved);
    EXPECT_EQ(restored->SaveState().dump(), saved.dump());
  }
}

// A search interrupted after any batch and resumed from what its sink stored (a fresh strategy,
// as after a kill) ends exactly as the uninterrupted search: same steps, proposals, origins,
// parents, repeats and results. Batches of 3 so that cuts fall at odd steps.
TEST(StrategiesSanityTest, EveryRegisteredStrategyResumesExactly) {
  const StrategySetup setup;
  for (const auto& entry : Strategies().Entries()) {
    SCOPED_TRACE("strategy " + entry.name);
    const SearchSpace& space = setup.Space(entry.name);
    const EngineOptions options = SanityEngineOptions(entry.name, 3);
    auto run = [&](int stop_after_batches, const StoredRun* resume) {
      auto strategy = setup.Build(entry);
      Engine engine(space, setup.evaluator, *strategy, setup.objectives, {}, options);
      testing::RecordingSink sink;
      std::atomic<bool> stop{false};
      int batches = 0;
      const RunSummary summary = engine.Run(
          sink, [&](const EngineProgress&) { stop = ++batches == stop_after_batches; }, &stop,
          resume);
      return testing::SearchRun{std::move(sink.all), summary};
    };
    const testing::SearchRun whole = run(0, nullptr);
    ASSERT_FALSE(whole.records.empty());
    for (int cut = 1; cut <= 4; ++cut) {
      SCOPED_TRACE("interrupted after batch " + std::to_string(cut));
      const testing::SearchRun first = run(cut, nullptr);
      if (first.summary.reason != StopReason::kInterrupted) break;  // finished before the cut
      const testing::RecordedRun stored(first.records);
      const testing::SearchRun rest = run(0, &stored);
      std::vector<CandidateRecord> joined = first.records;
      joined.insert(joined.end(), rest.records.begin(), rest.records.end());
      testing::ExpectSameRecords(whole.records, joined);
      EXPECT_EQ(rest.summary.reason, whole.summary.reason);
      EXPECT_EQ(rest.summary.progress.evaluations, whole.summary.progress.evaluations);
      EXPECT_EQ(rest.summary.progress.repeats, whole.summary.progress.repeats);
      EXPECT_EQ(rest.summary.progress.best_step, whole.summary.progress.best_step);
    }
  }
}

}  // namespace
}  // namespace sculpt
