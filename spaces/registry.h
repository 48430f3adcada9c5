#pragma once
// Registry: named factories for one kind of component (spaces, strategies, evaluators).
// It holds factories, never constructed objects, and registration is explicit (one line per
// component in experiments/config/builtins.cc): self-registering statics are silently dropped by static
// libraries. Thread-safety: fill it once at start-up, then read it from any thread.

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "spaces/did_you_mean.h"
#include "spaces/errors.h"

namespace sculpt {

template <class Factory>
class Registry {
 public:
  struct Entry {
    std::string name;
    std::string description;
    Factory factory;
  };

  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  void Add(std::string name, std::string description, Factory factory) {
    SCULPT_ASSERT(Find(name) == nullptr, kind_ + " '" + name + "' registered twice");
    entries_.push_back({std::move(name), std::move(description), std::move(factory)});
  }

  const Entry* Find(std::string_view name) const {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const Entry& e) { return e.name == name; });
    return it == entries_.end() ? nullptr : &*it;
  }

  // The factory for `name`, or a UserError listing every registered name.
  const Factory& Get(std::string_view name) const {
    if (const Entry* entry = Find(name)) return entry->factory;
    throw UserError(UnknownMessage(name));
  }

  std::string UnknownMessage(std::string_view name) const {
    std::string message = "unknown " + kind_ + " '" + std::string(name) + "'";
    const std::string guess = DidYouMean(name, Names());
    if (!guess.empty()) message += "; did you mean '" + guess + "'?";
    return message + " (registered: " + JoinNames(Names()) + ")";
  }

  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const Entry& e : entries_) names.push_back(e.name);
    return names;
  }

  const std::vector<Entry>& Entries() const { return entries_; }
  const std::string& Kind() const { return kind_; }

 private:
  std::string kind_;
  std::vector<Entry> entries_;
};

}  // namespace sculpt
