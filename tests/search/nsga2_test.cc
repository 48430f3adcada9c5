#include <gtest/gtest.h>

#include <map>
#include <set>

#include "search/pareto.h"
#include "search/strategies.h"
#include "tests/search/search_runner.h"
#include "tests/search/synthetic_nb201.h"
#include "tests/search/toy_space.h"

namespace sculpt {
namespace {

using testing::ToySpace;

const std::vector<Objective> kTwoObjectives = {{"score", Goal::kMaximize},
                                               {"params", Goal::kMinimize}};

std::unique_ptr<Strategy> Build(const SearchSpace& space, const nlohmann::json& options,
                                std::uint64_t seed = 11,
                                const std::vector<Objective>& objectives = kTwoObjectives) {
  return testing::BuildStrategy(MakeNsga2, space, objectives, options, seed);
}

// Oriented toy objectives: score = sum of squares (max), params = sum (min, negated).
std::vector<double> ToyObjectives(const Architecture& arch) {
  double squares = 0, sum = 0;
  for (int c : arch.choices) {
    squares += c * c;
    sum += c;
  }
  return {squares, -sum};
}

std::vector<Observation> Answer(const std::vector<Proposal>& proposals, std::int64_t& step,
                                CandidateStatus status = CandidateStatus::kOk) {
  std::vector<Observation> observations;
  for (const Proposal& p : proposals) {
    observations.push_back(
        {step++, p.arch, status,
         status == CandidateStatus::kOk ? ToyObjectives(p.arch) : std::vector<double>{}, false});
  }
  return observations;
}

TEST(Nsga2Test, GenerationsArePopulationProposalsAndBreedFromTellResults) {
  ToySpace space(6, 5);
  auto strategy = Build(space, {{"population", 5}});
  std::int64_t step = 0;
  // Generation 0: random, and never more than the generation holds.
  std::vector<Proposal> first = strategy->Ask(7);
  ASSERT_EQ(first.size(), 5U);
  for (const Proposal& p : first) EXPECT_EQ(p.origin, "random");
  strategy->Tell(Answer(first, step));
  // Generation 1 in batches of 3: 3 then the 2 left.
  std::vector<Proposal> a = strategy->Ask(3);
  strategy->Tell(Answer(a, step));
  std::vector<Proposal> b = strategy->Ask(3);
  ASSERT_EQ(a.size(), 3U);
  ASSERT_EQ(b.size(), 2U);
  for (const auto* batch : {&a, &b}) {
    for (const Proposal& p : *batch) {
      EXPECT_TRUE(p.origin == "mutation" || p.origin == "crossover") << p.origin;
      EXPECT_GE(p.parent, 0);
      EXPECT_LT(p.parent, 5);  // parents come from generation 0 only
      EXPECT_TRUE(space.Contains(p.arch));
    }
  }
  strategy->Tell(Answer(b, step));
  EXPECT_EQ(strategy->Ask(9).size(), 5U);
}

TEST(Nsga2Test, MutationOnlyChildrenDifferFromTheirParentInOneChoice) {
  ToySpace space(6, 5);
  auto strategy = Build(space, {{"population", 4}, {"crossover", 0.0}});
  std::int64_t step = 0;
  std::map<std::int64_t, Architecture> told;
  for (int generation = 0; generation < 5; ++generation) {
    std::vector<Proposal> proposals = strategy->Ask(4);
    for (const Proposal& p : proposals) {
      if (generation == 0) continue;
      EXPECT_EQ(p.origin, "mutation");
      const Architecture& parent = told.at(p.parent);
      int differences = 0;
      for (std::size_t i = 0; i < parent.choices.size(); ++i) {
        differences += parent.choices[i] != p.arch.choices[i] ? 1 : 0;
      }
      EXPECT_EQ(differences, 1);
    }
    const std::vector<Observation> observations = Answer(proposals, step);
    for (const Observation& o : observations) told[o.step] = o.arch;
    strategy->Tell(observations);
  }
}

TEST(Nsga2Test, CrossoverChildrenMixTwoParents) {
  ToySpace space(6, 5);
  auto strategy = Build(space, {{"population", 4}, {"crossover", 1.0}});
  std::int64_t step = 0;
  strategy->Tell(Answer(strategy->Ask(4), step));
  for (int generation = 0; generation < 3; ++generation) {
    const std::vector<Proposal> proposals = strategy->Ask(4);
    for (const Proposal& p : proposals) {
      EXPECT_EQ(p.origin, "crossover");
      EXPECT_TRUE(space.Contains(p.arch));
    }
    strategy->Tell(Answer(proposals, step));
  }
}

TEST(Nsga2Test, InfeasibleAndFailedResultsNeverEnterThePopulation) {
  ToySpace space(6, 5);
  auto strategy = Build(space, {{"population", 4}});
  std::int64_t step = 0;
  // A generation of nothing usable leaves no parents: the next one samples again.
  strategy->Tell(Answer(strategy->Ask(2), step, CandidateStatus::kInfeasible));
  strategy->Tell(Answer(strategy->Ask(2), step, CandidateStatus::kFailed));
  std::vector<Proposal> again = strategy->Ask(4);
  ASSERT_EQ(again.size(), 4U);
  for (const Proposal& p : again) EXPECT_EQ(p.origin, "random");
  // Now steps 4 and 6 fail; 5 and 7 are fine: every later parent is 5 or 7.
  std::vector<Observation> mixed = Answer(again, step);
  mixed[0].status = mixed[2].status = CandidateStatus::kInfeasible;
  mixed[0].objectives.clear();
  mixed[2].objectives.clear();
  strategy->Tell(mixed);
  for (int generation = 0; generation < 2; ++generation) {
    std::vector<Proposal> proposals = strategy->Ask(4);
    for (const Proposal& p : proposals) {
      if (generation == 0) {
        EXPECT_TRUE(p.parent == 5 || p.parent == 7) << p.parent;
      }
      EXPECT_NE(p.parent, 4);
      EXPECT_NE(p.parent, 6);
    }
    strategy->Tell(Answer(proposals, step, CandidateStatus::kFailed));
  }
}

TEST(Nsga2Test, SaveAndRestoreContinueIdentically) {
  ToySpace space(6, 5);
  auto original = Build(space, {{"population", 6}});
  std::int64_t step = 0;
  for (int i = 0; i < 7; ++i) original->Tell(Answer(original->Ask(4), step));  // mid-generation
  auto restored = Build(space, {{"population", 6}});
  restored->RestoreState(nlohmann::json::parse(original->SaveState().dump()));
  EXPECT_EQ(original->SaveState(), restored->SaveState());
  std::int64_t step_a = step, step_b = step;
  for (int i = 0; i < 6; ++i) {
    auto a = original->Ask(4);
    auto b = restored->Ask(4);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t j = 0; j < a.size(); ++j) {
      EXPECT_EQ(a[j].arch, b[j].arch);
      EXPECT_EQ(a[j].origin, b[j].origin);
      EXPECT_EQ(a[j].parent, b[j].parent);
    }
    original->Tell(Answer(a, step_a));
    restored->Tell(Answer(b, step_b));
  }
}

TEST(Nsga2Test, SameResultsWhateverTheWorkerCount) {
  auto space = nb201::MakeSpace({});
  testing::SyntheticNb201Evaluator evaluator(*space);
  const std::vector<Objective> objectives = {{"score", Goal::kMaximize},
                                             {"flops", Goal::kMinimize}};
  EngineOptions options;
  options.batch = 4;
  options.seed = 5;
  options.budget.evaluations = 60;
  options.budget.patience = 1000;
  const nlohmann::json config = {{"population", 8}};
  options.workers = 1;
  const testing::SearchRun serial =
      testing::RunStrategy(MakeNsga2, *space, evaluator, objectives, config, options);
  EXPECT_EQ(serial.summary.progress.evaluations, 60);
  options.workers = 3;
  testing::ExpectSameRun(
      serial, testing::RunStrategy(MakeNsga2, *space, evaluator, objectives, config, options));
}

// Hypervolume of the (score, -flops) points a run evaluated successfully.
double RunHypervolume(const testing::SearchRun& run, std::array<double, 2> reference) {
  std::vector<std::vector<double>> points;
  for (const CandidateRecord& r : run.records) {
    if (r.status != CandidateStatus::kOk || r.repeat_of >= 0) continue;
    points.push_back({r.metrics.at("score"), -r.metrics.at("flops")});
  }
  return Hypervolume2D(points, reference);
}

TEST(Nsga2Test, FindsABetterFrontThanRandomSearchOnNb201) {
  auto space = nb201::MakeSpace({});
  testing::SyntheticNb201Evaluator evaluator(*space);
  const std::vector<Objective> objectives = {{"score", Goal::kMaximize},
                                             {"flops", Goal::kMinimize}};
  const double largest = space->Cost(*space->Largest()).at("flops");
  const std::array<double, 2> reference = {10.0, -largest};
  double nsga2 = 0, random = 0;
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    EngineOptions options;
    options.batch = 10;
    options.seed = seed;
    options.budget.evaluations = 100;
    options.budget.patience = 1000;
    nsga2 += RunHypervolume(testing::RunStrategy(MakeNsga2, *space, evaluator, objectives,
                                                 {{"population", 20}}, options),
                            reference);
    random += RunHypervolume(testing::RunStrategy(MakeRandomSearch, *space, evaluator, objectives,
                                                  nlohmann::json::object(), options),
                             reference);
  }
  EXPECT_GT(nsga2, random);
}

