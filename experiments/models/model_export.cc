#include "experiments/models/model_export.h"

#include <map>
#include <string>

#include "supernet/onnx/onnx_export.h"

namespace sculpt {

void WriteModel(Network& network, const std::filesystem::path& path) {
  SaveNetwork(network, path);
}

void WriteOnnxExport(Network& network, const ModelFamily& family, const nlohmann::json& document,
                     const std::filesystem::path& out_dir) {
  std::map<std::string, std::string> metadata;
  for (const char* key : {"space", "arch", "sculpt_version"}) {
    if (document.contains(key) && document[key].is_string()) metadata[key] = document[key];
  }
  if (document.contains("input")) metadata["input"] = document["input"].dump();
  WriteOnnxModel(network, family, metadata, out_dir / kOnnxModelFile);
}

std::shared_ptr<Network> ReadModel(const ModelFamily& family, const Architecture& arch,
                                   const std::filesystem::path& path) {
  std::shared_ptr<Network> network = family.BuildNetwork(arch, 0);
  LoadNetwork(*network, path);
  network->Module().eval();
  return network;
}

}  // namespace sculpt
