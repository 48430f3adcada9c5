// The transformer space: skeleton options and their validation, the string form, sampling and
// moves, the canonical form, the graph view and encodings, and the reduction graph. Costs and
// latency terms live in transformer_cost.cc.

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "spaces/counted.h"
#include "spaces/errors.h"
#include "spaces/latency_table_option.h"
#include "spaces/transformer.h"

namespace sculpt::transformer {
namespace {

// The cost metric a latency table adds (the same name as nb201's).
constexpr const char* kLatencyMetric = "latency_lut_ms";

// Enumerate refuses larger spaces: a million architectures is already ~100 MB of vectors.
constexpr std::uint64_t kMaxEnumerate = 1'000'000;

// Positions of the choices of layer l (see transformer.h).
constexpr int HeadsPosition(int layer) { return 1 + 2 * layer; }
constexpr int FfnPosition(int layer) { return 2 + 2 * layer; }

// Encode's fixed ops; the sizes follow (see Encode).
constexpr int kInputOp = 0;
constexpr int kOutputOp = 1;
constexpr int kIdentityOp = 2;

// "1, 2, 4" for messages.
std::string JoinInts(const std::vector<int>& values) {
  std::string text;
  for (int v : values) text += (text.empty() ? "" : ", ") + std::to_string(v);
  return text;
}

struct Problem {
  std::string key;
  std::string message;
};

// Divisors of n > 0, ascending (the patch sizes that fit an image of side n).
std::vector<int> Divisors(int n) {
  std::vector<int> low, high;
  for (int k = 1; static_cast<std::int64_t>(k) * k <= n; ++k) {
    if (n % k != 0) continue;
    low.push_back(k);
    if (k != n / k) high.push_back(n / k);
  }
  low.insert(low.end(), high.rbegin(), high.rend());
  return low;
}

void CheckList(std::vector<Problem>& problems, const char* key, const std::vector<int>& values,
               int min) {
  if (values.empty()) {
    problems.push_back({key, std::string(key) + " must list at least one value"});
    return;
  }
  for (int v : values) {
    if (v < min) {
      problems.push_back({key, std::string(key) + " must all be >= " + std::to_string(min) +
                                   ", got [" + JoinInts(values) + "]"});
      return;
    }
  }
  for (std::size_t i = 1; i < values.size(); ++i) {
    if (values[i] <= values[i - 1]) {
      // Ascending order is what makes "one index lower" a reduction (Reductions) and the
      // string form unambiguous (no value listed twice).
      problems.push_back({key, std::string(key) + " must be ascending without repeats, got [" +
                                   JoinInts(values) + "]"});
      return;
    }
  }
}

// Everything that keeps networks from being built on `s`, each with the key to change.
std::vector<Problem> FindProblems(const Skeleton& s) {
  std::vector<Problem> problems;
  auto at_least_one = [&](const char* key, int value) {
    if (value < 1) {
      problems.push_back({key, std::string(key) + " must be >= 1, got " + std::to_string(value)});
    }
  };
  at_least_one("input_channels", s.input_channels);
  at_least_one("input_size", s.input_size);
  at_least_one("patch_size", s.patch_size);
  at_least_one("layers", s.layers);
  at_least_one("head_dim", s.head_dim);
  at_least_one("classes", s.classes);
  if (s.patch_size >= 1 && s.input_size >= 1 && s.input_size % s.patch_size != 0) {
    problems.push_back({"patch_size", "patch_size " + std::to_string(s.patch_size) +
                                          " does not divide input_size " +
                                          std::to_string(s.input_size) + "; choose one of " +
                                          JoinInts(Divisors(s.input_size))});
  }
  CheckList(problems, "embed_dims", s.embed_dims, 1);
  CheckList(problems, "heads", s.heads, 0);
  CheckList(problems, "ffn_dims", s.ffn_dims, 0);
  if (!s.block_sizes.empty()) {
    std::string problem = BlockSizesProblem(s.block_sizes, s.layers);
    if (!problem.empty()) problems.push_back({"block_layers", std::move(problem)});
  }
  return problems;
}

// A decimal integer as Format writes it: digits only, no sign, no leading zero.
std::optional<int> ParseCount(std::string_view text) {
  if (text.empty() || text.size() > 9 || (text.size() > 1 && text.front() == '0')) {
    return std::nullopt;
  }
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.front() == '-' ||
      text.front() == '+') {
    return std::nullopt;
  }
  return value;
}

// Index of `value` in `list`, or -1.
int IndexOf(const std::vector<int>& list, int value) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i] == value) return static_cast<int>(i);
  }
  return -1;
}

