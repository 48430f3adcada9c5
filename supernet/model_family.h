#pragma once
// ModelFamily: the network code of one search space. A space (spaces/) says which architectures
// exist and what they cost; its family says how to build and run them with LibTorch: the
// stand-alone network of an architecture, the weight-sharing supernet of the whole space, the
// extraction of one path of the supernet as a stand-alone network, the check that the skeleton
// fits a data set, the network's blocks, and the latency lookup table of its parts. Everything
// that trains, scores, retrains, times or exports a network (the supernet and train evaluators,
// SPOS training, the final retraining, `sculpt train|export|latency`) works through this
// interface and never names a space.
//
// A family is built from the space's config block (the same block the space reads, already
// validated), by a factory registered under the space's name in experiments/config/builtins.cc. A
// new space with networks is one space file, one family file (each listed in its folder's
// CMakeLists.txt) and a registration line for each (docs/ADDING_A_SPACE.md walks through the
// transformer).
//
// Thread-safety: a family is immutable after construction; every method is const and may be
// called from any thread. What it builds is as thread-safe as a torch::nn::Module: train it on
// one thread; after training, Supernet::Forward may run on many threads at once (families make
// forward free of writes to module state, e.g. nb201's batch-statistics BN).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>
#include <torch/nn/module.h>

#include "spaces/architecture.h"
#include "spaces/options.h"
#include "spaces/rng.h"

namespace sculpt {

class OnnxGraph;

// What a family checks its skeleton against: the images and classes of a data set.
struct DataShape {
  std::int64_t channels = 0;
  std::int64_t height = 0;
  std::int64_t width = 0;
  std::int64_t classes = 0;
};

// A stand-alone network of one architecture: only the chosen parts exist, at the chosen sizes.
class Network {
 public:
  virtual ~Network() = default;
  // The module: parameters, train()/eval(), save()/load().
  virtual torch::nn::Module& Module() = 0;
  // Images [n, c, h, w] -> logits [n, classes].
  virtual at::Tensor Forward(const at::Tensor& images) = 0;
  // Runs block `block` alone on the previous block's output (the images for block 0); the last
  // block returns the logits. Chaining every block equals Forward.
  virtual at::Tensor ForwardBlock(int block, const at::Tensor& input) = 0;
  // Adds the network in eval mode to `graph` on `input` (images, supernet/onnx/onnx_graph.h) and
  // returns the logits' value. Throws UserError when it cannot be exported: the default, for a
  // family without an ONNX exporter, and a network with no fixed eval-mode function.
  virtual std::string ExportOnnx(OnnxGraph& graph, const std::string& input);
  // Structured dropout (LayerDrop, Fan et al. 2019, at the grain of attention heads): from now
  // on every training-mode Forward drops each head for each image with `probability`, its output
  // zeroed and the others left unscaled, as pruning will leave them; the draws come from a
  // generator seeded with `seed`. Eval mode never drops. A training-mode Forward then changes the
  // generator's state: one thread at a time. Does nothing for families without heads
  // (ModelFamily::HasAttentionHeads).
  virtual void SetHeadDrop(double /*probability*/, std::uint64_t /*seed*/) {}
};

// The weight-sharing supernet of a space: one set of weights from which every architecture's
// network is a path (nb201: one candidate op per edge; transformer: weight slices).
class Supernet {
 public:
  virtual ~Supernet() = default;
  virtual torch::nn::Module& Module() = 0;
  // Images -> logits through the path of `arch` (a member of the space; UserError otherwise).
  virtual at::Tensor Forward(const at::Tensor& images, const Architecture& arch) = 0;
  // Block `block` of `arch`'s path alone (see Network::ForwardBlock).
  virtual at::Tensor ForwardBlock(int block, const at::Tensor& input, const Architecture& arch) = 0;
};

// How the SPOS trainer picks the paths of one step.
enum class PathSampling {
  kUniform,   // one path, each choice uniform (SPOS)
  kSandwich,  // the largest, the smallest and `random` uniform paths (BigNAS/OFA sandwich rule)
};

// How a latency table is measured (see ModelFamily::MeasureLatencyTable).
struct LatencyTableOptions {
  int runs = 100;   // timed calls per entry (>= 1)
  int warmup = 10;  // untimed calls first (>= 0): the first calls allocate and pick kernels
};

class ModelFamily {
 public:
  virtual ~ModelFamily() = default;

  // The space's registered name, e.g. "nb201".
  virtual std::string Name() const = 0;
  // The skeleton as the config keys of the space block that shape the networks (recorded with
  // training runs and exports, and part of checkpoint fingerprints).
  virtual nlohmann::json Skeleton() const = 0;
  // A stable text naming the skeleton and everything else that changes a supernet's weights
  // besides the training options (SPOS checkpoints are refused when it differs).
  virtual std::string Fingerprint() const = 0;

  // Empty when the family's networks take `data`'s images and classes; otherwise why not,
  // naming the space keys to change and their values (a config error the user can act on).
  virtual std::string DataMismatch(const DataShape& data) const = 0;
  // A batch-1 input of the networks: {1, channels, height, width}.
  virtual std::vector<std::int64_t> InputShape() const = 0;

