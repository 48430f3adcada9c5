#include "supernet/transformer/transformer_onnx.h"

#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "spaces/errors.h"

namespace sculpt {
namespace {

// A dense layer's weight [out, in] and bias [out] (never undefined here).
struct DenseWeights {
  at::Tensor weight;
  at::Tensor bias;
};

DenseWeights WeightsOf(const torch::nn::Linear& linear) {
  const at::Tensor bias = linear->bias.defined() ? linear->bias : torch::zeros({linear->weight.size(0)});
  return {linear->weight.detach(), bias.detach()};
}

// `dense` applied to LayerNorm's output x̂ γ + β, as one dense layer on x̂. Computed in double so
// that the folding adds no rounding of its own.
DenseWeights FoldNorm(const torch::nn::LayerNorm& norm, const DenseWeights& dense) {
  const at::Tensor w = dense.weight.to(torch::kFloat64);
  const at::Tensor gamma = norm->weight.detach().to(torch::kFloat64);
  const at::Tensor beta = norm->bias.detach().to(torch::kFloat64);
  return {(w * gamma.unsqueeze(0)).to(torch::kFloat32),
          (dense.bias.to(torch::kFloat64) + w.matmul(beta)).to(torch::kFloat32)};
}

// A learned [1, ...] tensor added to a batch of values, without its leading 1. ONNX broadcasts
// either form alike, but OpenCV 4.6 turns an Add whose constant has the variable's static shape
// (batch 1 included) into an element-wise layer that then refuses any other batch size; a
// constant of lower rank becomes a bias broadcast over the batch.
at::Tensor WithoutBatchAxis(const at::Tensor& value) {
  SCULPT_ASSERT(value.dim() > 1 && value.size(0) == 1,
                "transformer ONNX export: a learned embedding without its leading batch axis of 1");
  return value.detach().squeeze(0);
}

// The width d a LayerNorm normalises over.
std::int64_t Width(const torch::nn::LayerNorm& norm) { return norm->weight.size(0); }

// Rows [first, first + count) of a dense layer.
DenseWeights Rows(const DenseWeights& dense, std::int64_t first, std::int64_t count) {
  return {dense.weight.narrow(0, first, count), dense.bias.narrow(0, first, count)};
}

class Writer {
 public:
  explicit Writer(OnnxGraph& graph) : graph_(graph) {}

  std::string Network(TransformerNetworkImpl& network, const std::string& images) {
    std::string x = Embedding(*network.embedding, images);
    for (auto& [l, layer] : network.layers) {
      const std::string name = "layer" + std::to_string(l);
      if (!layer->attn.is_empty()) x = Attention(x, *layer->attn, name + ".attn");
      if (!layer->ffn.is_empty()) x = Ffn(x, *layer->ffn, name + ".ffn");
    }
    return Head(x, *network.head);
  }

 private:
  std::string Scalar(const std::string& name, double value) {
    return graph_.Constant(name, torch::full({1}, value));
  }

  // x [n, rows, in] -> [n, rows, out]: MatMul with the transposed weight, then the bias.
  std::string Dense(const std::string& x, const DenseWeights& dense, const std::string& name) {
    const std::string product =
        graph_.Node("MatMul", {x, graph_.Constant(name + ".weight", dense.weight.t())},
                    name + ".matmul")
            .Output();
    return graph_.Node("Add", {product, graph_.Constant(name + ".bias", dense.bias)}, name)
        .Output();
  }

  // LayerNorm over the last axis without its scale and shift (the next dense layer holds them,
  // see FoldNorm): (x - mean) / sqrt(var + eps), the biased variance, as at::layer_norm. The mean
  // and the variance are products with constant d x d matrices (centring I - J/d, averaging J/d)
  // rather than ReduceMean and a broadcast Sub: OpenCV 4.6 gives ReduceMean over the last axis
  // of a [n, T, d] value a 4-D shape that its Sub then cannot broadcast, while every value here
  // keeps x's shape and each element-wise op takes two values of one shape.
  std::string Normalise(const std::string& x, std::int64_t d, const std::string& name) {
    const NormMatrices& matrices = NormMatricesOf(d);
    const std::string centred =
        graph_.Node("MatMul", {x, matrices.centring}, name + ".centred").Output();
    const std::string squares =
        graph_.Node("Mul", {centred, centred}, name + ".squares").Output();
    const std::string variance =
        graph_.Node("MatMul", {squares, matrices.averaging}, name + ".variance").Output();
    const std::string shifted =
        graph_.Node("Add", {variance, Scalar(name + ".eps", kTransformerLayerNormEps)},
                    name + ".variance_eps")
            .Output();
    const std::string deviation = graph_.Node("Sqrt", {shifted}, name + ".std").Output();
    return graph_.Node("Div", {centred, deviation}, name).Output();
  }

