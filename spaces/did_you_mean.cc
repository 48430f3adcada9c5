#include "spaces/did_you_mean.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace sculpt {
namespace {

// Words users type for a name that edit distance cannot reach: abbreviations and other
// spellings. An alias is suggested only where its target is one of the allowed names, so one
// table serves config keys, config values and the command line. Lower case.
constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"min", "minimize"},
    {"max", "maximize"},
    {"minimise", "minimize"},
    {"maximise", "maximize"},
    {"lower", "minimize"},
    {"higher", "maximize"},
    {"lr", "learning_rate"},
    {"min_lr", "min_learning_rate"},
    {"lr_min", "min_learning_rate"},
    {"wd", "weight_decay"},
    {"bs", "batch_size"},
    {"evals", "evaluations"},
    {"trials", "evaluations"},
    {"pop", "population"},
    {"population_size", "population"},
    {"db", "storage"},
    {"database", "storage"},
    {"output", "out"},
};

std::string Lower(std::string_view word) {
  std::string out(word);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "strategies" -> "strategy", "spaces" -> "space": a plural and its singular name one thing.
std::string Singular(std::string word) {
  if (word.size() > 3 && word.compare(word.size() - 3, 3, "ies") == 0) {
    return word.substr(0, word.size() - 3) + "y";
  }
  if (word.size() > 1 && word.back() == 's') word.pop_back();
  return word;
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string lower = Lower(word);
  for (const auto& [alias, target] : kAliases) {
    if (lower == alias &&
        std::find(candidates.begin(), candidates.end(), target) != candidates.end()) {
      return std::string(target);
    }
  }
  const std::string singular = Singular(lower);
  for (const std::string& candidate : candidates) {
    if (Singular(Lower(candidate)) == singular) return candidate;
  }
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const std::string& candidate : candidates) {
    const std::size_t d = EditDistance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace sculpt
