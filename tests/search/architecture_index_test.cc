#include "search/architecture_index.h"

#include <gtest/gtest.h>

#include <map>

#include "spaces/rng.h"

namespace sculpt {
namespace {

TEST(ArchitectureIndexTest, NumbersInFirstSeenOrderAndFindsAgain) {
  ArchitectureIndex index;
  EXPECT_EQ(index.Insert({{1, 2, 3}}), std::make_pair(std::size_t{0}, true));
  EXPECT_EQ(index.Insert({{3, 2, 1}}), std::make_pair(std::size_t{1}, true));
  EXPECT_EQ(index.Insert({{1, 2, 3}}), std::make_pair(std::size_t{0}, false));
  // Same choices, other length: another architecture.
  EXPECT_EQ(index.Insert({{1, 2}}), std::make_pair(std::size_t{2}, true));
  EXPECT_EQ(index.Insert({{}}), std::make_pair(std::size_t{3}, true));
  EXPECT_EQ(index.Insert({{}}), std::make_pair(std::size_t{3}, false));
  EXPECT_EQ(index.size(), 4U);
  EXPECT_EQ(index.at(1), (Architecture{{3, 2, 1}}));
}

// Many architectures (the table grows several times) against a std::map doing the same job.
TEST(ArchitectureIndexTest, AgreesWithAnOrderedMapThroughGrowth) {
  ArchitectureIndex index;
  std::map<Architecture, std::size_t> expected;
  Rng rng(3);
  for (int i = 0; i < 50'000; ++i) {
    Architecture arch;
    for (int k = 0; k < 6; ++k) arch.choices.push_back(UniformIndex(rng, 7));
    const auto [it, is_new] = expected.try_emplace(arch, expected.size());
    ASSERT_EQ(index.Insert(arch), std::make_pair(it->second, is_new)) << i;
  }
  ASSERT_EQ(index.size(), expected.size());
  for (const auto& [arch, id] : expected) EXPECT_EQ(index.at(id), arch);
}

}  // namespace
}  // namespace sculpt
