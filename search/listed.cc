// Listed: proposes the architectures of a CSV file (its `key` column, in the space's string
// form), in file order or as a seeded sample, then stops. What it is for: scoring exactly the
// architectures of a ground-truth table with any evaluator (a one-shot, few-shot or block-wise
// supernet), so that `sculpt rank` can say how well that evaluator ranks them; or re-evaluating
// the finalists of an earlier search with a costlier evaluator. Repeats in the file cost nothing
// (the engine answers them from its cache).

#include <algorithm>
#include <filesystem>
#include <optional>

#include "search/strategies.h"
#include "spaces/csv_table.h"
#include "spaces/rng.h"

namespace sculpt {
namespace {

class Listed final : public Strategy {
 public:
  explicit Listed(std::vector<Architecture> architectures)
      : architectures_(std::move(architectures)) {}

  std::vector<Proposal> Ask(int max_count) override {
    std::vector<Proposal> proposals;
    while (static_cast<int>(proposals.size()) < max_count && next_ < architectures_.size()) {
      proposals.push_back({architectures_[next_++], "listed", -1});
    }
    return proposals;
  }

  void Tell(const std::vector<Observation>& /*observations*/) override {}

  nlohmann::json SaveState() const override { return {{"next", next_}}; }

  void RestoreState(const nlohmann::json& state) override {
    next_ = std::min(state.at("next").get<std::size_t>(), architectures_.size());
  }

 private:
  std::vector<Architecture> architectures_;  // in proposal order
  std::size_t next_ = 0;
};

}  // namespace

std::unique_ptr<Strategy> MakeListed(Options& options, const StrategyContext& context) {
  const std::string path_text = options.RequiredString("path");
  const std::string key = options.String("key", "arch");
  const std::optional<std::int64_t> sample = options.OptionalInt("sample", 1);
  options.Describe("path", "CSV file with a header row listing the architectures to propose "
                           "(relative to the config's folder)");
  options.Describe("key", "the file's column of architectures, in the space's string form");
  options.Describe("sample", "propose a seeded random sample of this many rows, in the order "
                             "drawn; without it, every row in file order");
  const std::optional<CsvTable> table =
      ReadCsvOption(options, "path", path_text, context.base_dir);
  if (!table) return nullptr;
  const std::string path = table->Path().string();
  const std::optional<std::size_t> column = table->ColumnIndex(key);
  if (!column) {
    options.Error("key", table->NoColumnMessage(key));
    return nullptr;
  }
  if (table->Rows().empty()) {
    options.Error("path", path + " lists no architecture (a header only)");
    return nullptr;
  }
  std::vector<Architecture> architectures;
  architectures.reserve(table->Rows().size());
  std::size_t line = 1;
  for (const std::vector<std::string>& row : table->Rows()) {
    ++line;
    try {
      architectures.push_back(context.space->Parse(row[*column]));
    } catch (const UserError& error) {
      options.Error("path", path + " row " + std::to_string(line) + ": " + error.what());
      return nullptr;
    }
  }
  if (sample) {
    if (static_cast<std::size_t>(*sample) > architectures.size()) {
      options.Error("sample", std::to_string(*sample) + " is more than the " +
                                  std::to_string(architectures.size()) + " rows of " +
                                  path);
      return nullptr;
    }
    // A seeded sample without replacement, in the order drawn (a partial Fisher-Yates shuffle).
    Rng rng(MixSeed(context.seed, 0x11573d));
    for (std::size_t i = 0; i < static_cast<std::size_t>(*sample); ++i) {
      const std::size_t j =
          i + static_cast<std::size_t>(UniformIndex(rng, static_cast<int>(architectures.size() - i)));
      std::swap(architectures[i], architectures[j]);
    }
    architectures.resize(static_cast<std::size_t>(*sample));
  }
  return std::make_unique<Listed>(std::move(architectures));
}

}  // namespace sculpt
