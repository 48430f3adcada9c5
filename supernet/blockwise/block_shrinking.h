#pragma once
// BlockShrinking: NAS-BERT's progressive shrinking of a block-wise supernet's space (Xu et al.
// 2021, section 3.3). Each block keeps a set of its choices that are still alive (the values at
// its positions, ModelFamily::BlockDecisions; at first all of them). Block training samples its
// paths only from the block's alive choices, so that later epochs train what can still win.
// After each epoch from `warmup_epochs` on, a block with more than `stop` alive choices is
// shrunk: its alive choices are sorted by cost (a cost metric of the space, e.g. params, of the
// base path with the choice's values: the same order as the block's own cost) and cut into
// `bins` bins of (nearly) equal count, so that cheap choices compete with cheap ones; in each
// bin `samples_per_bin` choices (0: all) are scored by their block loss on fixed validation
// batches, and the worse half of those scored is dropped, never below `stop` in all.
//
// Why equal-count bins: costs of a block's choices cluster (a transformer block's choices share
// their embedding dimension's cost); equal-width bins would leave some empty and others huge.
// Why the worse half of the scored ones: NAS-BERT's rule; with samples_per_bin > 0 a round
// costs a fixed number of scorings however large the block is, and unscored choices stay for
// a later round.
//
// Scoring reads the student while other blocks may train: a block's loss depends only on its
// own weights and the teacher's, and the families' forward passes are the same in train and
// eval mode (no dropout; nb201's batch norm uses batch statistics).
//
// Thread-safety: construct on one thread. Sample and Shrink for different blocks may run on
// different threads at once (each touches its own block's state); Alive is for after training.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "spaces/architecture.h"
#include "spaces/prepare.h"
#include "spaces/rng.h"
#include "spaces/search_space.h"
#include "supernet/blockwise/block_distiller.h"
#include "supernet/blockwise/block_score_table.h"
#include "supernet/model_family.h"

namespace sculpt {

struct ShrinkOptions {
  int bins = 4;             // cost bins per block and round (>= 1)
  int samples_per_bin = 0;  // choices scored per bin and round; 0: all
  std::int64_t stop = 8;    // a block stops shrinking at this many alive choices (>= 1)
  int warmup_epochs = 1;    // epochs trained before the first round (>= 1)
  std::string by = "params";  // the space's cost metric the bins are made by
};

class BlockShrinking {
 public:
  // Every choice of every block alive; costs from `space`'s Cost(by) of the distiller's base
  // path with each choice's values. `batches` (the teacher's activations of fixed validation
  // batches, at least one) are what choices are scored on. Throws UserError when the space has
  // no cost metric `by`.
  BlockShrinking(const BlockDistiller& distiller, const SearchSpace& space,
                 const ModelFamily& family, std::vector<TeacherActivations> batches,
                 ShrinkOptions options);

  const ShrinkOptions& Options() const { return options_; }
  // How many choices block `block` has, alive or not.
  std::size_t Choices(int block) const { return layout_.Entries(block); }
  // Writes a uniformly drawn alive choice of block `block` into `arch` (its positions only).
  void Sample(int block, Rng& rng, Architecture& arch) const;
  // The round after epoch `epoch` (1-based) of block `block`: nothing before warmup_epochs or
  // at stop choices; else the choices it dropped. Draws only from `rng`. Scoring a large block
  // takes a while: a stop request (`stop` set) ends it early, the alive choices left as they
  // were and nothing returned; the caller sees `stop` and treats the epoch as unfinished.
  // `on_scored`, when given, is called after each choice scored with the count so far and the
  // round's total (for a progress display).
  std::vector<DroppedChoice> Shrink(
      int block, std::int64_t epoch, Rng& rng, const std::atomic<bool>* stop = nullptr,
      const std::function<void(std::int64_t scored, std::int64_t total)>& on_scored = {});
  // The alive choices of block `block` (entries of BlockScoreTable::Layout's order), and
  // setting them (a checkpoint's): each must be an entry of the block.
  const std::vector<std::int64_t>& Alive(int block) const {
    return alive_.at(static_cast<std::size_t>(block));
  }
  void SetAlive(int block, std::vector<std::int64_t> alive);
  // The choice's values as a person reads them: "embed=48 layer1.heads=2 ...".
  std::string Describe(int block, std::int64_t entry) const;

 private:
  const BlockDistiller& distiller_;
  const SearchSpace& space_;
  std::vector<TeacherActivations> batches_;
  ShrinkOptions options_;
  BlockScoreTable layout_;                         // positions and strides; scores unused
  std::vector<std::vector<double>> costs_;         // per block, per entry
  std::vector<std::vector<std::int64_t>> alive_;   // per block, increasing
};

}  // namespace sculpt
