#pragma once
// Scoring a model on a split: the loss and accuracy of a forward function on the first `limit`
// images of a split of an ImageDataset, in fixed batches. The batches are always the same
// (positions 0.., in order, cut every `batch_size` images, a short remainder joined to the last
// batch) because with batch-statistics BN a model's output depends on which images share a
// batch, and a tiny last batch would be normalised with meaningless statistics.
// Thread-safety: stateless; safe from many threads when `forward` is (it runs under the
// caller's grad mode: use torch::NoGradGuard).

#include <cstdint>
#include <functional>

#include <ATen/core/Tensor.h>

#include "supernet/data/dataset.h"

namespace sculpt {

// Images [n, c, h, w] -> logits [n, classes].
using ForwardFunction = std::function<at::Tensor(const at::Tensor&)>;

struct SplitScore {
  double loss = 0;      // mean cross-entropy
  double accuracy = 0;  // in [0, 1]
  std::int64_t images = 0;
};

// `limit` 0 means the whole split. With `first`, the images from position `first` on (the
// batches cut from there): a part of a split held out from the rest (the prune evaluator's
// confirmation images). Throws UserError when no image is left to score.
SplitScore ScoreSplit(const ForwardFunction& forward, const ImageDataset& data, Split split,
                      std::int64_t limit, std::int64_t batch_size, std::int64_t first = 0);

}  // namespace sculpt
