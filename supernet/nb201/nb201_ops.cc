#include "supernet/nb201/nb201_ops.h"

#include <cmath>
#include <optional>
#include <string>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/functional/activation.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>

#include "spaces/errors.h"
#include "supernet/nb201/avg_pool3x3.h"

namespace sculpt {
namespace {

torch::nn::BatchNorm2d MakeBatchNorm(std::int64_t channels, const BatchNormMode& mode) {
  return torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(channels)
                                    .affine(mode.affine)
                                    .track_running_stats(mode.track_running_stats));
}

}  // namespace

ReLUConvBNImpl::ReLUConvBNImpl(ReLUConvBNOptions options_) : options(std::move(options_)) {
  reset();
}

void ReLUConvBNImpl::reset() {
  conv = register_module(
      "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(options.in_channels(),
                                                         options.out_channels(),
                                                         options.kernel_size())
                                    .stride(options.stride())
                                    .padding(options.padding())
                                    .bias(false)));
  bn = register_module("bn", MakeBatchNorm(options.out_channels(), options.bn()));
}

torch::Tensor ReLUConvBNImpl::forward(const torch::Tensor& x) {
  return bn->forward(conv->forward(torch::relu(x)));
}

CellOpImpl::CellOpImpl(CellOpOptions options_) : options(std::move(options_)) { reset(); }

void CellOpImpl::reset() {
  conv = nullptr;
  switch (options.op()) {
    case nb201::kConv1x1:
    case nb201::kConv3x3: {
      const std::int64_t k = options.op() == nb201::kConv3x3 ? 3 : 1;
      conv = register_module(
          "conv", ReLUConvBN(ReLUConvBNOptions(options.channels(), options.channels(), k)
                                 .padding(k / 2)
                                 .bn(options.bn())));
      break;
    }
    case nb201::kAvgPool3x3:  // AvgPool3x3: no module, no state
    case nb201::kNone:
    case nb201::kSkipConnect:
      break;
    default:
      throw InternalError("CellOp: unknown nb201 op " + std::to_string(options.op()));
  }
}

torch::Tensor CellOpImpl::forward(const torch::Tensor& x) {
  switch (options.op()) {
    case nb201::kNone:
      return torch::zeros_like(x);
    case nb201::kSkipConnect:
      return x;
    case nb201::kAvgPool3x3:
      return AvgPool3x3(x);
    default:
      return conv->forward(x);
  }
}

torch::Tensor CellOpImpl::ForwardZero(const torch::Tensor& like) {
  if (!conv) return {};
  torch::nn::BatchNorm2dImpl& bn = *conv->bn;
  SCULPT_ASSERT(!bn.options.track_running_stats(),
                "CellOp::ForwardZero needs batch norm without running statistics");
  // 0 * sum(w): a graph node whose gradient to w is exactly zero, as on the naive path, where
  // the conv's input and the batch norm's normalised output are exactly zero.
  torch::Tensor value = conv->conv->weight.sum() * 0;
  if (bn.options.affine()) value = bn.bias + bn.weight.sum() * 0 + value;
  const std::int64_t channels = options.channels();
  return value.expand({channels})
      .view({1, channels, 1, 1})
      .expand({like.size(0), channels, like.size(2), like.size(3)})
      .contiguous();
}

torch::Tensor ForwardCell(const torch::Tensor& input,
                          const std::array<CellOpImpl*, nb201::kNumEdges>& ops, bool shortcuts) {
  // reaches[i]: node i's value can reach the output. Edges are ordered by their target, so
  // walking them backwards settles every target before its sources.
  std::array<bool, nb201::kNumNodes> reaches{};
  reaches[nb201::kNumNodes - 1] = true;
  for (int e = nb201::kNumEdges - 1; e >= 0; --e) {
    if (ops[e] != nullptr && reaches[nb201::kEdges[e].to]) reaches[nb201::kEdges[e].from] = true;
  }
  std::array<torch::Tensor, nb201::kNumNodes> nodes;
  nodes[0] = input;
  for (int e = 0; e < nb201::kNumEdges; ++e) {
    CellOpImpl* op = ops[e];
    if (op == nullptr) continue;
    const nb201::Edge edge = nb201::kEdges[e];
    if (shortcuts && !reaches[edge.to]) continue;  // a dead end
    // Edges are ordered by their target node, so node `from` is complete here; undefined means
    // it had no live input and is zero.
    const torch::Tensor& source = nodes[edge.from];
    torch::Tensor out;
    if (source.defined()) {
      out = op->forward(source);
    } else if (shortcuts) {
      out = op->ForwardZero(input);
      if (!out.defined()) continue;  // adds zero
    } else {
      out = op->forward(torch::zeros_like(input));
    }
    nodes[edge.to] = nodes[edge.to].defined() ? nodes[edge.to] + out : out;
  }
  const torch::Tensor& output = nodes[nb201::kNumNodes - 1];
  return output.defined() ? output : torch::zeros_like(input);
}

