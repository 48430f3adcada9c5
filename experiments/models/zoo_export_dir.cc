#include "experiments/models/zoo_export_dir.h"

#include <cmath>
#include <cstdint>
#include <sstream>

namespace sculpt {

std::string BudgetText(double budget) {
  if (budget == std::floor(budget) && std::abs(budget) < 1e15) {
    return std::to_string(static_cast<std::int64_t>(budget));
  }
  std::ostringstream text;
  text.precision(6);
  text << budget;
  return text.str();
}

std::filesystem::path ZooExportDir(const std::filesystem::path& final_export,
                                   const std::string& metric, double budget) {
  return final_export.parent_path() /
         (final_export.filename().string() + "-" + metric + "-" + BudgetText(budget));
}

}  // namespace sculpt
