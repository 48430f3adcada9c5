// The "supernet" evaluator (see evaluators.h).

#include <algorithm>
#include <chrono>
#include <optional>
#include <sstream>

#include <ATen/Parallel.h>
#include <torch/utils.h>

#include "spaces/errors.h"
#include "spaces/json_file.h"
#include "spaces/options.h"
#include "spaces/rng.h"
#include "spaces/search_space.h"
#include "supernet/data/data_setup.h"
#include "supernet/evaluators/evaluators.h"
#include "supernet/few_shot/few_shot_supernet.h"
#include "supernet/few_shot/gradient_matching.h"
#include "supernet/latency.h"
#include "supernet/torch_threads.h"
#include "supernet/training/side_by_side_reports.h"
#include "supernet/training/shown_training.h"
#include "supernet/training/spos_trainer.h"
#include "supernet/data/split_scorer.h"

namespace sculpt {
namespace {

constexpr const char* kCheckpointFile = "supernet.pt";
constexpr const char* kSplitFile = "split.json";
constexpr const char* kAutoSplit = "auto";

// The "few_shot" block: the one-shot supernet is split on one decision after its training (see
// supernet/few_shot/few_shot_supernet.h).
struct FewShotSettings {
  std::string split;                // a decision's name, or "auto" (gradient matching)
  int decision = -1;                // the named decision's position, found once; -1 for auto
  std::vector<Decision> decisions;  // the space's
  std::int64_t epochs = 2;          // fine-tuning epochs of each sub-supernet
  double learning_rate = 0;         // of the fine-tuning (cosine from it, no warm-up)
  int auto_batches = 4;             // batches per value of the gradient matching
  // Side by side on the engine's workers (each with its share of the cores) or one after the
  // other (each with every core). Not in Json(): only the summation order differs, which
  // the training records keep as their "threads".
  bool side_by_side = true;

  nlohmann::json Json() const {
    nlohmann::json json = {{"split", split}, {"epochs", epochs}, {"learning_rate", learning_rate}};
    if (split == kAutoSplit) json["auto_batches"] = auto_batches;
    return json;
  }
};

class SupernetEvaluator final : public Evaluator {
 public:
  SupernetEvaluator(DataSetup setup, SposOptions training, std::optional<FewShotSettings> few_shot,
                    std::string space_name, std::int64_t eval_images,
                    std::int64_t eval_batch_size, int latency_runs, int threads_per_worker)
      : setup_(std::move(setup)),
        training_(std::move(training)),
        few_shot_(std::move(few_shot)),
        space_name_(std::move(space_name)),
        eval_images_(eval_images),
        eval_batch_size_(eval_batch_size),
        latency_runs_(latency_runs),
        threads_per_worker_(threads_per_worker) {}

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
    SposTrainer trainer(*setup_.family, *setup_.data, options);
    nlohmann::json config = Config();
    config["checkpoint"] = options.checkpoint.string();
    if (!TrainShown(trainer, "supernet", config, context)) return;
    if (!few_shot_) {
      supernet_ = trainer.Model();
      return;
    }
    if (context.StopRequested()) return;
    // The sub-supernets live in a folder named by the split's settings, inside the one-shot
    // supernet's: one-shot runs and other splits of the same training share the one-shot part.
    std::filesystem::path few_shot_dir;
    if (!dir.empty()) {
      few_shot_dir = dir / ("few_shot-" + HashToHex(HashText(few_shot_->Json().dump() + " " +
                                                              trainer.CheckpointFingerprint())));
    }
    const int decision = ChooseSplit(*trainer.Model(), few_shot_dir, context);
    supernet_ = TrainSubSupernets(trainer, decision, few_shot_dir, context);
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
      metrics["latency_ms"] = ArchitectureLatencyMs(*setup_.family, arch, latency_runs_);
    }
    return metrics;
  }

