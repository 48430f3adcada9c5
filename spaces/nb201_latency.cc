#include "spaces/nb201_latency.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "spaces/did_you_mean.h"
#include "spaces/errors.h"
#include "spaces/json_file.h"

namespace sculpt::nb201 {
namespace {

constexpr const char* kFormat = "sculpt-latency-table";
constexpr int kVersion = 1;

// Reads fields of one JSON object, naming the table and the field in every error.
class Reader {
 public:
  Reader(const nlohmann::json& node, std::string source, std::string path)
      : node_(node), source_(std::move(source)), path_(std::move(path)) {
    if (!node_.is_object()) Fail("", "expected an object, got " + node_.dump());
  }

  [[noreturn]] void Fail(const std::string& key, const std::string& message) const {
    std::string where = path_;
    if (!key.empty()) where += (where.empty() ? "" : ".") + key;
    throw UserError("latency table " + source_ + ": " + (where.empty() ? "" : where + ": ") +
                    message);
  }

  const nlohmann::json& Get(const std::string& key) const {
    const auto it = node_.find(key);
    if (it == node_.end()) Fail(key, "missing");
    return *it;
  }

  std::string String(const std::string& key) const {
    const nlohmann::json& value = Get(key);
    if (!value.is_string()) Fail(key, "expected a string, got " + value.dump());
    return value.get<std::string>();
  }

  int Int(const std::string& key, int min) const {
    const nlohmann::json& value = Get(key);
    if (!value.is_number_integer() || value.get<std::int64_t>() < min ||
        value.get<std::int64_t>() > 1'000'000'000) {
      Fail(key, "expected an integer >= " + std::to_string(min) + ", got " + value.dump());
    }
    return value.get<int>();
  }

  // A latency: finite and not negative.
  double Ms(const std::string& key) const {
    const nlohmann::json& value = Get(key);
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0) {
      Fail(key, "expected a latency in ms >= 0, got " + value.dump());
    }
    return value.get<double>();
  }

  Reader Child(const std::string& key) const {
    return Reader(Get(key), source_, path_.empty() ? key : path_ + "." + key);
  }

  const nlohmann::json& Node() const { return node_; }
  const std::string& Source() const { return source_; }
  const std::string& Path() const { return path_; }

 private:
  const nlohmann::json& node_;
  std::string source_;
  std::string path_;
};

std::vector<std::string> TimedOpNames() {
  std::vector<std::string> names;
  for (int op = 0; op < kNumOps; ++op) {
    if (op != kNone) names.emplace_back(kOpNames[op]);
  }
  return names;
}

nlohmann::json SkeletonToJson(const Skeleton& s) {
  return {{"channels", s.channels},
          {"cells_per_stage", s.cells_per_stage},
          {"input_channels", s.input_channels},
          {"input_size", s.input_size},
          {"classes", s.classes}};
}

bool SameSkeleton(const Skeleton& a, const Skeleton& b) {
  return a.channels == b.channels && a.cells_per_stage == b.cells_per_stage &&
         a.input_channels == b.input_channels && a.input_size == b.input_size &&
         a.classes == b.classes;
}

}  // namespace

CellWork CountCellWork(const Architecture& arch) {
  CheckCell(arch);
  CellWork work;
  std::array<bool, kNumNodes> live{};
  live[0] = true;
  for (int e = 0; e < kNumEdges; ++e) {
    if (arch.choices[e] == kNone) continue;
    const Edge edge = kEdges[e];
    if (!live[edge.from]) ++work.zeros;  // ForwardCell makes a fresh zero tensor per read
    if (live[edge.to]) {
      ++work.adds;
    } else {
      live[edge.to] = true;
    }
  }
  if (!live[kNumNodes - 1]) ++work.zeros;
  return work;
}

double PredictLatencyMs(const LatencyTable& table, const Architecture& arch, bool overheads) {
  const CellWork work = CountCellWork(arch);
  double total = table.stem_ms + table.reduction_ms[0] + table.reduction_ms[1] + table.head_ms;
  if (overheads) total += table.network_overhead_ms;
  for (const StageLatency& stage : table.stages) {
    double cell = 0;
    for (int op : arch.choices) cell += stage.op_ms[op];
    if (overheads) {
      cell += stage.cell_overhead_ms + work.adds * stage.add_ms + work.zeros * stage.zeros_ms;
    }
    total += table.skeleton.cells_per_stage * cell;
  }
  return total;
}

std::array<std::pair<int, int>, 3> StageShapes(const Skeleton& skeleton) {
  return {std::pair{skeleton.channels, skeleton.input_size},
          std::pair{2 * skeleton.channels, skeleton.input_size / 2},
          std::pair{4 * skeleton.channels, skeleton.input_size / 4}};
}

std::string DescribeSkeleton(const Skeleton& s) {
  return "channels=" + std::to_string(s.channels) +
         " cells_per_stage=" + std::to_string(s.cells_per_stage) +
         " input_channels=" + std::to_string(s.input_channels) +
         " input_size=" + std::to_string(s.input_size) + " classes=" + std::to_string(s.classes);
}

void CheckTableSkeleton(const LatencyTable& table, const Skeleton& skeleton,
                        const std::string& table_name) {
  if (SameSkeleton(table.skeleton, skeleton)) return;
  throw UserError("latency table " + table_name + " was built for the skeleton " +
                  DescribeSkeleton(table.skeleton) + ", but the space's skeleton is " +
                  DescribeSkeleton(skeleton) +
                  "; build one for this space with `sculpt latency CONFIG`");
}

