// CTNAS: contrastive neural architecture search (Chen et al., "Contrastive Neural Architecture
// Search with Neural Architecture Comparators", CVPR 2021).
//
// A comparator (built from the strategy's "comparator" block through context.comparators, e.g.
// the NAC of predictors/) is trained on the architectures evaluated so far, on pairs labelled 1[score_a > score_b]. Each proposal is the
// unseen candidate the comparator judges most likely to beat the current baseline. Every
// `baseline_interval` comparator proposals, the baseline becomes, among `baseline_candidates`
// architectures (the current baseline, the best evaluated one and the candidates it rates
// highest), the one with the largest summed probability of beating the others: the paper's
// curriculum, where the reference each candidate must beat keeps getting harder.
//
// Sampler. The paper's sampler is an LSTM policy trained by REINFORCE with the comparator's
// P(candidate beats baseline) as reward. Here the candidates are drawn by an evolutionary sampler
// instead and scored by the same comparator: every one-edit neighbour of the `parents` best
// evaluated architectures, `mutations` two-edit mutations of them and `candidates` uniform samples.
// Why: with a budget of ~100 evaluations the policy gradient has too little signal to converge
// (the paper trains it for thousands of comparator queries per step), it adds another model
// with its own hyper-parameters and non-determinism, and scoring hundreds of explicit candidates
// per step costs milliseconds. The neighbourhood keeps exploitation close to the best cells,
// the uniform samples keep exploration going. Candidates whose input never reaches their output
// (IsValid false) are never proposed by the comparator: they compute nothing.
//
// Constraint-aware: with constraints on cost metrics (params <= 1e5, ...) every candidate, random
// ones included, is checked with the space's analytic costs before it is proposed, so the
// comparator's picks and the evaluation budget go to feasible architectures only (the engine
// would reject the others unevaluated, wasting a proposal and leaving the batch short).
//
// The first `initial` proposals are distinct uniform samples. No proposal is ever an
// architecture already proposed (a set of canonical hashes), so no evaluation is wasted on a
// repeat. The comparator is refitted once `refit_every` new results have arrived since its last
// fit. Failed and infeasible candidates are never proposed again and never train the comparator.
//
// State: SaveState keeps the RNG, the observed data, the seen hashes, the baseline and the
// counters, but not the comparator's weights: a comparator's Fit is a deterministic function of
// its seed and data (spaces/predictor.h), so RestoreState refits it on the same prefix of data,
// which gives the same model at the same intra-op thread count.

#include <algorithm>
#include <numeric>
#include <optional>
#include <unordered_set>

#include "search/strategies.h"

namespace sculpt {
namespace {

struct CtnasOptions {
  int initial = 10;
  int candidates = 100;
  int parents = 5;
  int mutations = 50;
  int baseline_interval = 5;
  int baseline_candidates = 10;
  int refit_every = 5;
};

struct Observed {
  std::int64_t step;
  Architecture arch;
  double score;  // first objective, larger is better
};

struct Candidate {
  Architecture arch;
  std::string origin;
  std::int64_t parent;
};

class Ctnas final : public Strategy {
 public:
  Ctnas(const SearchSpace& space, const CtnasOptions& options, std::vector<Constraint> constraints,
        std::unique_ptr<Comparator> comparator, std::uint64_t seed)
      : space_(space), options_(options), constraints_(std::move(constraints)),
        comparator_(std::move(comparator)), rng_(seed) {}

