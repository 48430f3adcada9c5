// The "supernet" evaluator of kind "blockwise" (see evaluators.h): a supernet distilled block by
// block from a trained teacher (supernet/blockwise/block_distiller.h), an export folder or a
// network of the space the run trains first (supernet/blockwise/block_teacher.h), and
// candidates scored by the sum of their blocks' losses, looked up in a table scored once
// (supernet/blockwise/block_score_table.h).

#include <ATen/Parallel.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <numeric>
#include <optional>
#include <sstream>

#include "spaces/counted.h"
#include "spaces/errors.h"
#include "spaces/json_file.h"
#include "spaces/options.h"
#include "spaces/search_space.h"
#include "supernet/blockwise/block_distiller.h"
#include "supernet/blockwise/block_score_cache.h"
#include "supernet/blockwise/block_score_table.h"
#include "supernet/blockwise/block_shrinking.h"
#include "supernet/blockwise/block_teacher.h"
#include "supernet/blockwise/scoring_notes.h"
#include "supernet/data/data_setup.h"
#include "supernet/data/input_document.h"
#include "supernet/evaluators/evaluators.h"
#include "supernet/latency.h"
#include "supernet/torch_threads.h"
#include "supernet/training/spos_trainer.h"

namespace sculpt {
namespace {

constexpr const char* kScoresFile = "block_scores.json";
// A table of this many entries to score takes minutes at a few dozen a second.
constexpr std::int64_t kManyEntries = 2000;

// The reported metric of block `b` (0-based): block1_loss, block2_loss, ...
std::string BlockMetric(int b) { return "block" + std::to_string(b + 1) + "_loss"; }

class BlockwiseEvaluator final : public Evaluator {
 public:
  BlockwiseEvaluator(DataSetup setup, SposOptions training, DistillationLoss loss,
                     std::optional<ShrinkOptions> shrink, ExportedModel teacher,
                     std::optional<TeacherTraining> teacher_training,
                     std::unique_ptr<BlockDistiller> distiller, const SearchSpace& space,
                     bool side_by_side, bool on_demand, std::int64_t eval_images, std::int64_t eval_batch_size,
                     int latency_runs, int threads_per_worker)
      : setup_(std::move(setup)),
        training_(std::move(training)),
        loss_(loss),
        shrink_(std::move(shrink)),
        space_(space),
        teacher_(std::move(teacher)),
        teacher_training_(std::move(teacher_training)),
        distiller_(std::move(distiller)),
        side_by_side_(side_by_side),
        on_demand_(on_demand),
        eval_images_(eval_images),
        eval_batch_size_(eval_batch_size),
        latency_runs_(latency_runs),
        threads_per_worker_(threads_per_worker) {}

  std::vector<std::string> VisibleMetrics() const override {
    std::vector<std::string> names = {"block_loss"};
    if (latency_runs_ > 0) names.push_back("latency_ms");
    return names;
  }

  std::vector<std::string> ReportedMetrics() const override {
    std::vector<std::string> names;
    for (int b = 0; b < distiller_->Blocks(); ++b) names.push_back(BlockMetric(b));
    if (shrink_) names.push_back("dropped_blocks");
    return names;
  }

