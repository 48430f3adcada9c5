// The "prune" evaluator (supernet/evaluators/evaluators.h): masks of the prune space scored with the
// trained model's weights, each candidate's network cut from the trained one. It is also the
// space's UnitGradientSource (spaces/unit_gradients.h): the gate gradients of the trained model on
// a sample of its training split, for the importance and fisher strategies, and a
// PrunedNetworkSource (the network of a mask as scored, tuned with option "tune").
// With "confirm_images" N, the validation split's last N images are held out of "accuracy" and
// "loss" and scored as "confirm_accuracy" and "confirm_loss": data a strategy that picks among
// many masks (astar) did not pick on, to confirm its answer with (astar's `confirm`).

#include <algorithm>
#include <mutex>
#include <numeric>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "spaces/errors.h"
#include "spaces/prune.h"
#include "supernet/data/data_setup.h"
#include "supernet/evaluators/evaluators.h"
#include "supernet/families.h"
#include "supernet/prune/mask_tuning.h"
#include "supernet/prune/prune_gradients.h"
#include "supernet/prune/prune_network.h"
#include "supernet/prune/pruned_network_source.h"
#include "supernet/data/split_scorer.h"

namespace sculpt {
namespace {

class PruneEvaluator final : public Evaluator,
                             public UnitGradientSource,
                             public PrunedNetworkSource {
 public:
  PruneEvaluator(const prune::PruneSpace& space, TransformerNetwork trained, DataSetup setup,
                 std::int64_t eval_images, std::int64_t eval_batch_size,
                 GateGradientOptions gradient_options, at::Tensor tuning_images,
                 TuningTarget tuning_target, bool report_test, std::int64_t confirm_images)
      : space_(space),
        trained_(std::move(trained)),
        setup_(std::move(setup)),
        eval_images_(eval_images),
        eval_batch_size_(eval_batch_size),
        gradient_options_(gradient_options),
        tuning_images_(std::move(tuning_images)),
        tuning_target_(tuning_target),
        report_test_(report_test),
        confirm_images_(confirm_images) {}

  TransformerNetwork PrunedNetwork(const Architecture& arch) const override {
    torch::NoGradGuard no_grad;
    const prune::Mask mask = space_.Kept(arch);
    // The trained network is only read; each candidate gets its own, smaller copy.
    TransformerNetwork pruned = PruneNetwork(*trained_, mask);
    if (tuning_images_.defined()) {
      ApplyScales(*pruned, TuneMask(*trained_.ptr(), mask, tuning_images_, tuning_target_));
    }
    return pruned;
  }

  const UnitGradients& Gradients() const override {
    std::call_once(gradients_once_, [this] {
      gradients_ = GateGradients(*trained_.ptr(), space_, *setup_.data, gradient_options_);
    });
    return gradients_;
  }

  Metrics Evaluate(const Architecture& arch, const EvalContext& /*context*/) const override {
    // OpenMP keeps the intra-op thread count per thread: apply the process-wide setting to this
    // engine worker (as the supernet evaluator does).
    at::init_num_threads();
    torch::NoGradGuard no_grad;
    TransformerNetwork pruned = PrunedNetwork(arch);
    const auto forward = [&](const at::Tensor& x) { return pruned->forward(x); };
    // The search's images come first; the confirmation's are the split's last ones.
    const std::int64_t searched = setup_.data->Size(Split::kValidation) - confirm_images_;
    const SplitScore score =
        ScoreSplit(forward, *setup_.data, Split::kValidation,
                   eval_images_ > 0 ? std::min(eval_images_, searched) : searched,
                   eval_batch_size_);
    Metrics metrics = {{"accuracy", score.accuracy}, {"loss", score.loss}};
    if (confirm_images_ > 0) {
      const SplitScore confirm = ScoreSplit(forward, *setup_.data, Split::kValidation,
                                            confirm_images_, eval_batch_size_, searched);
      metrics["confirm_accuracy"] = confirm.accuracy;
      metrics["confirm_loss"] = confirm.loss;
    }
    if (report_test_) {
      const SplitScore test =
          ScoreSplit(forward, *setup_.data, Split::kTest, 0, eval_batch_size_);
      metrics["test_accuracy"] = test.accuracy;
      metrics["test_loss"] = test.loss;
    }
    return metrics;
  }

  std::vector<std::string> VisibleMetrics() const override {
    if (confirm_images_ == 0) return {"accuracy", "loss"};
    return {"accuracy", "loss", "confirm_accuracy", "confirm_loss"};
  }
  std::vector<std::string> ReportedMetrics() const override {
    if (!report_test_) return {};
    return {"test_accuracy", "test_loss"};
  }

 private:
  const prune::PruneSpace& space_;
  TransformerNetwork trained_;
  DataSetup setup_;
  std::int64_t eval_images_;
  std::int64_t eval_batch_size_;
  GateGradientOptions gradient_options_;
  at::Tensor tuning_images_;  // undefined: no mask tuning
  TuningTarget tuning_target_;
  bool report_test_;
  std::int64_t confirm_images_;  // the validation split's last ones; 0: none held out
  mutable std::once_flag gradients_once_;
  mutable UnitGradients gradients_;
};

}  // namespace

std::unique_ptr<Evaluator> MakePruneEvaluator(Options& options, const EvaluatorContext& context) {
  const std::int64_t eval_images = options.Int("eval_images", 0, 0);
  const std::int64_t eval_batch_size = options.Int("eval_batch_size", 500, 1);
  GateGradientOptions gradient_options;
  gradient_options.images = options.Int("gradient_images", 2048, 1);
  options.Describe("gradient_images",
                   "training images whose gate gradients the importance and fisher strategies "
                   "use (a fixed sample of the train split)");
  gradient_options.batch_size = options.Int("gradient_batch_size", 128, 1);
  options.Describe("gradient_batch_size", "images per backward pass of the gate gradients");
  gradient_options.seed = context.seed;
  const bool tune = options.Bool("tune", false);
  options.Describe("tune", "mask tuning (Kwon et al.): rescale the kept heads' and FFN units' "
                           "outputs by per-layer least squares before scoring (and exporting)");
  const std::string tune_target = options.String("tune_target", "sublayer", {"sublayer", "trained"});
  options.Describe("tune_target", "what tuning reconstructs: each sublayer's unpruned output on "
                                  "the pruned network's input (sublayer), or the trained "
                                  "network's activations (trained, the paper's)");
  const std::int64_t tune_images = options.Int("tune_images", 512, 1);
  const bool report_test = options.Bool("test_accuracy", false);
  options.Describe("test_accuracy", "also score every mask on the whole test split (stored as "
                                    "test_accuracy and test_loss, never shown to a strategy)");
  options.Describe("tune_images", "training images mask tuning fits on (a fixed sample)");
  const std::int64_t confirm_images = options.Int("confirm_images", 0, 0);
  options.Describe("confirm_images",
                   "the validation split's last N images held out of accuracy and loss and "
                   "scored as confirm_accuracy and confirm_loss, for astar's confirm (0: none)");
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
    if (model.dataset.is_null()) {
      options.Error("dataset", "the model in " + model.folder.string() +
                                   " does not say which data it was trained on; give a dataset "
                                   "block");
      return nullptr;
    }
    const nlohmann::json defaults = {{"dataset", model.dataset}};
    Options fallback(defaults, options.Path(), options.Errors(), nullptr);
    setup = ReadDataSetup(fallback, family, "prune", context.base_dir);
  }
  if (!options.Errors().Empty() || !setup.data) return nullptr;
  if (confirm_images >= setup.data->Size(Split::kValidation)) {
    options.Error("confirm_images", "is " + std::to_string(confirm_images) +
                                        ": the validation split has only " +
                                        std::to_string(setup.data->Size(Split::kValidation)) +
                                        " images, and the search needs some of them");
    return nullptr;
  }
  if (report_test && setup.data->Size(Split::kTest) == 0) {
    options.Error("test_accuracy", "the data set has no test split to score");
    return nullptr;
  }