// Throws UserError unless `table` was measured for this space on `skeleton` and has every key
// LatencyTerms can name. `name` names the table in the message.
void CheckTable(const LatencyLookup& table, const Skeleton& skeleton, const std::string& name) {
  const std::string advice = "; measure one for this space with `sculpt latency CONFIG`";
  if (table.family != "transformer") {
    throw UserError("latency table " + name + " was measured for the space '" + table.family +
                    "', not 'transformer'" + advice);
  }
  const nlohmann::json expected = SkeletonJson(skeleton);
  if (table.skeleton != expected) {
    throw UserError("latency table " + name + " was measured for the skeleton " +
                    table.skeleton.dump() + ", but the space's skeleton is " + expected.dump() +
                    advice);
  }
  // Checked now rather than when Cost() first meets the key: a constraint on latency_lut_ms
  // must not fail in the middle of a search.
  for (const std::string& key : LatencyKeys(skeleton)) {
    if (table.parts_ms.count(key) == 0) {
      throw UserError("latency table " + name + " has no entry '" + key + "'" + advice);
    }
  }
}

std::string EmbedLabel(int d) { return "embed_d" + std::to_string(d); }
std::string AttnLabel(int heads) { return "attn_h" + std::to_string(heads); }
std::string FfnLabel(int ffn) { return "ffn_" + std::to_string(ffn); }

class TransformerSpace final : public SearchSpace {
 public:
  TransformerSpace(const Skeleton& skeleton, std::shared_ptr<const LatencyLookup> latency_table)
      : skeleton_(skeleton), latency_table_(std::move(latency_table)) {
    ValidateSkeleton(skeleton_);
    if (latency_table_) CheckTable(*latency_table_, skeleton_, "given to the transformer space");
    layers_ = skeleton_.layers;
    num_embed_ = static_cast<int>(skeleton_.embed_dims.size());
    num_heads_ = static_cast<int>(skeleton_.heads.size());
    num_ffn_ = static_cast<int>(skeleton_.ffn_dims.size());
    const std::int64_t edits = static_cast<std::int64_t>(num_embed_ - 1) +
                               static_cast<std::int64_t>(layers_) * (num_heads_ - 1 + num_ffn_ - 1);
    if (edits > std::numeric_limits<int>::max()) {
      throw UserError("the transformer skeleton is too large: " + std::to_string(edits) +
                      " single edits per architecture (at most 2^31 - 1)");
    }
    num_edits_ = static_cast<int>(edits);
    // Graph vocabulary (see Encode): 0 input, 1 output, 2 identity, then one op per size.
    int op = 3;
    for (std::size_t i = 0; i < skeleton_.embed_dims.size(); ++i) embed_op_.push_back(op++);
    for (int h : skeleton_.heads) heads_op_.push_back(h > 0 ? op++ : kIdentityOp);
    for (int f : skeleton_.ffn_dims) ffn_op_.push_back(f > 0 ? op++ : kIdentityOp);
    num_op_types_ = op;
  }

  std::string Name() const override { return "transformer"; }

  // Every choice uniform and independent: uniform over the string forms.
  Architecture Sample(Rng& rng) const override {
    Architecture arch;
    arch.choices.resize(1 + 2 * layers_);
    arch.choices[0] = UniformIndex(rng, num_embed_);
    for (int l = 0; l < layers_; ++l) {
      arch.choices[HeadsPosition(l)] = UniformIndex(rng, num_heads_);
      arch.choices[FfnPosition(l)] = UniformIndex(rng, num_ffn_);
    }
    return arch;
  }

  Architecture Mutate(const Architecture& arch, Rng& rng) const override {
    Architecture child;
    MutateInto(arch, rng, child);
    return child;
  }

