#pragma once
// The NAS-Bench-201 cell space ("nb201"): a cell of 4 nodes where every node j < i feeds node i
// through one of 5 ops; 6 edges, 5^6 = 15,625 cells. An Architecture of this space has 6 choices,
// one op index per edge, in the order of NAS-Bench-201's string form
//   |op~0|+|op~0|op~1|+|op~0|op~1|op~2|
// i.e. edges (0->1), (0->2), (1->2), (0->3), (1->3), (2->3).
// The network a cell stands for is NAS-Bench-201's macro skeleton: a 3x3 conv stem with C
// channels, three stages of N cells (C, 2C, 4C channels) joined by residual reduction blocks,
// BN-ReLU, global average pooling and a linear classifier.

#include <array>
#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "spaces/architecture.h"
#include "spaces/metrics.h"
#include "spaces/options.h"
#include "spaces/search_space.h"

namespace sculpt::nb201 {

struct LatencyTable;  // spaces/nb201_latency.h

inline constexpr int kNumNodes = 4;
inline constexpr int kNumEdges = 6;
inline constexpr int kNumOps = 5;

enum Op : int { kNone = 0, kSkipConnect = 1, kConv1x1 = 2, kConv3x3 = 3, kAvgPool3x3 = 4 };

// NAS-Bench-201's op names, indexed by Op.
inline constexpr std::array<std::string_view, kNumOps> kOpNames = {
    "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"};

struct Edge {
  int from;
  int to;
};
// Edge of each choice index, in string order.
inline constexpr std::array<Edge, kNumEdges> kEdges = {
    Edge{0, 1}, Edge{0, 2}, Edge{1, 2}, Edge{0, 3}, Edge{1, 3}, Edge{2, 3}};

// The macro skeleton a cell is placed in (defaults: NAS-Bench-201 on CIFAR-10).
struct Skeleton {
  int channels = 16;        // C: channels of the first stage
  int cells_per_stage = 5;  // N
  int input_channels = 3;
  int input_size = 32;      // square input, height = width
  int classes = 10;
};

// Parameter count of the whole network (every trainable tensor, BN affine included), as
// NAS-Bench-201 counts it.
double CountParams(const Architecture& arch, const Skeleton& skeleton);

// Multiply-accumulate count of one forward pass of one input, as NAS-Bench-201 counts "FLOPs".
double CountFlops(const Architecture& arch, const Skeleton& skeleton);

// Throws UserError unless `arch` is a cell of this space: 6 choices, each an op index in 0..4.
void CheckCell(const Architecture& arch);

// The network's blocks (what block-wise training and few-shot splitting cut along): block s is
// stage s's cells with what feeds them (the stem, or the reduction block before the stage); the
// last block also holds the head.
inline constexpr int kNumBlocks = 3;
// Throws UserError unless 0 <= block < kNumBlocks.
void CheckBlock(int block);

// The skeleton as a JSON object of its config keys.
nlohmann::json SkeletonJson(const Skeleton& skeleton);

// Throws UserError naming the field when NAS-Bench-201's network cannot be built on `skeleton`
// (a size below 1, or an input size the two stride-2 reductions cannot halve twice exactly).
void ValidateSkeleton(const Skeleton& skeleton);

// The isomorphism-aware description behind SearchSpace::CanonicalForm: equal exactly for cells
// that compute the same function family (see docs/SPACES.md for the rules and the class count).
std::string CanonicalForm(const Architecture& arch);

// Reads the skeleton options (channels, cells_per_stage, input_channels, input_size, classes).
Skeleton ReadSkeleton(Options& options);

// The space over the given skeleton.
std::unique_ptr<SearchSpace> MakeSpace(const Skeleton& skeleton);

// The space over the given skeleton with a latency lookup table built for it: Cost() also gives
// latency_lut_ms, the table's predicted batch-1 latency. Throws UserError when the table was
// built for another skeleton. Measured latencies need not shrink along every Reductions() edit
// (e.g. a 1x1 conv may run faster than a pooling), so latency_lut_ms may grow along one; params
// and FLOPs never do (A* follows only edits that lower its resource).
std::unique_ptr<SearchSpace> MakeSpace(const Skeleton& skeleton,
                                       std::shared_ptr<const LatencyTable> latency_table);

// Factory for the registry: reads the skeleton from the space's options, and the optional
// "latency_table" (a JSON file `sculpt latency` writes; a relative path resolves against the
// working directory, so experiment configs anchor it to the config's folder first).
std::unique_ptr<SearchSpace> MakeSpaceFromOptions(Options& options);

}  // namespace sculpt::nb201
