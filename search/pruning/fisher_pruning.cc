// The "fisher" strategy: the mask search and mask rearrangement of Kwon et al. (2022), "A Fast
// Post-Training Pruning Framework for Transformers", under a budget on a cost metric (FLOPs by
// default) as a fraction of the trained model's.
// The loss of removing a set S of units is approximated, to second order around the trained
// model, by 1/2 (1-m)^T F (1-m) with F the empirical Fisher information of the gates.
//  - Mask search (the diagonal of F): every head costs the same, and so does every neuron group
//    (of one width): for each number h of heads kept, keep the h heads of largest Fisher and, in
//    the budget left, the neuron groups of largest Fisher; of those masks the one whose removed
//    units have the least Fisher. Costs are the space's own: what removing each unit alone saves
//    of the metric (exact for FLOPs up to a removed sublayer's bias and LayerNorm, which only
//    lowers the true cost), and the result is checked against the budget with the space's cost.
//  - Rearrangement (option "rearrange", default on): within each layer's heads (and neuron
//    groups), keep the count and choose which to remove by the layer's block of F: the subset
//    with the least (1-m)^T F (1-m), exactly when the layer has at most 100,000 such subsets
//    (any layer of up to 16 heads), else greedily with swaps; kept when it lowers that form.
//    Kwon et al. rearrange greedily; the exact search also finds units that matter only together
//    (gradients that cancel), which greedy additions miss.
// Per-layer mask tuning (the paper's third step) rescales the kept units' outputs, which a mask
// cannot say: it is the prune evaluator's "tune" option.
// One plan member per budget, largest first; with max_drop, the smallest budget within it is the
// answer (search/pruning/planned_pruning.h).

#include <algorithm>
#include <cmath>
#include <numeric>

#include "search/cost_metric.h"
#include "search/pruning/planned_pruning.h"
#include "search/pruning/prunable_units.h"
#include "search/pruning/unit_scores.h"
#include "search/strategies.h"

namespace sculpt {
namespace {

// sum over i, j in `removed` of block[i][j] (positions within the group).
double RemovalForm(const std::vector<double>& block, std::size_t n, const std::vector<int>& removed) {
  double sum = 0;
  for (const int i : removed) {
    for (const int j : removed) sum += block[static_cast<std::size_t>(i) * n + j];
  }
  return sum;
}

// Kwon et al.'s search on the Fisher diagonal: the kept units (1) within `allowed`.
Architecture SearchMask(const Architecture& largest, const UnitGradients& gradients,
                        const std::vector<double>& fisher, const std::vector<double>& savings,
                        double full_cost, double allowed) {
  std::vector<int> heads;
  std::vector<int> others;
  for (const UnitGroup& group : gradients.groups) {
    for (const int u : group.units) (group.kind == "head" ? heads : others).push_back(u);
  }
  const auto by_fisher = [&fisher](int a, int b) { return fisher[a] > fisher[b]; };
  std::stable_sort(heads.begin(), heads.end(), by_fisher);
  std::stable_sort(others.begin(), others.end(), by_fisher);
  double fixed = full_cost;
  for (const double s : savings) fixed -= s;

  double best_kept_fisher = -1;
  std::vector<int> best;
  double head_cost = fixed;
  double head_fisher = 0;
  for (std::size_t h = 0; h <= heads.size(); ++h) {
    if (h > 0) {
      head_cost += savings[heads[h - 1]];
      head_fisher += fisher[heads[h - 1]];
    }
    if (head_cost > allowed) break;
    std::vector<int> kept(heads.begin(), heads.begin() + static_cast<long>(h));
    double cost = head_cost;
    double kept_fisher = head_fisher;
    for (const int u : others) {
      if (cost + savings[u] > allowed) break;
      cost += savings[u];
      kept_fisher += fisher[u];
      kept.push_back(u);
    }
    // Least Fisher removed = most Fisher kept.
    if (kept_fisher > best_kept_fisher) {
      best_kept_fisher = kept_fisher;
      best = std::move(kept);
    }
  }
  Architecture mask{std::vector<int>(largest.choices.size(), 0)};
  for (const int u : best) mask.choices[u] = 1;
  return mask;
}

// C(n, k), saturating at `limit`.
double Binomial(std::size_t n, std::size_t k, double limit) {
  double value = 1;
  for (std::size_t i = 1; i <= k; ++i) {
    value = value * static_cast<double>(n - k + i) / static_cast<double>(i);
    if (value > limit) return limit;
  }
  return value;
}

// The k-subset of 0..n-1 with the least removal form: every subset when there are at most
// kExactSubsets of them, else greedy additions (each the least increase) then single swaps of a
// removed and a kept position while they lower the form. Cancelling gradients (two heads that
// matter only together) are found by the exact search, which is what layers of a few heads get.
constexpr double kExactSubsets = 100000;

std::vector<int> LeastFormSubset(const std::vector<double>& block, std::size_t n, std::size_t k) {
  std::vector<int> best;
  if (Binomial(n, k, kExactSubsets + 1) <= kExactSubsets) {
    std::vector<int> subset(k);
    for (std::size_t i = 0; i < k; ++i) subset[i] = static_cast<int>(i);
    double least = 0;
    while (true) {
      const double form = RemovalForm(block, n, subset);
      if (best.empty() || form < least) {
        best = subset;
        least = form;
      }
      // Next k-subset in lexicographic order.
      int i = static_cast<int>(k) - 1;
      while (i >= 0 && subset[i] == static_cast<int>(n - k) + i) --i;
      if (i < 0) break;
      ++subset[i];
      for (std::size_t j = static_cast<std::size_t>(i) + 1; j < k; ++j) subset[j] = subset[j - 1] + 1;
    }
    return best;
  }
  std::vector<bool> taken(n, false);
  while (best.size() < k) {
    int choice = -1;
    double least = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (taken[i]) continue;
      double added = block[i * n + i];
      for (const int j : best) added += 2 * block[i * n + j];
      if (choice < 0 || added < least) {
        choice = static_cast<int>(i);
        least = added;
      }
    }
    taken[choice] = true;
    best.push_back(choice);
  }
  for (bool improved = true; improved;) {
    improved = false;
    const double current = RemovalForm(block, n, best);
    for (std::size_t r = 0; r < k && !improved; ++r) {
      for (std::size_t i = 0; i < n && !improved; ++i) {
        if (taken[i]) continue;
        std::vector<int> swapped = best;
        swapped[r] = static_cast<int>(i);
        if (RemovalForm(block, n, swapped) < current) {
          taken[best[r]] = false;
          taken[i] = true;
          best = std::move(swapped);
          improved = true;
        }
      }
    }
  }
  return best;
}

// Rearrangement within each group, keeping its count of removed units.
void Rearrange(Architecture& mask, const UnitGradients& gradients) {
  for (const UnitGroup& group : gradients.groups) {
    const std::size_t n = group.units.size();
    std::vector<int> removed;
    for (std::size_t i = 0; i < n; ++i) {
      if (mask.choices[group.units[i]] == 0) removed.push_back(static_cast<int>(i));
    }
    if (removed.empty() || removed.size() == n) continue;
    const std::vector<double> block = FisherBlock(gradients, group);
    const std::vector<int> chosen = LeastFormSubset(block, n, removed.size());
    if (RemovalForm(block, n, chosen) >= RemovalForm(block, n, removed)) continue;
    for (std::size_t i = 0; i < n; ++i) mask.choices[group.units[i]] = 1;
    for (const int i : chosen) mask.choices[group.units[i]] = 0;
  }
}

}  // namespace

