#include "search/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "search/strategies.h"
#include "tests/search/search_runner.h"
#include "tests/search/toy_space.h"

namespace sculpt {
namespace {

using testing::ToyEvaluator;
using testing::ToySpace;

class VectorSink final : public ResultSink {
 public:
  void Write(std::span<const CandidateRecord> records) override {
    ++batches;
    all.insert(all.end(), records.begin(), records.end());
  }
  std::vector<CandidateRecord> all;
  int batches = 0;
};

std::unique_ptr<Strategy> MakeStrategy(const std::string& type, const SearchSpace& space,
                                       std::uint64_t seed, nlohmann::json options = {}) {
  if (options.is_null()) options = nlohmann::json::object();
  ConfigErrors errors;
  Options opts(options, "strategy", errors, nullptr);
  StrategyContext context{&space, {{"score", Goal::kMaximize}}, seed, {}, {}};
  auto strategy = type == "random" ? MakeRandomSearch(opts, context)
                                   : MakeRegularizedEvolution(opts, context);
  EXPECT_TRUE(errors.Empty());
  return strategy;
}

struct RunResult {
  std::vector<CandidateRecord> records;
  RunSummary summary;
};

RunResult RunSearch(const SearchSpace& space, const Evaluator& evaluator, const std::string& type,
                    EngineOptions options, std::vector<Constraint> constraints = {},
                    std::uint64_t seed = 7) {
  auto strategy = MakeStrategy(type, space, seed, {{"population", 6}, {"sample", 3}});
  options.seed = seed;
  options.strategy_name = type;
  Engine engine(space, evaluator, *strategy, {{"score", Goal::kMaximize}}, std::move(constraints),
                options);
  VectorSink sink;
  RunResult result;
  result.summary = engine.Run(sink);
  result.records = std::move(sink.all);
  return result;
}

void ExpectSameRecords(const std::vector<CandidateRecord>& a, const std::vector<CandidateRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].step, b[i].step);
    EXPECT_EQ(a[i].arch, b[i].arch) << "step " << i;
    EXPECT_EQ(a[i].status, b[i].status);
    EXPECT_EQ(a[i].objective, b[i].objective);
    EXPECT_EQ(a[i].repeat_of, b[i].repeat_of);
    EXPECT_EQ(a[i].parent, b[i].parent);
    EXPECT_EQ(a[i].metrics, b[i].metrics);
  }
}

TEST(EngineTest, SameResultsWhateverTheWorkerCount) {
  ToySpace space(6, 4);  // 4,096 strings in 84 classes
  ToyEvaluator evaluator(space, /*fail_on=*/3);
  for (const std::string type : {"random", "regularized_evolution"}) {
    EngineOptions options;
    options.batch = 4;
    options.budget.evaluations = 60;
    options.budget.patience = 5000;
    options.workers = 1;
    const RunResult serial = RunSearch(space, evaluator, type, options);
    for (int workers : {2, 4}) {
      options.workers = workers;
      const RunResult parallel = RunSearch(space, evaluator, type, options);
      ExpectSameRecords(serial.records, parallel.records);
    }
  }
}

TEST(EngineTest, NeverEvaluatesACanonicalClassTwice) {
  ToySpace space(4, 3);  // 81 strings, 15 classes (multisets of 4 values from 3)
  ToyEvaluator evaluator(space);
  EngineOptions options;
  options.batch = 5;
  options.workers = 2;
  options.budget.proposals = 400;
  const RunResult result = RunSearch(space, evaluator, "random", options);
  for (const auto& [form, calls] : evaluator.Calls()) EXPECT_EQ(calls, 1) << form;
  EXPECT_EQ(result.summary.progress.evaluations, static_cast<std::int64_t>(evaluator.Calls().size()));

  std::map<std::uint64_t, std::int64_t> first;  // class -> step of its evaluation
  for (const CandidateRecord& r : result.records) {
    if (r.repeat_of < 0) {
      EXPECT_TRUE(first.emplace(r.hash, r.step).second) << "class evaluated twice at step " << r.step;
      EXPECT_FALSE(r.metrics.empty());
    } else {
      EXPECT_EQ(r.repeat_of, first.at(r.hash));
      EXPECT_TRUE(r.metrics.empty());
      EXPECT_TRUE(r.objective.has_value());  // the cached value is still logged
    }
  }
  EXPECT_GT(result.summary.progress.repeats, 0);
}

