#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "search/strategies.h"
#include "spaces/nb201.h"
#include "tests/search/small_prune_space.h"
#include "tests/search/toy_space.h"

namespace sculpt {
namespace {

std::unique_ptr<Strategy> BuildExhaustive(const SearchSpace& space,
                                          std::vector<Constraint> constraints,
                                          ConfigErrors& errors) {
  Options options(nlohmann::json::object(), "strategy", errors, nullptr);
  StrategyContext context{&space, {{"score", Goal::kMaximize}}, 42, std::move(constraints), {}};
  return MakeExhaustive(options, context);
}

// Everything a strategy proposes until it has nothing left, `batch` at a time.
std::vector<Architecture> Drain(Strategy& strategy, int batch) {
  std::vector<Architecture> all;
  for (std::vector<Proposal> proposals = strategy.Ask(batch); !proposals.empty();
       proposals = strategy.Ask(batch)) {
    EXPECT_LE(static_cast<int>(proposals.size()), batch);
    for (Proposal& p : proposals) {
      EXPECT_EQ(p.origin, "exhaustive");
      all.push_back(std::move(p.arch));
    }
  }
  return all;
}

// nb201's decisions are free (6 edges of 5 ops), so the members are counted off, not listed;
// some cells have no path from input to output and compute nothing.
TEST(ExhaustiveTest, ProposesEveryValidMemberOnceThenStops) {
  const auto space = nb201::MakeSpace({});
  ConfigErrors errors;
  auto strategy = BuildExhaustive(*space, {}, errors);
  ASSERT_TRUE(errors.Empty());
  const std::vector<Architecture> proposed = Drain(*strategy, 97);
  std::set<Architecture> expected;
  for (const Architecture& arch : space->Enumerate()) {
    if (space->IsValid(arch)) expected.insert(arch);
  }
  ASSERT_LT(expected.size(), 15625U);  // the invalid cells are really skipped
  EXPECT_EQ(proposed.size(), expected.size());
  EXPECT_EQ(std::set<Architecture>(proposed.begin(), proposed.end()), expected);
}

TEST(ExhaustiveTest, ProposesOnlyMembersWithinTheConstraints) {
  testing::ToySpace space(4, 5);  // no free decisions: its members are listed
  ConfigErrors errors;
  auto strategy = BuildExhaustive(space, {{"params", 3.0, 6.0}}, errors);
  ASSERT_TRUE(errors.Empty());
  const std::vector<Architecture> proposed = Drain(*strategy, 10);
  std::set<Architecture> expected;
  for (const Architecture& arch : space.Enumerate()) {
    const double params = space.Cost(arch).at("params");
    if (params >= 3 && params <= 6) expected.insert(arch);
  }
  EXPECT_EQ(proposed.size(), expected.size());
  EXPECT_EQ(std::set<Architecture>(proposed.begin(), proposed.end()), expected);
}

TEST(ExhaustiveTest, SaveAndRestoreContinueWhereItStopped) {
  const auto space = nb201::MakeSpace({});
  ConfigErrors errors;
  auto original = BuildExhaustive(*space, {}, errors);
  const std::vector<Proposal> first = original->Ask(500);
  auto restored = BuildExhaustive(*space, {}, errors);
  restored->RestoreState(original->SaveState());
  const std::vector<Architecture> rest = Drain(*original, 300);
  EXPECT_EQ(Drain(*restored, 300), rest);
  // Together, the first batch and the rest are every member once.
  std::set<Architecture> all(rest.begin(), rest.end());
  for (const Proposal& p : first) EXPECT_TRUE(all.insert(p.arch).second);
}

// A space whose members can only be listed (the prune space names no free decisions), too
// large to list: a config error naming the strategy's block, not an allocation that never ends.
TEST(ExhaustiveTest, ASpaceTooLargeToListIsAConfigError) {
  const auto space = testing::InMemoryPruneSpace(  // 36 units: 2^36 masks
      6, "d64|h4:f128|h4:f128|h4:f128|h4:f128|h4:f128|h4:f128", 2);
  ASSERT_TRUE(space->Decisions().empty());
  ConfigErrors errors;
  EXPECT_EQ(BuildExhaustive(*space, {}, errors), nullptr);
  ASSERT_EQ(errors.Messages().size(), 1U);
  EXPECT_NE(errors.Messages()[0].find("strategy: exhaustive needs every member"),
            std::string::npos)
      << errors.Messages()[0];
}

}  // namespace
}  // namespace sculpt
