#include "supernet/nb201/nb201_network.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/pooling.h>

namespace sculpt {

Nb201CellImpl::Nb201CellImpl(const Architecture& arch_, std::int64_t channels_, BatchNormMode bn_)
    : arch(arch_), channels(channels_), bn(bn_) {
  nb201::CheckCell(arch);
  reset();
}

void Nb201CellImpl::reset() {
  edges.assign(nb201::kNumEdges, CellOp(nullptr));
  for (int e = 0; e < nb201::kNumEdges; ++e) {
    const auto op = static_cast<nb201::Op>(arch.choices[e]);
    if (op == nb201::kNone) continue;
    edges[e] = register_module("edge" + std::to_string(e),
                               CellOp(CellOpOptions(op, channels).bn(bn)));
  }
}

torch::Tensor Nb201CellImpl::forward(const torch::Tensor& x) {
  std::array<CellOpImpl*, nb201::kNumEdges> ops{};
  for (int e = 0; e < nb201::kNumEdges; ++e) ops[e] = edges[e].is_empty() ? nullptr : edges[e].get();
  return ForwardCell(x, ops);
}

Nb201NetworkImpl::Nb201NetworkImpl(const Architecture& arch_, Nb201NetworkOptions options_)
    : arch(arch_), options(options_) {
  nb201::CheckCell(arch);
  nb201::ValidateSkeleton(options.skeleton());
  reset();
}

void Nb201NetworkImpl::reset() {
  const nb201::Skeleton& s = options.skeleton();
  const BatchNormMode bn = options.bn();
  std::int64_t c = s.channels;
  stem = register_module("stem", Stem(StemOptions(s.input_channels, c).bn(bn)));
  cells = register_module("cells", torch::nn::ModuleList());
  reductions = register_module("reductions", torch::nn::ModuleList());
  for (int stage = 0; stage < 3; ++stage) {
    if (stage > 0) {
      reductions->push_back(ResNetBasicblock(ResNetBasicblockOptions(c, 2 * c).bn(bn)));
      c *= 2;
    }
    for (int i = 0; i < s.cells_per_stage; ++i) cells->push_back(Nb201Cell(arch, c, bn));
  }
  last_bn = register_module(
      "last_bn", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(c)
                                            .affine(bn.affine)
                                            .track_running_stats(bn.track_running_stats)));
  classifier = register_module("classifier", torch::nn::Linear(c, s.classes));
  InitializeWeights(*this, options.seed());
}

torch::Tensor Nb201NetworkImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = x;
  for (int block = 0; block < nb201::kNumBlocks; ++block) h = forward_block(block, h);
  return h;
}

torch::Tensor Nb201NetworkImpl::forward_block(int block, const torch::Tensor& input) {
  nb201::CheckBlock(block);
  const int n = options.skeleton().cells_per_stage;
  torch::Tensor h = block == 0 ? stem->forward(input)
                               : reductions->at<ResNetBasicblockImpl>(block - 1).forward(input);
  for (int i = 0; i < n; ++i) h = cells->at<Nb201CellImpl>(block * n + i).forward(h);
  if (block + 1 < nb201::kNumBlocks) return h;
  h = torch::relu(last_bn->forward(h));
  h = h.mean({2, 3});  // global average pooling
  return classifier->forward(h);
}

}  // namespace sculpt
