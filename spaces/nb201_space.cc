// The NAS-Bench-201 cell space: string form, sampling and moves, graph view and encodings.
// Costs live in nb201_cost.cc (latency_lut_ms in nb201_latency.cc), the canonical form in
// nb201_canonical.cc.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "spaces/counted.h"
#include "spaces/did_you_mean.h"
#include "spaces/errors.h"
#include "spaces/latency_table_option.h"
#include "spaces/nb201.h"
#include "spaces/nb201_latency.h"

namespace sculpt::nb201 {
namespace {

constexpr int kNumCells = 15625;  // kNumOps ^ kNumEdges
constexpr const char* kFormHint = "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|";

// Graph view: node 0 is the input, node 1 + e the op of edge e, the last node the output.
constexpr int kGraphNodes = kNumEdges + 2;
constexpr int kOutputNode = kGraphNodes - 1;

// Edges of the graph view, as CTNAS and NASLib encode NB201: the input feeds the ops of edges
// leaving cell node 0; the op of an edge into cell node j feeds the ops of edges leaving j, or
// the output when j is the last cell node.
std::vector<std::pair<int, int>> GraphEdges() {
  std::vector<std::pair<int, int>> edges;
  for (int e = 0; e < kNumEdges; ++e) {
    if (kEdges[e].from == 0) edges.emplace_back(0, 1 + e);
  }
  for (int e = 0; e < kNumEdges; ++e) {
    if (kEdges[e].to == kNumNodes - 1) {
      edges.emplace_back(1 + e, kOutputNode);
      continue;
    }
    for (int f = 0; f < kNumEdges; ++f) {
      if (kEdges[f].from == kEdges[e].to) edges.emplace_back(1 + e, 1 + f);
    }
  }
  return edges;
}

std::vector<std::string> OpNames() { return {kOpNames.begin(), kOpNames.end()}; }

// Ops from cheapest to most expensive (none < skip < avg_pool < conv1x1 < conv3x3), and each op's
// place in that order: the order of Reductions. Convs cost params and FLOPs by kernel size; the
// parameter-free ops tie in both, and are ordered by what they still cost at run time (pooling
// reads a 3x3 window, skip copies, none computes nothing).
constexpr std::array<int, kNumOps> kOpOfRank = {kNone, kSkipConnect, kAvgPool3x3, kConv1x1,
                                                kConv3x3};
constexpr std::array<int, kNumOps> kCostRank = [] {
  std::array<int, kNumOps> rank{};
  for (int r = 0; r < kNumOps; ++r) rank[kOpOfRank[r]] = r;
  return rank;
}();

// A likely intended op: a near miss by edit distance ("avg_pool3x3"), or else the one op whose
// name contains the word ("conv_3x3" or "skip" are NAS-Bench-201 names without their prefix or
// suffix, too far from the full name for an edit-distance guess).
std::string GuessOp(std::string_view word) {
  std::string guess = DidYouMean(word, OpNames());
  if (!guess.empty() || word.size() < 3) return guess;
  for (std::string_view name : kOpNames) {
    if (name.find(word) == std::string_view::npos) continue;
    if (!guess.empty()) return "";  // "conv" could be either conv
    guess = name;
  }
  return guess;
}

class Nb201Space final : public SearchSpace {
 public:
  Nb201Space(const Skeleton& skeleton, std::shared_ptr<const LatencyTable> latency_table)
      : skeleton_(skeleton), latency_table_(std::move(latency_table)), graph_edges_(GraphEdges()) {
    ValidateSkeleton(skeleton_);
    if (latency_table_) CheckTableSkeleton(*latency_table_, skeleton_, "given to the nb201 space");
  }

  std::string Name() const override { return "nb201"; }

  Architecture Sample(Rng& rng) const override {
    Architecture arch;
    arch.choices.resize(kNumEdges);
    for (int& op : arch.choices) op = UniformIndex(rng, kNumOps);
    return arch;
  }

  Architecture Mutate(const Architecture& arch, Rng& rng) const override {
    Architecture child;
    MutateInto(arch, rng, child);
    return child;
  }

  void MutateInto(const Architecture& arch, Rng& rng, Architecture& child) const override {
    CheckCell(arch);
    SCULPT_ASSERT(&child != &arch, "MutateInto needs a child distinct from its parent");
    child.choices.assign(arch.choices.begin(), arch.choices.end());
    const int edge = UniformIndex(rng, kNumEdges);
    // One of the other kNumOps - 1 ops, uniformly: skip over the current one.
    int op = UniformIndex(rng, kNumOps - 1);
    if (op >= arch.choices[edge]) ++op;
    child.choices[edge] = op;
  }

