#pragma once
// LabeledGraph: the graph view of an architecture as a plain value: a DAG whose nodes carry an
// operation label (input and output nodes included). Spaces produce it; predictors read it
// (adjacency + one-hot ops for graph convolutions); graph algorithms (Boost.Graph, hidden in
// labeled_graph.cc) answer topological questions about it.
// Thread-safety: a value type.

#include <string>
#include <utility>
#include <vector>

namespace sculpt {

struct LabeledGraph {
  // Label of each node, e.g. "input", "nor_conv_3x3", "output". Node 0 is the input, the last
  // node the output.
  std::vector<std::string> node_ops;
  // Directed edges (from, to).
  std::vector<std::pair<int, int>> edges;

  int NumNodes() const { return static_cast<int>(node_ops.size()); }
};

// Nodes in a topological order; throws InternalError if the graph has a cycle.
std::vector<int> TopologicalOrder(const LabeledGraph& graph);

// True if the graph has no directed cycle.
bool IsAcyclic(const LabeledGraph& graph);

// reachable[v] is true when v can be reached from `from` along directed edges (from included).
std::vector<bool> ReachableFrom(const LabeledGraph& graph, int from);

// reaches[v] is true when `to` can be reached from v (to included).
std::vector<bool> Reaching(const LabeledGraph& graph, int to);

}  // namespace sculpt
