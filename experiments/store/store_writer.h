#pragma once
// The store's candidate writer: the ResultSink through which the engine appends an
// experiment's candidates to the database (see docs/SCHEMA.md: a row per evaluation, a row per
// new string form, one row per batch for its first `stored_repeats` repeats, then a count per
// string form, strategy and origin). Internal to the store; users get it from ResultStore::Writer.
//
// Two modes (WriteMode, in store.h):
//  - kImmediate: each Write is one transaction, committed before Write returns.
//  - kBackground: Write encodes the batch (on the caller's thread) and queues it; a thread of
//    the writer's own stores queued batches, everything pending in one transaction, while the
//    engine goes on searching. Flush() waits until all is stored and rethrows a storage error;
//    the destructor flushes too. At most about kMaxQueuedRecords wait: a search that outruns the
//    disk waits for it rather than filling memory.
//
// Thread-safety: Write and Flush from one thread. In background mode the writer's thread uses
// the store's connection: between the first Write and Flush, use the store from no other
// thread and for nothing else.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "experiments/store/sqlite_statement.h"
#include "experiments/store/store.h"
#include "search/result_sink.h"

namespace sculpt {

// Records (of any number of batches) queued before Write waits for the writer: enough for the
// engine to run on through a checkpoint's fsync (tens of milliseconds of a fast search),
// a few megabytes of memory. A single larger batch is still accepted when nothing else waits.
inline constexpr std::size_t kMaxQueuedRecords = 100'000;

std::unique_ptr<ResultSink> MakeStoreWriter(const sqlite::Database& db, std::int64_t experiment_id,
                                            WriteMode mode, std::int64_t stored_repeats);

}  // namespace sculpt
