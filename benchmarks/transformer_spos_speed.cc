// SPOS step speed of the transformer family's weight-entangled supernet (supernet/
// transformer_supernet.h) on this machine, against the same supernet written in PyTorch from
// Python (benchmarks/transformer_spos_speed.py, Debian's python3-torch: the same ATen).
//   transformer_spos_speed_bench [--config FILE] [--layers L] [--embed 64,96,128]
//       [--heads 0,1,2,4] [--ffn 0,128,256,384] [--batch B] [--threads T] [--steps S]
//       [--python] [--prototype]
// The skeleton is the space block of --config (experiments/vit_fashion_mnist.json by default)
// with the flags' changes; the optimizer settings are its evaluator's "training" block (AdamW,
// learning rate 0.002, weight decay 0.05, gradient norm clipped at 5). A step is SposTrainer's:
// grads reset to undefined, forward of one uniformly sampled path, cross entropy, the loss and
// the accuracy read, backward, clipping, optimizer step (at a constant learning rate: the
// schedule's cost is one scalar per step). The paths are drawn up front with the family's
// TrainingPaths; the batch is random (speed does not depend on pixel values). One untimed
// warm-up step, then --steps timed ones.
//
// --python writes the supernet's initial weights, the batch and the paths to a temporary folder
// and runs the Python twin on them, so both sides train the same weights on the same paths:
// the bench prints both rates, their ratio and how far the two sequences of losses differ (the
// warm-up step's loss must agree within 1e-4, or it fails).
// --prototype also times a variant of the supernet's forward written here, not in supernet/: the
// same function on the same weights, with every matrix product (the linear maps and the
// attention's batched products) run by oneDNN's sgemm instead of ATen's BLAS, which in Debian's
// LibTorch is the netlib reference BLAS (docs/BENCHMARKS.md). It measures what such a change to
// supernet/transformer_ops.cc would give; its losses are compared with the supernet's.

#include <dlfcn.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "spaces/options.h"
#include "spaces/rng.h"
#include "spaces/transformer.h"
#include "supernet/families.h"
#include "supernet/model_family.h"
#include "supernet/optimizer.h"
#include "supernet/spos_trainer.h"
#include "supernet/torch_threads.h"
#include "supernet/transformer_supernet.h"

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

const char* Value(int argc, char** argv, const char* name) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return nullptr;
}

long Arg(int argc, char** argv, const char* name, long fallback) {
  const char* value = Value(argc, argv, name);
  return value != nullptr ? std::strtol(value, nullptr, 10) : fallback;
}

bool Flag(int argc, char** argv, const char* name) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return true;
  }
  return false;
}

// "64,96,128" -> [64, 96, 128].
nlohmann::json IntList(const char* text) {
  nlohmann::json list = nlohmann::json::array();
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) list.push_back(std::stol(item));
  return list;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// Runs step(0) once to warm up (first calls allocate), then times step(1..steps).
double StepsPerSecond(int steps, const std::function<void(int)>& step) {
  step(0);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1; i <= steps; ++i) step(i);
  return steps / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// ---- The prototype: matrix products through oneDNN's sgemm ------------------------------------

// oneDNN's BLAS-like sgemm (row-major: C = alpha op(A) op(B) + beta C), exported by the
// libdnnl.so.2 that libtorch_cpu already loads; looked up at run time because Debian ships no
// oneDNN headers.
using SgemmFunction = int (*)(char, char, std::int64_t, std::int64_t, std::int64_t, float,
                              const float*, std::int64_t, const float*, std::int64_t, float,
                              float*, std::int64_t);

void Gemm(char ta, char tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
          const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta,
          float* c, std::int64_t ldc) {
  static const auto sgemm = reinterpret_cast<SgemmFunction>(dlsym(RTLD_DEFAULT, "dnnl_sgemm"));
  TORCH_CHECK(sgemm != nullptr, "dnnl_sgemm not found in the loaded libraries");
  TORCH_CHECK(sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) == 0,
              "dnnl_sgemm failed");
}

