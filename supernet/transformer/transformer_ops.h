#pragma once
// The building blocks of the transformer family's networks (spaces/transformer.h), in the
// PyTorch C++ frontend style. Each block holds its weights at the sizes it was built with and
// runs at any smaller size on the leading slices of them (Once-for-All's dynamic layers,
// AutoFormer's weight entanglement): embedding dimension d uses the first d channels of every
// d-sized axis, h heads the first h heads, an FFN of f units the first f units. A stand-alone
// network builds its blocks at exactly its sizes and runs them whole; the supernet builds them at
// the skeleton's largest sizes and runs each architecture on slices, through the same code, so
// the two compute the same function from the same numbers.
//
// Parameter layout (what makes every slice a leading one, so that extraction is a copy of
// x[:a, :b, ...] for every tensor, matched by name):
//  - the fused Q/K/V projection's rows are head-major: head i owns rows
//    [3 * i * head_dim, 3 * (i + 1) * head_dim), its query, key and value rows in that order,
//    so the first h heads are the first 3 * h * head_dim rows;
//  - the output projection's columns are head-major too ([head][head_dim]);
//  - every weight's input axis of size d is its last one, and every LayerNorm, bias or embedding
//    of size d is its last axis as well.
// A forward infers the active embedding dimension from its input's last axis.
//
// Thread-safety: as any torch::nn::Module. forward() reads parameters only (no buffers, no
// running statistics), so after training it may run on several threads at once, each under its
// own grad mode.

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace sculpt {

// The two kernels the blocks run on (exposed for tests). Why not at::linear and at::matmul: ATen
// sends float matrix products to the system BLAS, which for Debian's LibTorch is the netlib
// reference BLAS (1-3 GFLOP/s), while the oneDNN library LibTorch loads for convolutions exports
// an optimised sgemm (dnnl_sgemm, 15-30x faster at a transformer's sizes). So both kernels run
// their products, forward and backward, through dnnl_sgemm when the process has it (looked up at
// run time: Debian ships no oneDNN headers) and through ATen otherwise (a LibTorch that hides its
// oneDNN is built with MKL, whose BLAS is fast). The two give the same results up to float
// rounding. Both are re-entrant.
//
// x W^T + b over the last axis ([..., k] -> [..., out]). `weight` may be a leading block of a
// larger matrix (it is used in place); `bias` may be undefined.
at::Tensor Dense(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);
// The heads' attention, softmax(Q K^T / sqrt(head_dim)) V, on the output of the fused Q/K/V
// projection, qkv [n, tokens, 3 * heads * head_dim] (head-major, see above) -> [n, tokens,
// heads * head_dim] (head-major).
at::Tensor MultiHeadAttention(const at::Tensor& qkv, std::int64_t heads, std::int64_t head_dim);

// LayerNorm's epsilon everywhere (PyTorch's default).
inline constexpr double kTransformerLayerNormEps = 1e-5;

struct TransformerEmbeddingOptions {
  TransformerEmbeddingOptions(std::int64_t input_channels, std::int64_t input_size,
                              std::int64_t patch_size, std::int64_t embed)
      : input_channels_(input_channels),
        input_size_(input_size),
        patch_size_(patch_size),
        embed_(embed) {}
  TORCH_ARG(std::int64_t, input_channels);
  TORCH_ARG(std::int64_t, input_size);  // square images; a multiple of patch_size
  TORCH_ARG(std::int64_t, patch_size);
  TORCH_ARG(std::int64_t, embed);  // the largest embedding dimension it runs at
  TORCH_ARG(bool, class_token) = false;
};

// Images -> tokens: each patch_size x patch_size patch mapped linearly to d channels (a
// stride-patch_size Conv2d with bias), a class token in front when there is one, plus a learned
// position embedding over all tokens.
class TransformerEmbeddingImpl : public torch::nn::Cloneable<TransformerEmbeddingImpl> {
 public:
  explicit TransformerEmbeddingImpl(TransformerEmbeddingOptions options);
  void reset() override;
  // [n, c, s, s] -> [n, tokens, embed], embed <= options.embed().
  at::Tensor forward(const at::Tensor& images, std::int64_t embed);

  TransformerEmbeddingOptions options;
  torch::nn::Conv2d patch{nullptr};  // weight [E, c, p, p], bias [E]
  at::Tensor position;               // [1, tokens, E]
  at::Tensor class_token;            // [1, 1, E]; undefined without a class token
};
TORCH_MODULE(TransformerEmbedding);

struct TransformerAttentionOptions {
  TransformerAttentionOptions(std::int64_t embed, std::int64_t heads, std::int64_t head_dim)
      : embed_(embed), heads_(heads), head_dim_(head_dim) {}
  TORCH_ARG(std::int64_t, embed);
  TORCH_ARG(std::int64_t, heads);  // > 0: the most heads it runs with
  TORCH_ARG(std::int64_t, head_dim);
};

// The pre-norm attention sublayer with its residual: x + proj(MHA(LN(x))), softmax(QK^T /
// sqrt(head_dim)) V per head.
class TransformerAttentionImpl : public torch::nn::Cloneable<TransformerAttentionImpl> {
 public:
  explicit TransformerAttentionImpl(TransformerAttentionOptions options);
  void reset() override;
  // x [n, tokens, d] -> [n, tokens, d] with the first `heads` (1..options.heads()) heads.
  // `keep` ([n, heads] of 0 and 1, or undefined: all) zeroes head i's output for image j where
  // keep[j][i] is 0 (head drop in training, transformer_network.h).
  at::Tensor forward(const at::Tensor& x, std::int64_t heads, const at::Tensor& keep = {});

  TransformerAttentionOptions options;
  torch::nn::LayerNorm norm{nullptr};  // [E]
  torch::nn::Linear qkv{nullptr};      // [3 * H * head_dim, E], rows head-major (file comment)
  torch::nn::Linear proj{nullptr};     // [E, H * head_dim]
};
TORCH_MODULE(TransformerAttention);

struct TransformerFfnOptions {
  TransformerFfnOptions(std::int64_t embed, std::int64_t hidden) : embed_(embed), hidden_(hidden) {}
  TORCH_ARG(std::int64_t, embed);
  TORCH_ARG(std::int64_t, hidden);  // > 0: the most hidden units it runs with
};

// The pre-norm FFN sublayer with its residual: x + fc2(GELU(fc1(LN(x)))).
class TransformerFfnImpl : public torch::nn::Cloneable<TransformerFfnImpl> {
 public:
  explicit TransformerFfnImpl(TransformerFfnOptions options);
  void reset() override;
  // x [n, tokens, d] -> [n, tokens, d] with the first `hidden` (1..options.hidden()) units.
  at::Tensor forward(const at::Tensor& x, std::int64_t hidden);

  TransformerFfnOptions options;
  torch::nn::LayerNorm norm{nullptr};  // [E]
  torch::nn::Linear fc1{nullptr};      // [F, E]
  torch::nn::Linear fc2{nullptr};      // [E, F]
};
TORCH_MODULE(TransformerFfn);

struct TransformerLayerOptions {
  TransformerLayerOptions(std::int64_t embed, std::int64_t heads, std::int64_t ffn,
                          std::int64_t head_dim)
      : embed_(embed), heads_(heads), ffn_(ffn), head_dim_(head_dim) {}
  TORCH_ARG(std::int64_t, embed);
  TORCH_ARG(std::int64_t, heads);  // 0: no attention sublayer is built
  TORCH_ARG(std::int64_t, ffn);    // 0: no FFN sublayer is built
  TORCH_ARG(std::int64_t, head_dim);
};

// One encoder layer: the attention sublayer, then the FFN sublayer; either may be absent.
class TransformerLayerImpl : public torch::nn::Cloneable<TransformerLayerImpl> {
 public:
  explicit TransformerLayerImpl(TransformerLayerOptions options);
  void reset() override;
  // Runs the first `heads` heads (0: skips attention) and `ffn` units (0: skips the FFN); a
  // positive size needs the sublayer to exist and be at least that large. `keep`: the attention
  // sublayer's (TransformerAttentionImpl::forward).
  at::Tensor forward(const at::Tensor& x, std::int64_t heads, std::int64_t ffn,
                     const at::Tensor& keep = {});

  TransformerLayerOptions options;
  TransformerAttention attn{nullptr};
  TransformerFfn ffn{nullptr};
};
TORCH_MODULE(TransformerLayer);

struct TransformerHeadOptions {
  TransformerHeadOptions(std::int64_t embed, std::int64_t classes)
      : embed_(embed), classes_(classes) {}
  TORCH_ARG(std::int64_t, embed);
  TORCH_ARG(std::int64_t, classes);
  TORCH_ARG(bool, class_token) = false;  // pool the class token (token 0) instead of the mean
};

// Final LayerNorm, pooling and the linear classifier.
class TransformerHeadImpl : public torch::nn::Cloneable<TransformerHeadImpl> {
 public:
  explicit TransformerHeadImpl(TransformerHeadOptions options);
  void reset() override;
  // [n, tokens, d] -> logits [n, classes].
  at::Tensor forward(const at::Tensor& x);

  TransformerHeadOptions options;
  torch::nn::LayerNorm norm{nullptr};     // [E]
  torch::nn::Linear classifier{nullptr};  // [classes, E]
};
TORCH_MODULE(TransformerHead);

// Re-draws every weight of `module` (a network or supernet made of the blocks above) from a
// generator seeded with `seed`, in registration order, as the original ViT: linear weights
// Xavier-uniform (Q, K and V each as its own map), the position embedding and the class token
// from a normal of std 0.02 truncated at two std, the patch embedding uniform in +-1/sqrt(fan_in)
// (PyTorch's conv default), biases 0, LayerNorm weights 1. A supernet draws at its largest sizes.
// The same seed gives the same weights on any thread, without LibTorch's global generator.
void InitializeTransformerWeights(torch::nn::Module& module, std::uint64_t seed);

// Copies into every parameter of `to` the leading slice of the same-named parameter of `from`
// (x[:a, :b, ...] with `to`'s sizes): extraction of a path from a supernet whose blocks are
// named as the network's. Throws InternalError when a name is missing or a source is smaller.
void CopyLeadingSlices(const torch::nn::Module& from, torch::nn::Module& to);

}  // namespace sculpt
