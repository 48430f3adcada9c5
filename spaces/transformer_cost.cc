// Analytic parameter and FLOP counts of the transformer space's network, and the parts its
// latency lookup table times. The network is described in spaces/transformer.h; the counts
// follow it tensor by tensor so that CountParams equals the parameter count of the LibTorch
// network the transformer family builds (its tests compare the two), with d the embedding
// dimension, a = heads * head_dim, c = input_channels, p = patch_size, P = Patches(),
// T = Tokens() and C = classes:
//   patch embedding  Conv2d(c, d, kernel = stride = p), bias:  c*p*p*d + d
//   position embedding                                          T*d
//   class token (pooling "cls" only)                            d
//   per layer with heads > 0: LayerNorm 2d; Q, K, V each d*a + a; projection a*d + d
//   per layer with ffn f > 0: LayerNorm 2d; fc1 d*f + f; fc2 f*d + d
//   final LayerNorm                                             2d
//   head Linear(d, C)                                           d*C + C
// FLOPs are multiply-accumulates of one image, counted as the project counts them for nb201
// (the hooks of NAS-Bench-201's get_model_infos): a Linear or conv costs in*out + out per output
// position (its bias counts as one per output), and so
//   patch embedding   P * (c*p*p*d + d)
//   attention         T * 3 * (d*a + a)      Q, K, V
//                     2 * T*T*a              scores Q K^T, and the weighted sum of V
//                     T * (a*d + d)          projection
//   FFN               T * (d*f + f) + T * (f*d + d)
//   head              d*C + C
// LayerNorm, softmax, GELU, the position-embedding add, pooling and the residual additions
// are not counted. Counts are doubles: exact below 2^53, which every buildable network is, and
// free of integer overflow on an absurd skeleton.

#include <string>
#include <vector>

#include "spaces/transformer.h"

namespace sculpt::transformer {
namespace {

struct Counts {
  double params = 0;
  double flops = 0;
};

Counts CountNetwork(const Sizes& sizes, const Skeleton& skeleton) {
  const double d = sizes.embed;
  const double c = skeleton.input_channels;
  const double p = skeleton.patch_size;
  const double patches = skeleton.Patches();
  const double tokens = skeleton.Tokens();
  const double classes = skeleton.classes;

  Counts counts;
  const double patch_linear = c * p * p * d + d;
  counts.params += patch_linear + tokens * d + (skeleton.class_token ? d : 0);
  counts.flops += patches * patch_linear;
  for (const Layer& layer : sizes.layers) {
    if (layer.heads > 0) {
      const double a = static_cast<double>(layer.heads) * skeleton.head_dim;
      const double qkv = d * a + a;
      const double projection = a * d + d;
      counts.params += 2 * d + 3 * qkv + projection;
      counts.flops += tokens * 3 * qkv + 2 * tokens * tokens * a + tokens * projection;
    }
    if (layer.ffn > 0) {
      const double f = layer.ffn;
      const double fc1 = d * f + f;
      const double fc2 = f * d + d;
      counts.params += 2 * d + fc1 + fc2;
      counts.flops += tokens * (fc1 + fc2);
    }
  }
  const double head = d * classes + classes;
  counts.params += 2 * d + head;
  counts.flops += head;
  return counts;
}

std::string EmbedKey(int d) { return "embed/d" + std::to_string(d); }
std::string AttnKey(int d, int heads) {
  return "attn/d" + std::to_string(d) + "/h" + std::to_string(heads);
}
std::string FfnKey(int d, int ffn) {
  return "ffn/d" + std::to_string(d) + "/f" + std::to_string(ffn);
}
std::string HeadKey(int d) { return "head/d" + std::to_string(d); }
std::string OverheadKey(int d) { return "overhead/d" + std::to_string(d); }

}  // namespace

double CountParams(const Architecture& arch, const Skeleton& skeleton) {
  ValidateSkeleton(skeleton);
  return CountNetwork(Decode(arch, skeleton), skeleton).params;
}

double CountFlops(const Architecture& arch, const Skeleton& skeleton) {
  ValidateSkeleton(skeleton);
  return CountNetwork(Decode(arch, skeleton), skeleton).flops;
}

double CountParams(const Sizes& sizes, const Skeleton& skeleton) {
  return CountNetwork(sizes, skeleton).params;
}

double CountFlops(const Sizes& sizes, const Skeleton& skeleton) {
  return CountNetwork(sizes, skeleton).flops;
}

// In the order the network runs them; one term per part (count 1), so a reader of the terms
// sees the network.
std::vector<LatencyTerm> LatencyTerms(const Architecture& arch, const Skeleton& skeleton) {
  const Sizes sizes = Decode(arch, skeleton);
  const int d = sizes.embed;
  std::vector<LatencyTerm> terms;
  terms.reserve(3 + 2 * sizes.layers.size());
  terms.push_back({EmbedKey(d), 1});
  for (const Layer& layer : sizes.layers) {
    if (layer.heads > 0) terms.push_back({AttnKey(d, layer.heads), 1});
    if (layer.ffn > 0) terms.push_back({FfnKey(d, layer.ffn), 1});
  }
  terms.push_back({HeadKey(d), 1});
  terms.push_back({OverheadKey(d), 1});
  return terms;
}

// Grouped by embedding dimension (ascending), each group in network order: embed, attention
// by heads, FFN by size, head, overhead.
std::vector<std::string> LatencyKeys(const Skeleton& skeleton) {
  std::vector<std::string> keys;
  for (int d : skeleton.embed_dims) {
    keys.push_back(EmbedKey(d));
    for (int heads : skeleton.heads) {
      if (heads > 0) keys.push_back(AttnKey(d, heads));
    }
    for (int ffn : skeleton.ffn_dims) {
      if (ffn > 0) keys.push_back(FfnKey(d, ffn));
    }
    keys.push_back(HeadKey(d));
    keys.push_back(OverheadKey(d));
  }
  return keys;
}

}  // namespace sculpt::transformer
