// ONNX export checked in a runtime people deploy with: OpenCV's DNN module runs the exported
// model, and its logits must equal LibTorch's within 1e-4 (ONNX Runtime and real images:
// tests/experiments/onnx_runtimes_test.cc).

#include "supernet/onnx/onnx_export.h"

#include <gtest/gtest.h>
#include <opencv2/dnn.hpp>
#include <torch/torch.h>

#include "spaces/errors.h"
#include "spaces/nb201.h"
#include "spaces/transformer.h"
#include "supernet/families.h"
#include "supernet/nb201/nb201_family.h"
#include "supernet/onnx/onnx_graph.h"
#include "supernet/transformer/transformer_onnx.h"
#include "supernet/torch_threads.h"
#include "tests/supernet/test_data.h"
#include "tests/supernet/tiny_models.h"

namespace sculpt {
namespace {

using nb201::kAvgPool3x3;
using nb201::kConv1x1;
using nb201::kConv3x3;
using nb201::kNone;
using nb201::kSkipConnect;

// Batch norms that do something: random running statistics and affine parameters.
void RandomiseBatchNorms(torch::nn::Module& module, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(seed);
  module.apply([](torch::nn::Module& m) {
    if (auto* bn = m.as<torch::nn::BatchNorm2d>()) {
      bn->running_mean.uniform_(-0.5, 0.5);
      bn->running_var.uniform_(0.5, 2.0);
      bn->weight.uniform_(0.5, 1.5);
      bn->bias.uniform_(-0.5, 0.5);
    }
  });
}

// The logits OpenCV computes for `images` [n, c, h, w] with the model in `path`.
torch::Tensor RunInOpenCv(const std::filesystem::path& path, const torch::Tensor& images) {
  cv::dnn::Net net = cv::dnn::readNetFromONNX(path.string());
  const torch::Tensor input = images.contiguous();
  std::vector<int> dims(input.sizes().begin(), input.sizes().end());
  cv::Mat blob(static_cast<int>(dims.size()), dims.data(), CV_32F, input.data_ptr<float>());
  net.setInput(blob);
  cv::Mat out = net.forward();
  return torch::from_blob(out.ptr<float>(), {out.size[0], out.size[1]}).clone();
}

class OnnxExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetTorchThreads(1);
    dir_ = testing::TempDir("onnx");
  }
  std::filesystem::path dir_;
};

TEST_F(OnnxExportTest, Nb201NetworksRunInOpenCvAsInLibTorch) {
  const std::unique_ptr<ModelFamily> family = MakeNb201Family(testing::TinySkeleton(4));
  const std::vector<Architecture> cells = {
      // Every op, average pooling included (it must not count the padding).
      {{kAvgPool3x3, kNone, kConv3x3, kSkipConnect, kConv1x1, kNone}},
      // Node 1 has no input: it is zero, and the 3x3 conv reading it gives its batch norm's shift.
      {{kNone, kSkipConnect, kConv3x3, kConv1x1, kNone, kAvgPool3x3}},
      // No path to the output: the cell outputs zero.
      {{kNone, kNone, kNone, kNone, kNone, kNone}},
  };
  const torch::Tensor images = torch::randn({3, 1, 8, 8});
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const std::shared_ptr<Network> network = family->BuildNetwork(cells[i], 11 + i);
    RandomiseBatchNorms(network->Module(), 5 + i);
    network->Module().eval();
    const std::filesystem::path path = dir_ / ("cell" + std::to_string(i)) / kOnnxModelFile;
    WriteOnnxModel(*network, *family, {{"architecture", "cell " + std::to_string(i)}}, path);
    ASSERT_TRUE(std::filesystem::exists(path));
    torch::NoGradGuard no_grad;
    const torch::Tensor expected = network->Forward(images);
    const torch::Tensor got = RunInOpenCv(path, images);
    ASSERT_EQ(got.sizes(), expected.sizes()) << i;
    EXPECT_LT((got - expected).abs().max().item<float>(), 1e-4) << i;
    // The batch dimension is dynamic.
    const torch::Tensor one = RunInOpenCv(path, images.slice(0, 1, 2));
    EXPECT_LT((one - expected.slice(0, 1, 2)).abs().max().item<float>(), 1e-4) << i;
  }
}

