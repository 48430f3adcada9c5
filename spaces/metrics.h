#pragma once
// Named metric values of one candidate (accuracy, loss, params, flops, latency...).

#include <map>
#include <string>

namespace sculpt {

using Metrics = std::map<std::string, double, std::less<>>;

}  // namespace sculpt
