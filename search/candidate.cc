#include "search/candidate.h"

namespace sculpt {

std::string_view ToString(CandidateStatus status) {
  switch (status) {
    case CandidateStatus::kOk: return "ok";
    case CandidateStatus::kFailed: return "failed";
    case CandidateStatus::kInfeasible: return "infeasible";
  }
  return "unknown";
}

}  // namespace sculpt
