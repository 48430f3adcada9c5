#pragma once
// The Neural Architecture Comparator (NAC) of CTNAS (Chen et al., "Contrastive Neural Architecture
// Search with Neural Architecture Comparators", CVPR 2021), in LibTorch, behind the Comparator
// interface of spaces/predictor.h (this header needs no LibTorch).
//
// Model: each node's op (the space's Encode(): adjacency + node_ops) is embedded, a few GCN layers
// propagate along the DAG in both directions (degree-normalised), a mean over nodes gives the
// architecture's feature f; a pair head g maps [fa, fb, fa - fb, fa * fb] to a logit and
// P(a > b) = sigmoid(g(a, b) - g(b, a)), so P(a > b) = 1 - P(b > a) holds by construction and each
// unordered training pair is seen once. Trained with BCE on pairs labelled 1[score_a > score_b]
// by Adam, for a fixed number of steps on minibatches of pairs.
//
// Determinism: parameters are initialised from a torch::Generator seeded with the factory's
// seed (not the global torch seed), and pairs are shuffled by an Rng seeded from it too, so
// Fit(data) gives the same model for the same (seed, data) at a fixed intra-op thread count.
// Every Fit starts again from that initialisation (no warm start), so a strategy can rebuild a
// comparator exactly after a restore. Thread-safety: see spaces/predictor.h.

#include <cstdint>
#include <memory>

#include "spaces/options.h"
#include "spaces/predictor.h"
#include "spaces/search_space.h"

namespace sculpt {

struct NacOptions {
  int hidden = 32;            // width of embeddings, GCN layers and the pair head
  int gcn_layers = 2;
  int steps = 100;            // Adam steps per Fit
  int batch_pairs = 512;      // pairs per step (all pairs when there are fewer)
  double learning_rate = 3e-3;
  double weight_decay = 1e-4;
};

std::unique_ptr<Comparator> MakeNeuralComparator(const SearchSpace& space, std::uint64_t seed,
                                                 const NacOptions& options = {});

// A ComparatorFactory building NACs with `options`.
ComparatorFactory NeuralComparatorFactory(const NacOptions& options = {});

// Reads NacOptions from a config block (hidden, gcn_layers, steps, batch_pairs, learning_rate,
// weight_decay; NacOptions' defaults) and returns NeuralComparatorFactory of them. Does not
// call Finish (the caller also reads the block's "type").
ComparatorFactory MakeNeuralComparatorFromOptions(Options& options);

}  // namespace sculpt