TEST(EngineTest, EvaluationBudgetCountsDistinctEvaluations) {
  ToySpace space(6, 4);
  ToyEvaluator evaluator(space);
  EngineOptions options;
  options.batch = 7;
  options.budget.evaluations = 25;
  const RunResult result = RunSearch(space, evaluator, "regularized_evolution", options);
  EXPECT_EQ(result.summary.reason, StopReason::kEvaluationBudget);
  EXPECT_EQ(result.summary.progress.evaluations, 25);
  std::int64_t evaluated = 0;
  for (const CandidateRecord& r : result.records) evaluated += r.repeat_of < 0 ? 1 : 0;
  EXPECT_EQ(evaluated, 25);
  EXPECT_EQ(static_cast<std::int64_t>(result.records.size()), result.summary.progress.proposals);
}

TEST(EngineTest, ProposalBudgetIsExact) {
  ToySpace space(6, 4);
  ToyEvaluator evaluator(space);
  EngineOptions options;
  options.batch = 7;
  options.budget.proposals = 30;
  const RunResult result = RunSearch(space, evaluator, "random", options);
  EXPECT_EQ(result.summary.reason, StopReason::kProposalBudget);
  EXPECT_EQ(result.records.size(), 30U);
  for (std::size_t i = 0; i < result.records.size(); ++i) {
    EXPECT_EQ(result.records[i].step, static_cast<std::int64_t>(i));
  }
}

TEST(EngineTest, TimeBudgetStops) {
  ToySpace space(12, 4);
  ToyEvaluator evaluator(space);
  EngineOptions options;
  options.budget.seconds = 0.05;
  const RunResult result = RunSearch(space, evaluator, "random", options);
  EXPECT_EQ(result.summary.reason, StopReason::kTimeBudget);
  EXPECT_GE(result.summary.progress.elapsed_seconds, 0.05);
}

TEST(EngineTest, InfeasibleProposalsAreNeverEvaluated) {
  ToySpace space(4, 4);
  ToyEvaluator evaluator(space);
  EngineOptions options;
  options.batch = 3;
  options.budget.proposals = 200;
  const RunResult result =
      RunSearch(space, evaluator, "regularized_evolution", options, {{"params", std::nullopt, 6.0}});
  int infeasible = 0;
  for (const CandidateRecord& r : result.records) {
    if (r.status == CandidateStatus::kInfeasible) {
      ++infeasible;
      EXPECT_NE(r.error.find("params <= 6"), std::string::npos) << r.error;
    }
  }
  EXPECT_GT(infeasible, 0);
  for (const auto& [form, calls] : evaluator.Calls()) {
    int sum = 0;
    for (char c : form) sum += c - '0';
    EXPECT_LE(sum, 6) << form << " was evaluated although infeasible";
  }
  EXPECT_EQ(result.summary.progress.infeasible + result.summary.progress.evaluations,
            static_cast<std::int64_t>(std::set<std::uint64_t>(
                                          [&] {
                                            std::set<std::uint64_t> s;
                                            for (const auto& r : result.records) s.insert(r.hash);
                                            return s;
                                          }())
                                          .size()));
}

// Isomorphic members that cost differently (as nb201 cells with dead-end convs do): the first
// slot is priced ten times over, so a class (a multiset) has members of several costs.
class FirstSlotPricedSpace final : public ToySpace {
 public:
  using ToySpace::ToySpace;
  Metrics Cost(const Architecture& arch) const override {
    Metrics costs = ToySpace::Cost(arch);
    costs["params"] += 10.0 * arch.choices.front();
    return costs;
  }
};

TEST(EngineTest, ARepeatCostsWhatItsEvaluationCostsAndMeetsTheConstraints) {
  FirstSlotPricedSpace space(3, 3);
  ToyEvaluator evaluator(space);
  EngineOptions options;
  options.batch = 4;
  options.workers = 2;
  options.budget.proposals = 300;
  const RunResult result =
      RunSearch(space, evaluator, "random", options, {{"params", std::nullopt, 12.0}});
  std::map<std::int64_t, const CandidateRecord*> by_step;
  for (const CandidateRecord& r : result.records) by_step[r.step] = &r;
  std::set<std::pair<std::uint64_t, double>> evaluated;  // (class, cost)
  int isomorph_repeats = 0;
  for (const CandidateRecord& r : result.records) {
    const double params = space.Cost(r.arch).at("params");
    if (r.status == CandidateStatus::kOk) {
      EXPECT_LE(params, 12.0) << r.arch_text;
    }
    if (r.repeat_of < 0) {
      if (r.status == CandidateStatus::kOk) {
        EXPECT_TRUE(evaluated.emplace(r.hash, params).second) << "evaluated twice: " << r.arch_text;
      }
      continue;
    }
    const CandidateRecord& first = *by_step.at(r.repeat_of);
    EXPECT_EQ(space.Cost(first.arch).at("params"), params)
        << r.arch_text << " repeats " << first.arch_text;
    EXPECT_EQ(first.status, r.status);
    if (first.arch_text != r.arch_text) ++isomorph_repeats;
  }
  // Both kinds happen: isomorphs of equal cost are repeats, of another cost evaluations.
  EXPECT_GT(isomorph_repeats, 0);
  std::map<std::uint64_t, int> costs_per_class;
  for (const auto& [hash, params] : evaluated) ++costs_per_class[hash];
  EXPECT_TRUE(std::any_of(costs_per_class.begin(), costs_per_class.end(),
                          [](const auto& entry) { return entry.second > 1; }));
}

