#include "supernet/transformer/transformer_ops.h"

#include <dlfcn.h>

#include <cmath>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/autograd.h>
#include <torch/utils.h>

#include "spaces/errors.h"

namespace sculpt {
namespace {

// The first n entries of axis `dim`; the tensor itself when that is all of it, so that a block
// run at its full size (every stand-alone network, the supernet's largest path) has no slicing
// in its autograd graph.
at::Tensor Leading(const at::Tensor& tensor, std::int64_t dim, std::int64_t n) {
  return tensor.size(dim) == n ? tensor : tensor.narrow(dim, 0, n);
}

// The leading rows x columns block of a weight matrix.
at::Tensor Leading2(const at::Tensor& weight, std::int64_t rows, std::int64_t columns) {
  return Leading(Leading(weight, 0, rows), 1, columns);
}

at::Tensor Norm(const at::Tensor& x, const torch::nn::LayerNorm& norm) {
  const std::int64_t d = x.size(-1);
  return at::layer_norm(x, {d}, Leading(norm->weight, 0, d), Leading(norm->bias, 0, d),
                        kTransformerLayerNormEps);
}

torch::nn::LayerNorm MakeNorm(std::int64_t embed) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({embed}).eps(kTransformerLayerNormEps));
}

// ---- Matrix products (see the header for why not ATen's) ---------------------------------------

// dnnl_sgemm from oneDNN's C API (dnnl.h): row-major C = alpha op(A) op(B) + beta C, 0 on
// success. Debian ships no oneDNN headers, so it is declared here and looked up at run time.
using SgemmFunction = int (*)(char transa, char transb, std::int64_t m, std::int64_t n,
                              std::int64_t k, float alpha, const float* a, std::int64_t lda,
                              const float* b, std::int64_t ldb, float beta, float* c,
                              std::int64_t ldc);

// oneDNN's sgemm when the process has it (a LibTorch linked to a shared libdnnl), else null.
SgemmFunction OneDnnSgemm() {
  static const auto sgemm = reinterpret_cast<SgemmFunction>(dlsym(RTLD_DEFAULT, "dnnl_sgemm"));
  return sgemm;
}

bool UseOneDnn(const at::Tensor& x) {
  return OneDnnSgemm() != nullptr && x.scalar_type() == at::kFloat && x.device().is_cpu();
}

// op(A) [m, k] times op(B) [k, n] into C [m, n], every matrix row-major with unit column
// stride and the given row strides.
void Sgemm(char transa, char transb, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
           const float* a, std::int64_t lda, const float* b, std::int64_t ldb, double beta,
           float* c, std::int64_t ldc) {
  // dnnl_sgemm parallelises with OpenMP, whose thread count is per thread: set it to LibTorch's
  // on a thread that has not run a parallel ATen op yet (an engine worker's first product).
  at::internal::lazy_init_num_threads();
  const int status = OneDnnSgemm()(transa, transb, m, n, k, static_cast<float>(alpha), a, lda, b,
                                   ldb, static_cast<float>(beta), c, ldc);
  SCULPT_ASSERT(status == 0, "dnnl_sgemm failed with status " + std::to_string(status));
}

// A matrix operand as dnnl_sgemm takes it: unit column stride, a row stride of at least a row. A
// leading block of a contiguous weight (a slice of the supernet's) qualifies as it is; anything
// else is copied (not with contiguous(), which passes a single row of any stride).
at::Tensor AsOperand(const at::Tensor& matrix) {
  if (matrix.stride(1) == 1 && matrix.stride(0) >= matrix.size(1)) return matrix;
  return at::empty(matrix.sizes(), matrix.options()).copy_(matrix);
}

