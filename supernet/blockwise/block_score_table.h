#pragma once
// BlockScoreTable: the block-wise score of every architecture of a space as a sum of look-ups.
// A block's loss (BlockDistiller::BlockLoss) depends only on the choices at the block's
// positions (ModelFamily::BlockDecisions), so each (block, values at those positions) is scored
// once, on fixed batches of the teacher's activations (the mean over the batches), and an
// architecture's score is the sum of its blocks' entries: lower is better. The transformer
// space of 6 layers with 3 widths and 4 x 4 layer options has 3 x 16^6 = 50 million members
// and 3 x 768 entries; nb201 repeats one cell in every stage, so each of its blocks has an
// entry per cell (15,625).
// Entries are stored densely per block, indexed by the values at the block's positions in
// mixed radix (the space's option counts), so a score costs a few multiplications per block.
// A table whose scoring a stop request interrupted knows which entries it holds: kept as JSON,
// a later run scores only the rest (nb201's table takes minutes).
// Thread-safety: Build and ScoreRemaining on one thread (they lend the work to `workers`);
// after that, every const method may be called from any thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "spaces/architecture.h"
#include "spaces/prepare.h"
#include "spaces/search_space.h"
#include "supernet/blockwise/block_distiller.h"
#include "supernet/model_family.h"

namespace sculpt {

class BlockScoreTable {
 public:
  // Scores every entry of every block with `distiller` on `batches` (the teacher's activations
  // of fixed validation batches; at least one): side by side on `workers` when given, each
  // worker with `threads_per_worker` intra-op threads. The architecture an entry is scored with
  // takes the entry's values at the block's positions and the distiller's base path's elsewhere
  // (the block does not read them). `on_entry`, when given, is called after each entry from the
  // thread that scored it (for a progress display; it must be thread-safe). Scoring a large
  // table takes a while: a stop request (`stop` set) ends it between entries, and then nullopt
  // is returned (ScoreRemaining keeps what was scored).
  static std::optional<BlockScoreTable> Build(const BlockDistiller& distiller,
                                              const ModelFamily& family,
                                              const std::vector<TeacherActivations>& batches,
                                              SideBySide* workers, int threads_per_worker,
                                              const std::function<void()>& on_entry = {},
                                              const std::atomic<bool>* stop = nullptr);

  // The table's shape for `decisions` (a space's independent decisions) and `family`'s blocks,
  // no entry scored: what Build fills in.
  static BlockScoreTable Layout(const std::vector<Decision>& decisions, const ModelFamily& family);

  // Scores the entries not scored yet, as Build does; a stop request ends it between entries
  // with the entries scored so far kept. Returns Complete().
  bool ScoreRemaining(const BlockDistiller& distiller,
                      const std::vector<TeacherActivations>& batches, SideBySide* workers,
                      int threads_per_worker, const std::function<void()>& on_entry = {},
                      const std::atomic<bool>* stop = nullptr);
  // Whether every entry is scored: only then do Score and BlockScore mean anything (an entry
  // not scored reads 0).
  bool Complete() const { return ScoredEntries() == AllEntries(); }
  std::int64_t ScoredEntries() const;
  std::int64_t AllEntries() const;

  int Blocks() const { return static_cast<int>(blocks_.size()); }
  // Entries of block `block`: the product of the option counts at its positions.
  std::size_t Entries(int block) const {
    return blocks_.at(static_cast<std::size_t>(block)).scores.size();
  }
  // The positions of Architecture::choices block `block` depends on.
  const std::vector<int>& Positions(int block) const {
    return blocks_.at(static_cast<std::size_t>(block)).positions;
  }
  // Writes entry `entry`'s values into `arch` at block `block`'s positions (the rest untouched).
  void WriteEntry(int block, std::int64_t entry, Architecture& arch) const;
  // Which entry of block `block` `arch` takes (in [0, Entries(block))).
  std::int64_t Entry(int block, const Architecture& arch) const {
    return static_cast<std::int64_t>(Index(blocks_.at(static_cast<std::size_t>(block)), arch));
  }
  // The entry of block `block` for `arch`.
  double BlockScore(int block, const Architecture& arch) const;
  // The sum of `arch`'s blocks' entries.
  double Score(const Architecture& arch) const;

  // The table as JSON (kept beside the trained blocks, so that a later run need not score
  // again; an incomplete one also lists which entries it holds), and back: nullopt when `json`
  // is not a table of this layout (the space's decisions and the family's blocks), so that the
  // caller scores anew.
  nlohmann::json Json() const;
  static std::optional<BlockScoreTable> FromJson(const nlohmann::json& json,
                                                 const std::vector<Decision>& decisions,
                                                 const ModelFamily& family);

 private:
  struct Block {
    std::vector<int> positions;
    std::vector<std::int64_t> strides;  // per position: its weight in the dense index
    std::vector<std::int64_t> radices;  // per position: the decision's option count
    std::vector<double> scores;
    std::vector<char> scored;  // per entry: 1 once scored
  };

  std::size_t Index(const Block& block, const Architecture& arch) const;

  std::vector<Block> blocks_;
};

}  // namespace sculpt