// y = x W^T + b: x [..., K], W [N, K] with unit column stride (a leading block of a larger
// matrix is fine: its row stride is the leading dimension), b [N].
struct SgemmLinear : torch::autograd::Function<SgemmLinear> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w,
                            const at::Tensor& b) {
    TORCH_CHECK(w.stride(1) == 1 && b.is_contiguous());
    const at::Tensor x2 = x.reshape({-1, x.size(-1)}).contiguous();
    const std::int64_t m = x2.size(0), k = x2.size(1), n = w.size(0);
    at::Tensor y = b.expand({m, n}).contiguous();
    Gemm('N', 'T', m, n, k, 1.0f, x2.data_ptr<float>(), k, w.data_ptr<float>(), w.stride(0),
         1.0f, y.data_ptr<float>(), n);
    ctx->save_for_backward({x2, w});
    std::vector<std::int64_t> shape = x.sizes().vec();
    shape.back() = n;
    return y.view(shape);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list saved = ctx->get_saved_variables();
    const at::Tensor& x2 = saved[0];
    const at::Tensor& w = saved[1];
    const std::int64_t m = x2.size(0), k = x2.size(1), n = w.size(0);
    const at::Tensor g = grads[0].reshape({m, n}).contiguous();
    at::Tensor gx;
    if (ctx->needs_input_grad(0)) {
      gx = at::empty({m, k}, x2.options());
      Gemm('N', 'N', m, k, n, 1.0f, g.data_ptr<float>(), n, w.data_ptr<float>(), w.stride(0),
           0.0f, gx.data_ptr<float>(), k);
      std::vector<std::int64_t> shape = grads[0].sizes().vec();
      shape.back() = k;
      gx = gx.view(shape);
    }
    at::Tensor gw = at::empty({n, k}, x2.options());
    Gemm('T', 'N', n, k, m, 1.0f, g.data_ptr<float>(), n, x2.data_ptr<float>(), k, 0.0f,
         gw.data_ptr<float>(), k);
    return {gx, gw, g.sum(0)};
  }
};

// alpha A B (or alpha A B^T with transpose_b) for batches of matrices: A [batch, m, k], B
// [batch, k, n] ([batch, n, k]); the batch is split over the intra-op threads.
at::Tensor BatchedGemm(const at::Tensor& a, const at::Tensor& b, bool ta, bool tb, float alpha) {
  const at::Tensor ac = a.contiguous();
  const at::Tensor bc = b.contiguous();
  const std::int64_t batch = ac.size(0);
  const std::int64_t m = ta ? ac.size(2) : ac.size(1);
  const std::int64_t k = ta ? ac.size(1) : ac.size(2);
  const std::int64_t n = tb ? bc.size(1) : bc.size(2);
  at::Tensor c = at::empty({batch, m, n}, ac.options());
  const float* pa = ac.data_ptr<float>();
  const float* pb = bc.data_ptr<float>();
  float* pc = c.data_ptr<float>();
  const std::int64_t sa = ac.size(1) * ac.size(2), sb = bc.size(1) * bc.size(2), sc = m * n;
  at::parallel_for(0, batch, 8, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      Gemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, pa + i * sa, ac.size(2), pb + i * sb,
           bc.size(2), 0.0f, pc + i * sc, n);
    }
  });
  return c;
}

// alpha A B, or alpha A B^T with transpose_b.
struct SgemmBmm : torch::autograd::Function<SgemmBmm> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& a, const at::Tensor& b,
                            bool transpose_b, double alpha) {
    ctx->save_for_backward({a, b});
    ctx->saved_data["tb"] = transpose_b;
    ctx->saved_data["alpha"] = alpha;
    return BatchedGemm(a, b, false, transpose_b, static_cast<float>(alpha));
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list saved = ctx->get_saved_variables();
    const bool tb = ctx->saved_data["tb"].toBool();
    const auto alpha = static_cast<float>(ctx->saved_data["alpha"].toDouble());
    const at::Tensor& a = saved[0];
    const at::Tensor& b = saved[1];
    const at::Tensor& g = grads[0];
    // C = A B: dA = g B^T, dB = A^T g.  C = A B^T: dA = g B, dB = g^T A.
    at::Tensor ga = BatchedGemm(g, b, false, !tb, alpha);
    at::Tensor gb = tb ? BatchedGemm(g, a, true, false, alpha) : BatchedGemm(a, g, true, false, alpha);
    return {ga, gb, at::Tensor(), at::Tensor()};
  }
};

at::Tensor Leading(const at::Tensor& tensor, std::int64_t dim, std::int64_t n) {
  return tensor.size(dim) == n ? tensor : tensor.narrow(dim, 0, n);
}

at::Tensor Leading2(const at::Tensor& weight, std::int64_t rows, std::int64_t columns) {
  return Leading(Leading(weight, 0, rows), 1, columns);
}

