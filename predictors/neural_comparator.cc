#include "predictors/neural_comparator.h"

#include <algorithm>
#include <array>
#include <numeric>
#include <string>

#include "predictors/torch_tensors.h"
#include "spaces/errors.h"
#include "spaces/rng.h"

namespace sculpt {
namespace {

using predictors::GraphBatch;

// The comparator network: a GCN feature extractor shared by both architectures, and a pair head.
struct NacNetImpl : torch::nn::Module {
  NacNetImpl(int op_types, const NacOptions& o)
      : embed(register_module("embed", torch::nn::Linear(op_types, o.hidden))),
        head_hidden(register_module("head_hidden", torch::nn::Linear(4 * o.hidden, o.hidden))),
        head_out(register_module("head_out", torch::nn::Linear(o.hidden, 1))) {
    for (int l = 0; l < o.gcn_layers; ++l) {
      const std::string suffix = std::to_string(l);
      self.push_back(register_module("self" + suffix, torch::nn::Linear(o.hidden, o.hidden)));
      from_predecessors.push_back(register_module(
          "pred" + suffix, torch::nn::Linear(torch::nn::LinearOptions(o.hidden, o.hidden).bias(false))));
      from_successors.push_back(register_module(
          "succ" + suffix, torch::nn::Linear(torch::nn::LinearOptions(o.hidden, o.hidden).bias(false))));
    }
  }

  // [B, hidden]: one feature vector per architecture. Messages flow both ways along the DAG so
  // that a node's feature reflects what feeds it and what it feeds; residual updates keep the
  // op identity visible after several layers.
  torch::Tensor Features(const GraphBatch& g) {
    torch::Tensor x = torch::relu(embed(g.ops));
    for (std::size_t l = 0; l < self.size(); ++l) {
      x = x + torch::relu(self[l](x) + from_predecessors[l](torch::bmm(g.from_predecessors, x)) +
                          from_successors[l](torch::bmm(g.from_successors, x)));
    }
    return x.mean(1);
  }

  // Logit of P(a > b); antisymmetric by construction.
  torch::Tensor Logit(const torch::Tensor& fa, const torch::Tensor& fb) {
    return Head(fa, fb) - Head(fb, fa);
  }

  torch::Tensor Head(const torch::Tensor& fa, const torch::Tensor& fb) {
    return head_out(torch::relu(head_hidden(torch::cat({fa, fb, fa - fb, fa * fb}, 1))))
        .squeeze(1);
  }

  torch::nn::Linear embed, head_hidden, head_out;
  std::vector<torch::nn::Linear> self, from_predecessors, from_successors;
};
TORCH_MODULE(NacNet);

class NeuralComparator final : public Comparator {
 public:
  NeuralComparator(const SearchSpace& space, std::uint64_t seed, const NacOptions& options)
      : space_(space), seed_(seed), options_(options) {}

