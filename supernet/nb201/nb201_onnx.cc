#include "supernet/nb201/nb201_onnx.h"

#include <array>

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include "spaces/errors.h"

namespace sculpt {
namespace {

class Writer {
 public:
  explicit Writer(OnnxGraph& graph) : graph_(graph) {}

  std::string Conv(const std::string& x, torch::nn::Conv2dImpl& conv, const std::string& name) {
    const auto& o = conv.options;
    const std::int64_t pad = c10::get<torch::ExpandingArray<2>>(o.padding())->at(0);
    std::vector<std::string> inputs = {x, graph_.Constant(name + ".weight", conv.weight)};
    if (conv.bias.defined()) inputs.push_back(graph_.Constant(name + ".bias", conv.bias));
    return graph_.Node("Conv", inputs, name)
        .Ints("kernel_shape", {o.kernel_size()->at(0), o.kernel_size()->at(1)})
        .Ints("strides", {o.stride()->at(0), o.stride()->at(1)})
        .Ints("pads", {pad, pad, pad, pad})
        .Output();
  }

  std::string BatchNorm(const std::string& x, torch::nn::BatchNorm2dImpl& bn,
                        const std::string& name) {
    if (!bn.options.track_running_stats()) {
      throw UserError(
          "this nb201 network normalises with batch statistics (its weights come from a "
          "supernet, not a retraining), so it has no fixed function to export; export a "
          "retrained network (the final block, or sculpt train)");
    }
    const std::int64_t channels = bn.options.num_features();
    const at::Tensor scale = bn.options.affine() ? bn.weight : torch::ones({channels});
    const at::Tensor shift = bn.options.affine() ? bn.bias : torch::zeros({channels});
    return graph_
        .Node("BatchNormalization",
              {x, graph_.Constant(name + ".weight", scale), graph_.Constant(name + ".bias", shift),
               graph_.Constant(name + ".running_mean", bn.running_mean),
               graph_.Constant(name + ".running_var", bn.running_var)},
              name)
        .Float("epsilon", static_cast<float>(bn.options.eps()))
        .Output();
  }

  std::string ReLUConvBN(const std::string& x, ReLUConvBNImpl& block, const std::string& name) {
    const std::string relu = graph_.Node("Relu", {x}, name + ".relu").Output();
    return BatchNorm(Conv(relu, *block.conv, name + ".conv"), *block.bn, name + ".bn");
  }

  std::string AveragePool(const std::string& x, std::int64_t kernel, std::int64_t stride,
                          std::int64_t pad, const std::string& name) {
    // count_include_pad 0: NAS-Bench-201's pools divide by the cells inside the image.
    return graph_.Node("AveragePool", {x}, name)
        .Ints("kernel_shape", {kernel, kernel})
        .Ints("strides", {stride, stride})
        .Ints("pads", {pad, pad, pad, pad})
        .Int("count_include_pad", 0)
        .Output();
  }

  std::string Add(const std::string& a, const std::string& b, const std::string& name) {
    return graph_.Node("Add", {a, b}, name).Output();
  }

  std::string Cell(const std::string& input, Nb201CellImpl& cell, const std::string& name) {
    std::array<std::string, nb201::kNumNodes> nodes;  // empty: zero so far
    nodes[0] = input;
    std::string zero;  // made once, when an op reads a zero node
    auto value_of = [&](int node) -> std::string {
      if (!nodes[node].empty()) return nodes[node];
      if (zero.empty()) {
        zero = graph_.Node("Mul", {input, graph_.Constant(name + ".zero", torch::zeros({1}))},
                           name + ".zero_node")
                   .Output();
      }
      return zero;
    };
    for (int e = 0; e < nb201::kNumEdges; ++e) {
      if (cell.edges[e].is_empty()) continue;  // none adds nothing
      CellOpImpl& op = *cell.edges[e];
      const nb201::Edge edge = nb201::kEdges[e];
      const std::string source = value_of(edge.from);
      const std::string edge_name = name + ".edge" + std::to_string(e);
      std::string out;
      switch (op.options.op()) {
        case nb201::kSkipConnect:
          out = source;
          break;
        case nb201::kAvgPool3x3:
          out = AveragePool(source, 3, 1, 1, edge_name + ".pool");
          break;
        case nb201::kConv1x1:
        case nb201::kConv3x3:
          out = ReLUConvBN(source, *op.conv, edge_name);
          break;
        default:
          throw InternalError("nb201 ONNX export: unexpected op on edge " + std::to_string(e));
      }
      nodes[edge.to] =
          nodes[edge.to].empty() ? out : Add(nodes[edge.to], out, name + ".node" +
                                                                      std::to_string(edge.to));
    }
    return value_of(nb201::kNumNodes - 1);
  }

  std::string Reduction(const std::string& x, ResNetBasicblockImpl& block,
                        const std::string& name) {
    const std::string residual =
        ReLUConvBN(ReLUConvBN(x, *block.conv_a, name + ".conv_a"), *block.conv_b,
                   name + ".conv_b");
    const std::string shortcut =
        Conv(AveragePool(x, 2, 2, 0, name + ".shortcut_pool"), *block.shortcut_conv,
             name + ".shortcut_conv");
    return Add(shortcut, residual, name + ".add");
  }

  std::string Network(Nb201NetworkImpl& network, const std::string& input) {
    const int per_stage = network.options.skeleton().cells_per_stage;
    std::string h = BatchNorm(Conv(input, *network.stem->conv, "stem.conv"), *network.stem->bn,
                              "stem.bn");
    for (int stage = 0; stage < 3; ++stage) {
      if (stage > 0) {
        h = Reduction(h, network.reductions->at<ResNetBasicblockImpl>(stage - 1),
                      "reductions." + std::to_string(stage - 1));
      }
      for (int i = 0; i < per_stage; ++i) {
        const int index = stage * per_stage + i;
        h = Cell(h, network.cells->at<Nb201CellImpl>(index), "cells." + std::to_string(index));
      }
    }
    h = graph_.Node("Relu", {BatchNorm(h, *network.last_bn, "last_bn")}, "last_relu").Output();
    h = graph_.Node("GlobalAveragePool", {h}, "global_pool").Output();
    h = graph_.Node("Flatten", {h}, "flatten").Int("axis", 1).Output();
    torch::nn::LinearImpl& classifier = *network.classifier;
    return graph_.Dense(h, classifier.weight, classifier.bias, "classifier", "logits");
  }

 private:
  OnnxGraph& graph_;
};

}  // namespace

std::string Nb201ToOnnx(Nb201NetworkImpl& network, OnnxGraph& graph, const std::string& input) {
  return Writer(graph).Network(network, input);
}

}  // namespace sculpt