at::Tensor Norm(const at::Tensor& x, const torch::nn::LayerNorm& norm) {
  const std::int64_t d = x.size(-1);
  return at::layer_norm(x, {d}, Leading(norm->weight, 0, d), Leading(norm->bias, 0, d),
                        sculpt::kTransformerLayerNormEps);
}

at::Tensor Linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return SgemmLinear::apply(x, w, b);
}

// TransformerSupernetImpl::forward with the matrix products through oneDNN; otherwise the same
// ops on the same slices (the attention's Q/K/V split by one copy and unbind instead of three
// selects, and the 1/sqrt(head_dim) scale folded into the scores' product).
at::Tensor PrototypeForward(sculpt::TransformerSupernetImpl& net, const at::Tensor& images,
                            const sculpt::transformer::Sizes& sizes) {
  const sculpt::transformer::Skeleton& s = net.options.skeleton();
  const std::int64_t n = images.size(0);
  const std::int64_t c = s.input_channels;
  const std::int64_t p = s.patch_size;
  const std::int64_t grid = s.input_size / p;
  const std::int64_t d = sizes.embed;
  auto& embedding = *net.embedding;
  const at::Tensor patches = images.reshape({n, c, grid, p, grid, p})
                                 .permute({0, 2, 4, 1, 3, 5})
                                 .reshape({n, grid * grid, c * p * p});
  at::Tensor x = Linear(patches, Leading(embedding.patch->weight, 0, d).view({d, -1}),
                        Leading(embedding.patch->bias, 0, d));
  if (embedding.class_token.defined()) {
    x = at::cat({Leading(embedding.class_token, 2, d).expand({n, 1, d}), x}, 1);
  }
  x = x + Leading(embedding.position, 2, d);
  const std::int64_t tokens = x.size(1);
  const std::int64_t hd = s.head_dim;
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    auto& layer = *net.layers[l];
    if (const std::int64_t heads = sizes.layers[l].heads; heads > 0) {
      auto& attn = *layer.attn;
      const std::int64_t width = heads * hd;
      const at::Tensor qkv = Linear(Norm(x, attn.norm), Leading2(attn.qkv->weight, 3 * width, d),
                                    Leading(attn.qkv->bias, 0, 3 * width));
      const std::vector<at::Tensor> split = qkv.view({n, tokens, heads, 3, hd})
                                                .permute({3, 0, 2, 1, 4})
                                                .contiguous()
                                                .view({3, n * heads, tokens, hd})
                                                .unbind(0);
      const at::Tensor scores =
          SgemmBmm::apply(split[0], split[1], true, 1.0 / std::sqrt(static_cast<double>(hd)));
      const at::Tensor mixed = SgemmBmm::apply(at::softmax(scores, -1), split[2], false, 1.0);
      const at::Tensor joined =
          mixed.view({n, heads, tokens, hd}).transpose(1, 2).reshape({n, tokens, width});
      x = x + Linear(joined, Leading2(attn.proj->weight, d, width), Leading(attn.proj->bias, 0, d));
    }
    if (const std::int64_t hidden = sizes.layers[l].ffn; hidden > 0) {
      auto& ffn = *layer.ffn;
      const at::Tensor h = at::gelu(Linear(Norm(x, ffn.norm), Leading2(ffn.fc1->weight, hidden, d),
                                           Leading(ffn.fc1->bias, 0, hidden)));
      x = x + Linear(h, Leading2(ffn.fc2->weight, d, hidden), Leading(ffn.fc2->bias, 0, d));
    }
  }
  auto& head = *net.head;
  const at::Tensor pooled =
      head.options.class_token() ? Norm(x.select(1, 0), head.norm) : Norm(x, head.norm).mean(1);
  return Linear(pooled, Leading(head.classifier->weight, 1, d), head.classifier->bias);
}

// ---- Files for the Python twin -----------------------------------------------------------------

// manifest.txt: one "name size..." line per tensor; data.bin: their float32 values in order.
void WriteTensors(const std::filesystem::path& folder,
                  const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  std::ofstream manifest(folder / "manifest.txt");
  std::ofstream data(folder / "data.bin", std::ios::binary);
  for (const auto& [name, tensor] : tensors) {
    manifest << name;
    for (const std::int64_t size : tensor.sizes()) manifest << ' ' << size;
    manifest << '\n';
    const at::Tensor values = tensor.detach().to(torch::kFloat32).contiguous();
    data.write(reinterpret_cast<const char*>(values.data_ptr<float>()),
               static_cast<std::streamsize>(values.numel() * sizeof(float)));
  }
}

