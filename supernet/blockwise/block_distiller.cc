#include "supernet/blockwise/block_distiller.h"

#include <ATen/Parallel.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include "spaces/counted.h"
#include "spaces/did_you_mean.h"
#include "spaces/errors.h"
#include "spaces/rng.h"
#include "supernet/archive_file.h"
#include "supernet/blockwise/block_shrinking.h"
#include "supernet/blockwise/scoring_notes.h"
#include "supernet/data/dataset.h"
#include "supernet/torch_threads.h"
#include "supernet/training/optimizer.h"
#include "supernet/training/side_by_side_reports.h"

namespace sculpt {
namespace {

// A shrinking round scoring at least this many choices says how far it is: smaller ones take
// seconds.
constexpr std::int64_t kShrinkChoicesNoted = 500;

// A block's dropped choices per epoch, as its checkpoint keeps them.
nlohmann::json DroppedJson(const std::vector<std::vector<DroppedChoice>>& per_epoch) {
  nlohmann::json epochs = nlohmann::json::array();
  for (const std::vector<DroppedChoice>& dropped : per_epoch) {
    nlohmann::json& epoch = epochs.emplace_back(nlohmann::json::array());
    for (const DroppedChoice& d : dropped) {
      epoch.push_back({{"block", d.block}, {"choice", d.choice}, {"bin", d.bin},
                       {"cost", d.cost}, {"score", d.score}});
    }
  }
  return epochs;
}

// Throws UserError (with `error_prefix`) when `text` is not what DroppedJson wrote.
std::vector<std::vector<DroppedChoice>> DroppedFromJson(const std::string& text,
                                                        const std::string& error_prefix) {
  const nlohmann::json epochs = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::vector<std::vector<DroppedChoice>> per_epoch;
  try {
    if (!epochs.is_array()) throw std::invalid_argument("not a list");
    for (const nlohmann::json& epoch : epochs) {
      std::vector<DroppedChoice>& dropped = per_epoch.emplace_back();
      for (const nlohmann::json& d : epoch) {
        dropped.push_back({d.at("block").get<std::string>(), d.at("choice").get<std::string>(),
                           d.at("bin").get<int>(), d.at("cost").get<double>(),
                           d.at("score").get<double>()});
      }
    }
  } catch (const std::exception& error) {
    throw UserError(error_prefix + "its dropped choices cannot be read (" + error.what() +
                    "; delete it to train the block again)");
  }
  return per_epoch;
}

// The axis a bridge maps: channels of [n, C, H, W] maps, otherwise the last.
int FeatureAxis(const at::Tensor& x) { return x.dim() == 4 ? 1 : static_cast<int>(x.dim()) - 1; }

std::string ShapeText(const at::Tensor& x) {
  std::ostringstream text;
  text << "[";
  for (std::int64_t i = 0; i < x.dim(); ++i) text << (i ? ", " : "") << x.size(i);
  text << "]";
  return text.str();
}

// A linear map from `from` to `to` features that starts as "keep the first min(from, to)
// features, zeros for the rest": deterministic (no RNG) and, for a student narrower than its
// teacher, the same leading slice weight entanglement uses.
torch::nn::Linear LeadingSliceMap(std::int64_t from, std::int64_t to) {
  torch::nn::Linear map(torch::nn::LinearOptions(from, to).bias(true));
  torch::NoGradGuard no_grad;
  map->weight.zero_();
  map->bias.zero_();
  const std::int64_t kept = std::min(from, to);
  map->weight.narrow(0, 0, kept).narrow(1, 0, kept).copy_(torch::eye(kept));
  return map;
}

}  // namespace

at::Tensor NormalisedSquaredError(const at::Tensor& student, const at::Tensor& teacher) {
  return (student - teacher).pow(2).sum() / teacher.pow(2).sum().clamp_min(1e-12);
}

std::string DistillationLossName(DistillationLoss loss) {
  return loss == DistillationLoss::kMeanSquaredError ? "mse" : "normalised_mse";
}

std::optional<DistillationLoss> ParseDistillationLoss(const std::string& name) {
  for (const DistillationLoss loss :
       {DistillationLoss::kNormalisedSquaredError, DistillationLoss::kMeanSquaredError}) {
    if (DistillationLossName(loss) == name) return loss;
  }
  return std::nullopt;
}

at::Tensor BlockDistiller::Loss(const at::Tensor& student, const at::Tensor& teacher) const {
  if (loss_ == DistillationLoss::kMeanSquaredError) return (student - teacher).pow(2).mean();
  return NormalisedSquaredError(student, teacher);
}

struct BlockDistiller::Block {
  std::string name;
  std::vector<at::Tensor> params;  // the student's tensors this block computes with
  // Bridges by student feature size, only for sizes that differ from the teacher's.
  std::map<std::int64_t, torch::nn::Linear> in_maps;   // teacher -> student, at the input
  std::map<std::int64_t, torch::nn::Linear> out_maps;  // student -> teacher, at the output
};

BlockDistiller::BlockDistiller(const SearchSpace& space, const ModelFamily& family,
                               std::shared_ptr<Supernet> student, const ModelFamily& teacher_family,
                               std::shared_ptr<Network> teacher, SposOptions options,
                               DistillationLoss loss)
    : space_(space),
      family_(family),
      student_(std::move(student)),
      teacher_(std::move(teacher)),
      options_(std::move(options)),
      loss_(loss),
      decisions_(space.Decisions()) {
  const std::vector<std::string> names = family_.BlockNames();
  const int count = static_cast<int>(names.size());
  const std::vector<std::string> teacher_names = teacher_family.BlockNames();
  const int teacher_count = static_cast<int>(teacher_names.size());
  // Another family's blocks never give the space's shapes (a cell's feature maps against a
  // transformer's tokens): said first, before the counts or shapes that follow from it.
  if (teacher_family.Name() != family_.Name()) {
    throw UserError("the teacher is a " + teacher_family.Name() + " network and the " +
                    family_.Name() + " space's networks are not: block-wise distillation pairs " +
                    "a teacher's blocks with the space's, so the teacher must be a " +
                    family_.Name() + " network (an export of that space, or one the run trains)");
  }
  if (teacher_count != count) {
    throw UserError("the teacher, a " + teacher_family.Name() + " network, has " +
                    std::to_string(teacher_count) + " blocks (" + JoinNames(teacher_names) +
                    ") and the " + family_.Name() + " space's networks " + std::to_string(count) +
                    " (" + JoinNames(names) + "): block-wise distillation pairs them one to one");
  }
  if (decisions_.empty()) {
    throw UserError("block-wise distillation needs a space whose decisions are independent; '" +
                    space_.Name() + "' has none to offer");
  }
  if (const std::optional<Architecture> largest = space_.Largest()) {
    base_ = *largest;
  } else {
    Rng rng(0);
    base_ = family_.TrainingPaths(rng, PathSampling::kSandwich, 0).front();
  }
  teacher_->Module().eval();
  std::vector<std::int64_t> shape = family_.InputShape();
  shape.at(0) = 2;
  const TeacherActivations probe = Teach(torch::zeros(shape));
  const std::vector<Architecture> paths = ProbePaths();

  // Which block owns each of the student's tensors (none may be shared).
  std::vector<at::Tensor> all = student_->Module().parameters();
  std::vector<int> owner(all.size(), -1);
  for (at::Tensor& p : all) p.mutable_grad().reset();
  // The feature sizes the space offers at each block's input (block 0's: the images').
  std::vector<std::set<std::int64_t>> offered(static_cast<std::size_t>(count));
  for (const Architecture& arch : paths) {
    for (int b = 1; b < count; ++b) {
      offered[static_cast<std::size_t>(b)].insert(family_.BlockInputFeatures(b, arch));
    }
  }
  // Where the space offers several sizes, every one is bridged, the teacher's own included: a
  // bridge pair is a learned linear layer around the block that the real network does not have
  // (a skipped block scores as that layer's fit to the teacher's block), so a size without one
  // would be scored with less help than the others, and its members ranked below their worth.
  auto bridged = [&](int b, std::int64_t size, std::int64_t teacher_size) {
    return size != teacher_size || offered[static_cast<std::size_t>(b)].size() > 1;
  };
  for (int b = 0; b < count; ++b) {
    auto block = std::make_unique<Block>();
    block->name = names[static_cast<std::size_t>(b)];
    const at::Tensor& t_in = probe.inputs[static_cast<std::size_t>(b)];
    const at::Tensor& t_out = probe.outputs[static_cast<std::size_t>(b)];
    const bool last = b + 1 == count;
    for (const Architecture& arch : paths) {
      at::Tensor x = t_in;
      if (b > 0) {
        const std::int64_t size = family_.BlockInputFeatures(b, arch);
        const std::int64_t from = t_in.size(FeatureAxis(t_in));
        if (bridged(b, size, from) && !block->in_maps.count(size)) {
          block->in_maps.emplace(size, LeadingSliceMap(from, size));
        }
        x = Bridge(block->in_maps, size, t_in);
      }
      const at::Tensor y = student_->ForwardBlock(b, x, arch);
      bool fits = y.dim() == t_out.dim();
      for (std::int64_t axis = 0; fits && axis < y.dim(); ++axis) {
        if (!last && axis == FeatureAxis(y)) continue;
        fits = y.size(axis) == t_out.size(axis);
      }
      if (!fits) {
        throw UserError(
            "the teacher does not fit the space: its block " + std::to_string(b + 1) + " (" +
            teacher_names[static_cast<std::size_t>(b)] + " of a " + teacher_family.Name() +
            " network) gives " + ShapeText(t_out) + " for a batch of 2, the space's " +
            space_.Format(arch) + " (block " + block->name + ") gives " + ShapeText(y) +
            (last ? " (the logits must match)" : " (only the feature size may differ)"));
      }
      if (!last) {
        const std::int64_t size = y.size(FeatureAxis(y));
        SCULPT_ASSERT(size == family_.BlockInputFeatures(b + 1, arch),
                      "block " + block->name + " gives another feature size than the next takes");
        const std::int64_t to = t_out.size(FeatureAxis(t_out));
        if (bridged(b + 1, size, to) && !block->out_maps.count(size)) {
          block->out_maps.emplace(size, LeadingSliceMap(size, to));
        }
      }
      // (A path whose block computes nothing trainable, e.g. nb201 cells of "none" edges only,
      // has no gradient to give.)
      if (y.requires_grad()) y.sum().backward();
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (!all[i].grad().defined()) continue;
      SCULPT_ASSERT(owner[i] < 0, "a tensor of the " + family_.Name() +
                                      " supernet is used by two blocks: they cannot be trained "
                                      "block-wise");
      owner[i] = b;
      block->params.push_back(all[i]);
      all[i].mutable_grad().reset();
    }
    for (auto* maps : {&block->in_maps, &block->out_maps}) {
      for (auto& [size, map] : *maps) {
        for (at::Tensor& p : map->parameters()) p.mutable_grad().reset();
      }
    }
    blocks_.push_back(std::move(block));
  }
}

BlockDistiller::~BlockDistiller() = default;

const std::string& BlockDistiller::BlockName(int block) const {
  return blocks_.at(static_cast<std::size_t>(block))->name;
}

std::vector<Architecture> BlockDistiller::ProbePaths() const {
  const Architecture& base = base_;
  std::vector<Architecture> paths = {base};
  const std::vector<Decision>& decisions = decisions_;
  for (std::size_t p = 0; p < decisions.size(); ++p) {
    for (int v = 0; v < static_cast<int>(decisions[p].options.size()); ++v) {
      if (base.choices.at(p) == v) continue;
      Architecture arch = base;
      arch.choices[p] = v;
      paths.push_back(std::move(arch));
    }
  }
  return paths;
}

std::vector<at::Tensor> BlockDistiller::BlockParameters(int block) const {
  const Block& b = *blocks_.at(static_cast<std::size_t>(block));
  std::vector<at::Tensor> params = b.params;
  for (const auto* maps : {&b.in_maps, &b.out_maps}) {
    for (const auto& [size, map] : *maps) {
      for (const at::Tensor& p : map->parameters()) params.push_back(p);
    }
  }
  return params;
}

TeacherActivations BlockDistiller::Teach(const at::Tensor& images, int last) const {
  if (last < 0) last = static_cast<int>(family_.BlockNames().size()) - 1;
  torch::NoGradGuard no_grad;
  TeacherActivations result;
  at::Tensor x = images;
  for (int b = 0; b <= last; ++b) {
    result.inputs.push_back(x);
    x = teacher_->ForwardBlock(b, x);
    result.outputs.push_back(x);
  }
  return result;
}

at::Tensor BlockDistiller::Bridge(const std::map<std::int64_t, torch::nn::Linear>& maps,
                                  std::int64_t size, const at::Tensor& x) {
  const int axis = FeatureAxis(x);
  auto found = maps.find(size);
  if (found == maps.end()) return x;
  const torch::nn::LinearImpl& map = *found->second;
  if (axis + 1 == x.dim()) return at::linear(x, map.weight, map.bias);
  return at::linear(x.movedim(axis, -1), map.weight, map.bias).movedim(-1, axis);
}

at::Tensor BlockDistiller::StudentBlock(int block, const Architecture& arch,
                                        const TeacherActivations& activations) const {
  const Block& b = *blocks_.at(static_cast<std::size_t>(block));
  const at::Tensor& t_in = activations.inputs.at(static_cast<std::size_t>(block));
  at::Tensor x = t_in;
  if (block > 0) {
    const std::int64_t size = family_.BlockInputFeatures(block, arch);
    if (size != t_in.size(FeatureAxis(t_in)) && !b.in_maps.count(size)) {
      throw UserError("block " + b.name + " has no bridge for " + space_.Format(arch));
    }
    x = Bridge(b.in_maps, size, t_in);
  }
  at::Tensor y = student_->ForwardBlock(block, x, arch);
  if (block + 1 < Blocks()) y = Bridge(b.out_maps, y.size(FeatureAxis(y)), y);
  return y;
}

double BlockDistiller::BlockLoss(int block, const Architecture& arch,
                                 const TeacherActivations& activations) const {
  torch::NoGradGuard no_grad;
  return Loss(StudentBlock(block, arch, activations),
              activations.outputs.at(static_cast<std::size_t>(block)))
      .item<double>();
}

BlockTraining BlockDistiller::TrainBlock(int block, const ImageDataset& data,
                                         TrainingProgress* progress,
                                         const std::atomic<bool>* stop) {
  const auto start = std::chrono::steady_clock::now();
  const Block& b = *blocks_.at(static_cast<std::size_t>(block));
  const std::int64_t images = data.Size(Split::kTrain);
  const std::int64_t batch_size = options_.batch_size;
  if (batch_size < 1 || batch_size > images) {
    throw UserError("batch_size " + std::to_string(batch_size) + " does not fit the " +
                    std::to_string(images) + " training images");
  }
  std::int64_t steps = images / batch_size;
  if (options_.steps_per_epoch > 0) steps = std::min(steps, options_.steps_per_epoch);
  const std::int64_t total_steps = options_.epochs * steps;
  std::vector<at::Tensor> params = BlockParameters(block);
  const std::unique_ptr<torch::optim::Optimizer> optimizer = MakeOptimizer(params, options_);
  if (progress != nullptr) progress->Begin("block " + b.name, 1, options_.epochs, steps);

  BlockTraining result;
  // Every way out, done or stopped: the bar ends and the time is the whole call's.
  auto finish = [&] {
    if (progress != nullptr) progress->End();
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  for (std::int64_t epoch = 0; epoch < options_.epochs; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    // The block's own stream: what it learns does not depend on which worker trains it.
    Rng rng(MixSeed(MixSeed(options_.seed, 0xb10c0000u + static_cast<std::uint64_t>(block)),
                    static_cast<std::uint64_t>(epoch)));
    std::vector<std::int64_t> order(static_cast<std::size_t>(images));
    std::iota(order.begin(), order.end(), 0);
    for (std::int64_t i = images - 1; i > 0; --i) {
      std::swap(order[static_cast<std::size_t>(i)],
                order[static_cast<std::size_t>(UniformIndex(rng, static_cast<int>(i + 1)))]);
    }
    double loss_sum = 0;
    for (std::int64_t step = 0; step < steps; ++step) {
      if (stop != nullptr && stop->load()) {
        finish();
        return result;
      }
      const auto first = order.begin() + step * batch_size;
      const std::vector<std::int64_t> positions(first, first + batch_size);
      const Batch batch = data.GetBatch(Split::kTrain, positions, &rng);
      Architecture arch = family_.TrainingPaths(rng, PathSampling::kUniform, 0).front();
      if (shrinking_ != nullptr) shrinking_->Sample(block, rng, arch);
      SetLearningRate(*optimizer,
                      LearningRateAt(options_, epoch * steps + step, steps, total_steps));
      // Undefined, not zero: tensors off this step's path keep their weights and moments.
      for (at::Tensor& p : params) p.mutable_grad().reset();
      const TeacherActivations activations = Teach(batch.images, block);
      const at::Tensor loss = Loss(StudentBlock(block, arch, activations),
                                   activations.outputs[static_cast<std::size_t>(block)]);
      const double value = loss.item<double>();
      if (!std::isfinite(value)) {
        throw UserError("block-wise training of block " + b.name + " diverged at epoch " +
                        std::to_string(epoch + 1) + " (loss " + std::to_string(value) +
                        "); lower learning_rate");
      }
      if (loss.requires_grad()) {  // else the path's block has nothing to train
        loss.backward();
        if (options_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, options_.grad_clip);
        optimizer->step();
      }
      loss_sum += value;
      if (progress != nullptr) {
        TrainingStep shown;
        shown.epoch = epoch + 1;
        shown.epochs = options_.epochs;
        shown.step = step + 1;
        shown.steps = steps;
        shown.loss = loss_sum / static_cast<double>(step + 1);
        shown.accuracy = std::numeric_limits<double>::quiet_NaN();  // a distillation loss only
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
        shown.images_per_second =
            static_cast<double>((step + 1) * batch_size) / std::max(elapsed, 1e-9);
        progress->Step(shown);
      }
    }
    const double mean = loss_sum / static_cast<double>(steps);
    result.epoch_losses.push_back(mean);
    Metrics shown = {{"train_loss", mean}};
    if (shrinking_ != nullptr) {
      // Its own stream, apart from the training's draws.
      Rng shrink_rng(MixSeed(MixSeed(options_.seed, 0x5b41000u + static_cast<std::uint64_t>(block)),
                             static_cast<std::uint64_t>(epoch)));
      const std::size_t before = shrinking_->Alive(block).size();
      // A large block's round takes minutes (a 3-layer block: thousands of choices, a few dozen
      // scored a second): say so, a tenth at a time, so that the silence does not read as a hang.
      const std::string prefix =
          "block " + b.name + ": shrinking after epoch " + std::to_string(epoch + 1) + ", ";
      std::optional<ScoringNotes> notes;  // made at the first choice, when the total is known
      auto on_scored = [&](std::int64_t done, std::int64_t total) {
        if (progress == nullptr || total < kShrinkChoicesNoted) return;
        if (done == 1) {
          progress->Note(prefix + "scoring " + std::to_string(total) + " choices");
          notes.emplace(progress, prefix, "choices", total);
        }
        notes->Scored();
      };
      result.dropped.push_back(shrinking_->Shrink(block, epoch + 1, shrink_rng, stop, on_scored));
      if (stop != nullptr && stop->load()) {
        // Stopped while scoring: the epoch's round did not happen, so the epoch is not done.
        result.epoch_losses.pop_back();
        result.dropped.pop_back();
        finish();
        return result;
      }
      result.alive.push_back(static_cast<std::int64_t>(shrinking_->Alive(block).size()));
      shown["choices_alive"] = static_cast<double>(result.alive.back());
      if (progress != nullptr && !result.dropped.back().empty()) {
        progress->Note("block " + b.name + ": shrinking dropped " +
                       std::to_string(result.dropped.back().size()) + " of its " +
                       std::to_string(before) + " choices after epoch " +
                       std::to_string(epoch + 1));
      }
    }
    if (progress != nullptr) {
      shown["seconds"] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
      progress->EpochDone(epoch + 1, shown);
    }
  }
  finish();
  return result;
}

void BlockDistiller::SaveBlock(int block, const BlockTraining& training,
                               const std::filesystem::path& path) {
  try {
    torch::serialize::OutputArchive archive;
    const std::vector<at::Tensor> params = BlockParameters(block);
    for (std::size_t i = 0; i < params.size(); ++i) {
      archive.write("tensor" + std::to_string(i), params[i].detach(), /*is_buffer=*/true);
    }
    archive.write("epoch_losses", torch::tensor(training.epoch_losses, torch::kFloat64), true);
    archive.write("seconds", torch::tensor(training.seconds, torch::kFloat64), true);
    if (shrinking_ != nullptr) {
      archive.write("alive", torch::tensor(shrinking_->Alive(block), torch::kInt64), true);
      archive.write("alive_per_epoch", torch::tensor(training.alive, torch::kInt64), true);
      archive.write("dropped_per_epoch", c10::IValue(DroppedJson(training.dropped).dump()));
    }
    SaveArchiveWhole(archive, path);
  } catch (const std::exception& error) {
    throw UserError("cannot write the trained block " + path.string() + ": " + error.what());
  }
}

bool BlockDistiller::LoadBlock(int block, const std::filesystem::path& path,
                               BlockTraining& training) {
  if (!std::filesystem::exists(path)) return false;
  const std::string error_prefix = "cannot read the trained block " + path.string() + ": ";
  const std::vector<at::Tensor> params = BlockParameters(block);
  std::vector<at::Tensor> values(params.size());
  at::Tensor losses;
  at::Tensor seconds;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string());
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (!archive.try_read("tensor" + std::to_string(i), values[i], true) ||
          !values[i].sizes().equals(params[i].sizes())) {
        throw UserError(error_prefix + "it holds other tensors than block " + BlockName(block) +
                        "'s (delete it to train the block again)");
      }
    }
    archive.read("epoch_losses", losses, true);
    archive.read("seconds", seconds, true);
    if (shrinking_ != nullptr) {
      at::Tensor alive;
      at::Tensor per_epoch;
      if (!archive.try_read("alive", alive, true) ||
          !archive.try_read("alive_per_epoch", per_epoch, true)) {
        throw UserError(error_prefix + "it was trained without shrinking");
      }
      shrinking_->SetAlive(block, std::vector<std::int64_t>(
                                      alive.data_ptr<std::int64_t>(),
                                      alive.data_ptr<std::int64_t>() + alive.numel()));
      training.alive.assign(per_epoch.data_ptr<std::int64_t>(),
                            per_epoch.data_ptr<std::int64_t>() + per_epoch.numel());
      // Files written before it was kept have none: a reuse then records no dropped choices.
      if (c10::IValue dropped; archive.try_read("dropped_per_epoch", dropped)) {
        training.dropped = DroppedFromJson(dropped.toStringRef(), error_prefix);
      }
    } else if (at::Tensor alive; archive.try_read("alive", alive, true)) {
      throw UserError(error_prefix + "it was trained with shrinking");
    }
  } catch (const c10::Error& error) {
    throw UserError(error_prefix + error.what_without_backtrace());
  }
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(values[i]);
  training.epoch_losses.assign(losses.data_ptr<double>(),
                               losses.data_ptr<double>() + losses.numel());
  training.seconds = seconds.item<double>();
  training.reused = true;
  return true;
}

