#include "supernet/nb201/avg_pool3x3.h"

#include <algorithm>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/autograd.h>
#include <torch/nn/functional/pooling.h>

namespace sculpt {
namespace {

// 1 / (cells of the 3x3 window at (y, x) that lie inside an h x w image).
torch::Tensor InverseCounts(std::int64_t h, std::int64_t w) {
  torch::Tensor counts = torch::empty({h, w}, torch::kFloat32);
  float* c = counts.data_ptr<float>();
  for (std::int64_t y = 0; y < h; ++y) {
    const std::int64_t rows = std::min(y + 1, h - 1) - std::max<std::int64_t>(y - 1, 0) + 1;
    for (std::int64_t x = 0; x < w; ++x) {
      const std::int64_t cols = std::min(x + 1, w - 1) - std::max<std::int64_t>(x - 1, 0) + 1;
      c[y * w + x] = 1.0f / static_cast<float>(rows * cols);
    }
  }
  return counts;
}

// out[p] = post * BoxSum(pre * in[p]) for every h x w plane p, where BoxSum adds the 3x3
// neighbourhood inside the plane; `pre` or `post` is a per-pixel scale (null: 1).
void BoxFilter(const float* in, float* out, std::int64_t planes, std::int64_t h, std::int64_t w,
               const float* pre, const float* post) {
  const std::int64_t plane = h * w;
  // Small grain: a plane is ~1k pixels; parallel_for runs inline on one intra-op thread.
  at::parallel_for(0, planes, std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(plane, 1)),
                   [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> scaled(static_cast<std::size_t>(w));
    std::vector<float> rows(static_cast<std::size_t>(plane));  // horizontal 3-sums
    for (std::int64_t p = begin; p < end; ++p) {
      const float* src = in + p * plane;
      float* dst = out + p * plane;
      for (std::int64_t y = 0; y < h; ++y) {
        const float* s = src + y * w;
        if (pre != nullptr) {
          const float* k = pre + y * w;
          for (std::int64_t x = 0; x < w; ++x) scaled[x] = s[x] * k[x];
          s = scaled.data();
        }
        float* r = rows.data() + y * w;
        if (w == 1) {
          r[0] = s[0];
          continue;
        }
        r[0] = s[0] + s[1];
        for (std::int64_t x = 1; x + 1 < w; ++x) r[x] = s[x - 1] + s[x] + s[x + 1];
        r[w - 1] = s[w - 2] + s[w - 1];
      }
      for (std::int64_t y = 0; y < h; ++y) {
        const float* mid = rows.data() + y * w;
        const float* up = y > 0 ? mid - w : nullptr;
        const float* down = y + 1 < h ? mid + w : nullptr;
        float* d = dst + y * w;
        if (up != nullptr && down != nullptr) {
          for (std::int64_t x = 0; x < w; ++x) d[x] = up[x] + mid[x] + down[x];
        } else if (up != nullptr) {
          for (std::int64_t x = 0; x < w; ++x) d[x] = up[x] + mid[x];
        } else if (down != nullptr) {
          for (std::int64_t x = 0; x < w; ++x) d[x] = mid[x] + down[x];
        } else {
          for (std::int64_t x = 0; x < w; ++x) d[x] = mid[x];
        }
        if (post != nullptr) {
          const float* k = post + y * w;
          for (std::int64_t x = 0; x < w; ++x) d[x] *= k[x];
        }
      }
    }
  });
}

torch::Tensor Filter(const torch::Tensor& input, const torch::Tensor& inverse_counts, bool before) {
  const torch::Tensor x = input.contiguous();
  torch::Tensor out = torch::empty_like(x, at::MemoryFormat::Contiguous);
  const std::int64_t h = x.size(-2);
  const std::int64_t w = x.size(-1);
  const float* k = inverse_counts.data_ptr<float>();
  BoxFilter(x.data_ptr<float>(), out.data_ptr<float>(), x.numel() / std::max<std::int64_t>(h * w, 1),
            h, w, before ? k : nullptr, before ? nullptr : k);
  return out;
}

class AvgPool3x3Function : public torch::autograd::Function<AvgPool3x3Function> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    const torch::Tensor inverse_counts = InverseCounts(x.size(-2), x.size(-1));
    ctx->saved_data["inverse_counts"] = inverse_counts;
    return Filter(x, inverse_counts, /*before=*/false);
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    const torch::Tensor inverse_counts = ctx->saved_data["inverse_counts"].toTensor();
    return {Filter(grads[0], inverse_counts, /*before=*/true)};
  }
};

}  // namespace

torch::Tensor AvgPool3x3(const torch::Tensor& x) {
  if (x.device().is_cpu() && x.scalar_type() == torch::kFloat32 && x.dim() >= 3 &&
      x.numel() > 0 && !x.is_mkldnn() && x.layout() == torch::kStrided) {
    return AvgPool3x3Function::apply(x);
  }
  return torch::nn::functional::avg_pool2d(
      x, torch::nn::functional::AvgPool2dFuncOptions(3).stride(1).padding(1).count_include_pad(
             false));
}

}  // namespace sculpt
