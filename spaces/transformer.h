#pragma once
// The vision-transformer space ("transformer"): pre-norm ViT encoders on square images, with
// AutoFormer/HAT-style choices. The macro skeleton (from the config's space block) fixes the
// patch size, the maximum number of layers L, the choice lists and the head dimension; an
// architecture chooses
//   - per network: the embedding dimension d (one of embed_dims);
//   - per layer l < L: the number of attention heads (one of heads; 0 = the layer has no
//     attention) and the FFN hidden size (one of ffn_dims; 0 = no FFN). A layer with neither is
//     the identity and vanishes from the network: that is how depth is chosen.
// The network: patch embedding (a linear map of each p x p patch to d, as a stride-p conv) plus
// a learned position embedding (and a class token when pooling is "cls"); each layer
//   x = x + Attn(LN(x))   (when heads > 0: Q, K, V: d -> heads*head_dim, output proj -> d)
//   x = x + FFN(LN(x))    (when ffn > 0: d -> ffn, GELU, ffn -> d)
// then a final LayerNorm, mean pooling over the tokens (or the class token) and a linear head.
//
// An Architecture of this space has 1 + 2L choices, indices into the skeleton's lists:
//   choices[0] = embedding index, choices[1 + 2l] = heads index of layer l,
//   choices[2 + 2l] = FFN index of layer l.
// String form (documented in docs/SPACES.md): "d96|h4:f256|h0:f384|h2:f0|h0:f0" — the embedding
// dimension, then every layer's heads and FFN size, all L layers in order.
// Canonical form: the embedding dimension and the sublayers that exist, in order
// ("d96|attn_h4|ffn_256|ffn_384|attn_h2"): identity layers vanish, and since every sublayer is
// its own residual block with its own LayerNorm, "h2:f0|h0:f128" is the same network as
// "h2:f128|h0:f0".
// Thread-safety: value types and pure functions.

#include <memory>
#include <string>
#include <vector>

#include "spaces/architecture.h"
#include "spaces/latency_lookup.h"
#include "spaces/options.h"
#include "spaces/search_space.h"

namespace sculpt::transformer {

struct Skeleton {
  int input_channels = 1;
  int input_size = 28;  // square images: height = width
  int patch_size = 4;   // must divide input_size
  int layers = 6;       // L, the maximum depth
  std::vector<int> embed_dims = {64, 96, 128};      // ascending, distinct, > 0
  std::vector<int> heads = {0, 1, 2, 4};            // ascending, distinct, >= 0
  std::vector<int> ffn_dims = {0, 128, 256, 384};   // ascending, distinct, >= 0
  int head_dim = 16;     // per attention head
  int classes = 10;
  bool class_token = false;  // pooling "cls" (true) or "mean" (false)
  // Layers per block of a block-wise supernet (the family's blocks: supernet/transformer/
  // transformer_network.h); the last block takes what is left. Changes no network.
  int block_layers = 2;
  // Each block's layers, in order, when the blocks are not such equal groups (SetBlockSizes);
  // empty otherwise. Adds up to `layers` in a valid skeleton.
  std::vector<int> block_sizes;

