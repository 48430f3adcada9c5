#pragma once
// Where a zoo puts each budget's model (experiments/models/zoo.h): the folder
// "<final export>-<metric>-<budget>" beside the final block's export, the budget written as
// people write it. One definition for the zoo that writes the folders and for `sculpt query
// --zoo`, which shows them (it is built without LibTorch: this needs only the standard library).
// Thread-safety: stateless functions.

#include <filesystem>
#include <string>

namespace sculpt {

// A budget as people write it: 20000, not 20000.0 or 2e+04.
std::string BudgetText(double budget);

// The folder budget `budget`'s model is exported to, beside `final_export`.
std::filesystem::path ZooExportDir(const std::filesystem::path& final_export,
                                   const std::string& metric, double budget);

}  // namespace sculpt
