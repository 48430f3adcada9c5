#pragma once
// BuildLatencyTable: measures a latency lookup table (spaces/nb201_latency.h) for an nb201
// skeleton on this machine, at batch 1, in eval mode, with LibTorch's current intra-op thread
// count (set once by the caller, see torch_threads.h). Each entry is the median of `runs` timed
// calls after `warmup` untimed ones, as MeasureLatencyMs times a whole network:
//  - every cell op at every stage's channels and resolution, the stem, both reduction blocks
//    and the head (BN-ReLU, pooling, classifier), each module alone;
//  - per stage, a node sum a + b and a zero tensor, and the cell overhead: a cell whose only
//    op is a skip_connect on edge 0->3, minus that op alone (the module call and node
//    bookkeeping every cell pays);
//  - the network overhead: MeasureLatencyMs of the network of all-none cells minus the sum of
//    its parts, so that it also absorbs the probe MeasureLatencyMs adds to every measurement.
// Overheads are differences of two medians; noise can make a tiny one negative, and it is then
// recorded as 0 (a negative cost would reward adding work).
// Thread-safety: call from one thread; the timings assume nothing else runs on the cores.

#include <string>

#include "spaces/nb201.h"
#include "spaces/nb201_latency.h"
#include "supernet/model_family.h"  // LatencyTableOptions

namespace sculpt {

// Throws UserError when the skeleton is invalid.
nb201::LatencyTable BuildLatencyTable(const nb201::Skeleton& skeleton,
                                      const LatencyTableOptions& options);

// "Intel(R) Xeon(R) Processor, 2 cores, LibTorch 1.13.0": what a table was measured on.
std::string DescribeMachine();

}  // namespace sculpt
