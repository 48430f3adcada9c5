#pragma once
// Options: a validating reader over one JSON object of a config (the experiment, or the block of
// one component such as "strategy"). Every component reads its own options through it, so that:
//  - every error names its JSON path and what is allowed
//    ("strategy.population: expected an integer >= 2, got -3"),
//  - all errors of a config are collected and reported at once (ConfigErrors),
//  - unknown keys are errors with a did-you-mean (Finish()),
//  - the canonical config (every value read, defaults filled in) is built as a side effect.
// A getter that finds an error records it and returns the fallback so that validation goes on.
// Thread-safety: none; used while building an experiment, on one thread.

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "spaces/errors.h"
#include "spaces/option_catalog.h"

namespace sculpt {

// All errors found in one config.
class ConfigErrors {
 public:
  void Add(const std::string& path, const std::string& message);
  bool Empty() const { return messages_.empty(); }
  const std::vector<std::string>& Messages() const { return messages_; }
  // Throws ConfigError if any error was recorded.
  void ThrowIfAny() const;

 private:
  std::vector<std::string> messages_;
};

// A config with one or more errors; what() lists them one per line.
class ConfigError : public UserError {
 public:
  explicit ConfigError(std::vector<std::string> messages);
  const std::vector<std::string>& Messages() const { return messages_; }

 private:
  std::vector<std::string> messages_;
};

class Options {
 public:
  // Reads `node` (which should be an object) found at `path` ("" for the root). Errors go to
  // `errors`; the canonical form is written to `*canonical` (owned by the caller or a parent).
  Options(const nlohmann::json& node, std::string path, ConfigErrors& errors,
          nlohmann::json* canonical);

  static constexpr std::int64_t kNoMin = std::numeric_limits<std::int64_t>::min();
  static constexpr std::int64_t kNoMax = std::numeric_limits<std::int64_t>::max();

  bool Has(std::string_view key) const;

  std::int64_t Int(std::string_view key, std::int64_t fallback, std::int64_t min = kNoMin,
                   std::int64_t max = kNoMax);
  std::optional<std::int64_t> OptionalInt(std::string_view key, std::int64_t min = kNoMin,
                                          std::int64_t max = kNoMax);
  double Number(std::string_view key, double fallback,
                double min = -std::numeric_limits<double>::infinity(),
                double max = std::numeric_limits<double>::infinity());
  std::optional<double> OptionalNumber(std::string_view key,
                                       double min = -std::numeric_limits<double>::infinity(),
                                       double max = std::numeric_limits<double>::infinity());
  bool Bool(std::string_view key, bool fallback);
  // `allowed` empty means any string.
  std::string String(std::string_view key, std::string fallback,
                     const std::vector<std::string>& allowed = {});
  std::optional<std::string> OptionalString(std::string_view key,
                                            const std::vector<std::string>& allowed = {});
  // Like String but the key must be present.
  std::string RequiredString(std::string_view key, const std::vector<std::string>& allowed = {});
  // A string or a list of strings, always returned as a list.
  std::vector<std::string> Strings(std::string_view key, std::vector<std::string> fallback);
  // A number or a list of them, each in [min, max], always returned as a list (e.g. a
  // strategy's budgets: one or several). An error names the first bad element by its index.
  std::vector<double> Numbers(std::string_view key, std::vector<double> fallback,
                              double min = -std::numeric_limits<double>::infinity(),
                              double max = std::numeric_limits<double>::infinity());
  // A list of integers, each in [min, max] (e.g. a space's choice lists). An error names the
  // first bad element by its index ("space.heads[2]: expected an integer >= 0, got -1").
  std::vector<std::int64_t> Ints(std::string_view key, std::vector<std::int64_t> fallback,
                                 std::int64_t min = kNoMin, std::int64_t max = kNoMax);

  // A nested object; an absent key gives an empty object (so its defaults apply).
  Options Child(std::string_view key);
  // A list of objects; an absent key gives an empty list.
  std::vector<Options> Children(std::string_view key);

  // Marks `key` as known without reading it (its reader is elsewhere) and copies it verbatim.
  const nlohmann::json* Raw(std::string_view key);

  // A fact the component found rather than read (which trained model a folder held): written
  // to the canonical form under `key`, so that the stored config carries it and a config that
  // finds another fact differs from it. When a stored config is read back, its value is accepted
  // unchecked and replaced by the fact found now.
  void Record(std::string_view key, nlohmann::json value);

  // Documentation (see option_catalog.h): from now on every getter of this object and of its
  // children notes its key in `catalog` (not owned; null: off), and Describe adds what an
  // option means. Components call Describe next to the getter of each of their options.
  void Document(OptionCatalog* catalog) { catalog_ = catalog; }
  void Describe(std::string_view key, std::string meaning);

  // Records an error about `key` (or about this object itself when `key` is empty).
  void Error(std::string_view key, const std::string& message);

  // Reports every key present but never read, with a did-you-mean. Call after all getters.
  void Finish();

  std::string PathOf(std::string_view key) const;
  const std::string& Path() const { return path_; }
  ConfigErrors& Errors() const { return *errors_; }

 private:
  const nlohmann::json* Lookup(std::string_view key);
  void Remember(std::string_view key, nlohmann::json value);
  void Note(std::string_view key, const char* kind, nlohmann::json fallback, std::string allowed);

  const nlohmann::json* node_;
  std::string path_;
  ConfigErrors* errors_;
  nlohmann::json* canonical_;
  std::set<std::string, std::less<>> known_;
  bool is_object_;
  OptionCatalog* catalog_ = nullptr;
};

// "an integer", "a string"... for messages: what a JSON value is.
std::string DescribeJson(const nlohmann::json& value);

}  // namespace sculpt