  void Fit(std::span<const Architecture> archs, std::span<const double> scores) override {
    if (archs.size() != scores.size()) {
      throw UserError("comparator Fit needs one score per architecture, got " +
                      std::to_string(scores.size()) + " scores for " +
                      std::to_string(archs.size()) + " architectures");
    }
    std::vector<std::int64_t> first, second;
    std::vector<float> labels;
    for (std::size_t i = 0; i < archs.size(); ++i) {
      for (std::size_t j = i + 1; j < archs.size(); ++j) {
        if (scores[i] == scores[j]) continue;
        first.push_back(static_cast<std::int64_t>(i));
        second.push_back(static_cast<std::int64_t>(j));
        labels.push_back(scores[i] > scores[j] ? 1.0f : 0.0f);
      }
    }
    if (labels.empty()) {
      throw UserError("comparator Fit needs at least two architectures with different scores");
    }
    const GraphBatch graphs = Graphs(archs);
    net_ = NacNet(static_cast<int>(graphs.ops.size(2)), options_);
    predictors::SeedLinearLayers(*net_, MixSeed(seed_, 1));
    net_->train();
    torch::optim::Adam optimizer(
        net_->parameters(),
        torch::optim::AdamOptions(options_.learning_rate).weight_decay(options_.weight_decay));

    // Minibatches walk a shuffled order of all pairs, reshuffled when used up (own Rng, so the
    // global torch generator plays no part).
    Rng rng(MixSeed(seed_, 2));
    const int total = static_cast<int>(labels.size());
    const int batch = std::min(total, options_.batch_pairs);
    std::vector<int> order(static_cast<std::size_t>(total));
    std::iota(order.begin(), order.end(), 0);
    int cursor = total;
    std::vector<std::int64_t> a(static_cast<std::size_t>(batch)), b(a.size());
    std::vector<float> y(a.size());
    for (int step = 0; step < options_.steps; ++step) {
      for (int k = 0; k < batch; ++k) {
        if (cursor == total) {
          for (int i = total - 1; i > 0; --i) std::swap(order[i], order[UniformIndex(rng, i + 1)]);
          cursor = 0;
        }
        const int p = order[static_cast<std::size_t>(cursor++)];
        a[k] = first[p];
        b[k] = second[p];
        y[k] = labels[p];
      }
      const torch::Tensor features = net_->Features(graphs);
      const torch::Tensor logits = net_->Logit(features.index_select(0, Index(a)),
                                               features.index_select(0, Index(b)));
      const torch::Tensor loss = torch::binary_cross_entropy_with_logits(
          logits, torch::from_blob(y.data(), {batch}, torch::kFloat32).clone());
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
    net_->eval();
  }

  double ProbabilityBetter(const Architecture& a, const Architecture& b) override {
    const std::array<Architecture, 1> candidates = {a};
    return ProbabilityBetter(candidates, b).front();
  }

  std::vector<double> ProbabilityBetter(std::span<const Architecture> candidates,
                                        const Architecture& reference) override {
    if (candidates.empty()) return {};
    if (net_.is_empty()) return std::vector<double>(candidates.size(), 0.5);
    torch::NoGradGuard no_grad;
    const torch::Tensor fa = net_->Features(Graphs(candidates));
    const std::array<Architecture, 1> references = {reference};
    const torch::Tensor fb = net_->Features(Graphs(references)).expand_as(fa);
    return ToVector(torch::sigmoid(net_->Logit(fa, fb)));
  }

  std::vector<double> ProbabilityMatrix(std::span<const Architecture> archs) override {
    const auto n = static_cast<std::int64_t>(archs.size());
    if (n == 0) return {};
    if (net_.is_empty()) return std::vector<double>(static_cast<std::size_t>(n * n), 0.5);
    torch::NoGradGuard no_grad;
    const torch::Tensor f = net_->Features(Graphs(archs));
    const std::int64_t h = f.size(1);
    const torch::Tensor fa = f.unsqueeze(1).expand({n, n, h}).reshape({n * n, h});
    const torch::Tensor fb = f.unsqueeze(0).expand({n, n, h}).reshape({n * n, h});
    return ToVector(torch::sigmoid(net_->Logit(fa, fb)));
  }

 private:
  GraphBatch Graphs(std::span<const Architecture> archs) const {
    std::vector<Encoding> encodings;
    encodings.reserve(archs.size());
    for (const Architecture& arch : archs) encodings.push_back(space_.Encode(arch));
    return predictors::MakeGraphBatch(encodings);
  }

  static torch::Tensor Index(std::vector<std::int64_t>& values) {
    return torch::from_blob(values.data(), {static_cast<std::int64_t>(values.size())},
                            torch::kInt64);
  }

  static std::vector<double> ToVector(const torch::Tensor& t) {
    const torch::Tensor c = t.to(torch::kFloat64).contiguous();
    return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
  }

  const SearchSpace& space_;
  std::uint64_t seed_;
  NacOptions options_;
  NacNet net_{nullptr};
};

}  // namespace

std::unique_ptr<Comparator> MakeNeuralComparator(const SearchSpace& space, std::uint64_t seed,
                                                 const NacOptions& options) {
  auto check = [](bool ok, const std::string& what) {
    if (!ok) throw UserError("neural comparator: " + what);
  };
  check(options.hidden >= 1, "hidden must be >= 1, got " + std::to_string(options.hidden));
  check(options.gcn_layers >= 0,
        "gcn_layers must be >= 0, got " + std::to_string(options.gcn_layers));
  check(options.steps >= 1, "steps must be >= 1, got " + std::to_string(options.steps));
  check(options.batch_pairs >= 1,
        "batch_pairs must be >= 1, got " + std::to_string(options.batch_pairs));
  check(options.learning_rate > 0, "learning_rate must be > 0");
  check(options.weight_decay >= 0, "weight_decay must be >= 0");
  return std::make_unique<NeuralComparator>(space, seed, options);
}

ComparatorFactory NeuralComparatorFactory(const NacOptions& options) {
  return [options](const SearchSpace& space, std::uint64_t seed) {
    return MakeNeuralComparator(space, seed, options);
  };
}

ComparatorFactory MakeNeuralComparatorFromOptions(Options& options) {
  NacOptions o;
  o.hidden = static_cast<int>(options.Int("hidden", o.hidden, 1, 4096));
  o.gcn_layers = static_cast<int>(options.Int("gcn_layers", o.gcn_layers, 0, 64));
  o.steps = static_cast<int>(options.Int("steps", o.steps, 1, 1'000'000));
  o.batch_pairs = static_cast<int>(options.Int("batch_pairs", o.batch_pairs, 1, 1'000'000));
  o.learning_rate = options.Number("learning_rate", o.learning_rate, 1e-9, 10.0);
  o.weight_decay = options.Number("weight_decay", o.weight_decay, 0.0, 10.0);
  options.Describe("hidden", "width of the graph convolutions and the pair classifier");
  options.Describe("gcn_layers", "graph-convolution layers over the cell graph");
  options.Describe("steps", "AdamW steps of each fit on pairs of evaluated architectures");
  options.Describe("batch_pairs", "architecture pairs per step");
  options.Describe("learning_rate", "AdamW learning rate");
  options.Describe("weight_decay", "AdamW weight decay");
  return NeuralComparatorFactory(o);
}

}  // namespace sculpt
