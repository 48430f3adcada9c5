#include "supernet/blockwise/block_score_table.h"

#include <algorithm>
#include <cmath>

#include "spaces/errors.h"
#include "spaces/rng.h"
#include "supernet/torch_threads.h"

namespace sculpt {

BlockScoreTable BlockScoreTable::Layout(const std::vector<Decision>& decisions,
                                        const ModelFamily& family) {
  BlockScoreTable table;
  const int blocks = static_cast<int>(family.BlockNames().size());
  for (int b = 0; b < blocks; ++b) {
    Block block;
    block.positions = family.BlockDecisions(b);
    std::int64_t size = 1;
    for (const int p : block.positions) {
      block.strides.push_back(size);
      block.radices.push_back(
          static_cast<std::int64_t>(decisions.at(static_cast<std::size_t>(p)).options.size()));
      size *= block.radices.back();
    }
    block.scores.assign(static_cast<std::size_t>(size), 0.0);
    block.scored.assign(static_cast<std::size_t>(size), 0);
    table.blocks_.push_back(std::move(block));
  }
  return table;
}

std::optional<BlockScoreTable> BlockScoreTable::Build(
    const BlockDistiller& distiller, const ModelFamily& family,
    const std::vector<TeacherActivations>& batches, SideBySide* workers, int threads_per_worker,
    const std::function<void()>& on_entry, const std::atomic<bool>* stop) {
  BlockScoreTable table = Layout(distiller.Decisions(), family);
  if (!table.ScoreRemaining(distiller, batches, workers, threads_per_worker, on_entry, stop)) {
    return std::nullopt;
  }
  return table;
}

bool BlockScoreTable::ScoreRemaining(const BlockDistiller& distiller,
                                     const std::vector<TeacherActivations>& batches,
                                     SideBySide* workers, int threads_per_worker,
                                     const std::function<void()>& on_entry,
                                     const std::atomic<bool>* stop) {
  if (batches.empty()) throw UserError("block-wise scoring needs at least one batch");
  const Architecture& base = distiller.BasePath();
  // Every (block, entry) left as one job list, so that workers stay busy across blocks.
  std::vector<std::pair<int, std::int64_t>> jobs;
  for (int b = 0; b < Blocks(); ++b) {
    const Block& block = blocks_[static_cast<std::size_t>(b)];
    for (std::size_t e = 0; e < block.scores.size(); ++e) {
      if (block.scored[e] == 0) jobs.emplace_back(b, static_cast<std::int64_t>(e));
    }
  }
  auto score = [&](std::size_t first, std::size_t stride) {
    for (std::size_t j = first; j < jobs.size(); j += stride) {
      if (stop != nullptr && stop->load()) return;
      const auto [b, entry] = jobs[j];
      Block& block = blocks_[static_cast<std::size_t>(b)];
      Architecture arch = base;
      WriteEntry(b, entry, arch);
      double sum = 0;
      for (const TeacherActivations& batch : batches) sum += distiller.BlockLoss(b, arch, batch);
      // Each job writes its own entry: no two threads touch the same element.
      block.scores[static_cast<std::size_t>(entry)] = sum / static_cast<double>(batches.size());
      block.scored[static_cast<std::size_t>(entry)] = 1;
      if (on_entry) on_entry();
    }
  };
  const int count = workers != nullptr ? std::max(1, workers->Workers()) : 1;
  if (count > 1) {
    // Interleaved shares, one per worker: entries cost more in some blocks (the first runs the
    // embedding) and for wider choices, which sit together in the job list, so contiguous shares
    // left one worker the dear ones while the other finished early.
    workers->RunEach(count, [&](int w) {
      const ThisThreadsTorchThreads torch_threads(threads_per_worker);
      score(static_cast<std::size_t>(w), static_cast<std::size_t>(count));
    });
  } else {
    score(0, 1);
  }
  return Complete();
}

std::int64_t BlockScoreTable::ScoredEntries() const {
  std::int64_t scored = 0;
  for (const Block& b : blocks_) scored += std::count(b.scored.begin(), b.scored.end(), 1);
  return scored;
}

std::int64_t BlockScoreTable::AllEntries() const {
  std::int64_t all = 0;
  for (const Block& b : blocks_) all += static_cast<std::int64_t>(b.scores.size());
  return all;
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


void BlockScoreTable::WriteEntry(int block, std::int64_t entry, Architecture& arch) const {
  const Block& b = blocks_.at(static_cast<std::size_t>(block));
  for (std::size_t k = 0; k < b.positions.size(); ++k) {
    arch.choices.at(static_cast<std::size_t>(b.positions[k])) =
        static_cast<int>(entry / b.strides[k] % b.radices[k]);
  }
}

nlohmann::json BlockScoreTable::Json() const {
  const bool complete = Complete();
  nlohmann::json blocks = nlohmann::json::array();
  for (const Block& b : blocks_) {
    nlohmann::json block = {
        {"positions", b.positions}, {"radices", b.radices}, {"scores", b.scores}};
    if (!complete) block["scored"] = std::vector<int>(b.scored.begin(), b.scored.end());
    blocks.push_back(std::move(block));
  }
  return {{"format", "sculpt-block-scores"}, {"format_version", 1}, {"blocks", blocks}};
}

std::optional<BlockScoreTable> BlockScoreTable::FromJson(const nlohmann::json& json,
                                                         const std::vector<Decision>& decisions,
                                                         const ModelFamily& family) {
  BlockScoreTable table = Layout(decisions, family);
  try {
    const nlohmann::json& format = json.at("format");
    if (!format.is_string() || format.get<std::string>() != "sculpt-block-scores" ||
        json.at("format_version") != 1) {
      return std::nullopt;
    }
    const nlohmann::json& blocks = json.at("blocks");
    if (!blocks.is_array() || blocks.size() != table.blocks_.size()) return std::nullopt;
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      Block& block = table.blocks_[b];
      if (blocks[b].at("positions").get<std::vector<int>>() != block.positions ||
          blocks[b].at("radices").get<std::vector<std::int64_t>>() != block.radices) {
        return std::nullopt;
      }
      std::vector<double> scores = blocks[b].at("scores").get<std::vector<double>>();
      if (scores.size() != block.scores.size()) return std::nullopt;
      for (const double s : scores) {
        if (!std::isfinite(s)) return std::nullopt;
      }
      block.scores = std::move(scores);
      // A table without "scored" is complete (every table a finished scoring wrote).
      if (blocks[b].contains("scored")) {
        const std::vector<int> scored = blocks[b].at("scored").get<std::vector<int>>();
        if (scored.size() != block.scored.size()) return std::nullopt;
        for (std::size_t e = 0; e < scored.size(); ++e) {
          if (scored[e] != 0 && scored[e] != 1) return std::nullopt;
          block.scored[e] = static_cast<char>(scored[e]);
        }
      } else {
        block.scored.assign(block.scored.size(), 1);
      }
    }
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return table;
}

}  // namespace sculpt
