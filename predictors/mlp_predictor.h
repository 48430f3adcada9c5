#pragma once
// A regression predictor: an MLP on the space's vector encoding (one-hot per decision), trained
// in LibTorch with MSE on standardised scores (predictions are mapped back to the score scale).
// The usual baseline against which comparators are measured (e.g. NASLib's MLP predictor).
// Determinism and thread-safety as for the comparator (see neural_comparator.h): seeded
// initialisation from a torch::Generator, every Fit starts again from it.

#include <cstdint>
#include <memory>

#include "spaces/predictor.h"
#include "spaces/search_space.h"

namespace sculpt {

struct MlpPredictorOptions {
  int hidden = 64;
  int layers = 2;  // hidden layers
  int steps = 300;  // full-batch Adam steps per Fit
  double learning_rate = 3e-3;
  double weight_decay = 1e-4;
};

std::unique_ptr<Predictor> MakeMlpPredictor(const SearchSpace& space, std::uint64_t seed,
                                            const MlpPredictorOptions& options = {});

}  // namespace sculpt
