#pragma once
// Retraining: the last step of a search. The winner was only scored cheaply (inherited weights);
// it is trained stand-alone from scratch (supernet/training/network_trainer.h) by its space's model
// family for the epochs the "final" block of the config asks for, scored on the test split,
// recorded in the store (a training run of kind "retrain" with per-epoch curves), its weights
// kept next to the database (TrainedModelPath) and exported: architecture.json (the document of
// experiments/models/export.h plus the retraining's results, the skeleton and the input
// normalisation) and model.pt (experiments/models/model_export.h). `sculpt train` retrains any logged
// candidate the same way, and `sculpt export` finds the kept weights again.
//
// The "final" block: "dataset" {...} (default: the evaluator's dataset block), the training keys
// of SposOptions ("epochs", "batch_size", "learning_rate", ...), "eval_batch_size" (500) and
// "export" (the output folder; default: next to the database, "<db name>-best") and "distill"
// {"teacher": an export folder, "weight" (0.5), "temperature" (4)}: train on the teacher's
// softened logits besides the labels (supernet/training/logit_distillation.h; the zoo's trials and
// models, and `sculpt train`, then all learn from it). The skeleton is the space's.
// Thread-safety: one thread (the command's).

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "experiments/models/export.h"
#include "experiments/store/store.h"
#include "spaces/architecture.h"
#include "spaces/metrics.h"
#include "spaces/prepare.h"
#include "spaces/search_space.h"
#include "supernet/data/dataset.h"
#include "supernet/model_family.h"
#include "supernet/training/logit_distillation.h"
#include "supernet/training/spos_trainer.h"