  // One draw, uniform over the single edits: the result is Neighbours(arch)[draw].
  void MutateInto(const Architecture& arch, Rng& rng, Architecture& child) const override {
    CheckMember(arch);
    SCULPT_ASSERT(&child != &arch, "MutateInto needs a child distinct from its parent");
    if (num_edits_ == 0) {
      throw UserError("the transformer space has a single architecture: nothing to mutate into");
    }
    child.choices.assign(arch.choices.begin(), arch.choices.end());
    const auto [position, alternative] = EditAt(UniformIndex(rng, num_edits_));
    // The alternative-th of the other values of the position, in index order.
    child.choices[position] = alternative >= arch.choices[position] ? alternative + 1 : alternative;
  }

  // Position by position (embedding, then heads and FFN of each layer), values in index order,
  // the current value skipped.
  std::vector<Architecture> Neighbours(const Architecture& arch) const override {
    CheckMember(arch);
    std::vector<Architecture> neighbours;
    neighbours.reserve(num_edits_);
    for (int position = 0; position < static_cast<int>(arch.choices.size()); ++position) {
      for (int value = 0; value < ListSize(position); ++value) {
        if (value == arch.choices[position]) continue;
        neighbours.push_back(arch);
        neighbours.back().choices[position] = value;
      }
    }
    return neighbours;
  }

  // embed x (heads x ffn)^L, when it fits in 64 bits.
  std::optional<std::uint64_t> Size() const override {
    const std::uint64_t per_layer =
        static_cast<std::uint64_t>(num_heads_) * static_cast<std::uint64_t>(num_ffn_);
    std::uint64_t size = num_embed_;
    for (int l = 0; l < layers_; ++l) {
      if (size > std::numeric_limits<std::uint64_t>::max() / per_layer) return std::nullopt;
      size *= per_layer;
    }
    return size;
  }

  // Lexicographic order of the choices (the embedding most significant).
  std::vector<Architecture> Enumerate() const override {
    const std::optional<std::uint64_t> size = Size();
    if (!size || *size > kMaxEnumerate) {
      throw UserError("cannot enumerate the transformer space: it has " +
                      (size ? std::to_string(*size) : std::string("more than 2^64")) +
                      " architectures, more than " + std::to_string(kMaxEnumerate) +
                      "; use fewer layers or shorter choice lists");
    }
    std::vector<Architecture> all;
    all.reserve(*size);
    Architecture arch{std::vector<int>(1 + 2 * layers_, 0)};
    while (true) {
      all.push_back(arch);
      // Odometer: increment the last position, carrying leftwards.
      int position = static_cast<int>(arch.choices.size()) - 1;
      while (position >= 0 && ++arch.choices[position] == ListSize(position)) {
        arch.choices[position] = 0;
        --position;
      }
      if (position < 0) break;
    }
    return all;
  }

  Architecture Parse(std::string_view text) const override;

  std::string Format(const Architecture& arch) const override {
    const Sizes sizes = Decode(arch, skeleton_);
    std::string text = "d" + std::to_string(sizes.embed);
    for (const Layer& layer : sizes.layers) {
      text += "|h" + std::to_string(layer.heads) + ":f" + std::to_string(layer.ffn);
    }
    return text;
  }

  bool Contains(const Architecture& arch) const override {
    if (arch.choices.size() != 1 + 2 * static_cast<std::size_t>(layers_)) return false;
    for (int position = 0; position < static_cast<int>(arch.choices.size()); ++position) {
      const int choice = arch.choices[position];
      if (choice < 0 || choice >= ListSize(position)) return false;
    }
    return true;
  }

  // Every member computes something: with every layer the identity, the network is still the
  // patch embedding, pooling and the head.
  bool IsValid(const Architecture& arch) const override { return Contains(arch); }

  // A chain: input, embedding, per layer its attention and FFN sublayer (or "identity"), output.
  LabeledGraph Graph(const Architecture& arch) const override {
    const Sizes sizes = Decode(arch, skeleton_);
    LabeledGraph graph;
    graph.node_ops.reserve(NumGraphNodes());
    graph.node_ops.emplace_back("input");
    graph.node_ops.push_back(EmbedLabel(sizes.embed));
    for (const Layer& layer : sizes.layers) {
      graph.node_ops.push_back(layer.heads > 0 ? AttnLabel(layer.heads) : "identity");
      graph.node_ops.push_back(layer.ffn > 0 ? FfnLabel(layer.ffn) : "identity");
    }
    graph.node_ops.emplace_back("output");
    for (int node = 0; node + 1 < graph.NumNodes(); ++node)
      graph.edges.emplace_back(node, node + 1);
    return graph;
  }

