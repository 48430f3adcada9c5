#pragma once
// SeenArchitectures: the engine's memory of a search (internal to search/engine.cc). Every
// string form proposed gets a number (CandidateRecord::arch_id), its text and canonical hash are
// worked out once, and every canonical class that has a result keeps it, so that a repeat is
// answered without evaluating. A proposal is looked up once (ArchitectureIndex); everything
// else about it is then an array index away, which is what makes a million cached proposals
// cheap.
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
      class_of_.push_back(kNoClass);
    }
    return id;
  }

  std::size_t size() const { return index_.size(); }
  const std::string& Text(std::size_t id) const { return texts_[id]; }
  std::uint64_t Hash(std::size_t id) const { return hashes_[id]; }

  // The class of string form `id` if it has a result (another string form of the same class
  // may have brought it), else kNoClass.
  std::int32_t ClassOf(std::size_t id) {
    if (class_of_[id] == kNoClass) {
      if (auto it = class_by_hash_.find(hashes_[id]); it != class_by_hash_.end()) {
        class_of_[id] = it->second;
      }
    }
    return class_of_[id];
  }

  // Records the result of string form `id`'s class.
  void AddClass(std::size_t id, ClassResult result) {
    const auto number = static_cast<std::int32_t>(classes_.size());
    classes_.push_back(std::move(result));
    class_by_hash_.emplace(hashes_[id], number);
    class_of_[id] = number;
  }

  const ClassResult& Class(std::int32_t number) const {
    SCULPT_ASSERT(number != kNoClass, "a class without a result was looked up");
    return classes_[static_cast<std::size_t>(number)];
  }

 private:
  ArchitectureIndex index_;
  std::vector<std::string> texts_;           // by string form
  std::vector<std::uint64_t> hashes_;        // by string form: canonical hash
  std::vector<std::int32_t> class_of_;       // by string form: class number or kNoClass
  std::vector<ClassResult> classes_;         // by class number
  std::unordered_map<std::uint64_t, std::int32_t> class_by_hash_;
};

}  // namespace sculpt
