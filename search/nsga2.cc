// NSGA-II (Deb, Pratap, Agarwal, Meyarivan, "A Fast and Elitist Multiobjective Genetic Algorithm:
// NSGA-II", 2002) in ask/tell form, for 1..k objectives (all of the experiment's, larger-better).
//  - Generation 0 is `population` random samples; every later generation is `population`
//    children, each bred from parents picked by binary tournament on (lower front rank, larger
//    crowding distance): with probability `crossover` a uniform crossover of two parents' choices
//    followed by one mutation (space.Mutate), otherwise a mutation of one parent.
//  - A generation completes once `population` children have been told (Ask never proposes past
//    the end of the current generation, so with the engine a generation's last batch may be
//    short: choose a batch that divides the population to keep every batch full). Then parents
//    and the generation's children are merged and the best `population` survive: whole fronts of
//    non-dominated sorting, the last one cut by crowding distance (elitism).
//  - Infeasible and failed children never enter the population; a canonical class (same
//    computation) enters at most once, so repeats do not crowd out diversity. A generation with
//    no usable parent at all breeds random samples again.
// Rank and crowding are computed over the current parents after each selection (the tournament
// needs only their relative order), so the saved state is just the members, the counters and the
// RNG. If a driver asks beyond the current generation before telling it (the engine never does),
// the extra children are bred from the current parents and count towards the next generation.
// Uniform crossover assumes a choice means the same whatever the others are (true of nb201's
// edges and of head masks); keep crossover at 0 for spaces where it is not. A crossover child the
// space does not contain falls back to a mutation.
// Defaults (population 10, crossover 0) are what measured best on the NAS-Bench-201 table with
// (cifar10_valid, flops) at 150 evaluations, 500 seeds (benchmarks/nsga2_bench.cc): hypervolume
// 15483 with them, 15465 with crossover 0.5, 15462 / 15449 with population 20, random 15339.

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <unordered_set>

#include "search/pareto.h"
#include "search/strategies.h"
#include "spaces/errors.h"

namespace sculpt {
namespace {

struct Member {
  std::int64_t step = 0;
  Architecture arch;
  std::vector<double> objectives;  // larger is better
  std::uint64_t hash = 0;          // canonical hash: one member per computation
};

class Nsga2 final : public Strategy {
 public:
  Nsga2(const SearchSpace& space, std::size_t num_objectives, int population, double crossover,
        std::uint64_t seed)
      : space_(space),
        num_objectives_(num_objectives),
        population_size_(population),
        crossover_(crossover),
        rng_(seed) {}

  std::vector<Proposal> Ask(int max_count) override {
    std::int64_t count = max_count;
    const std::int64_t generation_end = generation_start_ + population_size_;
    if (asked_ < generation_end) count = std::min(count, generation_end - asked_);
    std::vector<Proposal> proposals;
    proposals.reserve(static_cast<std::size_t>(std::max<std::int64_t>(count, 0)));
    for (std::int64_t i = 0; i < count; ++i) proposals.push_back(Breed());
    asked_ += static_cast<std::int64_t>(proposals.size());
    return proposals;
  }

  void Tell(const std::vector<Observation>& observations) override {
    for (const Observation& observation : observations) {
      ++told_;
      if (observation.status == CandidateStatus::kOk) {
        SCULPT_ASSERT(observation.objectives.size() == num_objectives_,
                      "nsga2 was told a result with the wrong number of objectives");
        offspring_.push_back({observation.step, observation.arch, observation.objectives,
                              space_.CanonicalHash(observation.arch)});
      }
      if (told_ == generation_start_ + population_size_) Select();
    }
  }

  nlohmann::json SaveState() const override {
    return {{"rng", SaveRng(rng_)},
            {"asked", asked_},
            {"told", told_},
            {"generation_start", generation_start_},
            {"generation", generation_},
            {"parents", SaveMembers(parents_)},
            {"offspring", SaveMembers(offspring_)}};
  }

  void RestoreState(const nlohmann::json& state) override {
    RestoreRng(rng_, state.at("rng").get<std::string>());
    asked_ = state.at("asked").get<std::int64_t>();
    told_ = state.at("told").get<std::int64_t>();
    generation_start_ = state.at("generation_start").get<std::int64_t>();
    generation_ = state.at("generation").get<std::int64_t>();
    parents_ = RestoreMembers(state.at("parents"));
    offspring_ = RestoreMembers(state.at("offspring"));
    RankParents();
  }

 private:
  Proposal Breed() {
    if (parents_.empty()) return {space_.Sample(rng_), "random", -1};
    const Member& first = parents_[Tournament()];
    if (crossover_ > 0.0 && UniformUnit(rng_) < crossover_) {
      const Member& second = parents_[Tournament()];
      if (first.arch.choices.size() == second.arch.choices.size()) {
        Architecture child = first.arch;
        for (std::size_t i = 0; i < child.choices.size(); ++i) {
          if (UniformUnit(rng_) < 0.5) child.choices[i] = second.arch.choices[i];
        }
        if (space_.Contains(child)) {
          return {space_.Mutate(child, rng_), "crossover", first.step};
        }
      }
    }
    return {space_.Mutate(first.arch, rng_), "mutation", first.step};
  }

