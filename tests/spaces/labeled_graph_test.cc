// Graph algorithms over LabeledGraph.

#include "spaces/labeled_graph.h"

#include <gtest/gtest.h>

#include <vector>

#include "spaces/errors.h"

namespace sculpt {
namespace {

// 0 -> 1 -> 3, 0 -> 2, 4 -> 3 (4 is not reachable from the input; 2 does not reach 3).
LabeledGraph Diamondish() {
  LabeledGraph graph;
  graph.node_ops = {"input", "a", "b", "output", "c"};
  graph.edges = {{0, 1}, {1, 3}, {0, 2}, {4, 3}};
  return graph;
}

TEST(LabeledGraphTest, TopologicalOrderRespectsEveryEdge) {
  const LabeledGraph graph = Diamondish();
  const std::vector<int> order = TopologicalOrder(graph);
  ASSERT_EQ(order.size(), 5u);
  std::vector<int> position(5);
  for (int i = 0; i < 5; ++i) position[order[i]] = i;
  for (const auto& [from, to] : graph.edges) EXPECT_LT(position[from], position[to]);
  EXPECT_TRUE(IsAcyclic(graph));
}

TEST(LabeledGraphTest, CyclesAreDetected) {
  LabeledGraph graph = Diamondish();
  graph.edges.emplace_back(3, 0);
  EXPECT_FALSE(IsAcyclic(graph));
  EXPECT_THROW(TopologicalOrder(graph), InternalError);
}

TEST(LabeledGraphTest, Reachability) {
  const LabeledGraph graph = Diamondish();
  EXPECT_EQ(ReachableFrom(graph, 0), std::vector<bool>({true, true, true, true, false}));
  EXPECT_EQ(Reaching(graph, 3), std::vector<bool>({true, true, false, true, true}));
  EXPECT_EQ(ReachableFrom(graph, 2), std::vector<bool>({false, false, true, false, false}));
}

TEST(LabeledGraphTest, BadEdgeIsABug) {
  LabeledGraph graph = Diamondish();
  graph.edges.emplace_back(0, 9);
  EXPECT_THROW(IsAcyclic(graph), InternalError);
}

}  // namespace
}  // namespace sculpt