  void Prepare(PrepareContext& context) override {
    if (teacher_training_ && !TrainTeacherFirst(context)) return;  // stopped
    std::filesystem::path dir;
    if (!context.checkpoint_dir.empty()) {
      dir = context.checkpoint_dir / ("blockwise-" + HashToHex(HashText(Fingerprint())));
    }
    const int workers = context.workers != nullptr ? context.workers->Workers() : 1;
    SideBySide* side = side_by_side_ && workers > 1 ? context.workers : nullptr;
    if (context.progress != nullptr) {
      context.progress->Note("block-wise distillation from the teacher " +
                             teacher_.folder.string() + " (" + teacher_.arch + "), " +
                             Counted(distiller_->Blocks(), "block"));
    }
    // The teacher's activations on the fixed validation batches, made when first needed (not
    // when every block and the table are reused).
    std::optional<std::vector<TeacherActivations>> batches;
    auto score_batches = [&]() -> const std::vector<TeacherActivations>& {
      if (!batches) batches = ScoreBatches();
      return *batches;
    };
    std::unique_ptr<BlockShrinking> shrinking;
    if (shrink_) {
      shrinking = std::make_unique<BlockShrinking>(*distiller_, space_, *setup_.family,
                                                   score_batches(), *shrink_);
    }
    distiller_->ShrinkWith(shrinking.get());
    bool trained_now = false;  // a block trained here: a table kept in `dir` is not of it
    try {
      for (const BlockTraining& block :
           distiller_->TrainBlocks(*setup_.data, side, threads_per_worker_, context.progress,
                                   context.log, context.stop, dir, Config())) {
        trained_now = trained_now || !block.reused;
      }
    } catch (...) {
      distiller_->ShrinkWith(nullptr);
      throw;
    }
    distiller_->ShrinkWith(nullptr);
    if (context.StopRequested()) return;
    if (shrinking) {
      alive_.clear();
      std::ostringstream kept;
      for (int b = 0; b < distiller_->Blocks(); ++b) {
        std::vector<char> flags(shrinking->Choices(b), 0);
        for (const std::int64_t e : shrinking->Alive(b)) flags[static_cast<std::size_t>(e)] = 1;
        alive_.push_back(std::move(flags));
        kept << (b ? ", " : "") << distiller_->BlockName(b) << " " << shrinking->Alive(b).size()
             << " of " << shrinking->Choices(b);
      }
      if (context.progress != nullptr) {
        context.progress->Note("choices left after shrinking: " + kept.str() +
                               " (the dropped ones are still scored; dropped_blocks says how "
                               "many of a candidate's blocks took one)");
      }
    }
    if (on_demand_) {
      cache_ = std::make_unique<BlockScoreCache>(*distiller_, *setup_.family, score_batches());
      if (context.progress != nullptr) {
        context.progress->Note("block choices are scored as candidates first need them, on " +
                               std::to_string(ValidationImages()) + " validation images");
      }
      return;
    }
    table_ = ScoreTable(dir, trained_now, score_batches, context);
  }

  // Scores the class's canonical member (SearchSpace::CanonicalMember): a block's choice is
  // looked up by the layers the block holds, so another member of the class (the same network
  // with its layers in other blocks) would score otherwise, and the engine scores a class once,
  // with whichever member a search proposed first.
  Metrics Evaluate(const Architecture& written, const EvalContext& /*context*/) const override {
    if (!table_ && !cache_) {
      throw InternalError("the blockwise evaluator was used before Prepare() scored its blocks");
    }
    const Architecture arch = space_.CanonicalMember(written);
    // Scoring on demand runs the student here: this worker's share of the threads.
    if (cache_) at::init_num_threads();
    const BlockScoreTable& layout = cache_ ? cache_->Layout() : *table_;
    double sum = 0;
    int dropped = 0;
    Metrics metrics;
    for (int b = 0; b < layout.Blocks(); ++b) {
      const double score = cache_ ? cache_->BlockScore(b, arch) : table_->BlockScore(b, arch);
      metrics[BlockMetric(b)] = score;
      sum += score;
      if (!alive_.empty()) {
        dropped += alive_[static_cast<std::size_t>(b)]
                         [static_cast<std::size_t>(layout.Entry(b, arch))] == 0;
      }
    }
    metrics["block_loss"] = sum;
    if (shrink_) metrics["dropped_blocks"] = dropped;
    if (latency_runs_ > 0) {
      at::init_num_threads();  // this worker's share of the threads
      metrics["latency_ms"] = ArchitectureLatencyMs(*setup_.family, arch, latency_runs_);
    }
    return metrics;
  }