 private:
  // Trains (or resumes, or reuses) `trainer`'s supernet with a progress display under `title`
  // and a training run of kind supernet in the log. True when it is finished; false when a stop
  // request interrupted it (what is done stays in its checkpoint).
  static bool TrainShown(SposTrainer& trainer, const std::string& title, nlohmann::json config,
                         PrepareContext& context) {
    std::optional<std::int64_t> run;
    EpochStats last;
    ShownTraining shown(context.progress, title, context.stop);
    shown.ResumesFrom(title, config.value("checkpoint", std::string()));
    shown.BeforeFirstStep([&](const TrainingStep& step) {
      if (context.log != nullptr) {
        config["first_epoch"] = step.epoch;
        // The weights depend on it (oneDNN's summation order), so it is part of the record.
        config["threads"] = at::get_num_threads();
        run = context.log->BeginRun("supernet", config);
      }
    });
    auto on_step = [&](const TrainingStep& step) { return shown.Step(step); };
    auto on_epoch = [&](const EpochStats& stats) {
      last = stats;
      const Metrics values = {{"train_loss", stats.loss},
                              {"train_accuracy", stats.accuracy},
                              {"lr", stats.learning_rate},
                              {"seconds", stats.seconds},
                              {"images_per_second", stats.images_per_second}};
      if (run) context.log->RecordEpoch(*run, static_cast<int>(stats.epoch), values);
      return shown.EpochDone(stats.epoch, values);
    };
    const std::string checkpoint = config.value("checkpoint", std::string());
    const bool existed = !checkpoint.empty() && std::filesystem::exists(checkpoint);
    try {
      trainer.Train(on_epoch, on_step);
    } catch (...) {
      if (run) context.log->FinishRun(*run, "failed", {});
      throw;  // the display ends with `shown`
    }
    shown.End();
    if (!trainer.Finished()) {
      if (run) {
        context.log->FinishRun(*run, "interrupted",
                               {{"epochs", static_cast<double>(trainer.CompletedEpochs())}});
      }
      return false;
    }
    if (run) {
      context.log->FinishRun(*run, "finished",
                             {{"epochs", static_cast<double>(trainer.CompletedEpochs())},
                              {"train_loss", last.loss},
                              {"train_accuracy", last.accuracy}});
    }
    if (!shown.Began() && context.progress != nullptr) {
      context.progress->Note(existed ? "reusing the trained " + title + " " + checkpoint
                                     : "the " + title + " needed no training");
    }
    return true;
  }

  // The decision to split on: the configured one, or for "auto" the one whose values' gradients
  // disagree most on the trained one-shot supernet, kept in `dir`/split.json so that a resumed
  // or later run splits the same way.
  int ChooseSplit(Supernet& one_shot, const std::filesystem::path& dir,
                  PrepareContext& context) const {
    const std::vector<Decision>& decisions = few_shot_->decisions;
    if (few_shot_->decision >= 0) return few_shot_->decision;
    const std::filesystem::path file = dir.empty() ? dir : dir / kSplitFile;
    if (!file.empty() && std::filesystem::exists(file)) {
      const nlohmann::json chosen = ReadJsonFile(file, "the few-shot split");
      return FindSplitDecision(decisions, chosen.at("decision").get<std::string>(), space_name_);
    }
    std::vector<int> values;
    for (const Decision& decision : decisions) {
      values.push_back(static_cast<int>(decision.options.size()));
    }
    GradientMatchingOptions matching;
    matching.batches = few_shot_->auto_batches;
    matching.batch_size = std::min(training_.batch_size, setup_.data->Size(Split::kTrain));
    matching.seed = training_.seed;
    const std::vector<double> scores =
        GradientDisagreement(one_shot, *setup_.family, *setup_.data, values, matching);
    const auto best = static_cast<std::size_t>(
        std::max_element(scores.begin(), scores.end()) - scores.begin());
    if (scores[best] < 0) {
      throw UserError("no decision of space '" + space_name_ + "' has two values to split on");
    }
    nlohmann::json by_decision = nlohmann::json::object();
    std::ostringstream shown;
    shown.precision(3);
    for (std::size_t d = 0; d < decisions.size(); ++d) {
      if (scores[d] < 0) continue;
      by_decision[decisions[d].name] = scores[d];
      shown << (by_decision.size() > 1 ? ", " : "") << decisions[d].name << " " << scores[d];
    }
    if (context.progress != nullptr) {
      context.progress->Note("gradient matching splits on " + decisions[best].name +
                             " (disagreement " + shown.str() + ")");
    }
    if (!file.empty()) {
      WriteJsonFile({{"decision", decisions[best].name}, {"disagreement", by_decision}}, file,
                    "the few-shot split");
    }
    return static_cast<int>(best);
  }

