#include "predictors/torch_tensors.h"

#include <cmath>
#include <string>

#include <ATen/CPUGeneratorImpl.h>

#include "spaces/errors.h"

namespace sculpt::predictors {

GraphBatch MakeGraphBatch(std::span<const Encoding> encodings) {
  SCULPT_ASSERT(!encodings.empty(), "an empty batch of graphs");
  const int n = encodings.front().num_nodes;
  const int types = encodings.front().num_op_types;
  const auto batch = static_cast<std::int64_t>(encodings.size());
  std::vector<float> ops(static_cast<std::size_t>(batch * n * types), 0.0f);
  std::vector<float> in(static_cast<std::size_t>(batch * n * n), 0.0f);
  std::vector<float> out(in.size(), 0.0f);
  for (std::int64_t b = 0; b < batch; ++b) {
    const Encoding& e = encodings[static_cast<std::size_t>(b)];
    if (e.num_nodes != n || e.num_op_types != types ||
        e.adjacency.size() != static_cast<std::size_t>(n * n) ||
        e.node_ops.size() != static_cast<std::size_t>(n)) {
      throw UserError("graph encodings of one batch must share node count (" + std::to_string(n) +
                      ") and op vocabulary (" + std::to_string(types) + "), got " +
                      std::to_string(e.num_nodes) + " nodes and " +
                      std::to_string(e.num_op_types) + " op types");
    }
    float* o = ops.data() + b * n * types;
    float* pi = in.data() + b * n * n;
    float* po = out.data() + b * n * n;
    for (int i = 0; i < n; ++i) {
      const int op = e.node_ops[static_cast<std::size_t>(i)];
      SCULPT_ASSERT(op >= 0 && op < types, "node op out of the vocabulary");
      o[i * types + op] = 1.0f;
      pi[i * n + i] = 1.0f;
      po[i * n + i] = 1.0f;
      for (int j = 0; j < n; ++j) {
        if (e.adjacency[static_cast<std::size_t>(j * n + i)] != 0.0f) pi[i * n + j] = 1.0f;
        if (e.adjacency[static_cast<std::size_t>(i * n + j)] != 0.0f) po[i * n + j] = 1.0f;
      }
    }
    for (float* m : {pi, po}) {
      for (int i = 0; i < n; ++i) {
        float degree = 0;
        for (int j = 0; j < n; ++j) degree += m[i * n + j];
        for (int j = 0; j < n; ++j) m[i * n + j] /= degree;
      }
    }
  }
  auto make = [](std::vector<float>& data, std::vector<std::int64_t> shape) {
    return torch::from_blob(data.data(), shape, torch::kFloat32).clone();
  };
  return {make(ops, {batch, n, types}), make(in, {batch, n, n}), make(out, {batch, n, n})};
}

torch::Tensor MakeVectorBatch(std::span<const Encoding> encodings) {
  SCULPT_ASSERT(!encodings.empty(), "an empty batch of vectors");
  const std::size_t length = encodings.front().vector.size();
  std::vector<float> data;
  data.reserve(encodings.size() * length);
  for (const Encoding& e : encodings) {
    if (e.vector.size() != length) {
      throw UserError("vector encodings of one batch must share their length (" +
                      std::to_string(length) + "), got " + std::to_string(e.vector.size()));
    }
    data.insert(data.end(), e.vector.begin(), e.vector.end());
  }
  return torch::from_blob(data.data(),
                          {static_cast<std::int64_t>(encodings.size()),
                           static_cast<std::int64_t>(length)},
                          torch::kFloat32)
      .clone();
}

void SeedLinearLayers(torch::nn::Module& module, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  at::Generator generator = at::detail::createCPUGenerator(seed);
  for (const auto& child : module.modules(/*include_self=*/true)) {
    auto* linear = dynamic_cast<torch::nn::LinearImpl*>(child.get());
    if (linear == nullptr) continue;
    const double bound = 1.0 / std::sqrt(static_cast<double>(linear->options.in_features()));
    linear->weight.uniform_(-bound, bound, generator);
    if (linear->bias.defined()) linear->bias.uniform_(-bound, bound, generator);
  }
}

}  // namespace sculpt::predictors