TEST(EngineTest, FailedEvaluationsAreRecordedAndTheSearchGoesOn) {
  ToySpace space(4, 4);
  ToyEvaluator evaluator(space, /*fail_on=*/0);
  EngineOptions options;
  options.batch = 4;
  options.workers = 2;
  options.budget.evaluations = 30;
  const RunResult result = RunSearch(space, evaluator, "random", options);
  int failed = 0, ok = 0;
  for (const CandidateRecord& r : result.records) {
    if (r.status == CandidateStatus::kFailed) {
      ++failed;
      EXPECT_EQ(r.error, "diverged");
      EXPECT_FALSE(r.objective.has_value());
    } else if (r.status == CandidateStatus::kOk) {
      ++ok;
    }
  }
  EXPECT_GT(failed, 0);
  EXPECT_GT(ok, 0);
  EXPECT_EQ(result.summary.progress.evaluations, 30);
}

TEST(EngineTest, StopsWhenTheSpaceIsExhausted) {
  ToySpace space(3, 3);  // 27 strings
  ToyEvaluator evaluator(space);
  EngineOptions options;
  options.batch = 4;
  options.budget.evaluations = 1000;
  const RunResult result = RunSearch(space, evaluator, "random", options);
  EXPECT_EQ(result.summary.reason, StopReason::kSpaceExhausted);
  std::set<Architecture> seen;
  for (const auto& r : result.records) seen.insert(r.arch);
  EXPECT_EQ(seen.size(), 27U);
}

TEST(EngineTest, PatienceStopsACirclingStrategy) {
  ToySpace space(8, 2);  // 256 strings, 9 classes: evolution soon finds nothing new
  ToyEvaluator evaluator(space);
  EngineOptions options;
  options.batch = 2;
  options.budget.evaluations = 1000;
  options.budget.patience = 50;
  const RunResult result = RunSearch(space, evaluator, "regularized_evolution", options);
  EXPECT_EQ(result.summary.reason, StopReason::kNoProgress);
  EXPECT_LE(result.summary.progress.evaluations, 9);
}

// New architectures that all break a constraint are no progress: without that rule a search of
// a large space whose members it reaches all break the constraint would never stop.
TEST(EngineTest, PatienceCountsOnlyArchitecturesToEvaluate) {
  ToySpace space(20, 4);  // 1,771 classes (multisets); params = the sum of the choices
  ToyEvaluator evaluator(space);
  EngineOptions options;
  options.batch = 4;
  options.budget.evaluations = 10;
  options.budget.patience = 200;
  // Only the all-zero string meets it, and random search almost never proposes it.
  const std::vector<Constraint> constraints = {{"params", std::nullopt, 0.0}};
  const RunResult result = RunSearch(space, evaluator, "random", options, constraints);
  EXPECT_EQ(result.summary.reason, StopReason::kNoProgress);
  EXPECT_LE(result.summary.progress.proposals, 204);  // whole batches of 4
  EXPECT_EQ(result.summary.progress.evaluations, 0);
  EXPECT_GT(result.summary.progress.infeasible, 100);  // most of them new, all infeasible
}

TEST(EngineTest, InterruptFinishesTheBatchInFlight) {
  ToySpace space(8, 4);
  ToyEvaluator evaluator(space);
  auto strategy = MakeStrategy("random", space, 1);
  EngineOptions options;
  options.batch = 5;
  options.budget.evaluations = 1000;
  Engine engine(space, evaluator, *strategy, {{"score", Goal::kMaximize}}, {}, options);
  VectorSink sink;
  std::atomic<bool> stop{false};
  int batches = 0;
  const RunSummary summary = engine.Run(
      sink, [&](const EngineProgress&) { if (++batches == 3) stop = true; }, &stop);
  EXPECT_EQ(summary.reason, StopReason::kInterrupted);
  EXPECT_EQ(sink.all.size(), 15U);
  EXPECT_EQ(sink.batches, 3);
}

