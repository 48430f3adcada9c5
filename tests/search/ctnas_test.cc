// The ctnas strategy's logic, with a small torch-free comparator (search/ never sees LibTorch;
// the NAC itself is tested in tests/predictors/).

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "search/strategies.h"
#include "spaces/nb201.h"

namespace sculpt {
namespace {

// P(a > b) = sigmoid(s(a) - s(b)) where s is a ridge regression of the scores on the one-hot
// vector encoding (the synthetic scores below are additive in it, so it can learn them exactly).
// Deterministic and a function of its data only, as the Comparator contract asks. Counts fits.
class RidgeComparator final : public Comparator {
 public:
  RidgeComparator(const SearchSpace& space, int* fits) : space_(space), fits_(fits) {}

  void Fit(std::span<const Architecture> archs, std::span<const double> scores) override {
    ++*fits_;
    const std::size_t d = space_.Encode(archs[0]).vector.size();
    // Normal equations (X^T X + 0.1 I) w = X^T y, solved by Gauss-Jordan elimination. The rows
    // are sized one by one: GCC 12 warns falsely (-Walloc-size-larger-than) on m(d, row).
    std::vector<std::vector<double>> m(d);
    for (std::vector<double>& row : m) row.assign(d + 1, 0.0);
    for (std::size_t i = 0; i < archs.size(); ++i) {
      const std::vector<float> v = space_.Encode(archs[i]).vector;
      for (std::size_t r = 0; r < d; ++r) {
        for (std::size_t c = 0; c < d; ++c) m[r][c] += v[r] * v[c];
        m[r][d] += v[r] * scores[i];
      }
    }
    for (std::size_t r = 0; r < d; ++r) m[r][r] += 0.1;
    for (std::size_t p = 0; p < d; ++p) {
      for (std::size_t r = 0; r < d; ++r) {
        if (r == p) continue;
        const double f = m[r][p] / m[p][p];
        for (std::size_t c = p; c <= d; ++c) m[r][c] -= f * m[p][c];
      }
    }
    weights_.assign(d, 0.0);
    for (std::size_t r = 0; r < d; ++r) weights_[r] = m[r][d] / m[r][r];
  }
  double ProbabilityBetter(const Architecture& a, const Architecture& b) override {
    return 1.0 / (1.0 + std::exp(Score(b) - Score(a)));
  }
  std::vector<double> ProbabilityBetter(std::span<const Architecture> candidates,
                                        const Architecture& reference) override {
    std::vector<double> p;
    for (const Architecture& c : candidates) p.push_back(ProbabilityBetter(c, reference));
    return p;
  }
  std::vector<double> ProbabilityMatrix(std::span<const Architecture> archs) override {
    std::vector<double> p;
    for (const Architecture& a : archs) {
      for (const Architecture& b : archs) p.push_back(ProbabilityBetter(a, b));
    }
    return p;
  }

 private:
  double Score(const Architecture& arch) const {
    if (weights_.empty()) return 0;
    const std::vector<float> v = space_.Encode(arch).vector;
    double s = 0;
    for (std::size_t f = 0; f < v.size(); ++f) s += v[f] * weights_[f];
    return s;
  }
  const SearchSpace& space_;
  int* fits_;
  std::vector<double> weights_;
};

// Synthetic score: conv3x3 edges count most, then conv1x1; "none" edges cost a little.
double SyntheticScore(const Architecture& arch) {
  double score = 0;
  for (int op : arch.choices) {
    score += op == nb201::kConv3x3 ? 1.0 : op == nb201::kConv1x1 ? 0.4 : op == nb201::kNone ? -0.2 : 0;
  }
  return score;
}

class CtnasTest : public ::testing::Test {
 protected:
  std::unique_ptr<Strategy> Build(nlohmann::json options, std::uint64_t seed,
                                  ConfigErrors& errors) {
    Options opts(options, "strategy", errors, nullptr);
    StrategyContext context{space_.get(), {{"score", Goal::kMaximize}}, seed, constraints_,
                            [this](Options&) -> ComparatorFactory {
                              return [this](const SearchSpace& space, std::uint64_t) {
                                return std::make_unique<RidgeComparator>(space, &fits_);
                              };
                            }};
    auto strategy = MakeCtnas(opts, context);
    opts.Finish();
    return strategy;
  }

