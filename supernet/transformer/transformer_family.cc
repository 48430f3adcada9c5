// The transformer model family (supernet/model_family.h): vision transformers of the
// "transformer" space (spaces/transformer.h), stand-alone (TransformerNetwork) and as a
// weight-entangled supernet (TransformerSupernet).

#include <algorithm>
#include <charconv>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/utils.h>

#include "spaces/errors.h"
#include "spaces/latency_lookup.h"
#include "spaces/machine.h"
#include "spaces/transformer.h"
#include "supernet/families.h"
#include "supernet/latency.h"
#include "supernet/latency_table.h"
#include "supernet/transformer/transformer_network.h"
#include "supernet/transformer/transformer_onnx.h"
#include "supernet/transformer/transformer_ops.h"
#include "supernet/transformer/transformer_supernet.h"

namespace sculpt {
namespace {

class TransformerNetworkHandle final : public Network {
 public:
  explicit TransformerNetworkHandle(TransformerNetwork network) : network_(std::move(network)) {}
  torch::nn::Module& Module() override { return *network_; }
  at::Tensor Forward(const at::Tensor& images) override { return network_->forward(images); }
  at::Tensor ForwardBlock(int block, const at::Tensor& input) override {
    return network_->forward_block(block, input);
  }
  std::string ExportOnnx(OnnxGraph& graph, const std::string& input) override {
    return TransformerToOnnx(*network_, graph, input);
  }
  void SetHeadDrop(double probability, std::uint64_t seed) override {
    network_->set_head_drop(probability, seed);
  }
  const TransformerNetwork& Get() const { return network_; }

 private:
  TransformerNetwork network_;
};

class TransformerSupernetHandle final : public Supernet {
 public:
  explicit TransformerSupernetHandle(TransformerSupernet supernet)
      : supernet_(std::move(supernet)) {}
  torch::nn::Module& Module() override { return *supernet_; }
  at::Tensor Forward(const at::Tensor& images, const Architecture& arch) override {
    return supernet_->forward(images, arch);
  }
  at::Tensor ForwardBlock(int block, const at::Tensor& input, const Architecture& arch) override {
    return supernet_->forward_block(block, input, arch);
  }
  const TransformerSupernet& Get() const { return supernet_; }

 private:
  TransformerSupernet supernet_;
};

// A latency key split at its slashes: "attn/d64/h2" -> kind "attn", d 64, size 2 (the number
// after the letter of the third part; 0 when there is none).
struct LatencyKey {
  std::string kind;
  int embed = 0;
  int size = 0;
};

LatencyKey ParseLatencyKey(const std::string& key) {
  auto number = [&key](std::string_view part, char letter) {
    int value = 0;
    const char* end = part.data() + part.size();
    const bool ok = part.size() > 1 && part.front() == letter &&
                    std::from_chars(part.data() + 1, end, value).ptr == end;
    SCULPT_ASSERT(ok, "unexpected transformer latency key '" + key + "'");
    return value;
  };
  std::vector<std::string_view> parts;
  std::string_view rest = key;
  for (std::size_t slash; (slash = rest.find('/')) != std::string_view::npos;) {
    parts.push_back(rest.substr(0, slash));
    rest.remove_prefix(slash + 1);
  }
  parts.push_back(rest);
  SCULPT_ASSERT(parts.size() == 2 || parts.size() == 3,
                "unexpected transformer latency key '" + key + "'");
  LatencyKey parsed{std::string(parts[0]), number(parts[1], 'd'), 0};
  if (parts.size() == 3) parsed.size = number(parts[2], parsed.kind == "attn" ? 'h' : 'f');
  return parsed;
}

class TransformerFamily final : public ModelFamily {
 public:
  explicit TransformerFamily(transformer::Skeleton skeleton) : skeleton_(std::move(skeleton)) {}

  std::string Name() const override { return "transformer"; }
  nlohmann::json Skeleton() const override { return transformer::SkeletonJson(skeleton_); }
  nlohmann::json NetworkSkeleton() const override {
    transformer::Skeleton network = skeleton_;
    network.block_layers = transformer::Skeleton{}.block_layers;
    network.block_sizes.clear();
    return transformer::SkeletonJson(network);
  }
  std::string Fingerprint() const override {
    // Bump the version when the weight layout, initialisation or forward pass changes.
    return "transformer-spos-v1 " + Skeleton().dump();
  }

  std::string DataMismatch(const DataShape& data) const override {
    const transformer::Skeleton& s = skeleton_;
    return SquareImageMismatch(
        {"transformer", s.input_channels, s.input_size, s.classes}, data,
        [&s](std::int64_t new_size) {
          // The new size must still be cut into whole patches.
          std::vector<std::string> also;
          if (new_size % s.patch_size != 0) {
            also.push_back("a \"patch_size\" that divides " + std::to_string(new_size));
          }
          return also;
        });
  }

