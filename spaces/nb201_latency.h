#pragma once
// LatencyTable: a latency lookup table for NAS-Bench-201's network on one Skeleton and one
// machine: the measured batch-1 latency of every part the network is made of (stem, reduction
// blocks, head, each cell op at each stage's channels and resolution) and the overheads that a
// sum of ops misses (node sums, zero tensors of nodes without input, the cell and network
// wrappers). Predicted latency is their sum, computed without running anything: the nb201 space
// offers it as the cost metric latency_lut_ms, so constraints on latency are checked before
// evaluation. supernet/latency_table.h builds a table by timing LibTorch on this machine; this
// file only reads, writes and sums one, and so needs no LibTorch.
// Thread-safety: a plain value; the functions are pure (Load/Save touch only their file).

#include <array>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "spaces/architecture.h"
#include "spaces/nb201.h"

namespace sculpt::nb201 {

// The cost metric of a space with a latency table.
inline constexpr const char* kLatencyLutMetric = "latency_lut_ms";

// Milliseconds of what runs at one stage: every cell of stage s has channels * 2^s channels and
// input_size / 2^s pixels a side.
struct StageLatency {
  int channels = 0;
  int size = 0;
  // One forward of each op, indexed by Op. kNone stays 0: a none edge is not built and runs
  // nothing; what it does cost (a zero tensor where a node loses its only input, one sum fewer)
  // is counted by CountCellWork.
  std::array<double, kNumOps> op_ms{};
  double add_ms = 0;            // one node sum a + b
  double zeros_ms = 0;          // one zero tensor of the cell's shape
  double cell_overhead_ms = 0;  // one cell's cost beyond its ops, sums and zeros (module call)
};

struct LatencyTable {
  std::string machine;  // CPU model, cores, LibTorch version
  int threads = 1;      // LibTorch intra-op threads during the measurements
  int runs = 0;         // timed runs per entry (each entry is their median)
  std::string date;     // UTC, ISO 8601
  Skeleton skeleton;
  double stem_ms = 0;
  std::array<double, 2> reduction_ms{};  // the reduction blocks after stages 0 and 1
  double head_ms = 0;                    // BN-ReLU, global average pooling, classifier
  // Whole-network cost beyond its parts (module calls, the timing probe): measured network of
  // all-none cells minus the sum of its parts.
  double network_overhead_ms = 0;
  std::array<StageLatency, 3> stages;
};

// Node sums and zero tensors one cell of `arch` computes, exactly as ForwardCell
// (supernet/nb201/nb201_ops.h) runs it: a node with k > 0 live inputs needs k - 1 sums; every read of a
// node without live input, and an output without one, makes a zero tensor.
struct CellWork {
  int adds = 0;
  int zeros = 0;
};
CellWork CountCellWork(const Architecture& arch);

// Predicted milliseconds of one batch-1 forward of `arch`'s network: stem + reductions + head +
// for every cell the op entries of its edges; with `overheads` also the network overhead and,
// per cell, its wrapper overhead, sums and zeros. Without them it is the naive sum of parts.
// Throws UserError when `arch` is not an nb201 cell.
double PredictLatencyMs(const LatencyTable& table, const Architecture& arch, bool overheads = true);

// The stage shapes of `skeleton` (channels and size of stage s), as a table must list them.
std::array<std::pair<int, int>, 3> StageShapes(const Skeleton& skeleton);

// "channels=12 cells_per_stage=1 input_channels=1 input_size=28 classes=10".
std::string DescribeSkeleton(const Skeleton& skeleton);

// Throws UserError naming both skeletons unless `table` was built for `skeleton`.
void CheckTableSkeleton(const LatencyTable& table, const Skeleton& skeleton,
                        const std::string& table_name);

nlohmann::json LatencyTableToJson(const LatencyTable& table);
// Throws UserError naming `source` and the field when `json` is not a valid table.
LatencyTable LatencyTableFromJson(const nlohmann::json& json, const std::string& source);

// Throws UserError when the file cannot be read or written, or is not a valid table.
LatencyTable LoadLatencyTable(const std::filesystem::path& path);
void SaveLatencyTable(const LatencyTable& table, const std::filesystem::path& path);

}  // namespace sculpt::nb201
