// Training speed of the nb201 models on this machine: SPOS supernet steps and stand-alone
// network steps (forward, backward, SGD) per second, and images per second, on random 28x28
// grey images (the speed does not depend on the pixels), for sizing training budgets.
//   spos_speed_bench [--channels C] [--cells N] [--batch B] [--threads T] [--steps S]
//                    [--python]
// Prints one line per model kind. With --python it then runs the same SPOS supernet, batch and
// sequence of sampled paths in PyTorch from Python (benchmarks/spos_speed.py, with Debian's
// python3-torch: /usr/bin/python3) and prints both rates side by side.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>
#include <string>

#include <torch/torch.h>
#include <unistd.h>

#include "spaces/rng.h"
#include "supernet/nb201/nb201_family.h"
#include "supernet/nb201/nb201_network.h"
#include "supernet/nb201/nb201_supernet.h"
#include "supernet/training/spos_trainer.h"
#include "supernet/torch_threads.h"

namespace {

long Arg(int argc, char** argv, const char* name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::strtol(argv[i + 1], nullptr, 10);
  }
  return fallback;
}

bool Flag(int argc, char** argv, const char* name) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return true;
  }
  return false;
}

// Runs step(0) once to warm up (first calls allocate), then times step(1..steps).
template <class Step>
double StepsPerSecond(int steps, Step step) {
  step(0);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1; i <= steps; ++i) step(i);
  return steps / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sculpt;
  nb201::Skeleton skeleton;
  skeleton.channels = static_cast<int>(Arg(argc, argv, "--channels", 16));
  skeleton.cells_per_stage = static_cast<int>(Arg(argc, argv, "--cells", 1));
  skeleton.input_channels = 1;
  skeleton.input_size = 28;
  const long batch = Arg(argc, argv, "--batch", 128);
  const int threads = SetTorchThreads(static_cast<int>(Arg(argc, argv, "--threads", 1)));
  const int steps = static_cast<int>(Arg(argc, argv, "--steps", 20));
  torch::manual_seed(0);
  const torch::Tensor images = torch::randn({batch, 1, 28, 28});
  const torch::Tensor labels = torch::randint(0, 10, {batch}, torch::kInt64);

  Nb201Supernet supernet{Nb201SupernetOptions(skeleton)};
  // SposTrainer's optimizer settings (its defaults): Nesterov momentum, weight decay, clipping.
  const SposOptions trainer;
  torch::optim::SGD spos(supernet->parameters(), torch::optim::SGDOptions(0.05)
                                                     .momentum(trainer.momentum)
                                                     .nesterov(trainer.nesterov)
                                                     .weight_decay(trainer.weight_decay));
  const std::vector<torch::Tensor> params = supernet->parameters();
  // The sampled paths, drawn up front so that the Python twin can replay the same sequence.
  Rng rng(1);
  const std::unique_ptr<ModelFamily> family = MakeNb201Family(skeleton);
  std::vector<Architecture> paths;
  for (int i = 0; i <= steps; ++i) {
    paths.push_back(family->TrainingPaths(rng, PathSampling::kUniform, 0).front());
  }
  const double spos_rate = StepsPerSecond(steps, [&](int i) {
    const Architecture& arch = paths[static_cast<std::size_t>(i)];
    // SposTrainer's step: undefined grads off the path, forward, backward, clip, SGD.
    for (torch::Tensor p : params) p.mutable_grad().reset();
    torch::nn::functional::cross_entropy(supernet->forward(images, arch), labels).backward();
    torch::nn::utils::clip_grad_norm_(params, trainer.grad_clip);
    spos.step();
  });
  // The largest cell: every edge a 3x3 convolution.
  Nb201Network network(Architecture{{3, 3, 3, 3, 3, 3}}, Nb201NetworkOptions(skeleton));
  torch::optim::SGD sgd(network->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  const double net_rate = StepsPerSecond(steps, [&](int) {
    sgd.zero_grad();
    torch::nn::functional::cross_entropy(network->forward(images), labels).backward();
    sgd.step();
  });
  std::printf("C=%d N=%d batch=%ld threads=%d\n", skeleton.channels, skeleton.cells_per_stage,
              batch, threads);
  std::printf("  spos supernet step:            %.2f steps/s, %.0f img/s\n", spos_rate,
              spos_rate * batch);
  std::printf("  stand-alone (all conv3x3) step: %.2f steps/s, %.0f img/s\n", net_rate,
              net_rate * batch);
  if (!Flag(argc, argv, "--python")) return 0;

  const std::filesystem::path paths_file =
      std::filesystem::temp_directory_path() / ("sculpt_spos_paths_" + std::to_string(getpid()));
  {
    std::ofstream out(paths_file);
    for (const Architecture& arch : paths) {
      for (int c : arch.choices) out << c << ' ';
      out << '\n';
    }
  }
  const std::string script =
      (std::filesystem::path(__FILE__).parent_path() / "spos_speed.py").string();
  const std::string command = "/usr/bin/python3 '" + script + "' '" + paths_file.string() + "' " +
                              std::to_string(skeleton.channels) + " " +
                              std::to_string(skeleton.cells_per_stage) + " " +
                              std::to_string(batch) + " " + std::to_string(threads) + " " +
                              std::to_string(steps);
  FILE* pipe = popen(command.c_str(), "r");
  double python_rate = 0;
  const bool read = pipe != nullptr && std::fscanf(pipe, "%lf", &python_rate) == 1;
  if (pipe != nullptr) pclose(pipe);
  std::filesystem::remove(paths_file);
  if (!read || python_rate <= 0) {
    std::fprintf(stderr, "the Python twin failed: %s\n", command.c_str());
    return 1;
  }
  std::printf("  spos supernet step, PyTorch from Python, same paths: %.2f steps/s, %.0f img/s\n",
              python_rate, python_rate * batch);
  std::printf("  Sculpt / Python: %.2fx\n", spos_rate / python_rate);
  return 0;
}