  std::vector<std::int64_t> InputShape() const override {
    return {1, skeleton_.input_channels, skeleton_.input_size, skeleton_.input_size};
  }

  std::shared_ptr<Network> BuildNetwork(const Architecture& arch,
                                        std::uint64_t seed) const override {
    return std::make_shared<TransformerNetworkHandle>(
        TransformerNetwork(arch, TransformerNetworkOptions(skeleton_).seed(seed)));
  }

  std::shared_ptr<Supernet> BuildSupernet(std::uint64_t seed) const override {
    return std::make_shared<TransformerSupernetHandle>(
        TransformerSupernet(TransformerSupernetOptions(skeleton_).seed(seed)));
  }

  std::shared_ptr<Network> Extract(Supernet& supernet, const Architecture& arch) const override {
    const auto* ours = dynamic_cast<const TransformerSupernetHandle*>(&supernet);
    SCULPT_ASSERT(ours != nullptr, "the transformer family was given another family's supernet");
    return std::make_shared<TransformerNetworkHandle>(ExtractNetwork(ours->Get(), arch));
  }

  std::vector<Architecture> TrainingPaths(Rng& rng, PathSampling sampling,
                                          int random) const override {
    if (sampling == PathSampling::kUniform) return {UniformPath(rng)};
    std::vector<Architecture> paths = {Path([](int n) { return n - 1; }),
                                       Path([](int) { return 0; })};
    for (int i = 0; i < random; ++i) paths.push_back(UniformPath(rng));
    return paths;
  }

  std::vector<std::string> BlockNames() const override { return TransformerBlockNames(skeleton_); }
  std::vector<int> BlockDecisions(int block) const override {
    const TransformerBlock layers = BlockLayers(block);
    std::vector<int> positions = {0};  // the embedding dimension: every block's width
    for (int l = layers.first; l < layers.end; ++l) {
      positions.push_back(1 + 2 * l);
      positions.push_back(2 + 2 * l);
    }
    return positions;
  }
  std::int64_t BlockInputFeatures(int block, const Architecture& arch) const override {
    SCULPT_ASSERT(block >= 1, "block 0 takes the images");
    BlockLayers(block);
    return transformer::Decode(arch, skeleton_).embed;
  }
  std::unique_ptr<ModelFamily> RecutBlocks(Network& network,
                                           const ModelFamily& student) const override {
    const auto* other = dynamic_cast<const TransformerFamily*>(&student);
    // A teacher of another depth keeps its blocks; the distiller then says they do not fit.
    if (other == nullptr || other->skeleton_.layers != skeleton_.layers ||
        TransformerBlocks(other->skeleton_) == TransformerBlocks(skeleton_)) {
      return nullptr;
    }
    // Where blocks end changes no weight and no forward pass: only the network's skeleton.
    TransformerNetwork ours = AsTransformer(network);
    transformer::Skeleton skeleton = ours->options.skeleton();
    skeleton.block_layers = other->skeleton_.block_layers;
    skeleton.block_sizes = other->skeleton_.block_sizes;
    ours->options.skeleton(skeleton);
    return std::make_unique<TransformerFamily>(skeleton);
  }
  std::unique_ptr<ModelFamily> WithBlocks(const std::vector<int>& sizes) const override {
    const std::string problem = transformer::BlockSizesProblem(sizes, skeleton_.layers);
    if (!problem.empty()) throw UserError(problem);
    transformer::Skeleton skeleton = skeleton_;
    transformer::SetBlockSizes(skeleton, sizes);
    return std::make_unique<TransformerFamily>(skeleton);
  }
  bool ExportsOnnx() const override { return true; }
  bool HasAttentionHeads() const override { return true; }

  nlohmann::json MeasureLatencyTable(const LatencyTableOptions& options) const override;

 private:
  TransformerBlock BlockLayers(int block) const {
    const std::vector<TransformerBlock> blocks = TransformerBlocks(skeleton_);
    SCULPT_ASSERT(block >= 0 && block < static_cast<int>(blocks.size()),
                  "no transformer block " + std::to_string(block));
    return blocks[static_cast<std::size_t>(block)];
  }

  // The architecture whose every choice is pick(number of options).
  Architecture Path(const std::function<int(int)>& pick) const {
    Architecture arch;
    arch.choices.push_back(pick(static_cast<int>(skeleton_.embed_dims.size())));
    for (int l = 0; l < skeleton_.layers; ++l) {
      arch.choices.push_back(pick(static_cast<int>(skeleton_.heads.size())));
      arch.choices.push_back(pick(static_cast<int>(skeleton_.ffn_dims.size())));
    }
    return arch;
  }
  Architecture UniformPath(Rng& rng) const {
    return Path([&rng](int n) { return UniformIndex(rng, n); });
  }

