// classify EXPORT_DIR IMAGES [COUNT]: classifies the first COUNT (10) images of an IDX image file
// with the network that `sculpt export` wrote to EXPORT_DIR (architecture.json and model.pt).
//
// The network is rebuilt from architecture.json by its space's model family, the weights are
// loaded with ReadModel (which refuses a model.pt whose tensors do not match that network by
// name and shape), the pixels are normalised as the training normalised them ("input" in
// architecture.json), and each image's class and logits are printed.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "experiments/config/builtins.h"
#include "experiments/models/model_export.h"
#include "supernet/data/idx_reader.h"

namespace {

int Classify(const std::filesystem::path& dir, const std::filesystem::path& images_file,
             std::int64_t count) {
  std::ifstream file(dir / "architecture.json");
  if (!file) {
    std::cerr << "classify: no " << (dir / "architecture.json").string() << "\n";
    return 1;
  }
  const nlohmann::json document = nlohmann::json::parse(file);
  if (!document.contains("input")) {
    std::cerr << "classify: " << dir.string() << " holds no trained network (no model.pt)\n";
    return 1;
  }
  // The space of the network: its family's, on the skeleton the weights were made for (for a
  // pruned network, a skeleton whose lists hold the pruned sizes).
  nlohmann::json space = document.at("skeleton");
  space["type"] = document.at("family");
  const std::shared_ptr<const sculpt::ModelFamily> family = sculpt::BuildFamily(space);
  const sculpt::Architecture arch =
      sculpt::BuildSpace(space)->Parse(document.at("arch").get<std::string>());
  const std::shared_ptr<sculpt::Network> network =
      sculpt::ReadModel(*family, arch, dir / sculpt::kModelFile);

  const nlohmann::json& input = document.at("input");
  const auto shape = input.at("shape").get<std::vector<std::int64_t>>();  // channels, h, w
  const sculpt::IdxData images = sculpt::ReadIdx(images_file, sculpt::IdxKind::kImages);
  if (shape[0] != 1 || images.dims[1] != shape[1] || images.dims[2] != shape[2]) {
    std::cerr << "classify: the network takes " << shape[0] << " x " << shape[1] << " x "
              << shape[2] << " images; " << images_file.string() << " holds 1 x "
              << images.dims[1] << " x " << images.dims[2] << "\n";
    return 1;
  }
  count = std::min(count, images.dims[0]);
  const double scale = input.at("pixel_scale").get<double>();
  const double mean = input.at("mean").at(0).get<double>();
  const double std = input.at("std").at(0).get<double>();
  torch::Tensor pixels =
      torch::from_blob(const_cast<std::uint8_t*>(images.bytes.data()),
                       {count, 1, shape[1], shape[2]}, torch::kUInt8)
          .to(torch::kFloat32);
  const torch::Tensor x = (pixels * scale - mean) / std;

  torch::NoGradGuard no_grad;
  const torch::Tensor logits = network->Forward(x);
  std::cout << document.at("arch").get<std::string>() << "\n" << std::fixed << std::setprecision(4);
  for (std::int64_t i = 0; i < count; ++i) {
    std::cout << "image " << i << ": class " << logits[i].argmax().item<std::int64_t>()
              << ", logits";
    for (std::int64_t k = 0; k < logits.size(1); ++k) std::cout << " " << logits[i][k].item<float>();
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::cerr << "usage: classify EXPORT_DIR IMAGES [COUNT]\n";
    return 2;
  }
  try {
    const long long count = argc == 4 ? std::atoll(argv[3]) : 10;
    if (count < 1) {
      std::cerr << "classify: COUNT must be a positive number\n";
      return 2;
    }
    return Classify(argv[1], argv[2], count);
  } catch (const std::exception& error) {
    std::cerr << "classify: " << error.what() << "\n";
    return 1;
  }
}
