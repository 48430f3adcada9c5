// Fuzzing `sculpt run` (issue 10): a few hundred seeded malformed configs and command lines
// (config_fuzzer.h), each run by the real binary under a time and memory limit, must end in a
// successful run (exit 0) or a clear refusal (exit 2, with a message), never in a crash, a
// signal, a hang or an internal error.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/experiments/config_fuzzer.h"
#include "tests/experiments/run_sculpt.h"
#include "tests/experiments/test_table.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;

constexpr int kConfigs = 200;
constexpr int kCommandLines = 40;
// The inputs run two at a time: each run mostly waits on LibTorch's start-up.
constexpr int kParallel = 2;

struct FuzzInput {
  nlohmann::json config;
  std::string arguments;
};

TEST(ConfigFuzzTest, EveryMalformedInputRunsOrIsRefusedCleanly) {
  const fs::path dir = fs::temp_directory_path() / ("sculpt_fuzz_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  testing::WriteSyntheticNb201Table(dir / "table.csv");
  testing::ConfigFuzzer fuzzer(20261202, (dir / "table.csv").string());
  std::vector<FuzzInput> inputs;
  for (int i = 0; i < kConfigs; ++i) inputs.push_back({fuzzer.Config(), "--quiet"});
  const std::vector<nlohmann::json> bases = fuzzer.Bases();
  for (int i = 0; i < kCommandLines; ++i) {
    inputs.push_back({bases[static_cast<std::size_t>(i) % bases.size()], fuzzer.Arguments()});
  }

  std::mutex mutex;
  std::map<int, int> exits;
  std::vector<std::string> failures;
  auto run = [&](std::size_t first) {
    for (std::size_t i = first; i < inputs.size(); i += kParallel) {
      const fs::path path = dir / ("config-" + std::to_string(i) + ".json");
      std::ofstream(path) << inputs[i].config.dump();
      const fs::path db = dir / ("fuzz-" + std::to_string(i) + ".sqlite");
      // 30 s and 8 GB of address space (LibTorch reserves much it never uses): a hang or a
      // runaway allocation ends in a signal, which fails the test.
      const testing::SculptResult result = testing::RunCommand(
          "ulimit -v 8000000; timeout -s KILL 30 " + std::string(SCULPT_BINARY) + " run " +
          path.string() + " --db " + db.string() + " " + inputs[i].arguments + " </dev/null");
      const bool clean = (result.status == 0 || (result.status == 2 && result.out.size() > 10)) &&
                         result.out.find("internal error") == std::string::npos;
      std::lock_guard<std::mutex> lock(mutex);
      ++exits[result.status];
      if (!clean) {
        failures.push_back("input " + std::to_string(i) + " exited " +
                           std::to_string(result.status) + " (-1: a signal)\n  arguments: " +
                           inputs[i].arguments + "\n  config: " +
                           inputs[i].config.dump().substr(0, 2000) + "\n  output: " +
                           result.out.substr(0, 2000));
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kParallel; ++t) threads.emplace_back(run, static_cast<std::size_t>(t));
  for (std::thread& thread : threads) thread.join();

  for (const std::string& failure : failures) ADD_FAILURE() << failure;
  // The fuzzer reaches both outcomes: it tests refusals, and runs that go through.
  EXPECT_GE(exits[0], 15);
  EXPECT_GE(exits[2], 100);
  for (const auto& [status, count] : exits) std::cout << "  exit " << status << ": " << count << "\n";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sculpt
