#pragma once
// OnnxGraph: one ONNX model under construction, from LibTorch tensors, for the model families'
// exporters (Network::ExportOnnx). It names every value, keeps weights as initializers, and
// before writing checks the model with onnx::checker and full shape inference, so that a file
// Sculpt writes is one the ONNX tools accept.
// The op forms are chosen for the runtimes people deploy with, OpenCV 4.6's DNN module and ONNX
// Runtime (opset 13; see docs/EXPORT.md). One trap is handled here for every family: OpenCV
// decides whether average pooling counts padded cells from the model's producer_name ("pytorch":
// it counts them), so the producer is "sculpt" and AveragePool's own count_include_pad holds.
// Thread-safety: one thread per graph.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <ATen/core/Tensor.h>

namespace onnx {
class ModelProto;
class NodeProto;
}  // namespace onnx

namespace sculpt {

inline constexpr int kOnnxOpset = 13;

// One node's attributes, set by chained calls: graph.Node(...).Ints("pads", {1, 1, 1, 1}).
class OnnxNode {
 public:
  explicit OnnxNode(onnx::NodeProto& node) : node_(node) {}
  OnnxNode& Int(const std::string& name, std::int64_t value);
  OnnxNode& Ints(const std::string& name, const std::vector<std::int64_t>& values);
  OnnxNode& Float(const std::string& name, float value);
  // The node's (first) output.
  const std::string& Output() const;

 private:
  onnx::NodeProto& node_;
};

class OnnxGraph {
 public:
  explicit OnnxGraph(const std::string& name);
  ~OnnxGraph();
  OnnxGraph(const OnnxGraph&) = delete;
  OnnxGraph& operator=(const OnnxGraph&) = delete;

  // The graph's float input [batch, dims...], the batch dimension dynamic. Returns its name.
  std::string Input(const std::string& name, const std::vector<std::int64_t>& dims);
  // A float32 initializer holding a copy of `value` (any dtype and layout); returns its name,
  // `name` made unique.
  std::string Constant(const std::string& name, const at::Tensor& value);
  // An int64 initializer of shape [values.size()], for the inputs ONNX takes as int64 tensors
  // (Reshape's shape, Slice's starts, ends and axes).
  std::string Int64s(const std::string& name, const std::vector<std::int64_t>& values);
  // A node of `op` on `inputs`, its one output named after `name` (made unique).
  OnnxNode Node(const std::string& op, const std::vector<std::string>& inputs,
                const std::string& name);
  // A fully connected layer on the rows of `x` ([batch, in]): x weight^T + bias as one Gemm,
  // its weight ([out, in], as torch::nn::Linear keeps it) and bias constants named
  // `weights_name`.weight and .bias. Returns the output's name (after `name`).
  std::string Dense(const std::string& x, const at::Tensor& weight, const at::Tensor& bias,
                    const std::string& weights_name, const std::string& name);
  // Declares `value` the graph's float output [batch, dims...].
  void Output(const std::string& value, const std::vector<std::int64_t>& dims);
  // A metadata_props entry (e.g. the architecture's string form).
  void Metadata(const std::string& key, const std::string& value);

  // Runs onnx::checker and strict shape inference; throws InternalError naming what failed (an
  // exporter bug, never the user's). Then writes the model to `path` (beside and renamed);
  // UserError when it cannot be written.
  void Write(const std::filesystem::path& path);

 private:
  std::string Unique(const std::string& name);

  std::unique_ptr<onnx::ModelProto> model_;
  std::unordered_set<std::string> names_;  // of every value and node so far
};

}  // namespace sculpt
