// The nb201 model family: NAS-Bench-201 cells on their macro skeleton (spaces/nb201.h), built
// from the modules of nb201_network.h and nb201_supernet.h.

#include "supernet/nb201/nb201_family.h"

#include <iomanip>
#include <numeric>
#include <sstream>

#include "spaces/counted.h"
#include "spaces/errors.h"
#include "spaces/nb201_latency.h"
#include "supernet/families.h"
#include "supernet/latency_table.h"
#include "supernet/nb201/nb201_onnx.h"

namespace sculpt {
namespace {

class Nb201NetworkHolder final : public Network {
 public:
  explicit Nb201NetworkHolder(Nb201Network network) : network_(std::move(network)) {}
  torch::nn::Module& Module() override { return *network_; }
  at::Tensor Forward(const at::Tensor& images) override { return network_->forward(images); }
  at::Tensor ForwardBlock(int block, const at::Tensor& input) override {
    return network_->forward_block(block, input);
  }
  std::string ExportOnnx(OnnxGraph& graph, const std::string& input) override {
    return Nb201ToOnnx(*network_, graph, input);
  }
  const Nb201Network& Get() const { return network_; }

 private:
  Nb201Network network_;
};

class Nb201SupernetHolder final : public Supernet {
 public:
  explicit Nb201SupernetHolder(Nb201Supernet supernet) : supernet_(std::move(supernet)) {}
  torch::nn::Module& Module() override { return *supernet_; }
  at::Tensor Forward(const at::Tensor& images, const Architecture& arch) override {
    return supernet_->forward(images, arch);
  }
  at::Tensor ForwardBlock(int block, const at::Tensor& input, const Architecture& arch) override {
    return supernet_->forward_block(block, input, arch);
  }
  const Nb201Supernet& Get() const { return supernet_; }

 private:
  Nb201Supernet supernet_;
};

Architecture Uniform(Rng& rng) {
  Architecture arch;
  for (int e = 0; e < nb201::kNumEdges; ++e) arch.choices.push_back(UniformIndex(rng, nb201::kNumOps));
  return arch;
}

class Nb201Family final : public ModelFamily {
 public:
  explicit Nb201Family(const nb201::Skeleton& skeleton) : skeleton_(skeleton) {
    nb201::ValidateSkeleton(skeleton_);
  }

  std::string Name() const override { return "nb201"; }
  nlohmann::json Skeleton() const override { return nb201::SkeletonJson(skeleton_); }
  std::string Fingerprint() const override {
    // The text SPOS checkpoints carried before families existed: they stay valid.
    const nb201::Skeleton& s = skeleton_;
    return "nb201-spos-v1 C=" + std::to_string(s.channels) + " N=" +
           std::to_string(s.cells_per_stage) + " in=" + std::to_string(s.input_channels) + "x" +
           std::to_string(s.input_size) + " classes=" + std::to_string(s.classes) + " affine=1";
  }

  std::string DataMismatch(const DataShape& data) const override {
    return SquareImageMismatch(
        {"nb201", skeleton_.input_channels, skeleton_.input_size, skeleton_.classes}, data);
  }

  std::vector<std::int64_t> InputShape() const override {
    return {1, skeleton_.input_channels, skeleton_.input_size, skeleton_.input_size};
  }

  bool ExportsOnnx() const override { return true; }

  std::shared_ptr<Network> BuildNetwork(const Architecture& arch,
                                        std::uint64_t seed) const override {
    return std::make_shared<Nb201NetworkHolder>(
        Nb201Network(arch, Nb201NetworkOptions(skeleton_).seed(seed)));
  }

  std::shared_ptr<Supernet> BuildSupernet(std::uint64_t seed) const override {
    return std::make_shared<Nb201SupernetHolder>(
        Nb201Supernet(Nb201SupernetOptions(skeleton_).seed(seed)));
  }

  std::shared_ptr<Network> Extract(Supernet& supernet, const Architecture& arch) const override {
    return std::make_shared<Nb201NetworkHolder>(ExtractNetwork(AsNb201(supernet), arch));
  }