  // The embedding, then the sublayers that exist, in order. Each sublayer is a residual block
  // with its own LayerNorm, so a layer is nothing but its two sublayers in a row: an identity
  // layer vanishes, and so does the boundary between layers ("h2:f0|h0:f128" computes exactly
  // what "h2:f128|h0:f0" computes, with the same parameters). Order matters otherwise: attention
  // then FFN is not FFN then attention.
  std::string CanonicalForm(const Architecture& arch) const override {
    const Sizes sizes = Decode(arch, skeleton_);
    std::string form = "d" + std::to_string(sizes.embed);
    for (const Layer& layer : sizes.layers) {
      // Appended piece by piece, not with operator+: g++ 12 warns falsely (-Wrestrict).
      if (layer.heads > 0) (form += '|') += AttnLabel(layer.heads);
      if (layer.ffn > 0) (form += '|') += FfnLabel(layer.ffn);
    }
    return form;
  }

  // The class's sublayers packed into the first layers, a layer taking an attention and then an
  // FFN where they come in that order, identity layers after them: "d48|h0:f0|h2:f0|h0:f128"
  // and "d48|h2:f0|h0:f128|h0:f0" both stand for "d48|h2:f128|h0:f0|h0:f0". Why first: a
  // shallow network's layers then sit where a block-wise supernet trained them to act as the
  // teacher's first layers, as in the teacher cut to its first layers. Packing needs no more
  // layers than `arch` uses, and writes no choice `arch` lacks.
  Architecture CanonicalMember(const Architecture& arch) const override {
    Decode(arch, skeleton_);  // a member, or UserError
    const int no_heads = IndexOf(skeleton_.heads, 0);
    const int no_ffn = IndexOf(skeleton_.ffn_dims, 0);
    if (no_heads < 0 || no_ffn < 0) return arch;  // no sublayer can be left out: written alike
    Architecture packed;
    packed.choices.assign(arch.choices.size(), 0);
    packed.choices[0] = arch.choices[0];
    for (int l = 0; l < layers_; ++l) {
      packed.choices[1 + 2 * l] = no_heads;
      packed.choices[2 + 2 * l] = no_ffn;
    }
    int layer = -1;
    bool layer_has_ffn = true;  // a new layer starts before the first sublayer
    for (int l = 0; l < layers_; ++l) {
      const int heads = arch.choices[1 + 2 * l];
      const int ffn = arch.choices[2 + 2 * l];
      if (heads != no_heads) {
        ++layer;  // an attention always opens a layer: it comes first in one
        packed.choices[1 + 2 * layer] = heads;
        layer_has_ffn = false;
      }
      if (ffn != no_ffn) {
        if (layer_has_ffn) ++layer;  // after another FFN: a layer of its own
        packed.choices[2 + 2 * layer] = ffn;
        layer_has_ffn = true;
      }
    }
    return packed;
  }

  // Graph form: the chain of Graph() over a fixed vocabulary (0 input, 1 output, 2 identity,
  // then "embed_d<d>" for each embedding dimension, "attn_h<h>" for each heads > 0 and
  // "ffn_<f>" for each FFN size > 0, in list order), always 2L + 3 nodes, so that every
  // architecture of one skeleton shares node count and vocabulary. Vector form: one one-hot per
  // choice position, in position order.
  // "embed", then "layer<l>.heads" and "layer<l>.ffn" per layer, as Architecture orders them.
  std::vector<Decision> Decisions() const override {
    auto named = [](const char* prefix, const std::vector<int>& sizes) {
      std::vector<std::string> options;
      for (int size : sizes) options.push_back(prefix + std::to_string(size));
      return options;
    };
    std::vector<Decision> decisions = {{"embed", named("d", skeleton_.embed_dims)}};
    for (int l = 0; l < layers_; ++l) {
      const std::string layer = "layer" + std::to_string(l);
      decisions.push_back({layer + ".heads", named("h", skeleton_.heads)});
      decisions.push_back({layer + ".ffn", named("f", skeleton_.ffn_dims)});
    }
    return decisions;
  }

