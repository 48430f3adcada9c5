// Benchmark 2: engine speed. Regularized evolution (P=10, S=3) for N proposals on the
// NAS-Bench-201 table, most answered from the cache, every proposal written to SQLite; then the
// same work as a plain Python loop (benchmarks/engine_speed.py, Python's sqlite3 module), side by
// side in one run on the same machine.
//
// usage: engine_speed_bench TABLE.csv [--proposals N] [--batch B] [--workers W] [--python PATH]
//                           [--no-python] [--no-store]
// --no-store discards the records (the engine alone, to see what storage costs).

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "benchmarks/nb201_table.h"
#include "experiments/config/builtins.h"
#include "experiments/store/store.h"
#include "search/engine.h"
#include "spaces/options.h"

namespace {

using namespace sculpt;
namespace fs = std::filesystem;

struct Measurement {
  std::int64_t proposals = 0;
  std::int64_t evaluations = 0;
  double seconds = 0;      // wall
  double cpu_seconds = 0;  // user + system of the whole process (all threads)
};

// CPU time is what a busy machine cannot inflate; wall time is what a user waits.
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

// Discards records: measures the engine alone, without storage.
class NullSink final : public ResultSink {
 public:
  void Write(std::span<const CandidateRecord> /*records*/) override {}
};

Measurement RunSculpt(const std::string& table, const fs::path& db, std::int64_t proposals,
                      int batch, int workers, bool store_records) {
  bench::Nb201Table loaded = bench::LoadNb201Table(table);
  const std::unique_ptr<SearchSpace>& space = loaded.space;
  const std::unique_ptr<Evaluator>& evaluator = loaded.evaluator;
  ConfigErrors errors;
  nlohmann::json strategy_config = {{"population", 10}, {"sample", 3}};
  Options strategy_options(strategy_config, "strategy", errors, nullptr);
  const std::vector<Objective> objectives = {{"cifar10_valid", Goal::kMaximize}};
  auto strategy = Strategies().Get("regularized_evolution")(strategy_options,
                                                            {space.get(), objectives, 0, {}, {}});
  errors.ThrowIfAny();

  auto store = ResultStore::Open(db.string());
  const std::int64_t id = store->CreateExperiment("engine-speed", {{"benchmark", "engine_speed"}},
                                                  "nb201", "regularized_evolution",
                                                  objectives.front(), 0);
  std::unique_ptr<ResultSink> writer =
      store_records ? store->Writer(id, WriteMode::kBackground) : std::make_unique<NullSink>();
  EngineOptions options;
  options.batch = batch;
  options.workers = workers;
  options.budget.proposals = proposals;
  options.strategy_name = "regularized_evolution";
  Engine engine(*space, *evaluator, *strategy, objectives, {}, options);
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = ProcessCpuSeconds();
  const RunSummary summary = engine.Run(*writer);
  writer.reset();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu_seconds = ProcessCpuSeconds() - cpu_start;
  store->FinishExperiment(id, "finished", {});
  if (summary.reason != StopReason::kProposalBudget) {
    std::cerr << "note: the search stopped early: " << ToString(summary.reason) << "\n";
  }
  return {summary.progress.proposals, summary.progress.evaluations, seconds, cpu_seconds};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: engine_speed_bench TABLE.csv [--proposals N] [--batch B] [--workers W] "
                 "[--python PATH] [--no-python] [--no-store]\n";
    return 2;
  }
  const std::string table = argv[1];
  std::int64_t proposals = 1'000'000;
  int batch = 100;
  int workers = 2;
  bool python = true;
  bool store_records = true;
  std::string script = (fs::path(__FILE__).parent_path() / "engine_speed.py").string();
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-python") {
      python = false;
    } else if (flag == "--no-store") {
      store_records = false;
    } else if (i + 1 < argc && flag == "--proposals") {
      proposals = std::stoll(argv[++i]);
    } else if (i + 1 < argc && flag == "--batch") {
      batch = std::stoi(argv[++i]);
    } else if (i + 1 < argc && flag == "--workers") {
      workers = std::stoi(argv[++i]);
    } else if (i + 1 < argc && flag == "--python") {
      script = argv[++i];
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  const fs::path dir = fs::temp_directory_path() / ("sculpt_engine_speed_" + std::to_string(::getpid()));
  fs::create_directories(dir);

  const Measurement sculpt =
      RunSculpt(table, dir / "sculpt.sqlite", proposals, batch, workers, store_records);
  const double sculpt_rate = static_cast<double>(sculpt.proposals) / sculpt.seconds;
  const double sculpt_cpu_rate = static_cast<double>(sculpt.proposals) / sculpt.cpu_seconds;
  std::printf("sculpt : %lld proposals (%lld evaluated) in %.3f s wall, %.3f s CPU = %.0f "
              "proposals/s wall, %.0f per CPU-second (batch %d, %d workers, %s)\n",
              static_cast<long long>(sculpt.proposals), static_cast<long long>(sculpt.evaluations),
              sculpt.seconds, sculpt.cpu_seconds, sculpt_rate, sculpt_cpu_rate, batch, workers,
              store_records ? "every proposal written to SQLite"
                            : "records discarded: engine only");
  if (python) {
    // The Python loop writes into the same schema: an empty experiment made by the store.
    {
      auto store = ResultStore::Open((dir / "python.sqlite").string());
      store->CreateExperiment("engine-speed-python", {{"benchmark", "engine_speed"}}, "nb201",
                              "regularized_evolution", {"cifar10_valid", Goal::kMaximize}, 0);
    }
    // Debian's interpreter (what a user of this machine has) rather than whatever `python3` is
    // first on PATH: here a pyenv build that runs the loop 25 % slower.
    const std::string interpreter = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    const std::string command = interpreter + " '" + script + "' '" + table + "' '" +
                                (dir / "python.sqlite").string() + "' " +
                                std::to_string(proposals) + " " + std::to_string(batch) + " 0";
    FILE* pipe = popen(command.c_str(), "r");
    long long py_proposals = 0, py_evaluations = 0;
    double py_seconds = 0, py_rate = 0, py_cpu = 0;
    if (pipe == nullptr ||
        std::fscanf(pipe, "%lld %lf %lf %lld %lf", &py_proposals, &py_seconds, &py_rate,
                    &py_evaluations, &py_cpu) != 5) {
      std::cerr << "the Python loop failed: " << command << "\n";
      if (pipe != nullptr) pclose(pipe);
      fs::remove_all(dir);
      return 1;
    }
    pclose(pipe);
    const double py_cpu_rate = static_cast<double>(py_proposals) / py_cpu;
    std::printf("python : %lld proposals (%lld evaluated) in %.3f s wall, %.3f s CPU = %.0f "
                "proposals/s wall, %.0f per CPU-second (plain loop, sqlite3 module)\n",
                py_proposals, py_evaluations, py_seconds, py_cpu, py_rate, py_cpu_rate);
    std::printf("speed-up: %.1fx wall, %.1fx per CPU-second\n", sculpt_rate / py_rate,
                sculpt_cpu_rate / py_cpu_rate);
  }
  fs::remove_all(dir);
  return 0;
}
