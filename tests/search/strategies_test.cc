#include <gtest/gtest.h>

#include "search/strategies.h"
#include "tests/search/toy_space.h"

namespace sculpt {
namespace {

using testing::ToySpace;

std::unique_ptr<Strategy> Build(const std::string& type, const SearchSpace& space,
                                const nlohmann::json& options, ConfigErrors& errors) {
  Options opts(options, "strategy", errors, nullptr);
  StrategyContext context{&space, {{"score", Goal::kMaximize}}, 42, {}, {}};
  return type == "random" ? MakeRandomSearch(opts, context) : MakeRegularizedEvolution(opts, context);
}

// Feeds a strategy synthetic results: score = sum of squares of choices.
std::vector<Observation> Answer(const std::vector<Proposal>& proposals, std::int64_t& step) {
  std::vector<Observation> observations;
  for (const Proposal& p : proposals) {
    double score = 0;
    for (int c : p.arch.choices) score += c * c;
    observations.push_back({step++, p.arch, CandidateStatus::kOk, {score}, false});
  }
  return observations;
}

TEST(RegularizedEvolutionTest, StartsRandomThenMutatesTournamentWinners) {
  ToySpace space(6, 5);
  ConfigErrors errors;
  auto strategy = Build("regularized_evolution", space, {{"population", 4}, {"sample", 2}}, errors);
  ASSERT_TRUE(errors.Empty());
  std::int64_t step = 0;
  std::vector<Observation> told;
  for (int round = 0; round < 10; ++round) {
    std::vector<Proposal> proposals = strategy->Ask(2);
    ASSERT_EQ(proposals.size(), 2U);
    for (const Proposal& p : proposals) {
      EXPECT_TRUE(space.Contains(p.arch));
      if (round < 2) {
        EXPECT_EQ(p.origin, "random");
      } else {
        EXPECT_EQ(p.origin, "mutation");
        ASSERT_GE(p.parent, 0);
        // A child differs from its parent in exactly one position.
        const Architecture& parent = told.at(static_cast<std::size_t>(p.parent)).arch;
        int differences = 0;
        for (std::size_t i = 0; i < parent.choices.size(); ++i) {
          differences += parent.choices[i] != p.arch.choices[i] ? 1 : 0;
        }
        EXPECT_EQ(differences, 1);
      }
    }
    auto observations = Answer(proposals, step);
    told.insert(told.end(), observations.begin(), observations.end());
    strategy->Tell(observations);
  }
}

TEST(RegularizedEvolutionTest, InfeasibleResultsDoNotJoinThePopulation) {
  ToySpace space(6, 5);
  ConfigErrors errors;
  auto strategy = Build("regularized_evolution", space, {{"population", 3}, {"sample", 2}}, errors);
  std::int64_t step = 0;
  for (int i = 0; i < 5; ++i) {
    auto proposals = strategy->Ask(1);
    EXPECT_EQ(proposals.front().origin, "random");
    strategy->Tell({{step++, proposals.front().arch, CandidateStatus::kInfeasible, {}, false}});
  }
}

TEST(RegularizedEvolutionTest, SaveAndRestoreContinueIdentically) {
  ToySpace space(6, 5);
  ConfigErrors errors;
  auto original = Build("regularized_evolution", space, {{"population", 5}, {"sample", 3}}, errors);
  std::int64_t step = 0;
  for (int i = 0; i < 8; ++i) original->Tell(Answer(original->Ask(2), step));

  auto restored = Build("regularized_evolution", space, {{"population", 5}, {"sample", 3}}, errors);
  restored->RestoreState(nlohmann::json::parse(original->SaveState().dump()));
  std::int64_t step_a = step, step_b = step;
  for (int i = 0; i < 5; ++i) {
    auto a = original->Ask(3);
    auto b = restored->Ask(3);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t j = 0; j < a.size(); ++j) {
      EXPECT_EQ(a[j].arch, b[j].arch);
      EXPECT_EQ(a[j].parent, b[j].parent);
    }
    original->Tell(Answer(a, step_a));
    restored->Tell(Answer(b, step_b));
  }
}

TEST(RegularizedEvolutionTest, AskIntoReusedProposalsEqualsAsk) {
  ToySpace space(6, 5);
  ConfigErrors errors;
  auto plain = Build("regularized_evolution", space, {{"population", 4}, {"sample", 2}}, errors);
  auto reusing = Build("regularized_evolution", space, {{"population", 4}, {"sample", 2}}, errors);
  ASSERT_TRUE(errors.Empty());
  std::int64_t plain_step = 0;
  std::int64_t reusing_step = 0;
  // Stale proposals of another size and content, as the engine hands them back.
  std::vector<Proposal> reused(7, Proposal{Architecture{{9, 9}}, "stale", 123});
  for (int round = 0; round < 12; ++round) {
    const int count = 1 + round % 4;
    const std::vector<Proposal> expected = plain->Ask(count);
    reusing->AskInto(count, reused);
    ASSERT_EQ(reused.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(reused[i].arch, expected[i].arch);
      EXPECT_EQ(reused[i].origin, expected[i].origin);
      EXPECT_EQ(reused[i].parent, expected[i].parent);
    }
    plain->Tell(Answer(expected, plain_step));
    reusing->Tell(Answer(reused, reusing_step));
  }
}

TEST(RandomSearchTest, SaveAndRestoreContinueIdentically) {
  ToySpace space(6, 5);
  ConfigErrors errors;
  auto original = Build("random", space, nlohmann::json::object(), errors);
  original->Ask(7);
  auto restored = Build("random", space, nlohmann::json::object(), errors);
  restored->RestoreState(original->SaveState());
  auto a = original->Ask(5);
  auto b = restored->Ask(5);
  for (std::size_t j = 0; j < a.size(); ++j) EXPECT_EQ(a[j].arch, b[j].arch);
}

TEST(RegularizedEvolutionTest, RejectsBadOptions) {
  ToySpace space(6, 5);
  ConfigErrors errors;
  Build("regularized_evolution", space, {{"population", -3}, {"sample", 0}}, errors);
  ASSERT_EQ(errors.Messages().size(), 2U);
  EXPECT_EQ(errors.Messages()[0], "strategy.population: expected an integer in [2, 1000000], got -3");
  EXPECT_EQ(errors.Messages()[1], "strategy.sample: expected an integer in [1, 1000000], got 0");
}

TEST(RegularizedEvolutionTest, SampleLargerThanPopulationIsAnError) {
  ToySpace space(6, 5);
  ConfigErrors errors;
  Build("regularized_evolution", space, {{"population", 3}, {"sample", 5}}, errors);
  ASSERT_EQ(errors.Messages().size(), 1U);
  EXPECT_EQ(errors.Messages()[0], "strategy.sample: must not exceed population (3), got 5");
}

}  // namespace
}  // namespace sculpt