  Encoding Encode(const Architecture& arch) const override {
    CheckMember(arch);
    const int n = NumGraphNodes();
    Encoding encoding;
    encoding.num_nodes = n;
    encoding.num_op_types = num_op_types_;
    encoding.adjacency.assign(static_cast<std::size_t>(n) * n, 0.0f);
    for (int node = 0; node + 1 < n; ++node) encoding.adjacency[node * n + node + 1] = 1.0f;
    encoding.node_ops.reserve(n);
    encoding.node_ops.push_back(kInputOp);
    encoding.node_ops.push_back(embed_op_[arch.choices[0]]);
    for (int l = 0; l < layers_; ++l) {
      encoding.node_ops.push_back(heads_op_[arch.choices[HeadsPosition(l)]]);
      encoding.node_ops.push_back(ffn_op_[arch.choices[FfnPosition(l)]]);
    }
    encoding.node_ops.push_back(kOutputOp);
    encoding.vector.assign(num_embed_ + layers_ * (num_heads_ + num_ffn_), 0.0f);
    int offset = 0;
    for (int position = 0; position < static_cast<int>(arch.choices.size()); ++position) {
      encoding.vector[offset + arch.choices[position]] = 1.0f;
      offset += ListSize(position);
    }
    return encoding;
  }

  std::vector<std::string> CostMetricNames() const override {
    std::vector<std::string> names = {"params", "flops"};
    if (latency_table_) names.emplace_back(kLatencyMetric);
    return names;
  }

  Metrics Cost(const Architecture& arch) const override {
    Metrics cost = {{"params", CountParams(arch, skeleton_)},
                    {"flops", CountFlops(arch, skeleton_)}};
    if (latency_table_) {
      cost[kLatencyMetric] = PredictLatencyMs(*latency_table_, LatencyTerms(arch, skeleton_));
    }
    return cost;
  }

  // Every choice at the last (largest) value of its list.
  std::optional<Architecture> Largest() const override {
    Architecture arch{std::vector<int>(1 + 2 * layers_)};
    for (int position = 0; position < static_cast<int>(arch.choices.size()); ++position) {
      arch.choices[position] = ListSize(position) - 1;
    }
    return arch;
  }

  // One choice lowered to the next smaller value of its ascending list, position by position.
  // Params and FLOPs grow with every size, so neither grows along a reduction; latency_lut_ms
  // does not grow either when the table's entries grow with the sizes, as measured ones
  // normally do (but a measurement may not).
  std::vector<Architecture> Reductions(const Architecture& arch) const override {
    CheckMember(arch);
    std::vector<Architecture> reductions;
    for (int position = 0; position < static_cast<int>(arch.choices.size()); ++position) {
      if (arch.choices[position] == 0) continue;
      reductions.push_back(arch);
      --reductions.back().choices[position];
    }
    return reductions;
  }

 private:
  int ListSize(int position) const {
    if (position == 0) return num_embed_;
    return position % 2 == 1 ? num_heads_ : num_ffn_;
  }

  // The edit numbered `index` in Neighbours' order: (position, alternative), where alternative
  // counts the position's values other than the current one.
  std::pair<int, int> EditAt(int index) const {
    if (index < num_embed_ - 1) return {0, index};
    index -= num_embed_ - 1;
    const int per_layer = (num_heads_ - 1) + (num_ffn_ - 1);
    const int layer = index / per_layer;
    const int rest = index % per_layer;
    if (rest < num_heads_ - 1) return {HeadsPosition(layer), rest};
    return {FfnPosition(layer), rest - (num_heads_ - 1)};
  }

  int NumGraphNodes() const { return 2 * layers_ + 3; }

  // Throws Decode's UserError unless `arch` is a member; allocates nothing when it is.
  void CheckMember(const Architecture& arch) const {
    if (!Contains(arch)) Decode(arch, skeleton_);
  }

