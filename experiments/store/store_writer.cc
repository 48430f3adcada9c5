#include "experiments/store/store_writer.h"

#include <algorithm>
#include <chrono>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <exception>
#include <iostream>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "experiments/store/store_json.h"
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

// One repeat_counts increment: a batch's repeats of one string form with one strategy and
// origin, beyond the experiment's stored_repeats.
struct RepeatCount {
  std::int64_t arch_id = 0;
  std::string strategy;
  std::string origin;
  std::int64_t count = 0;
  std::int64_t repeat_of = 0;
  std::int64_t first_step = 0;
  std::int64_t last_step = 0;
  double finished_at = 0.0;
};

// A batch reduced to what the database receives. Evaluations are copied whole (few: one per
// canonical class); repeats (most of a long search) are already JSON text. Batches are reused:
// Clear keeps every buffer's capacity, so that a long search, whose batches all look alike,
// stops allocating once the first few have been written.
struct EncodedBatch {
  std::vector<CandidateRecord> evaluations;
  std::vector<std::pair<std::int64_t, std::string>> architectures;  // new string forms
  std::vector<RepeatRow> repeat_rows;  // the first repeat_count are in use
  std::size_t repeat_count = 0;
  std::vector<RepeatCount> counts;  // repeats beyond stored_repeats

  std::span<const RepeatRow> repeats() const { return {repeat_rows.data(), repeat_count}; }

  RepeatRow& AddRepeatRow() {
    if (repeat_count == repeat_rows.size()) repeat_rows.emplace_back();
    RepeatRow& row = repeat_rows[repeat_count++];
    row.count = 0;
    row.repeats.clear();
    return row;
  }

  void Clear() {
    evaluations.clear();
    architectures.clear();
    repeat_count = 0;
    counts.clear();
  }
};

// Stored batches kept for reuse (their buffers), at most.
constexpr std::size_t kMaxSpareBatches = 1024;

// How long the writer waits for more batches before a commit (see Loop).
constexpr std::chrono::milliseconds kGatherTime{10};

// Bytes of JSON a typical repeat takes ([step,arch,repeat_of,parent,"origin"]), to size a
// row's text once instead of letting it grow by doubling.
constexpr std::size_t kRepeatJsonBytes = 48;

// Numbers string forms and turns records into EncodedBatches (the caller's thread).
class BatchEncoder {
 public:
  BatchEncoder(const Database& db, std::int64_t experiment_id, std::int64_t stored_repeats)
      : stored_repeats_(stored_repeats) {
    // Another writer may have numbered architectures of this experiment already.
    Statement known(db, "SELECT id, arch FROM architectures WHERE experiment_id = ?1");
    known.Bind(1, experiment_id);
    while (known.Step()) arch_ids_.emplace(known.Text(1), known.Int(0));
    // ... and stored repeats of it (a resumed search): the limit is the experiment's.
    Statement stored(db,
                     "SELECT coalesce(sum(count), 0) FROM repeat_batches WHERE experiment_id = ?1");
    stored.Bind(1, experiment_id);
    if (stored.Step()) repeats_in_rows_ = stored.Int(0);
  }

  // Appends `records` to `batch` (normally cleared first).
  void Encode(std::span<const CandidateRecord> records, EncodedBatch& batch) {
    RepeatRow* row = nullptr;
    count_index_.clear();
    for (const CandidateRecord& r : records) {
      const std::int64_t arch_id = ArchitectureId(r, batch);
      if (r.repeat_of < 0) {
        batch.evaluations.push_back(r);
        continue;
      }
      if (repeats_in_rows_ >= stored_repeats_) {
        Count(r, arch_id, batch);
        continue;
      }
      ++repeats_in_rows_;
      if (row == nullptr || row->strategy != r.strategy) {
        if (row != nullptr) row->repeats += ']';
        row = &batch.AddRepeatRow();
        row->first_step = r.step;
        row->strategy.assign(r.strategy);
        row->repeats.reserve(records.size() * kRepeatJsonBytes);
        row->repeats += '[';
      } else {
        row->repeats += ',';
      }
      ++row->count;
      row->finished_at = r.finished_at;
      AppendRepeat(r, arch_id, row->repeats);
    }
    if (row != nullptr) row->repeats += ']';
  }

