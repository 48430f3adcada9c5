#include "experiments/models/model_export.h"

namespace sculpt {

void WriteModel(Network& network, const std::filesystem::path& path) {
  SaveNetwork(network, path);
}

std::shared_ptr<Network> ReadModel(const ModelFamily& family, const Architecture& arch,
                                   const std::filesystem::path& path) {
  std::shared_ptr<Network> network = family.BuildNetwork(arch, 0);
  LoadNetwork(*network, path);
  network->Module().eval();
  return network;
}

}  // namespace sculpt