ResNetBasicblockImpl::ResNetBasicblockImpl(ResNetBasicblockOptions options_)
    : options(std::move(options_)) {
  reset();
}

void ResNetBasicblockImpl::reset() {
  const std::int64_t in = options.in_channels();
  const std::int64_t out = options.out_channels();
  conv_a = register_module(
      "conv_a", ReLUConvBN(ReLUConvBNOptions(in, out, 3).stride(2).padding(1).bn(options.bn())));
  conv_b = register_module(
      "conv_b", ReLUConvBN(ReLUConvBNOptions(out, out, 3).padding(1).bn(options.bn())));
  shortcut_pool = register_module(
      "shortcut_pool", torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(2).stride(2)));
  shortcut_conv = register_module(
      "shortcut_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).bias(false)));
}

torch::Tensor ResNetBasicblockImpl::forward(const torch::Tensor& x) {
  return shortcut_conv->forward(shortcut_pool->forward(x)) + conv_b->forward(conv_a->forward(x));
}

StemImpl::StemImpl(StemOptions options_) : options(std::move(options_)) { reset(); }

void StemImpl::reset() {
  conv = register_module(
      "conv", torch::nn::Conv2d(
                  torch::nn::Conv2dOptions(options.in_channels(), options.out_channels(), 3)
                      .padding(1)
                      .bias(false)));
  bn = register_module("bn", MakeBatchNorm(options.out_channels(), options.bn()));
}

torch::Tensor StemImpl::forward(const torch::Tensor& x) { return bn->forward(conv->forward(x)); }

void InitializeWeights(torch::nn::Module& module, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  at::Generator generator = at::detail::createCPUGenerator(seed);
  auto draw = [&generator](torch::Tensor& tensor, std::int64_t fan_in) {
    if (!tensor.defined()) return;
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    tensor.uniform_(-bound, bound, generator);
  };
  // apply() visits modules in registration order, so the draws are in a fixed order.
  module.apply([&](torch::nn::Module& m) {
    if (auto* conv = m.as<torch::nn::Conv2d>()) {
      const std::int64_t fan_in = conv->weight[0].numel();
      draw(conv->weight, fan_in);
      draw(conv->bias, fan_in);
    } else if (auto* linear = m.as<torch::nn::Linear>()) {
      const std::int64_t fan_in = linear->weight.size(1);
      draw(linear->weight, fan_in);
      draw(linear->bias, fan_in);
    } else if (auto* bn = m.as<torch::nn::BatchNorm2d>()) {
      bn->reset_parameters();
    }
  });
}

void CopyState(const torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  auto copy = [](const torch::OrderedDict<std::string, torch::Tensor>& source,
                 torch::OrderedDict<std::string, torch::Tensor> target, const char* what) {
    SCULPT_ASSERT(source.size() == target.size(),
                  std::string("CopyState: different number of ") + what);
    for (const auto& item : source) {
      torch::Tensor* destination = target.find(item.key());
      SCULPT_ASSERT(destination != nullptr && destination->sizes() == item.value().sizes(),
                    std::string("CopyState: no matching ") + what + " for '" + item.key() + "'");
      destination->copy_(item.value());
    }
  };
  copy(from.named_parameters(), to.named_parameters(), "parameters");
  copy(from.named_buffers(), to.named_buffers(), "buffers");
}

}  // namespace sculpt
