#include "supernet/data/data_setup.h"

#include "spaces/errors.h"
#include "spaces/search_space.h"
#include "supernet/evaluators/evaluators.h"
#include "supernet/training/spos_trainer.h"

namespace sculpt {

std::string SpaceName(const EvaluatorContext& context) {
  return context.space == nullptr ? std::string() : context.space->Name();
}

DataShape ShapeOf(const ImageDataset& data) {
  return {data.Channels(), data.Height(), data.Width(), data.Classes()};
}

void CheckSplitSizes(Options& block, const DataSetup& setup, const SposOptions& training,
                     std::string_view training_prefix, std::int64_t eval_images) {
  if (!setup.data) return;
  const std::int64_t valid = setup.data->Size(Split::kValidation);
  if (eval_images > valid) {
    block.Error("eval_images", "expected at most the " + std::to_string(valid) +
                                   " images of the validation split, got " +
                                   std::to_string(eval_images));
  }
  const std::int64_t train = setup.data->Size(Split::kTrain);
  const std::string prefix(training_prefix);
  if (training.batch_size > train) {
    block.Error(prefix + "batch_size",
                "is larger than the train split (" + std::to_string(train) + " images)");
  } else if (const std::int64_t batches = train / training.batch_size;
             training.steps_per_epoch > batches) {
    block.Error(prefix + "steps_per_epoch",
                "expected at most the " + std::to_string(batches) + " batches of " +
                    std::to_string(training.batch_size) + " images in the train split (" +
                    std::to_string(train) + " images), got " +
                    std::to_string(training.steps_per_epoch));
  }
}

DataSetup ReadDataSetup(Options& block, std::shared_ptr<const ModelFamily> family,
                        const std::string& space, const std::filesystem::path& base_dir) {
  DataSetup setup;
  setup.family = std::move(family);
  if (setup.family == nullptr) {
    block.Error("", "needs a space with networks to train (a model family), and space '" + space +
                        "' has none");
  }
  Options dataset_block = block.Child("dataset");
  setup.dataset = ReadDatasetOptions(dataset_block, base_dir);
  dataset_block.Finish();
  if (!block.Errors().Empty()) return setup;
  try {
    setup.data = ImageDataset::Load(setup.dataset);
  } catch (const UserError& error) {
    block.Error("dataset", error.what());
    return setup;
  }
  if (const std::string mismatch = setup.family->DataMismatch(ShapeOf(*setup.data));
      !mismatch.empty()) {
    block.Error("dataset", mismatch);
    setup.data.reset();
  }
  return setup;
}

}  // namespace sculpt
