#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "search/strategies.h"
#include "spaces/nb201.h"
#include "tests/search/search_runner.h"
#include "tests/search/synthetic_nb201.h"
#include "tests/search/toy_space.h"

namespace sculpt {
namespace {

using testing::SearchRun;
using testing::ToySpace;

const std::vector<Objective> kScore = {{"score", Goal::kMaximize}};

SearchRun RunAStar(const SearchSpace& space, const Evaluator& evaluator,
                   const nlohmann::json& config, int workers = 1, int batch = 4,
                   std::vector<Constraint> constraints = {}) {
  EngineOptions options;
  options.workers = workers;
  options.batch = batch;
  options.seed = 3;
  options.budget.evaluations = 5000;
  return testing::RunStrategy(MakeAStar, space, evaluator, kScore, config, options,
                              std::move(constraints));
}

// The checks every A* run must pass, whatever its goal. Returns the "astar-goal" record (the
// answer, a repeat of its evaluation), or nullptr when there is none. Its metrics are empty (they
// live on the evaluation's record); costs come from the space, for the exact architecture (an
// isomorphic repeat may differ in cost).
const CandidateRecord* CheckRun(const SearchRun& run) {
  std::map<std::int64_t, const CandidateRecord*> by_step;
  for (const CandidateRecord& r : run.records) by_step[r.step] = &r;
  EXPECT_FALSE(run.records.empty());
  EXPECT_EQ(run.records.front().origin, "astar-start");
  const CandidateRecord* answer = nullptr;
  for (const CandidateRecord& r : run.records) {
    if (r.origin == "astar-reduction") {
      // Only states that were really evaluated (successfully) are ever expanded.
      const CandidateRecord* parent = by_step.at(r.parent);
      EXPECT_EQ(parent->status, CandidateStatus::kOk) << "step " << r.step;
    } else if (r.origin == "astar-goal") {
      EXPECT_EQ(answer, nullptr) << "two answers";
      EXPECT_EQ(&r, &run.records.back()) << "the answer is the last proposal";
      // The answer was really evaluated: its proposal as a child, answered ok.
      const CandidateRecord* evaluated = by_step.at(r.parent);
      EXPECT_EQ(evaluated->arch, r.arch);
      EXPECT_EQ(evaluated->status, CandidateStatus::kOk);
      EXPECT_EQ(r.status, CandidateStatus::kOk);
      EXPECT_EQ(r.repeat_of, evaluated->repeat_of >= 0 ? evaluated->repeat_of : evaluated->step);
      EXPECT_EQ(r.objective, evaluated->objective);
      answer = &r;
    }
  }
  EXPECT_EQ(run.summary.reason, StopReason::kStrategyFinished);
  return answer;
}

// Score of the toy evaluator without its noise: 1.5 * sum of squares.
double ToyScore(const Architecture& arch) {
  double score = 0;
  for (int c : arch.choices) score += 1.5 * c * c;
  return score;
}

TEST(AStarTest, ReachesTheTargetWithTheSmallestDropOnTheToySpace) {
  ToySpace space(4, 4);  // largest 3333 (params 12, score 54)
  testing::ToyEvaluator evaluator(space);
  for (double target : {11.0, 9.0, 6.0, 4.0, 2.0}) {
    const SearchRun run = RunAStar(space, evaluator, {{"target", {{"max", target}}}});
    const CandidateRecord* answer = CheckRun(run);
    ASSERT_NE(answer, nullptr) << "target " << target;
    EXPECT_LE(space.Cost(answer->arch).at("params"), target);
    // Brute force: the best score among architectures within the target.
    double best = 0;
    for (const Architecture& arch : space.Enumerate()) {
      if (space.Cost(arch).at("params") <= target) best = std::max(best, ToyScore(arch));
    }
    EXPECT_NEAR(ToyScore(answer->arch), best, 1e-9) << "target " << target;
    EXPECT_LT(run.summary.progress.evaluations, 70) << "target " << target;  // of 35 classes
  }
}

TEST(AStarTest, DropBoundHoldsAndAnswersAreMeasured) {
  ToySpace space(5, 4);  // largest 33333, score 67.5
  testing::ToyEvaluator evaluator(space);
  for (double budget : {0.0, 5.0, 15.0, 40.0}) {
    const SearchRun run = RunAStar(space, evaluator, {{"max_drop", budget}});
    const CandidateRecord* answer = CheckRun(run);
    ASSERT_NE(answer, nullptr);
    const double start = *run.records.front().objective;
    EXPECT_GE(*answer->objective, start - budget) << "budget " << budget;
    // Nothing cheaper stays within the budget (the toy evaluator's noise is below 1e-3).
    double cheapest = 1e9;
    for (const Architecture& arch : space.Enumerate()) {
      if (ToyScore(arch) >= ToyScore(*space.Largest()) - budget - 1e-3) {
        cheapest = std::min(cheapest, space.Cost(arch).at("params"));
      }
    }
    EXPECT_EQ(space.Cost(answer->arch).at("params"), cheapest) << "budget " << budget;
  }
}

TEST(AStarTest, TargetAndDropBudgetTogether) {
  ToySpace space(4, 4);
  testing::ToyEvaluator evaluator(space);
  // Params <= 6 costs at least 54 - 27 = 27 of score: a budget of 20 cannot reach it.
  const SearchRun unreachable =
      RunAStar(space, evaluator, {{"target", {{"max", 6}}}, {"max_drop", 20.0}});
  EXPECT_EQ(CheckRun(unreachable), nullptr);
  for (const CandidateRecord& r : unreachable.records) {
    if (r.origin == "astar-reduction" && r.status == CandidateStatus::kOk) {
      // Expanded states stayed within the budget.
      const CandidateRecord& parent = unreachable.records.at(static_cast<std::size_t>(r.parent));
      EXPECT_GE(*parent.objective, *unreachable.records.front().objective - 20.0);
    }
  }
  const SearchRun reachable =
      RunAStar(space, evaluator, {{"target", {{"max", 6}}}, {"max_drop", 30.0}});
  const CandidateRecord* answer = CheckRun(reachable);
  ASSERT_NE(answer, nullptr);
  EXPECT_LE(space.Cost(answer->arch).at("params"), 6.0);
}

// Partial expansion (`expand` K) proposes only the K children that look cheapest per step. On the
// toy space (each edit's drop is the same wherever it is made, so the estimates are right once
// measured) it reaches answers as good as full expansion's, with fewer evaluations.
TEST(AStarTest, PartialExpansionReachesTheSameGoalsWithFewerEvaluations) {
  ToySpace space(6, 4);  // largest 333333, score 81, params 18
  testing::ToyEvaluator evaluator(space);
  const std::vector<nlohmann::json> goals = {
      {{"max_drop", 10.0}}, {{"max_drop", 30.0}}, {{"target", {{"max", 9}}}},
      {{"target", {{"max", 4}}}}};
  std::map<int, std::int64_t> full_evaluations, partial_evaluations;
  for (const nlohmann::json& goal : goals) {
    const SearchRun full = RunAStar(space, evaluator, goal);
    const CandidateRecord* full_answer = CheckRun(full);
    ASSERT_NE(full_answer, nullptr) << goal;
    for (int expand : {1, 2}) {
      nlohmann::json partial_goal = goal;
      partial_goal["expand"] = expand;
      const SearchRun partial = RunAStar(space, evaluator, partial_goal);
      const CandidateRecord* answer = CheckRun(partial);
      ASSERT_NE(answer, nullptr) << partial_goal;
      EXPECT_EQ(space.Cost(answer->arch).at("params"), space.Cost(full_answer->arch).at("params"))
          << partial_goal;
      EXPECT_NEAR(ToyScore(answer->arch), ToyScore(full_answer->arch), 1e-9) << partial_goal;
      EXPECT_LE(partial.summary.progress.evaluations, full.summary.progress.evaluations)
          << partial_goal;
      full_evaluations[expand] += full.summary.progress.evaluations;
      partial_evaluations[expand] += partial.summary.progress.evaluations;
      if (goal.contains("max_drop")) {
        EXPECT_GE(*answer->objective,
                  *partial.records.front().objective - goal["max_drop"].get<double>());
      }
    }
  }
  for (int expand : {1, 2}) {
    EXPECT_LT(partial_evaluations[expand], full_evaluations[expand]) << "expand " << expand;
    std::cout << "expand " << expand << ": " << partial_evaluations[expand] << " evaluations, "
              << "full expansion " << full_evaluations[expand] << "\n";
  }
}

// Every position its own: no two architectures are isomorphic.
class OrderedToySpace final : public ToySpace {
 public:
  using ToySpace::ToySpace;
  std::string CanonicalForm(const Architecture& arch) const override { return Format(arch); }
};

// Lowering position i raises the score by gains[i]: smaller networks that score higher, as
// NAS-Bench-201's cells below all-3x3 often do.
class GainEvaluator final : public Evaluator {
 public:
  explicit GainEvaluator(std::vector<double> gains) : gains_(std::move(gains)) {}
  Metrics Evaluate(const Architecture& arch, const EvalContext&) const override {
    double score = 50;
    for (std::size_t i = 0; i < arch.choices.size(); ++i) {
      if (arch.choices[i] == 0) score += gains_[i];
    }
    return {{"score", score}};
  }
  std::vector<std::string> VisibleMetrics() const override { return {"score"}; }

