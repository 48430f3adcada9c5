#include "experiments/models/retrain.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "experiments/config/builtins.h"
#include "experiments/models/export.h"
#include "experiments/models/model_export.h"
#include "spaces/config_differences.h"
#include "spaces/counted.h"
#include "spaces/errors.h"
#include "spaces/options.h"
#include "supernet/data/data_setup.h"
#include "supernet/data/input_document.h"
#include "supernet/onnx/onnx_export.h"
#include "supernet/torch_threads.h"
#include "supernet/training/network_trainer.h"
#include "supernet/training/shown_training.h"

namespace sculpt {

nlohmann::json FinalBlockWithDataset(const nlohmann::json& config) {
  nlohmann::json block = config.value("final", nlohmann::json::object());
  if (!block.is_object() || block.contains("dataset")) return block;
  const auto evaluator = config.find("evaluator");
  if (evaluator != config.end() && evaluator->is_object() && evaluator->contains("dataset")) {
    block["dataset"] = (*evaluator)["dataset"];
  }
  return block;
}

namespace {

// The "distill" block of `block` into `plan` (its data and family loaded): the teacher's export
// folder, read and checked against the data now, so that a wrong one is a config error.
void ReadDistillation(Options& block, const std::filesystem::path& base_dir, RetrainPlan& plan) {
  block.Raw("distill");
  if (!block.Has("distill")) return;
  Options options = block.Child("distill");
  const std::string teacher_text = options.RequiredString("teacher");
  options.Describe("teacher", "the trained teacher the networks learn from besides the labels: "
                              "an export folder Sculpt wrote (architecture.json and model.pt), "
                              "of any space whose networks take the data's images");
  const double weight = options.Number("weight", 0.5, 0.0, 1.0);
  options.Describe("weight", "of the distillation term in the loss (the labels' cross-entropy "
                             "gets 1 - weight; 0.5)");
  const double temperature = options.Number("temperature", 4.0, 0.05, 100.0);
  options.Describe("temperature", "softens the teacher's and the network's logits before they "
                                  "are compared (4)");
  options.Finish();
  if (plan.data == nullptr || !options.Errors().Empty()) return;
  std::filesystem::path folder = teacher_text;
  if (folder.is_relative()) folder = base_dir / folder;
  folder = std::filesystem::absolute(folder).lexically_normal();
  ExportedModel teacher;
  try {
    teacher = ReadExportedModel(folder);
  } catch (const UserError& e) {
    options.Error("teacher", e.what());
    return;
  }
  const std::string mismatch = teacher.family->DataMismatch(ShapeOf(*plan.data));
  if (!mismatch.empty()) {
    options.Error("teacher", "the teacher " + folder.string() +
                                 " does not take the data set's images: " + mismatch);
    return;
  }
  auto distillation = std::make_shared<LogitDistillation>();
  distillation->teacher = teacher.network;
  distillation->weight = weight;
  distillation->temperature = temperature;
  distillation->classes = plan.data->Classes();
  distillation->student_mean = plan.data->Mean();
  distillation->student_std = plan.data->Std();
  // The teacher's own normalisation (its training split's); an export without one was
  // normalised as this data is.
  const nlohmann::json& input = teacher.input;
  if (input.is_object() && input.contains("mean") && input.contains("std")) {
    try {
      distillation->teacher_mean = input["mean"].get<std::vector<float>>();
      distillation->teacher_std = input["std"].get<std::vector<float>>();
    } catch (const nlohmann::json::exception&) {
      options.Error("teacher", (folder / "architecture.json").string() +
                                   ": its input normalisation (\"mean\", \"std\") is not two "
                                   "lists of numbers");
      return;
    }
    if (distillation->teacher_mean.size() != distillation->student_mean.size() ||
        distillation->teacher_std.size() != distillation->student_std.size()) {
      options.Error("teacher", "the teacher " + folder.string() + " was trained on images of " +
                                   std::to_string(distillation->teacher_mean.size()) +
                                   " channels, the data set's have " +
                                   std::to_string(distillation->student_mean.size()));
      return;
    }
  }
  plan.distillation = std::move(distillation);
  plan.distillation_record = {{"teacher", folder.string()},
                              {"teacher_arch", teacher.arch},
                              {"teacher_weights", WeightsFileHash(folder / kModelFile)},
                              {"weight", weight},
                              {"temperature", temperature}};
}

}  // namespace

nlohmann::json TrainingJson(const RetrainPlan& plan) {
  nlohmann::json json = SposOptionsJson(plan.training);
  if (plan.distillation != nullptr) json["distill"] = plan.distillation_record;
  return json;
}

RetrainPlan ReadRetrainPlan(Options& block, const nlohmann::json& space_config,
                            const std::filesystem::path& base_dir,
                            const std::filesystem::path& default_export,
                            std::uint64_t default_seed) {
  RetrainPlan plan;
  plan.training = ReadSposOptions(block, default_seed);
  plan.eval_batch_size = block.Int("eval_batch_size", 500, 1);
  plan.threads = static_cast<int>(block.Int("threads", 0, 0, 1024));
  const std::optional<std::string> out = block.OptionalString("export");
  plan.export_dir = out ? base_dir / *out : default_export;
  // Found here, not after the search and the retraining.
  if (out && out->empty()) {
    block.Error("export", "must not be empty (leave it out for the default: " +
                              default_export.string() + ")");
  } else if (std::error_code error; std::filesystem::exists(plan.export_dir, error) &&
                                    !std::filesystem::is_directory(plan.export_dir, error)) {
    block.Error("export", plan.export_dir.string() + " is a file, not a folder");
  }
  const std::string space_type = space_config.value("type", "");
  try {
    plan.space = BuildSpace(space_config);
  } catch (const ConfigError&) {
    // The space block's own errors are reported where it is read.
  }
  DataSetup setup = ReadDataSetup(block, BuildFamily(space_config), space_type, base_dir);
  CheckSplitSizes(block, setup, plan.training, "");
  if (setup.family != nullptr) ReadHeadDrop(block, *setup.family, plan.training);
  plan.family = setup.family;
  plan.dataset = setup.dataset;
  plan.data = std::move(setup.data);
  ReadDistillation(block, base_dir, plan);
  return plan;
}

RetrainPlan PlanFromStoredConfig(const nlohmann::json& canonical_config,
                                 const std::filesystem::path& default_export) {
  const nlohmann::json space = canonical_config.value("space", nlohmann::json::object());
  if (BuildFamily(space) == nullptr) {
    throw NothingToTrain("the experiment's space '" + space.value("type", std::string()) +
                         "' has no networks to train (no model family; spaces with networks: " +
                         JoinNames(Families().Names()) + ")");
  }
  const nlohmann::json block_json = FinalBlockWithDataset(canonical_config);
  if (!block_json.contains("dataset")) {
    throw NothingToTrain(
        "the experiment's evaluator trains no networks and its config has no "
        "\"final\" block: it names no data set to train on (set final.dataset "
        "in the config and run it again)");
  }
  ConfigErrors errors;
  nlohmann::json scratch = nlohmann::json::object();
  Options block(block_json, "final", errors, &scratch);
  const std::uint64_t seed = canonical_config.value("seed", std::uint64_t{0});
  RetrainPlan plan =
      ReadRetrainPlan(block, canonical_config["space"], {}, default_export, seed);
  block.Finish();
  if (!errors.Empty()) {
    // The stored settings were valid when the run read them: what fails now is a file they
    // name (a distillation teacher's folder, a data set) that is gone or changed.
    throw UserError("the experiment's stored training settings cannot be used now: " +
                    errors.Messages().front());
  }
  if (plan.space == nullptr) {
    // ReadRetrainPlan leaves the space block's errors to a config's reader; a stored space that
    // cannot be built now (its pruned model's folder is gone, say) is this command's to name.
    try {
      plan.space = BuildSpace(space);
    } catch (const ConfigError& error) {
      throw UserError("the space stored with the experiment cannot be built: " +
                      error.Messages().front());
    }
  }
  return plan;
}

int RetrainThreads(const RetrainPlan& plan, int workers, int threads_per_worker) {
  if (plan.threads > 0) return plan.threads;
  return std::max(1, workers * threads_per_worker);
}

int RetrainThreads(const RetrainPlan& plan, const nlohmann::json& canonical_config) {
  return RetrainThreads(plan, canonical_config.value("workers", 1),
                        canonical_config.value("threads_per_worker", 1));
}

int SetTrainingThreads(int threads, std::string_view activity, TrainingProgress& progress) {
  const int set = SetTorchThreads(threads);
  progress.Note(std::string(activity) + " with " + Counted(set, "LibTorch thread"));
  if (const int idle = IdleCores(0.5); idle < set) {
    progress.Note("only " + std::to_string(idle) + " of the " + std::to_string(set) +
                  " cores this training uses are idle: it may run several times slower than "
                  "usual (the thread count is kept because the trained network depends on it; "
                  "choose it with final.threads or sculpt train --threads)");
  }
  return set;
}

namespace {

// The newest retraining of `candidate_id` among `runs` (oldest first) that `wanted` accepts.
template <typename Wanted>
const TrainingRunInfo* NewestRetraining(const std::vector<TrainingRunInfo>& runs,
                                        std::optional<std::int64_t> candidate_id,
                                        Wanted wanted) {
  for (auto run = runs.rbegin(); run != runs.rend(); ++run) {
    if (run->kind == "retrain" && run->candidate_id == candidate_id && wanted(*run)) return &*run;
  }
  return nullptr;
}

// Killed (its process gone while running) or stopped by Ctrl-C: a retraining to continue.
bool Unfinished(const TrainingRunInfo& run) {
  return run.status == "running" || run.status == "interrupted";
}

// The finished retraining of the experiment Retrain may take instead of training (see
// EarlierRetrainings), newest first, its weights kept: one of exactly `config`, else, with
// `same_training`, one whose `training_config` keys are equal, recorded anew under `config`.
// Its outcome without the network; nullopt when there is none.
std::optional<RetrainOutcome> TakeEarlierRetraining(
    ResultStore& store, std::int64_t experiment_id, std::optional<std::int64_t> candidate_id,
    const nlohmann::json& training_config, const nlohmann::json& config, bool same_training,
    const std::filesystem::path& db, TrainingProgress* progress) {
  const std::vector<TrainingRunInfo> runs = store.TrainingRuns(experiment_id);
  auto kept = [&db](const TrainingRunInfo& run) {
    return run.status == "finished" && std::filesystem::exists(TrainedModelPath(db, run.id));
  };
  auto note = [progress](const std::string& text) {
    if (progress != nullptr) progress->Note(text);
  };
  // A run recorded as the same training as another is that config too (a resume finds it).
  const TrainingRunInfo* taken = NewestRetraining(runs, candidate_id, [&](const auto& run) {
    nlohmann::json recorded = run.config;
    recorded.erase("same_training_as");
    return kept(run) && recorded == config;
  });
  if (taken != nullptr) {
    note("training run " + std::to_string(taken->id) +
         " finished before the stop: its network is taken as it is");
    return RetrainOutcome{true, taken->id, taken->result, nullptr};
  }
  if (!same_training) return std::nullopt;
  taken = NewestRetraining(runs, candidate_id, [&](const auto& run) {
    return kept(run) && std::all_of(training_config.items().begin(), training_config.items().end(),
                                    [&run](const auto& item) {
                                      return run.config.contains(item.key()) &&
                                             run.config.at(item.key()) == item.value();
                                    });
  });
  if (taken == nullptr) return std::nullopt;
  nlohmann::json recorded = config;
  // The run that trained it (a copy names its original), whose curves show the training.
  recorded["same_training_as"] = taken->config.value("same_training_as", taken->id);
  // A copy that a kill interrupted is finished now rather than left beside a second one.
  const TrainingRunInfo* unfinished = NewestRetraining(runs, candidate_id, [&](const auto& run) {
    return Unfinished(run) && run.config == recorded;
  });
  const std::int64_t id =
      unfinished != nullptr ? unfinished->id
                            : store.BeginTrainingRun(experiment_id, candidate_id, "retrain", recorded);
  if (unfinished != nullptr) store.ReopenTrainingRun(id);
  std::filesystem::create_directories(TrainedModelPath(db, id).parent_path());
  std::filesystem::copy_file(TrainedModelPath(db, taken->id), TrainedModelPath(db, id),
                             std::filesystem::copy_options::overwrite_existing);
  store.FinishTrainingRun(id, "finished", taken->result);
  note("the same training as run " + recorded["same_training_as"].dump() +
       ": its network is taken (run " + std::to_string(id) + ")");
  return RetrainOutcome{true, id, taken->result, nullptr};
}

}  // namespace

RetrainOutcome Retrain(const RetrainPlan& plan, const Architecture& arch, ResultStore& store,
                       std::int64_t experiment_id, std::optional<std::int64_t> candidate_id,
                       TrainingProgress* progress, const std::atomic<bool>* stop,
                       const std::filesystem::path& db, bool resume,
                       EarlierRetrainings reuse) {
  SCULPT_ASSERT(plan.data != nullptr && plan.family != nullptr && plan.space != nullptr,
                "Retrain needs a plan whose data, family and space are loaded");
  RetrainOutcome outcome;
  outcome.network = plan.family->BuildNetwork(arch, plan.training.seed);
  nlohmann::json config = {{"arch", plan.space->Format(arch)},
                                 {"skeleton", plan.family->Skeleton()},
                                 {"training", TrainingJson(plan)},
                                 {"dataset", DescribeDataset(plan.dataset)},
                                 {"family", plan.family->Name()},
                                 {"input", InputDocument(*plan.family, *plan.data)},
                                 {"threads", at::get_num_threads()}};
  // What makes the network: the config without run tags.
  const nlohmann::json training_config = config;
  if (plan.run_tags.is_object()) config.update(plan.run_tags);
  if (reuse != EarlierRetrainings::kTrainAnew && !db.empty()) {
    if (std::optional<RetrainOutcome> taken =
            TakeEarlierRetraining(store, experiment_id, candidate_id, training_config, config,
                                  reuse == EarlierRetrainings::kTakeSameTraining, db, progress)) {
      taken->network = outcome.network;
      LoadNetwork(*taken->network, TrainedModelPath(db, taken->run_id));
      taken->network->Module().eval();  // as a training leaves it
      return *taken;
    }
  }
  const std::optional<std::int64_t> unfinished =
      resume ? UnfinishedRetraining(store, experiment_id, candidate_id, config) : std::nullopt;
  outcome.run_id = unfinished ? *unfinished
                              : store.BeginTrainingRun(experiment_id, candidate_id, "retrain", config);
  // With a database, every epoch leaves a checkpoint next to it, so that a killed retraining
  // resumes (a run's config, the architecture and thread count included, is its identity).
  SposOptions training = plan.training;
  if (!db.empty()) training.checkpoint = TrainingCheckpointPath(db, outcome.run_id);
  if (resume && !unfinished && progress != nullptr) {
    // As `sculpt run --resume` says when there is nothing to resume.
    const std::vector<TrainingRunInfo> runs = store.TrainingRuns(experiment_id);
    const TrainingRunInfo* done = NewestRetraining(runs, candidate_id, [&config](const auto& r) {
      return r.status == "finished" && r.config == config;
    });
    // An unfinished training of the same network under other settings is most likely the one
    // meant: its differences name the flags to give again (as `run --resume` names a config's).
    const TrainingRunInfo* other =
        done != nullptr ? nullptr : NewestRetraining(runs, candidate_id, [&](const auto& r) {
          return r.id != outcome.run_id && Unfinished(r) &&
                 r.config.value("arch", "") == config["arch"];
        });
    progress->Note(
        done != nullptr ? "nothing to resume: training run " + std::to_string(done->id) +
                              " of the same settings finished (`sculpt export --run " +
                              std::to_string(done->id) + "` writes it); training again as run " +
                              std::to_string(outcome.run_id)
        : other != nullptr
            ? "nothing to resume: training run " + std::to_string(other->id) +
                  " of this network stopped unfinished but had other settings (differs in: " +
                  JoinNames(DifferingKeys(other->config, config, 2)) +
                  "; the flags it was started with resume it); training as run " +
                  std::to_string(outcome.run_id)
            : "nothing to resume: no unfinished training of these settings; training as run " +
                  std::to_string(outcome.run_id));
  }
  if (unfinished) {
    store.ReopenTrainingRun(outcome.run_id);
    if (progress != nullptr) {
      const bool checkpointed =
          !training.checkpoint.empty() && std::filesystem::exists(training.checkpoint);
      progress->Note("resuming training run " + std::to_string(outcome.run_id) +
                     (checkpointed ? " from its last checkpoint"
                                   : " from the start (it stopped before its first epoch ended)"));
    }
  }
  NetworkTrainingHooks hooks;
  hooks.eval_batch_size = plan.eval_batch_size;
  hooks.checkpoint_identity = config.dump();
  hooks.distillation = plan.distillation.get();
  ShownTraining shown(progress, "retrain", stop);
  hooks.on_step = [&](const TrainingStep& step) { return shown.Step(step); };
  hooks.on_epoch = [&](const NetworkEpoch& epoch) {
    const Metrics values = epoch.AsMetrics();
    store.RecordEpoch(outcome.run_id, static_cast<int>(epoch.epoch), values);
    return shown.EpochDone(epoch.epoch, values);
  };
  NetworkTrainingResult result;
  try {
    result = TrainNetwork(*outcome.network, *plan.data, training, hooks);
  } catch (...) {
    store.FinishTrainingRun(outcome.run_id, "failed", {});
    throw;  // the display ends with `shown`
  }
  shown.End();
  outcome.finished = !result.stopped;
  outcome.result = result.AsMetrics();  // test scores only when finished with a test split
  for (const auto& [name, value] : plan.space->Cost(arch)) {
    if (name == "params" || name == "flops") outcome.result[name] = value;
  }
  if (outcome.finished && !db.empty()) {
    // Kept before the run is marked finished: a finished retraining always has its weights.
    SaveNetwork(*outcome.network, TrainedModelPath(db, outcome.run_id));
    // The weights are kept; the optimizer state (twice their size) is not needed any more.
    std::error_code ignored;
    std::filesystem::remove(training.checkpoint, ignored);
  }
  store.FinishTrainingRun(outcome.run_id, outcome.finished ? "finished" : "interrupted",
                          outcome.result);
  return outcome;
}

std::filesystem::path TrainedModelPath(const std::filesystem::path& db, std::int64_t run_id) {
  std::filesystem::path folder = db;
  folder += ".models";
  return folder / ("run-" + std::to_string(run_id)) / kModelFile;
}

std::filesystem::path TrainingCheckpointPath(const std::filesystem::path& db,
                                             std::int64_t run_id) {
  return TrainedModelPath(db, run_id).parent_path() / "checkpoint.pt";
}

std::optional<std::int64_t> UnfinishedRetraining(const ResultStore& store,
                                                 std::int64_t experiment_id,
                                                 std::optional<std::int64_t> candidate_id,
                                                 const nlohmann::json& config) {
  const std::vector<TrainingRunInfo> runs = store.TrainingRuns(experiment_id);
  const TrainingRunInfo* run = NewestRetraining(runs, candidate_id, [&config](const auto& r) {
    return Unfinished(r) && r.config == config;
  });
  return run != nullptr ? std::optional<std::int64_t>(run->id) : std::nullopt;
}

nlohmann::json RetrainDocument(std::int64_t run_id, const nlohmann::json& training,
                               const Metrics& result) {
  nlohmann::json retrain = {{"training_run", run_id}, {"training", training}, {"model", kModelFile}};
  for (const auto& [name, value] : result) {
    retrain["metrics"][name] = std::isfinite(value) ? nlohmann::json(value) : nlohmann::json();
  }
  return retrain;
}

WrittenExport ExportRetrained(const ExperimentInfo& experiment, const StoredCandidate& candidate,
                              const Metrics& metrics, const RetrainPlan& plan,
                              const RetrainOutcome& outcome, const std::filesystem::path& out_dir) {
  // export.h writes the candidate's document; the retraining adds what deployment needs.
  nlohmann::json document = ArchitectureDocument(experiment, candidate, metrics);
  document["retrain"] =
      RetrainDocument(outcome.run_id, TrainingJson(plan), outcome.result);
  document["family"] = plan.family->Name();
  document["skeleton"] = plan.family->Skeleton();
  document["input"] = InputDocument(*plan.family, *plan.data);
  document["encoding"] = EncodingJson(*plan.space, plan.space->Parse(candidate.arch));
  try {
    const ExportStaging staging(out_dir);
    std::vector<std::string> written{kModelFile};
    WriteModel(*outcome.network, staging.Folder() / kModelFile);
    if (plan.family->ExportsOnnx()) {
      WriteOnnxExport(*outcome.network, *plan.family, document, staging.Folder());
      written.emplace_back(kOnnxModelFile);
    }
    return WriteExportDocument(document, out_dir, written, staging);
  } catch (const UserError& error) {
    throw ExportNotWritten(error.what(), outcome.run_id);
  } catch (const std::filesystem::filesystem_error& error) {
    throw ExportNotWritten(error.what(), outcome.run_id);
  }
}

}  // namespace sculpt
