#include "spaces/latency_table_option.h"

#include "spaces/errors.h"
#include "spaces/json_file.h"

namespace sculpt {

std::optional<LatencyTableDocument> ReadLatencyTableOption(Options& options) {
  constexpr const char* kKey = "latency_table";
  options.Describe(kKey,
                   "a latency table file `sculpt latency` wrote (relative to the config), or the "
                   "table itself; the stored config keeps the table itself");
  const nlohmann::json* value = options.Raw(kKey);
  if (value == nullptr) return std::nullopt;
  if (value->is_object()) return LatencyTableDocument{*value, "(stored in the config)"};
  if (!value->is_string()) {
    options.Error(kKey,
                  "expected the name of a table file (a string) or a table (an object), got " +
                      value->dump().substr(0, 60));
    return std::nullopt;
  }
  const std::string path = value->get<std::string>();
  try {
    nlohmann::json table = ReadJsonFile(path, "latency table");
    options.Record(kKey, table);
    std::string source = "'";  // appended, not operator+: g++ 12 warns falsely (-Wrestrict)
    source += path;
    source += "'";
    return LatencyTableDocument{std::move(table), std::move(source)};
  } catch (const UserError& error) {
    options.Error(kKey, error.what());
    return std::nullopt;
  }
}

}  // namespace sculpt
