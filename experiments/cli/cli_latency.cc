// `sculpt latency CONFIG`: has the model family of the config's space measure its latency lookup
// table on this machine (ModelFamily::MeasureLatencyTable), writes it, then measures sampled
// stand-alone networks and reports how far the table's predictions (the space's latency_lut_ms)
// are from their measured latency, and, where the family's table has overhead terms, how far a
// plain sum of parts is (users of OFA and HAT find predicted and measured latency disagree:
// this shows by how much ours does, on the machine that will use it).

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <memory>
#include <set>
#include <sstream>

#include "experiments/cli/cli.h"
#include "experiments/cli/command_line.h"
#include "experiments/cli/output_file.h"
#include "experiments/config/builtins.h"
#include "predictors/ranking.h"
#include "spaces/counted.h"
#include "spaces/json_file.h"
#include "spaces/machine.h"
#include "spaces/options.h"
#include "spaces/rng.h"
#include "supernet/latency.h"
#include "supernet/model_family.h"
#include "supernet/torch_threads.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;

struct LatencyConfig {
  nlohmann::json space_block;  // the space block without "latency_table"
  std::shared_ptr<const ModelFamily> family;
  fs::path default_table;  // the space's latency_table, or next to the storage
};

// Reads the config's space block (the rest of the config is not needed to time networks).
LatencyConfig ReadLatencyConfig(const fs::path& path) {
  if (std::error_code error; fs::is_directory(path, error)) {
    throw ConfigError({"cannot read config file '" + path.string() + "': it is a folder"});
  }
  std::ifstream in(path);
  if (!in) {
    throw ConfigError({"cannot read config file '" + path.string() + "': " + std::strerror(errno)});
  }
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& error) {
    throw ConfigError({path.string() + ": not valid JSON: " + error.what()});
  }
  if (!config.is_object()) throw ConfigError({path.string() + ": expected a JSON object"});
  const fs::path base_dir = path.parent_path();
  LatencyConfig result;
  result.space_block = config.value("space", nlohmann::json::object());
  std::optional<std::string> table;
  if (result.space_block.is_object() && result.space_block.contains("latency_table")) {
    // Not handed to the space: the table need not exist yet, this command writes it.
    // A table written into the config itself names no file: the new one goes beside the
    // storage, as with none.
    const nlohmann::json value = result.space_block["latency_table"];
    if (value.is_string()) {
      table = value.get<std::string>();
    } else if (!value.is_object()) {
      throw ConfigError(
          {"space.latency_table: expected the name of a table file (a string) or "
           "a table (an object)"});
    }
    result.space_block.erase("latency_table");
  }
  // A space of another kind (the prune space of a trained model) has no family to time; its
  // latency comes from a table of the family its members belong to.
  if (const auto type =
          result.space_block.is_object() ? result.space_block.value("type", "") : std::string();
      !type.empty() && Families().Find(type) == nullptr && Spaces().Find(type) != nullptr) {
    throw ConfigError({"space.type: the " + type + " space has no networks of its own to time: " +
                       "sculpt latency measures a model family's parts (" +
                       JoinNames(Families().Names()) + "). A " + type + " space reads " +
                       "latency_lut_ms from such a table: run sculpt latency on a config whose " +
                       "space is the family's, with the sizes its members take (docs/SPACES.md, " +
                       "the " + type + " space's latency_table)"});
  }
  {
    ConfigErrors errors;
    nlohmann::json scratch;
    Options space(result.space_block, "space", errors, &scratch);
    const std::string type = space.RequiredString("type", Families().Names());
    if (const auto* entry = Spaces().Find(type); entry != nullptr) entry->factory(space);
    space.Finish();
    errors.ThrowIfAny();
  }
  result.family = BuildFamily(result.space_block);
  SCULPT_ASSERT(result.family != nullptr, "a space with a family was accepted without one");
  if (table) {
    result.default_table = base_dir / *table;
  } else {
    const std::string name = config.value("name", path.stem().string());
    const fs::path storage = base_dir / config.value("storage", "runs/" + name + ".sqlite");
    result.default_table = storage.parent_path() / (storage.stem().string() + "-latency.json");
  }
  return result;
}

struct ErrorSummary {
  double mean_abs_ms = 0;
  double mean_abs_percent = 0;
  double max_percent = 0;
  double kendall = std::nan("");
  double spearman = std::nan("");
};

