// The "supernet" evaluator (see evaluators.h).

#include <chrono>
#include <optional>
#include <sstream>

#include <ATen/Parallel.h>
#include <torch/utils.h>

#include "spaces/errors.h"
#include "spaces/options.h"
#include "spaces/search_space.h"
#include "supernet/data_setup.h"
#include "supernet/evaluators.h"
#include "supernet/latency.h"
#include "supernet/spos_trainer.h"
#include "supernet/split_scorer.h"

namespace sculpt {
namespace {

constexpr const char* kCheckpointFile = "supernet.pt";

class SupernetEvaluator final : public Evaluator {
 public:
  SupernetEvaluator(DataSetup setup, SposOptions training, std::int64_t eval_images,
                    std::int64_t eval_batch_size, int latency_runs)
      : setup_(std::move(setup)),
        training_(std::move(training)),
        eval_images_(eval_images),
        eval_batch_size_(eval_batch_size),
        latency_runs_(latency_runs) {}

  std::vector<std::string> VisibleMetrics() const override {
    std::vector<std::string> names = {"accuracy", "loss"};
    if (latency_runs_ > 0) names.push_back("latency_ms");
    return names;
  }

  void Prepare(PrepareContext& context) override {
    SposOptions options = training_;
    std::filesystem::path dir;
    if (!context.checkpoint_dir.empty()) {
      dir = context.checkpoint_dir / HashToHex(HashText(Fingerprint()));
      options.checkpoint = dir / kCheckpointFile;
    }
    const bool existed = !options.checkpoint.empty() && std::filesystem::exists(options.checkpoint);
    SposTrainer trainer(*setup_.family, *setup_.data, options);

    std::optional<std::int64_t> run;
    bool began = false;
    EpochStats last;
    auto on_step = [&](const TrainingStep& step) {
      if (!began) {
        began = true;
        if (context.progress != nullptr) {
          if (step.epoch > 1) {
            context.progress->Note("resuming the supernet's training after epoch " +
                                   std::to_string(step.epoch - 1) + " from " +
                                   options.checkpoint.string());
          }
          context.progress->Begin("supernet", step.epoch, step.epochs, step.steps);
        }
        if (context.log != nullptr) {
          nlohmann::json config = Config();
          config["checkpoint"] = options.checkpoint.string();
          config["first_epoch"] = step.epoch;
          // The weights depend on it (oneDNN's summation order), so it is part of the record.
          config["threads"] = at::get_num_threads();
          run = context.log->BeginRun("supernet", config);
        }
      }
      if (context.progress != nullptr) context.progress->Step(step);
      return !context.StopRequested();
    };
    auto on_epoch = [&](const EpochStats& stats) {
      last = stats;
      const Metrics values = {{"train_loss", stats.loss},
                              {"train_accuracy", stats.accuracy},
                              {"lr", stats.learning_rate},
                              {"seconds", stats.seconds},
                              {"images_per_second", stats.images_per_second}};
      if (context.progress != nullptr) context.progress->EpochDone(stats.epoch, values);
      if (run) context.log->RecordEpoch(*run, static_cast<int>(stats.epoch), values);
      return !context.StopRequested();
    };
    try {
      trainer.Train(on_epoch, on_step);
    } catch (...) {
      if (began && context.progress != nullptr) context.progress->End();
      if (run) context.log->FinishRun(*run, "failed", {});
      throw;
    }
    if (began && context.progress != nullptr) context.progress->End();
    if (!trainer.Finished()) {
      // Stopped by the flag: what is done stays in the checkpoint for the next run.
      if (run) {
        context.log->FinishRun(*run, "interrupted",
                               {{"epochs", static_cast<double>(trainer.CompletedEpochs())}});
      }
      return;
    }
    if (run) {
      context.log->FinishRun(*run, "finished",
                             {{"epochs", static_cast<double>(trainer.CompletedEpochs())},
                              {"train_loss", last.loss},
                              {"train_accuracy", last.accuracy}});
    }
    if (!began && context.progress != nullptr) {
      context.progress->Note(existed ? "reusing the trained supernet " + options.checkpoint.string()
                                     : "the supernet needed no training");
    }
    supernet_ = trainer.Model();
    supernet_->Module().eval();
  }

  Metrics Evaluate(const Architecture& arch, const EvalContext& /*context*/) const override {
    if (!supernet_) {
      throw InternalError("the supernet evaluator was used before Prepare() trained it");
    }
    // OpenMP keeps the intra-op thread count per thread: apply the process-wide setting
    // (SetTorchThreads) to this engine worker, or it would use every core.
    at::init_num_threads();
    torch::NoGradGuard no_grad;
    // Families make Forward write no module state, so workers share the supernet.
    const SplitScore score = ScoreSplit(
        [&](const at::Tensor& x) { return supernet_->Forward(x, arch); }, *setup_.data,
        Split::kValidation, eval_images_, eval_batch_size_);
    Metrics metrics = {{"accuracy", score.accuracy}, {"loss", score.loss}};
    if (latency_runs_ > 0) {
      // The deployable network (eval mode): its weights do not matter.
      const std::shared_ptr<Network> network = setup_.family->BuildNetwork(arch, 0);
      network->Module().eval();
      metrics["latency_ms"] = MeasureLatencyMs(
          [&](const at::Tensor& x) { return network->Forward(x); }, setup_.family->InputShape(),
          latency_runs_);
    }
    return metrics;
  }

 private:
  nlohmann::json Config() const {
    return {{"skeleton", setup_.family->Skeleton()},
            {"training", SposOptionsJson(training_)},
            {"dataset", DescribeDataset(setup_.dataset)}};
  }

  // Names the checkpoint folder: everything that changes the trained weights.
  std::string Fingerprint() const {
    return setup_.family->Name() + "-supernet-v1 " + setup_.family->Skeleton().dump() + " " +
           SposOptionsJson(training_).dump() + " " + DescribeDataset(setup_.dataset);
  }

  DataSetup setup_;
  SposOptions training_;
  std::int64_t eval_images_;
  std::int64_t eval_batch_size_;
  int latency_runs_;
  std::shared_ptr<Supernet> supernet_;  // set by Prepare; read-only afterwards
};

}  // namespace

std::unique_ptr<Evaluator> MakeSupernetEvaluator(Options& options, const EvaluatorContext& context,
                                                 std::shared_ptr<const ModelFamily> family) {
  Options training_block = options.Child("training");
  SposOptions training = ReadSposOptions(training_block, context.seed);
  ReadPathSampling(training_block, training);
  training_block.Finish();
  const std::int64_t eval_images = options.Int("eval_images", 1000, 0);
  const std::int64_t eval_batch_size = options.Int("eval_batch_size", 250, 2);
  const int latency_runs = static_cast<int>(options.Int("latency_runs", 15, 0, 10000));
  DataSetup setup = ReadDataSetup(options, std::move(family), SpaceName(context), context.base_dir);
  if (setup.data) {
    const std::int64_t valid = setup.data->Size(Split::kValidation);
    if (eval_images > valid) {
      options.Error("eval_images", "expected at most the " + std::to_string(valid) +
                                       " images of the validation split, got " +
                                       std::to_string(eval_images));
    }
    if (training.batch_size > setup.data->Size(Split::kTrain)) {
      options.Error("training.batch_size",
                    "is larger than the train split (" +
                        std::to_string(setup.data->Size(Split::kTrain)) + " images)");
    }
  }
  if (!options.Errors().Empty()) return nullptr;
  return std::make_unique<SupernetEvaluator>(std::move(setup), std::move(training), eval_images,
                                             eval_batch_size, latency_runs);
}

}  // namespace sculpt
