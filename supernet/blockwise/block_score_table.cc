#include "supernet/blockwise/block_score_table.h"

#include <algorithm>

#include "spaces/errors.h"
#include "spaces/rng.h"
#include "supernet/torch_threads.h"

namespace sculpt {

BlockScoreTable BlockScoreTable::Build(const BlockDistiller& distiller, const SearchSpace& space,
                                       const ModelFamily& family,
                                       const std::vector<TeacherActivations>& batches,
                                       SideBySide* workers, int threads_per_worker,
                                       const std::function<void()>& on_entry) {
  if (batches.empty()) throw UserError("block-wise scoring needs at least one batch");
  const std::vector<Decision> decisions = space.Decisions();
  if (decisions.empty()) {
    throw UserError("block-wise scoring needs a space whose decisions are independent; '" +
                    space.Name() + "' has none to offer");
  }
  const std::optional<Architecture> largest = space.Largest();
  Rng rng(0);
  const Architecture base =
      largest ? *largest : family.TrainingPaths(rng, PathSampling::kSandwich, 0).front();

  BlockScoreTable table;
  // Every (block, entry) as one job list, so that workers stay busy across blocks.
  std::vector<std::pair<int, std::int64_t>> jobs;
  for (int b = 0; b < distiller.Blocks(); ++b) {
    Block block;
    block.positions = family.BlockDecisions(b);
    std::int64_t size = 1;
    for (const int p : block.positions) {
      block.strides.push_back(size);
      size *= static_cast<std::int64_t>(decisions.at(static_cast<std::size_t>(p)).options.size());
    }
    block.scores.assign(static_cast<std::size_t>(size), 0.0);
    for (std::int64_t e = 0; e < size; ++e) jobs.emplace_back(b, e);
    table.blocks_.push_back(std::move(block));
  }
  auto score = [&](std::size_t first, std::size_t end) {
    for (std::size_t j = first; j < end; ++j) {
      const auto [b, entry] = jobs[j];
      Block& block = table.blocks_[static_cast<std::size_t>(b)];
      Architecture arch = base;
      for (std::size_t k = 0; k < block.positions.size(); ++k) {
        const auto options = static_cast<std::int64_t>(
            decisions[static_cast<std::size_t>(block.positions[k])].options.size());
        arch.choices[static_cast<std::size_t>(block.positions[k])] =
            static_cast<int>(entry / block.strides[k] % options);
      }
      double sum = 0;
      for (const TeacherActivations& batch : batches) sum += distiller.BlockLoss(b, arch, batch);
      block.scores[static_cast<std::size_t>(entry)] = sum / static_cast<double>(batches.size());
      if (on_entry) on_entry();
    }
  };
  const int count = workers != nullptr ? std::max(1, workers->Workers()) : 1;
  if (count > 1) {
    // Contiguous shares, one per worker (entries of one block cost alike).
    workers->RunEach(count, [&](int w) {
      const ThisThreadsTorchThreads torch_threads(threads_per_worker);
      score(jobs.size() * static_cast<std::size_t>(w) / static_cast<std::size_t>(count),
            jobs.size() * static_cast<std::size_t>(w + 1) / static_cast<std::size_t>(count));
    });
  } else {
    score(0, jobs.size());
  }
  return table;
}

std::size_t BlockScoreTable::Index(const Block& block, const Architecture& arch) const {
  std::int64_t index = 0;
  for (std::size_t k = 0; k < block.positions.size(); ++k) {
    index += block.strides[k] * arch.choices.at(static_cast<std::size_t>(block.positions[k]));
  }
  SCULPT_ASSERT(index >= 0 && static_cast<std::size_t>(index) < block.scores.size(),
                "an architecture outside the block score table");
  return static_cast<std::size_t>(index);
}

double BlockScoreTable::BlockScore(int block, const Architecture& arch) const {
  const Block& b = blocks_.at(static_cast<std::size_t>(block));
  return b.scores[Index(b, arch)];
}

double BlockScoreTable::Score(const Architecture& arch) const {
  double sum = 0;
  for (const Block& b : blocks_) sum += b.scores[Index(b, arch)];
  return sum;
}

}  // namespace sculpt