// What a store keeps of a run cut after `kept` records (mid-batch too: the engine must not
// assume whole batches), read back for a resume.
testing::RecordedRun FirstSteps(const std::vector<CandidateRecord>& records, std::size_t kept) {
  return testing::RecordedRun({records.begin(), records.begin() + static_cast<long>(kept)});
}

TEST(EngineTest, ResumeReplaysStoredStepsAndEvaluatesOnlyTheRest) {
  ToySpace space(6, 4);
  ToyEvaluator whole_evaluator(space, /*fail_on=*/3);
  EngineOptions options;
  options.batch = 5;
  options.workers = 2;
  options.budget.evaluations = 40;
  options.budget.patience = 5000;
  // A constraint, so that infeasible steps are replayed too.
  const std::vector<Constraint> constraints = {{"params", std::nullopt, 10.0}};
  const RunResult whole =
      RunSearch(space, whole_evaluator, "regularized_evolution", options, constraints);
  ASSERT_GT(whole.records.size(), 30U);
  ASSERT_GT(whole.summary.progress.infeasible, 0);
  ASSERT_GT(whole.summary.progress.failed, 0);
  ASSERT_GT(whole.summary.progress.repeats, 0);
  for (const std::size_t kept : {std::size_t{0}, std::size_t{7}, std::size_t{15}, whole.records.size() - 1}) {
    SCOPED_TRACE("resumed after " + std::to_string(kept) + " stored steps");
    ToyEvaluator evaluator(space, /*fail_on=*/3);
    const testing::RecordedRun stored = FirstSteps(whole.records, kept);
    auto strategy = MakeStrategy("regularized_evolution", space, 7, {{"population", 6}, {"sample", 3}});
    options.seed = 7;
    options.strategy_name = "regularized_evolution";
    Engine engine(space, evaluator, *strategy, {{"score", Goal::kMaximize}}, constraints, options);
    VectorSink sink;
    const RunSummary summary = engine.Run(sink, {}, nullptr, &stored);
    std::vector<CandidateRecord> joined(whole.records.begin(),
                                        whole.records.begin() + static_cast<long>(kept));
    joined.insert(joined.end(), sink.all.begin(), sink.all.end());
    ExpectSameRecords(whole.records, joined);
    EXPECT_EQ(summary.reason, whole.summary.reason);
    EXPECT_EQ(summary.progress.evaluations, whole.summary.progress.evaluations);
    EXPECT_EQ(summary.progress.failed, whole.summary.progress.failed);
    // Only what was not stored was evaluated.
    int calls = 0;
    for (const auto& [form, count] : evaluator.Calls()) calls += count;
    int unstored = 0;
    for (const CandidateRecord& r : sink.all) {
      unstored += r.repeat_of < 0 && r.status != CandidateStatus::kInfeasible ? 1 : 0;
    }
    EXPECT_EQ(calls, unstored);
  }
}

TEST(EngineTest, ResumeRefusesARunThatDivergesFromTheStoredOne) {
  ToySpace space(6, 4);
  ToyEvaluator evaluator(space);
  EngineOptions options;
  options.batch = 4;
  options.budget.evaluations = 20;
  const RunResult first = RunSearch(space, evaluator, "random", options, {}, /*seed=*/7);
  const testing::RecordedRun stored = FirstSteps(first.records, 8);
  auto strategy = MakeStrategy("random", space, /*seed=*/8);  // another seed: other proposals
  Engine engine(space, evaluator, *strategy, {{"score", Goal::kMaximize}}, {}, options);
  VectorSink sink;
  try {
    engine.Run(sink, {}, nullptr, &stored);
    FAIL() << "a diverging resume was accepted";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("cannot resume: step 0"), std::string::npos)
        << error.what();
  }
  EXPECT_TRUE(sink.all.empty());
}

TEST(EngineTest, MinimizedObjectiveTracksTheSmallestValue) {
  ToySpace space(4, 4);
  ToyEvaluator evaluator(space);
  auto strategy = MakeStrategy("random", space, 3);
  EngineOptions options;
  options.budget.evaluations = 20;
  Engine engine(space, evaluator, *strategy, {{"score", Goal::kMinimize}}, {}, options);
  VectorSink sink;
  const RunSummary summary = engine.Run(sink);
  double smallest = 1e9;
  for (const auto& r : sink.all) {
    if (r.objective) smallest = std::min(smallest, *r.objective);
  }
  ASSERT_TRUE(summary.progress.best_objective.has_value());
  EXPECT_EQ(*summary.progress.best_objective, smallest);
}

}  // namespace
}  // namespace sculpt
