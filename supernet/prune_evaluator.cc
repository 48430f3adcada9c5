// The "prune" evaluator (supernet/evaluators.h): masks of the prune space scored with the
// trained model's weights, each candidate's network cut from the trained one.

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "spaces/errors.h"
#include "spaces/json_file.h"
#include "spaces/prune.h"
#include "supernet/data_setup.h"
#include "supernet/evaluators.h"
#include "supernet/families.h"
#include "supernet/prune_network.h"
#include "supernet/split_scorer.h"

namespace sculpt {
namespace {

class PruneEvaluator final : public Evaluator {
 public:
  PruneEvaluator(const prune::PruneSpace& space, TransformerNetwork trained, DataSetup setup,
                 std::int64_t eval_images, std::int64_t eval_batch_size)
      : space_(space),
        trained_(std::move(trained)),
        setup_(std::move(setup)),
        eval_images_(eval_images),
        eval_batch_size_(eval_batch_size) {}

  Metrics Evaluate(const Architecture& arch, const EvalContext& /*context*/) const override {
    // OpenMP keeps the intra-op thread count per thread: apply the process-wide setting to this
    // engine worker (as the supernet evaluator does).
    at::init_num_threads();
    torch::NoGradGuard no_grad;
    // The trained network is only read; each candidate gets its own, smaller copy.
    TransformerNetwork pruned = PruneNetwork(*trained_, space_.Kept(arch));
    const SplitScore score =
        ScoreSplit([&](const at::Tensor& x) { return pruned->forward(x); }, *setup_.data,
                   Split::kValidation, eval_images_, eval_batch_size_);
    return {{"accuracy", score.accuracy}, {"loss", score.loss}};
  }

  std::vector<std::string> VisibleMetrics() const override { return {"accuracy", "loss"}; }

 private:
  const prune::PruneSpace& space_;
  TransformerNetwork trained_;
  DataSetup setup_;
  std::int64_t eval_images_;
  std::int64_t eval_batch_size_;
};

}  // namespace

std::unique_ptr<Evaluator> MakePruneEvaluator(Options& options, const EvaluatorContext& context) {
  const std::int64_t eval_images = options.Int("eval_images", 0, 0);
  const std::int64_t eval_batch_size = options.Int("eval_batch_size", 500, 1);
  const auto* space = dynamic_cast<const prune::PruneSpace*>(context.space);
  if (space == nullptr) {
    if (context.space != nullptr) {
      options.Error("", "the prune evaluator scores masks of the prune space, not of space '" +
                            SpaceName(context) + "'");
    }
    return nullptr;
  }
  const prune::Model& model = space->TrainedModel();
  std::shared_ptr<const ModelFamily> family = MakeTransformerFamilyFor(model.skeleton);

  // By default the data set of the model's retraining: its validation split is held out.
  DataSetup setup;
  if (options.Has("dataset")) {
    setup = ReadDataSetup(options, family, "prune", context.base_dir);
  } else {
    const nlohmann::json document =
        ReadJsonFile(model.folder / "architecture.json", "exported model");
    const nlohmann::json* dataset = nullptr;
    const nlohmann::json config = document.value("experiment", nlohmann::json::object())
                                       .value("config", nlohmann::json::object());
    for (const char* block : {"final", "evaluator"}) {
      if (config.contains(block) && config[block].contains("dataset")) {
        dataset = &config[block]["dataset"];
        break;
      }
    }
    if (dataset == nullptr) {
      options.Error("dataset", "the model in " + model.folder.string() +
                                   " does not say which data it was trained on; give a dataset "
                                   "block");
      return nullptr;
    }
    const nlohmann::json defaults = {{"dataset", *dataset}};
    Options fallback(defaults, options.Path(), options.Errors(), nullptr);
    setup = ReadDataSetup(fallback, family, "prune", context.base_dir);
  }
  if (!options.Errors().Empty() || !setup.data) return nullptr;

  const std::shared_ptr<Network> network =
      family->BuildNetwork(transformer::MakeSpace(model.skeleton)->Parse(model.arch), 0);
  try {
    LoadNetwork(*network, model.folder / "model.pt");
  } catch (const UserError& error) {
    options.Error("", std::string("cannot load the trained model: ") + error.what());
    return nullptr;
  }
  network->Module().eval();
  return std::make_unique<PruneEvaluator>(*space, AsTransformer(*network), std::move(setup),
                                          eval_images, eval_batch_size);
}

}  // namespace sculpt