// x W^T + b through dnnl_sgemm, forward and backward. No bias is an empty `bias` (autograd
// functions take no undefined inputs).
class DenseFunction : public torch::autograd::Function<DenseFunction> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* context, const at::Tensor& x,
                            const at::Tensor& weight, const at::Tensor& bias) {
    const std::int64_t k = x.size(-1);
    const at::Tensor rows = x.reshape({-1, k}).contiguous();
    const at::Tensor w = AsOperand(weight);
    const std::int64_t m = rows.size(0);
    const std::int64_t out = w.size(0);
    const bool has_bias = bias.numel() > 0;
    // The bias rows are the product's initial C (beta 1). A fresh tensor: for one row,
    // expand().contiguous() would be a view of the bias itself, and the product would land there.
    at::Tensor y = at::empty({m, out}, x.options());
    if (has_bias) y.copy_(bias.expand({m, out}));
    Sgemm('N', 'T', m, out, k, 1.0, rows.data_ptr<float>(), k, w.data_ptr<float>(), w.stride(0),
          has_bias ? 1.0 : 0.0, y.data_ptr<float>(), out);
    context->save_for_backward({rows, w});
    context->saved_data["bias"] = has_bias;
    std::vector<std::int64_t> shape = x.sizes().vec();
    shape.back() = out;
    return y.view(shape);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list grads) {
    const auto saved = context->get_saved_variables();
    const at::Tensor& rows = saved[0];
    const at::Tensor& w = saved[1];
    const std::int64_t m = rows.size(0);
    const std::int64_t k = rows.size(1);
    const std::int64_t out = w.size(0);
    const at::Tensor g = grads[0].reshape({m, out}).contiguous();
    at::Tensor d_x;
    at::Tensor d_w;
    at::Tensor d_b;
    if (context->needs_input_grad(0)) {
      d_x = at::empty({m, k}, g.options());
      Sgemm('N', 'N', m, k, out, 1.0, g.data_ptr<float>(), out, w.data_ptr<float>(), w.stride(0),
            0.0, d_x.data_ptr<float>(), k);
      std::vector<std::int64_t> shape = grads[0].sizes().vec();
      shape.back() = k;
      d_x = d_x.view(shape);
    }
    if (context->needs_input_grad(1)) {
      d_w = at::empty({out, k}, g.options());
      Sgemm('T', 'N', out, k, m, 1.0, g.data_ptr<float>(), out, rows.data_ptr<float>(), k, 0.0,
            d_w.data_ptr<float>(), k);
    }
    if (context->saved_data["bias"].toBool() && context->needs_input_grad(2)) d_b = g.sum(0);
    return {d_x, d_w, d_b};
  }
};

// c[i] = alpha op(a[i]) op(b[i]) for batches of contiguous matrices, c [batch, m, n] contiguous;
// the batch is split over the intra-op threads (each product is too small to split).
void BatchedSgemm(char transa, char transb, const at::Tensor& a, const at::Tensor& b, double alpha,
                  const at::Tensor& c) {
  SCULPT_ASSERT(a.is_contiguous() && b.is_contiguous() && c.is_contiguous(),
                "BatchedSgemm takes contiguous batches");
  const std::int64_t m = c.size(1);
  const std::int64_t n = c.size(2);
  const std::int64_t k = transa == 'N' ? a.size(2) : a.size(1);
  const std::int64_t lda = a.size(2);
  const std::int64_t ldb = b.size(2);
  const float* pa = a.data_ptr<float>();
  const float* pb = b.data_ptr<float>();
  float* pc = c.data_ptr<float>();
  const std::int64_t sa = a.size(1) * a.size(2);
  const std::int64_t sb = b.size(1) * b.size(2);
  at::parallel_for(0, c.size(0), /*grain_size=*/16, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      Sgemm(transa, transb, m, n, k, alpha, pa + i * sa, lda, pb + i * sb, ldb, 0.0, pc + i * m * n,
            n);
    }
  });
}

