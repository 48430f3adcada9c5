#pragma once
// model.pt: the trained stand-alone network of an exported architecture, as a LibTorch archive
// (Module::save's layout: every parameter and buffer under its module path, e.g.
// cells/0/edge3/op/1/weight for nb201, BN running statistics included). LibTorch reads it back
// into a network that the space's model family builds from the same architecture and skeleton
// (ReadModel, or torch::load in your own program). See docs/EXPORT.md.
// Thread-safety: stateless functions.

#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "spaces/architecture.h"
#include "supernet/evaluators/evaluators.h"
#include "supernet/model_family.h"

namespace sculpt {

inline constexpr const char* kModelFile = "model.pt";

// Writes `network` to `path` (written beside and renamed: a reader never sees half a file).
// Throws UserError when it cannot be written.
void WriteModel(Network& network, const std::filesystem::path& path);

// Writes `network` to out_dir/model.onnx (supernet/onnx/onnx_export.h), its metadata_props
// taken from the export `document` (architecture.json): space, arch, sculpt_version and the
// input normalisation ("input", as JSON). Throws UserError when the family has no ONNX export
// or the file cannot be written.
void WriteOnnxExport(Network& network, const ModelFamily& family, const nlohmann::json& document,
                     const std::filesystem::path& out_dir);

// Builds `family`'s network of `arch` and loads `path` into it; in eval mode. Throws UserError
// when the file cannot be read or does not hold that network's tensors, by name and shape (a
// model.pt of another architecture or skeleton is refused, never resized).
std::shared_ptr<Network> ReadModel(const ModelFamily& family, const Architecture& arch,
                                   const std::filesystem::path& path);

// The trained network of an export folder (architecture.json naming its family, skeleton and
// architecture, and model.pt): what block-wise distillation reads as its teacher. Throws
// UserError naming the folder and what is missing or wrong (no folder, no architecture.json,
// an export without trained weights, a skeleton or model.pt that does not match).
ExportedModel ReadExportedModel(const std::filesystem::path& folder);

}  // namespace sculpt
