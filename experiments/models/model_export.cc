#include "experiments/models/model_export.h"

#include <map>
#include <string>

#include "experiments/config/builtins.h"
#include "spaces/errors.h"
#include "spaces/json_file.h"
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

ExportedModel ReadExportedModel(const std::filesystem::path& folder) {
  if (!std::filesystem::is_directory(folder)) {
    const std::string where =
        folder.is_absolute()
            ? std::string()
            : ", " + std::filesystem::absolute(folder).lexically_normal().string() + " from here";
    throw UserError("no export folder '" + folder.string() + "'" + where +
                    " (a run's final block, `sculpt export` or `sculpt train --out` writes one: "
                    "run the config that exports there first)");
  }
  const std::filesystem::path file = folder / "architecture.json";
  if (!std::filesystem::exists(file)) {
    throw UserError(folder.string() + " is not an export folder: it has no architecture.json");
  }
  const nlohmann::json document = ReadJsonFile(file, "the export");
  if (!document.is_object() || !document.contains("family") || !document["family"].is_string() ||
      !document.contains("skeleton") || !document["skeleton"].is_object() ||
      !document.contains("arch") || !document["arch"].is_string()) {
    throw UserError(file.string() + " describes no trained network (no family, skeleton or "
                    "architecture): export a candidate that was retrained");
  }
  ExportedModel model;
  model.folder = folder;
  model.space = document["family"].get<std::string>();
  model.arch = document["arch"].get<std::string>();
  model.input = document.value("input", nlohmann::json());
  nlohmann::json space_block = document["skeleton"];
  space_block["type"] = model.space;
  std::shared_ptr<const SearchSpace> space;
  try {
    space = BuildSpace(space_block);
  } catch (const ConfigError& error) {
    throw UserError(file.string() + ": its skeleton is not one of a " + model.space +
                    " space: " + error.what());
  }
  model.family = BuildFamily(space_block);
  if (model.family == nullptr) {
    throw UserError(file.string() + ": the " + model.space + " space has no networks");
  }
  const Architecture arch = space->Parse(model.arch);
  if (!std::filesystem::exists(folder / kModelFile)) {
    throw UserError(folder.string() + " has no " + kModelFile +
                    ": its candidate was exported without trained weights");
  }
  model.network = ReadModel(*model.family, arch, folder / kModelFile);
  return model;
}

}  // namespace sculpt
