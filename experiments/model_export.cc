#include "experiments/model_export.h"

#include <torch/serialize.h>

#include "spaces/errors.h"

namespace sculpt {

void WriteModel(const Nb201Network& network, const std::filesystem::path& path) {
  std::filesystem::path partial = path;
  partial += ".partial";
  try {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    torch::save(network, partial.string());
    std::filesystem::rename(partial, path);
  } catch (const std::exception& error) {
    throw UserError("cannot write the model " + path.string() + ": " + error.what());
  }
}

Nb201Network ReadModel(const Architecture& arch, const nb201::Skeleton& skeleton,
                       const std::filesystem::path& path) {
  Nb201Network network(arch, Nb201NetworkOptions(skeleton));
  try {
    torch::load(network, path.string());
  } catch (const c10::Error& error) {
    throw UserError("cannot read the model " + path.string() + " as this architecture's network (" +
                    error.what_without_backtrace() + ")");
  }
  network->eval();
  return network;
}

}  // namespace sculpt