std::vector<BlockTraining> BlockDistiller::TrainBlocks(
    const ImageDataset& data, SideBySide* workers, int threads_per_worker,
    TrainingProgress* progress, TrainingLog* log, const std::atomic<bool>* stop,
    const std::filesystem::path& checkpoint_dir, const nlohmann::json& log_config) {
  const int count = Blocks();
  std::vector<BlockTraining> results(static_cast<std::size_t>(count));
  student_->Module().train();
  auto file = [&](int b) {
    return checkpoint_dir / ("block-" + std::to_string(b) + ".pt");
  };
  // A block's run in the log: begun before it trains (so that a stopped run shows), its epochs
  // and dropped choices after.
  auto begin_run = [&](int b, TrainingLog& logged, bool reused) {
    nlohmann::json config = log_config.is_object() ? log_config : nlohmann::json::object();
    config["blockwise_block"] = BlockName(b);
    config["training"] = SposOptionsJson(options_);
    config["loss"] = DistillationLossName(loss_);
    if (!checkpoint_dir.empty()) config["checkpoint"] = file(b).string();
    config["threads"] = at::get_num_threads();
    if (reused) {
      config["reused"] = true;
      const std::optional<std::int64_t> by = logged.RunThatTrained("supernet", file(b).string());
      if (by) config["trained_by_run"] = *by;
    }
    return logged.BeginRun("supernet", config);
  };
  auto record_epochs = [&](std::int64_t run, const BlockTraining& r, TrainingLog& logged) {
    for (std::size_t e = 0; e < r.epoch_losses.size(); ++e) {
      Metrics values = {{"train_loss", r.epoch_losses[e]}};
      if (e < r.alive.size()) values["choices_alive"] = static_cast<double>(r.alive[e]);
      logged.RecordEpoch(run, static_cast<int>(e + 1), values);
      if (e < r.dropped.size() && !r.dropped[e].empty()) {
        logged.RecordDropped(run, static_cast<int>(e + 1), r.dropped[e]);
      }
    }
  };
  auto last_loss = [](const BlockTraining& r) {
    return r.epoch_losses.empty() ? 0.0 : r.epoch_losses.back();
  };
  // Blocks trained by an earlier run are read first, on this thread.
  std::vector<int> to_train;
  for (int b = 0; b < count; ++b) {
    BlockTraining& r = results[static_cast<std::size_t>(b)];
    if (!checkpoint_dir.empty() && LoadBlock(b, file(b), r)) {
      if (progress != nullptr) {
        progress->Note("reusing the distilled block " + BlockName(b) + " " + file(b).string());
      }
      if (log != nullptr && !log->HasFinishedRun("supernet", file(b).string())) {
        // No training here: 0 seconds; the file's training time is the run's that trained it.
        const std::int64_t run = begin_run(b, *log, /*reused=*/true);
        record_epochs(run, r, *log);
        log->FinishRun(run, "finished", {{"seconds", 0.0}, {"train_loss", last_loss(r)}});
      }
    } else {
      to_train.push_back(b);
    }
  }
  auto train = [&](int b, TrainingProgress* shown, TrainingLog* logged) {
    const std::int64_t run = logged != nullptr ? begin_run(b, *logged, /*reused=*/false) : -1;
    BlockTraining& r = results[static_cast<std::size_t>(b)];
    r = TrainBlock(b, data, shown, stop);
    const bool finished = static_cast<std::int64_t>(r.epoch_losses.size()) == options_.epochs;
    if (finished && !checkpoint_dir.empty()) SaveBlock(b, r, file(b));
    if (logged != nullptr) {
      record_epochs(run, r, *logged);
      logged->FinishRun(run, finished ? "finished" : "interrupted",
                        {{"seconds", r.seconds}, {"train_loss", last_loss(r)}});
    }
  };
  const int jobs = static_cast<int>(to_train.size());
  if (workers != nullptr && workers->Workers() > 1 && jobs > 1) {
    SideBySideReports reports(progress, log,
                              Counted(jobs, "block") + " distilled, " +
                                  std::to_string(std::min(workers->Workers(), jobs)) +
                                  " side by side",
                              jobs, options_.epochs);
    workers->RunEach(jobs, [&](int k) {
      // Stopped while others trained: this block does not begin (no empty run in the log).
      if (stop != nullptr && stop->load()) return;
      const ThisThreadsTorchThreads torch_threads(threads_per_worker);
      const int b = to_train[static_cast<std::size_t>(k)];
      train(b, reports.Progress(k), reports.Log());
      if (static_cast<std::int64_t>(results[static_cast<std::size_t>(b)].epoch_losses.size()) ==
          options_.epochs) {
        reports.Done(k);
      }
    });
    reports.End();
  } else {
    for (const int b : to_train) {
      train(b, progress, log);
      if (stop != nullptr && stop->load()) break;
    }
  }
  student_->Module().eval();
  return results;
}

}  // namespace sculpt
