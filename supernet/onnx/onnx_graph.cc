#include "supernet/onnx/onnx_graph.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>
#include <torch/types.h>

#include <algorithm>
#include <fstream>

#include "sculpt/version.h"
#include "spaces/errors.h"
#include "supernet/archive_file.h"

namespace sculpt {
namespace {

void SetFloatShape(onnx::ValueInfoProto& info, const std::vector<std::int64_t>& dims) {
  onnx::TypeProto_Tensor& tensor = *info.mutable_type()->mutable_tensor_type();
  tensor.set_elem_type(onnx::TensorProto_DataType_FLOAT);
  onnx::TensorShapeProto& shape = *tensor.mutable_shape();
  shape.add_dim()->set_dim_param("batch");
  for (std::int64_t dim : dims) shape.add_dim()->set_dim_value(dim);
}

}  // namespace

OnnxNode& OnnxNode::Int(const std::string& name, std::int64_t value) {
  onnx::AttributeProto& attribute = *node_.add_attribute();
  attribute.set_name(name);
  attribute.set_type(onnx::AttributeProto_AttributeType_INT);
  attribute.set_i(value);
  return *this;
}

OnnxNode& OnnxNode::Ints(const std::string& name, const std::vector<std::int64_t>& values) {
  onnx::AttributeProto& attribute = *node_.add_attribute();
  attribute.set_name(name);
  attribute.set_type(onnx::AttributeProto_AttributeType_INTS);
  for (std::int64_t value : values) attribute.add_ints(value);
  return *this;
}

OnnxNode& OnnxNode::Float(const std::string& name, float value) {
  onnx::AttributeProto& attribute = *node_.add_attribute();
  attribute.set_name(name);
  attribute.set_type(onnx::AttributeProto_AttributeType_FLOAT);
  attribute.set_f(value);
  return *this;
}

const std::string& OnnxNode::Output() const { return node_.output(0); }

OnnxGraph::OnnxGraph(const std::string& name) : model_(std::make_unique<onnx::ModelProto>()) {
  model_->set_ir_version(onnx::IR_VERSION);
  model_->set_producer_name("sculpt");
  model_->set_producer_version(kVersion);
  onnx::OperatorSetIdProto& opset = *model_->add_opset_import();
  opset.set_domain("");
  opset.set_version(kOnnxOpset);
  model_->mutable_graph()->set_name(name);
}

OnnxGraph::~OnnxGraph() = default;

std::string OnnxGraph::Unique(const std::string& name) {
  std::string unique = name;
  for (int suffix = 1; names_.count(unique) != 0; ++suffix) {
    unique = name + "_" + std::to_string(suffix);
  }
  names_.insert(unique);
  return unique;
}

std::string OnnxGraph::Input(const std::string& name, const std::vector<std::int64_t>& dims) {
  onnx::ValueInfoProto& input = *model_->mutable_graph()->add_input();
  input.set_name(Unique(name));
  SetFloatShape(input, dims);
  return input.name();
}

std::string OnnxGraph::Constant(const std::string& name, const at::Tensor& value) {
  const at::Tensor data = value.detach().to(torch::kFloat32).contiguous();
  onnx::TensorProto& tensor = *model_->mutable_graph()->add_initializer();
  tensor.set_name(Unique(name));
  tensor.set_data_type(onnx::TensorProto_DataType_FLOAT);
  for (std::int64_t dim : data.sizes()) tensor.add_dims(dim);
  tensor.set_raw_data(data.data_ptr<float>(), static_cast<std::size_t>(data.numel()) * sizeof(float));
  return tensor.name();
}

std::string OnnxGraph::Int64s(const std::string& name, const std::vector<std::int64_t>& values) {
  onnx::TensorProto& tensor = *model_->mutable_graph()->add_initializer();
  tensor.set_name(Unique(name));
  tensor.set_data_type(onnx::TensorProto_DataType_INT64);
  tensor.add_dims(static_cast<std::int64_t>(values.size()));
  for (std::int64_t value : values) tensor.add_int64_data(value);
  return tensor.name();
}

std::string OnnxGraph::Dense(const std::string& x, const at::Tensor& weight,
                             const at::Tensor& bias, const std::string& weights_name,
                             const std::string& name) {
  const std::string w = Constant(weights_name + ".weight", weight);
  const std::string b = Constant(weights_name + ".bias", bias);
  return Node("Gemm", {x, w, b}, name).Int("transB", 1).Output();
}

OnnxNode OnnxGraph::Node(const std::string& op, const std::vector<std::string>& inputs,
                         const std::string& name) {
  onnx::NodeProto& node = *model_->mutable_graph()->add_node();
  node.set_op_type(op);
  node.set_name(Unique(name));
  for (const std::string& input : inputs) node.add_input(input);
  node.add_output(node.name());
  return OnnxNode(node);
}

void OnnxGraph::Output(const std::string& value, const std::vector<std::int64_t>& dims) {
  onnx::ValueInfoProto& output = *model_->mutable_graph()->add_output();
  output.set_name(value);
  SetFloatShape(output, dims);
}

void OnnxGraph::Metadata(const std::string& key, const std::string& value) {
  onnx::StringStringEntryProto& entry = *model_->add_metadata_props();
  entry.set_key(key);
  entry.set_value(value);
}

void OnnxGraph::Write(const std::filesystem::path& path) {
  try {
    onnx::checker::check_model(*model_);
    onnx::ShapeInferenceOptions options;
    options.check_type = true;
    options.error_mode = 1;  // throw on any inference error
    onnx::shape_inference::InferShapes(*model_, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception& error) {
    throw InternalError("the ONNX model of graph '" + model_->graph().name() +
                        "' failed ONNX's checks: " + error.what());
  }
  try {
    std::string bytes;
    if (!model_->SerializeToString(&bytes)) throw std::runtime_error("cannot serialise it");
    WriteFileWhole(path, bytes);
  } catch (const std::exception& error) {
    throw UserError("cannot write the ONNX model " + path.string() + ": " + error.what());
  }
}

}  // namespace sculpt
