#include "experiments/config/option_docs.h"

#include <exception>

#include "experiments/config/builtins.h"
#include "spaces/options.h"

namespace sculpt {

std::vector<OptionDoc> StrategyOptionDocs(std::string_view name) {
  const StrategyFactory& factory = Strategies().Get(name);
  // Any space with a reduction graph and cost metrics lets every strategy read all its options.
  const std::shared_ptr<const SearchSpace> space = BuildSpace({{"type", "nb201"}});
  const StrategyContext context{space.get(), {{"accuracy", Goal::kMaximize}}, 0, {},
                                BuildComparator};
  const nlohmann::json empty = nlohmann::json::object();
  nlohmann::json canonical;
  ConfigErrors errors;
  Options block(empty, "", errors, &canonical);
  OptionCatalog catalog;
  block.Document(&catalog);
  try {
    factory(block, context);
  } catch (const std::exception&) {
    // An empty block may be an error (astar needs a goal); every key was noted by then.
  }
  return catalog.Entries();
}

std::string FormatDefault(const OptionDoc& doc) {
  if (doc.fallback.is_null()) return "(none)";
  if (doc.fallback.is_object()) return "{}";
  return doc.fallback.dump();
}

}  // namespace sculpt
