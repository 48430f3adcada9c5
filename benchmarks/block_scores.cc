// Block-wise distillation on the transformer space of experiments/vit_fashion_mnist.json
// (6 layers, widths 64/96/128, heads 0/1/2/4 of 16 channels, FFN 0/128/256/384: 3 x 16^6 =
// 50,331,648 architectures in 3 blocks of 2 layers), on Fashion-MNIST:
//   1. block training's parallel efficiency: the 3 blocks distilled one after the other with 2
//      intra-op threads, one after the other with 1, and side by side on 2 workers of 1 thread
//      (the same steps each time);
//   2. the block score table: every (block, block choice) scored once (3 x 768 entries) on
//      fixed validation images, on 2 workers;
//   3. scoring from the table: every one of the 50 million architectures scored by look-ups
//      (BlockScoreTable::Score), the best found: candidates per second.
// The teacher is the space's largest network with its initial weights: speed does not depend
// on what it learned. Usage (from the repo root, nothing else running):
//   build/benchmarks/block_scores_bench [--data DIR] [--steps S] [--images N]
// S training steps of batch 128 per block (default 20), N validation images scored per entry
// (default 250). DIR defaults to /usr/share/datasets/fashion-mnist.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <torch/torch.h>

#include "spaces/transformer.h"
#include "supernet/blockwise/block_distiller.h"
#include "supernet/blockwise/block_score_table.h"
#include "supernet/data/dataset.h"
#include "supernet/families.h"
#include "supernet/torch_threads.h"

namespace {

using namespace sculpt;

// `workers` threads, each taking the next job when free (as the engine's workers do).
class Threads final : public SideBySide {
 public:
  explicit Threads(int workers) : workers_(workers) {}
  int Workers() const override { return workers_; }
  void RunEach(int jobs, const std::function<void(int)>& job) override {
    std::atomic<int> next{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < workers_; ++w) {
      threads.emplace_back([&] {
        for (int k = next++; k < jobs; k = next++) job(k);
      });
    }
    for (std::thread& thread : threads) thread.join();
  }

 private:
  int workers_;
};

double Seconds(const std::function<void()>& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string LoadAverage() {
  std::ifstream file("/proc/loadavg");
  std::string one;
  file >> one;
  return one;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  std::int64_t steps = 20;
  std::int64_t images = 250;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data")) {
      data_dir = argv[i + 1];
    } else if (!std::strcmp(argv[i], "--steps")) {
      steps = std::atoll(argv[i + 1]);
    } else if (!std::strcmp(argv[i], "--images")) {
      images = std::atoll(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: block_scores_bench [--data DIR] [--steps S] [--images N]\n");
      return 2;
    }
  }
  std::printf("load average before: %s\n", LoadAverage().c_str());
  KeepFreedTensorMemory();
  DatasetOptions data_options;
  data_options.train_images = data_dir + "/train-images-idx3-ubyte.gz";
  data_options.train_labels = data_dir + "/train-labels-idx1-ubyte.gz";
  data_options.validation_size = images;
  data_options.train_size = steps * 128;
  const std::unique_ptr<ImageDataset> data = ImageDataset::Load(data_options);

  const transformer::Skeleton skeleton;  // the defaults are vit_fashion_mnist.json's space
  const auto space = transformer::MakeSpace(skeleton);
  const auto family = MakeTransformerFamilyFor(skeleton);
  const std::shared_ptr<Network> teacher = family->BuildNetwork(*space->Largest(), 1);
  SposOptions options;
  options.epochs = 1;
  options.batch_size = 128;
  options.optimizer = "adamw";
  options.learning_rate = 0.001;
  options.weight_decay = 0.05;

  // 1. Parallel efficiency of block training (a fresh student each time, the same steps).
  auto train = [&](int threads, SideBySide* workers) {
    SetTorchThreads(threads);
    BlockDistiller distiller(*space, *family, family->BuildSupernet(2), *family, teacher, options);
    return Seconds([&] { distiller.TrainBlocks(*data, workers, 1, nullptr, nullptr, nullptr); });
  };
  const double two_threads = train(2, nullptr);
  const double one_thread = train(1, nullptr);
  Threads two_workers(2);
  const double side_by_side = train(1, &two_workers);
  const double images_trained = 3.0 * static_cast<double>(steps * 128);
  std::printf("block training, 3 blocks x %lld steps of 128 images:\n",
              static_cast<long long>(steps));
  std::printf("  in turn, 2 threads:            %7.1f s (%6.0f block-images/s)\n", two_threads,
              images_trained / two_threads);
  std::printf("  in turn, 1 thread:             %7.1f s (%6.0f block-images/s)\n", one_thread,
              images_trained / one_thread);
  std::printf(
      "  side by side, 2 x 1 thread:    %7.1f s (%6.0f block-images/s; %.2fx one thread, "
      "parallel efficiency %.0f %%)\n",
      side_by_side, images_trained / side_by_side, one_thread / side_by_side,
      50.0 * one_thread / side_by_side);

  // 2. The score table, on a trained student.
  SetTorchThreads(1);
  BlockDistiller distiller(*space, *family, family->BuildSupernet(2), *family, teacher, options);
  distiller.TrainBlocks(*data, &two_workers, 1, nullptr, nullptr, nullptr);
  std::vector<std::int64_t> positions(static_cast<std::size_t>(images));
  std::iota(positions.begin(), positions.end(), 0);
  const std::vector<TeacherActivations> batches = {
      distiller.Teach(data->GetBatch(Split::kValidation, positions, nullptr).images)};
  std::optional<BlockScoreTable> table;
  const double build = Seconds([&] {
    table = BlockScoreTable::Build(distiller, *family, batches, &two_workers, 1);
  });
  std::size_t entries = 0;
  for (int b = 0; b < table->Blocks(); ++b) entries += table->Entries(b);
  std::printf(
      "score table: %zu entries on %lld validation images in %.1f s on 2 workers "
      "(%.1f ms an entry)\n",
      entries, static_cast<long long>(images), build, 1e3 * build * 2 / entries);

  // 3. Every architecture scored from the table.
  const std::vector<Decision> decisions = space->Decisions();
  Architecture arch;
  arch.choices.assign(decisions.size(), 0);
  std::uint64_t scored = 0;
  double best = std::numeric_limits<double>::infinity();
  Architecture best_arch = arch;
  const double all = Seconds([&] {
    while (true) {
      const double score = table->Score(arch);
      ++scored;
      if (score < best) {
        best = score;
        best_arch = arch;
      }
      std::size_t p = 0;  // the next architecture in mixed radix
      while (p < decisions.size() &&
             ++arch.choices[p] == static_cast<int>(decisions[p].options.size())) {
        arch.choices[p++] = 0;
      }
      if (p == decisions.size()) break;
    }
  });
  std::printf(
      "exhaustive scoring: %llu architectures in %.2f s, %.1f million a second (one "
      "thread); best %s (score %.4f)\n",
      static_cast<unsigned long long>(scored), all, static_cast<double>(scored) / all / 1e6,
      space->Format(best_arch).c_str(), best);
  std::printf("load average after: %s\n", LoadAverage().c_str());
  return 0;
}
