// Regularized (aging) evolution (Real et al., "Regularized Evolution for Image Classifier
// Architecture Search", 2019). While the population holds fewer than P members every proposal is
// a random sample; after that each proposal mutates (one edit) the best of S members drawn at
// random, and every result joins the population while the oldest member leaves.
// Constraint-aware: infeasible and failed candidates never join the population, so the initial
// phase samples until P feasible members exist. With several objectives, the first one ranks.
// Repeats join the population like any result, as in the original algorithm.

#include <algorithm>
#include <deque>

#include "search/strategies.h"

namespace sculpt {
namespace {

struct Member {
  std::int64_t step;
  Architecture arch;
  double score;  // first objective, larger is better
};

class RegularizedEvolution final : public Strategy {
 public:
  RegularizedEvolution(const SearchSpace& space, int population, int sample, std::uint64_t seed)
      : space_(space), population_size_(population), sample_size_(sample), rng_(seed) {}

  std::vector<Proposal> Ask(int max_count) override {
    std::vector<Proposal> proposals;
    AskInto(max_count, proposals);
    return proposals;
  }

  void AskInto(int max_count, std::vector<Proposal>& proposals) override {
    proposals.resize(static_cast<std::size_t>(std::max(max_count, 0)));
    for (Proposal& proposal : proposals) {
      if (static_cast<int>(population_.size()) < population_size_) {
        proposal.arch = space_.Sample(rng_);
        proposal.origin.assign("random");
        proposal.parent = -1;
        continue;
      }
      const Member* parent = nullptr;
      for (int s = 0; s < sample_size_; ++s) {
        const Member& contender =
            population_[UniformIndex(rng_, static_cast<int>(population_.size()))];
        if (parent == nullptr || contender.score > parent->score) parent = &contender;
      }
      space_.MutateInto(parent->arch, rng_, proposal.arch);
      proposal.origin.assign("mutation");
      proposal.parent = parent->step;
    }
  }

  void Tell(const std::vector<Observation>& observations) override {
    for (const Observation& observation : observations) {
      if (observation.status != CandidateStatus::kOk) continue;
      // The oldest member dies; its storage is reused for the newcomer.
      Member member;
      if (static_cast<int>(population_.size()) >= population_size_) {
        member = std::move(population_.front());
        population_.pop_front();
      }
      member.step = observation.step;
      member.arch.choices.assign(observation.arch.choices.begin(), observation.arch.choices.end());
      member.score = observation.objectives.front();
      population_.push_back(std::move(member));
    }
  }

  nlohmann::json SaveState() const override {
    nlohmann::json members = nlohmann::json::array();
    for (const Member& m : population_) members.push_back({m.step, m.arch.choices, m.score});
    return {{"rng", SaveRng(rng_)}, {"population", members}};
  }

  void RestoreState(const nlohmann::json& state) override {
    RestoreRng(rng_, state.at("rng").get<std::string>());
    population_.clear();
    for (const nlohmann::json& m : state.at("population")) {
      population_.push_back(
          {m.at(0).get<std::int64_t>(), {m.at(1).get<std::vector<int>>()}, m.at(2).get<double>()});
    }
  }

 private:
  const SearchSpace& space_;
  int population_size_;
  int sample_size_;
  Rng rng_;
  std::deque<Member> population_;  // oldest first
};

}  // namespace

std::unique_ptr<Strategy> MakeRegularizedEvolution(Options& options,
                                                   const StrategyContext& context) {
  const int population = static_cast<int>(options.Int("population", 10, 2, 1'000'000));
  const int sample = static_cast<int>(options.Int("sample", 3, 1, 1'000'000));
  options.Describe("population",
                   "architectures alive at once; the first ones are uniform samples, then each new "
                   "child replaces the oldest member (aging)");
  options.Describe("sample", "members drawn at random for each tournament; the best of them is "
                             "mutated by one edit into the next child (at most population)");
  if (sample > population) {
    options.Error("sample", "must not exceed population (" + std::to_string(population) + "), got " +
                                std::to_string(sample));
  }
  return std::make_unique<RegularizedEvolution>(*context.space, population, sample,
                                                MixSeed(context.seed, 0xe70));
}

}  // namespace sculpt