 private:
  // Trains the teacher the config asks for (or reuses one an earlier run trained): the
  // distiller holds the same network, so it distils from the trained weights. False when a stop
  // request interrupted the training.
  bool TrainTeacherFirst(PrepareContext& context) {
    const std::filesystem::path folder =
        TeacherFolder(context.checkpoint_dir, *setup_.family, *teacher_training_,
                      DescribeDataset(setup_.dataset));
    const TrainedTeacher trained =
        TrainTeacher(*teacher_.network, *setup_.data, *teacher_training_, folder,
                     {{"skeleton", setup_.family->Skeleton()},
                      {"dataset", DescribeDataset(setup_.dataset)},
                      // What `sculpt export --run` of the teacher tells a deployment.
                      {"input", InputDocument(*setup_.family, *setup_.data)}},
                     context);
    if (!trained.finished) return false;
    teacher_.folder = trained.folder;
    if (context.progress != nullptr) {
      std::ostringstream note;
      note.precision(4);
      note << (trained.reused ? "reusing the teacher trained in " + folder.string()
                              : "the teacher is trained")
           << ": validation accuracy " << 100 * trained.result.at("valid_accuracy") << " %";
      if (trained.result.count("test_accuracy") != 0) {
        note << ", test " << 100 * trained.result.at("test_accuracy") << " %";
      }
      // A teacher that learned nothing still has block outputs to copy: the blocks would be
      // distilled and the space ranked by how well they copy noise, without a word.
      const int classes = setup_.data->Classes();
      if (classes > 1 && trained.result.at("valid_accuracy") < 1.5 / classes) {
        note << "; that is about chance for " << classes << " classes: the blocks will copy "
             << "a network that learned nothing (train the teacher longer: its \"epochs\")";
      }
      context.progress->Note(note.str());
    }
    teacher_training_.reset();  // trained: a second Prepare distils from it as it is
    return true;
  }

  // The table of every block's entries, read from `dir` when an earlier run of the same
  // settings scored it, else scored now on the teacher's activations of the fixed validation
  // batches (and kept in `dir`). A run stopped while scoring keeps the entries it scored in a
  // partial table beside it, which the next run finishes; it returns nullopt. `blocks_trained`:
  // a block was trained in this run, so tables in `dir` (of blocks since deleted) are stale.
  std::optional<BlockScoreTable> ScoreTable(
      const std::filesystem::path& dir, bool blocks_trained,
      const std::function<const std::vector<TeacherActivations>&()>& score_batches,
      PrepareContext& context) const {
    const std::string name = "scores-" + std::to_string(eval_images_) + "x" +
                             std::to_string(eval_batch_size_) + "-" + kScoresFile;
    const std::filesystem::path file = dir.empty() ? dir : dir / name;
    const std::filesystem::path partial_file = dir.empty() ? dir : dir / ("partial-" + name);
    auto note = [&](const std::string& text) {
      if (context.progress != nullptr) context.progress->Note(text);
    };
    if (blocks_trained && !file.empty()) {
      std::error_code ignored;
      std::filesystem::remove(file, ignored);
      std::filesystem::remove(partial_file, ignored);
    }
    // A table kept by an earlier run: complete, or partial (from a stopped run).
    auto read = [&](const std::filesystem::path& path,
                    const nlohmann::json& json) -> std::optional<BlockScoreTable> {
      std::optional<BlockScoreTable> table =
          BlockScoreTable::FromJson(json, distiller_->Decisions(), *setup_.family);
      if (!table) {
        note("scoring the blocks again: " + path.string() + " is not a table of this space");
      }
      return table;
    };
    std::optional<BlockScoreTable> table;
    if (!file.empty() && std::filesystem::exists(file)) {
      table = read(file, ReadJsonFile(file, "the block score table"));
      if (table && table->Complete()) {
        note("reusing the block score table " + file.string());
        return table;
      }
    }
    table.reset();
    if (!partial_file.empty() && std::filesystem::exists(partial_file)) {
      // Only a stopped run's leftovers: unreadable, they are scored again.
      try {
        table = read(partial_file, ReadJsonFile(partial_file, "the partial block score table"));
      } catch (const UserError& e) {
        note(std::string("scoring the blocks from the start: ") + e.what());
      }
    }
    if (table) {
      note("resuming the block score table " + partial_file.string() + ": " +
           std::to_string(table->ScoredEntries()) + " of " + std::to_string(table->AllEntries()) +
           " block choices scored by a stopped run");
    } else {
      table = BlockScoreTable::Layout(distiller_->Decisions(), *setup_.family);
    }
    const std::vector<TeacherActivations>& batches = score_batches();
    std::int64_t bytes = 0;
    for (const TeacherActivations& batch : batches) {
      // inputs[b + 1] is outputs[b]: count each tensor once.
      for (const at::Tensor& t : batch.inputs) bytes += t.numel() * t.element_size();
      bytes += batch.outputs.back().numel() * batch.outputs.back().element_size();
    }
    const std::int64_t entries = table->AllEntries() - table->ScoredEntries();
    {
      std::ostringstream text;
      text.precision(3);
      text << "scoring " << entries << " block choices on " << ValidationImages()
           << " validation images (the teacher's activations on them: "
           << static_cast<double>(bytes) / 1e6 << " MB, kept in memory while scoring)";
      // Thousands of entries take minutes; a search that meets few of them need not wait.
      if (entries >= kManyEntries) {
        text << "; \"scoring\": \"on_demand\" would score only those the search meets";
      }
      note(text.str());
    }
    ScoringNotes notes(context.progress, "", "block choices", entries);
    const int workers = context.workers != nullptr ? context.workers->Workers() : 1;
    const bool complete = table->ScoreRemaining(
        *distiller_, batches, workers > 1 ? context.workers : nullptr, threads_per_worker_,
        [&] { notes.Scored(); }, context.stop);
    if (!complete) {
      // Stopped: what was scored is kept for the next run, which scores only the rest.
      if (!partial_file.empty()) {
        WriteJsonFile(table->Json(), partial_file, "the partial block score table");
        note(notes.Rate() + "; kept in " + partial_file.string());
      }
      return std::nullopt;
    }
    note(notes.Rate());
    if (!file.empty()) {
      WriteJsonFile(table->Json(), file, "the block score table");
      std::error_code ignored;
      std::filesystem::remove(partial_file, ignored);
    }
    return table;
  }