  const std::shared_ptr<Network> network =
      family->BuildNetwork(transformer::MakeSpace(model.skeleton)->Parse(model.arch), 0);
  try {
    LoadNetwork(*network, model.folder / "model.pt");
  } catch (const UserError& error) {
    options.Error("", std::string("cannot load the trained model: ") + error.what());
    return nullptr;
  }
  network->Module().eval();
  at::Tensor tuning_images;
  if (tune) {
    // A fixed sample of the train split (a seeded shuffle's prefix, in split order).
    std::vector<std::int64_t> positions(static_cast<std::size_t>(setup.data->Size(Split::kTrain)));
    std::iota(positions.begin(), positions.end(), std::int64_t{0});
    Rng rng(MixSeed(context.seed, 0x7a5e));
    std::shuffle(positions.begin(), positions.end(), rng);
    positions.resize(std::min<std::size_t>(positions.size(), static_cast<std::size_t>(tune_images)));
    std::sort(positions.begin(), positions.end());
    tuning_images = setup.data->GetBatch(Split::kTrain, positions, nullptr).images;
  }
  return std::make_unique<PruneEvaluator>(*space, AsTransformer(*network), std::move(setup),
                                          eval_images, eval_batch_size, gradient_options,
                                          std::move(tuning_images),
                                          tune_target == "trained" ? TuningTarget::kTrained
                                                                   : TuningTarget::kSublayer,
                                          report_test, confirm_images);
}

}  // namespace sculpt
