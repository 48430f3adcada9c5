// Training speed of the nb201 models on this machine: SPOS supernet steps and stand-alone
// network steps (forward, backward, SGD) per second, and images per second, on random 28x28
// grey images (the speed does not depend on the pixels), for sizing training budgets.
//   spos_speed_bench [--channels C] [--cells N] [--batch B] [--threads T] [--steps S]
// Prints one line per model kind.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <torch/torch.h>

#include "spaces/rng.h"
#include "supernet/nb201_network.h"
#include "supernet/nb201_supernet.h"
#include "supernet/spos_trainer.h"
#include "supernet/torch_threads.h"

namespace {

long Arg(int argc, char** argv, const char* name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::strtol(argv[i + 1], nullptr, 10);
  }
  return fallback;
}

template <class Step>
double StepsPerSecond(int steps, Step step) {
  step();  // warm-up: first calls allocate
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) step();
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
  torch::optim::SGD spos(supernet->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  Rng rng(1);
  const double spos_rate = StepsPerSecond(steps, [&] {
    const Architecture arch = SampleNb201Uniform(rng);
    for (auto& p : supernet->parameters()) p.mutable_grad().reset();
    torch::nn::functional::cross_entropy(supernet->forward(images, arch), labels).backward();
    spos.step();
  });
  // The largest cell: every edge a 3x3 convolution.
  Nb201Network network(Architecture{{3, 3, 3, 3, 3, 3}}, Nb201NetworkOptions(skeleton));
  torch::optim::SGD sgd(network->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  const double net_rate = StepsPerSecond(steps, [&] {
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
  return 0;
}