TEST(Nsga2Test, WorksWithOneObjective) {
  ToySpace space(6, 5);  // best: every choice 4, score 6 * 16 * 1.5 = 144
  testing::ToyEvaluator evaluator(space);
  EngineOptions options;
  options.batch = 5;
  options.budget.evaluations = 120;
  options.budget.patience = 2000;
  const testing::SearchRun run = testing::RunStrategy(
      MakeNsga2, space, evaluator, {{"score", Goal::kMaximize}}, {{"population", 10}}, options);
  ASSERT_TRUE(run.summary.progress.best_objective.has_value());
  EXPECT_NEAR(*run.summary.progress.best_objective, 144.0, 0.01);
}

TEST(Nsga2Test, RejectsBadOptions) {
  ToySpace space(6, 5);
  ConfigErrors errors;
  const nlohmann::json config = {{"population", 1}, {"crossover", 1.5}};
  Options opts(config, "strategy", errors, nullptr);
  MakeNsga2(opts, {&space, kTwoObjectives, 1, {}, {}});
  ASSERT_EQ(errors.Messages().size(), 2U);
  EXPECT_EQ(errors.Messages()[0],
            "strategy.population: expected an integer in [2, 1000000], got 1");
  EXPECT_NE(errors.Messages()[1].find("strategy.crossover"), std::string::npos)
      << errors.Messages()[1];
}

}  // namespace
}  // namespace sculpt
