// Rng helpers: seed mixing, unbiased indices and save/restore.

#include "spaces/rng.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "spaces/errors.h"

namespace sculpt {
namespace {

TEST(RngTest, MixSeedIsSplitMix64) {
  // MixSeed(0, 0) is the first output of splitmix64 from state 0 (its published test value).
  EXPECT_EQ(MixSeed(0, 0), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(MixSeed(42, 7), MixSeed(42, 7));
  std::set<std::uint64_t> seeds;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    for (std::uint64_t stream = 0; stream < 50; ++stream) seeds.insert(MixSeed(seed, stream));
  }
  EXPECT_EQ(seeds.size(), 2500u);
}

TEST(RngTest, UniformIndexStaysInRangeAndHitsEveryValue) {
  Rng rng(1);
  for (int n : {1, 2, 3, 5, 7, 1000}) {
    std::vector<int> counts(n);
    for (int i = 0; i < 200 * n; ++i) {
      const int k = UniformIndex(rng, n);
      ASSERT_GE(k, 0);
      ASSERT_LT(k, n);
      ++counts[k];
    }
    for (int c : counts) EXPECT_GT(c, 100) << "n = " << n;  // 200 expected
  }
  EXPECT_THROW(UniformIndex(rng, 0), InternalError);
  for (int i = 0; i < 1000; ++i) {
    const double u = UniformUnit(rng);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

// UniformIndex is defined by plain rejection sampling over the engine's raw draws; its fast path
// must give exactly that sequence (stored experiments replay from it).
TEST(RngTest, UniformIndexIsRejectionSampling) {
  const auto reference = [](Rng& rng, int n) {
    const std::uint64_t range = static_cast<std::uint64_t>(n);
    const std::uint64_t limit = Rng::max() - (Rng::max() % range);
    std::uint64_t draw = rng();
    while (draw >= limit) draw = rng();
    return static_cast<int>(draw % range);
  };
  Rng fast(7);
  Rng slow(7);
  for (int n : {1, 2, 3, 5, 6, 1000, 1 << 30, 2147483647}) {
    for (int i = 0; i < 20000; ++i) ASSERT_EQ(UniformIndex(fast, n), reference(slow, n)) << n;
  }
}

TEST(RngTest, SaveRestoreRoundTrip) {
  Rng rng(99);
  for (int i = 0; i < 10; ++i) rng();
  const std::string state = SaveRng(rng);
  std::vector<std::uint64_t> first;
  for (int i = 0; i < 5; ++i) first.push_back(rng());
  Rng other(12345);
  RestoreRng(other, state);
  std::vector<std::uint64_t> again;
  for (int i = 0; i < 5; ++i) again.push_back(other());
  EXPECT_EQ(first, again);
  EXPECT_THROW(RestoreRng(other, "not a state"), UserError);
}

}  // namespace
}  // namespace sculpt