  std::int64_t ValidationImages() const {
    const std::int64_t valid = setup_.data->Size(Split::kValidation);
    return eval_images_ > 0 ? std::min(eval_images_, valid) : valid;
  }

  // The teacher's activations on the first ValidationImages() validation images, in batches of
  // eval_batch_size (unaugmented: the same every run).
  std::vector<TeacherActivations> ScoreBatches() const {
    std::vector<TeacherActivations> batches;
    const std::int64_t images = ValidationImages();
    for (std::int64_t first = 0; first < images; first += eval_batch_size_) {
      std::vector<std::int64_t> positions(
          static_cast<std::size_t>(std::min(eval_batch_size_, images - first)));
      std::iota(positions.begin(), positions.end(), first);
      batches.push_back(distiller_->Teach(
          setup_.data->GetBatch(Split::kValidation, positions, nullptr).images));
    }
    return batches;
  }

  nlohmann::json Config() const {
    nlohmann::json config = {{"skeleton", setup_.family->Skeleton()},
                             {"dataset", DescribeDataset(setup_.dataset)},
                             {"teacher", {{"folder", teacher_.folder.string()},
                                          {"space", teacher_.space},
                                          {"arch", teacher_.arch}}}};
    if (shrink_) config["shrink"] = ShrinkJson();
    return config;
  }

  nlohmann::json ShrinkJson() const {
    if (!shrink_) return nullptr;
    return {{"bins", shrink_->bins},
            {"samples_per_bin", shrink_->samples_per_bin},
            {"stop", shrink_->stop},
            {"warmup_epochs", shrink_->warmup_epochs},
            {"by", shrink_->by},
            // Choices are scored on these: part of what shrinking does.
            {"eval_images", eval_images_},
            {"eval_batch_size", eval_batch_size_}};
  }

  // Names the checkpoint folder: everything that changes the trained blocks.
  std::string Fingerprint() const {
    // v2: the teacher's size is bridged too where a boundary offers several (BlockDistiller).
    return setup_.family->Name() + "-blockwise-v2 " + setup_.family->Skeleton().dump() + " " +
           SposOptionsJson(training_).dump() + " " + DescribeDataset(setup_.dataset) + " " +
           DistillationLossName(loss_) + " shrink " + ShrinkJson().dump() + " teacher " +
           teacher_.space + " " + teacher_.arch +
           " " + teacher_.family->Skeleton().dump() + " " +
           (teacher_.folder.empty() ? std::string("in memory")
                                    : WeightsFileHash(teacher_.folder / "model.pt"));
  }