// The attention of every image and head through dnnl_sgemm, with its backward.
class AttentionFunction : public torch::autograd::Function<AttentionFunction> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* context, const at::Tensor& qkv,
                            std::int64_t heads, std::int64_t head_dim) {
    const std::int64_t n = qkv.size(0);
    const std::int64_t tokens = qkv.size(1);
    const std::int64_t groups = n * heads;
    // Head-major rows: [n, tokens, heads, {q, k, v}, head_dim] -> [{q, k, v}, n * heads, tokens,
    // head_dim] in one copy.
    const at::Tensor split = qkv.view({n, tokens, heads, 3, head_dim})
                                 .permute({3, 0, 2, 1, 4})
                                 .contiguous()
                                 .view({3, groups, tokens, head_dim});
    const at::Tensor q = split[0];
    const at::Tensor k = split[1];
    const at::Tensor v = split[2];
    const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
    at::Tensor scores = at::empty({groups, tokens, tokens}, qkv.options());
    BatchedSgemm('N', 'T', q, k, scale, scores);
    const at::Tensor weights = at::_softmax(scores, -1, /*half_to_float=*/false);
    at::Tensor mixed = at::empty({groups, tokens, head_dim}, qkv.options());
    BatchedSgemm('N', 'N', weights, v, 1.0, mixed);
    context->save_for_backward({split, weights});
    context->saved_data["heads"] = heads;
    return mixed.view({n, heads, tokens, head_dim})
        .transpose(1, 2)
        .reshape({n, tokens, heads * head_dim});
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list grads) {
    const auto saved = context->get_saved_variables();
    const at::Tensor& split = saved[0];
    const at::Tensor& weights = saved[1];
    const std::int64_t heads = context->saved_data["heads"].toInt();
    const std::int64_t groups = split.size(1);
    const std::int64_t tokens = split.size(2);
    const std::int64_t head_dim = split.size(3);
    const std::int64_t n = groups / heads;
    const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
    const at::Tensor d_mixed = grads[0]
                                   .reshape({n, tokens, heads, head_dim})
                                   .permute({0, 2, 1, 3})
                                   .contiguous()
                                   .view({groups, tokens, head_dim});
    // The gradients of q, k and v land in one buffer laid out as `split`.
    const at::Tensor d_split = at::empty_like(split);
    BatchedSgemm('T', 'N', weights, d_mixed, 1.0, d_split[2]);
    at::Tensor d_weights = at::empty_like(weights);
    BatchedSgemm('N', 'T', d_mixed, split[2], 1.0, d_weights);
    const at::Tensor d_scores =
        at::_softmax_backward_data(d_weights, weights, -1, weights.scalar_type());
    BatchedSgemm('N', 'N', d_scores, split[1], scale, d_split[0]);
    BatchedSgemm('T', 'N', d_scores, split[0], scale, d_split[1]);
    const at::Tensor d_qkv = d_split.view({3, n, heads, tokens, head_dim})
                                 .permute({1, 3, 2, 0, 4})
                                 .reshape({n, tokens, 3 * heads * head_dim});
    return {d_qkv, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor Dense(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  if (!UseOneDnn(x)) return at::linear(x, weight, bias);
  return DenseFunction::apply(x, weight, bias.defined() ? bias : at::empty({0}, x.options()));
}

at::Tensor MultiHeadAttention(const at::Tensor& qkv, std::int64_t heads, std::int64_t head_dim) {
  const std::int64_t n = qkv.size(0);
  const std::int64_t tokens = qkv.size(1);
  if (UseOneDnn(qkv)) return AttentionFunction::apply(qkv.contiguous(), heads, head_dim);
  const at::Tensor split = qkv.view({n, tokens, heads, 3, head_dim}).permute({3, 0, 2, 1, 4});
  const at::Tensor scores =
      at::matmul(split[0], split[1].transpose(-2, -1)) / std::sqrt(static_cast<double>(head_dim));
  return at::matmul(at::softmax(scores, -1), split[2])
      .transpose(1, 2)
      .reshape({n, tokens, heads * head_dim});
}

TransformerEmbeddingImpl::TransformerEmbeddingImpl(TransformerEmbeddingOptions options_)
    : options(options_) {
  reset();
}

void TransformerEmbeddingImpl::reset() {
  const TransformerEmbeddingOptions& o = options;
  SCULPT_ASSERT(o.patch_size() > 0 && o.input_size() % o.patch_size() == 0,
                "the patch size must divide the image size");
  const std::int64_t grid = o.input_size() / o.patch_size();
  const std::int64_t tokens = grid * grid + (o.class_token() ? 1 : 0);
  patch = register_module(
      "patch",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(o.input_channels(), o.embed(), o.patch_size())
                            .stride(o.patch_size())));
  position = register_parameter("position", torch::zeros({1, tokens, o.embed()}));
  if (o.class_token()) {
    class_token = register_parameter("class_token", torch::zeros({1, 1, o.embed()}));
  }
}

at::Tensor TransformerEmbeddingImpl::forward(const at::Tensor& images, std::int64_t embed) {
  const std::int64_t n = images.size(0);
  const std::int64_t c = options.input_channels();
  const std::int64_t p = options.patch_size();
  const std::int64_t grid = options.input_size() / p;
  // A stride-p convolution with a p x p kernel is one matrix product over the patches: cut the
  // images into [n, patches, c * p * p] rows (copying only the images) and apply the conv weight
  // as a linear map. Unlike a convolution, the product lands directly in the token layout.
  const at::Tensor patches = images.reshape({n, c, grid, p, grid, p})
                                 .permute({0, 2, 4, 1, 3, 5})
                                 .reshape({n, grid * grid, c * p * p});
  at::Tensor tokens = Dense(patches, Leading(patch->weight, 0, embed).view({embed, -1}),
                            Leading(patch->bias, 0, embed));
  if (class_token.defined()) {
    tokens = at::cat({Leading(class_token, 2, embed).expand({n, 1, embed}), tokens}, 1);
  }
  return tokens + Leading(position, 2, embed);
}

TransformerAttentionImpl::TransformerAttentionImpl(TransformerAttentionOptions options_)
    : options(options_) {
  reset();
}

void TransformerAttentionImpl::reset() {
  const std::int64_t e = options.embed();
  const std::int64_t width = options.heads() * options.head_dim();
  SCULPT_ASSERT(width > 0, "an attention sublayer needs at least one head");
  norm = register_module("norm", MakeNorm(e));
  qkv = register_module("qkv", torch::nn::Linear(e, 3 * width));
  proj = register_module("proj", torch::nn::Linear(width, e));
}

at::Tensor TransformerAttentionImpl::forward(const at::Tensor& x, std::int64_t heads,
                                             const at::Tensor& keep) {
  SCULPT_ASSERT(heads > 0 && heads <= options.heads(), "attention run with too many heads");
  const std::int64_t d = x.size(2);
  const std::int64_t head_dim = options.head_dim();
  const std::int64_t width = heads * head_dim;
  const at::Tensor qkv_out =
      Dense(Norm(x, norm), Leading2(qkv->weight, 3 * width, d), Leading(qkv->bias, 0, 3 * width));
  at::Tensor joined = MultiHeadAttention(qkv_out, heads, head_dim);
  if (keep.defined()) {
    const std::int64_t n = joined.size(0);
    const std::int64_t tokens = joined.size(1);
    joined = (joined.reshape({n, tokens, heads, head_dim}) * keep.view({n, 1, heads, 1}))
                 .reshape({n, tokens, width});
  }
  return x + Dense(joined, Leading2(proj->weight, d, width), Leading(proj->bias, 0, d));
}

TransformerFfnImpl::TransformerFfnImpl(TransformerFfnOptions options_) : options(options_) {
  reset();
}

void TransformerFfnImpl::reset() {
  SCULPT_ASSERT(options.hidden() > 0, "an FFN sublayer needs at least one hidden unit");
  norm = register_module("norm", MakeNorm(options.embed()));
  fc1 = register_module("fc1", torch::nn::Linear(options.embed(), options.hidden()));
  fc2 = register_module("fc2", torch::nn::Linear(options.hidden(), options.embed()));
}

at::Tensor TransformerFfnImpl::forward(const at::Tensor& x, std::int64_t hidden) {
  SCULPT_ASSERT(hidden > 0 && hidden <= options.hidden(), "FFN run with too many units");
  const std::int64_t d = x.size(-1);
  const at::Tensor h = at::gelu(
      Dense(Norm(x, norm), Leading2(fc1->weight, hidden, d), Leading(fc1->bias, 0, hidden)));
  return x + Dense(h, Leading2(fc2->weight, d, hidden), Leading(fc2->bias, 0, d));
}

TransformerLayerImpl::TransformerLayerImpl(TransformerLayerOptions options_) : options(options_) {
  reset();
}

void TransformerLayerImpl::reset() {
  const TransformerLayerOptions& o = options;
  if (o.heads() > 0) {
    attn = register_module("attn", TransformerAttention(TransformerAttentionOptions(
                                       o.embed(), o.heads(), o.head_dim())));
  }
  if (o.ffn() > 0) {
    ffn = register_module("ffn", TransformerFfn(TransformerFfnOptions(o.embed(), o.ffn())));
  }
}

at::Tensor TransformerLayerImpl::forward(const at::Tensor& x, std::int64_t heads,
                                         std::int64_t hidden, const at::Tensor& keep) {
  at::Tensor h = x;
  if (heads > 0) {
    SCULPT_ASSERT(!attn.is_empty(), "a layer without attention run with heads");
    h = attn->forward(h, heads, keep);
  }
  if (hidden > 0) {
    SCULPT_ASSERT(!ffn.is_empty(), "a layer without an FFN run with hidden units");
    h = ffn->forward(h, hidden);
  }
  return h;
}

TransformerHeadImpl::TransformerHeadImpl(TransformerHeadOptions options_) : options(options_) {
  reset();
}

void TransformerHeadImpl::reset() {
  norm = register_module("norm", MakeNorm(options.embed()));
  classifier = register_module("classifier", torch::nn::Linear(options.embed(), options.classes()));
}

at::Tensor TransformerHeadImpl::forward(const at::Tensor& x) {
  const std::int64_t d = x.size(-1);
  // LayerNorm acts on each token alone, so normalising only the class token is exact.
  const at::Tensor pooled =
      options.class_token() ? Norm(x.select(1, 0), norm) : Norm(x, norm).mean(1);
  return Dense(pooled, Leading(classifier->weight, 1, d), classifier->bias);
}

void InitializeTransformerWeights(torch::nn::Module& module, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  at::Generator generator = at::detail::createCPUGenerator(seed);
  // Inverse-CDF sampling (as timm's trunc_normal_): uniform over the CDF's range on [-2, 2]
  // standard deviations, mapped back through erfinv; the clamp only absorbs rounding.
  auto truncated_normal = [&generator](at::Tensor& tensor, double std) {
    if (!tensor.defined()) return;
    const double bound = std::erf(2.0 / std::sqrt(2.0));  // 2 * Phi(2) - 1
    tensor.uniform_(-bound, bound, generator);
    tensor.erfinv_().mul_(std * std::sqrt(2.0)).clamp_(-2.0 * std, 2.0 * std);
  };
  auto uniform = [&generator](at::Tensor& tensor, double bound) {
    tensor.uniform_(-bound, bound, generator);
  };
  auto zero = [](at::Tensor& tensor) {
    if (tensor.defined()) tensor.zero_();
  };
  // apply() visits modules in registration order, so the draws are in a fixed order.
  module.apply([&](const std::string& name, torch::nn::Module& m) {
    if (auto* embedding = m.as<TransformerEmbedding>()) {
      truncated_normal(embedding->position, 0.02);
      truncated_normal(embedding->class_token, 0.02);
    } else if (auto* conv = m.as<torch::nn::Conv2d>()) {
      uniform(conv->weight, 1.0 / std::sqrt(static_cast<double>(conv->weight[0].numel())));
      zero(conv->bias);
    } else if (auto* linear = m.as<torch::nn::Linear>()) {
      // Xavier: it learned faster than normal(0.02) on Fashion-MNIST (0.846 against 0.812
      // validation accuracy after 4 epochs of 20k images), most of all for small embeddings.
      // The fused Q/K/V matrix is three maps, each with its own fan-out (as timm's jax init).
      const bool fused = name.size() >= 3 && name.compare(name.size() - 3, 3, "qkv") == 0;
      const auto fan_out = static_cast<double>(linear->weight.size(0) / (fused ? 3 : 1));
      const auto fan_in = static_cast<double>(linear->weight.size(1));
      uniform(linear->weight, std::sqrt(6.0 / (fan_in + fan_out)));
      zero(linear->bias);
    } else if (auto* norm = m.as<torch::nn::LayerNorm>()) {
      norm->reset_parameters();
    }
  });
}

void CopyLeadingSlices(const torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  const auto source = from.named_parameters();
  for (auto& item : to.named_parameters()) {
    const at::Tensor* whole = source.find(item.key());
    SCULPT_ASSERT(whole != nullptr, "CopyLeadingSlices: no source for '" + item.key() + "'");
    at::Tensor& target = item.value();
    SCULPT_ASSERT(whole->dim() == target.dim(),
                  "CopyLeadingSlices: '" + item.key() + "' has another rank");
    at::Tensor slice = *whole;
    for (std::int64_t dim = 0; dim < target.dim(); ++dim) {
      SCULPT_ASSERT(slice.size(dim) >= target.size(dim),
                    "CopyLeadingSlices: '" + item.key() + "' is smaller in the source");
      slice = slice.narrow(dim, 0, target.size(dim));
    }
    target.copy_(slice);
  }
}

}  // namespace sculpt
