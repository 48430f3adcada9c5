#include "supernet/blockwise/block_score_cache.h"

#include <cmath>
#include <limits>

#include "spaces/errors.h"

namespace sculpt {

BlockScoreCache::BlockScoreCache(const BlockDistiller& distiller, const ModelFamily& family,
                                 std::vector<TeacherActivations> batches)
    : distiller_(distiller),
      batches_(std::move(batches)),
      layout_(BlockScoreTable::Layout(distiller.Decisions(), family)) {
  if (batches_.empty()) throw UserError("block-wise scoring needs at least one batch");
  for (int b = 0; b < layout_.Blocks(); ++b) {
    const std::size_t entries = layout_.Entries(b);
    auto scores = std::make_unique<std::atomic<double>[]>(entries);
    for (std::size_t e = 0; e < entries; ++e) {
      scores[e].store(std::numeric_limits<double>::quiet_NaN());
    }
    scores_.push_back(std::move(scores));
  }
}

double BlockScoreCache::BlockScore(int block, const Architecture& arch) const {
  const auto entry = static_cast<std::size_t>(layout_.Entry(block, arch));
  std::atomic<double>& slot = scores_.at(static_cast<std::size_t>(block))[entry];
  const double cached = slot.load();
  if (!std::isnan(cached)) return cached;
  // The table's architecture for the entry: the base path with the entry's values.
  Architecture scored = distiller_.BasePath();
  layout_.WriteEntry(block, static_cast<std::int64_t>(entry), scored);
  double sum = 0;
  for (const TeacherActivations& batch : batches_) sum += distiller_.BlockLoss(block, scored, batch);
  const double score = sum / static_cast<double>(batches_.size());
  slot.store(score);
  ++scored_;
  return score;
}

}  // namespace sculpt
