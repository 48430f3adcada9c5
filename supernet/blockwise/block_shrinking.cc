#include "supernet/blockwise/block_shrinking.h"

#include <algorithm>
#include <numeric>

#include "spaces/errors.h"

namespace sculpt {

BlockShrinking::BlockShrinking(const BlockDistiller& distiller, const SearchSpace& space,
                               const ModelFamily& family, std::vector<TeacherActivations> batches,
                               ShrinkOptions options)
    : distiller_(distiller),
      space_(space),
      batches_(std::move(batches)),
      options_(std::move(options)),
      layout_(BlockScoreTable::Layout(distiller.Decisions(), family)) {
  if (batches_.empty()) throw UserError("shrinking needs at least one validation batch");
  const std::vector<std::string> metrics = space_.CostMetricNames();
  if (std::find(metrics.begin(), metrics.end(), options_.by) == metrics.end()) {
    std::string known;
    for (const std::string& m : metrics) known += (known.empty() ? "" : ", ") + m;
    throw UserError("space '" + space_.Name() + "' has no cost metric '" + options_.by +
                    "' to bin choices by (it has: " + known + ")");
  }
  for (int b = 0; b < layout_.Blocks(); ++b) {
    const auto entries = static_cast<std::int64_t>(layout_.Entries(b));
    std::vector<double> costs(static_cast<std::size_t>(entries));
    Architecture arch = distiller_.BasePath();
    for (std::int64_t e = 0; e < entries; ++e) {
      layout_.WriteEntry(b, e, arch);
      costs[static_cast<std::size_t>(e)] = space_.Cost(arch).at(options_.by);
    }
    costs_.push_back(std::move(costs));
    std::vector<std::int64_t> alive(static_cast<std::size_t>(entries));
    std::iota(alive.begin(), alive.end(), 0);
    alive_.push_back(std::move(alive));
  }
}

void BlockShrinking::Sample(int block, Rng& rng, Architecture& arch) const {
  const std::vector<std::int64_t>& alive = Alive(block);
  layout_.WriteEntry(block,
                     alive[static_cast<std::size_t>(UniformIndex(rng, static_cast<int>(alive.size())))],
                     arch);
}

std::vector<DroppedChoice> BlockShrinking::Shrink(
    int block, std::int64_t epoch, Rng& rng, const std::atomic<bool>* stop,
    const std::function<void(std::int64_t scored, std::int64_t total)>& on_scored) {
  std::vector<std::int64_t>& alive = alive_.at(static_cast<std::size_t>(block));
  const std::vector<double>& costs = costs_[static_cast<std::size_t>(block)];
  const auto size = static_cast<std::int64_t>(alive.size());
  if (epoch < options_.warmup_epochs || size <= options_.stop) return {};

  // Equal-count bins by cost (ties by entry, so the bins follow from the alive set alone).
  std::vector<std::int64_t> by_cost = alive;
  std::stable_sort(by_cost.begin(), by_cost.end(), [&](std::int64_t a, std::int64_t b) {
    return costs[static_cast<std::size_t>(a)] < costs[static_cast<std::size_t>(b)];
  });
  const std::int64_t bins = std::min<std::int64_t>(options_.bins, size);
  // Per bin: the choices to score (all, or a sample), then the scored ones, worst first.
  std::vector<std::vector<std::int64_t>> to_score(static_cast<std::size_t>(bins));
  std::int64_t total = 0;
  for (std::int64_t k = 0; k < bins; ++k) {
    std::vector<std::int64_t>& members = to_score[static_cast<std::size_t>(k)];
    members.assign(by_cost.begin() + size * k / bins, by_cost.begin() + size * (k + 1) / bins);
    if (options_.samples_per_bin > 0 &&
        static_cast<std::int64_t>(members.size()) > options_.samples_per_bin) {
      // A partial Fisher-Yates shuffle: the first samples_per_bin are a uniform sample.
      for (int i = 0; i < options_.samples_per_bin; ++i) {
        const int j = i + UniformIndex(rng, static_cast<int>(members.size()) - i);
        std::swap(members[static_cast<std::size_t>(i)], members[static_cast<std::size_t>(j)]);
      }
      members.resize(static_cast<std::size_t>(options_.samples_per_bin));
    }
    total += static_cast<std::int64_t>(members.size());
  }
  std::vector<std::vector<std::pair<double, std::int64_t>>> worst_first(
      static_cast<std::size_t>(bins));
  Architecture arch = distiller_.BasePath();
  std::int64_t done = 0;
  for (std::int64_t k = 0; k < bins; ++k) {
    auto& scored = worst_first[static_cast<std::size_t>(k)];
    for (const std::int64_t entry : to_score[static_cast<std::size_t>(k)]) {
      if (stop != nullptr && stop->load()) return {};
      layout_.WriteEntry(block, entry, arch);
      double sum = 0;
      for (const TeacherActivations& batch : batches_) {
        sum += distiller_.BlockLoss(block, arch, batch);
      }
      scored.emplace_back(sum / static_cast<double>(batches_.size()), entry);
      if (on_scored) on_scored(++done, total);
    }
    std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    });
  }
  // The worse half of each bin, taken one bin at a time in turn so that, where `stop` cuts the
  // round short, every bin has lost about as many.
  std::int64_t allowed = size - options_.stop;
  std::vector<std::size_t> taken(static_cast<std::size_t>(bins), 0);
  std::vector<DroppedChoice> dropped;
  std::vector<char> gone(costs.size(), 0);
  for (bool more = true; more && allowed > 0;) {
    more = false;
    for (std::int64_t k = 0; k < bins && allowed > 0; ++k) {
      const auto& scored = worst_first[static_cast<std::size_t>(k)];
      std::size_t& t = taken[static_cast<std::size_t>(k)];
      if (t >= scored.size() / 2) continue;
      const auto [score, entry] = scored[t++];
      gone[static_cast<std::size_t>(entry)] = 1;
      dropped.push_back({distiller_.BlockName(block), Describe(block, entry), static_cast<int>(k),
                         costs[static_cast<std::size_t>(entry)], score});
      --allowed;
      more = true;
    }
  }
  alive.erase(std::remove_if(alive.begin(), alive.end(),
                             [&](std::int64_t e) { return gone[static_cast<std::size_t>(e)] != 0; }),
              alive.end());
  return dropped;
}

void BlockShrinking::SetAlive(int block, std::vector<std::int64_t> alive) {
  const auto entries = static_cast<std::int64_t>(layout_.Entries(block));
  std::sort(alive.begin(), alive.end());
  if (alive.empty() || alive.front() < 0 || alive.back() >= entries ||
      std::adjacent_find(alive.begin(), alive.end()) != alive.end()) {
    throw UserError("the alive choices of block " + distiller_.BlockName(block) +
                    " are not a set of its " + std::to_string(entries) + " choices");
  }
  alive_.at(static_cast<std::size_t>(block)) = std::move(alive);
}

std::string BlockShrinking::Describe(int block, std::int64_t entry) const {
  Architecture arch = distiller_.BasePath();
  layout_.WriteEntry(block, entry, arch);
  const std::vector<Decision>& decisions = distiller_.Decisions();
  std::string text;
  for (const int p : layout_.Positions(block)) {
    const Decision& d = decisions.at(static_cast<std::size_t>(p));
    text += (text.empty() ? "" : " ") + d.name + "=" +
            d.options.at(static_cast<std::size_t>(arch.choices.at(static_cast<std::size_t>(p))));
  }
  return text;
}

}  // namespace sculpt
