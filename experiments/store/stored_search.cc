#include "experiments/store/stored_search.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "experiments/store/store_json.h"
#include "spaces/errors.h"

namespace sculpt {
namespace {

CandidateStatus ParseStatus(const std::string& text, const std::string& path) {
  if (text == "ok") return CandidateStatus::kOk;
  if (text == "failed") return CandidateStatus::kFailed;
  if (text == "infeasible") return CandidateStatus::kInfeasible;
  throw UserError("database " + path + ": unknown candidate status '" + text + "'");
}

class StoredSearch final : public StoredRun {
 public:
  StoredSearch(const sqlite::Database& db, std::int64_t experiment_id) {
    sqlite::Statement evaluations(
        db,
        "SELECT step, arch, status, error, objective, metrics, eval_seconds, finished_at "
        "FROM evaluations WHERE experiment_id = ?1");
    evaluations.Bind(1, experiment_id);
    while (evaluations.Step()) {
      CandidateRecord record;
      record.step = evaluations.Int(0);
      record.arch_text = evaluations.Text(1);
      record.status = ParseStatus(std::string(evaluations.Text(2)), db.Path());
      record.error = evaluations.OptionalText(3).value_or("");
      record.objective = evaluations.OptionalReal(4);
      if (!evaluations.IsNull(5)) {
        record.metrics = store_json::ParseMetrics(evaluations.Text(5), db.Path());
      }
      record.eval_seconds = evaluations.Real(6);
      record.finished_at = evaluations.Real(7);
      steps_ = std::max(steps_, record.step + 1);
      seconds_ = std::max(seconds_, record.finished_at);
      records_.emplace(record.step, std::move(record));
    }
    // Where the repeats end: stored one row per batch, or beyond stored_repeats only counted,
    // their last step kept (repeat_counts exists in every file a writer opened, and resuming
    // opens it to write). A batch row's repeats need not be consecutive steps (evaluations
    // interleave), so its end is its last repeat's step, not first_step + count: that sum
    // fell short when a batch ended in a repeat after an evaluation, and the resumed search
    // stored that repeat a second time.
    sqlite::Statement repeats(
        db,
        "SELECT max(next_step), max(finished_at) FROM ("
        "SELECT json_extract(repeats, '$[#-1][0]') + 1 AS next_step, finished_at "
        "FROM repeat_batches WHERE experiment_id = ?1 UNION ALL "
        "SELECT last_step + 1, finished_at FROM repeat_counts WHERE experiment_id = ?1)");
    repeats.Bind(1, experiment_id);
    if (repeats.Step() && !repeats.IsNull(0)) {
      steps_ = std::max(steps_, repeats.Int(0));
      seconds_ = std::max(seconds_, repeats.Real(1));
    }
  }

  std::int64_t StoredSteps() const override { return steps_; }
  const CandidateRecord* Stored(std::int64_t step) const override {
    auto it = records_.find(step);
    return it == records_.end() ? nullptr : &it->second;
  }
  double StoredSeconds() const override { return seconds_; }

 private:
  std::unordered_map<std::int64_t, CandidateRecord> records_;
  std::int64_t steps_ = 0;
  double seconds_ = 0.0;
};

}  // namespace

std::unique_ptr<StoredRun> ReadStoredSearch(const sqlite::Database& db,
                                            std::int64_t experiment_id) {
  return std::make_unique<StoredSearch>(db, experiment_id);
}

}  // namespace sculpt