  std::unique_ptr<Strategy> Build(std::uint64_t seed) {
    ConfigErrors errors;
    auto strategy = Build(kSmallOptions, seed, errors);
    EXPECT_TRUE(errors.Empty());
    return strategy;
  }

  // Asks and tells `rounds` batches of `batch`, recording every proposal.
  void Drive(Strategy& strategy, int rounds, int batch, std::vector<Proposal>& proposals) {
    for (int r = 0; r < rounds; ++r) {
      std::vector<Proposal> asked = strategy.Ask(batch);
      std::vector<Observation> told;
      for (Proposal& p : asked) {
        told.push_back({step_++, p.arch, CandidateStatus::kOk, {SyntheticScore(p.arch)}, false});
        proposals.push_back(std::move(p));
      }
      strategy.Tell(told);
    }
  }

  const nlohmann::json kSmallOptions = {{"initial", 6},           {"candidates", 30},
                                        {"parents", 2},           {"mutations", 10},
                                        {"baseline_interval", 3}, {"baseline_candidates", 4},
                                        {"refit_every", 2}};
  std::unique_ptr<SearchSpace> space_ = nb201::MakeSpace({});
  std::vector<Constraint> constraints_;
  int fits_ = 0;
  std::int64_t step_ = 0;
};

TEST_F(CtnasTest, StartsRandomThenFollowsTheComparatorWithoutRepeats) {
  auto strategy = Build(3);
  std::vector<Proposal> proposals;
  Drive(*strategy, 40, 2, proposals);
  ASSERT_EQ(proposals.size(), 80U);
  std::set<std::uint64_t> hashes;
  for (std::size_t i = 0; i < proposals.size(); ++i) {
    EXPECT_TRUE(space_->Contains(proposals[i].arch));
    EXPECT_TRUE(hashes.insert(space_->CanonicalHash(proposals[i].arch)).second)
        << "repeat at proposal " << i << ": " << space_->Format(proposals[i].arch);
    if (i < 6) {
      EXPECT_EQ(proposals[i].origin, "random");
    } else {
      EXPECT_NE(proposals[i].origin, "random");
      EXPECT_TRUE(space_->IsValid(proposals[i].arch));
    }
  }
  // Refits every 2 results after the first fit at 6 observations: (80 - 6) / 2 + 1, minus the
  // final batch's results that no Ask followed.
  EXPECT_GE(fits_, 30);
  // The comparator's guidance finds a much better cell than the random start did.
  double best_random = -1e9, best_guided = -1e9;
  for (std::size_t i = 0; i < proposals.size(); ++i) {
    double& best = i < 6 ? best_random : best_guided;
    best = std::max(best, SyntheticScore(proposals[i].arch));
  }
  EXPECT_GT(best_guided, best_random);
  EXPECT_EQ(best_guided, 6.0);  // the optimum: six conv3x3 edges
}

TEST_F(CtnasTest, ProposesOnlyWhatTheConstraintsAllow) {
  // Under a FLOPs cap the synthetic optimum (six conv3x3 edges) is out of reach: every proposal,
  // the random start included, must satisfy the cap, so none would be rejected unevaluated.
  const double cap = space_->Cost(space_->Parse(
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|nor_conv_3x3~2|"))
                         .at("flops");
  constraints_ = {{"flops", std::nullopt, cap}};
  auto strategy = Build(5);
  std::vector<Proposal> proposals;
  Drive(*strategy, 30, 2, proposals);
  ASSERT_EQ(proposals.size(), 60U);
  for (const Proposal& p : proposals) {
    EXPECT_LE(space_->Cost(p.arch).at("flops"), cap) << space_->Format(p.arch);
  }
  // Without the cap the same seed proposes cells above it.
  constraints_.clear();
  auto free = Build(5);
  std::vector<Proposal> unconstrained;
  Drive(*free, 30, 2, unconstrained);
  EXPECT_TRUE(std::any_of(unconstrained.begin(), unconstrained.end(), [&](const Proposal& p) {
    return space_->Cost(p.arch).at("flops") > cap;
  }));
}

TEST_F(CtnasTest, IsDeterministicForASeedAndDiffersAcrossSeeds) {
  std::vector<Proposal> a, b, c;
  auto first = Build(11);
  Drive(*first, 20, 1, a);
  auto second = Build(11);
  step_ = 0;
  Drive(*second, 20, 1, b);
  auto third = Build(12);
  step_ = 0;
  Drive(*third, 20, 1, c);
  ASSERT_EQ(a.size(), b.size());
  bool differs = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].arch, b[i].arch);
    EXPECT_EQ(a[i].origin, b[i].origin);
    EXPECT_EQ(a[i].parent, b[i].parent);
    differs = differs || a[i].arch != c[i].arch;
  }
  EXPECT_TRUE(differs);
}

TEST_F(CtnasTest, RestoredStateContinuesExactly) {
  std::vector<Proposal> straight, resumed;
  auto reference = Build(5);
  Drive(*reference, 30, 1, straight);

  step_ = 0;
  auto before = Build(5);
  Drive(*before, 17, 1, resumed);
  const nlohmann::json state = nlohmann::json::parse(before->SaveState().dump());
  auto after = Build(5);  // same config, fresh strategy: the RNG must come back from the state
  after->RestoreState(state);
  Drive(*after, 13, 1, resumed);
  ASSERT_EQ(straight.size(), resumed.size());
  for (std::size_t i = 0; i < straight.size(); ++i) {
    EXPECT_EQ(straight[i].arch, resumed[i].arch) << "proposal " << i;
  }
}

TEST_F(CtnasTest, FailedCandidatesAreNeitherTrainedOnNorProposedAgain) {
  auto strategy = Build(8);
  std::set<std::uint64_t> hashes;
  for (int round = 0; round < 30; ++round) {
    std::vector<Proposal> asked = strategy->Ask(1);
    ASSERT_EQ(asked.size(), 1U);
    EXPECT_TRUE(hashes.insert(space_->CanonicalHash(asked[0].arch)).second);
    // Every third candidate fails.
    const bool fail = round % 3 == 2;
    strategy->Tell({{step_++, asked[0].arch, fail ? CandidateStatus::kFailed : CandidateStatus::kOk,
                     fail ? std::vector<double>{} : std::vector<double>{SyntheticScore(asked[0].arch)},
                     false}});
  }
  EXPECT_EQ(strategy->SaveState().at("observed").size(), 20U);
}

TEST_F(CtnasTest, RejectsBadOptions) {
  ConfigErrors errors;
  Build({{"initial", 1}, {"baseline_candidates", 1}, {"refit_every", 0}, {"candidate", 5}}, 1,
        errors);
  ASSERT_EQ(errors.Messages().size(), 4U);
  const std::string all = errors.Messages()[0] + errors.Messages()[1] + errors.Messages()[2] +
                          errors.Messages()[3];
  EXPECT_NE(all.find("strategy.initial"), std::string::npos);
  EXPECT_NE(all.find("strategy.baseline_candidates"), std::string::npos);
  EXPECT_NE(all.find("strategy.refit_every"), std::string::npos);
  EXPECT_NE(all.find("candidates"), std::string::npos);  // did-you-mean for "candidate"
}

TEST_F(CtnasTest, NeedsAComparator) {
  ConfigErrors errors;
  nlohmann::json options = nlohmann::json::object();
  Options opts(options, "strategy", errors, nullptr);
  StrategyContext context{space_.get(), {{"score", Goal::kMaximize}}, 1, {}, {}};
  EXPECT_THROW(MakeCtnas(opts, context), UserError);
}

}  // namespace
}  // namespace sculpt
