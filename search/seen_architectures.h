#pragma once
// SeenArchitectures: the engine's memory of a search (internal to search/engine.cc). Every
// string form proposed gets a number (CandidateRecord::arch_id), its text, canonical hash and
// class key are worked out once, and every class that has a result keeps it, so that a repeat
// is answered without evaluating. A proposal is looked up once (ArchitectureIndex); everything
// else about it is then an array index away, which is what makes a million cached proposals
// cheap.
//
// A class is the string forms of one canonical form *and* the same analytic costs: isomorphic
// architectures compute the same function family, but they need not cost the same (an nb201
// cell's dead-end convs run and count; a latency table times equal transformers by their
// parts). So a repeat's stored costs are its own, and a constraint on them holds for it.
//
// Thread-safety: none; the engine's controlling thread only.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "search/architecture_index.h"
#include "search/candidate.h"
#include "spaces/errors.h"
#include "spaces/search_space.h"

namespace sculpt {

// The first result of a canonical class; repeats are answered from it.
struct ClassResult {
  std::int64_t first_step = 0;
  CandidateStatus status = CandidateStatus::kOk;
  std::vector<double> oriented;  // objectives as the strategy sees them
  std::optional<double> objective;
  std::string error;
};

class SeenArchitectures {
 public:
  static constexpr std::int32_t kNoClass = -1;

  // The string form's number (CandidateRecord::arch_id); formats and hashes it when new.
  std::size_t Find(const SearchSpace& space, const Architecture& arch) {
    auto [id, is_new] = index_.Insert(arch);
    if (is_new) {
      texts_.push_back(space.Format(arch));
      hashes_.push_back(space.CanonicalHash(arch));
      class_keys_.push_back(ClassKey(hashes_.back(), space.Cost(arch)));
      class_of_.push_back(kNoClass);
    }
    return id;
  }

  std::size_t size() const { return index_.size(); }
  const std::string& Text(std::size_t id) const { return texts_[id]; }
  std::uint64_t Hash(std::size_t id) const { return hashes_[id]; }
  // The canonical hash mixed with the analytic costs: equal for, and only for (up to hash
  // collisions, as the canonical hash itself), string forms of one class.
  std::uint64_t Key(std::size_t id) const { return class_keys_[id]; }

  // The class of string form `id` if it has a result (another string form of the same class
  // may have brought it), else kNoClass.
  std::int32_t ClassOf(std::size_t id) {
    if (class_of_[id] == kNoClass) {
      if (auto it = class_by_key_.find(class_keys_[id]); it != class_by_key_.end()) {
        class_of_[id] = it->second;
      }
    }
    return class_of_[id];
  }

  // Records the result of string form `id`'s class.
  void AddClass(std::size_t id, ClassResult result) {
    const auto number = static_cast<std::int32_t>(classes_.size());
    classes_.push_back(std::move(result));
    class_by_key_.emplace(class_keys_[id], number);
    class_of_[id] = number;
  }

  const ClassResult& Class(std::int32_t number) const {
    SCULPT_ASSERT(number != kNoClass, "a class without a result was looked up");
    return classes_[static_cast<std::size_t>(number)];
  }

 private:
  static std::uint64_t ClassKey(std::uint64_t canonical_hash, const Metrics& costs) {
    std::string text = HashToHex(canonical_hash);
    for (const auto& [name, value] : costs) {
      text += ';';
      text += name;
      text += '=';
      text.append(reinterpret_cast<const char*>(&value), sizeof value);
    }
    return HashText(text);
  }

  ArchitectureIndex index_;
  std::vector<std::string> texts_;           // by string form
  std::vector<std::uint64_t> hashes_;        // by string form: canonical hash
  std::vector<std::uint64_t> class_keys_;    // by string form: Key
  std::vector<std::int32_t> class_of_;       // by string form: class number or kNoClass
  std::vector<ClassResult> classes_;         // by class number
  std::unordered_map<std::uint64_t, std::int32_t> class_by_key_;
};

}  // namespace sculpt