 private:
  // Adds a repeat beyond stored_repeats to its batch's count of (string form, strategy,
  // origin). The index of the counts is rebuilt per batch: the database sums the batches'.
  void Count(const CandidateRecord& r, std::int64_t arch_id, EncodedBatch& batch) {
    const CountKey key{arch_id, KindOf(r)};
    auto [it, is_new] = count_index_.try_emplace(key, batch.counts.size());
    if (is_new) {
      RepeatCount& added = batch.counts.emplace_back();
      added.arch_id = arch_id;
      added.strategy = r.strategy;
      added.origin = r.origin;
      added.repeat_of = r.repeat_of;
      added.first_step = r.step;
    }
    RepeatCount& count = batch.counts[it->second];
    ++count.count;
    count.last_step = r.step;
    count.finished_at = r.finished_at;
  }

  // A small number for the record's (strategy, origin): a search has a handful.
  std::size_t KindOf(const CandidateRecord& r) {
    if (last_kind_ < kinds_.size() && kinds_[last_kind_].first == r.strategy &&
        kinds_[last_kind_].second == r.origin) {
      return last_kind_;
    }
    for (last_kind_ = 0; last_kind_ < kinds_.size(); ++last_kind_) {
      if (kinds_[last_kind_].first == r.strategy && kinds_[last_kind_].second == r.origin) {
        return last_kind_;
      }
    }
    kinds_.emplace_back(r.strategy, r.origin);
    return last_kind_;
  }

  // [step,arch_id,repeat_of,parent,"origin"] appended to `out`. Written through a pointer into
  // room made once (every repeat of a long search passes here), not by a string append per
  // token.
  void AppendRepeat(const CandidateRecord& r, std::int64_t arch_id, std::string& out) {
    // Four 64-bit integers (at most 20 characters each), "null", punctuation, the origin.
    constexpr std::size_t kMaxFixed = 4 * 20 + 6;
    const std::string_view origin = QuotedOrigin(r.origin);
    const std::size_t start = out.size();
    out.resize(start + kMaxFixed + origin.size());
    char* p = out.data() + start;
    char* const end = out.data() + out.size();
    *p++ = '[';
    p = std::to_chars(p, end, r.step).ptr;
    *p++ = ',';
    p = std::to_chars(p, end, arch_id).ptr;
    *p++ = ',';
    p = std::to_chars(p, end, r.repeat_of).ptr;
    *p++ = ',';
    if (r.parent >= 0) {
      p = std::to_chars(p, end, r.parent).ptr;
    } else {
      p = std::copy_n("null", 4, p);
    }
    *p++ = ',';
    p = std::copy(origin.begin(), origin.end(), p);
    *p++ = ']';
    out.resize(static_cast<std::size_t>(p - out.data()));
  }

  // The origin as a JSON string. A search uses a handful of origins ("mutation", "random"):
  // each is escaped once.
  std::string_view QuotedOrigin(const std::string& origin) {
    if (origin != last_origin_) {
      last_origin_ = origin;
      last_origin_json_.clear();
      AppendJsonString(origin, last_origin_json_);
    }
    return last_origin_json_;
  }

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