  transformer::Skeleton skeleton_;
};

nlohmann::json TransformerFamily::MeasureLatencyTable(const LatencyTableOptions& options) const {
  if (options.runs < 1 || options.warmup < 0) {
    throw UserError("latency table: runs must be >= 1 and warmup >= 0, got " +
                    std::to_string(options.runs) + " and " + std::to_string(options.warmup));
  }
  const transformer::Skeleton& s = skeleton_;
  torch::NoGradGuard no_grad;
  // Parts are timed without a probe (reading an output value, as MeasureLatencyMs does): CPU ops
  // return when done, and a probe per part would be counted once per part in a sum of many
  // parts but only once in a measured network. The overhead, measured as a whole network is,
  // absorbs it.
  auto time = [&options](const std::function<void()>& call) {
    return MedianMilliseconds(call, options.runs, options.warmup);
  };
  const at::Tensor images = torch::zeros({1, s.input_channels, s.input_size, s.input_size});
  auto tokens = [&s](int embed) { return torch::zeros({1, s.Tokens(), embed}); };
  auto embedding = [&s](int embed) {
    TransformerEmbedding module(
        TransformerEmbeddingOptions(s.input_channels, s.input_size, s.patch_size, embed)
            .class_token(s.class_token));
    module->eval();
    return module;
  };
  auto head = [&s](int embed) {
    TransformerHead module(TransformerHeadOptions(embed, s.classes).class_token(s.class_token));
    module->eval();
    return module;
  };

  LatencyLookup table;
  table.family = Name();
  table.skeleton = Skeleton();
  table.machine = DescribeMachine();
  table.threads = at::get_num_threads();
  table.runs = options.runs;
  table.date = UtcNow();
  std::vector<std::pair<std::string, LatencyKey>> overheads;  // after the parts they subtract
  for (const std::string& key : transformer::LatencyKeys(s)) {
    const LatencyKey parsed = ParseLatencyKey(key);
    const int d = parsed.embed;
    if (parsed.kind == "embed") {
      TransformerEmbedding module = embedding(d);
      table.parts_ms[key] = time([&] { module->forward(images, d); });
    } else if (parsed.kind == "attn") {
      TransformerAttention module(TransformerAttentionOptions(d, parsed.size, s.head_dim));
      module->eval();
      const at::Tensor x = tokens(d);
      table.parts_ms[key] = time([&] { module->forward(x, parsed.size); });
    } else if (parsed.kind == "ffn") {
      TransformerFfn module(TransformerFfnOptions(d, parsed.size));
      module->eval();
      const at::Tensor x = tokens(d);
      table.parts_ms[key] = time([&] { module->forward(x, parsed.size); });
    } else if (parsed.kind == "head") {
      TransformerHead module = head(d);
      const at::Tensor x = tokens(d);
      table.parts_ms[key] = time([&] { module->forward(x); });
    } else if (parsed.kind == "overhead") {
      overheads.emplace_back(key, parsed);
    } else {
      SCULPT_ASSERT(false, "unexpected transformer latency key '" + key + "'");
    }
  }
  for (const auto& [key, parsed] : overheads) {
    // The network of identity layers at d, whatever the skeleton's choice lists: a skeleton
    // that only offers d, no heads and no FFN.
    transformer::Skeleton bare = s;
    bare.embed_dims = {parsed.embed};
    bare.heads = {0};
    bare.ffn_dims = {0};
    TransformerNetworkHandle network(TransformerNetwork(
        Architecture{std::vector<int>(1 + 2 * static_cast<std::size_t>(s.layers), 0)},
        TransformerNetworkOptions(bare)));
    network.Module().eval();
    const double measured =
        MeasureLatencyMs([&network](const at::Tensor& input) { return network.Forward(input); },
                         InputShape(), options.runs, options.warmup);
    const std::string d = "/d" + std::to_string(parsed.embed);
    const double parts = table.parts_ms.at("embed" + d) + table.parts_ms.at("head" + d);
    table.parts_ms[key] = std::max(0.0, measured - parts);
  }
  return LatencyLookupJson(table);
}

}  // namespace

std::unique_ptr<ModelFamily> MakeTransformerFamily(Options& space_block) {
  return std::make_unique<TransformerFamily>(transformer::ReadSkeleton(space_block));
}

std::unique_ptr<ModelFamily> MakeTransformerFamilyFor(const transformer::Skeleton& skeleton) {
  return std::make_unique<TransformerFamily>(skeleton);
}

TransformerNetwork AsTransformer(Network& network) {
  const auto* handle = dynamic_cast<const TransformerNetworkHandle*>(&network);
  if (handle == nullptr) throw InternalError("not a network of the transformer family");
  return handle->Get();
}

}  // namespace sculpt
