// What a deployment engineer asks first about an exported network: how long the ONNX export
// takes, how large the files are, and the batch-1 latency of model.onnx in OpenCV's DNN module
// and in ONNX Runtime against model.pt in LibTorch, on this machine, measured in one run. Usage:
//   build/benchmarks/onnx_export_bench DIR... [--runs N] [--threads T]
// Each DIR is an export folder (architecture.json and model.pt; `sculpt run`'s final block or
// `sculpt export` writes one). The ONNX model is written anew into /tmp/sculpt-onnx-bench/K/.
// ONNX Runtime runs in Node.js (benchmarks/onnx_latency.cjs) from
// build/onnxruntime-node/node_modules (scripts/test.sh installs it); without it that column says
// so. Every runtime gets T threads (default 1) and the same number of runs; medians.

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <torch/torch.h>

#include "experiments/config/builtins.h"
#include "benchmarks/export_dirs_args.h"
#include "experiments/models/model_export.h"
#include "supernet/latency.h"
#include "supernet/onnx/onnx_export.h"

namespace fs = std::filesystem;

namespace {

std::string Run(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  char buffer[4096];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  return pclose(pipe) == 0 ? out : "failed: " + out;
}

std::string Kilobytes(const fs::path& path) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(0) << fs::file_size(path) / 1024.0 << " kB";
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<ExportDirsArgs> args =
      ParseExportDirsArgs(argc, argv, "onnx_export_bench", /*runs=*/200, /*threads=*/1);
  if (!args) return 2;
  const std::vector<std::string>& dirs = args->dirs;
  const int runs = args->runs;
  const int threads = args->threads;
  at::set_num_threads(threads);
  cv::setNumThreads(threads);
  const fs::path source = fs::path(SCULPT_SOURCE_DIR);
  const fs::path node_modules = fs::path(SCULPT_BUILD_DIR) / "onnxruntime-node/node_modules";
  const bool have_ort = fs::exists(node_modules / "onnxruntime-node");

  std::cout << "| network | params | model.pt | model.onnx | export | LibTorch | OpenCV DNN | "
               "ONNX Runtime (Node) | max abs diff (OpenCV, LibTorch) |\n"
            << "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (std::size_t k = 0; k < dirs.size(); ++k) {
    const fs::path dir = dirs[k];
    const nlohmann::json document = nlohmann::json::parse(std::ifstream(dir / "architecture.json"));
    nlohmann::json space = document.at("skeleton");
    space["type"] = document.at("family");
    const auto family = sculpt::BuildFamily(space);
    const auto arch = sculpt::BuildSpace(space)->Parse(document.at("arch").get<std::string>());
    const auto network = sculpt::ReadModel(*family, arch, dir / sculpt::kModelFile);
    std::int64_t params = 0;
    for (const auto& p : network->Module().parameters()) params += p.numel();

    const fs::path out = fs::path("/tmp/sculpt-onnx-bench") / std::to_string(k);
    fs::create_directories(out);
    const double export_ms = sculpt::MedianMilliseconds(
        [&] { sculpt::WriteOnnxExport(*network, *family, document, out); }, 5, 1);
    const fs::path onnx = out / sculpt::kOnnxModelFile;

    const std::vector<std::int64_t> shape = family->InputShape();  // {1, c, h, w}
    const double libtorch_ms = sculpt::MeasureLatencyMs(
        [&](const at::Tensor& x) { return network->Forward(x); }, shape, runs, 20);

    cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx.string());
    const torch::Tensor image = torch::randn(shape);
    const std::vector<int> dims(shape.begin(), shape.end());
    const cv::Mat blob(4, dims.data(), CV_32F, image.data_ptr<float>());
    float max_diff = 0;
    {
      net.setInput(blob);
      const cv::Mat logits = net.forward();
      torch::NoGradGuard no_grad;
      const torch::Tensor expected = network->Forward(image);
      const torch::Tensor got =
          torch::from_blob(const_cast<float*>(logits.ptr<float>()), expected.sizes());
      max_diff = (got - expected).abs().max().item<float>();
    }
    const double opencv_ms = sculpt::MedianMilliseconds(
        [&] {
          net.setInput(blob);
          net.forward();
        },
        runs, 20);

    std::string ort = "not installed";
    if (have_ort) {
      ort = Run("NODE_PATH=" + node_modules.string() + " node " +
                (source / "benchmarks/onnx_latency.cjs").string() + " " + onnx.string() + " " +
                std::to_string(shape[1]) + " " + std::to_string(shape[2]) + " " +
                std::to_string(shape[3]) + " " + std::to_string(runs) + " " +
                std::to_string(threads));
      while (!ort.empty() && ort.back() == '\n') ort.pop_back();
      if (ort.rfind("failed", 0) != 0) ort += " ms";
    }
    std::cout << std::fixed << "| " << family->Name() << " `" << document.at("arch").get<std::string>()
              << "` | " << params << " | " << Kilobytes(dir / sculpt::kModelFile) << " | "
              << Kilobytes(onnx) << " | " << std::setprecision(1) << export_ms << " ms | "
              << std::setprecision(3) << libtorch_ms << " ms | " << opencv_ms << " ms | " << ort
              << " | " << std::scientific << std::setprecision(1) << max_diff << " |\n";
  }
  std::cout << "batch 1, " << threads << " thread(s), median of " << runs << " runs each\n";
  return 0;
}
