#pragma once
// InputDocument: what a trained network expects as its input, as an export's architecture.json
// records it under "input" (docs/EXPORT.md): the input shape (channels, height, width) and the
// normalisation its training applied (per-channel mean and std of the train split, on pixels
// scaled to [0, 1]), so that a deployment feeds it what it learned on. Every training that can
// be exported records it: a retraining's run and a block-wise teacher's.
// Thread-safety: a pure function of its (const) arguments.

#include <nlohmann/json.hpp>

#include "supernet/data/dataset.h"
#include "supernet/model_family.h"

namespace sculpt {

nlohmann::json InputDocument(const ModelFamily& family, const ImageDataset& data);

}  // namespace sculpt