ErrorSummary Summarize(const std::vector<double>& measured, const std::vector<double>& predicted) {
  ErrorSummary s;
  const double n = static_cast<double>(measured.size());
  for (std::size_t i = 0; i < measured.size(); ++i) {
    const double error = std::abs(predicted[i] - measured[i]);
    const double percent = 100.0 * error / measured[i];
    s.mean_abs_ms += error / n;
    s.mean_abs_percent += percent / n;
    s.max_percent = std::max(s.max_percent, percent);
  }
  if (measured.size() >= 2) {
    s.spearman = SpearmanRho(measured, predicted);
    try {
      s.kendall = KendallTau(measured, predicted);
    } catch (const UserError&) {
      // Every measured latency equal: no order to agree with (stays NaN).
    }
  }
  return s;
}

std::string Fixed(double value, int digits) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << value;
  return out.str();
}

std::string SignedPercent(double predicted, double measured) {
  const double percent = 100.0 * (predicted - measured) / measured;
  // Appended, not `"+" + Fixed(...)`: GCC 12 warns falsely (-Wrestrict) on that sum.
  std::string text = percent >= 0 ? "+" : "";
  text += Fixed(percent, 1);
  text += '%';
  return text;
}

// The 1-minute load average, or NaN where /proc/loadavg cannot be read.
double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double load = std::nan("");
  in >> load;
  return in ? load : std::nan("");
}

void PrintSummaryLine(const char* label, const ErrorSummary& s, std::ostream& out) {
  auto correlation = [](double value) { return std::isnan(value) ? "n/a" : Fixed(value, 3); };
  out << "  " << label << "mean |error| " << Fixed(s.mean_abs_ms, 4) << " ms ("
      << Fixed(s.mean_abs_percent, 1) << "%), max " << Fixed(s.max_percent, 1) << "%, Kendall tau "
      << correlation(s.kendall) << ", Spearman " << correlation(s.spearman) << "\n";
}

}  // namespace

