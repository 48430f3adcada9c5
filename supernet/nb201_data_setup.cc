#include "supernet/nb201_data_setup.h"

#include <sstream>

#include "spaces/errors.h"
#include "spaces/options.h"
#include "spaces/search_space.h"

namespace sculpt {

std::string SkeletonMismatch(const nb201::Skeleton& skeleton, const ImageDataset& data) {
  std::string problems;
  if (skeleton.input_channels != data.Channels()) {
    problems += " \"input_channels\": " + std::to_string(data.Channels());
  }
  if (data.Height() != data.Width()) {
    return "the data set's images are " + std::to_string(data.Height()) + "x" +
           std::to_string(data.Width()) + "; nb201 networks take square images";
  }
  if (skeleton.input_size != data.Height()) {
    problems += std::string(problems.empty() ? "" : ",") + " \"input_size\": " +
                std::to_string(data.Height());
  }
  if (skeleton.classes < data.Classes()) {
    problems += std::string(problems.empty() ? "" : ",") + " \"classes\": " +
                std::to_string(data.Classes());
  }
  if (problems.empty()) return {};
  return "the space's skeleton describes networks for " + std::to_string(skeleton.input_channels) +
         "x" + std::to_string(skeleton.input_size) + "x" + std::to_string(skeleton.input_size) +
         " images and " + std::to_string(skeleton.classes) + " classes, but the data set has " +
         std::to_string(data.Channels()) + "x" + std::to_string(data.Height()) + "x" +
         std::to_string(data.Width()) + " images and " + std::to_string(data.Classes()) +
         " classes; set" + problems + " in the space block";
}

nlohmann::json SkeletonJson(const nb201::Skeleton& s) {
  return {{"channels", s.channels},
          {"cells_per_stage", s.cells_per_stage},
          {"input_channels", s.input_channels},
          {"input_size", s.input_size},
          {"classes", s.classes}};
}

nlohmann::json SposOptionsJson(const SposOptions& o) {
  return {{"epochs", o.epochs},
          {"batch_size", o.batch_size},
          {"steps_per_epoch", o.steps_per_epoch},
          {"learning_rate", o.learning_rate},
          {"min_learning_rate", o.min_learning_rate},
          {"momentum", o.momentum},
          {"nesterov", o.nesterov},
          {"weight_decay", o.weight_decay},
          {"grad_clip", o.grad_clip},
          {"seed", o.seed}};
}

std::string DescribeDataset(const DatasetOptions& o) {
  std::ostringstream out;
  out << "train=" << o.train_images.string() << "," << o.train_labels.string()
      << " test=" << o.test_images.string() << "," << o.test_labels.string()
      << " validation_size=" << o.validation_size << " train_size=" << o.train_size
      << " split_seed=" << o.split_seed << " crop=" << o.augmentation.random_crop << "/"
      << o.augmentation.crop_padding << " flip=" << o.augmentation.horizontal_flip;
  return out.str();
}

Nb201DataSetup ReadNb201DataSetup(Options& block, const EvaluatorContext& context) {
  if (context.space == nullptr || context.space->Name() != "nb201") {
    block.Error("", "needs the nb201 space (it trains nb201 networks)");
  }
  return ReadNb201DataSetup(block, context.space_config, context.base_dir);
}

Nb201DataSetup ReadNb201DataSetup(Options& block, const nlohmann::json& space_config,
                                  const std::filesystem::path& base_dir) {
  Nb201DataSetup setup;
  {
    // The space block was validated when the space was built; reading it again only recovers
    // the skeleton, so its errors (there are none) and canonical form are thrown away.
    ConfigErrors ignored;
    nlohmann::json scratch;
    Options space(space_config, "space", ignored, &scratch);
    setup.skeleton = nb201::ReadSkeleton(space);
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
  if (const std::string mismatch = SkeletonMismatch(setup.skeleton, *setup.data);
      !mismatch.empty()) {
    block.Error("dataset", mismatch);
    setup.data.reset();
  }
  return setup;
}

}  // namespace sculpt