  // The initializers of the centring and averaging matrices of width d, written once for all
  // the LayerNorms of that width (each is d x d floats, as large as a d x d dense layer).
  struct NormMatrices {
    std::string centring;
    std::string averaging;
  };
  const NormMatrices& NormMatricesOf(std::int64_t d) {
    auto found = norm_matrices_.find(d);
    if (found != norm_matrices_.end()) return found->second;
    const at::Tensor averaging = torch::full({d, d}, 1.0 / static_cast<double>(d), torch::kFloat64);
    const at::Tensor centring = torch::eye(d, torch::kFloat64) - averaging;
    const std::string suffix = std::to_string(d);
    NormMatrices matrices{graph_.Constant("norm.centring" + suffix, centring.to(torch::kFloat32)),
                          graph_.Constant("norm.averaging" + suffix, averaging.to(torch::kFloat32))};
    return norm_matrices_.emplace(d, std::move(matrices)).first->second;
  }

  // Images -> tokens [n, tokens, d]: the patch convolution, its grid flattened into tokens, the
  // class token in front when there is one, plus the position embedding.
  std::string Embedding(TransformerEmbeddingImpl& embedding, const std::string& images) {
    const torch::nn::Conv2dImpl& patch = *embedding.patch;
    const std::int64_t p = embedding.options.patch_size();
    const std::int64_t d = patch.weight.size(0);
    const std::string grid = graph_
                                 .Node("Conv",
                                       {images, graph_.Constant("embedding.patch.weight", patch.weight),
                                        graph_.Constant("embedding.patch.bias", patch.bias)},
                                       "embedding.patch")
                                 .Ints("kernel_shape", {p, p})
                                 .Ints("strides", {p, p})
                                 .Output();
    // [n, d, g, g] -> [n, d, g * g] -> [n, g * g, d]; 0 keeps the (dynamic) batch size.
    const std::string flat =
        graph_.Node("Reshape", {grid, graph_.Int64s("embedding.flat_shape", {0, d, -1})},
                    "embedding.flat")
            .Output();
    std::string tokens =
        graph_.Node("Transpose", {flat}, "embedding.tokens").Ints("perm", {0, 2, 1}).Output();
    if (embedding.class_token.defined()) {
      // The class token, one per image: the first patch token times zero plus the token, a
      // [n, 1, d] value whose batch follows the input's.
      const std::string first =
          graph_
              .Node("Slice",
                    {tokens, graph_.Int64s("embedding.first.starts", {0}),
                     graph_.Int64s("embedding.first.ends", {1}),
                     graph_.Int64s("embedding.first.axes", {1})},
                    "embedding.first")
              .Output();
      const std::string zero =
          graph_.Node("Mul", {first, Scalar("embedding.zero", 0.0)}, "embedding.zero_token")
              .Output();
      const std::string cls =
          graph_
              .Node("Add",
                    {zero, graph_.Constant("embedding.class_token", WithoutBatchAxis(embedding.class_token))},
                    "embedding.class_tokens")
              .Output();
      tokens = graph_.Node("Concat", {cls, tokens}, "embedding.with_class").Int("axis", 1).Output();
    }
    return graph_
        .Node("Add", {tokens, graph_.Constant("embedding.position", WithoutBatchAxis(embedding.position))},
              "embedding")
        .Output();
  }