namespace sculpt {

class Options;

struct RetrainPlan {
  // The experiment's space (for the winner's costs) and its model family (its networks).
  std::shared_ptr<const SearchSpace> space;
  std::shared_ptr<const ModelFamily> family;
  DatasetOptions dataset;
  SposOptions training;
  std::int64_t eval_batch_size = 500;
  // LibTorch intra-op threads; 0: the search's cores (see RetrainThreads). Part of the plan
  // because it is part of the result: oneDNN sums gradients in an order that depends on it.
  int threads = 0;
  std::filesystem::path export_dir;
  // Merged into the training run's config (e.g. the zoo's {"zoo": {...}}, experiments/models/
  // zoo.h): tells runs of the same architecture and settings apart.
  nlohmann::json run_tags = nlohmann::json::object();
  // Loaded while reading the plan (so a mismatch with the skeleton is a config error); null when
  // the config has errors.
  std::shared_ptr<const ImageDataset> data;
  // "distill"'s teacher, loaded with the plan; null: the labels alone. Its record (teacher folder,
  // architecture, weights hash, weight, temperature) joins the training options (TrainingJson).
  std::shared_ptr<const LogitDistillation> distillation;
  nlohmann::json distillation_record;
};

// The plan's training options as runs and exports record them: SposOptionsJson, plus "distill"
// (the record above) when the networks are distilled from a teacher.
nlohmann::json TrainingJson(const RetrainPlan& plan);

// Reads a "final" block whose "dataset" was already filled in (see FinalBlockWithDataset);
// errors go to `block`. `space_config` is the space's canonical block, `default_export` the
// export folder when "export" is absent. Relative paths resolve against `base_dir`.
RetrainPlan ReadRetrainPlan(Options& block, const nlohmann::json& space_config,
                            const std::filesystem::path& base_dir,
                            const std::filesystem::path& default_export,
                            std::uint64_t default_seed);

// The "final" block of `config` with "dataset" taken from the evaluator's block when absent.
nlohmann::json FinalBlockWithDataset(const nlohmann::json& config);

// An experiment with nothing a retraining could train: its space has no networks (the prune
// space of a trained model), or no data set is named anywhere in its config. A request to train
// one of its members is bad input (the CLI's exit 2).
class NothingToTrain : public UserError {
 public:
  using UserError::UserError;
};

// The retraining plan of a stored experiment's canonical config: its "final" block, or, when it
// has none, the evaluator's dataset with default training settings. Throws NothingToTrain when
// the stored config cannot give one (e.g. a table experiment without any dataset).
RetrainPlan PlanFromStoredConfig(const nlohmann::json& canonical_config,
                                 const std::filesystem::path& default_export);

struct RetrainOutcome {
  bool finished = false;  // false: stopped by the flag
  std::int64_t run_id = 0;
  // test_accuracy, test_loss, valid_accuracy, valid_loss, train_accuracy, train_loss, epochs,
  // seconds, params, flops.
  Metrics result;
  std::shared_ptr<Network> network;
};

// Where the weights of training run `run_id` of the database `db` are kept: next to the
// database, `<db>.models/run-<id>/model.pt` (as supernets are kept in `<db>.supernet/`).
std::filesystem::path TrainedModelPath(const std::filesystem::path& db, std::int64_t run_id);

// LibTorch intra-op threads for the retraining after a search of `workers` x `threads_per_worker`:
// the plan's `threads` when set, else their product (the retraining runs alone and gets every
// core the search had). Never the machine's load: the same config must give the same network.
int RetrainThreads(const RetrainPlan& plan, int workers, int threads_per_worker);

// The same for a stored experiment (its canonical config's workers and threads_per_worker), so
// that `sculpt train` retrains a run's winner exactly as `sculpt run` did.
int RetrainThreads(const RetrainPlan& plan, const nlohmann::json& canonical_config);

// Sets LibTorch's intra-op threads for a training (`activity`, e.g. "retraining"), says how
// many on `progress`, and warns when fewer cores than that are idle now (sampled for half a
// second): OpenMP threads sharing cores with other processes spin and can make training several
// times slower. Returns the count LibTorch reports.
int SetTrainingThreads(int threads, std::string_view activity, TrainingProgress& progress);

// Where a retraining keeps its checkpoint while it runs: `<db>.models/run-<id>/checkpoint.pt`
// (removed once the run finishes and its weights are kept).
std::filesystem::path TrainingCheckpointPath(const std::filesystem::path& db, std::int64_t run_id);

// The newest retraining of `candidate_id` in the experiment with exactly `config` (see Retrain)
// that never finished (status running: its process was killed; or interrupted), if any.
std::optional<std::int64_t> UnfinishedRetraining(const ResultStore& store,
                                                 std::int64_t experiment_id,
                                                 std::optional<std::int64_t> candidate_id,
                                                 const nlohmann::json& config);

// Retrains `arch` as `plan` says; the run goes to `store` (kind "retrain", tied to the
// experiment and, unless it was hand-picked, the candidate; its config keeps the architecture's
// string, the plan's settings and the thread count), progress to `progress` (may be null). With
// `db` not empty, every epoch is checkpointed next to it (TrainingCheckpointPath) and a finished
// network's weights are saved to TrainedModelPath(db, run id). With `resume`, an unfinished
// retraining of the same config (UnfinishedRetraining) is continued from its checkpoint instead
// of starting a new run; the network it ends with is the one an uninterrupted run gives.
// `reuse` (with `db`) lets it take an earlier finished retraining of the experiment whose weights
// are kept instead of training (see EarlierRetrainings).
enum class EarlierRetrainings {
  kTrainAnew,  // never (`sculpt train`: a user who asks to train again means it)
  // One of the same config (run tags included) is taken as it is: its run, results and network.
  // For a resumed `sculpt run`, whose retrainings that finished before the stop are part of the
  // run it continues.
  kTakeSameConfig,
  // Also one of the same training under other run tags (the same architecture, skeleton,
  // training options, data, input and threads give the same network): recorded as a run of its
  // own with this config, "same_training_as" its run id, and a copy of its results and weights.
  // For the zoo: a budget whose model the final retraining or another budget already trained.
  kTakeSameTraining,
};
RetrainOutcome Retrain(const RetrainPlan& plan, const Architecture& arch, ResultStore& store,
                       std::int64_t experiment_id, std::optional<std::int64_t> candidate_id,
                       TrainingProgress* progress, const std::atomic<bool>* stop,
                       const std::filesystem::path& db, bool resume = false,
                       EarlierRetrainings reuse = EarlierRetrainings::kTrainAnew);

// A finished training whose export could not be written (a full disk, a folder that went away).
// Its network is kept beside the database, so `sculpt export DB --run <run_id>` writes the export
// again: the CLI says so (experiments/cli/export_folder.h, ExportAgainMessage).
class ExportNotWritten : public UserError {
 public:
  ExportNotWritten(const std::string& message, std::int64_t run_id)
      : UserError(message), run_id_(run_id) {}
  std::int64_t RunId() const { return run_id_; }

 private:
  std::int64_t run_id_;
};

// Writes out_dir/architecture.json (export.h's document plus "retrain": the outcome's results
// and run id, "family", "skeleton" and "input": shape and normalisation), out_dir/model.pt, and
// out_dir/model.onnx when the family exports ONNX (model_export.h). Returns what it wrote and
// the folder's earlier export it replaced, if that was another's (WrittenExport::replaced), for
// the caller to say so: a run of the same config with another seed writes the same folders.
// A failure to write is ExportNotWritten.
WrittenExport ExportRetrained(const ExperimentInfo& experiment, const StoredCandidate& candidate,
                              const Metrics& metrics, const RetrainPlan& plan,
                              const RetrainOutcome& outcome, const std::filesystem::path& out_dir);

// The "retrain" block ExportRetrained writes for a training run, from what the store keeps
// (its id, training options and results): `sculpt export` rebuilds it for a run that finished
// earlier.
nlohmann::json RetrainDocument(std::int64_t run_id, const nlohmann::json& training,
                               const Metrics& result);

}  // namespace sculpt
