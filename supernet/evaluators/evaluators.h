#pragma once
// Factories of the evaluators that train networks (registered in experiments/config/builtins.cc). Both
// work on any space with a model family (supernet/model_family.h: nb201, transformer), passed
// in by the registration, and an image data set (Fashion-MNIST by default) whose image shape and
// classes the space's skeleton must match (see data_setup.h). A null family (a space without
// networks) is a config error.
//
// "supernet": scores a candidate with weights inherited from a weight-sharing supernet trained
//   once by SPOS in Prepare (checkpointed under PrepareContext::checkpoint_dir, resumed when
//   interrupted, reused by later runs of the same settings). Visible metrics: accuracy and loss
//   on the first `eval_images` validation images, latency_ms (batch 1, this machine) unless
//   latency_runs is 0. Options: dataset {...}, training {SposOptions keys, and the SPOS-only
//   sampling ("uniform" | "sandwich") and sandwich_random (2)}, eval_images (1000; 0: the whole
//   split), eval_batch_size (250), latency_runs (15). kind "few_shot" splits the trained
//   supernet on one decision (few_shot {split, epochs, learning_rate, auto_batches,
//   side_by_side}); its sub-supernets train side by side on PrepareContext::workers, each with
//   threads_per_worker intra-op threads, unless side_by_side is false or there is one worker.
// kind "blockwise" distils the supernet block by block from a trained teacher (blockwise
//   {teacher (an export folder), loss ("normalised_mse" | "mse"), side_by_side, scoring
//   ("table" | "on_demand"), shrink {bins, samples_per_bin, stop, warmup_epochs, by}}; training
//   {SposOptions keys}: epochs per block) and scores a candidate by the sum of its blocks'
//   losses on the first eval_images validation images (visible: block_loss, lower is better,
//   and latency_ms when latency_runs > 0, default 0; reported: block<k>_loss, and with shrink
//   dropped_blocks). Each block's choices are scored once into a table
//   (supernet/blockwise/block_score_table.h), so an evaluation is a few look-ups; on_demand
//   scores a choice when a candidate first needs it (block_score_cache.h). The trained blocks and the table are kept under
//   PrepareContext::checkpoint_dir and reused by later runs of the same settings.
// "train": trains every candidate from scratch (see network_trainer.h): valid_accuracy and
//   valid_loss are visible, test_accuracy, test_loss and train_seconds only reported. Options:
//   dataset {...}, training {SposOptions keys}, valid_images (0: all), eval_batch_size (500),
//   latency_runs (0).
//
// "prune": scores a mask of the prune space (spaces/prune.h) with the trained model's weights:
//   the trained transformer is loaded once from the space's model folder (model.pt), and each
//   candidate's network is cut from it (supernet/prune/prune_network.h: the removed heads and units
//   are not computed) and scored on the first eval_images validation images of the data set,
//   by default the one the model was retrained on (its architecture.json), so that the split
//   is the held-out one of that training. Visible metrics: accuracy and loss. Options: dataset
//   {...} (default: the model's), eval_images (0: the whole validation split), eval_batch_size
//   (500).
//
// Thread-safety: Evaluate may run on many engine workers at once and gives the same score for
// the same architecture whatever the number of workers (latency, a measurement, excepted).

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "spaces/evaluator.h"
#include "supernet/model_family.h"

namespace sculpt {

// A trained network Sculpt exported: a folder with architecture.json and model.pt, read by
// code that knows every space (experiments/models/model_export.h: ReadExportedModel).
struct ExportedModel {
  std::filesystem::path folder;
  std::string space;  // its space's name
  std::string arch;   // its architecture's string form
  std::shared_ptr<const ModelFamily> family;
  std::shared_ptr<Network> network;  // the trained weights, in eval mode
  // architecture.json's "input" (shape and the normalisation its training applied); null in
  // exports written before it was recorded.
  nlohmann::json input;
};
// Reads an export folder; throws UserError naming the folder and what is wrong with it.
using ExportedModelReader = std::function<ExportedModel(const std::filesystem::path& folder)>;

// `read_model` reads kind blockwise's teacher.
std::unique_ptr<Evaluator> MakeSupernetEvaluator(Options& options, const EvaluatorContext& context,
                                                 std::shared_ptr<const ModelFamily> family,
                                                 const ExportedModelReader& read_model);
// Kind "blockwise" of the supernet evaluator (its other options already read).
std::unique_ptr<Evaluator> MakeBlockwiseEvaluator(Options& options, const EvaluatorContext& context,
                                                  std::shared_ptr<const ModelFamily> family,
                                                  const ExportedModelReader& read_model);
std::unique_ptr<Evaluator> MakeTrainEvaluator(Options& options, const EvaluatorContext& context,
                                              std::shared_ptr<const ModelFamily> family);
std::unique_ptr<Evaluator> MakePruneEvaluator(Options& options, const EvaluatorContext& context);

// The name of the context's space, for messages ("" without one).
std::string SpaceName(const EvaluatorContext& context);

}  // namespace sculpt