  std::string FormHint() const {
    std::string hint = "expected 'd<embed>|h<heads>:f<ffn>|...', the embedding dimension then " +
                       Counted(layers_, "layer");
    if (layers_ <= 8) {
      hint += ", e.g. '" + Format(*Largest()) + "'";
    }
    return hint;
  }

  Skeleton skeleton_;
  std::shared_ptr<const LatencyLookup> latency_table_;  // null: no latency_lut_ms
  int layers_ = 0;
  int num_embed_ = 0;
  int num_heads_ = 0;
  int num_ffn_ = 0;
  int num_edits_ = 0;  // single edits of any architecture (its number of neighbours)
  // Encode's op index of each value of each list.
  std::vector<int> embed_op_, heads_op_, ffn_op_;
  int num_op_types_ = 0;
};

Architecture TransformerSpace::Parse(std::string_view text) const {
  auto error = [&](const std::string& problem) {
    return UserError("invalid transformer architecture '" + std::string(text) + "': " + problem);
  };
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t bar = text.find('|', start);
    parts.push_back(text.substr(start, bar == std::string_view::npos ? bar : bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  const std::string_view embed_part = parts.front();
  const std::optional<int> embed = embed_part.size() > 1 && embed_part.front() == 'd'
                                       ? ParseCount(embed_part.substr(1))
                                       : std::nullopt;
  if (!embed) {
    throw error("'" + std::string(embed_part) + "' is not an embedding dimension 'd<embed>'; " +
                FormHint());
  }
  const int layers = static_cast<int>(parts.size()) - 1;
  if (layers != layers_) {
    throw error("expected " + std::to_string(layers_) + " layers (the skeleton's layers) after '" +
                std::string(embed_part) + "', got " + std::to_string(layers) +
                "; identity layers are written 'h0:f0'");
  }
  Architecture arch;
  arch.choices.reserve(1 + 2 * layers_);
  const int embed_index = IndexOf(skeleton_.embed_dims, *embed);
  if (embed_index < 0) {
    throw error("embedding dimension " + std::to_string(*embed) +
                " is not a choice (embed_dims: " + JoinInts(skeleton_.embed_dims) + ")");
  }
  arch.choices.push_back(embed_index);
  for (int l = 0; l < layers_; ++l) {
    const std::string_view part = parts[l + 1];
    const std::string where = "layer " + std::to_string(l) + " '" + std::string(part) + "'";
    const std::size_t colon = part.find(':');
    std::optional<int> heads, ffn;
    if (colon != std::string_view::npos && colon > 1 && part.front() == 'h' &&
        part.substr(colon + 1, 1) == "f") {
      heads = ParseCount(part.substr(1, colon - 1));
      ffn = ParseCount(part.substr(colon + 2));
    }
    if (!heads || !ffn) throw error(where + " is not 'h<heads>:f<ffn>'; " + FormHint());
    const int heads_index = IndexOf(skeleton_.heads, *heads);
    if (heads_index < 0) {
      throw error(where + ": " + std::to_string(*heads) +
                  " heads is not a choice (heads: " + JoinInts(skeleton_.heads) + ")");
    }
    const int ffn_index = IndexOf(skeleton_.ffn_dims, *ffn);
    if (ffn_index < 0) {
      throw error(where + ": FFN size " + std::to_string(*ffn) +
                  " is not a choice (ffn_dims: " + JoinInts(skeleton_.ffn_dims) + ")");
    }
    arch.choices.push_back(heads_index);
    arch.choices.push_back(ffn_index);
  }
  return arch;
}

}  // namespace

Sizes Decode(const Architecture& arch, const Skeleton& skeleton) {
  const auto layers = static_cast<std::size_t>(skeleton.layers > 0 ? skeleton.layers : 0);
  bool ok = arch.choices.size() == 1 + 2 * layers;
  auto in = [](int choice, const std::vector<int>& list) {
    return choice >= 0 && static_cast<std::size_t>(choice) < list.size();
  };
  if (ok) ok = in(arch.choices[0], skeleton.embed_dims);
  for (std::size_t l = 0; ok && l < layers; ++l) {
    ok = in(arch.choices[1 + 2 * l], skeleton.heads) &&
         in(arch.choices[2 + 2 * l], skeleton.ffn_dims);
  }
  if (!ok) {
    std::string shown;
    for (std::size_t i = 0; i < arch.choices.size() && i < 64; ++i) {
      if (i > 0) shown += ',';
      shown += std::to_string(arch.choices[i]);
    }
    if (arch.choices.size() > 64) shown += ",...";
    throw UserError("architecture [" + shown + "] is not a transformer architecture: expected " +
                    std::to_string(1 + 2 * layers) + " choices (the embedding, then heads and " +
                    "FFN of each of " + std::to_string(layers) +
                    " layers), each an index into its list (embed_dims: " +
                    JoinInts(skeleton.embed_dims) + "; heads: " + JoinInts(skeleton.heads) +
                    "; ffn_dims: " + JoinInts(skeleton.ffn_dims) + ")");
  }
  Sizes sizes;
  sizes.embed = skeleton.embed_dims[arch.choices[0]];
  sizes.layers.resize(layers);
  for (std::size_t l = 0; l < layers; ++l) {
    sizes.layers[l].heads = skeleton.heads[arch.choices[1 + 2 * l]];
    sizes.layers[l].ffn = skeleton.ffn_dims[arch.choices[2 + 2 * l]];
  }
  return sizes;
}

void ValidateSkeleton(const Skeleton& skeleton) {
  const std::vector<Problem> problems = FindProblems(skeleton);
  if (problems.empty()) return;
  std::string message = "invalid transformer skeleton:";
  for (const Problem& problem : problems) message += " " + problem.message + ".";
  throw UserError(message);
}

Skeleton ReadSkeleton(Options& options) {
  Skeleton skeleton;
  // The maxima only guard against typos that would describe absurd networks.
  auto read = [&](std::string_view key, int fallback, int min, int max) {
    return static_cast<int>(options.Int(key, fallback, min, max));
  };
  auto read_list = [&](std::string_view key, const std::vector<int>& fallback, int min, int max) {
    const std::vector<std::int64_t> values =
        options.Ints(key, std::vector<std::int64_t>(fallback.begin(), fallback.end()), min, max);
    return std::vector<int>(values.begin(), values.end());
  };
  skeleton.input_channels = read("input_channels", skeleton.input_channels, 1, 64);
  skeleton.input_size = read("input_size", skeleton.input_size, 1, 4096);
  skeleton.patch_size = read("patch_size", skeleton.patch_size, 1, 4096);
  skeleton.layers = read("layers", skeleton.layers, 1, 1000);
  skeleton.embed_dims = read_list("embed_dims", skeleton.embed_dims, 1, 65536);
  skeleton.heads = read_list("heads", skeleton.heads, 0, 1024);
  skeleton.ffn_dims = read_list("ffn_dims", skeleton.ffn_dims, 0, 1 << 20);
  skeleton.head_dim = read("head_dim", skeleton.head_dim, 1, 4096);
  skeleton.classes = read("classes", skeleton.classes, 1, 100000);
  skeleton.class_token = options.String("pooling", "mean", {"mean", "cls"}) == "cls";
  // Optional, so that configs without it keep their canonical form (and unfinished runs their
  // identity) and exports write it only when it is not the default.
  const nlohmann::json* block_layers = options.Raw("block_layers");
  if (block_layers != nullptr && block_layers->is_array()) {
    const std::vector<std::int64_t> sizes = options.Ints("block_layers", {}, 1, 1000);
    if (sizes.empty() && block_layers->empty()) {
      options.Error("block_layers", "lists no block: give each block's layers, or a count");
    }
    SetBlockSizes(skeleton, std::vector<int>(sizes.begin(), sizes.end()));
  } else if (const std::optional<std::int64_t> count =
                 options.OptionalInt("block_layers", 1, 1000)) {
    skeleton.block_layers = static_cast<int>(*count);
  }
  const std::vector<Problem> problems = FindProblems(skeleton);
  for (const Problem& problem : problems) options.Error(problem.key, problem.message);
  // After an error the defaults, so that building the space (and validating the rest of the
  // config) goes on; the recorded error rejects the config. Blocks that are wrong change no
  // network: the rest is kept, so that the config's architectures are checked against it.
  const bool only_blocks = std::all_of(problems.begin(), problems.end(), [](const Problem& p) {
    return p.key == "block_layers";
  });
  if (problems.empty()) return skeleton;
  if (!only_blocks) return Skeleton{};
  skeleton.block_layers = Skeleton{}.block_layers;
  skeleton.block_sizes.clear();
  return skeleton;
}

nlohmann::json SkeletonJson(const Skeleton& skeleton) {
  nlohmann::json json = {{"input_channels", skeleton.input_channels},
                         {"input_size", skeleton.input_size},
                         {"patch_size", skeleton.patch_size},
                         {"layers", skeleton.layers},
                         {"embed_dims", skeleton.embed_dims},
                         {"heads", skeleton.heads},
                         {"ffn_dims", skeleton.ffn_dims},
                         {"head_dim", skeleton.head_dim},
                         {"classes", skeleton.classes},
                         {"pooling", skeleton.class_token ? "cls" : "mean"}};
  // Only when set: the skeletons (and the fingerprints made of them) of earlier runs stay as
  // they were.
  if (!skeleton.block_sizes.empty()) {
    json["block_layers"] = skeleton.block_sizes;
  } else if (skeleton.block_layers != Skeleton{}.block_layers) {
    json["block_layers"] = skeleton.block_layers;
  }
  return json;
}

std::string BlockSizesProblem(const std::vector<int>& sizes, int layers) {
  if (sizes.empty()) return "lists no block: give each block's layers";
  int sum = 0;
  for (int size : sizes) {
    if (size < 1) return "every block has at least one layer, got [" + JoinInts(sizes) + "]";
    sum += size;
  }
  if (sum == layers) return {};
  return "the blocks' layers [" + JoinInts(sizes) + "] add up to " + std::to_string(sum) +
         ", not to the " + std::to_string(layers) + " layers";
}

void SetBlockSizes(Skeleton& skeleton, const std::vector<int>& sizes) {
  // Equal groups of n with the last taking what is left (0 < last <= n) are block_layers n.
  bool equal_groups = !sizes.empty() && sizes.front() >= 1;
  for (std::size_t i = 0; equal_groups && i < sizes.size(); ++i) {
    const bool last = i + 1 == sizes.size();
    equal_groups = last ? sizes[i] >= 1 && sizes[i] <= sizes.front() : sizes[i] == sizes.front();
  }
  int sum = 0;
  for (int size : sizes) sum += size;
  if (equal_groups && sum == skeleton.layers) {
    skeleton.block_layers = sizes.front();
    skeleton.block_sizes.clear();
  } else {
    skeleton.block_sizes = sizes;
  }
}

std::unique_ptr<SearchSpace> MakeSpace(const Skeleton& skeleton) {
  return std::make_unique<TransformerSpace>(skeleton, nullptr);
}

std::unique_ptr<SearchSpace> MakeSpace(const Skeleton& skeleton,
                                       std::shared_ptr<const LatencyLookup> latency_table) {
  return std::make_unique<TransformerSpace>(skeleton, std::move(latency_table));
}

std::unique_ptr<SearchSpace> MakeSpaceFromOptions(Options& options) {
  // No options.Finish(): the caller also reads "type" from this block, then finishes it.
  const std::size_t errors_before = options.Errors().Messages().size();
  const Skeleton skeleton = ReadSkeleton(options);
  const bool skeleton_read = options.Errors().Messages().size() == errors_before;
  std::shared_ptr<const LatencyLookup> latency_table;
  if (const std::optional<LatencyTableDocument> document = ReadLatencyTableOption(options)) {
    try {
      auto table =
          std::make_shared<LatencyLookup>(LatencyLookupFromJson(document->table, document->source));
      // After a skeleton error the space gets the default skeleton: a mismatch with it would
      // only be a second, confusing error.
      if (skeleton_read) {
        CheckTable(*table, skeleton, document->source);
        latency_table = std::move(table);
      }
    } catch (const UserError& error) {
      // Recorded with the block's other errors; the space goes on without the table.
      options.Error("latency_table", error.what());
    }
  }
  return MakeSpace(skeleton, std::move(latency_table));
}

}  // namespace sculpt::transformer
