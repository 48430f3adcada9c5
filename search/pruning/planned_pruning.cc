#include "search/pruning/planned_pruning.h"

#include <algorithm>

#include "search/drop_budget.h"
#include "spaces/errors.h"

namespace sculpt {
namespace {

class PlannedPruning final : public Strategy {
 public:
  PlannedPruning(std::string name, Architecture largest, PruningPlan plan,
                 std::optional<double> max_drop)
      : name_(std::move(name)),
        largest_(std::move(largest)),
        make_plan_(std::move(plan)),
        max_drop_(max_drop) {}

  std::vector<Proposal> Ask(int max_count) override {
    if (finished_ || max_count <= 0) return {};
    if (start_step_ == kNotProposed) {
      start_step_ = kPending;
      return {{largest_, name_ + "-start", -1}};
    }
    if (start_step_ == kPending) return {};
    if (!planned_) {
      plan_ = make_plan_();
      planned_ = true;
      steps_.assign(plan_.size(), kNotProposed);
      ok_.assign(plan_.size(), false);
    }
    std::vector<Proposal> proposals;
    while (!stopped_ && next_ < plan_.size() && static_cast<int>(proposals.size()) < max_count) {
      // The member before when it was told (the plan is a chain), else the start.
      const std::int64_t parent = next_ > 0 && steps_[next_ - 1] >= 0 ? steps_[next_ - 1] : start_step_;
      proposals.push_back({plan_[next_], name_, parent});
      steps_[next_] = kPending;
      ++next_;
    }
    if (!proposals.empty()) return proposals;
    if (Pending() > 0) return {};
    finished_ = true;
    answer_ = LastOkBefore(stopped_ ? stop_at_ : static_cast<int>(plan_.size()));
    if (answer_ < 0) return {};
    return {{plan_[answer_], name_ + "-goal", steps_[answer_]}};
  }

  void Tell(const std::vector<Observation>& observations) override {
    for (const Observation& observation : observations) {
      if (start_step_ == kPending && observation.arch == largest_) {
        start_step_ = observation.step;
        if (observation.status != CandidateStatus::kOk) {
          finished_ = true;  // without the largest architecture's value there is no drop
          continue;
        }
        start_value_ = observation.objectives.front();
        continue;
      }
      const int member = PendingMember(observation.arch);
      if (member < 0) continue;  // the goal re-proposal, or a repeat told again
      steps_[member] = observation.step;
      if (observation.status != CandidateStatus::kOk) continue;
      const double drop = start_value_ - observation.objectives.front();
      if (max_drop_ && !WithinDrop(drop, *max_drop_)) {
        // Ever smaller architectures beyond this one are not tried.
        stop_at_ = stopped_ ? std::min(stop_at_, member) : member;
        stopped_ = true;
        continue;
      }
      ok_[member] = true;
    }
  }

  nlohmann::json SaveState() const override {
    nlohmann::json plan = nlohmann::json::array();
    for (const Architecture& arch : plan_) plan.push_back(arch.choices);
    return {{"start_step", start_step_}, {"start_value", start_value_}, {"planned", planned_},
            {"plan", plan},              {"steps", steps_},             {"ok", ok_},
            {"next", next_},             {"answer", answer_},           {"stopped", stopped_},
            {"stop_at", stop_at_},       {"finished", finished_}};
  }

  void RestoreState(const nlohmann::json& state) override {
    start_step_ = state.at("start_step").get<std::int64_t>();
    start_value_ = state.at("start_value").get<double>();
    planned_ = state.at("planned").get<bool>();
    plan_.clear();
    for (const nlohmann::json& choices : state.at("plan")) {
      plan_.push_back({choices.get<std::vector<int>>()});
    }
    steps_ = state.at("steps").get<std::vector<std::int64_t>>();
    ok_ = state.at("ok").get<std::vector<bool>>();
    next_ = state.at("next").get<std::size_t>();
    answer_ = state.at("answer").get<int>();
    stopped_ = state.at("stopped").get<bool>();
    stop_at_ = state.at("stop_at").get<int>();
    finished_ = state.at("finished").get<bool>();
  }

 private:
  static constexpr std::int64_t kNotProposed = -2;
  static constexpr std::int64_t kPending = -1;

  int PendingMember(const Architecture& arch) const {
    for (std::size_t i = 0; i < next_; ++i) {
      if (steps_[i] == kPending && plan_[i] == arch) return static_cast<int>(i);
    }
    return -1;
  }

  int Pending() const {
    int pending = 0;
    for (std::size_t i = 0; i < next_; ++i) pending += steps_[i] == kPending ? 1 : 0;
    return pending;
  }

  int LastOkBefore(int end) const {
    for (int i = end - 1; i >= 0; --i) {
      if (ok_[i]) return i;
    }
    return -1;
  }

  std::string name_;
  Architecture largest_;
  PruningPlan make_plan_;
  std::optional<double> max_drop_;

  std::int64_t start_step_ = kNotProposed;
  double start_value_ = 0;
  bool planned_ = false;
  std::vector<Architecture> plan_;
  std::vector<std::int64_t> steps_;  // per member: its step once told, or kNotProposed/kPending
  std::vector<bool> ok_;             // per member: evaluated successfully within max_drop
  std::size_t next_ = 0;             // members proposed so far
  int answer_ = -1;
  bool stopped_ = false;
  int stop_at_ = 0;  // the first member over max_drop, once stopped
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<Strategy> MakePlannedPruning(std::string name, Architecture largest, PruningPlan plan,
                                             std::optional<double> max_drop) {
  return std::make_unique<PlannedPruning>(std::move(name), std::move(largest), std::move(plan),
                                          max_drop);
}

}  // namespace sculpt
