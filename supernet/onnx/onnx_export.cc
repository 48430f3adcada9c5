#include "supernet/onnx/onnx_export.h"

#include <torch/types.h>
#include <torch/utils.h>

#include "spaces/errors.h"
#include "supernet/onnx/onnx_graph.h"

namespace sculpt {

void WriteOnnxModel(Network& network, const ModelFamily& family,
                    const std::map<std::string, std::string>& metadata,
                    const std::filesystem::path& path) {
  // In train mode the forward below would move batch norm's running statistics.
  SCULPT_ASSERT(!network.Module().is_training(), "WriteOnnxModel needs a network in eval mode");
  const std::vector<std::int64_t> shape = family.InputShape();  // {1, c, h, w}
  std::int64_t classes = 0;
  {
    // The logits' width, from the network itself rather than a family-specific key.
    torch::NoGradGuard no_grad;
    classes = network.Forward(torch::zeros(shape)).size(1);
  }
  OnnxGraph graph(family.Name());
  const std::string images = graph.Input("images", {shape.begin() + 1, shape.end()});
  std::string logits;
  try {
    logits = network.ExportOnnx(graph, images);
  } catch (const UserError& error) {
    throw UserError("cannot export the " + family.Name() + " network to ONNX: " + error.what());
  }
  graph.Output(logits, {classes});
  graph.Metadata("family", family.Name());
  graph.Metadata("classes", std::to_string(classes));
  for (const auto& [key, value] : metadata) graph.Metadata(key, value);
  graph.Write(path);
}

}  // namespace sculpt