// Every parameter drawn anew (LayerNorm scales around 1), so that the folding of LayerNorm's
// scale and shift into the next layer is checked on more than ones and zeros.
void RandomiseTransformer(torch::nn::Module& module, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(seed);
  for (auto& item : module.named_parameters()) {
    if (item.key().find("norm.weight") != std::string::npos) {
      item.value().uniform_(0.5, 1.5);
    } else {
      item.value().add_(torch::randn_like(item.value()) * 0.2);
    }
  }
}

TEST_F(OnnxExportTest, TransformerNetworksRunInOpenCvAsInLibTorch) {
  for (const bool class_token : {false, true}) {
    transformer::Skeleton skeleton = testing::TinyTransformerSkeleton(4, {0, 1, 2, 3});
    skeleton.class_token = class_token;
    const std::unique_ptr<ModelFamily> family = MakeTransformerFamilyFor(skeleton);
    // Per layer (heads, FFN): three heads and an FFN, the identity, one head alone, an FFN alone.
    const Architecture arch{{0, 3, 1, 0, 0, 1, 0, 0, 1}};
    const std::shared_ptr<Network> network = family->BuildNetwork(arch, 7);
    RandomiseTransformer(network->Module(), class_token ? 2 : 1);
    network->Module().eval();
    const std::filesystem::path path =
        dir_ / (class_token ? "cls" : "mean") / kOnnxModelFile;
    WriteOnnxModel(*network, *family, {}, path);
    const torch::Tensor images = torch::randn({3, 1, 8, 8});
    torch::NoGradGuard no_grad;
    const torch::Tensor expected = network->Forward(images);
    const torch::Tensor got = RunInOpenCv(path, images);
    ASSERT_EQ(got.sizes(), expected.sizes()) << class_token;
    EXPECT_LT((got - expected).abs().max().item<float>(), 1e-4) << class_token;
    const torch::Tensor one = RunInOpenCv(path, images.slice(0, 2, 3));
    EXPECT_LT((one - expected.slice(0, 2, 3)).abs().max().item<float>(), 1e-4) << class_token;
  }
}

TEST_F(OnnxExportTest, APrunedTransformerRunsInOpenCvAsInLibTorch) {
  // A pruned network's head and FFN counts need not be in the skeleton's lists (two heads of
  // three, 5 FFN units of 16, a layer left with nothing).
  const transformer::Skeleton skeleton = testing::TinyTransformerSkeleton(3, {0, 3});
  transformer::Sizes sizes;
  sizes.embed = 16;
  sizes.layers = {{2, 5}, {0, 0}, {1, 0}};
  TransformerNetwork pruned(sizes, TransformerNetworkOptions(skeleton).seed(4));
  RandomiseTransformer(*pruned, 9);
  pruned->eval();
  const std::unique_ptr<ModelFamily> family = MakeTransformerFamilyFor(skeleton);
  const std::filesystem::path path = dir_ / "pruned" / kOnnxModelFile;
  OnnxGraph graph("pruned");
  const std::string images_name = graph.Input("images", {1, 8, 8});
  graph.Output(TransformerToOnnx(*pruned, graph, images_name), {3});
  graph.Write(path);
  const torch::Tensor images = torch::randn({2, 1, 8, 8});
  torch::NoGradGuard no_grad;
  const torch::Tensor expected = pruned->forward(images);
  EXPECT_LT((RunInOpenCv(path, images) - expected).abs().max().item<float>(), 1e-4);
}

TEST_F(OnnxExportTest, ANetworkNormalisingWithBatchStatisticsIsRefused) {
  const std::unique_ptr<ModelFamily> family = MakeNb201Family(testing::TinySkeleton(4));
  const Architecture arch{{kConv3x3, kSkipConnect, kConv1x1, kNone, kAvgPool3x3, kConv3x3}};
  const std::shared_ptr<Supernet> supernet = family->BuildSupernet(3);
  const std::shared_ptr<Network> extracted = family->Extract(*supernet, arch);
  extracted->Module().eval();
  const std::filesystem::path path = dir_ / "extracted" / kOnnxModelFile;
  try {
    WriteOnnxModel(*extracted, *family, {}, path);
    FAIL() << "exported a network with batch statistics";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("batch statistics"), std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace sculpt
