// Random search: every proposal is a uniform sample of the space. The baseline every NAS method
// must beat; with the engine's cache it never spends an evaluation on a repeat.

#include "search/strategies.h"

namespace sculpt {
namespace {

class RandomSearch final : public Strategy {
 public:
  RandomSearch(const SearchSpace& space, std::uint64_t seed) : space_(space), rng_(seed) {}

  std::vector<Proposal> Ask(int max_count) override {
    std::vector<Proposal> proposals;
    proposals.reserve(static_cast<std::size_t>(max_count));
    for (int i = 0; i < max_count; ++i) proposals.push_back({space_.Sample(rng_), "random", -1});
    return proposals;
  }

  void Tell(const std::vector<Observation>& /*observations*/) override {}

  nlohmann::json SaveState() const override { return {{"rng", SaveRng(rng_)}}; }

  void RestoreState(const nlohmann::json& state) override {
    RestoreRng(rng_, state.at("rng").get<std::string>());
  }

 private:
  const SearchSpace& space_;
  Rng rng_;
};

}  // namespace

std::unique_ptr<Strategy> MakeRandomSearch(Options& /*options*/, const StrategyContext& context) {
  return std::make_unique<RandomSearch>(*context.space, MixSeed(context.seed, 0x5eed));
}

}  // namespace sculpt
