#pragma once
// BlockDistiller: block-wise distillation of a weight-sharing supernet from a trained teacher
// network (DNA, Li et al. 2020; NAS-BERT, Xu et al. 2021). The supernet is cut into the family's
// blocks (ModelFamily::BlockNames) and each block is trained on its own: block n of a uniformly
// sampled path takes the teacher's output of block n-1 (the images for block 0) and learns to
// reproduce the teacher's output of block n (the teacher's logits for the last block). A block's
// loss is the normalised squared error |s - t|^2 / |t|^2 over the batch: scale-free, so blocks
// whose activations are larger do not outweigh the others when an architecture's score sums
// them (supernet/blockwise/block_score_table.h).
//
// Where the student's feature size differs from the teacher's (a transformer of another
// embedding dimension than the teacher's), learned linear maps on the feature axis bridge them
// (NAS-BERT's): teacher -> student at a block's input, student -> teacher at its output, one per
// (block, student size), trained with the block. Where a block boundary offers several sizes,
// the teacher's size is bridged too (starting as the identity), so that every size is scored
// with the same help (docs/BENCHMARKS.md 11.4: without it, members of the teacher's width ranked
// below their worth). The feature axis is axis 1 of [n, C, H, W]
// maps and the last axis otherwise; the logits must match exactly.
//
// Why blocks can train side by side: once the teacher's activations are known a block needs
// nothing from the other blocks, and its parameters are its own (the constructor finds each
// block's tensors from the gradients of probe paths that together take every option of every
// decision the block computes with, and refuses a family whose blocks share a tensor). Each
// block has its own optimizer and its own random stream (seeded by the seed, the block and the
// epoch), so what a block learns does not depend on which worker trains it or when.
// The teacher's activations are computed from each batch as it comes (no grad, eval mode), not
// cached: with augmentation every epoch's images differ, and the teacher's forward pass up to
// the block costs less than the block's own forward and backward pass.
// Checkpoints (TrainBlocks' checkpoint_dir): each block is kept once all its epochs are done, so
// an interrupted run trains again only the blocks it had not finished, from their start.
//
// Thread-safety: construct on one thread. TrainBlock for different blocks may run on different
// threads at once (the teacher and the student's module flags are only read); nothing else may
// use the student meanwhile. Teach and BlockLoss may run on many threads at once when no block
// is training.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>
#include <torch/nn/modules/linear.h>

#include "spaces/architecture.h"
#include "spaces/prepare.h"
#include "spaces/search_space.h"
#include "supernet/model_family.h"
#include "supernet/training/spos_trainer.h"

namespace sculpt {

class ImageDataset;

// What the teacher computes on one batch: inputs[b] enters block b (the images for b = 0),
// outputs[b] leaves it (the logits for the last block), and outputs[b] is inputs[b + 1].
struct TeacherActivations {
  std::vector<at::Tensor> inputs;
  std::vector<at::Tensor> outputs;
};

// One block's training: the mean loss of each epoch trained (fewer than asked when stopped).
struct BlockTraining {
  std::vector<double> epoch_losses;
  // With shrinking (ShrinkWith), per epoch trained: the choices dropped after it and the
  // block's alive choices left.
  std::vector<std::vector<DroppedChoice>> dropped;
  std::vector<std::int64_t> alive;
  double seconds = 0;
  bool reused = false;  // read from its checkpoint, trained by an earlier run
};

// What a block minimises against the teacher's output t (s: the student block's, bridged).
enum class DistillationLoss {
  // |s - t|^2 / |t|^2 over the batch: scale-free, so that blocks whose activations are larger
  // do not outweigh the others in an architecture's summed score. The default.
  kNormalisedSquaredError,
  // mean((s - t)^2): NAS-BERT's and DNA's plain MSE.
  kMeanSquaredError,
};

class BlockShrinking;

class BlockDistiller {
 public:
  // `student` (a supernet of `family` over `space`, whose decisions must be independent:
  // SearchSpace::Decisions) is trained in place; `teacher` (a network of `teacher_family` with
  // as many blocks, e.g. a retrained network of the same space) is only read, in eval mode.
  // Uses options' epochs, batch_size, steps_per_epoch, optimizer, learning rates, warm-up,
  // weight_decay, grad_clip and seed. Throws UserError naming the block and both shapes when
  // the teacher does not fit the student: another number of blocks, block outputs that differ
  // in anything but their feature size, or logits of another size.
  BlockDistiller(const SearchSpace& space, const ModelFamily& family,
                 std::shared_ptr<Supernet> student, const ModelFamily& teacher_family,
                 std::shared_ptr<Network> teacher, SposOptions options,
                 DistillationLoss loss = DistillationLoss::kNormalisedSquaredError);
  ~BlockDistiller();
  BlockDistiller(const BlockDistiller&) = delete;
  BlockDistiller& operator=(const BlockDistiller&) = delete;

