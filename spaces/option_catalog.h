#pragma once
// OptionCatalog: what a component's options are, collected while the component reads a block
// of options (Options::Document). Every getter of Options notes the key it reads, its kind, its
// default and what is allowed, and the component adds a sentence of meaning with
// Options::Describe next to the getter. `sculpt list strategies` and docs/STRATEGIES.md are made
// from it, so the documentation of an option is the code that reads it and cannot drift.
// Thread-safety: none; filled by one thread, read afterwards.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sculpt {

struct OptionDoc {
  std::string key;        // relative to the documented block: "population", "comparator.hidden"
  std::string kind;       // "an integer", "a number", "true or false", "a string", ...
  nlohmann::json fallback;  // the default; null when the option is absent unless given
  std::string allowed;    // ">= 2", "in [0, 1]", "'flops', 'params'"; empty: anything of its kind
  std::string meaning;    // from Options::Describe; empty when the reader gave none
};

class OptionCatalog {
 public:
  // Notes `key` the first time it is read (a key read twice keeps its first note).
  void Note(std::string key, std::string kind, nlohmann::json fallback, std::string allowed);
  void Describe(std::string_view key, std::string meaning);
  // In the order the component read them.
  const std::vector<OptionDoc>& Entries() const { return entries_; }

 private:
  OptionDoc* Find(std::string_view key);
  std::vector<OptionDoc> entries_;
};

}  // namespace sculpt
