#pragma once
// Suggestions for misspelled names in configs and on the command line.

#include <string>
#include <string_view>
#include <vector>

namespace sculpt {

// The closest candidate by edit distance, or "" when none is close enough to be a likely typo.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

// "a, b, c" for messages.
std::string JoinNames(const std::vector<std::string>& names);

}  // namespace sculpt