  // Fine-tunes one sub-supernet per value of `decision`, each from the one-shot weights: side by
  // side on the engine's workers when Prepare has some, each with the worker's threads (so that
  // its weights, which depend on its thread count, follow from the settings alone), else one
  // after the other. Null when a stop request interrupted them.
  // Why side by side: two 1-thread trainings at once make about 1.5x the steps of one 2-thread
  // training on 2 cores. Why not rounds of one per worker and then the rest sharing every
  // thread: sub-supernets differ in cost (nb201's convolutions take 1.5x its skips), so the
  // wait for each round's slowest cost more than the leftovers' idle cores (docs/BENCHMARKS.md
  // section 9).
  std::shared_ptr<Supernet> TrainSubSupernets(SposTrainer& one_shot, int decision,
                                              const std::filesystem::path& dir,
                                              PrepareContext& context) const {
    const Decision& split = few_shot_->decisions[static_cast<std::size_t>(decision)];
    const int count = static_cast<int>(split.options.size());
    std::vector<std::shared_ptr<Supernet>> subs(static_cast<std::size_t>(count));
    const int workers = context.workers != nullptr ? context.workers->Workers() : 1;
    if (few_shot_->side_by_side && workers > 1 && count > 1) {
      SideBySideReports reports(context.progress, context.log,
                                std::to_string(count) + " sub-supernets (" + split.name + "), " +
                                    std::to_string(std::min(workers, count)) + " side by side",
                                count, few_shot_->epochs);
      context.workers->RunEach(count, [&](int k) {
        // Stopped while others trained: this one does not begin (no empty run in the log).
        if (context.StopRequested()) return;
        const ThisThreadsTorchThreads torch_threads(threads_per_worker_);
        PrepareContext own = context;
        own.progress = reports.Progress(k);
        own.log = reports.Log();
        own.workers = nullptr;
        subs[static_cast<std::size_t>(k)] = TrainSubSupernet(one_shot, decision, k, dir, own);
        if (subs[static_cast<std::size_t>(k)]) reports.Done(k);
      });
      reports.End();
    } else {
      for (int k = 0; k < count; ++k) {
        subs[static_cast<std::size_t>(k)] = TrainSubSupernet(one_shot, decision, k, dir, context);
        if (!subs[static_cast<std::size_t>(k)]) return nullptr;
      }
    }
    if (std::find(subs.begin(), subs.end(), nullptr) != subs.end()) return nullptr;
    auto few_shot = std::make_shared<FewShotSupernet>(decision, std::move(subs));
    few_shot->Module().eval();
    if (context.progress != nullptr) {
      std::ostringstream memory;
      memory.precision(3);
      memory << static_cast<double>(WeightBytes(few_shot->Module())) / 1e6;
      context.progress->Note("few-shot supernet: " + std::to_string(count) +
                             " sub-supernets split on " + split.name + ", " + memory.str() +
                             " MB of weights in memory");
    }
    return few_shot;
  }

  // Fine-tunes (or resumes, or reuses) sub-supernet `k` of the split on `decision`; null when a
  // stop request interrupted it. Touches nothing shared but the one-shot weights, which it reads.
  std::shared_ptr<Supernet> TrainSubSupernet(SposTrainer& one_shot, int decision, int k,
                                             const std::filesystem::path& dir,
                                             PrepareContext& context) const {
    if (context.StopRequested()) return nullptr;
    const Decision& split = few_shot_->decisions[static_cast<std::size_t>(decision)];
    const int count = static_cast<int>(split.options.size());
    const std::string& value = split.options[static_cast<std::size_t>(k)];
    SposOptions options = training_;
    options.epochs = few_shot_->epochs;
    options.learning_rate = few_shot_->learning_rate;
    options.min_learning_rate = std::min(options.min_learning_rate, options.learning_rate);
    options.warmup_epochs = 0;
    options.seed = MixSeed(training_.seed, static_cast<std::uint64_t>(k) + 1);
    if (!dir.empty()) options.checkpoint = dir / ("sub-" + std::to_string(k) + ".pt");
    SubSpaceStart start;
    start.parent = one_shot.Model().get();
    start.parent_fingerprint = one_shot.CheckpointFingerprint();
    start.decision = decision;
    start.choice = k;
    SposTrainer trainer(*setup_.family, *setup_.data, options, start);
    nlohmann::json config = Config();
    config["training"] = SposOptionsJson(options);
    config["checkpoint"] = options.checkpoint.string();
    config["few_shot"] = {
        {"decision", split.name}, {"value", value}, {"sub_supernet", k}, {"of", count}};
    const std::string title = "sub-supernet " + std::to_string(k + 1) + "/" +
                              std::to_string(count) + " (" + split.name + "=" + value + ")";
    if (!TrainShown(trainer, title, config, context)) return nullptr;
    return trainer.Model();
  }

