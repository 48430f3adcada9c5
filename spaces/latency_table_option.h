#pragma once
// The space option "latency_table", as every space that predicts latency reads it: the name of a
// file `sculpt latency` wrote, or the table itself (a JSON object), which is what an
// experiment's stored config holds. The canonical config takes the table in place of the file's
// name, so that
//  - a table measured again into the same file is another config: `--resume` does not mix its
//    predictions with the old table's (the difference is named, as any config change is), and
//  - later commands on the experiment (`sculpt train`, `export`, `report`) predict with the
//    table its search used, and need no file that may have moved or changed since.
// Thread-safety: as Options: one thread, while a space is built.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "spaces/options.h"

namespace sculpt {

struct LatencyTableDocument {
  nlohmann::json table;  // the document, for the space's own parser
  std::string source;    // "'FILE'", or where the table came from, for its error messages
};

// The option's table, or none when the key is absent. A file that cannot be read, or a value
// that is neither a string nor an object, is an error recorded at "latency_table" (none then).
std::optional<LatencyTableDocument> ReadLatencyTableOption(Options& options);

}  // namespace sculpt
