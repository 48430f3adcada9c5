// The nb201 space: string form, moves, sampling, validity, graph view and encodings.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "spaces/errors.h"
#include "spaces/nb201.h"

namespace sculpt::nb201 {
namespace {

constexpr const char* kExample =
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|skip_connect~0|none~1|avg_pool_3x3~2|";

class Nb201SpaceTest : public ::testing::Test {
 protected:
  std::unique_ptr<SearchSpace> space_ = MakeSpace(Skeleton{});
};

// Number of positions where two cells differ.
int Edits(const Architecture& a, const Architecture& b) {
  int edits = 0;
  for (std::size_t i = 0; i < a.choices.size(); ++i) edits += a.choices[i] != b.choices[i];
  return edits;
}

TEST_F(Nb201SpaceTest, NameAndSize) {
  EXPECT_EQ(space_->Name(), "nb201");
  EXPECT_EQ(space_->Size(), std::optional<std::uint64_t>(15625));
}

TEST_F(Nb201SpaceTest, EnumerateIsEveryCellOnceInLexicographicOrder) {
  const std::vector<Architecture> all = space_->Enumerate();
  ASSERT_EQ(all.size(), 15625u);
  EXPECT_EQ(all.front().choices, std::vector<int>({0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(all[1].choices, std::vector<int>({0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(all.back().choices, std::vector<int>({4, 4, 4, 4, 4, 4}));
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  for (const Architecture& arch : all) ASSERT_TRUE(space_->Contains(arch));
}

TEST_F(Nb201SpaceTest, ParsesTheNasBench201StringForm) {
  const Architecture arch = space_->Parse(kExample);
  EXPECT_EQ(arch.choices,
            std::vector<int>({kConv3x3, kConv1x1, kSkipConnect, kSkipConnect, kNone, kAvgPool3x3}));
  EXPECT_EQ(space_->Format(arch), kExample);
  EXPECT_EQ(space_->Format(Architecture{{0, 0, 0, 0, 0, 0}}),
            "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|");
}

TEST_F(Nb201SpaceTest, StringRoundTripOfEveryCell) {
  std::set<std::string> texts;
  for (const Architecture& arch : space_->Enumerate()) {
    const std::string text = space_->Format(arch);
    ASSERT_EQ(space_->Parse(text), arch) << text;
    texts.insert(text);
  }
  EXPECT_EQ(texts.size(), 15625u);
}

struct BadString {
  std::string text;
  std::vector<std::string> expected;  // substrings of the message
};

TEST_F(Nb201SpaceTest, ParseErrorsSayWhatIsWrongAndWhatIsAllowed) {
  const std::vector<BadString> cases = {
      {"",
       {"invalid nb201 architecture ''", "expected 3 nodes separated by '+', got 1",
        "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|"}},
      {"|none~0|+|none~0|none~1|", {"expected 3 nodes separated by '+', got 2"}},
      {"|none~0|+|none~0|none~1|+|none~0|none~1|none~2|+|none~0|", {"got 4"}},
      {"|conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",
       {"unknown op 'conv_3x3' on edge 0->1", "did you mean 'nor_conv_3x3'?",
        "(ops: none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3)"}},
      {"|none~0|+|none~0|none~1|+|none~0|none~1|zero~2|",
       {"unknown op 'zero' on edge 2->3", "ops: none, skip_connect"}},
      {"|none~0|+|none~0|avg_pool3x3~1|+|none~0|none~1|none~2|",
       {"unknown op 'avg_pool3x3' on edge 1->2; did you mean 'avg_pool_3x3'?"}},
      {"|none~0|+|none~0|none~1|+|skip~0|none~1|none~2|",
       {"unknown op 'skip' on edge 0->3; did you mean 'skip_connect'?"}},
      {"|none~0|+|none~0|none~1|+|Nor_Conv_3x3~0|none~1|none~2|",
       {"unknown op 'Nor_Conv_3x3'", "did you mean 'nor_conv_3x3'?"}},
      {"|none~0|+|none~0|+|none~0|none~1|none~2|",
       {"node 2 '|none~0|' must list 2 inputs (one op from each of nodes 0..1), got 1"}},
      {"|none~0|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
       {"node 1 '|none~0|none~0|' must list 1 input", "got 2"}},
      {"|none~1|+|none~0|none~1|+|none~0|none~1|none~2|",
       {"node 1 '|none~1|': entry 1 reads from node '1', expected 0"}},
      {"|none~0|+|none~1|none~0|+|none~0|none~1|none~2|",
       {"entry 1 reads from node '1', expected 0", "in order"}},
      {"|none~0|+|none~0|none~01|+|none~0|none~1|none~2|", {"reads from node '01', expected 1"}},
      {"|none~0|+|none~0|none~1|+|none~0|none~1|none~|", {"reads from node '', expected 2"}},
      {"none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
       {"node 1 'none~0|' must start and end with '|'"}},
      {"|none~0|+|none~0|none~1|+|none~0|none~1|none~2| ", {"must start and end with '|'"}},
      {"|none0|+|none~0|none~1|+|none~0|none~1|none~2|", {"entry 'none0' is not 'op~input'"}},
      {"|none~0|+||+|none~0|none~1|none~2|", {"node 2 '||' must list 2 inputs"}},
  };
  for (const BadString& bad : cases) {
    try {
      space_->Parse(bad.text);
      ADD_FAILURE() << "parsed '" << bad.text << "'";
    } catch (const UserError& e) {
      for (const std::string& part : bad.expected) {
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
            << "message: " << e.what() << "\nexpected to contain: " << part;
      }
    }
  }
}

TEST_F(Nb201SpaceTest, ContainsChecksLengthAndRange) {
  EXPECT_TRUE(space_->Contains(Architecture{{0, 1, 2, 3, 4, 0}}));
  EXPECT_FALSE(space_->Contains(Architecture{{0, 1, 2, 3, 4}}));
  EXPECT_FALSE(space_->Contains(Architecture{{0, 1, 2, 3, 4, 0, 0}}));
  EXPECT_FALSE(space_->Contains(Architecture{{0, 1, 2, 3, 5, 0}}));
  EXPECT_FALSE(space_->Contains(Architecture{{0, -1, 2, 3, 4, 0}}));
  try {
    space_->Format(Architecture{{0, 1, 7}});
    ADD_FAILURE() << "formatted a non-member";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(),
                 "architecture [0,1,7] is not an nb201 cell: expected 6 choices, each an op index "
                 "in 0..4 (none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3)");
  }
  Rng rng(1);
  EXPECT_THROW(space_->Mutate(Architecture{{9, 9, 9, 9, 9, 9}}, rng), UserError);
  EXPECT_THROW(space_->CanonicalForm(Architecture{}), UserError);
}

TEST_F(Nb201SpaceTest, SampleIsUniformOverAllCells) {
  // Chi-squared over all 15,625 cells with 10 expected draws each: the statistic has mean
  // 15,624 and standard deviation sqrt(2 * 15,624) ~ 177 under uniformity.
  constexpr int kPerCell = 10;
  Rng rng(20240601);
  std::map<Architecture, int> counts;
  for (int i = 0; i < 15625 * kPerCell; ++i) {
    const Architecture arch = space_->Sample(rng);
    ASSERT_TRUE(space_->Contains(arch));
    ++counts[arch];
  }
  EXPECT_GT(counts.size(), 15600u);  // P(a cell is missed) = e^-10
  double chi2 = 0;
  for (const Architecture& arch : space_->Enumerate()) {
    const double d = (counts.count(arch) ? counts[arch] : 0) - kPerCell;
    chi2 += d * d / kPerCell;
  }
  EXPECT_NEAR(chi2, 15624, 6 * 177);
}

TEST_F(Nb201SpaceTest, SampleIsDeterministicGivenTheSeed) {
  Rng a(7), b(7), c(8);
  std::vector<Architecture> from_a, from_b, from_c;
  for (int i = 0; i < 20; ++i) {
    from_a.push_back(space_->Sample(a));
    from_b.push_back(space_->Sample(b));
    from_c.push_back(space_->Sample(c));
  }
  EXPECT_EQ(from_a, from_b);
  EXPECT_NE(from_a, from_c);
}

TEST_F(Nb201SpaceTest, MutateIntoMakesTheSameEditInReusedStorage) {
  Rng a(11);
  Rng b(11);
  Architecture child{{4, 4, 4}};  // old content of another size: replaced
  for (int i = 0; i < 500; ++i) {
    const Architecture parent = space_->Sample(a);
    ASSERT_EQ(space_->Sample(b), parent);
    space_->MutateInto(parent, b, child);
    ASSERT_EQ(space_->Mutate(parent, a), child);
  }
  EXPECT_THROW(space_->MutateInto(child, a, child), InternalError);
}

TEST_F(Nb201SpaceTest, MutateMakesExactlyOneEditAndReachesEveryNeighbour) {
  Rng rng(3);
  for (int i = 0; i < 2000; ++i) {
    const Architecture parent = space_->Sample(rng);
    const Architecture child = space_->Mutate(parent, rng);
    ASSERT_TRUE(space_->Contains(child));
    ASSERT_EQ(Edits(parent, child), 1);
  }
  // From one parent, every one of its 24 neighbours comes up about equally often.
  const Architecture parent = space_->Parse(kExample);
  std::map<Architecture, int> counts;
  for (int i = 0; i < 24000; ++i) ++counts[space_->Mutate(parent, rng)];
  ASSERT_EQ(counts.size(), 24u);
  for (const auto& [child, count] : counts) {
    EXPECT_EQ(Edits(parent, child), 1);
    EXPECT_NEAR(count, 1000, 150) << space_->Format(child);
  }
}

TEST_F(Nb201SpaceTest, NeighboursAreTheTwentyFourSingleEditsInAFixedOrder) {
  const Architecture arch = space_->Parse(kExample);
  const std::vector<Architecture> neighbours = space_->Neighbours(arch);
  ASSERT_EQ(neighbours.size(), 24u);
  EXPECT_EQ(std::set<Architecture>(neighbours.begin(), neighbours.end()).size(), 24u);
  for (const Architecture& n : neighbours) {
    EXPECT_TRUE(space_->Contains(n));
    EXPECT_EQ(Edits(arch, n), 1);
  }
  // Edge by edge, ops in index order, the current op skipped.
  EXPECT_EQ(neighbours[0].choices, std::vector<int>({0, 2, 1, 1, 0, 4}));
  EXPECT_EQ(neighbours[3].choices, std::vector<int>({4, 2, 1, 1, 0, 4}));
  EXPECT_EQ(neighbours[23].choices, std::vector<int>({3, 2, 1, 1, 0, 3}));
  EXPECT_EQ(space_->Neighbours(arch), neighbours);
}

TEST_F(Nb201SpaceTest, IsValidWhenTheInputReachesTheOutput) {
  auto valid = [&](const char* text) { return space_->IsValid(space_->Parse(text)); };
  EXPECT_FALSE(valid("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"));
  EXPECT_TRUE(valid("|none~0|+|none~0|none~1|+|avg_pool_3x3~0|none~1|none~2|"));
  EXPECT_TRUE(valid("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|"));
  EXPECT_TRUE(valid(kExample));
  // Node 2 is computed but feeds nothing: the output only sees zeros.
  EXPECT_FALSE(valid("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|none~1|none~2|"));
  // Node 1 is zero (its only input edge is none), so the path 1 -> 2 -> 3 carries nothing.
  EXPECT_FALSE(valid("|none~0|+|none~0|nor_conv_3x3~1|+|none~0|skip_connect~1|skip_connect~2|"));
  EXPECT_TRUE(valid("|none~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|none~1|nor_conv_1x1~2|"));
  int num_valid = 0;
  for (const Architecture& arch : space_->Enumerate()) num_valid += space_->IsValid(arch);
  // Invalid cells, by hand: edge 0->3 must be none. If 0->1 is none (1-2 and 1-3 free: 25),
  // node 2 is live iff 0->2 is not none, so (0->2, 2->3) must avoid 4 * 4 of 25 pairs: 25 * 9.
  // Otherwise (4 ops on 0->1) 1->3 must be none, node 2 is dead only if 0->2 and 1->2 are both
  // none, so (0->2, 1->2, 2->3) must avoid 24 * 4 of 125 triples: 4 * 29. 225 + 116 = 341.
  EXPECT_EQ(num_valid, 15284);
}

TEST_F(Nb201SpaceTest, GraphViewIsTheEightNodeOpGraph) {
  const LabeledGraph graph = space_->Graph(space_->Parse(kExample));
  EXPECT_EQ(graph.node_ops,
            std::vector<std::string>({"input", "nor_conv_3x3", "nor_conv_1x1", "skip_connect",
                                      "skip_connect", "none", "avg_pool_3x3", "output"}));
  // The NASLib / CTNAS adjacency of NB201's op graph.
  const std::set<std::pair<int, int>> expected = {{0, 1}, {0, 2}, {0, 4}, {1, 3}, {1, 5},
                                                  {2, 6}, {3, 6}, {4, 7}, {5, 7}, {6, 7}};
  const std::set<std::pair<int, int>> actual(graph.edges.begin(), graph.edges.end());
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(graph.edges.size(), expected.size());
  for (const Architecture& arch : space_->Enumerate()) ASSERT_TRUE(IsAcyclic(space_->Graph(arch)));
  const std::vector<int> order = TopologicalOrder(graph);
  EXPECT_EQ(order.front(), 0);
  EXPECT_EQ(order.back(), 7);
}

TEST_F(Nb201SpaceTest, EncodingShapes) {
  const Encoding encoding = space_->Encode(space_->Parse(kExample));
  EXPECT_EQ(encoding.num_nodes, 8);
  EXPECT_EQ(encoding.num_op_types, 7);
  ASSERT_EQ(encoding.adjacency.size(), 64u);
  float edges = 0;
  for (float a : encoding.adjacency) edges += a;
  EXPECT_EQ(edges, 10.0f);
  EXPECT_EQ(encoding.adjacency[0 * 8 + 4], 1.0f);  // input -> op of edge 0->3
  EXPECT_EQ(encoding.adjacency[6 * 8 + 7], 1.0f);  // op of edge 2->3 -> output
  EXPECT_EQ(encoding.adjacency[7 * 8 + 0], 0.0f);
  // Vocabulary: input 0, output 1, op k -> 2 + k.
  EXPECT_EQ(encoding.node_ops, std::vector<int>({0, 5, 4, 3, 3, 2, 6, 1}));
  ASSERT_EQ(encoding.vector.size(), 30u);
  std::vector<float> one_hot(30, 0.0f);
  const std::vector<int> ops = {3, 2, 1, 1, 0, 4};
  for (int e = 0; e < 6; ++e) one_hot[e * 5 + ops[e]] = 1.0f;
  EXPECT_EQ(encoding.vector, one_hot);
  // Distinct cells have distinct vectors.
  std::set<std::vector<float>> vectors;
  for (const Architecture& arch : space_->Enumerate()) vectors.insert(space_->Encode(arch).vector);
  EXPECT_EQ(vectors.size(), 15625u);
}

}  // namespace
}  // namespace sculpt::nb201
