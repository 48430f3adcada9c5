#include "supernet/prune/mask_tuning.h"

#include <cmath>

#include <torch/torch.h>

#include "spaces/errors.h"
#include "supernet/transformer/transformer_ops.h"

namespace sculpt {
namespace {

constexpr double kLargestScale = 10.0;

// The scales minimising || r - sum_i s_i A_i ||^2 from the normal equations G s = b, or ones
// when they are unusable or fit no better than ones; `untuned` and `tuned` get the residuals'
// squared norms at ones and at the result.
std::vector<double> FitScales(const at::Tensor& gram, const at::Tensor& rhs, double residual,
                              double& untuned, double& tuned) {
  const std::int64_t k = gram.size(0);
  const at::Tensor g = gram.to(at::kDouble);
  const at::Tensor b = rhs.to(at::kDouble);
  const at::Tensor ones = torch::ones({k}, at::kDouble);
  // E(s) = residual - 2 s.b + s^T G s
  auto error = [&](const at::Tensor& s) {
    return residual - 2 * s.dot(b).item<double>() + s.dot(g.mv(s)).item<double>();
  };
  untuned = error(ones);
  tuned = untuned;
  const double damping = 1e-6 * g.diagonal().mean().item<double>() + 1e-12;
  const at::Tensor s = at::linalg_solve(g + damping * torch::eye(k, at::kDouble), b);
  const bool usable = s.isfinite().all().item<bool>() && s.abs().max().item<double>() <= kLargestScale;
  std::vector<double> scales(static_cast<std::size_t>(k), 1.0);
  if (!usable) return scales;
  const double fitted = error(s);
  if (!(fitted < untuned)) return scales;
  tuned = fitted;
  for (std::int64_t i = 0; i < k; ++i) scales[i] = s[i].item<double>();
  return scales;
}

// FitScales, the two norms recorded in `error` when it is not null.
std::vector<double> SolveScales(const at::Tensor& gram, const at::Tensor& rhs, double residual,
                                TuningError* error) {
  double untuned = 0;
  double tuned = 0;
  std::vector<double> scales = FitScales(gram, rhs, residual, untuned, tuned);
  if (error != nullptr) {
    error->untuned.push_back(untuned);
    error->tuned.push_back(tuned);
  }
  return scales;
}

at::Tensor Indices(const std::vector<int>& kept) {
  std::vector<std::int64_t> values(kept.begin(), kept.end());
  return torch::tensor(values, at::kLong);
}

}  // namespace

MaskScales TuneMask(TransformerNetworkImpl& trained, const prune::Mask& mask,
                    const at::Tensor& images, TuningTarget target_kind, TuningError* error) {
  torch::NoGradGuard no_grad;
  const std::int64_t head_dim = trained.options.skeleton().head_dim;
  const std::size_t layers = trained.sizes.layers.size();
  SCULPT_ASSERT(mask.heads.size() == layers && mask.neurons.size() == layers,
                "a mask of another network");
  MaskScales scales{std::vector<std::vector<double>>(layers), std::vector<std::vector<double>>(layers)};
  at::Tensor teacher = trained.embedding->forward(images, trained.sizes.embed);
  at::Tensor student = teacher;
  const std::int64_t d = teacher.size(-1);
  for (auto& [l, layer] : trained.layers) {
    const transformer::Layer& sizes = trained.sizes.layers[l];
    if (sizes.heads > 0) {
      TransformerAttention attn = layer->attn;
      at::Tensor target = attn->forward(teacher, sizes.heads);
      teacher = target;
      if (target_kind == TuningTarget::kSublayer) target = attn->forward(student, sizes.heads);
      const std::vector<int>& kept = mask.heads[l];
      if (!kept.empty()) {
        const at::Tensor qkv = Dense(attn->norm->forward(student), attn->qkv->weight, attn->qkv->bias);
        const at::Tensor context = MultiHeadAttention(qkv, sizes.heads, head_dim);
        const at::Tensor base = student + attn->proj->bias;
        const at::Tensor r = (target - base).reshape({-1, d});
        // One term per kept head: its context slice through its projection columns.
        std::vector<at::Tensor> terms;
        for (const int h : kept) {
          terms.push_back(
              at::matmul(context.narrow(2, h * head_dim, head_dim),
                         attn->proj->weight.narrow(1, h * head_dim, head_dim).t())
                  .reshape({-1}));
        }
        const at::Tensor a = at::stack(terms, 1);  // [M * d, k]
        scales.heads[l] = SolveScales(a.t().mm(a), a.t().mv(r.reshape({-1})),
                                      r.pow(2).sum().item<double>(), error);
        const at::Tensor s = torch::tensor(scales.heads[l], at::kFloat);
        student = base + a.mv(s).reshape(base.sizes());
      }
    }
    if (sizes.ffn > 0) {
      TransformerFfn ffn = layer->ffn;
      at::Tensor target = ffn->forward(teacher, sizes.ffn);
      teacher = target;
      if (target_kind == TuningTarget::kSublayer) target = ffn->forward(student, sizes.ffn);
      const std::vector<int>& kept = mask.neurons[l];
      if (!kept.empty()) {
        const at::Tensor index = Indices(kept);
        const at::Tensor h =
            at::gelu(Dense(ffn->norm->forward(student), ffn->fc1->weight, ffn->fc1->bias))
                .reshape({-1, sizes.ffn})
                .index_select(1, index);                                 // [M, k]
        const at::Tensor w = ffn->fc2->weight.index_select(1, index);  // [d, k]
        const at::Tensor base = student + ffn->fc2->bias;
        const at::Tensor r = (target - base).reshape({-1, d});
        // Term i is h_i w_i^T: <A_i, A_j> = (h_i . h_j)(w_i . w_j), <A_i, r> = sum_m h_mi (r w)_mi.
        const at::Tensor gram = h.t().mm(h) * w.t().mm(w);
        const at::Tensor rhs = (h * r.mm(w)).sum(0);
        scales.neurons[l] = SolveScales(gram, rhs, r.pow(2).sum().item<double>(), error);
        const at::Tensor s = torch::tensor(scales.neurons[l], at::kFloat);
        student = base + (h * s).mm(w.t()).reshape(base.sizes());
      }
    }
  }
  return scales;
}

void ApplyScales(TransformerNetworkImpl& pruned, const MaskScales& scales) {
  torch::NoGradGuard no_grad;
  const std::int64_t head_dim = pruned.options.skeleton().head_dim;
  for (auto& [l, layer] : pruned.layers) {
    if (!layer->attn.is_empty()) {
      const std::vector<double>& s = scales.heads[l];
      SCULPT_ASSERT(static_cast<std::int64_t>(s.size()) == pruned.sizes.layers[l].heads,
                    "scales of another mask");
      for (std::size_t k = 0; k < s.size(); ++k) {
        layer->attn->proj->weight.narrow(1, static_cast<std::int64_t>(k) * head_dim, head_dim)
            .mul_(s[k]);
      }
    }
    if (!layer->ffn.is_empty()) {
      const std::vector<double>& s = scales.neurons[l];
      SCULPT_ASSERT(static_cast<std::int64_t>(s.size()) == pruned.sizes.layers[l].ffn,
                    "scales of another mask");
      layer->ffn->fc2->weight.mul_(torch::tensor(s, at::kFloat).unsqueeze(0));
    }
  }
}

}  // namespace sculpt