  // x + proj(MHA(LN(x))), each head on its own: Q, K and V as three dense layers (rows of the
  // fused projection, head-major), softmax(Q K^T) V with the scale in Q, the heads' outputs
  // concatenated in head order as the output projection's columns expect.
  std::string Attention(const std::string& x, TransformerAttentionImpl& attention,
                        const std::string& name) {
    const std::int64_t head_dim = attention.options.head_dim();
    const DenseWeights qkv = FoldNorm(attention.norm, WeightsOf(attention.qkv));
    const std::int64_t heads = qkv.weight.size(0) / (3 * head_dim);
    SCULPT_ASSERT(heads * 3 * head_dim == qkv.weight.size(0),
                  "transformer ONNX export: a Q/K/V projection that is not whole heads");
    const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
    const std::string normalised = Normalise(x, Width(attention.norm), name + ".norm");
    std::vector<std::string> outputs;
    for (std::int64_t h = 0; h < heads; ++h) {
      const std::string head = name + ".head" + std::to_string(h);
      DenseWeights query = Rows(qkv, 3 * h * head_dim, head_dim);
      query = {query.weight * scale, query.bias * scale};
      const std::string q = Dense(normalised, query, head + ".q");
      const std::string k = Dense(normalised, Rows(qkv, (3 * h + 1) * head_dim, head_dim), head + ".k");
      const std::string v = Dense(normalised, Rows(qkv, (3 * h + 2) * head_dim, head_dim), head + ".v");
      const std::string kt =
          graph_.Node("Transpose", {k}, head + ".k_t").Ints("perm", {0, 2, 1}).Output();
      const std::string scores = graph_.Node("MatMul", {q, kt}, head + ".scores").Output();
      const std::string weights =
          graph_.Node("Softmax", {scores}, head + ".softmax").Int("axis", 2).Output();
      outputs.push_back(graph_.Node("MatMul", {weights, v}, head).Output());
    }
    const std::string joined =
        outputs.size() == 1
            ? outputs.front()
            : graph_.Node("Concat", outputs, name + ".heads").Int("axis", 2).Output();
    const std::string projected = Dense(joined, WeightsOf(attention.proj), name + ".proj");
    return graph_.Node("Add", {x, projected}, name).Output();
  }

  // x + fc2(GELU(fc1(LN(x)))), GELU exact: h * 0.5 * (1 + erf(h / sqrt 2)).
  std::string Ffn(const std::string& x, TransformerFfnImpl& ffn, const std::string& name) {
    const std::string h = Dense(Normalise(x, Width(ffn.norm), name + ".norm"), FoldNorm(ffn.norm, WeightsOf(ffn.fc1)),
                                name + ".fc1");
    const std::string scaled =
        graph_.Node("Div", {h, Scalar(name + ".sqrt2", std::sqrt(2.0))}, name + ".gelu.scaled")
            .Output();
    const std::string erf = graph_.Node("Erf", {scaled}, name + ".gelu.erf").Output();
    const std::string one_plus =
        graph_.Node("Add", {erf, Scalar(name + ".one", 1.0)}, name + ".gelu.one_plus").Output();
    const std::string times = graph_.Node("Mul", {h, one_plus}, name + ".gelu.times").Output();
    const std::string gelu =
        graph_.Node("Mul", {times, Scalar(name + ".half", 0.5)}, name + ".gelu").Output();
    const std::string out = Dense(gelu, WeightsOf(ffn.fc2), name + ".fc2");
    return graph_.Node("Add", {x, out}, name).Output();
  }

  // Pooling (the class token, or the mean over tokens of the normalised tokens) and the
  // classifier, with the final LayerNorm's scale and shift folded into it.
  std::string Head(const std::string& x, TransformerHeadImpl& head) {
    std::string pooled;
    if (head.options.class_token()) {
      const std::string first =
          graph_
              .Node("Slice",
                    {x, graph_.Int64s("head.class.starts", {0}), graph_.Int64s("head.class.ends", {1}),
                     graph_.Int64s("head.class.axes", {1})},
                    "head.class")
              .Output();
      const std::string flat = graph_.Node("Flatten", {first}, "head.class_flat").Int("axis", 1).Output();
      pooled = Normalise(flat, Width(head.norm), "head.norm");
    } else {
      pooled = graph_.Node("ReduceMean", {Normalise(x, Width(head.norm), "head.norm")}, "head.pool")
                   .Ints("axes", {1})
                   .Int("keepdims", 0)
                   .Output();
    }
    const DenseWeights classifier = FoldNorm(head.norm, WeightsOf(head.classifier));
    return graph_.Dense(pooled, classifier.weight, classifier.bias, "head.classifier", "logits");
  }

  OnnxGraph& graph_;
  std::map<std::int64_t, NormMatrices> norm_matrices_;
};

}  // namespace

std::string TransformerToOnnx(TransformerNetworkImpl& network, OnnxGraph& graph,
                              const std::string& input) {
  return Writer(graph).Network(network, input);
}

}  // namespace sculpt
