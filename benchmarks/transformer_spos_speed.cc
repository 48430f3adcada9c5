// SPOS step speed of the transformer family's weight-entangled supernet (supernet/
// transformer_supernet.h) on this machine, against the same supernet written in PyTorch from
// Python (benchmarks/transformer_spos_speed.py, Debian's python3-torch: the same ATen).
//   transformer_spos_speed_bench [--config FILE] [--layers L] [--embed 64,96,128]
//       [--heads 0,1,2,4] [--ffn 0,128,256,384] [--batch B] [--threads T] [--steps S] [--python]
// The skeleton is the space block of --config (experiments/vit_fashion_mnist.json by default)
// with the flags' changes; the optimizer settings are its evaluator's "training" block (AdamW
// with its learning rate and weight decay, gradient norm clipped at grad_clip). A step is
// SposTrainer's: grads reset to undefined, forward of one uniformly sampled path, cross entropy,
// the loss read, backward, the correct predictions counted, clipping, optimizer step (at a
// constant learning rate: the schedule costs one scalar per step). The paths are drawn up front
// with the family's TrainingPaths; the batch is random (speed does not depend on pixel values).
// One untimed warm-up step, then --steps timed ones. The load average is printed before and
// after: time only on an idle machine.
//
// --python writes the supernet's initial weights, the batch and the paths to a temporary folder
// and runs the Python twin on them, so both sides train the same weights on the same paths: the
// bench prints both rates, their ratio and how far the two sequences of losses differ (the
// warm-up step's loss must agree within 1e-4, or the bench fails). The twin inherits the
// environment, so e.g. LD_LIBRARY_PATH can give it another BLAS (docs/BENCHMARKS.md).

#include <unistd.h>

#include <algorithm>
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

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "spaces/options.h"
#include "spaces/rng.h"
#include "supernet/families.h"
#include "supernet/model_family.h"
#include "supernet/training/optimizer.h"
#include "supernet/training/spos_trainer.h"
#include "supernet/torch_threads.h"

namespace {

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
  nlohmann::json canonical[2];
  Options space_options(space, "space", errors, &canonical[0]);
  space_options.OptionalString("type");
  const std::unique_ptr<ModelFamily> family = MakeTransformerFamily(space_options);
  Options training_options(training, "evaluator.training", errors, &canonical[1]);
  const SposOptions spos = ReadSposOptions(training_options, 0);
  errors.ThrowIfAny();

  const std::shared_ptr<Supernet> supernet = family->BuildSupernet(spos.seed);
  const std::vector<torch::Tensor> params = supernet->Module().parameters();
  const std::unique_ptr<torch::optim::Optimizer> optimizer = MakeOptimizer(params, spos);

  torch::manual_seed(0);
  std::vector<std::int64_t> input_shape = family->InputShape();
  input_shape[0] = batch;
  const torch::Tensor images = torch::randn(input_shape);
  const torch::Tensor labels =
      torch::randint(0, family->Skeleton().at("classes").get<int>(), {batch}, torch::kInt64);
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

  // SposTrainer's step (TrainEpoch) on one path.
  std::vector<double> sculpt_losses;
  const double sculpt_rate = StepsPerSecond(steps, [&](int i) {
    const Architecture& arch = paths[static_cast<std::size_t>(i)];
    for (torch::Tensor p : params) p.mutable_grad().reset();
    const torch::Tensor logits = supernet->Forward(images, arch);
    const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, labels);
    sculpt_losses.push_back(loss.item<double>());
    loss.backward();
    static_cast<void>(logits.argmax(1).eq(labels).sum().item<std::int64_t>());
    if (spos.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, spos.grad_clip);
    optimizer->step();
  });
  std::printf("  Sculpt supernet step:               %7.3f steps/s, %6.0f img/s\n", sculpt_rate,
              sculpt_rate * batch);
  std::fflush(stdout);

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