  DataSetup setup_;
  SposOptions training_;
  DistillationLoss loss_;
  std::optional<ShrinkOptions> shrink_;
  const SearchSpace& space_;
  ExportedModel teacher_;
  std::optional<TeacherTraining> teacher_training_;  // until Prepare has trained the teacher
  std::unique_ptr<BlockDistiller> distiller_;
  bool side_by_side_;
  bool on_demand_;  // score block choices as candidates need them, not all up front
  std::int64_t eval_images_;
  std::int64_t eval_batch_size_;
  int latency_runs_;
  int threads_per_worker_;
  std::optional<BlockScoreTable> table_;  // set by Prepare; read-only afterwards
  std::unique_ptr<BlockScoreCache> cache_;  // instead of table_ when scoring on demand
  std::vector<std::vector<char>> alive_;  // with shrinking: per block and entry, 1 when kept
};

}  // namespace

std::unique_ptr<Evaluator> MakeBlockwiseEvaluator(Options& options, const EvaluatorContext& context,
                                                  std::shared_ptr<const ModelFamily> family,
                                                  const ExportedModelReader& read_model) {
  Options training_block = options.Child("training");
  SposOptions training = ReadSposOptions(training_block, context.seed);
  training_block.Finish();
  Options block = options.Child("blockwise");
  // The teacher: an export folder, or {"arch", "epochs"} for one this run trains first.
  std::string teacher_text;
  std::optional<TeacherTraining> teacher_training;
  const nlohmann::json* teacher_raw = block.Raw("teacher");
  if (teacher_raw != nullptr && teacher_raw->is_object()) {
    Options teacher_block = block.Child("teacher");
    TeacherTraining plan;
    plan.arch = teacher_block.String("arch", "largest");
    teacher_block.Describe("arch",
                           "the architecture of the teacher the run trains first: \"largest\" "
                           "(the space's largest network) or an architecture of the space");
    plan.training = training;
    plan.training.epochs = teacher_block.Int("epochs", training.epochs, 1, 100000);
    teacher_block.Describe("epochs", "epochs of the teacher's training (default: training.epochs; "
                                     "the rest of the evaluator's training options apply)");
    teacher_block.Finish();
    teacher_training = plan;
  } else if (teacher_raw != nullptr && !teacher_raw->is_string()) {
    block.Error("teacher",
                "expected an export folder (a string) or {\"arch\": ..., "
                "\"epochs\": N} for a teacher this run trains, got " +
                    teacher_raw->dump());
  } else {
    teacher_text = block.RequiredString("teacher");
  }
  block.Describe("teacher",
                 "the trained teacher: an export folder Sculpt wrote (architecture.json and "
                 "model.pt), e.g. a run's final export of the space's largest network; or "
                 "{\"arch\": \"largest\", \"epochs\": N} to train one of the space first, in "
                 "this run, with the evaluator's training options");
  const std::string loss_name = block.String(
      "loss", DistillationLossName(DistillationLoss::kNormalisedSquaredError),
      {DistillationLossName(DistillationLoss::kNormalisedSquaredError),
       DistillationLossName(DistillationLoss::kMeanSquaredError)});
  // Epochs per block: the training block's unless given here (the teacher's default stays the
  // training block's, read above).
  training.epochs = block.Int("epochs", training.epochs, 1, 100000);
  block.Describe("epochs", "epochs each block trains (default: training.epochs)");
  // Where blocks end: the family's blocks unless given here.
  if (const nlohmann::json* given = block.Raw("blocks")) {
    const std::vector<std::int64_t> sizes = block.Ints("blocks", {}, 1, 100000);
    // An element out of range or of another kind is reported by Ints; [] is WithBlocks' to say.
    const bool read = !sizes.empty() || (given->is_array() && given->empty());
    block.Describe("blocks", "each block's size in order, in the family's units: a transformer's "
                             "layers, adding up to its layers (e.g. [1, 1, 1, 1] or [1, 3]); "
                             "default: the family's blocks (a transformer's groups of the "
                             "space's block_layers, 2; nb201's 3 stages, which are fixed)");
    try {
      if (std::unique_ptr<ModelFamily> regrouped =
              read ? family->WithBlocks(std::vector<int>(sizes.begin(), sizes.end())) : nullptr) {
        family = std::move(regrouped);
      }
    } catch (const UserError& e) {
      block.Error("blocks", e.what());
    }
  }
  const bool side_by_side = block.Bool("side_by_side", true);
  const bool on_demand = block.String("scoring", "table", {"table", "on_demand"}) == "on_demand";
  std::optional<ShrinkOptions> shrink;
  if (block.Has("shrink")) {
    Options shrink_block = block.Child("shrink");
    ShrinkOptions read;
    read.bins = static_cast<int>(shrink_block.Int("bins", read.bins, 1, 1000000));
    read.samples_per_bin =
        static_cast<int>(shrink_block.Int("samples_per_bin", read.samples_per_bin, 0, 1000000));
    read.stop = shrink_block.Int("stop", read.stop, 1);
    read.warmup_epochs =
        static_cast<int>(shrink_block.Int("warmup_epochs", read.warmup_epochs, 1, 1000000));
    const std::vector<std::string> costs =
        context.space != nullptr ? context.space->CostMetricNames() : std::vector<std::string>{};
    read.by = shrink_block.String("by", read.by, costs);
    shrink_block.Finish();
    if (read.warmup_epochs > training.epochs) {
      shrink_block.Error("warmup_epochs", "is more than the " + std::to_string(training.epochs) +
                                              " epochs each block trains: nothing would shrink");
    }
    shrink = read;
  }
  block.Finish();
  const std::int64_t eval_images = options.Int("eval_images", 1000, 0);
  const std::int64_t eval_batch_size = options.Int("eval_batch_size", 250, 2);
  if (teacher_training) teacher_training->eval_batch_size = eval_batch_size;
  const int latency_runs = static_cast<int>(options.Int("latency_runs", 0, 0, 10000));
  DataSetup setup = ReadDataSetup(options, std::move(family), SpaceName(context), context.base_dir);
  CheckSplitSizes(options, setup, training, "training.", eval_images);
  if (context.space != nullptr && context.space->Decisions().empty()) {
    options.Error("kind", "blockwise needs a space whose decisions are independent (each block's "
                          "choices scored once); space '" + SpaceName(context) + "' names none");
  }
  if (!options.Errors().Empty() || context.space == nullptr) return nullptr;

  // The teacher, and whether it fits the space and the data: config errors (exit 2).
  ExportedModel teacher;
  std::string teacher_name;  // for messages: its export folder, or the architecture to train
  if (teacher_training) {
    // A network of the student's own space, untrained until Prepare.
    Architecture arch;
    if (teacher_training->arch == "largest") {
      const std::optional<Architecture> largest = context.space->Largest();
      if (!largest) {
        options.Error("blockwise.teacher.arch", "space '" + SpaceName(context) +
                                                    "' has no largest network: name one");
        return nullptr;
      }
      arch = *largest;
    } else {
      try {
        arch = context.space->Parse(teacher_training->arch);
      } catch (const UserError& e) {
        options.Error("blockwise.teacher.arch", e.what());
        return nullptr;
      }
    }
    teacher_training->arch = context.space->Format(arch);
    teacher.space = SpaceName(context);
    teacher.arch = teacher_training->arch;
    teacher.family = setup.family;
    teacher.network = setup.family->BuildNetwork(arch, training.seed);
    teacher_name = teacher.arch;
  } else {
    std::filesystem::path folder = teacher_text;
    if (folder.is_relative()) folder = context.base_dir / folder;
    teacher_name = folder.string();
    try {
      teacher = read_model(folder);
    } catch (const UserError& e) {
      options.Error("blockwise.teacher", e.what());
      return nullptr;
    }
  }
  const std::string mismatch = teacher.family->DataMismatch(ShapeOf(*setup.data));
  if (!mismatch.empty()) {
    options.Error("blockwise.teacher", "the teacher " + teacher_name +
                                           " does not take the data set's images: " + mismatch);
    return nullptr;
  }
  // The teacher is cut into the student's blocks (a transformer's block_layers), whatever its
  // own export says: where blocks end changes no network.
  if (std::unique_ptr<ModelFamily> recut = teacher.family->RecutBlocks(*teacher.network,
                                                                       *setup.family)) {
    teacher.family = std::move(recut);
  }
  const DistillationLoss loss = *ParseDistillationLoss(loss_name);
  std::unique_ptr<BlockDistiller> distiller;
  try {
    distiller = std::make_unique<BlockDistiller>(*context.space, *setup.family,
                                                 setup.family->BuildSupernet(training.seed),
                                                 *teacher.family, teacher.network, training, loss);
  } catch (const UserError& e) {
    options.Error("blockwise.teacher",
                  teacher_name + ": " + e.what());
    return nullptr;
  }
  return std::make_unique<BlockwiseEvaluator>(std::move(setup), training, loss, shrink,
                                              std::move(teacher), std::move(teacher_training),
                                              std::move(distiller),
                                              *context.space, side_by_side, on_demand, eval_images, eval_batch_size,
                                              latency_runs, context.threads_per_worker);
}

}  // namespace sculpt