  std::vector<Proposal> Ask(int max_count) override {
    std::vector<Proposal> proposals;
    MaybeRefit();
    if (proposed_ < options_.initial || fitted_on_ == 0) {
      AddRandom(max_count, proposals);
      return proposals;
    }
    if (!baseline_) baseline_ = Best().arch;
    std::vector<Candidate> pool = BuildPool();
    if (pool.empty()) {
      AddRandom(max_count, proposals);
      return proposals;
    }
    std::vector<Architecture> archs;
    archs.reserve(pool.size());
    for (const Candidate& c : pool) archs.push_back(c.arch);
    const std::vector<double> beats = comparator_->ProbabilityBetter(archs, *baseline_);
    std::vector<int> order(pool.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return beats[a] > beats[b]; });
    for (int i = 0; i < std::min<int>(max_count, static_cast<int>(order.size())); ++i) {
      Candidate& c = pool[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])];
      seen_.insert(space_.CanonicalHash(c.arch));
      proposals.push_back({c.arch, c.origin, c.parent});
    }
    proposed_ += static_cast<std::int64_t>(proposals.size());
    since_baseline_ += static_cast<int>(proposals.size());
    if (since_baseline_ >= options_.baseline_interval) {
      UpdateBaseline(archs, order);
      since_baseline_ = 0;
    }
    return proposals;
  }

  void Tell(const std::vector<Observation>& observations) override {
    for (const Observation& o : observations) {
      seen_.insert(space_.CanonicalHash(o.arch));
      if (o.status != CandidateStatus::kOk || o.repeat) continue;
      observed_.push_back({o.step, o.arch, o.objectives.front()});
    }
  }

  nlohmann::json SaveState() const override {
    nlohmann::json observed = nlohmann::json::array();
    for (const Observed& o : observed_) observed.push_back({o.step, o.arch.choices, o.score});
    std::vector<std::uint64_t> seen(seen_.begin(), seen_.end());
    std::sort(seen.begin(), seen.end());
    return {{"rng", SaveRng(rng_)},
            {"observed", observed},
            {"seen", seen},
            {"baseline", baseline_ ? nlohmann::json(baseline_->choices) : nlohmann::json()},
            {"fitted_on", fitted_on_},
            {"proposed", proposed_},
            {"since_baseline", since_baseline_}};
  }

  void RestoreState(const nlohmann::json& state) override {
    RestoreRng(rng_, state.at("rng").get<std::string>());
    observed_.clear();
    for (const nlohmann::json& o : state.at("observed")) {
      observed_.push_back(
          {o.at(0).get<std::int64_t>(), {o.at(1).get<std::vector<int>>()}, o.at(2).get<double>()});
    }
    const auto seen = state.at("seen").get<std::vector<std::uint64_t>>();
    seen_ = {seen.begin(), seen.end()};
    baseline_.reset();
    if (!state.at("baseline").is_null()) {
      baseline_ = Architecture{state.at("baseline").get<std::vector<int>>()};
    }
    proposed_ = state.at("proposed").get<std::int64_t>();
    since_baseline_ = state.at("since_baseline").get<int>();
    fitted_on_ = state.at("fitted_on").get<std::size_t>();
    SCULPT_ASSERT(fitted_on_ <= observed_.size(), "ctnas state fitted on more data than it holds");
    if (fitted_on_ > 0) Fit(fitted_on_);
  }

 private:
  // Distinct uniform samples never proposed before (a bounded number of tries, so that a nearly
  // exhausted finite space ends the search instead of looping).
  void AddRandom(int max_count, std::vector<Proposal>& proposals) {
    for (int tries = 0; static_cast<int>(proposals.size()) < max_count && tries < 1000 * max_count;
         ++tries) {
      Architecture arch = space_.Sample(rng_);
      if (!Feasible(arch) || !seen_.insert(space_.CanonicalHash(arch)).second) continue;
      proposals.push_back({std::move(arch), "random", -1});
      ++proposed_;
    }
  }

  bool Feasible(const Architecture& arch) const {
    return constraints_.empty() || SatisfiesAll(constraints_, space_.Cost(arch));
  }

  void MaybeRefit() {
    const std::size_t n = observed_.size();
    if (n < 2 || (fitted_on_ > 0 && n < fitted_on_ + static_cast<std::size_t>(options_.refit_every))) {
      return;
    }
    const auto [low, high] = std::minmax_element(
        observed_.begin(), observed_.end(),
        [](const Observed& a, const Observed& b) { return a.score < b.score; });
    if (low->score == high->score) return;  // nothing to compare yet
    Fit(n);
  }

  // Fits the comparator on the first `n` observations (step order).
  void Fit(std::size_t n) {
    std::vector<Architecture> archs;
    std::vector<double> scores;
    for (std::size_t i = 0; i < n; ++i) {
      archs.push_back(observed_[i].arch);
      scores.push_back(observed_[i].score);
    }
    comparator_->Fit(archs, scores);
    fitted_on_ = n;
  }

  const Observed& Best() const {
    return *std::max_element(observed_.begin(), observed_.end(),
                             [](const Observed& a, const Observed& b) { return a.score < b.score; });
  }

  std::vector<Candidate> BuildPool() {
    std::vector<const Observed*> ranked;
    for (const Observed& o : observed_) ranked.push_back(&o);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const Observed* a, const Observed* b) { return a->score > b->score; });
    ranked.resize(std::min(ranked.size(), static_cast<std::size_t>(options_.parents)));

    std::vector<Candidate> pool;
    std::unordered_set<std::uint64_t> in_pool;
    auto add = [&](Architecture arch, const char* origin, std::int64_t parent) {
      if (!space_.IsValid(arch) || !Feasible(arch)) return;
      const std::uint64_t hash = space_.CanonicalHash(arch);
      if (seen_.contains(hash) || !in_pool.insert(hash).second) return;
      pool.push_back({std::move(arch), origin, parent});
    };
    for (const Observed* parent : ranked) {
      for (Architecture& n : space_.Neighbours(parent->arch)) add(std::move(n), "neighbour", parent->step);
    }
    for (int m = 0; m < options_.mutations; ++m) {
      const Observed* parent = ranked[static_cast<std::size_t>(
          UniformIndex(rng_, static_cast<int>(ranked.size())))];
      add(space_.Mutate(space_.Mutate(parent->arch, rng_), rng_), "mutation", parent->step);
    }
    for (int s = 0; s < options_.candidates; ++s) add(space_.Sample(rng_), "sampled", -1);
    return pool;
  }

  // The curriculum: among the current baseline, the best evaluated architecture and the pool's
  // top-rated candidates, the one with the largest summed P(beats the others).
  void UpdateBaseline(const std::vector<Architecture>& pool, const std::vector<int>& order) {
    std::vector<Architecture> contenders = {*baseline_, Best().arch};
    for (std::size_t i = 0;
         i < order.size() && static_cast<int>(contenders.size()) < options_.baseline_candidates; ++i) {
      contenders.push_back(pool[static_cast<std::size_t>(order[i])]);
    }
    const auto n = contenders.size();
    const std::vector<double> matrix = comparator_->ProbabilityMatrix(contenders);
    std::size_t best = 0;
    double best_sum = -1;
    for (std::size_t i = 0; i < n; ++i) {
      const double sum = std::accumulate(matrix.begin() + static_cast<std::ptrdiff_t>(i * n),
                                         matrix.begin() + static_cast<std::ptrdiff_t>((i + 1) * n),
                                         0.0);
      if (sum > best_sum) {
        best_sum = sum;
        best = i;
      }
    }
    baseline_ = contenders[best];
  }

  const SearchSpace& space_;
  CtnasOptions options_;
  std::vector<Constraint> constraints_;
  std::unique_ptr<Comparator> comparator_;
  Rng rng_;
  std::vector<Observed> observed_;  // ok, non-repeat results in step order
  std::unordered_set<std::uint64_t> seen_;  // canonical hashes of everything proposed or told
  std::optional<Architecture> baseline_;
  std::size_t fitted_on_ = 0;  // observations the comparator was last fitted on (0: never)
  std::int64_t proposed_ = 0;
  int since_baseline_ = 0;  // comparator proposals since the baseline last changed
};

}  // namespace