  // Binary tournament: the better of two random parents by (rank, crowding); ties to the first.
  std::size_t Tournament() {
    const int n = static_cast<int>(parents_.size());
    const std::size_t a = static_cast<std::size_t>(UniformIndex(rng_, n));
    const std::size_t b = static_cast<std::size_t>(UniformIndex(rng_, n));
    if (rank_[b] < rank_[a] || (rank_[b] == rank_[a] && crowding_[b] > crowding_[a])) return b;
    return a;
  }

  // Elitist survival: the best `population` of parents and children, by front then crowding.
  void Select() {
    std::vector<Member> merged = std::move(parents_);
    std::unordered_set<std::uint64_t> seen;
    for (const Member& m : merged) seen.insert(m.hash);
    for (Member& m : offspring_) {
      if (seen.insert(m.hash).second) merged.push_back(std::move(m));
    }
    offspring_.clear();
    std::vector<std::vector<double>> points;
    points.reserve(merged.size());
    for (const Member& m : merged) points.push_back(m.objectives);

    parents_.clear();
    for (const std::vector<std::size_t>& front : NonDominatedSort(points)) {
      const std::size_t room = static_cast<std::size_t>(population_size_) - parents_.size();
      if (room == 0) break;
      std::vector<std::size_t> chosen = front;
      if (front.size() > room) {
        const std::vector<double> crowding = CrowdingDistance(points, front);
        std::vector<std::size_t> order(front.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return crowding[a] > crowding[b]; });
        chosen.clear();
        for (std::size_t k = 0; k < room; ++k) chosen.push_back(front[order[k]]);
        std::sort(chosen.begin(), chosen.end());
      }
      for (std::size_t index : chosen) parents_.push_back(std::move(merged[index]));
    }
    generation_start_ += population_size_;
    ++generation_;
    RankParents();
  }

  void RankParents() {
    rank_.assign(parents_.size(), 0);
    crowding_.assign(parents_.size(), 0.0);
    std::vector<std::vector<double>> points;
    for (const Member& m : parents_) points.push_back(m.objectives);
    const std::vector<std::vector<std::size_t>> fronts = NonDominatedSort(points);
    for (std::size_t r = 0; r < fronts.size(); ++r) {
      const std::vector<double> crowding = CrowdingDistance(points, fronts[r]);
      for (std::size_t k = 0; k < fronts[r].size(); ++k) {
        rank_[fronts[r][k]] = static_cast<int>(r);
        crowding_[fronts[r][k]] = crowding[k];
      }
    }
  }

  static nlohmann::json SaveMembers(const std::vector<Member>& members) {
    nlohmann::json out = nlohmann::json::array();
    for (const Member& m : members) out.push_back({m.step, m.arch.choices, m.objectives, m.hash});
    return out;
  }

  static std::vector<Member> RestoreMembers(const nlohmann::json& saved) {
    std::vector<Member> members;
    for (const nlohmann::json& m : saved) {
      members.push_back({m.at(0).get<std::int64_t>(),
                         {m.at(1).get<std::vector<int>>()},
                         m.at(2).get<std::vector<double>>(),
                         m.at(3).get<std::uint64_t>()});
    }
    return members;
  }

  const SearchSpace& space_;
  std::size_t num_objectives_;
  std::int64_t population_size_;
  double crossover_;
  Rng rng_;
  std::int64_t asked_ = 0;             // proposals made
  std::int64_t told_ = 0;              // results told
  std::int64_t generation_start_ = 0;  // number of proposals before the current generation
  std::int64_t generation_ = 0;
  std::vector<Member> parents_;    // survivors of the last selection
  std::vector<Member> offspring_;  // usable children of the current generation, told so far
  std::vector<int> rank_;          // front of each parent among the parents
  std::vector<double> crowding_;   // crowding distance of each parent within its front
};

}  // namespace

std::unique_ptr<Strategy> MakeNsga2(Options& options, const StrategyContext& context) {
  const int population = static_cast<int>(options.Int("population", 10, 2, 1'000'000));
  const double crossover = options.Number("crossover", 0.0, 0.0, 1.0);
  options.Describe("population",
                   "children per generation, and survivors kept from parents and children "
                   "(whole non-dominated fronts over every objective, the last cut by crowding "
                   "distance)");
  options.Describe("crossover", "probability that a child is a uniform crossover of two "
                                "parents' choices followed by one mutation, instead of a mutation "
                                "of one parent (keep 0 where a choice's meaning depends on others)");
  if (context.objectives.empty()) options.Error("", "nsga2 needs at least one objective");
  return std::make_unique<Nsga2>(*context.space, context.objectives.size(), population, crossover,
                                 MixSeed(context.seed, 0x25a2));
}

}  // namespace sculpt
