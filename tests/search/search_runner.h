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

// The records a sink received, read back as the stored run of an interrupted search (what the
// SQLite store gives a resumed `sculpt run`).
class RecordedRun final : public StoredRun {
 public:
  explicit RecordedRun(std::vector<CandidateRecord> records) : records_(std::move(records)) {}
  std::int64_t StoredSteps() const override {
    return static_cast<std::int64_t>(records_.size());
  }
  const CandidateRecord* Stored(std::int64_t step) const override {
    const CandidateRecord& record = records_.at(static_cast<std::size_t>(step));
    return record.repeat_of >= 0 ? nullptr : &record;
  }
  double StoredSeconds() const override {
    return records_.empty() ? 0.0 : records_.back().finished_at;
  }

 private:
  std::vector<CandidateRecord> records_;
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
inline void ExpectSameRecords(const std::vector<CandidateRecord>& a,
                              const std::vector<CandidateRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].step, b[i].step) << "record " << i;
    EXPECT_EQ(a[i].arch, b[i].arch) << "step " << i;
    EXPECT_EQ(a[i].origin, b[i].origin) << "step " << i;
    EXPECT_EQ(a[i].parent, b[i].parent) << "step " << i;
    EXPECT_EQ(a[i].status, b[i].status) << "step " << i;
    EXPECT_EQ(a[i].repeat_of, b[i].repeat_of) << "step " << i;
    EXPECT_EQ(a[i].objective, b[i].objective) << "step " << i;
  }
}

inline void ExpectSameRun(const SearchRun& a, const SearchRun& b) {
  ExpectSameRecords(a.records, b.records);
  EXPECT_EQ(a.summary.reason, b.summary.reason);
}

}  // namespace sculpt::testing
