#include "spaces/labeled_graph.h"

#include <iterator>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <boost/graph/topological_sort.hpp>

#include "spaces/errors.h"

namespace sculpt {
namespace {

using BoostGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;

BoostGraph ToBoost(const LabeledGraph& graph) {
  BoostGraph g(graph.NumNodes());
  for (const auto& [from, to] : graph.edges) {
    SCULPT_ASSERT(from >= 0 && from < graph.NumNodes() && to >= 0 && to < graph.NumNodes(),
                  "edge endpoint out of range");
    boost::add_edge(from, to, g);
  }
  return g;
}

template <class Graph>
std::vector<bool> Reach(const Graph& g, int start) {
  std::vector<boost::default_color_type> colors(boost::num_vertices(g), boost::white_color);
  boost::breadth_first_search(
      g, boost::vertex(start, g),
      boost::visitor(boost::default_bfs_visitor())
          .color_map(boost::make_iterator_property_map(colors.begin(),
                                                       boost::get(boost::vertex_index, g))));
  std::vector<bool> reached(colors.size());
  for (std::size_t v = 0; v < colors.size(); ++v) reached[v] = colors[v] != boost::white_color;
  return reached;
}

}  // namespace

std::vector<int> TopologicalOrder(const LabeledGraph& graph) {
  const BoostGraph g = ToBoost(graph);
  std::vector<BoostGraph::vertex_descriptor> reversed;
  try {
    boost::topological_sort(g, std::back_inserter(reversed));
  } catch (const boost::not_a_dag&) {
    SCULPT_ASSERT(false, "architecture graph has a cycle");
  }
  return std::vector<int>(reversed.rbegin(), reversed.rend());
}

bool IsAcyclic(const LabeledGraph& graph) {
  const BoostGraph g = ToBoost(graph);
  std::vector<BoostGraph::vertex_descriptor> order;
  try {
    boost::topological_sort(g, std::back_inserter(order));
  } catch (const boost::not_a_dag&) {
    return false;
  }
  return true;
}

std::vector<bool> ReachableFrom(const LabeledGraph& graph, int from) {
  return Reach(ToBoost(graph), from);
}

std::vector<bool> Reaching(const LabeledGraph& graph, int to) {
  const BoostGraph g = ToBoost(graph);
  return Reach(boost::make_reverse_graph(g), to);
}

}  // namespace sculpt
