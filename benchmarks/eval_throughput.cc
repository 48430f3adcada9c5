// Candidate-evaluation throughput of the registered "supernet" evaluator with 1 and 2 engine
// workers (1 intra-op thread each), side by side in one process, and the parallel efficiency
// rate(2 workers) / (2 x rate(1 worker)).
//   eval_throughput_bench [--config FILE] [--candidates K] [--train-steps S] [--repeats R]
//                         [--latency-runs L]
// The evaluator is built from the config (default experiments/quickstart.json) exactly as an
// experiment builds it, except that its supernet is trained for only S steps (its accuracy does
// not matter here) and nothing is checkpointed. Then the same K sampled candidates are evaluated
// the way the engine does it (tbb::parallel_for with grain 1 inside a tbb::task_arena of W
// workers), alternating W = 1 and W = 2, R times each; the best time of each is reported, and
// the metrics of the two must be identical (latency_ms, a measurement, excepted).
// --latency-runs replaces the config's latency_runs (the batch-1 timing inside each evaluation).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <sys/resource.h>

#include "experiments/config/experiment.h"
#include "spaces/rng.h"
#include "supernet/training/spos_trainer.h"
#include "supernet/torch_threads.h"

namespace {

const char* StringArg(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return fallback;
}

long Arg(int argc, char** argv, const char* name, long fallback) {
  const char* value = StringArg(argc, argv, name, nullptr);
  return value == nullptr ? fallback : std::strtol(value, nullptr, 10);
}

// CPU seconds this process has used (all threads, user + system).
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sculpt;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0) {
      std::printf(
          "eval_throughput_bench [--config FILE] [--candidates K] [--train-steps S] "
          "[--repeats R] [--latency-runs L]\n");
      return 0;
    }
  }
  const std::filesystem::path default_config =
      std::filesystem::path(__FILE__).parent_path().parent_path() / "experiments" /
      "quickstart.json";
  const std::filesystem::path config_path =
      StringArg(argc, argv, "--config", default_config.c_str());
  const int candidates = static_cast<int>(Arg(argc, argv, "--candidates", 24));
  const long train_steps = Arg(argc, argv, "--train-steps", 20);
  const int repeats = static_cast<int>(Arg(argc, argv, "--repeats", 2));
  const long latency_runs = Arg(argc, argv, "--latency-runs", -1);

  std::ifstream in(config_path);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", config_path.c_str());
    return 1;
  }
  nlohmann::json config = nlohmann::json::parse(in);
  nlohmann::json& training = config["evaluator"]["training"];
  training["epochs"] = 1;
  training["steps_per_epoch"] = train_steps;
  if (latency_runs >= 0) config["evaluator"]["latency_runs"] = latency_runs;
  config["workers"] = 2;
  config["threads_per_worker"] = 1;
  Experiment e = BuildExperiment(config, config_path.parent_path(), Overrides{});
  SetTorchThreads(1);
  PrepareContext prepare;  // no checkpoint folder: nothing is written
  const auto prepare_start = std::chrono::steady_clock::now();
  e.evaluator->Prepare(prepare);
  std::printf("%s: supernet trained %ld steps in %.1f s\n", config_path.filename().c_str(),
              train_steps, Seconds(prepare_start));

  Rng rng(7);
  std::vector<Architecture> archs;
  for (int i = 0; i < candidates; ++i) archs.push_back(e.space->Sample(rng));

  // One pass over the candidates with `workers` engine workers, as Engine::Run schedules them.
  // Returns candidates per second; adds the pass's CPU seconds per candidate to `cpu`: on a
  // machine that other jobs load, the rate drops when 2 workers cannot get 2 cores, while CPU
  // time per candidate rises only when the workers slow each other down (shared state, locks,
  // spinning threads, memory bandwidth).
  auto run = [&](int workers, std::vector<Metrics>& results, double& cpu) {
    results.assign(archs.size(), {});
    tbb::task_arena arena(workers);
    const double cpu_start = CpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, archs.size(), 1),
                        [&](const tbb::blocked_range<std::size_t>& range) {
                          for (std::size_t i = range.begin(); i != range.end(); ++i) {
                            const EvalContext context{MixSeed(e.seed, i),
                                                      static_cast<std::int64_t>(i)};
                            results[i] = e.evaluator->Evaluate(archs[i], context);
                          }
                        });
    });
    const double rate = static_cast<double>(archs.size()) / Seconds(start);
    cpu = (CpuSeconds() - cpu_start) / static_cast<double>(archs.size());
    return rate;
  };

  std::vector<Metrics> one, two;
  double cpu1 = 0;
  double cpu2 = 0;
  run(1, one, cpu1);  // warm-up: first calls allocate and spin up threads
  double best1 = 0;
  double best2 = 0;
  double best_cpu1 = 1e300;
  double best_cpu2 = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const double rate1 = run(1, one, cpu1);
    const double rate2 = run(2, two, cpu2);
    std::printf("  repeat %d: 1 worker %.2f candidates/s (%.3f CPU s each), 2 workers %.2f "
                "candidates/s (%.3f CPU s each): efficiency %.0f %%\n",
                r + 1, rate1, cpu1, rate2, cpu2, 100.0 * rate2 / (2.0 * rate1));
    best1 = std::max(best1, rate1);
    best2 = std::max(best2, rate2);
    best_cpu1 = std::min(best_cpu1, cpu1);
    best_cpu2 = std::min(best_cpu2, cpu2);
  }
  int mismatches = 0;
  for (std::size_t i = 0; i < archs.size(); ++i) {
    for (const auto& [name, value] : one[i]) {
      if (name == "latency_ms") continue;
      const auto found = two[i].find(name);
      if (found == two[i].end() || found->second != value) ++mismatches;
    }
  }
  std::printf("%d candidates, best of %d: 1 worker x 1 thread %.2f candidates/s, "
              "2 workers x 1 thread %.2f candidates/s\n",
              candidates, repeats, best1, best2);
  std::printf("parallel efficiency rate2 / (2 x rate1) = %.1f %%\n", 100.0 * best2 / (2 * best1));
  std::printf("CPU seconds per candidate: 1 worker %.3f, 2 workers %.3f (ratio %.2f)\n", best_cpu1,
              best_cpu2, best_cpu2 / best_cpu1);
  std::printf("metrics identical between 1 and 2 workers: %s\n",
              mismatches == 0 ? "yes" : "NO");
  return mismatches == 0 ? 0 : 1;
}
