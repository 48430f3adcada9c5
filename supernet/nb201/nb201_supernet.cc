#include "supernet/nb201/nb201_supernet.h"

#include <string>

#include <torch/nn/functional/activation.h>

namespace sculpt {

Nb201SearchCellImpl::Nb201SearchCellImpl(std::int64_t channels_, BatchNormMode bn_)
    : channels(channels_), bn(bn_) {
  reset();
}

void Nb201SearchCellImpl::reset() {
  candidates.assign(nb201::kNumEdges * nb201::kNumOps, CellOp(nullptr));
  for (int e = 0; e < nb201::kNumEdges; ++e) {
    for (int op = 0; op < nb201::kNumOps; ++op) {
      if (op == nb201::kNone) continue;
      candidates[e * nb201::kNumOps + op] = register_module(
          "edge" + std::to_string(e) + "_" + std::string(nb201::kOpNames[op]),
          CellOp(CellOpOptions(static_cast<nb201::Op>(op), channels).bn(bn)));
    }
  }
}

torch::Tensor Nb201SearchCellImpl::forward(const torch::Tensor& x, const Architecture& arch) {
  std::array<CellOpImpl*, nb201::kNumEdges> ops{};
  for (int e = 0; e < nb201::kNumEdges; ++e) {
    CellOp& candidate = candidates[e * nb201::kNumOps + arch.choices[e]];
    ops[e] = candidate.is_empty() ? nullptr : candidate.get();
  }
  // Batch statistics everywhere: no op has state, so the exact shortcuts apply.
  return ForwardCell(x, ops, /*shortcuts=*/!bn.track_running_stats);
}

Nb201SupernetImpl::Nb201SupernetImpl(Nb201SupernetOptions options_) : options(options_) {
  nb201::ValidateSkeleton(options.skeleton());
  reset();
}

void Nb201SupernetImpl::reset() {
  // The same layout (and registration order) as Nb201NetworkImpl, so that extraction is a
  // module-by-module copy.
  const nb201::Skeleton& s = options.skeleton();
  const BatchNormMode bn = options.Bn();
  std::int64_t c = s.channels;
  stem = register_module("stem", Stem(StemOptions(s.input_channels, c).bn(bn)));
  cells = register_module("cells", torch::nn::ModuleList());
  reductions = register_module("reductions", torch::nn::ModuleList());
  for (int stage = 0; stage < 3; ++stage) {
    if (stage > 0) {
      reductions->push_back(ResNetBasicblock(ResNetBasicblockOptions(c, 2 * c).bn(bn)));
      c *= 2;
    }
    for (int i = 0; i < s.cells_per_stage; ++i) cells->push_back(Nb201SearchCell(c, bn));
  }
  last_bn = register_module(
      "last_bn", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(c)
                                            .affine(bn.affine)
                                            .track_running_stats(bn.track_running_stats)));
  classifier = register_module("classifier", torch::nn::Linear(c, s.classes));
  InitializeWeights(*this, options.seed());
}

torch::Tensor Nb201SupernetImpl::forward(const torch::Tensor& x, const Architecture& arch) {
  nb201::CheckCell(arch);
  torch::Tensor h = x;
  for (int block = 0; block < nb201::kNumBlocks; ++block) h = RunBlock(block, h, arch);
  return h;
}

torch::Tensor Nb201SupernetImpl::forward_block(int block, const torch::Tensor& input,
                                               const Architecture& arch) {
  nb201::CheckCell(arch);
  nb201::CheckBlock(block);
  return RunBlock(block, input, arch);
}

torch::Tensor Nb201SupernetImpl::RunBlock(int block, const torch::Tensor& input,
                                          const Architecture& arch) {
  const int n = options.skeleton().cells_per_stage;
  torch::Tensor h = block == 0 ? stem->forward(input)
                               : reductions->at<ResNetBasicblockImpl>(block - 1).forward(input);
  for (int i = 0; i < n; ++i) h = cells->at<Nb201SearchCellImpl>(block * n + i).forward(h, arch);
  if (block + 1 < nb201::kNumBlocks) return h;
  h = torch::relu(last_bn->forward(h));
  h = h.mean({2, 3});  // global average pooling
  return classifier->forward(h);
}

Nb201Network ExtractNetwork(const Nb201Supernet& supernet, const Architecture& arch) {
  const Nb201SupernetImpl& source = *supernet;
  Nb201Network network(
      arch, Nb201NetworkOptions(source.options.skeleton()).bn(source.options.Bn()));
  CopyState(*source.stem, *network->stem);
  for (std::size_t r = 0; r < source.reductions->size(); ++r) {
    CopyState(*source.reductions->ptr(r), *network->reductions->ptr(r));
  }
  for (std::size_t k = 0; k < source.cells->size(); ++k) {
    const auto& cell = *source.cells->ptr(k)->as<Nb201SearchCellImpl>();
    auto& target = *network->cells->ptr(k)->as<Nb201CellImpl>();
    for (int e = 0; e < nb201::kNumEdges; ++e) {
      if (arch.choices[e] == nb201::kNone) continue;
      CopyState(*cell.Candidate(e, arch.choices[e]), *target.edges[e]);
    }
  }
  CopyState(*source.last_bn, *network->last_bn);
  CopyState(*source.classifier, *network->classifier);
  network->train(source.is_training());
  return network;
}

}  // namespace sculpt