  // The deployable network of `arch`, freshly initialised from `seed` (retraining, the train
  // evaluator, latency). Throws UserError when `arch` is not a member of the space.
  virtual std::shared_ptr<Network> BuildNetwork(const Architecture& arch,
                                                std::uint64_t seed) const = 0;
  virtual std::shared_ptr<Supernet> BuildSupernet(std::uint64_t seed) const = 0;
  // A stand-alone network of `arch` holding copies of the supernet's weights for that path: in
  // eval mode its output equals supernet.Forward(x, arch). Later training of either does not
  // affect the other.
  virtual std::shared_ptr<Network> Extract(Supernet& supernet, const Architecture& arch) const = 0;

  // The paths one SPOS step trains (see PathSampling). `random` is the sandwich's count of
  // uniform paths. Draws only from `rng`.
  virtual std::vector<Architecture> TrainingPaths(Rng& rng, PathSampling sampling,
                                                  int random) const = 0;

  // Whether Network::ExportOnnx works for this family's retrained networks (an exporter exists).
  virtual bool ExportsOnnx() const { return false; }
  // Whether the networks have attention heads that Network::SetHeadDrop drops.
  virtual bool HasAttentionHeads() const { return false; }

  // The network's blocks in order (e.g. nb201 "stage1".."stage3"); at least one.
  virtual std::vector<std::string> BlockNames() const = 0;
  // The positions of an architecture's choices that block `block` computes with: its own
  // decisions and those the whole network shares (transformer: the embedding dimension and its
  // layers' heads and FFN sizes; nb201: every edge, one cell being repeated in every stage). In
  // increasing order. Two architectures equal at these positions run the same block
  // (supernet/blockwise/: a block's score is kept once per value of these positions).
  virtual std::vector<int> BlockDecisions(int block) const = 0;
  // The size of the feature axis of what block `block` (>= 1) takes from the block before it
  // in `arch`'s network: channels of nb201's [n, C, H, W] maps (axis 1), the embedding dimension
  // of a transformer's [n, tokens, d] tokens (the last axis).
  virtual std::int64_t BlockInputFeatures(int block, const Architecture& arch) const = 0;
  // The skeleton without what changes no network (a transformer's blocks): what the weights of
  // a network trained alone depend on, for the fingerprints of such trainings.
  virtual nlohmann::json NetworkSkeleton() const { return Skeleton(); }
  // This family with other blocks: `sizes` gives each block's size in order, in the family's
  // units (a transformer's layers), adding up to the whole network. Changes no network, only
  // where blocks end (a block-wise supernet's "blocks"). Null where the blocks stay as they are.
  // Throws UserError for sizes that do not fit, and for other blocks where they are fixed (the
  // default: nb201's stages, each of size 1).
  virtual std::unique_ptr<ModelFamily> WithBlocks(const std::vector<int>& sizes) const;
  // Cuts `network`, one of this family's networks (a block-wise teacher), into the blocks of
  // `student`'s skeleton where the two differ only in where blocks end (a transformer's
  // block_layers): adjusts `network` in place without changing a weight and returns the family
  // that now describes it. Null when nothing changes, when this family's blocks are fixed
  // (nb201: its stages) or when `student` is another family; the teacher is then used as it is.
  virtual std::unique_ptr<ModelFamily> RecutBlocks(Network& /*network*/,
                                                   const ModelFamily& /*student*/) const {
    return nullptr;
  }

  // Times every part of the family's networks on this machine (batch 1, eval mode, LibTorch's
  // current thread count) and returns the table document the space's "latency_table" option
  // reads. Call it from one thread on an idle machine.
  virtual nlohmann::json MeasureLatencyTable(const LatencyTableOptions& options) const = 0;
  // The table as lines for a person. The default lists the "parts" of a generic table
  // (spaces/latency_lookup.h).
  virtual std::string DescribeLatencyTable(const nlohmann::json& table) const;
  // What the table predicts for `arch` without its overhead terms (a plain sum of the parts'
  // latencies), to show what the overheads buy; nullopt when the family's table has none.
  virtual std::optional<double> PartsOnlyLatencyMs(const nlohmann::json& /*table*/,
                                                   const Architecture& /*arch*/) const {
    return std::nullopt;
  }
};

// Reads the family's skeleton from the space block (already validated by the space factory).
using ModelFamilyFactory = std::function<std::unique_ptr<ModelFamily>(Options& space_block)>;

// The DataMismatch of a family whose networks take square `input_channels` x `input_size` images
// and have `classes` outputs (more outputs than the data's classes is allowed: the extra ones
// are never the label). `also_set`, when given, names further keys to set when the image size
// changes (e.g. a patch size that must divide the new size).
struct SquareImageInput {
  std::string family;  // for the message: "<family> networks take square images"
  std::int64_t input_channels = 0;
  std::int64_t input_size = 0;
  std::int64_t classes = 0;
};
std::string SquareImageMismatch(
    const SquareImageInput& skeleton, const DataShape& data,
    const std::function<std::vector<std::string>(std::int64_t new_size)>& also_set = {});

// Writes `network`'s parameters and buffers to `path` as a LibTorch archive (written beside and
// renamed). Throws UserError when it cannot be written.
void SaveNetwork(Network& network, const std::filesystem::path& path);
// Loads `path` into `network`, refusing (UserError) a file whose tensors differ from the
// network's in names or shapes: a model.pt of another architecture or skeleton.
void LoadNetwork(Network& network, const std::filesystem::path& path);
// A weights file's bytes as a hash (hex): a teacher's weights are part of what a network
// distilled from it learns, so they belong in that training's identity.
std::string WeightsFileHash(const std::filesystem::path& path);

}  // namespace sculpt