  std::vector<Architecture> TrainingPaths(Rng& rng, PathSampling sampling,
                                          int random) const override {
    if (sampling == PathSampling::kUniform) return {Uniform(rng)};
    // The sandwich's extremes: every edge a 3x3 conv (the most parameters and FLOPs), and every
    // edge a skip connection (the cheapest cell whose input still reaches its output).
    std::vector<Architecture> paths = {
        Architecture{std::vector<int>(nb201::kNumEdges, nb201::kConv3x3)},
        Architecture{std::vector<int>(nb201::kNumEdges, nb201::kSkipConnect)}};
    for (int i = 0; i < random; ++i) paths.push_back(Uniform(rng));
    return paths;
  }

  std::vector<std::string> BlockNames() const override { return {"stage1", "stage2", "stage3"}; }
  std::vector<int> BlockDecisions(int block) const override {
    nb201::CheckBlock(block);
    std::vector<int> every(nb201::kNumEdges);
    std::iota(every.begin(), every.end(), 0);
    return every;
  }
  std::int64_t BlockInputFeatures(int block, const Architecture& /*arch*/) const override {
    nb201::CheckBlock(block);
    SCULPT_ASSERT(block >= 1, "block 0 takes the images");
    return std::int64_t{skeleton_.channels} << (block - 1);  // stages of C, 2C, 4C channels
  }

  nlohmann::json MeasureLatencyTable(const LatencyTableOptions& options) const override {
    return nb201::LatencyTableToJson(BuildLatencyTable(skeleton_, options));
  }

  std::string DescribeLatencyTable(const nlohmann::json& json) const override {
    const nb201::LatencyTable t = nb201::LatencyTableFromJson(json, "nb201 latency table");
    std::ostringstream out;
    out << std::fixed << std::setprecision(4);
    out << "Latency table (ms, median of " << t.runs << " runs, " << Counted(t.threads, "thread")
        << ", " << t.machine << ", " << t.date << "):\n"
        << "  stem " << t.stem_ms << ", reductions " << t.reduction_ms[0] << " and "
        << t.reduction_ms[1] << ", head " << t.head_ms << ", network overhead "
        << t.network_overhead_ms << "\n";
    for (std::size_t s = 0; s < t.stages.size(); ++s) {
      const nb201::StageLatency& stage = t.stages[s];
      out << "  stage " << s + 1 << " (" << stage.channels << " channels, " << stage.size << "x"
          << stage.size << "):";
      for (int op = 1; op < nb201::kNumOps; ++op) {
        out << " " << nb201::kOpNames[op] << " " << stage.op_ms[op];
      }
      out << "; add " << stage.add_ms << ", zeros " << stage.zeros_ms << ", cell overhead "
          << stage.cell_overhead_ms << "\n";
    }
    return out.str();
  }

  std::optional<double> PartsOnlyLatencyMs(const nlohmann::json& json,
                                           const Architecture& arch) const override {
    return nb201::PredictLatencyMs(nb201::LatencyTableFromJson(json, "nb201 latency table"), arch,
                                   /*with_overheads=*/false);
  }

 private:
  nb201::Skeleton skeleton_;
};

}  // namespace

std::unique_ptr<ModelFamily> MakeNb201Family(const nb201::Skeleton& skeleton) {
  return std::make_unique<Nb201Family>(skeleton);
}

std::unique_ptr<ModelFamily> MakeNb201Family(Options& space_block) {
  return MakeNb201Family(nb201::ReadSkeleton(space_block));
}

Nb201Network AsNb201(Network& network) {
  const auto* holder = dynamic_cast<const Nb201NetworkHolder*>(&network);
  SCULPT_ASSERT(holder != nullptr, "not a network of the nb201 family");
  return holder->Get();
}

Nb201Supernet AsNb201(Supernet& supernet) {
  const auto* holder = dynamic_cast<const Nb201SupernetHolder*>(&supernet);
  SCULPT_ASSERT(holder != nullptr, "not a supernet of the nb201 family");
  return holder->Get();
}

}  // namespace sculpt