nlohmann::json LatencyTableToJson(const LatencyTable& table) {
  nlohmann::json stages = nlohmann::json::array();
  for (const StageLatency& stage : table.stages) {
    nlohmann::json ops = nlohmann::json::object();
    for (int op = 0; op < kNumOps; ++op) {
      if (op != kNone) ops[std::string(kOpNames[op])] = stage.op_ms[op];
    }
    stages.push_back({{"channels", stage.channels},
                      {"size", stage.size},
                      {"ops_ms", ops},
                      {"add_ms", stage.add_ms},
                      {"zeros_ms", stage.zeros_ms},
                      {"cell_overhead_ms", stage.cell_overhead_ms}});
  }
  return {{"format", kFormat},
          {"version", kVersion},
          {"space", "nb201"},
          {"machine", table.machine},
          {"threads", table.threads},
          {"runs", table.runs},
          {"date", table.date},
          {"skeleton", SkeletonToJson(table.skeleton)},
          {"fixed_ms",
           {{"stem", table.stem_ms},
            {"reduction_1", table.reduction_ms[0]},
            {"reduction_2", table.reduction_ms[1]},
            {"head", table.head_ms},
            {"network_overhead", table.network_overhead_ms}}},
          {"stages", stages}};
}

LatencyTable LatencyTableFromJson(const nlohmann::json& json, const std::string& source) {
  const Reader root(json, source, "");
  if (root.String("format") != kFormat) {
    // The other format `sculpt latency` writes is a family's lookup table (transformer).
    const bool lookup = root.Get("format") == "sculpt-latency-lookup";
    root.Fail("format",
              lookup
                  ? "a latency table of the " + json.value("family", std::string("transformer")) +
                        " family; the nb201 space needs one `sculpt latency` "
                        "measured on an nb201 config"
                  : "expected \"" + std::string(kFormat) +
                        "\" (a table `sculpt latency` writes), got " + root.Get("format").dump());
  }
  if (root.Int("version", 1) != kVersion) {
    root.Fail("version", "this Sculpt reads version " + std::to_string(kVersion) + ", got " +
                             root.Get("version").dump());
  }
  if (root.String("space") != "nb201") {
    root.Fail("space", "expected \"nb201\", got " + root.Get("space").dump());
  }
  LatencyTable table;
  table.machine = root.String("machine");
  table.threads = root.Int("threads", 1);
  table.runs = root.Int("runs", 1);
  table.date = root.String("date");
  const Reader skeleton = root.Child("skeleton");
  table.skeleton.channels = skeleton.Int("channels", 1);
  table.skeleton.cells_per_stage = skeleton.Int("cells_per_stage", 1);
  table.skeleton.input_channels = skeleton.Int("input_channels", 1);
  table.skeleton.input_size = skeleton.Int("input_size", 1);
  table.skeleton.classes = skeleton.Int("classes", 1);
  try {
    ValidateSkeleton(table.skeleton);
  } catch (const UserError& error) {
    root.Fail("skeleton", error.what());
  }
  const Reader fixed = root.Child("fixed_ms");
  table.stem_ms = fixed.Ms("stem");
  table.reduction_ms = {fixed.Ms("reduction_1"), fixed.Ms("reduction_2")};
  table.head_ms = fixed.Ms("head");
  table.network_overhead_ms = fixed.Ms("network_overhead");

  const nlohmann::json& stages = root.Get("stages");
  if (!stages.is_array() || stages.size() != table.stages.size()) {
    root.Fail("stages", "expected a list of 3 stages, got " + stages.dump());
  }
  const auto shapes = StageShapes(table.skeleton);
  const std::vector<std::string> op_names = TimedOpNames();
  for (std::size_t s = 0; s < table.stages.size(); ++s) {
    const Reader block(stages[s], source, "stages[" + std::to_string(s) + "]");
    StageLatency& stage = table.stages[s];
    stage.channels = block.Int("channels", 1);
    stage.size = block.Int("size", 1);
    if (stage.channels != shapes[s].first || stage.size != shapes[s].second) {
      block.Fail("", "expected channels " + std::to_string(shapes[s].first) + " and size " +
                         std::to_string(shapes[s].second) + " for the table's skeleton, got " +
                         std::to_string(stage.channels) + " and " + std::to_string(stage.size));
    }
    const Reader ops = block.Child("ops_ms");
    for (const auto& [name, value] : ops.Node().items()) {
      if (std::find(op_names.begin(), op_names.end(), name) == op_names.end()) {
        std::string message = "unknown op '" + name + "'";
        const std::string guess = DidYouMean(name, op_names);
        if (!guess.empty()) message += "; did you mean '" + guess + "'?";
        ops.Fail("", message + " (expected " + JoinNames(op_names) + ")");
      }
    }
    for (int op = 0; op < kNumOps; ++op) {
      if (op != kNone) stage.op_ms[op] = ops.Ms(std::string(kOpNames[op]));
    }
    stage.add_ms = block.Ms("add_ms");
    stage.zeros_ms = block.Ms("zeros_ms");
    stage.cell_overhead_ms = block.Ms("cell_overhead_ms");
  }
  return table;
}

LatencyTable LoadLatencyTable(const std::filesystem::path& path) {
  const nlohmann::json json = ReadJsonFile(path, "latency table");
  std::string source = "'";  // appended, not operator+: g++ 12 warns falsely (-Wrestrict)
  source += path.string();
  source += "'";
  return LatencyTableFromJson(json, source);
}

void SaveLatencyTable(const LatencyTable& table, const std::filesystem::path& path) {
  WriteJsonFile(LatencyTableToJson(table), path, "latency table");
}

}  // namespace sculpt::nb201
