#include "experiments/store_writer.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "experiments/store_json.h"
#include "spaces/errors.h"

namespace sculpt {
namespace {

using namespace store_json;
using sqlite::Database;
using sqlite::Statement;
using sqlite::Transaction;

constexpr const char* kInsertEvaluation =
    "INSERT INTO evaluations (experiment_id, step, arch, hash, strategy, origin, parent_step, "
    "status, error, objective, metrics, eval_seconds, finished_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

// One repeat_batches row: consecutive repeats of one strategy.
struct RepeatRow {
  std::int64_t first_step = 0;
  std::int64_t count = 0;
  std::string strategy;
  double finished_at = 0.0;
  std::string repeats;  // the JSON array
};

// A batch reduced to what the database receives. Evaluations are copied whole (few: one per
// canonical class); repeats (most of a long search) are already JSON text.
struct EncodedBatch {
  std::vector<CandidateRecord> evaluations;
  std::vector<std::pair<std::int64_t, std::string>> architectures;  // new string forms
  std::vector<RepeatRow> repeats;
};

// Numbers string forms and turns records into EncodedBatches (the caller's thread).
class BatchEncoder {
 public:
  BatchEncoder(const Database& db, std::int64_t experiment_id) {
    // Another writer may have numbered architectures of this experiment already.
    Statement known(db, "SELECT id, arch FROM architectures WHERE experiment_id = ?1");
    known.Bind(1, experiment_id);
    while (known.Step()) arch_ids_.emplace(known.Text(1), known.Int(0));
  }

  void Encode(std::span<const CandidateRecord> records, EncodedBatch& batch) {
    RepeatRow* row = nullptr;
    for (const CandidateRecord& r : records) {
      const std::int64_t arch_id = ArchitectureId(r, batch);
      if (r.repeat_of < 0) {
        batch.evaluations.push_back(r);
        continue;
      }
      if (row == nullptr || row->strategy != r.strategy) {
        if (row != nullptr) row->repeats += ']';
        row = &batch.repeats.emplace_back();
        row->first_step = r.step;
        row->strategy = r.strategy;
        row->repeats = "[";
      } else {
        row->repeats += ',';
      }
      ++row->count;
      row->finished_at = r.finished_at;
      std::string& out = row->repeats;
      out += '[';
      AppendInteger(r.step, out);
      out += ',';
      AppendInteger(arch_id, out);
      out += ',';
      AppendInteger(r.repeat_of, out);
      out += ',';
      if (r.parent >= 0) {
        AppendInteger(r.parent, out);
      } else {
        out += "null";
      }
      out += ',';
      AppendJsonString(r.origin, out);
      out += ']';
    }
    if (row != nullptr) row->repeats += ']';
  }

 private:
  // The database's number of a record's string form. The engine numbers string forms itself
  // (arch_id), so a known one is an array look-up; only a new one is hashed.
  std::int64_t ArchitectureId(const CandidateRecord& r, EncodedBatch& batch) {
    const auto engine_id = static_cast<std::size_t>(r.arch_id);
    if (r.arch_id >= 0 && engine_id < by_engine_id_.size() && by_engine_id_[engine_id] >= 0) {
      return by_engine_id_[engine_id];
    }
    auto [it, is_new] =
        arch_ids_.try_emplace(r.arch_text, static_cast<std::int64_t>(arch_ids_.size()));
    if (is_new) batch.architectures.emplace_back(it->second, r.arch_text);
    if (r.arch_id >= 0) {
      // A number the engine gave to a proposal it then never made (the budget ran out) leaves
      // a gap: -1.
      if (engine_id >= by_engine_id_.size()) by_engine_id_.resize(engine_id + 1, -1);
      by_engine_id_[engine_id] = it->second;
    }
    return it->second;
  }