  std::vector<Architecture> Neighbours(const Architecture& arch) const override {
    CheckCell(arch);
    std::vector<Architecture> neighbours;
    neighbours.reserve(kNumEdges * (kNumOps - 1));
    for (int e = 0; e < kNumEdges; ++e) {
      for (int op = 0; op < kNumOps; ++op) {
        if (op == arch.choices[e]) continue;
        neighbours.push_back(arch);
        neighbours.back().choices[e] = op;
      }
    }
    return neighbours;
  }

  std::optional<std::uint64_t> Size() const override { return kNumCells; }

  // Lexicographic order of the choices (edge 0 most significant).
  std::vector<Architecture> Enumerate() const override {
    std::vector<Architecture> all;
    all.reserve(kNumCells);
    for (int index = 0; index < kNumCells; ++index) {
      Architecture arch;
      arch.choices.resize(kNumEdges);
      int rest = index;
      for (int e = kNumEdges - 1; e >= 0; --e) {
        arch.choices[e] = rest % kNumOps;
        rest /= kNumOps;
      }
      all.push_back(std::move(arch));
    }
    return all;
  }

  Architecture Parse(std::string_view text) const override;

  std::string Format(const Architecture& arch) const override {
    CheckCell(arch);
    std::string text;
    for (int e = 0; e < kNumEdges; ++e) {
      if (kEdges[e].from == 0) text += e == 0 ? "|" : "+|";
      text += kOpNames[arch.choices[e]];
      text += '~';
      text += std::to_string(kEdges[e].from);
      text += '|';
    }
    return text;
  }

  bool Contains(const Architecture& arch) const override {
    if (arch.choices.size() != static_cast<std::size_t>(kNumEdges)) return false;
    for (int op : arch.choices) {
      if (op < 0 || op >= kNumOps) return false;
    }
    return true;
  }

  // The input reaches the output through ops other than `none` (which outputs zeros).
  bool IsValid(const Architecture& arch) const override {
    LabeledGraph graph = Graph(arch);
    std::erase_if(graph.edges, [&](const std::pair<int, int>& edge) {
      return graph.node_ops[edge.first] == kOpNames[kNone] ||
             graph.node_ops[edge.second] == kOpNames[kNone];
    });
    return ReachableFrom(graph, 0)[kOutputNode];
  }

  LabeledGraph Graph(const Architecture& arch) const override {
    CheckCell(arch);
    LabeledGraph graph;
    graph.node_ops.reserve(kGraphNodes);
    graph.node_ops.emplace_back("input");
    for (int op : arch.choices) graph.node_ops.emplace_back(kOpNames[op]);
    graph.node_ops.emplace_back("output");
    graph.edges = graph_edges_;
    return graph;
  }

  std::string CanonicalForm(const Architecture& arch) const override {
    return nb201::CanonicalForm(arch);
  }

  // Node vocabulary: 0 input, 1 output, 2 + op for the op nodes. Vector: one-hot op per edge.
  // edge<k>: the k-th op of the string form (kEdges[k]: node from -> node to).
  std::vector<Decision> Decisions() const override {
    std::vector<Decision> decisions;
    for (int e = 0; e < kNumEdges; ++e) {
      decisions.push_back({"edge" + std::to_string(e),
                           std::vector<std::string>(kOpNames.begin(), kOpNames.end())});
    }
    return decisions;
  }

  Encoding Encode(const Architecture& arch) const override {
    CheckCell(arch);
    Encoding encoding;
    encoding.num_nodes = kGraphNodes;
    encoding.num_op_types = 2 + kNumOps;
    encoding.adjacency.assign(kGraphNodes * kGraphNodes, 0.0f);
    for (const auto& [from, to] : graph_edges_) encoding.adjacency[from * kGraphNodes + to] = 1.0f;
    encoding.node_ops.reserve(kGraphNodes);
    encoding.node_ops.push_back(0);
    for (int op : arch.choices) encoding.node_ops.push_back(2 + op);
    encoding.node_ops.push_back(1);
    encoding.vector.assign(kNumEdges * kNumOps, 0.0f);
    for (int e = 0; e < kNumEdges; ++e) encoding.vector[e * kNumOps + arch.choices[e]] = 1.0f;
    return encoding;
  }