  int Blocks() const { return static_cast<int>(blocks_.size()); }
  const std::string& BlockName(int block) const;
  Supernet& Student() { return *student_; }
  // The space's decisions (independent: every combination is a member).
  const std::vector<Decision>& Decisions() const { return decisions_; }
  // The path whose choices stand in where a block does not read them: the space's largest
  // member (or the family's largest training path). Block scores are taken on it.
  const Architecture& BasePath() const { return base_; }
  // The tensors block `block` trains (its share of the supernet, and its bridges).
  std::vector<at::Tensor> BlockParameters(int block) const;

  // Trains each block's paths only on its alive choices and shrinks them after each epoch
  // (supernet/blockwise/block_shrinking.h); `shrinking` (made with this distiller) must outlive
  // the training, and a block's checkpoint then keeps its alive choices. Null: no shrinking.
  void ShrinkWith(BlockShrinking* shrinking) { shrinking_ = shrinking; }

  // The teacher's activations on `images` up to and including block `last` (every block by
  // default).
  TeacherActivations Teach(const at::Tensor& images, int last = -1) const;

  // Trains block `block` for the options' epochs on `data`'s train split (augmented as the data
  // set says), one uniform path per step. `progress`, when given, gets a Begin, the steps and
  // the epochs of this block alone. Returns early, with the epochs done, once `stop` is true.
  // The student's mode is the caller's (TrainBlocks sets train() before and eval() after).
  BlockTraining TrainBlock(int block, const ImageDataset& data,
                           TrainingProgress* progress = nullptr,
                           const std::atomic<bool>* stop = nullptr);
  // Trains every block: side by side on `workers` when given (each block on one worker with
  // `threads_per_worker` intra-op threads), else one after the other on this thread; progress
  // and log as SideBySideReports shows them (a run of kind "supernet" per block trained, its
  // config {"blockwise_block": name, "training": ...} plus `log_config`'s keys). With a
  // `checkpoint_dir`, a block whose file block-<b>.pt is there is read instead of trained and
  // each finished block is written there. A block read so gets a run too, finished at once, its
  // config marked "reused": true, with the curve and dropped choices its file kept: each
  // experiment's own records say what its blocks went through, whichever run trained them
  // (unless the log holds the block's run already: a resumed experiment's first attempt).
  // Leaves the student in eval mode. Throws UserError when a block's file cannot be read or
  // holds other tensors.
  std::vector<BlockTraining> TrainBlocks(const ImageDataset& data, SideBySide* workers,
                                         int threads_per_worker, TrainingProgress* progress,
                                         TrainingLog* log, const std::atomic<bool>* stop,
                                         const std::filesystem::path& checkpoint_dir = {},
                                         const nlohmann::json& log_config = {});

  // The loss of block `block` of `arch`'s path on the teacher's `activations` (no grad; the
  // student in eval mode). Throws UserError when `arch` takes a feature size the block was
  // never bridged for (none can: the constructor bridges every size the space has).
  double BlockLoss(int block, const Architecture& arch,
                   const TeacherActivations& activations) const;

 private:
  struct Block;
  // `x` through the map for student size `size`; `x` itself where there is none.
  static at::Tensor Bridge(const std::map<std::int64_t, torch::nn::Linear>& maps, std::int64_t size,
                           const at::Tensor& x);
  at::Tensor StudentBlock(int block, const Architecture& arch,
                          const TeacherActivations& activations) const;

  // Architectures that together take every option of every decision of the space.
  std::vector<Architecture> ProbePaths() const;
  at::Tensor Loss(const at::Tensor& student, const at::Tensor& teacher) const;
  // A finished block's tensors and epoch losses, and back (false: no file).
  void SaveBlock(int block, const BlockTraining& training, const std::filesystem::path& path);
  bool LoadBlock(int block, const std::filesystem::path& path, BlockTraining& training);

  const SearchSpace& space_;
  const ModelFamily& family_;
  std::shared_ptr<Supernet> student_;
  std::shared_ptr<Network> teacher_;
  SposOptions options_;
  DistillationLoss loss_;
  std::vector<Decision> decisions_;
  Architecture base_;
  std::vector<std::unique_ptr<Block>> blocks_;
  BlockShrinking* shrinking_ = nullptr;
};

// The normalised squared error |student - teacher|^2 / |teacher|^2 (a scalar tensor).
at::Tensor NormalisedSquaredError(const at::Tensor& student, const at::Tensor& teacher);

// The loss's config name ("normalised_mse", "mse") and back (nullopt: no such loss).
std::string DistillationLossName(DistillationLoss loss);
std::optional<DistillationLoss> ParseDistillationLoss(const std::string& name);

}  // namespace sculpt
