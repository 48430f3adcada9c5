#pragma once
// ResultSink: where the engine writes every candidate record, batch by batch, in step order.
// The SQLite store (experiments/) implements it; search/ knows nothing about storage.
// Called from the engine's controlling thread only.

#include <span>

#include "search/candidate.h"

namespace sculpt {

class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void Write(std::span<const CandidateRecord> records) = 0;
  // Blocks until everything written so far is stored; rethrows a storage error. For sinks
  // that store in the background; the engine calls it before Run returns.
  virtual void Flush() {}
};

}  // namespace sculpt