  // Every edge a 3x3 conv: the most params and FLOPs of any cell.
  std::optional<Architecture> Largest() const override {
    return Architecture{std::vector<int>(kNumEdges, kConv3x3)};
  }

  // One edge's op replaced by ANY cheaper op of conv3x3 > conv1x1 > avg_pool > skip > none, not
  // only the next cheaper one: avg_pool, skip and none tie in params and FLOPs, so a next-cheaper
  // chain would make a search for fewer FLOPs pass through (and accept) an avg_pool cell before it
  // could reach the usually better skip; with any cheaper op every cell below `arch` in this order
  // is reachable in as many edits as edges differ. Order: edges in string order, then the target
  // op from the next cheaper down to none.
  std::vector<Architecture> Reductions(const Architecture& arch) const override {
    CheckCell(arch);
    std::vector<Architecture> reductions;
    for (int e = 0; e < kNumEdges; ++e) {
      for (int rank = kCostRank[arch.choices[e]] - 1; rank >= 0; --rank) {
        reductions.push_back(arch);
        reductions.back().choices[e] = kOpOfRank[rank];
      }
    }
    return reductions;
  }

  std::vector<std::string> CostMetricNames() const override {
    std::vector<std::string> names = {"params", "flops"};
    if (latency_table_) names.emplace_back(kLatencyLutMetric);
    return names;
  }

  Metrics Cost(const Architecture& arch) const override {
    Metrics cost = {{"params", CountParams(arch, skeleton_)},
                    {"flops", CountFlops(arch, skeleton_)}};
    if (latency_table_) cost[kLatencyLutMetric] = PredictLatencyMs(*latency_table_, arch);
    return cost;
  }