std::unique_ptr<Strategy> MakeCtnas(Options& options, const StrategyContext& context) {
  CtnasOptions o;
  o.initial = static_cast<int>(options.Int("initial", o.initial, 2, 1'000'000));
  o.candidates = static_cast<int>(options.Int("candidates", o.candidates, 0, 1'000'000));
  o.parents = static_cast<int>(options.Int("parents", o.parents, 1, 10'000));
  o.mutations = static_cast<int>(options.Int("mutations", o.mutations, 0, 1'000'000));
  o.baseline_interval =
      static_cast<int>(options.Int("baseline_interval", o.baseline_interval, 1, 1'000'000));
  o.baseline_candidates =
      static_cast<int>(options.Int("baseline_candidates", o.baseline_candidates, 2, 10'000));
  o.refit_every = static_cast<int>(options.Int("refit_every", o.refit_every, 1, 1'000'000));
  options.Describe("initial",
                   "uniform random proposals before the comparator takes over (rounded up to "
                   "whole batches: the comparator is fitted between batches)");
  options.Describe("candidates", "uniform samples the comparator rates at each step, beside the "
                                 "neighbours and mutations of the best");
  options.Describe("parents", "best evaluated architectures whose one-edit neighbours are rated");
  options.Describe("mutations", "two-edit mutations of the parents rated at each step");
  options.Describe("baseline_interval",
                   "comparator proposals between baseline updates (the curriculum)");
  options.Describe("baseline_candidates",
                   "architectures among which the next baseline is chosen (the one most likely "
                   "to beat the others)");
  options.Describe("refit_every", "new results before the comparator is trained again");
  Options comparator_block = options.Child("comparator");
  options.Describe("comparator", "the comparator: {\"type\": \"nac\", ...} (`sculpt list "
                                 "comparators`)");
  if (!context.comparators) {
    throw UserError("strategy ctnas needs a comparator, and the program that built it gave none");
  }
  const ComparatorFactory make_comparator = context.comparators(comparator_block);
  comparator_block.Finish();
  if (!make_comparator) return nullptr;  // the block had errors, already reported
  return std::make_unique<Ctnas>(*context.space, o, context.constraints,
                                 make_comparator(*context.space, MixSeed(context.seed, 0xc7a5)),
                                 MixSeed(context.seed, 0xc7a6));
}

}  // namespace sculpt
