#include "supernet/blockwise/block_teacher.h"

#include <optional>

#include <ATen/Parallel.h>

#include "spaces/counted.h"
#include "spaces/errors.h"
#include "spaces/json_file.h"
#include "spaces/search_space.h"
#include "supernet/training/network_trainer.h"
#include "supernet/training/shown_training.h"

namespace sculpt {
namespace {

constexpr const char* kModel = "model.pt";
constexpr const char* kResult = "teacher.json";
constexpr const char* kCheckpoint = "checkpoint.pt";

}  // namespace

std::filesystem::path TeacherFolder(const std::filesystem::path& checkpoint_dir,
                                    const ModelFamily& family, const TeacherTraining& plan,
                                    const std::string& dataset) {
  if (checkpoint_dir.empty()) return {};
  // Where the blocks end changes no weight of the teacher: any blocks reuse it.
  const std::string fingerprint = family.Name() + "-teacher-v1 " +
                                  family.NetworkSkeleton().dump() + " " + plan.arch + " " +
                                  SposOptionsJson(plan.training).dump() + " " + dataset;
  return checkpoint_dir / ("blockwise-teacher-" + HashToHex(HashText(fingerprint)));
}

TrainedTeacher TrainTeacher(Network& network, const ImageDataset& data, const TeacherTraining& plan,
                            const std::filesystem::path& folder, const nlohmann::json& run_config,
                            PrepareContext& context) {
  TrainedTeacher trained;
  trained.folder = folder;
  nlohmann::json config = run_config;
  config["blockwise_teacher"] = true;
  config["arch"] = plan.arch;
  config["training"] = SposOptionsJson(plan.training);
  // The weights depend on it (oneDNN's summation order), so it is part of the record.
  config["threads"] = at::get_num_threads();
  // What the log says of the run: the folder too, which tells a later experiment's reuse of it.
  nlohmann::json logged = config;
  if (!folder.empty()) logged["checkpoint"] = folder.string();

  if (!folder.empty() && std::filesystem::exists(folder / kModel) &&
      std::filesystem::exists(folder / kResult)) {
    LoadNetwork(network, folder / kModel);
    network.Module().eval();
    const nlohmann::json result = ReadJsonFile(folder / kResult, "the teacher's result");
    for (const auto& [name, value] : result.items()) {
      if (value.is_number()) trained.result[name] = value.get<double>();
    }
    trained.finished = true;
    trained.reused = true;
    // This experiment's record of the teacher it reads (as the blocks', block_distiller.h): its
    // result, no training here (0 seconds), no curve (the folder keeps none); once, if resumed.
    if (context.log != nullptr && !context.log->HasFinishedRun("retrain", folder.string())) {
      logged["reused"] = true;
      if (const std::optional<std::int64_t> by =
              context.log->RunThatTrained("retrain", folder.string())) {
        logged["trained_by_run"] = *by;
      }
      const std::int64_t run = context.log->BeginRun("retrain", logged);
      Metrics result = trained.result;
      result["seconds"] = 0;
      context.log->FinishRun(run, "finished", result);
    }
    return trained;
  }

  SposOptions training = plan.training;
  if (!folder.empty()) {
    std::filesystem::create_directories(folder);
    training.checkpoint = folder / kCheckpoint;
  }
  const std::string title = "teacher " + plan.arch;
  if (context.progress != nullptr) {  // only now: a teacher read from its folder is not trained
    context.progress->Note("training the teacher first: " + plan.arch + ", " +
                           Counted(plan.training.epochs, "epoch"));
  }

  NetworkTrainingHooks hooks;
  hooks.eval_batch_size = plan.eval_batch_size;
  hooks.checkpoint_identity = config.dump();
  std::optional<std::int64_t> run;
  ShownTraining shown(context.progress, title, context.stop);
  shown.ResumesFrom("teacher", training.checkpoint.string());
  shown.BeforeFirstStep([&](const TrainingStep& step) {
    if (context.log != nullptr) {
      nlohmann::json begun = logged;
      begun["first_epoch"] = step.epoch;
      run = context.log->BeginRun("retrain", begun);
    }
  });
  hooks.on_step = [&](const TrainingStep& step) { return shown.Step(step); };
  hooks.on_epoch = [&](const NetworkEpoch& epoch) {
    const Metrics values = epoch.AsMetrics();
    if (run) context.log->RecordEpoch(*run, static_cast<int>(epoch.epoch), values);
    return shown.EpochDone(epoch.epoch, values);
  };
  NetworkTrainingResult result;
  try {
    result = TrainNetwork(network, data, training, hooks);
  } catch (...) {
    if (run) context.log->FinishRun(*run, "failed", {});
    throw;  // the display ends with `shown`
  }
  shown.End();
  trained.finished = !result.stopped;
  trained.result = result.AsMetrics();
  if (trained.finished && !folder.empty()) {
    // The weights before the result: a folder with teacher.json always has its model.
    SaveNetwork(network, folder / kModel);
    nlohmann::json document = nlohmann::json::object();
    for (const auto& [name, value] : trained.result) document[name] = value;
    WriteJsonFile(document, folder / kResult, "the teacher's result");
    std::error_code ignored;
    std::filesystem::remove(training.checkpoint, ignored);  // the optimizer state is not needed
  }
  if (run) context.log->FinishRun(*run, trained.finished ? "finished" : "interrupted",
                                  trained.result);
  return trained;
}

}  // namespace sculpt