double MaxDifference(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    worst = std::max(worst, std::abs(a[i] - b[i]));
  }
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sculpt;
  const std::filesystem::path source = std::filesystem::path(__FILE__).parent_path();
  const char* config_flag = Value(argc, argv, "--config");
  const std::filesystem::path config_path =
      config_flag != nullptr ? std::filesystem::path(config_flag)
                             : source.parent_path() / "experiments" / "vit_fashion_mnist.json";
  nlohmann::json config;
  {
    std::ifstream in(config_path);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", config_path.c_str());
      return 1;
    }
    in >> config;
  }
  nlohmann::json space = config.at("space");
  if (const long layers = Arg(argc, argv, "--layers", 0); layers > 0) space["layers"] = layers;
  if (const char* v = Value(argc, argv, "--embed")) space["embed_dims"] = IntList(v);
  if (const char* v = Value(argc, argv, "--heads")) space["heads"] = IntList(v);
  if (const char* v = Value(argc, argv, "--ffn")) space["ffn_dims"] = IntList(v);
  const nlohmann::json training = config.at("evaluator").value("training", nlohmann::json::object());

  const long batch = Arg(argc, argv, "--batch", 128);
  const int threads = SetTorchThreads(static_cast<int>(Arg(argc, argv, "--threads", 1)));
  const int steps = static_cast<int>(Arg(argc, argv, "--steps", 20));

  ConfigErrors errors;
  nlohmann::json canonical[3];
  Options space_options(space, "space", errors, &canonical[0]);
  space_options.OptionalString("type");
  const std::unique_ptr<ModelFamily> family = MakeTransformerFamily(space_options);
  Options skeleton_options(space, "space", errors, &canonical[1]);
  const transformer::Skeleton skeleton = transformer::ReadSkeleton(skeleton_options);
  Options training_options(training, "evaluator.training", errors, &canonical[2]);
  const SposOptions spos = ReadSposOptions(training_options, 0);
  errors.ThrowIfAny();

  const std::shared_ptr<Supernet> supernet = family->BuildSupernet(spos.seed);
  const std::vector<torch::Tensor> params = supernet->Module().parameters();
  const std::unique_ptr<torch::optim::Optimizer> optimizer = MakeOptimizer(params, spos);

  torch::manual_seed(0);
  const torch::Tensor images =
      torch::randn({batch, skeleton.input_channels, skeleton.input_size, skeleton.input_size});
  const torch::Tensor labels = torch::randint(0, skeleton.classes, {batch}, torch::kInt64);
  // The sampled paths, drawn up front so that the Python twin can replay the same sequence.
  Rng rng(1);
  std::vector<Architecture> paths;
  for (int i = 0; i <= steps; ++i) {
    paths.push_back(family->TrainingPaths(rng, PathSampling::kUniform, 0).front());
  }

  const bool python = Flag(argc, argv, "--python");
  const std::filesystem::path folder =
      std::filesystem::temp_directory_path() /
      ("sculpt_transformer_spos_" + std::to_string(getpid()));
  if (python) {
    // Before training: the twin starts from the supernet's initial weights.
    std::filesystem::create_directories(folder);
    std::ofstream(folder / "skeleton.json") << family->Skeleton().dump();
    std::ofstream(folder / "settings.json")
        << nlohmann::json{{"learning_rate", spos.learning_rate},
                          {"weight_decay", spos.weight_decay},
                          {"grad_clip", spos.grad_clip},
                          {"optimizer", spos.optimizer}}
               .dump();
    std::ofstream out(folder / "paths.txt");
    for (const Architecture& arch : paths) {
      for (const int c : arch.choices) out << c << ' ';
      out << '\n';
    }
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    for (const auto& item : supernet->Module().named_parameters()) {
      tensors.emplace_back(item.key(), item.value());
    }
    tensors.emplace_back("images", images);
    tensors.emplace_back("labels", labels);
    WriteTensors(folder, tensors);
  }

  std::printf("skeleton %s\nbatch=%ld threads=%d steps=%d optimizer=%s lr=%g wd=%g clip=%g\n",
              family->Skeleton().dump().c_str(), batch, threads, steps, spos.optimizer.c_str(),
              spos.learning_rate, spos.weight_decay, spos.grad_clip);
  std::printf("load average before: %s\n", LoadAverage().c_str());
  std::fflush(stdout);

  // SposTrainer's step (TrainEpoch) on one path, with `forward` the supernet's forward.
  auto spos_step = [&](const std::vector<torch::Tensor>& step_params,
                       torch::optim::Optimizer& step_optimizer, std::vector<double>& losses,
                       const std::function<at::Tensor(const Architecture&)>& forward) {
    return [&, forward](int i) {
      const Architecture& arch = paths[static_cast<std::size_t>(i)];
      for (torch::Tensor p : step_params) p.mutable_grad().reset();
      const torch::Tensor logits = forward(arch);
      const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, labels);
      losses.push_back(loss.item<double>());
      loss.backward();
      static_cast<void>(logits.argmax(1).eq(labels).sum().item<std::int64_t>());
      if (spos.grad_clip > 0) torch::nn::utils::clip_grad_norm_(step_params, spos.grad_clip);
      step_optimizer.step();
    };
  };

  std::vector<double> sculpt_losses;
  const double sculpt_rate =
      StepsPerSecond(steps, spos_step(params, *optimizer, sculpt_losses, [&](const Architecture& a) {
                       return supernet->Forward(images, a);
                     }));
  std::printf("  Sculpt supernet step:               %7.3f steps/s, %6.0f img/s\n", sculpt_rate,
              sculpt_rate * batch);
  std::fflush(stdout);

  if (Flag(argc, argv, "--prototype")) {
    // A second supernet from the same seed: the same initial weights.
    TransformerSupernet twin(TransformerSupernetOptions(skeleton).seed(spos.seed));
    twin->train();
    const std::vector<torch::Tensor> twin_params = twin->parameters();
    const std::unique_ptr<torch::optim::Optimizer> twin_optimizer = MakeOptimizer(twin_params, spos);
    std::vector<double> losses;
    const double rate = StepsPerSecond(
        steps, spos_step(twin_params, *twin_optimizer, losses, [&](const Architecture& a) {
          return PrototypeForward(*twin, images, transformer::Decode(a, skeleton));
        }));
    std::printf("  prototype (oneDNN sgemm) step:      %7.3f steps/s, %6.0f img/s  (%.2fx Sculpt;"
                " loss differs by %.1e at the first step, at most %.1e over all)\n",
                rate, rate * batch, rate / sculpt_rate, std::abs(losses[0] - sculpt_losses[0]),
                MaxDifference(losses, sculpt_losses));
    std::fflush(stdout);
  }

  int status = 0;
  if (python) {
    const std::string script = (source / "transformer_spos_speed.py").string();
    const std::string command = "/usr/bin/python3 '" + script + "' '" + folder.string() + "' " +
                                std::to_string(threads) + " " + std::to_string(steps);
    FILE* pipe = popen(command.c_str(), "r");
    double python_rate = 0;
    std::vector<double> python_losses;
    bool read = pipe != nullptr && std::fscanf(pipe, "%lf", &python_rate) == 1;
    for (double v; read && std::fscanf(pipe, "%lf", &v) == 1;) python_losses.push_back(v);
    if (pipe != nullptr && pclose(pipe) != 0) read = false;
    std::filesystem::remove_all(folder);
    if (!read || python_rate <= 0 || python_losses.size() != sculpt_losses.size()) {
      std::fprintf(stderr, "the Python twin failed: %s\n", command.c_str());
      return 1;
    }
    const double first = std::abs(python_losses[0] - sculpt_losses[0]);
    std::printf("  PyTorch from Python, same paths:    %7.3f steps/s, %6.0f img/s\n", python_rate,
                python_rate * batch);
    std::printf("  Sculpt / Python: %.2fx\n", sculpt_rate / python_rate);
    std::printf("  losses: first step %.6f (Sculpt) vs %.6f (Python), differ by %.1e; at most"
                " %.1e over all %zu steps\n",
                sculpt_losses[0], python_losses[0], first,
                MaxDifference(sculpt_losses, python_losses), sculpt_losses.size());
    if (!(first <= 1e-4)) {
      std::fprintf(stderr, "the twins compute different losses for the same path and weights\n");
      status = 1;
    }
  }
  std::printf("load average after: %s\n", LoadAverage().c_str());
  return status;
}
