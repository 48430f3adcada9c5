#pragma once
// What every evaluator or command that trains networks reads besides its training options: the
// "dataset" block (see ReadDatasetOptions), the data itself, and the model family of the space
// (supernet/model_family.h), whose skeleton must describe networks for that data. The skeleton
// has one home, the space block (its costs are what constraints see), so instead of building a
// second one the data is checked against the family, and a mismatch is a config error naming
// the space keys to change.
// Thread-safety: used while building an experiment, on one thread; the loaded data set is
// immutable and may then be shared by every worker.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "spaces/options.h"
#include "supernet/data/dataset.h"
#include "supernet/model_family.h"

namespace sculpt {
struct SposOptions;
}  // namespace sculpt

namespace sculpt {

struct DataSetup {
  std::shared_ptr<const ModelFamily> family;
  DatasetOptions dataset;
  // Null when the config has errors (the data is only loaded for a valid config).
  std::shared_ptr<const ImageDataset> data;
};

// Reads `block`'s "dataset" child (relative paths against `base_dir`); loads the data when no
// error has been recorded so far and checks the family's skeleton against it. `family` null
// means the space has no networks: that is recorded as an error of `block`, naming `space`.
// Errors are recorded in `block` (it does not call Finish()).
DataSetup ReadDataSetup(Options& block, std::shared_ptr<const ModelFamily> family,
                        const std::string& space, const std::filesystem::path& base_dir);

// Records in `block` what of a training's sizes does not fit `setup`'s data (nothing without
// data): a batch of `training.batch_size` images larger than the train split, more
// `training.steps_per_epoch` than the split has batches (options `training_prefix` +
// "batch_size" and "steps_per_epoch"), and `eval_images` (the option "eval_images"; 0: the
// whole split) more than the validation split. Checked when the config is read, before a run
// writes anything.
void CheckSplitSizes(Options& block, const DataSetup& setup, const SposOptions& training,
                     std::string_view training_prefix, std::int64_t eval_images = 0);

// The image shape and classes of `data`, as families check them.
DataShape ShapeOf(const ImageDataset& data);

}  // namespace sculpt
