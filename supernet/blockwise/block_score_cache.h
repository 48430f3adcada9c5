#pragma once
// BlockScoreCache: block scores computed when a candidate first needs them, for spaces whose
// table of every block choice costs more than the search will look at. nb201 is the case: one
// cell repeats in every stage, so each of its 3 blocks has all 15,625 cells and a full table
// costs 3 scorings per cell, where a search of a few hundred cells needs a few hundred
// (BlockScoreTable scores everything up front, which pays where choices repeat across many
// architectures: the transformer's 864 choices cover 50 million). An entry is scored as the
// table scores it (BlockDistiller::BlockLoss of the distiller's base path with the entry's
// values, the mean over the batches), so a cached score equals the table's.
// Thread-safety: construct on one thread; BlockScore and Score may then run on many threads at
// once (two threads may both score a missing entry; both write the same value). No block may
// train meanwhile.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "spaces/architecture.h"
#include "supernet/blockwise/block_distiller.h"
#include "supernet/blockwise/block_score_table.h"
#include "supernet/model_family.h"

namespace sculpt {

class BlockScoreCache {
 public:
  // `distiller` must outlive the cache; `batches` as BlockScoreTable::Build takes them.
  BlockScoreCache(const BlockDistiller& distiller, const ModelFamily& family,
                  std::vector<TeacherActivations> batches);

  // The entry of block `block` for `arch`, scored now when no call scored it before.
  double BlockScore(int block, const Architecture& arch) const;
  // The layout: which entry of a block an architecture takes.
  const BlockScoreTable& Layout() const { return layout_; }
  // Entries scored so far.
  std::int64_t Scored() const { return scored_.load(); }

 private:
  const BlockDistiller& distiller_;
  std::vector<TeacherActivations> batches_;
  BlockScoreTable layout_;
  // Per block, per entry: the score, NaN until scored.
  std::vector<std::unique_ptr<std::atomic<double>[]>> scores_;
  mutable std::atomic<std::int64_t> scored_{0};
};

}  // namespace sculpt