  std::unordered_map<std::string, std::int64_t> arch_ids_;
  std::vector<std::int64_t> by_engine_id_;  // the engine's arch_id -> the database's
};

// Executes an EncodedBatch's inserts inside the caller's transaction.
class BatchInserter {
 public:
  BatchInserter(const Database& db, std::int64_t experiment_id)
      : experiment_id_(experiment_id),
        insert_evaluation_(db, kInsertEvaluation, /*persistent=*/true),
        insert_architecture_(db,
                             "INSERT INTO architectures (experiment_id, id, arch) "
                             "VALUES (?1, ?2, ?3)",
                             /*persistent=*/true),
        insert_repeats_(db,
                        "INSERT INTO repeat_batches (experiment_id, first_step, count, "
                        "strategy, finished_at, repeats) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        /*persistent=*/true) {}

  void Insert(const EncodedBatch& batch) {
    for (const auto& [id, arch] : batch.architectures) {
      insert_architecture_.Bind(1, experiment_id_).Bind(2, id).BindStatic(3, arch);
      Run(insert_architecture_);
    }
    for (const CandidateRecord& r : batch.evaluations) InsertEvaluation(r);
    for (const RepeatRow& row : batch.repeats) {
      insert_repeats_.Bind(1, experiment_id_).Bind(2, row.first_step).Bind(3, row.count);
      insert_repeats_.BindStatic(4, row.strategy).Bind(5, row.finished_at);
      insert_repeats_.BindStatic(6, row.repeats);
      Run(insert_repeats_);
    }
  }

 private:
  static void Run(Statement& statement) {
    statement.Run();
    statement.Rewind();
  }

  void InsertEvaluation(const CandidateRecord& r) {
    std::array<char, 16> hex{};
    AppendHex(r.hash, hex);
    Statement& insert = insert_evaluation_;
    insert.Bind(1, experiment_id_).Bind(2, r.step);
    insert.BindStatic(3, r.arch_text).BindStatic(4, std::string_view(hex.data(), 16));
    insert.BindStatic(5, r.strategy).BindStatic(6, r.origin);
    if (r.parent >= 0) {
      insert.Bind(7, r.parent);
    } else {
      insert.BindNull(7);
    }
    insert.BindStatic(8, ToString(r.status));
    if (r.error.empty()) {
      insert.BindNull(9);
    } else {
      insert.BindStatic(9, r.error);
    }
    insert.Bind(10, r.objective);
    metrics_.clear();
    AppendMetricsJson(r.metrics, metrics_);
    insert.BindStatic(11, metrics_);
    insert.Bind(12, r.eval_seconds).Bind(13, r.finished_at);
    Run(insert);
  }

  std::int64_t experiment_id_;
  Statement insert_evaluation_;
  Statement insert_architecture_;
  Statement insert_repeats_;
  std::string metrics_;  // reused buffer
};

class ImmediateWriter final : public ResultSink {
 public:
  ImmediateWriter(const Database& db, std::int64_t experiment_id)
      : db_(db), encoder_(db, experiment_id), inserter_(db, experiment_id) {}

  void Write(std::span<const CandidateRecord> records) override {
    if (records.empty()) return;
    EncodedBatch batch;
    encoder_.Encode(records, batch);
    Transaction transaction(db_);
    inserter_.Insert(batch);
    transaction.Commit();
  }

 private:
  const Database& db_;
  BatchEncoder encoder_;
  BatchInserter inserter_;
};

class BackgroundWriter final : public ResultSink {
 public:
  BackgroundWriter(const Database& db, std::int64_t experiment_id)
      : db_(db), encoder_(db, experiment_id), inserter_(db, experiment_id),
        thread_([this] { Loop(); }) {}

  ~BackgroundWriter() override {
    try {
      Flush();
    } catch (const std::exception& error) {
      // A destructor cannot throw; the engine calls Flush itself, so this is an unwinding path
      // whose own error is already on its way.
      std::cerr << "sculpt: results not written: " << error.what() << "\n";
    }
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  void Write(std::span<const CandidateRecord> records) override {
    if (records.empty()) return;
    EncodedBatch batch;
    encoder_.Encode(records, batch);
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return error_ || queue_.size() < kMaxQueuedBatches; });
    RethrowLocked();
    queue_.push_back(std::move(batch));
    wake_.notify_one();
  }

  void Flush() override {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return error_ || (queue_.empty() && !busy_); });
    RethrowLocked();
  }

 private:
  void Loop() {
    std::deque<EncodedBatch> work;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, nothing left
        work.swap(queue_);
        busy_ = true;
        // After a failed transaction nothing more is stored: the record would have a gap.
        if (error_) work.clear();
      }
      done_.notify_all();  // room in the queue
      std::exception_ptr error;
      try {
        // Everything that queued up while the last transaction ran goes in one transaction.
        if (!work.empty()) {
          Transaction transaction(db_);
          for (const EncodedBatch& batch : work) inserter_.Insert(batch);
          transaction.Commit();
        }
      } catch (...) {
        error = std::current_exception();
      }
      work.clear();
      {
        std::lock_guard lock(mutex_);
        busy_ = false;
        if (error && !error_) error_ = error;
      }
      done_.notify_all();
    }
  }

  // With mutex_ held: the first storage error, once; later calls see it again.
  void RethrowLocked() const {
    if (error_) std::rethrow_exception(error_);
  }

  const Database& db_;
  BatchEncoder encoder_;   // caller's thread only
  BatchInserter inserter_;  // writer thread only
  std::mutex mutex_;
  std::condition_variable wake_;  // the writer thread: work or stop
  std::condition_variable done_;  // the caller: room in the queue, or all stored
  std::deque<EncodedBatch> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace

std::unique_ptr<ResultSink> MakeStoreWriter(const Database& db, std::int64_t experiment_id,
                                            WriteMode mode) {
  if (mode == WriteMode::kBackground) return std::make_unique<BackgroundWriter>(db, experiment_id);
  return std::make_unique<ImmediateWriter>(db, experiment_id);
}

}  // namespace sculpt
