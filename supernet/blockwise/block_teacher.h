#pragma once
// A block-wise supernet's teacher trained by the same run: a network of the student's own space
// (its largest member unless the config names another) trained stand-alone, from scratch, on the
// run's training split with the evaluator's training options (its own epoch count), before the
// blocks are distilled from it. NAS-BERT and DNA take a trained teacher as given; this spares a
// user the separate run that would export one.
//
// The trained teacher is kept in a folder of the run's checkpoint directory named by everything
// that shapes its weights (family, skeleton, architecture, training options, data), with the
// checkpoint of each epoch while it trains: a later run of the same settings reuses it, and a
// killed one resumes it where it stopped. Its training is a run of kind `retrain` in the log,
// tagged `blockwise_teacher` in its config, with its folder as `checkpoint`; a later experiment
// that reads it logs a run of its own, marked `reused`, with the teacher's result.
//
// Thread-safety: one call at a time, from Evaluator::Prepare's thread (it trains with the
// process's intra-op threads).

#include <cstdint>
#include <filesystem>
#include <string>

#include "spaces/metrics.h"
#include "spaces/prepare.h"
#include "supernet/data/dataset.h"
#include "supernet/model_family.h"
#include "supernet/training/spos_trainer.h"

namespace sculpt {

struct TeacherTraining {
  std::string arch;       // the teacher's architecture, in its space's string form
  SposOptions training;   // the evaluator's training options, with the teacher's epochs
  std::int64_t eval_batch_size = 250;
};

// What TrainTeacher did.
struct TrainedTeacher {
  bool finished = false;        // false: a stop request interrupted it (the checkpoint stays)
  bool reused = false;          // an earlier run had trained it
  std::filesystem::path folder; // where its weights are (empty without a checkpoint folder)
  Metrics result;               // epochs, seconds, valid_accuracy, test_accuracy, ...
};

// The folder under `checkpoint_dir` for a teacher of `family` trained as `plan` says on `data`
// (described by `dataset`, DescribeDataset's text).
std::filesystem::path TeacherFolder(const std::filesystem::path& checkpoint_dir,
                                    const ModelFamily& family, const TeacherTraining& plan,
                                    const std::string& dataset);

// Trains `network` (built from plan.arch, untrained) in place, or loads the weights an earlier
// run left in `folder`; leaves it in eval mode. An empty `folder` keeps nothing on disk. Shows
// its progress and logs the run through `context`. Throws UserError when training fails (the
// options do not fit the data, or it diverges).
TrainedTeacher TrainTeacher(Network& network, const ImageDataset& data, const TeacherTraining& plan,
                            const std::filesystem::path& folder, const nlohmann::json& run_config,
                            PrepareContext& context);

}  // namespace sculpt