 private:
  std::vector<double> gains_;
};

// A partly expanded state stands in for its untried children. Here the start's first child
// (position 0 lowered, +10) and that child's first (+1 more) reach the target, while the best
// answer lowers positions 0 and 2 (+40). With estimates clamped at 0 the start, its first child
// taken, looked worse than that child forever, and expand 1 answered 61 where expand 0 finds 90.
TEST(AStarTest, PartialExpansionKeepsTheParentOfChildrenThatMayScoreHigher) {
  OrderedToySpace space(3, 2);  // largest 111, params 3
  GainEvaluator evaluator({10.0, 1.0, 30.0});
  for (int expand : {0, 1, 2}) {
    nlohmann::json goal = {{"target", {{"metric", "params"}, {"max", 1}}}};
    if (expand > 0) goal["expand"] = expand;
    const SearchRun run = RunAStar(space, evaluator, goal);
    const CandidateRecord* answer = CheckRun(run);
    ASSERT_NE(answer, nullptr) << goal;
    EXPECT_EQ(answer->arch, Architecture{std::vector<int>({0, 1, 0})}) << goal;
    EXPECT_EQ(*answer->objective, 90.0) << goal;
  }
}

TEST(AStarTest, Nb201ReachesAFlopsTargetAndIsTheSameWhateverTheWorkers) {
  auto space = nb201::MakeSpace({});
  testing::SyntheticNb201Evaluator evaluator(*space);
  const double largest = space->Cost(*space->Largest()).at("flops");
  const nlohmann::json config = {{"target", {{"metric", "flops"}, {"max", largest / 2}}}};
  const SearchRun serial = RunAStar(*space, evaluator, config, 1, 6);
  const CandidateRecord* answer = CheckRun(serial);
  ASSERT_NE(answer, nullptr);
  EXPECT_LE(space->Cost(answer->arch).at("flops"), largest / 2);
  // Of 15,625 cells: the walk evaluates a few hundred (isomorphic cells are one class only at
  // equal costs, so a reduction that leaves dead-end convs is a state of its own).
  EXPECT_LT(serial.summary.progress.evaluations, 1000);
  // Every proposal is one cost-reducing edit below its parent.
  for (const CandidateRecord& r : serial.records) {
    if (r.origin != "astar-reduction") continue;
    const CandidateRecord& parent = serial.records.at(static_cast<std::size_t>(r.parent));
    const std::vector<Architecture> reductions = space->Reductions(parent.arch);
    EXPECT_NE(std::find(reductions.begin(), reductions.end(), r.arch), reductions.end());
    EXPECT_LT(space->Cost(r.arch).at("flops"), space->Cost(parent.arch).at("flops"));
  }
  testing::ExpectSameRun(serial, RunAStar(*space, evaluator, config, 3, 6));
}

TEST(AStarTest, FailedAndInfeasibleStatesAreNeverAccepted) {
  ToySpace space(3, 4);
  // Architectures starting with 2 fail; params below 2 are infeasible, so the target of 1 cannot
  // be reached: the search explores every state it can accept and ends without an answer.
  testing::ToyEvaluator evaluator(space, /*fail_on=*/2);
  const SearchRun run =
      RunAStar(space, evaluator, {{"target", {{"max", 1}}}}, 2, 4, {{"params", 2.0, std::nullopt}});
  EXPECT_EQ(CheckRun(run), nullptr);
  // With a reachable target the answer avoids the failed states.
  const SearchRun reachable = RunAStar(space, evaluator, {{"target", {{"max", 4}}}});
  const CandidateRecord* answer = CheckRun(reachable);
  ASSERT_NE(answer, nullptr);
  EXPECT_NE(answer->arch.choices.front(), 2);
  int failed = 0, infeasible = 0;
  for (const CandidateRecord& r : run.records) {
    failed += r.status == CandidateStatus::kFailed ? 1 : 0;
    infeasible += r.status == CandidateStatus::kInfeasible ? 1 : 0;
  }
  EXPECT_GT(failed, 0);
  EXPECT_GT(infeasible, 0);  // CheckRun verified none of them was expanded
}

TEST(AStarTest, AnUnmeasurableStartEndsTheSearch) {
  ToySpace space(4, 4);
  testing::ToyEvaluator evaluator(space, /*fail_on=*/3);  // the start 3333 fails
  const SearchRun run = RunAStar(space, evaluator, {{"target", {{"max", 4}}}});
  EXPECT_EQ(run.records.size(), 1U);
  EXPECT_EQ(CheckRun(run), nullptr);
}

// Feeds the strategy noiseless toy results directly.
std::vector<Observation> Answer(const std::vector<Proposal>& proposals, std::int64_t& step) {
  std::vector<Observation> out;
  for (const Proposal& p : proposals) {
    out.push_back({step++, p.arch, CandidateStatus::kOk, {ToyScore(p.arch)}, false});
  }
  return out;
}

TEST(AStarTest, SaveAndRestoreContinueIdentically) {
  ToySpace space(5, 4);
  for (const nlohmann::json& config :
       {nlohmann::json{{"target", {{"max", 5}}}},
        nlohmann::json{{"max_drop", 20.0}, {"expand", 2}}}) {
    SCOPED_TRACE(config.dump());
    auto original = testing::BuildStrategy(MakeAStar, space, kScore, config, 1);
    std::int64_t step = 0;
    for (int i = 0; i < 6; ++i) original->Tell(Answer(original->Ask(3), step));
    auto restored = testing::BuildStrategy(MakeAStar, space, kScore, config, 1);
    restored->RestoreState(nlohmann::json::parse(original->SaveState().dump()));
    EXPECT_EQ(original->SaveState(), restored->SaveState());
    std::int64_t step_a = step, step_b = step;
    for (int i = 0; i < 2000; ++i) {
      const std::vector<Proposal> a = original->Ask(3);
      const std::vector<Proposal> b = restored->Ask(3);
      ASSERT_EQ(a.size(), b.size());
      for (std::size_t j = 0; j < a.size(); ++j) {
        EXPECT_EQ(a[j].arch, b[j].arch);
        EXPECT_EQ(a[j].origin, b[j].origin);
        EXPECT_EQ(a[j].parent, b[j].parent);
      }
      if (a.empty()) break;
      EXPECT_LT(i, 1999) << "never finished";
      original->Tell(Answer(a, step_a));
      restored->Tell(Answer(b, step_b));
    }
  }
}

// The toy score, and a second objective that disagrees where a position was cut to 0: the search
// data says such a state lost little, the held-out data that it lost 100 more.
class ConfirmedToyEvaluator final : public Evaluator {
 public:
  Metrics Evaluate(const Architecture& arch, const EvalContext& /*context*/) const override {
    const bool cut_to_zero =
        std::find(arch.choices.begin(), arch.choices.end(), 0) != arch.choices.end();
    return {{"score", ToyScore(arch)}, {"held_out", ToyScore(arch) - (cut_to_zero ? 100 : 0)}};
  }
  std::vector<std::string> VisibleMetrics() const override { return {"score", "held_out"}; }
};

TEST(AStarTest, AConfirmedAnswerStaysWithinTheDropOnHeldOutDataToo) {
  ToySpace space(5, 4);  // largest 33333, score 67.5, params 15
  ConfirmedToyEvaluator evaluator;
  const std::vector<Objective> objectives = {{"score", Goal::kMaximize},
                                             {"held_out", Goal::kMaximize}};
  EngineOptions options;
  options.batch = 4;
  options.budget.evaluations = 5000;
  const double budget = 15.5;
  auto held_out_drop = [&](const Architecture& arch) {
    return 67.5 - evaluator.Evaluate(arch, {}).at("held_out");
  };
  const SearchRun plain = testing::RunStrategy(MakeAStar, space, evaluator, objectives,
                                               {{"max_drop", budget}}, options);
  const CandidateRecord* unconfirmed = CheckRun(plain);
  ASSERT_NE(unconfirmed, nullptr);
  // Without confirmation the cheapest state within the budget on the search's data: a 3 cut to
  // 0 (drop 13.5, params 12), which loses 113.5 on the held-out data.
  EXPECT_EQ(space.Cost(unconfirmed->arch).at("params"), 12);

  // With max_drop alone: the answer turned down, then the cheapest state on its path from the
  // start within the budget on the held-out data too.
  const SearchRun confirmed = testing::RunStrategy(
      MakeAStar, space, evaluator, objectives, {{"max_drop", budget}, {"confirm", "held_out"}},
      options);
  const CandidateRecord* answer = CheckRun(confirmed);
  ASSERT_NE(answer, nullptr);
  EXPECT_LE(held_out_drop(answer->arch), budget);
  std::map<std::int64_t, const CandidateRecord*> by_step;
  const CandidateRecord* turned_down = nullptr;
  for (const CandidateRecord& r : confirmed.records) {
    by_step[r.step] = &r;
    if (r.origin == "astar-unconfirmed") {
      EXPECT_EQ(turned_down, nullptr) << "a second answer turned down";
      turned_down = &r;
    }
  }
  ASSERT_NE(turned_down, nullptr);
  EXPECT_EQ(turned_down->arch, unconfirmed->arch);
  EXPECT_GT(held_out_drop(turned_down->arch), budget);
  // Walk up from the state turned down: every state before the answer fails, the answer is on
  // the path.
  const CandidateRecord* state = by_step.at(turned_down->parent);
  while (state->step != answer->parent) {
    EXPECT_GT(held_out_drop(state->arch), budget) << "a cheaper confirmed state on the path";
    ASSERT_GE(state->parent, 0) << "the answer is not on the path of the one turned down";
    state = by_step.at(state->parent);
  }

  // With a target: answers that fail are turned down and the search goes on; the one it takes
  // reaches the target and is confirmed.
  const SearchRun targeted = testing::RunStrategy(
      MakeAStar, space, evaluator, objectives,
      {{"target", {{"max", 12}}}, {"max_drop", 30.0}, {"confirm", "held_out"}}, options);
  const CandidateRecord* reached = CheckRun(targeted);
  ASSERT_NE(reached, nullptr);
  EXPECT_LE(space.Cost(reached->arch).at("params"), 12);
  EXPECT_LE(held_out_drop(reached->arch), 30.0);
  int refused = 0;
  for (const CandidateRecord& r : targeted.records) {
    if (r.origin != "astar-unconfirmed") continue;
    ++refused;
    EXPECT_GE(r.repeat_of, 0);
    EXPECT_GT(held_out_drop(r.arch), 30.0);
  }
  EXPECT_GE(refused, 1);
}

TEST(AStarTest, RejectsBadOptionsAndSpacesWithoutAReductionGraph) {
  ToySpace space(4, 4);
  {
    ConfigErrors errors;
    const nlohmann::json config = nlohmann::json::object();
    Options opts(config, "strategy", errors, nullptr);
    MakeAStar(opts, {&space, kScore, 1, {}, {}});
    ASSERT_EQ(errors.Messages().size(), 1U);
    EXPECT_NE(errors.Messages()[0].find("strategy: astar needs a goal"), std::string::npos)
        << errors.Messages()[0];
  }
  {
    ConfigErrors errors;
    const nlohmann::json config = {{"target", {{"metric", "flops"}, {"max", 3}, {"mx", 1}}},
                                   {"max_drop", -1}};
    Options opts(config, "strategy", errors, nullptr);
    MakeAStar(opts, {&space, kScore, 1, {}, {}});
    ASSERT_EQ(errors.Messages().size(), 3U);
    EXPECT_NE(errors.Messages()[0].find("strategy.target.metric"), std::string::npos);
    EXPECT_NE(errors.Messages()[0].find("params"), std::string::npos) << errors.Messages()[0];
    EXPECT_NE(errors.Messages()[1].find("strategy.target.mx: unknown key"), std::string::npos)
        << errors.Messages()[1];
    EXPECT_NE(errors.Messages()[2].find("strategy.max_drop"), std::string::npos);
  }
  {
    // A cost below zero is no target: no architecture could reach it.
    ConfigErrors errors;
    const nlohmann::json config = {{"target", {{"max", -5}}}, {"max_drop", 1.0}};
    Options opts(config, "strategy", errors, nullptr);
    MakeAStar(opts, {&space, kScore, 1, {}, {}});
    ASSERT_EQ(errors.Messages().size(), 1U);
    EXPECT_NE(errors.Messages()[0].find("strategy.target.max: expected a number >= 0"),
              std::string::npos)
        << errors.Messages()[0];
  }
  {
    // A confirming objective must be one of the experiment's after the first, with max_drop.
    ConfigErrors errors;
    const nlohmann::json config = {{"max_drop", 1.0}, {"confirm", "held_out"}};
    Options opts(config, "strategy", errors, nullptr);
    MakeAStar(opts, {&space, kScore, 1, {}, {}});
    ASSERT_EQ(errors.Messages().size(), 1U);
    EXPECT_NE(errors.Messages()[0].find("strategy.confirm: 'held_out' is not one of the "
                                        "experiment's objectives"),
              std::string::npos)
        << errors.Messages()[0];
    ConfigErrors no_budget;
    const nlohmann::json target = {{"target", {{"max", 3}}}, {"confirm", "held_out"}};
    Options target_opts(target, "strategy", no_budget, nullptr);
    MakeAStar(target_opts,
              {&space, {{"score", Goal::kMaximize}, {"held_out", Goal::kMaximize}}, 1, {}, {}});
    ASSERT_EQ(no_budget.Messages().size(), 1U);
    EXPECT_NE(no_budget.Messages()[0].find("strategy.confirm: needs max_drop"), std::string::npos)
        << no_budget.Messages()[0];
  }
}

TEST(Nb201ReductionsTest, LargestAndReductions) {
  auto space = nb201::MakeSpace({});
  const Architecture largest = *space->Largest();
  EXPECT_EQ(space->Format(largest),
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|"
            "nor_conv_3x3~2|");
  // Nothing costs more.
  for (const Architecture& arch : space->Enumerate()) {
    ASSERT_LE(space->Cost(arch).at("flops"), space->Cost(largest).at("flops"));
  }
  // Any cheaper op on one edge: 4 per conv3x3 edge.
  const std::vector<Architecture> from_largest = space->Reductions(largest);
  EXPECT_EQ(from_largest.size(), 24U);
  const Architecture mixed = space->Parse(
      "|nor_conv_1x1~0|+|avg_pool_3x3~0|skip_connect~1|+|none~0|nor_conv_3x3~1|none~2|");
  std::vector<std::string> texts;
  for (const Architecture& a : space->Reductions(mixed)) texts.push_back(space->Format(a));
  const std::vector<std::string> expected = {
      "|avg_pool_3x3~0|+|avg_pool_3x3~0|skip_connect~1|+|none~0|nor_conv_3x3~1|none~2|",
      "|skip_connect~0|+|avg_pool_3x3~0|skip_connect~1|+|none~0|nor_conv_3x3~1|none~2|",
      "|none~0|+|avg_pool_3x3~0|skip_connect~1|+|none~0|nor_conv_3x3~1|none~2|",
      "|nor_conv_1x1~0|+|skip_connect~0|skip_connect~1|+|none~0|nor_conv_3x3~1|none~2|",
      "|nor_conv_1x1~0|+|none~0|skip_connect~1|+|none~0|nor_conv_3x3~1|none~2|",
      "|nor_conv_1x1~0|+|avg_pool_3x3~0|none~1|+|none~0|nor_conv_3x3~1|none~2|",
      "|nor_conv_1x1~0|+|avg_pool_3x3~0|skip_connect~1|+|none~0|nor_conv_1x1~1|none~2|",
      "|nor_conv_1x1~0|+|avg_pool_3x3~0|skip_connect~1|+|none~0|avg_pool_3x3~1|none~2|",
      "|nor_conv_1x1~0|+|avg_pool_3x3~0|skip_connect~1|+|none~0|skip_connect~1|none~2|",
      "|nor_conv_1x1~0|+|avg_pool_3x3~0|skip_connect~1|+|none~0|none~1|none~2|",
  };
  EXPECT_EQ(texts, expected);
  for (const Architecture& a : space->Reductions(mixed)) {
    EXPECT_LE(space->Cost(a).at("flops"), space->Cost(mixed).at("flops"));
    EXPECT_LE(space->Cost(a).at("params"), space->Cost(mixed).at("params"));
  }
  EXPECT_TRUE(space->Reductions(Architecture{std::vector<int>(6, nb201::kNone)}).empty());
}

TEST(ReductionGraphTest, SpacesWithoutOneSaySo) {
  // A space that keeps the defaults.
  class Plain final : public SearchSpace {
   public:
    std::string Name() const override { return "plain"; }
    Architecture Sample(Rng&) const override { return {}; }
    Architecture Mutate(const Architecture& a, Rng&) const override { return a; }
    std::vector<Architecture> Neighbours(const Architecture&) const override { return {}; }
    std::optional<std::uint64_t> Size() const override { return 1; }
    std::vector<Architecture> Enumerate() const override { return {{}}; }
    Architecture Parse(std::string_view) const override { return {}; }
    std::string Format(const Architecture&) const override { return ""; }
    bool Contains(const Architecture&) const override { return true; }
    bool IsValid(const Architecture&) const override { return true; }
    LabeledGraph Graph(const Architecture&) const override { return {}; }
    std::string CanonicalForm(const Architecture&) const override { return ""; }
    Encoding Encode(const Architecture&) const override { return {}; }
    std::vector<std::string> CostMetricNames() const override { return {"flops"}; }
  } plain;
  EXPECT_FALSE(plain.Largest().has_value());
  EXPECT_THROW(plain.Reductions({}), UserError);
  ConfigErrors errors;
  const nlohmann::json config = {{"target", {{"max", 3}}}};
  Options opts(config, "strategy", errors, nullptr);
  auto strategy = MakeAStar(opts, {&plain, kScore, 1, {}, {}});
  ASSERT_EQ(errors.Messages().size(), 1U);
  EXPECT_NE(errors.Messages()[0].find("space 'plain' has none"), std::string::npos);
  EXPECT_TRUE(strategy->Ask(4).empty());
}

}  // namespace
}  // namespace sculpt
