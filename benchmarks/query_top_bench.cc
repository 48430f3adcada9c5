// Benchmark 3: `sculpt query DB --top 10` on a database of one million candidates.
//
// Builds the database through the store's writer (as the engine would: batches of 1000, most
// records repeats without metrics), or reuses it when a previous run left it, then times the
// in-process QueryCommand several times and prints the median. Target: under 100 ms.
//
//   query_top_bench [DB] [--candidates N] [--runs R] [--rebuild]
//
// DB defaults to query_top_bench.sqlite in the working directory.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "experiments/cli/cli.h"
#include "experiments/store/store.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kExperimentName = "query_top_bench";

// CPU time of this thread: on a shared machine wall time also counts other processes.
double ThreadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// NAS-Bench-201-like strings, so rows are as wide as real ones.
std::string ArchText(std::uint64_t code) {
  static constexpr std::array<const char*, 5> kOps = {"none", "skip_connect", "nor_conv_1x1",
                                                      "nor_conv_3x3", "avg_pool_3x3"};
  std::string text;
  int edge = 0;
  for (int node = 1; node <= 3; ++node) {
    text += node == 1 ? "|" : "+|";
    for (int from = 0; from < node; ++from, ++edge) {
      text += kOps[code % 5];
      code /= 5;
      text += '~';
      text += std::to_string(from);
      text += '|';
    }
  }
  return text;
}

void Build(const std::string& path, std::int64_t count) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  auto store = sculpt::ResultStore::Open(path);
  const std::int64_t id = store->CreateExperiment(
      kExperimentName, {{"name", kExperimentName}, {"candidates", count}}, "nb201",
      "regularized_evolution", {"accuracy", sculpt::Goal::kMaximize}, 1);
  auto writer = store->Writer(id);

  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<sculpt::CandidateRecord> batch;
  std::vector<std::int64_t> evaluated_steps;
  std::vector<std::uint64_t> evaluated_hashes;
  const Clock::time_point start = Clock::now();
  double writing = 0.0;  // seconds inside ResultSink::Write
  double writing_cpu = 0.0;
  for (std::int64_t step = 0; step < count; ++step) {
    sculpt::CandidateRecord r;
    r.step = step;
    const std::uint64_t code = rng() % 15625;
    r.arch_text = ArchText(code);
    r.strategy = "regularized_evolution";
    r.origin = step < 100 ? "random" : "mutation";
    r.parent = step < 100 ? -1 : step - 1 - static_cast<std::int64_t>(rng() % 100);
    r.finished_at = static_cast<double>(step) * 1e-5;
    // One in ten proposals is new (evaluated); the rest repeat an earlier evaluation.
    if (evaluated_steps.empty() || step % 10 == 0) {
      r.hash = rng();
      if (step % 997 == 0) {
        r.status = sculpt::CandidateStatus::kFailed;
        r.error = "diverged";
      } else {
        const double accuracy = 60.0 + 35.0 * unit(rng);
        r.metrics = {{"accuracy", accuracy},
                     {"loss", 2.0 - accuracy / 50.0},
                     {"params", 1e5 + 1.5e6 * unit(rng)},
                     {"flops", 1e7 + 2e8 * unit(rng)},
                     {"latency_ms", 1.0 + 9.0 * unit(rng)}};
        r.objective = accuracy;
        r.eval_seconds = 0.01;
      }
      evaluated_steps.push_back(step);
      evaluated_hashes.push_back(r.hash);
    } else {
      const std::size_t original = rng() % evaluated_steps.size();
      r.repeat_of = evaluated_steps[original];
      r.hash = evaluated_hashes[original];
      r.objective = 70.0;
    }
    batch.push_back(std::move(r));
    if (batch.size() == 1000 || step + 1 == count) {
      const Clock::time_point write_start = Clock::now();
      const double cpu_start = ThreadCpuSeconds();
      writer->Write(batch);
      writing_cpu += ThreadCpuSeconds() - cpu_start;
      writing += Seconds(write_start);
      batch.clear();
    }
  }
  const double seconds = Seconds(start);
  store->FinishExperiment(id, "finished", {{"proposals", count}});
  std::printf(
      "built %s: %lld candidates in %.2f s, %.2f s of it in ResultSink::Write "
      "(%.0f records/s written; %.2f s CPU in Write: %.0f records per CPU second)\n",
      path.c_str(), static_cast<long long>(count), seconds, writing,
      static_cast<double>(count) / writing, writing_cpu, static_cast<double>(count) / writing_cpu);
}

bool Reusable(const std::string& path, std::int64_t count) {
  if (!std::filesystem::exists(path)) return false;
  try {
    auto store = sculpt::ResultStore::OpenReadOnly(path);
    const auto experiment = store->FindExperiment(kExperimentName);
    return experiment && experiment->status == "finished" &&
           store->Stats(experiment->id).candidates == count;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = "query_top_bench.sqlite";
  std::int64_t count = 1'000'000;
  int runs = 15;
  bool rebuild = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--candidates" && i + 1 < argc) {
      count = std::stoll(argv[++i]);
    } else if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::stoi(argv[++i]));
    } else if (arg == "--rebuild") {
      rebuild = true;
    } else if (!arg.empty() && arg[0] != '-') {
      path = arg;
    } else {
      std::cerr << "usage: query_top_bench [DB] [--candidates N] [--runs R] [--rebuild]\n";
      return 2;
    }
  }

  try {
    if (rebuild || !Reusable(path, count)) {
      Build(path, count);
    } else {
      std::printf("reusing %s (%lld candidates)\n", path.c_str(), static_cast<long long>(count));
    }

    std::vector<double> times;
    std::string output;
    for (int run = 0; run < runs; ++run) {
      std::ostringstream out;
      std::ostringstream err;
      const Clock::time_point start = Clock::now();
      const int status = sculpt::QueryCommand({path, "--top", "10"}, {out, err});
      times.push_back(Seconds(start) * 1000.0);
      if (status != 0) {
        std::cerr << "query failed: " << err.str();
        return 1;
      }
      output = out.str();
    }
    std::sort(times.begin(), times.end());
    const double median = times[times.size() / 2];
    std::printf("%s", output.c_str());
    std::printf(
        "sculpt query %s --top 10 (in process, open + query + format), %d runs: "
        "median %.2f ms, min %.2f ms, max %.2f ms; target < 100 ms: %s\n",
        path.c_str(), runs, median, times.front(), times.back(), median < 100.0 ? "met" : "MISSED");
    std::printf("time it with the real binary:\n  time ./sculpt query %s --top 10 > /dev/null\n",
                path.c_str());
    return median < 100.0 ? 0 : 1;
  } catch (const std::exception& error) {
    std::cerr << "query_top_bench: " << error.what() << "\n";
    return 1;
  }
}
