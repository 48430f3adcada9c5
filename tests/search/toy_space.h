#pragma once
// A small search space for engine and strategy tests: `length` positions, each 0..values-1.
// Permuting the positions gives the same "computation" (canonical form = sorted choices), so
// repeats by isomorphism are easy to provoke. Cost "params" = sum of choices.

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "spaces/errors.h"
#include "spaces/evaluator.h"
#include "spaces/search_space.h"

namespace sculpt::testing {

class ToySpace : public SearchSpace {
 public:
  ToySpace(int length, int values) : length_(length), values_(values) {}

  std::string Name() const override { return "toy"; }
  Architecture Sample(Rng& rng) const override {
    Architecture a;
    for (int i = 0; i < length_; ++i) a.choices.push_back(UniformIndex(rng, values_));
    return a;
  }
  Architecture Mutate(const Architecture& arch, Rng& rng) const override {
    Architecture a = arch;
    const int position = UniformIndex(rng, length_);
    a.choices[position] = (a.choices[position] + 1 + UniformIndex(rng, values_ - 1)) % values_;
    return a;
  }
  std::vector<Architecture> Neighbours(const Architecture& arch) const override {
    std::vector<Architecture> out;
    for (int p = 0; p < length_; ++p) {
      for (int v = 0; v < values_; ++v) {
        if (v == arch.choices[p]) continue;
        Architecture a = arch;
        a.choices[p] = v;
        out.push_back(a);
      }
    }
    return out;
  }
  std::optional<std::uint64_t> Size() const override {
    std::uint64_t size = 1;
    for (int i = 0; i < length_; ++i) size *= static_cast<std::uint64_t>(values_);
    return size;
  }
  std::vector<Architecture> Enumerate() const override {
    std::vector<Architecture> out;
    Architecture a{std::vector<int>(length_, 0)};
    for (std::uint64_t i = 0; i < *Size(); ++i) {
      out.push_back(a);
      for (int p = 0; p < length_ && ++a.choices[p] == values_; ++p) a.choices[p] = 0;
    }
    return out;
  }
  Architecture Parse(std::string_view text) const override {
    Architecture a;
    for (char c : text) a.choices.push_back(c - '0');
    if (!Contains(a)) throw UserError("not a toy architecture: " + std::string(text));
    return a;
  }
  std::string Format(const Architecture& arch) const override {
    std::string text;
    for (int c : arch.choices) text += static_cast<char>('0' + c);
    return text;
  }
  bool Contains(const Architecture& arch) const override {
    return static_cast<int>(arch.choices.size()) == length_ &&
           std::all_of(arch.choices.begin(), arch.choices.end(),
                       [&](int c) { return c >= 0 && c < values_; });
  }
  bool IsValid(const Architecture& arch) const override { return Contains(arch); }
  LabeledGraph Graph(const Architecture& arch) const override {
    LabeledGraph g;
    g.node_ops.push_back("input");
    for (int c : arch.choices) g.node_ops.push_back("op" + std::to_string(c));
    g.node_ops.push_back("output");
    for (int i = 0; i + 1 < g.NumNodes(); ++i) g.edges.emplace_back(i, i + 1);
    return g;
  }
  std::string CanonicalForm(const Architecture& arch) const override {
    Architecture sorted = arch;
    std::sort(sorted.choices.begin(), sorted.choices.end());
    return Format(sorted);
  }
  Encoding Encode(const Architecture& arch) const override {
    Encoding e;
    for (int c : arch.choices) {
      for (int v = 0; v < values_; ++v) e.vector.push_back(v == c ? 1.0F : 0.0F);
    }
    return e;
  }
  // Reduction graph: the largest has every position at values-1; a reduction lowers one position
  // to any smaller value.
  std::optional<Architecture> Largest() const override {
    return Architecture{std::vector<int>(length_, values_ - 1)};
  }
  std::vector<Architecture> Reductions(const Architecture& arch) const override {
    std::vector<Architecture> out;
    for (int p = 0; p < length_; ++p) {
      for (int v = arch.choices[p] - 1; v >= 0; --v) {
        Architecture a = arch;
        a.choices[p] = v;
        out.push_back(a);
      }
    }
    return out;
  }
  std::vector<std::string> CostMetricNames() const override { return {"params"}; }
  Metrics Cost(const Architecture& arch) const override {
    double sum = 0;
    for (int c : arch.choices) sum += c;
    return {{"params", sum}};
  }

 private:
  int length_;
  int values_;
};

// Scores an architecture by a fixed function of its canonical form plus seeded noise, counts the
// calls per canonical form, and fails on request (architectures whose first choice is `fail_on`).
class ToyEvaluator final : public Evaluator {
 public:
  explicit ToyEvaluator(const SearchSpace& space, int fail_on = -1)
      : space_(space), fail_on_(fail_on) {}

  Metrics Evaluate(const Architecture& arch, const EvalContext& context) const override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++calls_[space_.CanonicalForm(arch)];
    }
    if (arch.choices.front() == fail_on_) throw std::runtime_error("diverged");
    double score = 0;
    for (std::size_t i = 0; i < arch.choices.size(); ++i) {
      score += static_cast<double>(arch.choices[i] * arch.choices[i]) * 1.5;
    }
    // Seeded noise: the result must not depend on the worker that computes it.
    score += static_cast<double>(context.seed % 1000) * 1e-6;
    return {{"score", score}, {"secret", -score}};
  }
  std::vector<std::string> VisibleMetrics() const override { return {"score"}; }
  std::vector<std::string> ReportedMetrics() const override { return {"secret"}; }

  std::map<std::string, int> Calls() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }

 private:
  const SearchSpace& space_;
  int fail_on_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, int> calls_;
};

}  // namespace sculpt::testing
