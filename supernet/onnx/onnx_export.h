#pragma once
// model.onnx: a trained stand-alone network as an ONNX model that OpenCV's DNN module and ONNX
// Runtime run without Sculpt (docs/EXPORT.md). Input "images": float [batch, channels, height,
// width], normalised as the network was trained (the metadata says how); output: the logits
// [batch, classes]. The batch dimension is dynamic.
// Thread-safety: reads the network (put it in eval mode first); one call at a time per network.

#include <filesystem>
#include <map>
#include <string>

#include "supernet/model_family.h"

namespace sculpt {

inline constexpr const char* kOnnxModelFile = "model.onnx";

// Writes `network`, a network of `family`, to `path` (checked by ONNX, then written beside and
// renamed), with `metadata` as its metadata_props plus "family" and "classes". Throws UserError when the
// network cannot be exported (see Network::ExportOnnx) or the file cannot be written.
void WriteOnnxModel(Network& network, const ModelFamily& family,
                    const std::map<std::string, std::string>& metadata,
                    const std::filesystem::path& path);

}  // namespace sculpt
