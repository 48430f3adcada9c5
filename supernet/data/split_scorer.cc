#include "supernet/data/split_scorer.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include <torch/nn/functional/loss.h>

#include "spaces/errors.h"

namespace sculpt {

SplitScore ScoreSplit(const ForwardFunction& forward, const ImageDataset& data, Split split,
                      std::int64_t limit, std::int64_t batch_size, std::int64_t first) {
  const std::int64_t available = data.Size(split) - first;
  const std::int64_t total = limit > 0 ? std::min(limit, available) : available;
  if (total <= 0) {
    throw UserError(std::string("cannot score on the ") + SplitName(split) +
                    " split: it holds no images");
  }
  batch_size = std::max<std::int64_t>(1, std::min(batch_size, total));
  const std::int64_t batches = total / batch_size;
  double loss_sum = 0;
  std::int64_t correct = 0;
  for (std::int64_t b = 0; b < batches; ++b) {
    const std::int64_t begin = b * batch_size;
    const std::int64_t end = b + 1 == batches ? total : begin + batch_size;
    std::vector<std::int64_t> positions(static_cast<std::size_t>(end - begin));
    std::iota(positions.begin(), positions.end(), first + begin);
    const Batch batch = data.GetBatch(split, positions, nullptr);
    const at::Tensor logits = forward(batch.images);
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, batch.labels,
                    torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
    correct += logits.argmax(1).eq(batch.labels).sum().item<std::int64_t>();
  }
  SplitScore score;
  score.images = total;
  score.loss = loss_sum / static_cast<double>(total);
  score.accuracy = static_cast<double>(correct) / static_cast<double>(total);
  return score;
}

}  // namespace sculpt
