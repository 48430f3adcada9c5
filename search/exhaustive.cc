// Exhaustive search: every member of the space, once, in a fixed order, then stops (a grid
// search, as NNI's GridSearch). Members that violate the experiment's constraints or compute
// nothing are skipped, never proposed. What it is for: an evaluator whose scores are look-ups
// (the block-wise supernet's table) makes the whole space cheaper to score than a search's
// bookkeeping, and then only exhaustion answers "the best that fit each budget" exactly (the
// zoo takes its per-budget finalists from the evaluated candidates; an evolution run on one
// objective crowds around the best overall and leaves the budgets' bands thin).
//
// Where the space's decisions are free of each other (SearchSpace::Decisions) the members are
// counted off like an odometer, one batch at a time, so the space is never held in memory;
// otherwise they come from SearchSpace::Enumerate, which refuses spaces too large to list.

#include <algorithm>
#include <cstdint>

#include "search/strategies.h"
#include "spaces/errors.h"

namespace sculpt {
namespace {

class Exhaustive final : public Strategy {
 public:
  // `radices`: the number of options of each decision (odometer order, the last turning
  // fastest); `listed`: the members when the decisions are not free (radices empty).
  Exhaustive(const SearchSpace& space, std::vector<Constraint> constraints,
             std::vector<int> radices, std::vector<Architecture> listed)
      : space_(space),
        constraints_(std::move(constraints)),
        radices_(std::move(radices)),
        listed_(std::move(listed)) {
    size_ = listed_.size();
    if (!radices_.empty()) {
      size_ = 1;
      for (const int radix : radices_) size_ *= static_cast<std::uint64_t>(radix);
    }
  }

  std::vector<Proposal> Ask(int max_count) override {
    std::vector<Proposal> proposals;
    while (static_cast<int>(proposals.size()) < max_count && next_ < size_) {
      Architecture arch = Member(next_++);
      if (Proposable(arch)) proposals.push_back({std::move(arch), "exhaustive", -1});
    }
    return proposals;
  }

  void Tell(const std::vector<Observation>& /*observations*/) override {}

  nlohmann::json SaveState() const override { return {{"next", next_}}; }

  void RestoreState(const nlohmann::json& state) override {
    next_ = std::min(state.at("next").get<std::uint64_t>(), size_);
  }

 private:
  // The member numbered `index` in the fixed order.
  Architecture Member(std::uint64_t index) const {
    if (radices_.empty()) return listed_[static_cast<std::size_t>(index)];
    Architecture arch{std::vector<int>(radices_.size(), 0)};
    for (std::size_t i = radices_.size(); i-- > 0;) {
      const auto radix = static_cast<std::uint64_t>(radices_[i]);
      arch.choices[i] = static_cast<int>(index % radix);
      index /= radix;
    }
    return arch;
  }

  bool Proposable(const Architecture& arch) const {
    if (!space_.IsValid(arch)) return false;
    if (constraints_.empty()) return true;
    const Metrics cost = space_.Cost(arch);
    return std::all_of(constraints_.begin(), constraints_.end(),
                       [&](const Constraint& c) { return c.SatisfiedBy(cost); });
  }

  const SearchSpace& space_;
  std::vector<Constraint> constraints_;
  std::vector<int> radices_;
  std::vector<Architecture> listed_;
  std::uint64_t size_ = 0;
  std::uint64_t next_ = 0;  // the next member's number
};

}  // namespace

std::unique_ptr<Strategy> MakeExhaustive(Options& options, const StrategyContext& context) {
  const SearchSpace& space = *context.space;
  std::vector<int> radices;
  for (const Decision& decision : space.Decisions()) {
    radices.push_back(static_cast<int>(decision.options.size()));
  }
  // Counting past 2^64 members would wrap around; no search gets that far anyway.
  if (!radices.empty() && !space.Size()) {
    options.Error("", "exhaustive cannot count the members of this " + space.Name() +
                              " space: there are more than 2^64");
    return nullptr;
  }
  std::vector<Architecture> listed;
  if (radices.empty()) {
    try {
      listed = space.Enumerate();
    } catch (const UserError& error) {
      options.Error("", std::string("exhaustive needs every member: ") + error.what());
      return nullptr;
    }
  }
  return std::make_unique<Exhaustive>(space, context.constraints, std::move(radices),
                                      std::move(listed));
}

}  // namespace sculpt
