#pragma once
// Latency: how long one forward pass of one image takes on this machine, the deployment cost
// that analytic FLOPs only approximate. Measured as the median of repeated timed runs (the
// median ignores the odd run slowed by the scheduler) after a few untimed warm-up runs (first
// calls allocate and pick kernels). The number depends on the machine and on its load: when the
// engine measures candidates on several workers at once they share the cores, so compare
// latencies only within one run.
// Thread-safety: stateless; safe from many threads when `forward` is.

#include <cstdint>
#include <functional>
#include <vector>

#include "spaces/architecture.h"
#include "supernet/data/split_scorer.h"

namespace sculpt {

// Median milliseconds of `runs` (>= 1) calls of `call` after `warmup` untimed ones.
double MedianMilliseconds(const std::function<void()>& call, int runs, int warmup);

// Median milliseconds of `runs` (>= 1) calls of forward on a zero tensor of `shape` (batch 1:
// e.g. {1, channels, size, size}), after `warmup` untimed calls, under torch::NoGradGuard.
double MeasureLatencyMs(const ForwardFunction& forward, const std::vector<std::int64_t>& shape,
                        int runs, int warmup = 2);

class ModelFamily;

// The batch-1 latency of `arch`'s deployable network (`family`'s, fresh weights, which do not
// matter, in eval mode): what the evaluators report as latency_ms.
double ArchitectureLatencyMs(const ModelFamily& family, const Architecture& arch, int runs);

}  // namespace sculpt
