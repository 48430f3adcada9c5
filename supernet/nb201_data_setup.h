#pragma once
// What every evaluator that trains nb201 networks on an image data set reads from its config:
// the "dataset" block (see ReadDatasetOptions), the data itself, and the macro skeleton of the
// space, which must describe networks for that data. The skeleton has one home, the space block
// (its params and flops are what constraints see), so instead of building a second one the
// evaluator checks that the space's input_channels, input_size and classes fit the data and
// reports a config error naming the keys to change otherwise.
// Thread-safety: used while building an experiment, on one thread; the loaded data set is
// immutable and may then be shared by every worker.

#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "spaces/evaluator.h"
#include "spaces/nb201.h"
#include "supernet/dataset.h"
#include "supernet/spos_trainer.h"

namespace sculpt {

class Options;

struct Nb201DataSetup {
  nb201::Skeleton skeleton;
  DatasetOptions dataset;
  // Null when the config has errors (the data is only loaded for a valid config).
  std::shared_ptr<const ImageDataset> data;
};

// Reads `block`'s "dataset" child (relative paths against context.base_dir) and the skeleton from
// context.space_config; loads the data when no error has been recorded so far and checks the
// skeleton against it. Errors are recorded in `block` (it does not call Finish()).
Nb201DataSetup ReadNb201DataSetup(Options& block, const EvaluatorContext& context);
// The same for a block outside the evaluator (the space is known to be nb201).
Nb201DataSetup ReadNb201DataSetup(Options& block, const nlohmann::json& space_config,
                                  const std::filesystem::path& base_dir);

// Empty when networks on `skeleton` can take the images of `data`; otherwise why not, naming the
// space keys to change.
std::string SkeletonMismatch(const nb201::Skeleton& skeleton, const ImageDataset& data);

// The skeleton as a JSON object (the space block's keys).
nlohmann::json SkeletonJson(const nb201::Skeleton& skeleton);

// The training options as a JSON object (their config keys; the checkpoint path left out).
nlohmann::json SposOptionsJson(const SposOptions& options);

// Everything in `options` that changes the data a network sees, as text (for fingerprints).
std::string DescribeDataset(const DatasetOptions& options);

}  // namespace sculpt
