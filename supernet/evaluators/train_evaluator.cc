// The "train" evaluator (see evaluators.h): the ground truth for judging cheaper evaluators.

#include <ATen/Parallel.h>

#include "spaces/options.h"
#include "supernet/data/data_setup.h"
#include "supernet/evaluators/evaluators.h"
#include "supernet/latency.h"
#include "supernet/training/network_trainer.h"

namespace sculpt {
namespace {

class TrainEvaluator final : public Evaluator {
 public:
  TrainEvaluator(DataSetup setup, SposOptions training, std::int64_t valid_images,
                 std::int64_t eval_batch_size, int latency_runs)
      : setup_(std::move(setup)),
        training_(std::move(training)),
        valid_images_(valid_images),
        eval_batch_size_(eval_batch_size),
        latency_runs_(latency_runs) {}

  std::vector<std::string> VisibleMetrics() const override {
    std::vector<std::string> names = {"valid_accuracy", "valid_loss"};
    if (latency_runs_ > 0) names.push_back("latency_ms");
    return names;
  }
  std::vector<std::string> ReportedMetrics() const override {
    return {"test_accuracy", "test_loss", "train_seconds"};
  }

  Metrics Evaluate(const Architecture& arch, const EvalContext& /*context*/) const override {
    // OpenMP keeps the intra-op thread count per thread (see supernet_evaluator.cc).
    at::init_num_threads();
    // Every candidate gets the same seeds (initial weights, shuffles): candidates differ only
    // by their architecture, and a score does not depend on when it was computed.
    const std::shared_ptr<Network> network = setup_.family->BuildNetwork(arch, training_.seed);
    NetworkTrainingHooks hooks;
    hooks.valid_images = valid_images_;
    hooks.eval_batch_size = eval_batch_size_;
    const NetworkTrainingResult result = TrainNetwork(*network, *setup_.data, training_, hooks);
    Metrics metrics = {{"valid_accuracy", result.valid_accuracy},
                       {"valid_loss", result.valid_loss},
                       {"test_accuracy", result.test_accuracy},
                       {"test_loss", result.test_loss},
                       {"train_seconds", result.seconds}};
    if (latency_runs_ > 0) {
      metrics["latency_ms"] = MeasureLatencyMs(
          [&](const at::Tensor& x) { return network->Forward(x); }, setup_.family->InputShape(),
          latency_runs_);
    }
    return metrics;
  }

 private:
  DataSetup setup_;
  SposOptions training_;
  std::int64_t valid_images_;
  std::int64_t eval_batch_size_;
  int latency_runs_;
};

}  // namespace

std::unique_ptr<Evaluator> MakeTrainEvaluator(Options& options, const EvaluatorContext& context,
                                              std::shared_ptr<const ModelFamily> family) {
  Options training_block = options.Child("training");
  SposOptions training = ReadSposOptions(training_block, context.seed);
  if (family != nullptr) ReadHeadDrop(training_block, *family, training);
  training_block.Finish();
  const std::int64_t valid_images = options.Int("valid_images", 0, 0);
  const std::int64_t eval_batch_size = options.Int("eval_batch_size", 500, 1);
  const int latency_runs = static_cast<int>(options.Int("latency_runs", 0, 0, 10000));
  DataSetup setup = ReadDataSetup(options, std::move(family), SpaceName(context), context.base_dir);
  CheckSplitSizes(options, setup, training, "training.");
  if (!options.Errors().Empty()) return nullptr;
  return std::make_unique<TrainEvaluator>(std::move(setup), std::move(training), valid_images,
                                          eval_batch_size, latency_runs);
}

}  // namespace sculpt