  nlohmann::json Config() const {
    nlohmann::json config = {{"skeleton", setup_.family->Skeleton()},
                             {"training", SposOptionsJson(training_)},
                             {"dataset", DescribeDataset(setup_.dataset)}};
    if (few_shot_) config["few_shot_settings"] = few_shot_->Json();
    return config;
  }

  // Names the checkpoint folder: everything that changes the trained weights.
  std::string Fingerprint() const {
    return setup_.family->Name() + "-supernet-v1 " + setup_.family->Skeleton().dump() + " " +
           SposOptionsJson(training_).dump() + " " + DescribeDataset(setup_.dataset);
  }

  DataSetup setup_;
  SposOptions training_;
  std::optional<FewShotSettings> few_shot_;
  std::string space_name_;
  std::int64_t eval_images_;
  std::int64_t eval_batch_size_;
  int latency_runs_;
  int threads_per_worker_;  // LibTorch intra-op threads of a sub-supernet trained side by side
  std::shared_ptr<Supernet> supernet_;  // set by Prepare; read-only afterwards
};

}  // namespace

std::unique_ptr<Evaluator> MakeSupernetEvaluator(Options& options, const EvaluatorContext& context,
                                                 std::shared_ptr<const ModelFamily> family,
                                                 const ExportedModelReader& read_model) {
  const std::size_t errors_before = options.Errors().Messages().size();
  const std::string kind =
      options.String("kind", "one_shot", {"one_shot", "few_shot", "blockwise"});
  const bool kind_valid = options.Errors().Messages().size() == errors_before;
  if (kind == "blockwise") {
    if (options.Has("few_shot")) {
      options.Error("few_shot", "is read only with \"kind\": \"few_shot\"");
      options.Raw("few_shot");  // said once: not an unknown key as well
    }
    return MakeBlockwiseEvaluator(options, context, std::move(family), read_model);
  }
  if (options.Has("blockwise")) {
    options.Error("blockwise", "is read only with \"kind\": \"blockwise\"");
    options.Raw("blockwise");  // said once: not an unknown key as well
  }
  Options training_block = options.Child("training");
  SposOptions training = ReadSposOptions(training_block, context.seed);
  ReadPathSampling(training_block, training);
  training_block.Finish();
  std::optional<FewShotSettings> few_shot;
  if (kind == "few_shot") {
    Options block = options.Child("few_shot");
    FewShotSettings settings;
    if (context.space != nullptr) settings.decisions = context.space->Decisions();
    const std::string first = settings.decisions.empty() ? kAutoSplit : settings.decisions[0].name;
    settings.split = block.String("split", first);
    settings.epochs = block.Int("epochs", settings.epochs, 1);
    settings.learning_rate = block.Number("learning_rate", training.learning_rate, 0.0);
    settings.auto_batches =
        static_cast<int>(block.Int("auto_batches", settings.auto_batches, 1, 1000));
    settings.side_by_side = block.Bool("side_by_side", settings.side_by_side);
    block.Finish();
    if (settings.decisions.empty()) {
      options.Error("kind", "few_shot needs a space whose decisions can be split on; space '" +
                                SpaceName(context) + "' names none");
    } else if (settings.split != kAutoSplit) {
      try {
        settings.decision =
            FindSplitDecision(settings.decisions, settings.split, SpaceName(context));
      } catch (const UserError& e) {
        options.Error("few_shot.split", e.what());
      }
    }
    few_shot = std::move(settings);
  } else if (options.Has("few_shot")) {
    // Beside a misspelt kind (read as the default, with its own error) it would only confuse.
    if (kind_valid) options.Error("few_shot", "is read only with \"kind\": \"few_shot\"");
    options.Raw("few_shot");  // said once: not an unknown key as well
  }
  const std::int64_t eval_images = options.Int("eval_images", 1000, 0);
  const std::int64_t eval_batch_size = options.Int("eval_batch_size", 250, 2);
  const int latency_runs = static_cast<int>(options.Int("latency_runs", 15, 0, 10000));
  DataSetup setup = ReadDataSetup(options, std::move(family), SpaceName(context), context.base_dir);
  CheckSplitSizes(options, setup, training, "training.", eval_images);
  if (!options.Errors().Empty()) return nullptr;
  return std::make_unique<SupernetEvaluator>(std::move(setup), std::move(training),
                                             std::move(few_shot), SpaceName(context), eval_images,
                                             eval_batch_size, latency_runs,
                                             context.threads_per_worker);
}

}  // namespace sculpt
