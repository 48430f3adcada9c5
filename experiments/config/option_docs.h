#pragma once
// The documented options of each registered strategy: the strategy's factory reads an empty
// block with an OptionCatalog attached (spaces/option_catalog.h), so every key it reads is
// listed with its kind, default, allowed values and the meaning its reader gave with
// Options::Describe. `sculpt list strategies --options` prints them and docs/STRATEGIES.md is
// that output; nothing here is written by hand, so it cannot drift from the code.
// Thread-safety: call from one thread (builds strategies on a default nb201 space).

#include <string>
#include <string_view>
#include <vector>

#include "spaces/option_catalog.h"

namespace sculpt {

// The options of strategy `name` (a registered name; UserError otherwise), in reading order.
std::vector<OptionDoc> StrategyOptionDocs(std::string_view name);

// "10", "0.003", "\"nac\"", "(none)" for an option without a default.
std::string FormatDefault(const OptionDoc& doc);

}  // namespace sculpt