int LatencyCommand(const std::vector<std::string>& args, Streams io) {
  CommandLine command_line(
      "latency CONFIG [--samples N] [--runs R] [--threads T] [--out FILE] [--seed S]",
      "Builds the latency lookup table of the config's space on this machine: the batch-1\n"
      "latency of every part its networks are made of (nb201: every op at every stage, the\n"
      "stem, reductions and head, and the overheads a sum of ops misses; transformer: the\n"
      "patch embedding, each attention and FFN size at each embedding dimension, the head).\n"
      "Writes it to FILE (default: the space's \"latency_table\", else next to the config's\n"
      "storage as NAME-latency.json). Then measures N sampled stand-alone networks and prints\n"
      "predicted against measured latency.\n"
      "With \"latency_table\": \"FILE\" in the space block, the cost metric latency_lut_ms is\n"
      "known before evaluation: constraints and objectives may use it. Timings depend on the\n"
      "machine's load: build the table on an idle machine with the threads you deploy with.",
      {{"samples", "N", "networks to measure (30; 0 only builds the table)"},
       {"runs", "R", "timed runs per table entry and per network; the median counts (100)"},
       {"threads", "T", "LibTorch intra-op threads (1)"},
       {"out", "FILE", "where to write the table"},
       {"seed", "S", "seed of the sampled architectures (0)"}},
      1, 1);
  if (!command_line.Parse(args, io.out)) return 0;
  const int samples = static_cast<int>(command_line.Int("samples", 30, 0, 100000));
  const int runs = static_cast<int>(command_line.Int("runs", 100, 1, 1'000'000));
  const int cores = HardwareCores();
  const int threads = static_cast<int>(command_line.Int("threads", 1, 1, cores));
  const auto seed = static_cast<std::uint64_t>(
      command_line.Int("seed", 0, 0, std::numeric_limits<std::int64_t>::max()));
  const fs::path config_path = command_line.Positional().front();
  const LatencyConfig config = ReadLatencyConfig(config_path);
  const fs::path out_path = command_line.Value("out").value_or(config.default_table.string());
  if (!command_line.Has("out") && fs::is_directory(out_path)) {
    throw ConfigError(
        {"space.latency_table: " + out_path.string() + " is a folder; name the table file in it"});
  }
  CheckOutputFile(out_path, {config_path}, "latency table", JsonOfFormat("sculpt-latency-"));
  const ModelFamily& family = *config.family;

  SetTorchThreads(threads);
  const double load_before = LoadAverage();
  io.err << "sculpt: timing the parts of the " << family.Name() << " skeleton "
         << family.Skeleton().dump() << " (" << runs << " runs each)\n";
  const auto start = std::chrono::steady_clock::now();
  LatencyTableOptions table_options;
  table_options.runs = runs;
  const nlohmann::json table = family.MeasureLatencyTable(table_options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // An earlier table there may be another config's (or an experiment's to --resume, which will
  // then find another config): the replacement is said, not silent.
  std::error_code error;
  const bool replaced = fs::exists(out_path, error);
  WriteJsonFile(table, out_path, "latency table");
  io.out << family.DescribeLatencyTable(table);
  io.out << "Written to " << out_path.string() << " in " << Fixed(seconds, 1) << " s"
         << (replaced ? ", replacing the table that was there (its experiments keep their own "
                        "copy)"
                      : "")
         << ".\n";
  if (samples == 0) return 0;

  // The space with the table just written predicts latency_lut_ms, as a search would see it.
  nlohmann::json space_block = config.space_block;
  space_block["latency_table"] = fs::absolute(out_path).string();
  const std::shared_ptr<const SearchSpace> space = BuildSpace(space_block);
  // Distinct architectures (by string form), seeded: the same seed measures the same networks.
  Rng rng(MixSeed(seed, 0x1a7e));
  std::vector<Architecture> archs;
  std::set<std::vector<int>> seen;
  const std::uint64_t size = space->Size().value_or(std::numeric_limits<std::uint64_t>::max());
  while (archs.size() < std::min<std::uint64_t>(static_cast<std::uint64_t>(samples), size)) {
    Architecture arch = space->Sample(rng);
    if (seen.insert(arch.choices).second) archs.push_back(std::move(arch));
  }

  const bool parts_only = family.PartsOnlyLatencyMs(table, archs.front()).has_value();
  io.out << "\nMeasured (median of " << runs << " batch-1 forwards) against predicted, ms:\n"
         << std::right << std::setw(4) << "#" << std::setw(11) << "measured" << std::setw(11)
         << "predicted" << std::setw(9) << "error";
  if (parts_only) io.out << std::setw(11) << "naive" << std::setw(9) << "error";
  io.out << "  architecture\n";
  std::vector<double> measured, predicted, naive;
  for (std::size_t i = 0; i < archs.size(); ++i) {
    const std::shared_ptr<Network> network = family.BuildNetwork(archs[i], i);
    network->Module().eval();
    const double ms = MeasureLatencyMs(
        [&](const torch::Tensor& x) { return network->Forward(x); }, family.InputShape(), runs,
        table_options.warmup);
    measured.push_back(ms);
    predicted.push_back(space->Cost(archs[i]).at("latency_lut_ms"));
    io.out << std::setw(4) << i + 1 << std::setw(11) << Fixed(ms, 4) << std::setw(11)
           << Fixed(predicted.back(), 4) << std::setw(9) << SignedPercent(predicted.back(), ms);
    if (parts_only) {
      naive.push_back(*family.PartsOnlyLatencyMs(table, archs[i]));
      io.out << std::setw(11) << Fixed(naive.back(), 4) << std::setw(9)
             << SignedPercent(naive.back(), ms);
    }
    io.out << "  " << space->Format(archs[i]) << "\n";
  }
  io.out << "\nSummary over " << Counted(static_cast<std::int64_t>(archs.size()), "network") << " ("
         << Counted(threads, "thread") << "):\n";
  PrintSummaryLine("table with overheads: ", Summarize(measured, predicted), io.out);
  if (parts_only) PrintSummaryLine("naive sum of parts:   ", Summarize(measured, naive), io.out);
  const double min_ms = *std::min_element(measured.begin(), measured.end());
  const double max_ms = *std::max_element(measured.begin(), measured.end());
  io.out << "  measured latencies range from " << Fixed(min_ms, 4) << " to " << Fixed(max_ms, 4)
         << " ms\n";
  // Competing processes preempt forwards longer than a scheduler slice, which can double the
  // median of a slow network but not of a fast one: the errors then say more about the load.
  const double load_after = LoadAverage();
  io.out << "  load average " << Fixed(load_before, 2) << " before, " << Fixed(load_after, 2)
         << " after, on " << cores << " cores\n";
  if (std::max(load_before, load_after) > cores) {
    io.out << "  warning: the machine was busy (load above its cores); measured latencies and "
              "the table are unreliable: rerun when it is idle\n";
  }
  return 0;
}

}  // namespace sculpt