  std::int64_t stored_repeats_;  // repeats stored one each, at most (then counted)
  std::int64_t repeats_in_rows_ = 0;  // repeats of the experiment stored one each so far
  struct CountKey {
    std::int64_t arch_id;
    std::size_t kind;
    bool operator==(const CountKey&) const = default;
  };
  struct CountKeyHash {
    std::size_t operator()(const CountKey& k) const {
      return std::hash<std::int64_t>()(k.arch_id) * 31 + k.kind;
    }
  };
  std::unordered_map<CountKey, std::size_t, CountKeyHash> count_index_;  // -> batch.counts
  std::vector<std::pair<std::string, std::string>> kinds_;  // (strategy, origin) seen
  std::size_t last_kind_ = 0;
  std::unordered_map<std::string, std::int64_t> arch_ids_;
  std::vector<std::int64_t> by_engine_id_;  // the engine's arch_id -> the database's
  std::string last_origin_;
  std::string last_origin_json_ = "\"\"";  // AppendJsonString("")
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
                        /*persistent=*/true),
        add_counts_(db,
                    "INSERT INTO repeat_counts (experiment_id, arch_id, strategy, origin, "
                    "count, repeat_of_step, first_step, last_step, finished_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                    "ON CONFLICT (experiment_id, arch_id, strategy, origin) DO UPDATE SET "
                    "count = count + excluded.count, last_step = excluded.last_step, "
                    "finished_at = excluded.finished_at",
                    /*persistent=*/true) {}

  void Insert(const EncodedBatch& batch) {
    for (const auto& [id, arch] : batch.architectures) {
      insert_architecture_.Bind(1, experiment_id_).Bind(2, id).BindStatic(3, arch);
      Run(insert_architecture_);
    }
    for (const CandidateRecord& r : batch.evaluations) InsertEvaluation(r);
    for (const RepeatRow& row : batch.repeats()) {
      insert_repeats_.Bind(1, experiment_id_).Bind(2, row.first_step).Bind(3, row.count);
      insert_repeats_.BindStatic(4, row.strategy).Bind(5, row.finished_at);
      insert_repeats_.BindStatic(6, row.repeats);
      Run(insert_repeats_);
    }
    for (const RepeatCount& c : batch.counts) {
      add_counts_.Bind(1, experiment_id_).Bind(2, c.arch_id).BindStatic(3, c.strategy);
      add_counts_.BindStatic(4, c.origin).Bind(5, c.count).Bind(6, c.repeat_of);
      add_counts_.Bind(7, c.first_step).Bind(8, c.last_step).Bind(9, c.finished_at);
      Run(add_counts_);
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
  Statement add_counts_;
  std::string metrics_;  // reused buffer
};

class ImmediateWriter final : public ResultSink {
 public:
  ImmediateWriter(const Database& db, std::int64_t experiment_id, std::int64_t stored_repeats)
      : db_(db), encoder_(db, experiment_id, stored_repeats), inserter_(db, experiment_id) {}

  void Write(std::span<const CandidateRecord> records) override {
    if (records.empty()) return;
    batch_.Clear();
    encoder_.Encode(records, batch_);
    Transaction transaction(db_);
    inserter_.Insert(batch_);
    transaction.Commit();
  }

 private:
  const Database& db_;
  BatchEncoder encoder_;
  BatchInserter inserter_;
  EncodedBatch batch_;  // reused
};

class BackgroundWriter final : public ResultSink {
 public:
  BackgroundWriter(const Database& db, std::int64_t experiment_id, std::int64_t stored_repeats)
      : db_(db), encoder_(db, experiment_id, stored_repeats), inserter_(db, experiment_id),
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
    {
      std::lock_guard lock(mutex_);
      if (!spare_.empty()) {
        batch = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    batch.Clear();
    encoder_.Encode(records, batch);
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] {
      return error_ || queue_.empty() || queued_records_ + records.size() <= kMaxQueuedRecords;
    });
    RethrowLocked();
    queued_records_ += records.size();
    queue_.push_back(std::move(batch));
    wake_.notify_one();
  }

  void Flush() override {
    std::unique_lock lock(mutex_);
    flushing_ = true;
    wake_.notify_all();
    done_.wait(lock, [&] { return error_ || (queue_.empty() && !busy_); });
    flushing_ = false;
    RethrowLocked();
  }

 private:
  void Loop() {
    std::deque<EncodedBatch> work;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        // Gather a while before committing: each commit rewrites the tables' last pages and
        // the WAL's frame headers, so a few large transactions store a fast search's stream
        // with less work than many small ones. Flush and stop do not wait.
        wake_.wait_for(lock, kGatherTime, [&] {
          return stopping_ || flushing_ || queued_records_ >= kMaxQueuedRecords / 2;
        });
        if (queue_.empty()) return;  // stopping, nothing left
        work.swap(queue_);
        queued_records_ = 0;
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
      {
        std::lock_guard lock(mutex_);
        busy_ = false;
        if (error && !error_) error_ = error;
        // Stored batches go back to Write for reuse, their buffers with them (never more than
        // the queue can hold).
        for (EncodedBatch& batch : work) {
          if (spare_.size() >= kMaxSpareBatches) break;
          spare_.push_back(std::move(batch));
        }
      }
      work.clear();
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
  std::size_t queued_records_ = 0;  // records in queue_
  std::vector<EncodedBatch> spare_;  // stored batches, kept for their buffers
  bool busy_ = false;
  bool stopping_ = false;
  bool flushing_ = false;  // Flush is waiting: commit without gathering
  std::exception_ptr error_;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace

std::unique_ptr<ResultSink> MakeStoreWriter(const Database& db, std::int64_t experiment_id,
                                            WriteMode mode, std::int64_t stored_repeats) {
  if (mode == WriteMode::kBackground) {
    return std::make_unique<BackgroundWriter>(db, experiment_id, stored_repeats);
  }
  return std::make_unique<ImmediateWriter>(db, experiment_id, stored_repeats);
}

}  // namespace sculpt