 private:
  Skeleton skeleton_;
  std::shared_ptr<const LatencyTable> latency_table_;  // null: no latency_lut_ms
  std::vector<std::pair<int, int>> graph_edges_;
};

Architecture Nb201Space::Parse(std::string_view text) const {
  auto error = [&](const std::string& problem) {
    return UserError("invalid nb201 architecture '" + std::string(text) + "': " + problem);
  };
  const std::string form = std::string(" (expected the NAS-Bench-201 form ") + kFormHint + ")";
  // Split into the groups of cell nodes 1..3, separated by '+'.
  std::vector<std::string_view> groups;
  for (std::size_t start = 0;;) {
    const std::size_t plus = text.find('+', start);
    groups.push_back(text.substr(start, plus == std::string_view::npos ? plus : plus - start));
    if (plus == std::string_view::npos) break;
    start = plus + 1;
  }
  if (groups.size() != static_cast<std::size_t>(kNumNodes - 1)) {
    throw error("expected " + std::to_string(kNumNodes - 1) + " nodes separated by '+', got " +
                std::to_string(groups.size()) + form);
  }
  Architecture arch;
  arch.choices.reserve(kNumEdges);
  for (int node = 1; node < kNumNodes; ++node) {
    const std::string_view group = groups[node - 1];
    const std::string where = "node " + std::to_string(node) + " '" + std::string(group) + "'";
    if (group.size() < 2 || group.front() != '|' || group.back() != '|') {
      throw error(where + " must start and end with '|'" + form);
    }
    std::vector<std::string_view> entries;
    const std::string_view inner = group.substr(1, group.size() - 2);
    for (std::size_t start = 0;;) {
      const std::size_t bar = inner.find('|', start);
      entries.push_back(inner.substr(start, bar == std::string_view::npos ? bar : bar - start));
      if (bar == std::string_view::npos) break;
      start = bar + 1;
    }
    if (entries.size() != static_cast<std::size_t>(node)) {
      throw error(where + " must list " + Counted(node, "input") +
                  " (one op from each of nodes 0.." + std::to_string(node - 1) + "), got " +
                  std::to_string(entries.size()) + form);
    }
    for (int from = 0; from < node; ++from) {
      const std::string_view entry = entries[from];
      const std::size_t tilde = entry.find('~');
      if (tilde == std::string_view::npos) {
        throw error(where + ": entry '" + std::string(entry) + "' is not 'op~input'" + form);
      }
      const std::string_view op_name = entry.substr(0, tilde);
      const std::string_view input = entry.substr(tilde + 1);
      if (input != std::to_string(from)) {
        throw error(where + ": entry " + std::to_string(from + 1) + " reads from node '" +
                    std::string(input) + "', expected " + std::to_string(from) +
                    " (a node lists its inputs 0.." + std::to_string(node - 1) + " in order)");
      }
      int op = 0;
      while (op < kNumOps && kOpNames[op] != op_name) ++op;
      if (op == kNumOps) {
        std::string problem = "unknown op '" + std::string(op_name) + "' on edge " +
                              std::to_string(from) + "->" + std::to_string(node);
        const std::string guess = GuessOp(op_name);
        if (!guess.empty()) problem += "; did you mean '" + guess + "'?";
        throw error(problem + " (ops: " + JoinNames(OpNames()) + ")");
      }
      arch.choices.push_back(op);
    }
  }
  return arch;
}

}  // namespace

void CheckBlock(int block) {
  if (block >= 0 && block < kNumBlocks) return;
  throw UserError("nb201 networks have blocks 0.." + std::to_string(kNumBlocks - 1) + ", not " +
                  std::to_string(block));
}

nlohmann::json SkeletonJson(const Skeleton& s) {
  return {{"channels", s.channels},
          {"cells_per_stage", s.cells_per_stage},
          {"input_channels", s.input_channels},
          {"input_size", s.input_size},
          {"classes", s.classes}};
}

void CheckCell(const Architecture& arch) {
  bool ok = arch.choices.size() == static_cast<std::size_t>(kNumEdges);
  for (int op : arch.choices) ok = ok && op >= 0 && op < kNumOps;
  if (ok) return;
  std::string shown;
  for (int op : arch.choices) {
    if (!shown.empty()) shown += ',';
    shown += std::to_string(op);
  }
  throw UserError("architecture [" + shown + "] is not an nb201 cell: expected " +
                  std::to_string(kNumEdges) + " choices, each an op index in 0.." +
                  std::to_string(kNumOps - 1) + " (" + JoinNames(OpNames()) + ")");
}

Skeleton ReadSkeleton(Options& options) {
  Skeleton skeleton;
  // Minimum through Int (its message reads "expected an integer >= 1"); the maxima only guard
  // against typos that would build absurd networks, so they get their own message.
  auto read = [&](std::string_view key, int fallback, int max) {
    const std::int64_t value = options.Int(key, fallback, 1);
    if (value > max) {
      options.Error(key,
                    "expected at most " + std::to_string(max) + ", got " + std::to_string(value));
      return fallback;
    }
    return static_cast<int>(value);
  };
  skeleton.channels = read("channels", skeleton.channels, 1024);
  skeleton.cells_per_stage = read("cells_per_stage", skeleton.cells_per_stage, 64);
  skeleton.input_channels = read("input_channels", skeleton.input_channels, 64);
  skeleton.input_size = read("input_size", skeleton.input_size, 1024);
  if (skeleton.input_size % 4 != 0) {
    options.Error("input_size",
                  "expected a multiple of 4 (NAS-Bench-201's two stride-2 "
                  "reductions halve it twice), got " +
                      std::to_string(skeleton.input_size));
    skeleton.input_size = Skeleton{}.input_size;
  }
  skeleton.classes = read("classes", skeleton.classes, 100000);
  return skeleton;
}

std::unique_ptr<SearchSpace> MakeSpace(const Skeleton& skeleton) {
  return std::make_unique<Nb201Space>(skeleton, nullptr);
}

std::unique_ptr<SearchSpace> MakeSpace(const Skeleton& skeleton,
                                       std::shared_ptr<const LatencyTable> latency_table) {
  return std::make_unique<Nb201Space>(skeleton, std::move(latency_table));
}

std::unique_ptr<SearchSpace> MakeSpaceFromOptions(Options& options) {
  // No options.Finish(): the caller also reads "type" from this block, then finishes it.
  const Skeleton skeleton = ReadSkeleton(options);
  std::shared_ptr<const LatencyTable> latency_table;
  if (const std::optional<LatencyTableDocument> document = ReadLatencyTableOption(options)) {
    try {
      auto table =
          std::make_shared<LatencyTable>(LatencyTableFromJson(document->table, document->source));
      CheckTableSkeleton(*table, skeleton, document->source);
      latency_table = std::move(table);
    } catch (const UserError& error) {
      // Recorded with the block's other errors; the space goes on without the table.
      options.Error("latency_table", error.what());
    }
  }
  return MakeSpace(skeleton, std::move(latency_table));
}

}  // namespace sculpt::nb201