  int Patches() const { return (input_size / patch_size) * (input_size / patch_size); }
  // Sequence length: the patches, plus the class token when there is one.
  int Tokens() const { return Patches() + (class_token ? 1 : 0); }
};

// The sizes one architecture chooses.
struct Layer {
  int heads = 0;  // 0: no attention
  int ffn = 0;    // 0: no FFN
  bool Identity() const { return heads == 0 && ffn == 0; }
};
struct Sizes {
  int embed = 0;
  std::vector<Layer> layers;  // all L layers, identities included
};

// Throws UserError unless `arch` has 1 + 2L choices, each an index into its list.
Sizes Decode(const Architecture& arch, const Skeleton& skeleton);

// Every trainable tensor of the network (biases and LayerNorm affine weights included); equal to
// the parameter count of the LibTorch network the transformer family builds. With d the chosen
// embedding dimension, c = input_channels, p = patch_size, T = Tokens(), C = classes and
// a = heads * head_dim for a layer's heads:
//   patch embedding (Conv2d c -> d, kernel = stride = p, bias)   c*p*p*d + d
//   position embedding                                           T*d
//   class token (pooling "cls" only)                             d
//   each layer with heads > 0: LayerNorm 2d; Q, K, V each d*a + a; output projection a*d + d
//   each layer with ffn f > 0: LayerNorm 2d; fc1 d*f + f; fc2 f*d + d
//   final LayerNorm                                              2d
//   head Linear(d, C)                                            d*C + C
// Identity sublayers (heads 0, ffn 0) have no parameters at all, not even their LayerNorm.
double CountParams(const Architecture& arch, const Skeleton& skeleton);
// Multiply-accumulates of one forward pass of one image: every linear map (patch embedding,
// Q/K/V, attention scores and weighted sum, projection, FFN, head), a bias counting one per
// output as nb201 counts it (in*out + out per token; the patch embedding per patch); scores and
// the weighted sum cost T*T*a each. LayerNorm, softmax, GELU, pooling and additions are not
// counted. Formulas: transformer_cost.cc and docs/SPACES.md.
double CountFlops(const Architecture& arch, const Skeleton& skeleton);

// The same counts for any sizes on the skeleton's image, patch, head and class settings, such
// as a pruned network's (spaces/prune.h), whose head and FFN counts need not be in the lists.
double CountParams(const Sizes& sizes, const Skeleton& skeleton);
double CountFlops(const Sizes& sizes, const Skeleton& skeleton);

// Sets the skeleton's blocks to `sizes` layers each, in order: as block_layers where they are
// equal groups (so that such a skeleton, and the fingerprints made of it, read the same as one
// given block_layers), as block_sizes otherwise. FindProblems reports sizes that do not add up.
void SetBlockSizes(Skeleton& skeleton, const std::vector<int>& sizes);
// What is wrong with blocks of `sizes` layers on a skeleton of `layers` layers (an empty block,
// sizes that do not add up); empty when nothing is.
std::string BlockSizesProblem(const std::vector<int>& sizes, int layers);

// Throws UserError naming the key when networks cannot be built on `skeleton` (a patch size
// that does not divide the image, an empty or unsorted choice list, a size below its minimum).
void ValidateSkeleton(const Skeleton& skeleton);

// Reads input_channels, input_size, patch_size, layers, embed_dims, heads, ffn_dims, head_dim,
// classes, pooling ("mean" | "cls") and block_layers (a count, or each block's layers as a
// list); errors go to `options`.
Skeleton ReadSkeleton(Options& options);

// Latency lookup (spaces/latency_lookup.h): the parts of a network a table times, by key:
//   "embed/d<d>"        patch embedding, position embedding (and class token) at dimension d;
//   "attn/d<d>/h<h>"    one pre-norm attention sublayer with its residual, h > 0 heads;
//   "ffn/d<d>/f<f>"     one pre-norm FFN sublayer with its residual, hidden size f > 0;
//   "head/d<d>"         final LayerNorm, pooling and the linear head;
//   "overhead/d<d>"     a whole network of identity layers minus its embed and head parts.
// A network's predicted latency is the sum of its terms.
std::vector<LatencyTerm> LatencyTerms(const Architecture& arch, const Skeleton& skeleton);
// Every key LatencyTerms can name on `skeleton`, in a fixed order.
std::vector<std::string> LatencyKeys(const Skeleton& skeleton);

std::unique_ptr<SearchSpace> MakeSpace(const Skeleton& skeleton);
// The space with a latency table measured for `skeleton`: Cost() also gives latency_lut_ms.
// Throws UserError when the table was made for another family or skeleton.
std::unique_ptr<SearchSpace> MakeSpace(const Skeleton& skeleton,
                                       std::shared_ptr<const LatencyLookup> latency_table);

// Factory for the registry: the skeleton, and the optional "latency_table" (a JSON file
// `sculpt latency` writes; relative to the working directory, as for nb201).
std::unique_ptr<SearchSpace> MakeSpaceFromOptions(Options& options);

// The skeleton as a JSON object of its config keys (what tables and exports record).
nlohmann::json SkeletonJson(const Skeleton& skeleton);

}  // namespace sculpt::transformer
