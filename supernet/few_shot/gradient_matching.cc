#include "supernet/few_shot/gradient_matching.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <torch/nn/functional/loss.h>

#include "spaces/errors.h"
#include "spaces/rng.h"

namespace sculpt {
namespace {

struct DrawnBatch {
  Batch batch;
  Architecture path;  // the other decisions' values; the scored one is overwritten
};

std::vector<DrawnBatch> DrawBatches(const ModelFamily& family, const ImageDataset& data,
                                    const GradientMatchingOptions& options) {
  Rng rng(options.seed);
  std::vector<std::int64_t> order(static_cast<std::size_t>(data.Size(Split::kTrain)));
  std::iota(order.begin(), order.end(), 0);
  std::vector<DrawnBatch> drawn;
  for (int b = 0; b < options.batches; ++b) {
    // A partial shuffle: the batch's images are distinct.
    std::vector<std::int64_t> positions;
    for (std::int64_t i = 0; i < options.batch_size; ++i) {
      const auto remaining = static_cast<int>(order.size() - static_cast<std::size_t>(i));
      std::swap(order[static_cast<std::size_t>(i)],
                order[static_cast<std::size_t>(i) + static_cast<std::size_t>(UniformIndex(rng, remaining))]);
      positions.push_back(order[static_cast<std::size_t>(i)]);
    }
    Architecture path = family.TrainingPaths(rng, PathSampling::kUniform, 0).front();
    drawn.push_back({data.GetBatch(Split::kTrain, positions, nullptr), std::move(path)});
  }
  return drawn;
}

}  // namespace

std::vector<double> GradientDisagreement(Supernet& supernet, const ModelFamily& family,
                                         const ImageDataset& data, const std::vector<int>& values,
                                         const GradientMatchingOptions& options) {
  if (options.batches < 1 || options.batch_size < 2 ||
      options.batch_size > data.Size(Split::kTrain)) {
    throw UserError("gradient matching needs at least one batch of 2 or more training images, "
                    "at most the train split's " + std::to_string(data.Size(Split::kTrain)));
  }
  const std::vector<DrawnBatch> drawn = DrawBatches(family, data, options);
  std::vector<torch::Tensor> params = supernet.Module().parameters();
  supernet.Module().train();
  std::vector<double> scores;
  for (std::size_t d = 0; d < values.size(); ++d) {
    const int count = values[d];
    if (count < 2) {
      scores.push_back(-1);
      continue;
    }
    // sums[v][p]: value v's gradient of parameter p summed over the batches (undefined while
    // no batch gave one); shared[p]: every value's paths gave p a gradient in every batch.
    std::vector<std::vector<torch::Tensor>> sums(static_cast<std::size_t>(count),
                                                 std::vector<torch::Tensor>(params.size()));
    std::vector<bool> shared(params.size(), true);
    for (const DrawnBatch& batch : drawn) {
      for (int v = 0; v < count; ++v) {
        Architecture path = batch.path;
        path.choices.at(d) = v;
        for (torch::Tensor& p : params) p.mutable_grad().reset();
        const torch::Tensor logits = supernet.Forward(batch.batch.images, path);
        torch::nn::functional::cross_entropy(logits, batch.batch.labels).backward();
        for (std::size_t p = 0; p < params.size(); ++p) {
          const torch::Tensor& grad = params[p].grad();
          if (!grad.defined()) {
            shared[p] = false;
            continue;
          }
          torch::Tensor& sum = sums[static_cast<std::size_t>(v)][p];
          sum = sum.defined() ? sum + grad : grad.detach().clone();
        }
      }
    }
    auto dot = [&](int u, int v) {
      double total = 0;
      for (std::size_t p = 0; p < params.size(); ++p) {
        if (!shared[p]) continue;
        total += (sums[static_cast<std::size_t>(u)][p] * sums[static_cast<std::size_t>(v)][p])
                     .sum()
                     .item<double>();
      }
      return total;
    };
    std::vector<double> norms;
    for (int v = 0; v < count; ++v) norms.push_back(std::sqrt(dot(v, v)));
    double similarity = 0;
    int pairs = 0;
    for (int u = 0; u < count; ++u) {
      for (int v = u + 1; v < count; ++v) {
        // A value whose paths leave the shared weights without gradient agrees with nothing.
        const double norm = norms[static_cast<std::size_t>(u)] * norms[static_cast<std::size_t>(v)];
        similarity += norm > 0 ? dot(u, v) / norm : 0.0;
        ++pairs;
      }
    }
    scores.push_back(1.0 - similarity / pairs);
  }
  for (torch::Tensor& p : params) p.mutable_grad().reset();
  supernet.Module().eval();
  return scores;
}

}  // namespace sculpt
