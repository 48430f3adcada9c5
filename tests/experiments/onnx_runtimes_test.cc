// model.onnx in the runtimes people deploy with, through docs/EXPORT.md's own examples
// (docs/example/onnx/): C++ with OpenCV's DNN module, Node.js with ONNX Runtime (npm's
// onnxruntime-node, which scripts/test.sh installs into the build tree), and Python with ONNX
// Runtime (`pip install onnxruntime`; PyPI is out of reach here and Debian has no package, so
// that one says it was skipped unless `import onnxruntime` works). And a transformer's model.pt
// in plain PyTorch (docs/example/torch/, Debian's python3-torch), whose forward pass EXPORT.md
// writes out. Each example must print LibTorch's logits within 1e-4 for real Fashion-MNIST test
// images (Debian's dataset-fashion-mnist; where it is not installed, generated images of its
// shape, and the test says so), for an nb201 network and transformers with every kind of layer.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "experiments/models/model_export.h"
#include "spaces/nb201.h"
#include "spaces/transformer.h"
#include "supernet/data/idx_reader.h"
#include "supernet/families.h"
#include "supernet/nb201/nb201_family.h"
#include "supernet/onnx/onnx_export.h"
#include "supernet/torch_threads.h"
#include "tests/experiments/run_sculpt.h"
#include "tests/supernet/test_data.h"
#include "tests/supernet/tiny_models.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;

constexpr int kImages = 16;
const fs::path kFashionMnistTest = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
const fs::path kExamples = fs::path(SCULPT_SOURCE_DIR) / "docs/example/onnx";
const fs::path kTorchExample =
    fs::path(SCULPT_SOURCE_DIR) / "docs/example/torch/classify_transformer.py";
// Debian's Python, which has python3-torch (a python3 earlier on PATH may not).
constexpr const char* kDebianPython = "/usr/bin/python3";
const fs::path kNodeModules = fs::path(SCULPT_BUILD_DIR) / "onnxruntime-node/node_modules";

// Every parameter and buffer drawn anew (LayerNorm and batch-norm scales around 1, variances
// positive), so that no part of the export is checked on zeros and ones only.
void Randomise(torch::nn::Module& module, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(seed);
  for (auto& item : module.named_parameters()) {
    const std::string& name = item.key();
    const bool scale = name.find("norm.weight") != std::string::npos ||
                       name.find("bn.weight") != std::string::npos;
    if (scale) {
      item.value().uniform_(0.5, 1.5);
    } else {
      item.value().add_(torch::randn_like(item.value()) * 0.1);
    }
  }
  for (auto& item : module.named_buffers()) {
    if (item.key().find("running_var") != std::string::npos) item.value().uniform_(0.5, 2.0);
    if (item.key().find("running_mean") != std::string::npos) item.value().uniform_(-0.5, 0.5);
  }
}

// One export folder as `sculpt export --format onnx` writes it (what the examples read:
// architecture.json's "input" and model.onnx), and LibTorch's logits for the images.
struct Export {
  fs::path dir;
  torch::Tensor logits;  // [kImages, 10]
};

class OnnxRuntimesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetTorchThreads(1);
    root_ = new fs::path(fs::path(::testing::TempDir()) / "sculpt_onnx_runtimes");
    fs::remove_all(*root_);
    fs::create_directories(*root_);
    real_images_ = fs::exists(kFashionMnistTest);
    images_path_ = new fs::path(real_images_ ? kFashionMnistTest : *root_ / "t10k-images.gz");
    if (!real_images_) {
      const ImageSet set = testing::MakeImages(kImages, 28, 10, 7);
      WriteIdx(*images_path_, IdxKind::kImages, {{kImages, 28, 28}, set.pixels}, true);
    }
    const IdxData idx = ReadIdx(*images_path_, IdxKind::kImages);
    const torch::Tensor pixels =
        torch::from_blob(const_cast<std::uint8_t*>(idx.bytes.data()), {kImages, 1, 28, 28},
                         torch::kUInt8)
            .to(torch::kFloat32);
    // Fashion-MNIST's training-set mean and standard deviation, as a run would record them.
    const nlohmann::json input = {{"shape", {1, 28, 28}}, {"pixel_scale", 1.0 / 255.0},
                                  {"mean", {0.2860}}, {"std", {0.3530}}};
    const torch::Tensor images =
        (pixels * static_cast<float>(1.0 / 255.0) - 0.2860f) / 0.3530f;

    nb201::Skeleton cells = testing::TinySkeleton(10);
    cells.input_size = 28;
    const Architecture cell{{nb201::kAvgPool3x3, nb201::kConv1x1, nb201::kConv3x3,
                             nb201::kSkipConnect, nb201::kConv3x3, nb201::kAvgPool3x3}};
    nb201_ = new Export(Write("nb201", *MakeNb201Family(cells), cell, input, images));

    transformer::Skeleton vit;
    vit.patch_size = 7;
    vit.layers = 3;
    vit.embed_dims = {16};
    vit.heads = {0, 1, 2};
    vit.ffn_dims = {0, 24};
    vit.head_dim = 8;
    vit.class_token = true;
    // Layers: two heads and an FFN; one head alone; an FFN alone.
    const Architecture layers{{0, 2, 1, 1, 0, 0, 1}};
    transformer_ = new Export(Write("transformer", *MakeTransformerFamilyFor(vit), layers, input, images));
    // Mean pooling, two embedding widths (the network takes the second), an identity layer.
    vit.class_token = false;
    vit.embed_dims = {8, 16};
    const Architecture mean_pooled{{1, 1, 1, 0, 0, 2, 0}};
    transformer_mean_ = new Export(
        Write("transformer-mean", *MakeTransformerFamilyFor(vit), mean_pooled, input, images));
  }

  static Export Write(const std::string& name, const ModelFamily& family, const Architecture& arch,
                      const nlohmann::json& input, const torch::Tensor& images) {
    const std::shared_ptr<Network> network = family.BuildNetwork(arch, 3);
    Randomise(network->Module(), 5);
    network->Module().eval();
    const fs::path dir = *root_ / name;
    fs::create_directories(dir);
    const nlohmann::json document = {{"space", family.Name()},
                                     {"arch", name},
                                     {"family", family.Name()},
                                     {"input", input},
                                     {"skeleton", family.Skeleton()}};
    std::ofstream(dir / "architecture.json") << document.dump(2);
    WriteOnnxExport(*network, family, document, dir);
    SaveNetwork(*network, dir / "model.pt");
    torch::NoGradGuard no_grad;
    return {dir, network->Forward(images)};
  }

  // Runs an example on an export folder and checks its JSON lines against LibTorch's logits.
  static void ExpectLibTorchLogits(const std::string& command, const Export& exported) {
    const testing::SculptResult result = RunCommand(
        command + " " + exported.dir.string() + " " + images_path_->string() + " " +
        std::to_string(kImages));
    ASSERT_EQ(result.status, 0) << command << "\n" << result.out;
    std::istringstream lines(result.out);
    std::vector<float> logits;
    int rows = 0;
    for (std::string line; std::getline(lines, line);) {
      const nlohmann::json row = nlohmann::json::parse(line);
      ASSERT_EQ(row["image"], rows) << line;
      for (float value : row["logits"]) logits.push_back(value);
      const auto expected_class = exported.logits[rows].argmax().item<std::int64_t>();
      EXPECT_EQ(row["class"].get<std::int64_t>(), expected_class) << line;
      ++rows;
    }
    ASSERT_EQ(rows, kImages) << result.out;
    const torch::Tensor got = torch::tensor(logits).view({kImages, -1});
    ASSERT_EQ(got.sizes(), exported.logits.sizes());
    EXPECT_LT((got - exported.logits).abs().max().item<float>(), 1e-4)
        << command << " on " << exported.dir << (real_images_ ? "" : " (generated images)");
  }

  static void SayWhichImages() {
    if (!real_images_) {
      std::cout << "[  NOTE    ] " << kFashionMnistTest
                << " is not installed (Debian's dataset-fashion-mnist): generated images of its "
                   "shape were used\n";
    }
  }

  static inline fs::path* root_ = nullptr;
  static inline fs::path* images_path_ = nullptr;
  static inline bool real_images_ = false;
  static inline Export* nb201_ = nullptr;
  static inline Export* transformer_ = nullptr;
  static inline Export* transformer_mean_ = nullptr;
};

TEST_F(OnnxRuntimesTest, TheOpenCvExampleGivesLibTorchsLogits) {
  SayWhichImages();
  ExpectLibTorchLogits(SCULPT_CLASSIFY_OPENCV, *nb201_);
  ExpectLibTorchLogits(SCULPT_CLASSIFY_OPENCV, *transformer_);
}

TEST_F(OnnxRuntimesTest, TheOnnxRuntimeNodeExampleGivesLibTorchsLogits) {
  if (RunCommand("command -v node").status != 0 || !fs::exists(kNodeModules / "onnxruntime-node")) {
    GTEST_SKIP() << "ONNX Runtime for Node.js is not installed (scripts/test.sh installs it: npm "
                    "install --ignore-scripts onnxruntime-node into "
                 << kNodeModules.parent_path() << ")";
  }
  SayWhichImages();
  const std::string command =
      "NODE_PATH=" + kNodeModules.string() + " node " + (kExamples / "classify.cjs").string();
  ExpectLibTorchLogits(command, *nb201_);
  ExpectLibTorchLogits(command, *transformer_);
}

TEST_F(OnnxRuntimesTest, TheOnnxRuntimePythonExampleGivesLibTorchsLogits) {
  if (RunCommand("python3 -c 'import onnxruntime, numpy'").status != 0) {
    GTEST_SKIP() << "ONNX Runtime for Python is not installed (pip install onnxruntime numpy; "
                    "Debian 12 has no package and PyPI is out of this machine's reach)";
  }
  SayWhichImages();
  const std::string command = "python3 " + (kExamples / "classify.py").string();
  ExpectLibTorchLogits(command, *nb201_);
  ExpectLibTorchLogits(command, *transformer_);
}

TEST_F(OnnxRuntimesTest, ThePyTorchExampleRunsATransformersModelPtAsLibTorchDoes) {
  if (RunCommand(std::string(kDebianPython) + " -c 'import torch'").status != 0) {
    GTEST_SKIP() << "PyTorch for Python is not installed (Debian's python3-torch)";
  }
  SayWhichImages();
  const std::string command = std::string(kDebianPython) + " " + kTorchExample.string();
  ExpectLibTorchLogits(command, *transformer_);
  ExpectLibTorchLogits(command, *transformer_mean_);
}

TEST_F(OnnxRuntimesTest, ThePyTorchExampleRefusesAnNb201Export) {
  const testing::SculptResult result =
      RunCommand(std::string(kDebianPython) + " " + kTorchExample.string() + " " +
                 nb201_->dir.string() + " " + images_path_->string());
  EXPECT_NE(result.status, 0);
  EXPECT_NE(result.out.find("use model.onnx"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace sculpt
