// The pruning space over one trained transformer (spaces/prune.h).

#include <algorithm>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>

#include "spaces/json_file.h"
#include "spaces/latency_table_option.h"
#include "spaces/prune.h"

namespace sculpt::prune {
namespace {

constexpr std::uint64_t kMaxEnumerate = 1'000'000;

// Encode's graph vocabulary.
constexpr int kInputOp = 0, kOutputOp = 1, kRemovedOp = 2, kHeadOp = 3, kNeuronsOp = 4;

// One prunable unit: a head, or a group of consecutive FFN hidden units.
struct Unit {
  int layer = 0;
  bool head = true;
  int index = 0;  // head index, or group index
};

constexpr const char* kLatencyMetric = "latency_lut_ms";

bool ListHas(const std::vector<int>& list, int value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

class Space final : public PruneSpace {
 public:
  Space(Model model, int neuron_groups, std::shared_ptr<const LatencyLookup> latency_table)
      : model_(std::move(model)), groups_(neuron_groups), latency_table_(std::move(latency_table)) {
    const int layers = static_cast<int>(model_.sizes.layers.size());
    for (int l = 0; l < layers; ++l) {
      const transformer::Layer& layer = model_.sizes.layers[l];
      for (int h = 0; h < layer.heads; ++h) units_.push_back({l, true, h});
      if (groups_ > 0 && layer.ffn > 0) {
        if (layer.ffn % groups_ != 0) {
          throw UserError("neuron_groups " + std::to_string(groups_) + " does not divide the " +
                          std::to_string(layer.ffn) + " FFN units of layer " + std::to_string(l) +
                          " of the model in " + model_.folder.string());
        }
        for (int g = 0; g < groups_; ++g) units_.push_back({l, false, g});
      }
    }
    if (units_.empty()) {
      throw UserError("the model in " + model_.folder.string() + " (" + model_.arch +
                      ") has no attention head" + (groups_ > 0 ? " or FFN unit" : "") +
                      " to prune");
    }    if (latency_table_) ReadTableSkeleton();
  }

  std::string Name() const override { return "prune"; }
  const Model& TrainedModel() const override { return model_; }
  int NeuronGroups() const override { return groups_; }

  // Every unit kept or removed with probability 1/2: uniform over the masks.
  Architecture Sample(Rng& rng) const override {
    Architecture arch{std::vector<int>(units_.size())};
    for (int& choice : arch.choices) choice = UniformIndex(rng, 2);
    return arch;
  }

  Architecture Mutate(const Architecture& arch, Rng& rng) const override {
    Architecture child;
    MutateInto(arch, rng, child);
    return child;
  }

  // One unit flipped, uniformly: Neighbours(arch)[draw].
  void MutateInto(const Architecture& arch, Rng& rng, Architecture& child) const override {
    CheckMember(arch);
    SCULPT_ASSERT(&child != &arch, "MutateInto needs a child distinct from its parent");
    child.choices.assign(arch.choices.begin(), arch.choices.end());
    const int unit = UniformIndex(rng, static_cast<int>(units_.size()));
    child.choices[unit] = 1 - child.choices[unit];
  }

  std::vector<Architecture> Neighbours(const Architecture& arch) const override {
    CheckMember(arch);
    std::vector<Architecture> neighbours(units_.size(), arch);
    for (std::size_t u = 0; u < units_.size(); ++u) {
      neighbours[u].choices[u] = 1 - neighbours[u].choices[u];
    }
    return neighbours;
  }

  std::optional<std::uint64_t> Size() const override {
    if (units_.size() >= 64) return std::nullopt;
    return std::uint64_t{1} << units_.size();
  }

  // Binary counting order, the first unit most significant.
  std::vector<Architecture> Enumerate() const override {
    const std::optional<std::uint64_t> size = Size();
    if (!size || *size > kMaxEnumerate) {
      throw UserError("cannot enumerate the prune space: its " + std::to_string(units_.size()) +
                      " units give 2^" + std::to_string(units_.size()) +
                      " masks, more than " + std::to_string(kMaxEnumerate));
    }
    std::vector<Architecture> all;
    all.reserve(*size);
    for (std::uint64_t code = 0; code < *size; ++code) {
      Architecture arch{std::vector<int>(units_.size())};
      for (std::size_t u = 0; u < units_.size(); ++u) {
        arch.choices[u] = static_cast<int>((code >> (units_.size() - 1 - u)) & 1U);
      }
      all.push_back(std::move(arch));
    }
    return all;
  }

  Architecture Parse(std::string_view text) const override {
    const int layers = static_cast<int>(model_.sizes.layers.size());
    std::vector<std::string_view> tokens;
    for (std::size_t start = 0;;) {
      const std::size_t bar = text.find('|', start);
      tokens.push_back(text.substr(start, bar == std::string_view::npos ? bar : bar - start));
      if (bar == std::string_view::npos) break;
      start = bar + 1;
    }
    if (static_cast<int>(tokens.size()) != layers) {
      throw UserError("prune mask '" + std::string(text) + "': expected " +
                      std::to_string(layers) + " layers separated by '|' (the model's), got " +
                      std::to_string(tokens.size()) + Example());
    }
    Architecture arch;
    arch.choices.reserve(units_.size());
    for (int l = 0; l < layers; ++l) {
      std::string_view heads = tokens[l], groups;
      if (groups_ > 0) {
        const std::size_t slash = heads.find('/');
        if (slash == std::string_view::npos) {
          throw UserError("prune mask '" + std::string(text) + "', layer " + std::to_string(l) +
                          ": expected heads/groups (neuron_groups is " + std::to_string(groups_) +
                          "), got '" + std::string(tokens[l]) + "'" + Example());
        }
        groups = heads.substr(slash + 1);
        heads = heads.substr(0, slash);
      }
      const transformer::Layer& layer = model_.sizes.layers[l];
      AppendBits(heads, layer.heads, "head", text, l, arch);
      if (groups_ > 0) AppendBits(groups, layer.ffn > 0 ? groups_ : 0, "neuron group", text, l, arch);
    }
    return arch;
  }

  std::string Format(const Architecture& arch) const override {
    CheckMember(arch);
    std::string text;
    std::size_t u = 0;
    for (std::size_t l = 0; l < model_.sizes.layers.size(); ++l) {
      if (l > 0) text += '|';
      const transformer::Layer& layer = model_.sizes.layers[l];
      auto bits = [&](int count) {
        if (count == 0) {
          text += '-';
          return;
        }
        for (int i = 0; i < count; ++i) text += arch.choices[u++] == 1 ? '1' : '0';
      };
      bits(layer.heads);
      if (groups_ > 0) {
        text += '/';
        bits(layer.ffn > 0 ? groups_ : 0);
      }
    }
    return text;
  }

  bool Contains(const Architecture& arch) const override {
    return arch.choices.size() == units_.size() &&
           std::all_of(arch.choices.begin(), arch.choices.end(),
                       [](int c) { return c == 0 || c == 1; });
  }

  // Every mask computes something: with every unit removed the network is still the embedding,
  // pooling and the head.
  bool IsValid(const Architecture& arch) const override { return Contains(arch); }

  // A chain: input, one node per unit (kept head, kept neuron group, or removed), output.
  LabeledGraph Graph(const Architecture& arch) const override {
    CheckMember(arch);
    LabeledGraph graph;
    graph.node_ops.emplace_back("input");
    for (std::size_t u = 0; u < units_.size(); ++u) {
      graph.node_ops.emplace_back(arch.choices[u] == 0 ? "removed"
                                  : units_[u].head     ? "head"
                                                       : "neurons");
    }
    graph.node_ops.emplace_back("output");
    for (int node = 0; node + 1 < graph.NumNodes(); ++node) graph.edges.emplace_back(node, node + 1);
    return graph;
  }

  std::string CanonicalForm(const Architecture& arch) const override { return Format(arch); }

  // Graph form: Graph()'s chain over the vocabulary 0 input, 1 output, 2 removed, 3 kept head,
  // 4 kept neuron group. Vector form: the mask itself.
  Encoding Encode(const Architecture& arch) const override {
    CheckMember(arch);
    const int n = static_cast<int>(units_.size()) + 2;
    Encoding encoding;
    encoding.num_nodes = n;
    encoding.num_op_types = 5;
    encoding.adjacency.assign(static_cast<std::size_t>(n) * n, 0.0f);
    for (int node = 0; node + 1 < n; ++node) encoding.adjacency[node * n + node + 1] = 1.0f;
    encoding.node_ops.push_back(kInputOp);
    for (std::size_t u = 0; u < units_.size(); ++u) {
      encoding.node_ops.push_back(arch.choices[u] == 0 ? kRemovedOp
                                  : units_[u].head     ? kHeadOp
                                                       : kNeuronsOp);
    }
    encoding.node_ops.push_back(kOutputOp);
    encoding.vector.assign(arch.choices.begin(), arch.choices.end());
    return encoding;
  }

  std::vector<std::string> CostMetricNames() const override {
    if (latency_table_) return {"params", "flops", "heads", "neurons", kLatencyMetric};
    return {"params", "flops", "heads", "neurons"};
  }

  Metrics Cost(const Architecture& arch) const override {
    const transformer::Sizes sizes = PrunedSizes(arch);
    double heads = 0, neurons = 0;
    for (const transformer::Layer& layer : sizes.layers) {
      heads += layer.heads;
      neurons += layer.ffn;
    }
    Metrics cost = {{"params", transformer::CountParams(sizes, model_.skeleton)},
                    {"flops", transformer::CountFlops(sizes, model_.skeleton)},
                    {"heads", heads},
                    {"neurons", neurons}};
    if (latency_table_) {
      // The table's skeleton holds every size a mask can leave (checked when built).
      cost[kLatencyMetric] = PredictLatencyMs(
          *latency_table_,
          transformer::LatencyTerms(SizesIn(sizes, table_skeleton_), table_skeleton_));
    }
    return cost;
  }

  std::optional<Architecture> Largest() const override {
    return Architecture{std::vector<int>(units_.size(), 1)};
  }

  // Each kept unit removed, in unit order. Removing a unit never adds a parameter or a FLOP.
  std::vector<Architecture> Reductions(const Architecture& arch) const override {
    CheckMember(arch);
    std::vector<Architecture> reductions;
    for (std::size_t u = 0; u < units_.size(); ++u) {
      if (arch.choices[u] == 0) continue;
      reductions.push_back(arch);
      reductions.back().choices[u] = 0;
    }
    return reductions;
  }

  Mask Kept(const Architecture& arch) const override {
    CheckMember(arch);
    const std::size_t layers = model_.sizes.layers.size();
    Mask mask{std::vector<std::vector<int>>(layers), std::vector<std::vector<int>>(layers)};
    for (std::size_t u = 0; u < units_.size(); ++u) {
      if (arch.choices[u] == 0) continue;
      const Unit& unit = units_[u];
      if (unit.head) {
        mask.heads[unit.layer].push_back(unit.index);
      } else {
        const int size = model_.sizes.layers[unit.layer].ffn / groups_;
        for (int i = 0; i < size; ++i) mask.neurons[unit.layer].push_back(unit.index * size + i);
      }
    }
    // Without neuron groups every FFN unit is kept.
    if (groups_ == 0) {
      for (std::size_t l = 0; l < layers; ++l) {
        for (int i = 0; i < model_.sizes.layers[l].ffn; ++i) mask.neurons[l].push_back(i);
      }
    }
    return mask;
  }

  transformer::Sizes PrunedSizes(const Architecture& arch) const override {
    const Mask mask = Kept(arch);
    transformer::Sizes sizes = model_.sizes;
    for (std::size_t l = 0; l < sizes.layers.size(); ++l) {
      sizes.layers[l].heads = static_cast<int>(mask.heads[l].size());
      sizes.layers[l].ffn = static_cast<int>(mask.neurons[l].size());
    }
    return sizes;
  }

 private:
  void CheckMember(const Architecture& arch) const {
    if (!Contains(arch)) {
      throw UserError("not a mask of the prune space: expected " + std::to_string(units_.size()) +
                      " choices of 0 or 1, got " + std::to_string(arch.choices.size()) +
                      " choices");
    }
  }

  std::string Example() const {
    return " (the full model is '" + Format(*Largest()) + "')";
  }

  // `bits` must be `count` characters of '0' and '1', or '-' when `count` is 0.
  void AppendBits(std::string_view bits, int count, const char* what, std::string_view text,
                  int layer, Architecture& arch) const {
    const bool ok = count == 0 ? bits == "-"
                               : static_cast<int>(bits.size()) == count &&
                                     bits.find_first_not_of("01") == std::string_view::npos;
    if (!ok) {
      throw UserError("prune mask '" + std::string(text) + "', layer " + std::to_string(layer) +
                      ": expected " +
                      (count == 0 ? std::string("'-' (the model's layer has no ") + what + ")"
                                  : std::to_string(count) + " " + what + " bits of '0' or '1'") +
                      ", got '" + std::string(bits) + "'" + Example());
    }
    for (const char bit : bits) {
      if (bit != '-') arch.choices.push_back(bit == '1' ? 1 : 0);
    }
  }

  // Checks that the table was measured on a skeleton that can time every mask of this space.
  void ReadTableSkeleton() {
    const std::string advice =
        "; measure one with `sculpt latency CONFIG` on a transformer config with this model's "
        "skeleton and lists that hold every size a mask can leave (heads 0 to the model's "
        "largest count; FFN sizes every multiple of a neuron group)";
    if (latency_table_->family != "transformer") {
      throw UserError("the latency table was measured for the space '" + latency_table_->family +
                      "', not for transformers" + advice);
    }
    ConfigErrors errors;
    Options block(latency_table_->skeleton, "skeleton", errors, nullptr);
    table_skeleton_ = transformer::ReadSkeleton(block);
    if (!errors.Empty()) throw UserError("the latency table's skeleton: " + errors.Messages().front());
    const transformer::Skeleton& m = model_.skeleton;
    const transformer::Skeleton& t = table_skeleton_;
    if (t.input_channels != m.input_channels || t.input_size != m.input_size ||
        t.patch_size != m.patch_size || t.layers != m.layers || t.head_dim != m.head_dim ||
        t.classes != m.classes || t.class_token != m.class_token) {
      throw UserError("the latency table was measured for the skeleton " +
                      latency_table_->skeleton.dump() + ", which differs from the model's " +
                      transformer::SkeletonJson(m).dump() + " in more than its lists" + advice);
    }
    auto require = [&](const std::vector<int>& list, int value, const std::string& what) {
      if (!ListHas(list, value)) {
        throw UserError("the latency table's skeleton has no " + what + " " +
                        std::to_string(value) + advice);
      }
    };
    require(t.embed_dims, model_.sizes.embed, "embedding dimension");
    for (const transformer::Layer& layer : model_.sizes.layers) {
      for (int h = 0; h <= layer.heads; ++h) require(t.heads, h, "head count");
      const int step = groups_ > 0 ? layer.ffn / std::max(groups_, 1) : layer.ffn;
      require(t.ffn_dims, 0, "FFN size");
      for (int f = step; f > 0 && f <= layer.ffn; f += step) require(t.ffn_dims, f, "FFN size");
    }
    // Every key a mask can name (those of the model's embedding dimension), checked now rather
    // than in the middle of a search.
    const std::string d = "/d" + std::to_string(model_.sizes.embed);
    for (const std::string& key : transformer::LatencyKeys(t)) {
      const std::size_t at = key.find(d);
      const bool of_model = at != std::string::npos &&
                            (at + d.size() == key.size() || key[at + d.size()] == '/');
      if (of_model && latency_table_->parts_ms.count(key) == 0) {
        throw UserError("the latency table has no entry '" + key + "'" + advice);
      }
    }
  }

  Model model_;
  int groups_;
  std::vector<Unit> units_;
  std::shared_ptr<const LatencyLookup> latency_table_;  // null: no latency_lut_ms
  transformer::Skeleton table_skeleton_;
};

}  // namespace

Model ReadModel(const std::filesystem::path& folder) {
  const std::filesystem::path file = folder / "architecture.json";
  if (!std::filesystem::is_directory(folder)) {
    throw UserError("the model folder '" + folder.string() + "' does not exist (give the folder "
                    "a run's \"final\" block, `sculpt train --out` or `sculpt export` wrote)");
  }
  if (!std::filesystem::exists(file)) {
    throw UserError("the model folder '" + folder.string() + "' holds no architecture.json: "
                    "not an exported model (export one with `sculpt export` or `sculpt train "
                    "--out`)");
  }
  const nlohmann::json document = ReadJsonFile(file, "exported model");
  const std::string where = "the exported model " + file.string();
  if (!document.is_object() || document.value("family", std::string()) != "transformer" ||
      !document.contains("skeleton") || !document.contains("arch")) {
    throw UserError(where + " is not a trained transformer (architecture.json of a retrained "
                    "transformer has \"family\": \"transformer\", \"skeleton\" and \"arch\"; "
                    "train one with a run's \"final\" block or `sculpt train --out`)");
  }
  ConfigErrors errors;
  Options skeleton_block(document["skeleton"], "skeleton", errors, nullptr);
  Model model;
  model.folder = folder;
  model.skeleton = transformer::ReadSkeleton(skeleton_block);
  skeleton_block.Finish();
  if (!errors.Empty()) throw UserError(where + ": " + errors.Messages().front());
  transformer::ValidateSkeleton(model.skeleton);
  model.arch = document["arch"].is_string() ? document["arch"].get<std::string>() : "";
  const Architecture arch = transformer::MakeSpace(model.skeleton)->Parse(model.arch);
  model.sizes = transformer::Decode(arch, model.skeleton);
  const nlohmann::json config = document.value("experiment", nlohmann::json::object())
                                    .value("config", nlohmann::json::object());
  for (const char* block : {"final", "evaluator"}) {
    if (config.is_object() && config.contains(block) && config[block].is_object() &&
        config[block].contains("dataset")) {
      model.dataset = config[block]["dataset"];
      break;
    }
  }
  if (model.dataset.is_null() && document.contains("pruned") && document["pruned"].is_object()) {
    model.dataset = document["pruned"].value("dataset", nlohmann::json(nullptr));
  }
  const nlohmann::json retrain = document.value("retrain", nlohmann::json::object());
  model.identity = {
      {"training_run", retrain.is_object() ? retrain.value("training_run", nlohmann::json(nullptr))
                                           : nlohmann::json(nullptr)},
      {"weights", nullptr}};
  // The weights decide: another training of the same network gives another hash.
  if (std::ifstream weights(folder / "model.pt", std::ios::binary); weights) {
    const std::string bytes((std::istreambuf_iterator<char>(weights)),
                            std::istreambuf_iterator<char>());
    model.identity["weights"] = HashToHex(HashText(bytes));
  }
  return model;
}

Architecture SizesIn(const transformer::Sizes& sizes, const transformer::Skeleton& skeleton) {
  auto index = [](const std::vector<int>& list, int value) {
    const auto found = std::find(list.begin(), list.end(), value);
    SCULPT_ASSERT(found != list.end(), "a size the skeleton's lists do not hold");
    return static_cast<int>(found - list.begin());
  };
  Architecture arch;
  arch.choices.push_back(index(skeleton.embed_dims, sizes.embed));
  for (const transformer::Layer& layer : sizes.layers) {
    arch.choices.push_back(index(skeleton.heads, layer.heads));
    arch.choices.push_back(index(skeleton.ffn_dims, layer.ffn));
  }
  return arch;
}

std::unique_ptr<PruneSpace> MakeSpace(Model model, int neuron_groups,
                                      std::shared_ptr<const LatencyLookup> latency_table) {
  return std::make_unique<Space>(std::move(model), neuron_groups, std::move(latency_table));
}

std::unique_ptr<SearchSpace> MakeSpaceFromOptions(Options& options) {
  // No options.Finish(): the caller also reads "type" from this block, then finishes it.
  const std::string folder = options.RequiredString("model");
  const int groups = static_cast<int>(options.Int("neuron_groups", 0, 0, 1 << 20));
  const std::optional<LatencyTableDocument> table = ReadLatencyTableOption(options);
  if (folder.empty()) return nullptr;  // already reported
  Model model;
  try {
    model = ReadModel(folder);
  } catch (const UserError& error) {
    options.Error("model", error.what());
    return nullptr;
  }
  options.Record("trained_model", model.identity);
  // Checked here as well as by the space, to file the error under the key to change.
  for (std::size_t l = 0; l < model.sizes.layers.size(); ++l) {
    const int ffn = model.sizes.layers[l].ffn;
    if (groups > 0 && ffn > 0 && ffn % groups != 0) {
      options.Error("neuron_groups", "neuron_groups " + std::to_string(groups) +
                                         " does not divide the " + std::to_string(ffn) +
                                         " FFN units of layer " + std::to_string(l) +
                                         " of the model in " + model.folder.string());
      return nullptr;
    }
  }
  std::unique_ptr<PruneSpace> space;
  try {
    space = MakeSpace(model, groups);
  } catch (const UserError& error) {
    options.Error("model", error.what());
    return nullptr;
  }
  if (!table) return space;
  try {
    return MakeSpace(
        std::move(model), groups,
        std::make_shared<LatencyLookup>(LatencyLookupFromJson(table->table, table->source)));
  } catch (const UserError& error) {
    options.Error("latency_table", error.what());
    return nullptr;
  }
}

}  // namespace sculpt::prune
