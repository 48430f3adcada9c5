#pragma once
// Test helper: builds a strategy through its factory, runs it on the engine and keeps every
// record. For strategy tests; one thread (the test's).

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "search/engine.h"
#include "search/strategy.h"

namespace sculpt::testing {

class RecordingSink final : public ResultSink {
 public:
  void Write(std::span<const CandidateRecord> records) override {
    all.insert(all.end(), records.begin(), records.end());
  }
  std::vector<CandidateRecord> all;
};

struct SearchRun {
  std::vector<CandidateRecord> records;
  RunSummary summary;
};

inline std::unique_ptr<Strategy> BuildStrategy(const StrategyFactory& factory,
                                               const SearchSpace& space,
                                               const std::vector<Objective>& objectives,
                                               const nlohmann::json& options, std::uint64_t seed) {
  ConfigErrors errors;
  Options opts(options, "strategy", errors, nullptr);
  auto strategy = factory(opts, {&space, objectives, seed, {}, {}});
  opts.Finish();
  EXPECT_TRUE(errors.Empty()) << (errors.Empty() ? "" : errors.Messages().front());
  return strategy;
}

inline SearchRun RunStrategy(const StrategyFactory& factory, const SearchSpace& space,
                             const Evaluator& evaluator, const std::vector<Objective>& objectives,
                             const nlohmann::json& options, EngineOptions engine_options,
                             std::vector<Constraint> constraints = {}) {
  auto strategy = BuildStrategy(factory, space, objectives, options, engine_options.seed);
  Engine engine(space, evaluator, *strategy, objectives, std::move(constraints), engine_options);
  RecordingSink sink;
  SearchRun run;
  run.summary = engine.Run(sink);
  run.records = std::move(sink.all);
  return run;
}

// Same proposals, results and origins, record by record.
inline void ExpectSameRun(const SearchRun& a, const SearchRun& b) {
  ASSERT_EQ(a.records.size(), b.records.size());
  for (std::size_t i = 0; i < a.records.size(); ++i) {
    EXPECT_EQ(a.records[i].arch, b.records[i].arch) << "step " << i;
    EXPECT_EQ(a.records[i].origin, b.records[i].origin) << "step " << i;
    EXPECT_EQ(a.records[i].parent, b.records[i].parent) << "step " << i;
    EXPECT_EQ(a.records[i].status, b.records[i].status) << "step " << i;
    EXPECT_EQ(a.records[i].objective, b.records[i].objective) << "step " << i;
  }
  EXPECT_EQ(a.summary.reason, b.summary.reason);
}

}  // namespace sculpt::testing