std::unique_ptr<Strategy> MakeFisherPruning(Options& options, const StrategyContext& context) {
  // "budget": one fraction or a list of them (one plan member each).
  std::vector<double> budgets;
  const std::vector<double> read = options.Numbers("budget", {0.5});
  const nlohmann::json* raw = options.Has("budget") ? options.Raw("budget") : nullptr;
  for (std::size_t i = 0; i < read.size(); ++i) {
    if (read[i] > 0 && read[i] <= 1) {
      budgets.push_back(read[i]);
      continue;
    }
    const bool listed = raw != nullptr && raw->is_array();
    options.Error(listed ? "budget[" + std::to_string(i) + "]" : std::string("budget"),
                  "expected a fraction of the trained model's cost in (0, 1], got " +
                      (listed ? (*raw)[i] : *raw).dump());
  }
  options.Describe("budget",
                   "the cost to keep, as a fraction in (0, 1] of the trained model's "
                   "(e.g. 0.6), or a list of them in any order: one mask each, tried "
                   "largest first");
  const std::string metric = ReadCostMetric(options, *context.space, "metric");
  options.Describe("metric", "the cost metric of the budget (flops by default; prune: params, "
                             "flops, heads, neurons, latency_lut_ms with a latency table)");
  const bool rearrange = options.Bool("rearrange", true);
  options.Describe("rearrange", "rearrange each layer's mask by its block of the Fisher "
                                "information (Kwon et al.); false: the diagonal search alone");
  const std::optional<double> max_drop = options.OptionalNumber("max_drop", 0.0);
  options.Describe("max_drop", "stop at the first budget whose mask drops the first objective by "
                               "more than this; the answer is the mask before it");

  const std::optional<Architecture> largest = ReadPrunableUnits(options, context, "fisher");
  const UnitGradientSource* gradients = RequireUnitGradients(options, context, "fisher");
  if (!largest || gradients == nullptr || metric.empty()) return nullptr;

  // A budget below what no unit can remove (embedding, classifier) cannot be met.
  const SearchSpace& space = *context.space;
  const double full_cost = space.Cost(*largest).at(metric);
  const std::vector<double> savings = UnitSavings(space, *largest, metric);
  const double floor_cost = space.Cost(Architecture{std::vector<int>(largest->choices.size(), 0)}).at(metric);
  for (const double budget : budgets) {
    if (budget * full_cost < floor_cost) {
      options.Error("budget", "a budget of " + std::to_string(budget) + " is below the " +
                                  std::to_string(floor_cost / full_cost) + " of the trained "
                                  "model's " + metric + " that no unit's removal can save");
      return nullptr;
    }
  }
  std::sort(budgets.rbegin(), budgets.rend());

  PruningPlan plan = [&space, largest = *largest, gradients, metric, full_cost, savings, budgets,
                      rearrange] {
    const UnitGradients& g = gradients->Gradients();
    const std::vector<double> fisher = FisherDiagonal(g);
    std::vector<Architecture> masks;
    for (const double budget : budgets) {
      const double allowed = budget * full_cost;
      Architecture mask = SearchMask(largest, g, fisher, savings, full_cost, allowed);
      if (rearrange) Rearrange(mask, g);
      // The savings of a sublayer's last unit include its bias: the true cost is never above the
      // estimate, but check with the space's own count, removing the least Fisher first.
      while (space.Cost(mask).at(metric) > allowed) {
        int weakest = -1;
        for (std::size_t u = 0; u < mask.choices.size(); ++u) {
          if (mask.choices[u] == 1 && (weakest < 0 || fisher[u] < fisher[weakest])) {
            weakest = static_cast<int>(u);
          }
        }
        if (weakest < 0) break;
        mask.choices[weakest] = 0;
      }
      masks.push_back(std::move(mask));
    }
    return masks;
  };
  return MakePlannedPruning("fisher", *largest, std::move(plan), max_drop);
}

}  // namespace sculpt
