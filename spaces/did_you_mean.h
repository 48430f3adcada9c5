#pragma once
// Suggestions for misspelled names in configs and on the command line.

#include <string>
#include <string_view>
#include <vector>

namespace sculpt {

// The name the user most likely meant: an alias users type whose target is a candidate ("lr"
// for learning_rate, "min" for minimize), the candidate that differs only as a plural from a
// singular ("space" for spaces), else the closest candidate by edit distance; "" when none is
// close enough to be a likely typo. Case-insensitive. Thread-safety: a pure function.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

// "a, b, c" for messages.
std::string JoinNames(const std::vector<std::string>& names);

}  // namespace sculpt
