#include "predictors/mlp_predictor.h"

#include <cmath>
#include <string>

#include "predictors/torch_tensors.h"
#include "spaces/errors.h"
#include "spaces/rng.h"

namespace sculpt {
namespace {

class MlpPredictor final : public Predictor {
 public:
  MlpPredictor(const SearchSpace& space, std::uint64_t seed, const MlpPredictorOptions& options)
      : space_(space), seed_(seed), options_(options) {}

  void Fit(std::span<const Architecture> archs, std::span<const double> scores) override {
    if (archs.size() != scores.size() || archs.size() < 2) {
      throw UserError("predictor Fit needs at least two architectures and one score each, got " +
                      std::to_string(archs.size()) + " architectures and " +
                      std::to_string(scores.size()) + " scores");
    }
    double mean = 0, var = 0;
    for (double s : scores) mean += s;
    mean /= static_cast<double>(scores.size());
    for (double s : scores) var += (s - mean) * (s - mean);
    mean_ = mean;
    // A constant target still trains (to 0); the scale only avoids dividing by zero.
    scale_ = var > 0 ? std::sqrt(var / static_cast<double>(scores.size())) : 1.0;
    std::vector<float> targets;
    targets.reserve(scores.size());
    for (double s : scores) targets.push_back(static_cast<float>((s - mean_) / scale_));

    const torch::Tensor x = Inputs(archs);
    const torch::Tensor y =
        torch::from_blob(targets.data(), {static_cast<std::int64_t>(targets.size())},
                         torch::kFloat32)
            .clone();
    net_ = torch::nn::Sequential();
    std::int64_t width = x.size(1);
    for (int l = 0; l < options_.layers; ++l) {
      net_->push_back(torch::nn::Linear(width, options_.hidden));
      net_->push_back(torch::nn::ReLU());
      width = options_.hidden;
    }
    net_->push_back(torch::nn::Linear(width, 1));
    predictors::SeedLinearLayers(*net_, MixSeed(seed_, 1));
    torch::optim::Adam optimizer(
        net_->parameters(),
        torch::optim::AdamOptions(options_.learning_rate).weight_decay(options_.weight_decay));
    for (int step = 0; step < options_.steps; ++step) {
      const torch::Tensor loss = torch::mse_loss(net_->forward(x).squeeze(1), y);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
  }

  std::vector<double> Predict(std::span<const Architecture> archs) override {
    if (net_.is_empty()) throw UserError("predictor: Predict called before Fit");
    if (archs.empty()) return {};
    torch::NoGradGuard no_grad;
    const torch::Tensor out =
        net_->forward(Inputs(archs)).squeeze(1).to(torch::kFloat64).contiguous();
    std::vector<double> predictions(out.data_ptr<double>(), out.data_ptr<double>() + out.numel());
    for (double& p : predictions) p = p * scale_ + mean_;
    return predictions;
  }

 private:
  torch::Tensor Inputs(std::span<const Architecture> archs) const {
    std::vector<Encoding> encodings;
    encodings.reserve(archs.size());
    for (const Architecture& arch : archs) encodings.push_back(space_.Encode(arch));
    return predictors::MakeVectorBatch(encodings);
  }

  const SearchSpace& space_;
  std::uint64_t seed_;
  MlpPredictorOptions options_;
  torch::nn::Sequential net_{nullptr};
  double mean_ = 0;
  double scale_ = 1;
};

}  // namespace

std::unique_ptr<Predictor> MakeMlpPredictor(const SearchSpace& space, std::uint64_t seed,
                                            const MlpPredictorOptions& options) {
  if (options.hidden < 1 || options.layers < 0 || options.steps < 1 ||
      !(options.learning_rate > 0) || options.weight_decay < 0) {
    throw UserError("mlp predictor: expected hidden >= 1, layers >= 0, steps >= 1, "
                    "learning_rate > 0, weight_decay >= 0");
  }
  return std::make_unique<MlpPredictor>(space, seed, options);
}

}  // namespace sculpt
