#pragma once
// StoreTrainingLog: the TrainingLog (spaces/prepare.h) that writes training runs and their
// per-epoch curves into the result store (training_runs, training_epochs, dropped_choices;
// docs/SCHEMA.md), tied to
// an experiment and optionally to one of its candidates.
// Thread-safety: as the store: one thread at a time.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "experiments/store/store.h"
#include "spaces/prepare.h"

namespace sculpt {

class StoreTrainingLog final : public TrainingLog {
 public:
  // `store` must outlive the log.
  StoreTrainingLog(ResultStore& store, std::optional<std::int64_t> experiment_id,
                   std::optional<std::int64_t> candidate_id = std::nullopt)
      : store_(store), experiment_id_(experiment_id), candidate_id_(candidate_id) {}

  std::int64_t BeginRun(std::string_view kind, const nlohmann::json& config) override {
    return store_.BeginTrainingRun(experiment_id_, candidate_id_, kind, config);
  }
  void RecordEpoch(std::int64_t run, int epoch, const Metrics& values) override {
    store_.RecordEpoch(run, epoch, values);
  }
  void FinishRun(std::int64_t run, std::string_view status, const Metrics& result) override {
    store_.FinishTrainingRun(run, status, result);
  }
  void RecordDropped(std::int64_t run, int epoch,
                     const std::vector<DroppedChoice>& dropped) override {
    store_.RecordDropped(run, epoch, dropped);
  }
  bool HasFinishedRun(std::string_view kind, const std::string& checkpoint) override {
    if (!experiment_id_) return false;
    for (const TrainingRunInfo& run : store_.TrainingRuns(*experiment_id_)) {
      if (run.kind == kind && run.status == "finished" && SameCheckpoint(run, checkpoint)) {
        return true;
      }
    }
    return false;
  }
  std::optional<std::int64_t> RunThatTrained(std::string_view kind,
                                             const std::string& checkpoint) override {
    for (const ExperimentInfo& experiment : store_.Experiments()) {
      for (const TrainingRunInfo& run : store_.TrainingRuns(experiment.id)) {
        if (run.kind == kind && run.status == "finished" && !run.config.value("reused", false) &&
            SameCheckpoint(run, checkpoint)) {
          return run.id;
        }
      }
    }
    return std::nullopt;
  }

 private:
  // Whether `run`'s config names `checkpoint` as its checkpoint. A path is kept as the run was
  // given it, relative to that run's working directory ("runs/x.sqlite.supernet/..." or
  // "experiments/runs/..."), so two paths name the same file when their last two parts agree:
  // the fingerprinted folder and the file, or the database's checkpoint folder and the
  // fingerprinted one (a fingerprint names one set of settings).
  static bool SameCheckpoint(const TrainingRunInfo& run, const std::string& checkpoint) {
    if (!run.config.is_object()) return false;
    const std::filesystem::path logged = run.config.value("checkpoint", std::string());
    const std::filesystem::path given = checkpoint;
    return !logged.empty() && logged.filename() == given.filename() &&
           logged.parent_path().filename() == given.parent_path().filename();
  }

  ResultStore& store_;
  std::optional<std::int64_t> experiment_id_;
  std::optional<std::int64_t> candidate_id_;
};

}  // namespace sculpt
