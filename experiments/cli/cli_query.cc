// `sculpt query DB`: lists the experiments of a database; an experiment's candidates (the best,
// sorted and filtered by any metric, per strategy, its Pareto front); a candidate's lineage; a
// training run's curves; or runs the user's SQL. The database is opened read-only, never
// created. Also the candidate tables that `sculpt run` shares (candidate_tables.h).

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "experiments/cli/candidate_tables.h"
#include "experiments/cli/cli.h"
#include "experiments/cli/command_line.h"
#include "experiments/cli/experiment_choice.h"
#include "experiments/cli/shell_word.h"
#include "experiments/cli/zoo_exports.h"
#include "experiments/store/metric_units.h"
#include "experiments/store/store.h"
#include "experiments/store/strategy_answer.h"
#include "experiments/store/table_format.h"
#include "experiments/store/zoo_query.h"
#include "search/pareto.h"
#include "spaces/did_you_mean.h"

namespace sculpt {

// ---- Candidate tables (candidate_tables.h) ----

namespace {

// A metric value as a cell: a Fraction where the metric is one (shown as a percentage).
Cell MetricCell(double value, bool fraction) {
  if (ShowsAsPercent(fraction, value)) return Fraction{value};
  return value;
}

}  // namespace

std::optional<double> MetricValue(const StoredCandidate& candidate, const std::string& metric,
                                  const std::string& primary) {
  if (auto it = candidate.metrics.find(metric); it != candidate.metrics.end()) return it->second;
  if (metric == primary && candidate.objective) return *candidate.objective;
  return std::nullopt;
}

std::vector<std::string> MetricColumns(const std::vector<StoredCandidate>& candidates,
                                       const std::vector<std::string>& first) {
  std::set<std::string> others;
  for (const StoredCandidate& c : candidates) {
    for (const auto& [name, value] : c.metrics) others.insert(name);
  }
  std::vector<std::string> columns = first;
  for (const std::string& name : others) {
    if (std::find(first.begin(), first.end(), name) == first.end()) columns.push_back(name);
  }
  return columns;
}

Table CandidateTable(const std::vector<StoredCandidate>& candidates,
                     const CandidateTableSpec& spec) {
  Table table;
  table.columns = {"id", "step"};
  for (const CandidateColumn& column : spec.extra) table.columns.push_back(column.name);
  table.columns.push_back("arch");
  table.columns.insert(table.columns.end(), spec.metrics.begin(), spec.metrics.end());
  std::vector<bool> fraction;
  for (const std::string& name : spec.metrics) {
    fraction.push_back(IsFractionMetric(spec.evaluator_type, name));
  }
  for (const StoredCandidate& c : candidates) {
    std::vector<Cell> row = {c.id != 0 ? Cell(c.id) : Cell(), c.step};
    for (const CandidateColumn& column : spec.extra) row.push_back(column.cell(c));
    row.emplace_back(c.arch);
    for (std::size_t m = 0; m < spec.metrics.size(); ++m) {
      const std::optional<double> value = MetricValue(c, spec.metrics[m], spec.primary);
      row.push_back(value ? MetricCell(*value, fraction[m]) : Cell());
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

std::vector<Objective> StoredObjectives(const ExperimentInfo& experiment) {
  std::vector<Objective> objectives;
  const nlohmann::json& config = experiment.config;
  if (config.is_object() && config.contains("objectives") && config["objectives"].is_array()) {
    for (const nlohmann::json& o : config["objectives"]) {
      if (!o.is_object() || !o.contains("metric") || !o["metric"].is_string()) continue;
      const bool minimize = o.contains("goal") && o["goal"] == "minimize";
      objectives.push_back(
          {o["metric"].get<std::string>(), minimize ? Goal::kMinimize : Goal::kMaximize});
    }
  }
  if (objectives.empty()) objectives.push_back(experiment.objective);
  return objectives;
}

std::string StoredEvaluatorType(const ExperimentInfo& experiment) {
  const nlohmann::json& config = experiment.config;
  if (!config.is_object() || !config.contains("evaluator")) return "";
  const nlohmann::json& evaluator = config["evaluator"];
  if (!evaluator.is_object() || !evaluator.contains("type") || !evaluator["type"].is_string()) {
    return "";
  }
  return evaluator["type"].get<std::string>();
}

std::vector<StoredCandidate> ParetoFront(const std::vector<Objective>& objectives,
                                         const std::vector<StoredCandidate>& candidates) {
  std::vector<const StoredCandidate*> scored;
  std::vector<std::vector<double>> points;
  for (const StoredCandidate& c : candidates) {
    std::vector<double> point;
    for (const Objective& objective : objectives) {
      auto it = c.metrics.find(objective.metric);
      if (it == c.metrics.end() || !std::isfinite(it->second)) break;
      point.push_back(objective.Orient(it->second));
    }
    if (point.size() != objectives.size()) continue;  // lacks an objective: not comparable
    scored.push_back(&c);
    points.push_back(std::move(point));
  }
  std::vector<std::size_t> indices = NonDominated(points);
  std::sort(indices.begin(), indices.end());  // the order of `candidates`
  std::vector<StoredCandidate> front;
  for (std::size_t index : indices) front.push_back(*scored[index]);
  return front;
}

// ---- The query command ----

namespace {

std::string GoalWord(Goal goal) { return goal == Goal::kMinimize ? "min" : "max"; }

Table ExperimentTable(const ResultStore& store, const std::vector<ExperimentInfo>& experiments) {
  Table table;
  // Evaluations (what an evaluation budget counts) apart from proposals (repeats and
  // infeasible proposals included): one "candidates" count of both read as a budget overrun.
  // A goal-seeking strategy's answer (astar, fisher, importance) beside the best: when pruning,
  // the best is the unpruned model, and the answer is what the run was for.
  table.columns = {"id",          "name",      "space", "strategy", "objective", "status",
                   "evaluations", "proposals", "best",  "answer",   "created_at"};
  for (const ExperimentInfo& e : experiments) {
    const ExperimentStats stats = store.Stats(e.id);
    const bool fraction = IsFractionMetric(StoredEvaluatorType(e), e.objective.metric);
    const std::optional<StoredCandidate> answer = StrategyAnswer(store, e.id);
    std::string answer_text;
    if (answer) {
      answer_text = "#" + std::to_string(answer->id);
      if (const auto value = MetricValue(*answer, e.objective.metric, e.objective.metric)) {
        answer_text += " " + MetricText(StoredEvaluatorType(e), e.objective.metric, *value);
      }
    }
    // Every objective of a multi-objective run (nsga2), the first (which "best" is of) first.
    std::string objectives;
    for (const Objective& o : StoredObjectives(e)) {
      objectives += (objectives.empty() ? "" : ", ") + GoalWord(o.goal) + " " + o.metric;
    }
    table.rows.push_back(
        {e.id, e.name, e.space, e.strategy, objectives, IsGone(e) ? std::string("gone") : e.status,
         stats.evaluations, stats.candidates,
         stats.best_objective ? MetricCell(*stats.best_objective, fraction) : Cell(),
         answer ? Cell(answer_text) : Cell(), e.created_at});
  }
  return table;
}

// What a candidate list is about: the experiment, its objectives, and how its metrics read.
struct ListContext {
  ExperimentInfo experiment;
  std::vector<Objective> objectives;
  std::string evaluator_type;

  const std::string& Primary() const { return objectives.front().metric; }

  CandidateTableSpec Spec(const std::vector<StoredCandidate>& candidates) const {
    std::vector<std::string> first;
    for (const Objective& o : objectives) first.push_back(o.metric);
    return {MetricColumns(candidates, first), Primary(), evaluator_type, {}};
  }
};

// Names --sort and --where accept: every metric of the candidates, and the step.
std::vector<std::string> KnownNames(const ListContext& context,
                                    const std::vector<StoredCandidate>& candidates) {
  std::vector<std::string> names = MetricColumns(candidates, {context.Primary()});
  names.push_back("step");
  return names;
}

// A candidate's value of a name --sort or --where accepts.
std::optional<double> ValueOf(const StoredCandidate& c, const std::string& name,
                              const ListContext& context) {
  if (name == "step") return static_cast<double>(c.step);
  std::optional<double> value = MetricValue(c, name, context.Primary());
  if (value && std::isnan(*value)) return std::nullopt;
  return value;
}

void RequireKnown(const std::string& flag, const std::string& name,
                  const std::vector<std::string>& known, const ListContext& context) {
  if (std::find(known.begin(), known.end(), name) != known.end()) return;
  std::string message = flag + ": experiment " + std::to_string(context.experiment.id) +
                        " has no metric '" + name + "'";
  const std::string guess = DidYouMean(name, known);
  if (!guess.empty()) message += "; did you mean '" + guess + "'?";
  throw UsageError(message + " (it has " + JoinNames(known) + ")");
}

// ---- --sort METRIC[:asc|:desc] ----

struct SortOrder {
  std::string name;
  bool descending = false;
};

// Without a direction, an objective sorts best first (its goal), anything else ascending.
SortOrder ParseSort(const std::string& text, const ListContext& context) {
  SortOrder order;
  order.name = text;
  std::optional<bool> descending;
  if (const std::size_t colon = text.rfind(':'); colon != std::string::npos) {
    const std::string direction = text.substr(colon + 1);
    if (direction == "asc") {
      descending = false;
    } else if (direction == "desc") {
      descending = true;
    } else {
      throw UsageError("--sort: unknown direction '" + direction + "' in '" + text +
                       "'; expected METRIC, METRIC:asc or METRIC:desc");
    }
    order.name = text.substr(0, colon);
  }
  if (order.name.empty()) throw UsageError("--sort: expected a metric, e.g. --sort params:asc");
  bool objective_descending = false;
  for (const Objective& o : context.objectives) {
    if (o.metric == order.name) objective_descending = o.goal == Goal::kMaximize;
  }
  order.descending = descending.value_or(objective_descending);
  return order;
}

// Stable, so ties keep the objective order; candidates without the value go last.
void SortCandidates(std::vector<StoredCandidate>& candidates, const SortOrder& order,
                    const ListContext& context) {
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](const StoredCandidate& a, const StoredCandidate& b) {
                     const std::optional<double> x = ValueOf(a, order.name, context);
                     const std::optional<double> y = ValueOf(b, order.name, context);
                     if (!x || !y) return x.has_value() && !y.has_value();
                     return order.descending ? *x > *y : *x < *y;
                   });
}

// ---- --where "params < 1e5 and accuracy >= 70%" ----
// Parsed here into comparisons and applied to the candidates read from the store: the text
// never reaches SQL.

enum class Comparison { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual, kNotEqual };

struct Condition {
  std::string name;
  Comparison comparison = Comparison::kLess;
  double value = 0.0;
  bool percent = false;  // written as a percentage ("70%"): value holds the fraction
};

struct Token {
  enum class Kind { kName, kNumber, kOperator, kAnd, kEnd } kind = Kind::kEnd;
  std::string text;
  double number = 0.0;
  bool percent = false;
};

// "77.1" of "77.1%" as the fraction 0.771: the decimal point moved two places in the text, not a
// division (77.1 / 100 is 0.7709999..., below the stored 0.771 that the table shows as 77.10%).
double PercentAsFraction(std::string_view number) {
  const std::size_t e = number.find_first_of("eE");
  long exponent = -2;
  if (e != std::string_view::npos) {
    long written = 0;
    std::from_chars(number.data() + e + 1 + (number[e + 1] == '+' ? 1 : 0),
                    number.data() + number.size(), written);
    exponent += written;
  }
  const std::string shifted = std::string(number.substr(0, e)) + "e" + std::to_string(exponent);
  double fraction = 0.0;
  std::from_chars(shifted.data(), shifted.data() + shifted.size(), fraction);
  return fraction;
}

class WhereLexer {
 public:
  explicit WhereLexer(std::string_view text) : text_(text) {}

  Token Next() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    start_ = pos_;
    if (pos_ >= text_.size()) return {};
    const char c = text_[pos_];
    const auto is_name_char = [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.';
    };
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t end = pos_;
      while (end < text_.size() && is_name_char(text_[end])) ++end;
      Token token{Token::Kind::kName, std::string(text_.substr(pos_, end - pos_))};
      pos_ = end;
      std::string lower = token.text;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower == "and") token.kind = Token::Kind::kAnd;
      return token;
    }
    if (text_.compare(pos_, 2, "&&") == 0) {
      pos_ += 2;
      return {Token::Kind::kAnd, "&&"};
    }
    if (c == ',') {
      ++pos_;
      return {Token::Kind::kAnd, ","};
    }
    for (const char* op : {"<=", ">=", "!=", "==", "<", ">", "="}) {
      if (text_.compare(pos_, std::strlen(op), op) == 0) {
        pos_ += std::strlen(op);
        return {Token::Kind::kOperator, op};
      }
    }
    // A number: from_chars reads no leading '+'.
    std::size_t begin = pos_ + (c == '+' ? 1 : 0);
    double number = 0.0;
    const auto [end, error] =
        std::from_chars(text_.data() + begin, text_.data() + text_.size(), number);
    if (error == std::errc() && end != text_.data() + begin) {
      pos_ = static_cast<std::size_t>(end - text_.data());
      Token token{Token::Kind::kNumber, std::string(text_.substr(start_, pos_ - start_)), number};
      if (pos_ < text_.size() && text_[pos_] == '%') {
        ++pos_;
        token.number = PercentAsFraction(text_.substr(begin, end - (text_.data() + begin)));
        token.percent = true;
        token.text += '%';
      }
      return token;
    }
    throw Error(std::string("unexpected '") + c + "'");
  }

  // A usage error pointing at the token just read.
  UsageError Error(const std::string& what) const {
    return UsageError("--where: " + what + " at column " + std::to_string(start_ + 1) +
                      " of \"" + std::string(text_) +
                      "\"; expected comparisons such as \"params < 1e5 and accuracy >= 70%\"");
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t start_ = 0;
};

Comparison ComparisonOf(const std::string& op, bool flipped) {
  if (op == "<") return flipped ? Comparison::kGreater : Comparison::kLess;
  if (op == "<=") return flipped ? Comparison::kGreaterEqual : Comparison::kLessEqual;
  if (op == ">") return flipped ? Comparison::kLess : Comparison::kGreater;
  if (op == ">=") return flipped ? Comparison::kLessEqual : Comparison::kGreaterEqual;
  if (op == "!=") return Comparison::kNotEqual;
  return Comparison::kEqual;  // "=" and "=="
}

// NAME OP NUMBER or NUMBER OP NAME, joined by "and", "&&" or ",".
std::vector<Condition> ParseWhere(std::string_view text) {
  WhereLexer lexer(text);
  std::vector<Condition> conditions;
  Token token = lexer.Next();
  while (true) {
    if (token.kind != Token::Kind::kName && token.kind != Token::Kind::kNumber) {
      throw lexer.Error(token.kind == Token::Kind::kEnd ? "expected a comparison"
                                                        : "expected a metric or a number");
    }
    const Token left = token;
    const Token op = lexer.Next();
    if (op.kind != Token::Kind::kOperator) {
      throw lexer.Error("expected <, <=, >, >=, = or != after '" + left.text + "'");
    }
    const Token right = lexer.Next();
    Condition condition;
    if (left.kind == Token::Kind::kName && right.kind == Token::Kind::kNumber) {
      condition = {left.text, ComparisonOf(op.text, false), right.number, right.percent};
    } else if (left.kind == Token::Kind::kNumber && right.kind == Token::Kind::kName) {
      condition = {right.text, ComparisonOf(op.text, true), left.number, left.percent};
    } else {
      throw lexer.Error("expected a metric compared with a number");
    }
    conditions.push_back(condition);
    token = lexer.Next();
    if (token.kind == Token::Kind::kEnd) return conditions;
    if (token.kind != Token::Kind::kAnd) throw lexer.Error("expected 'and' between comparisons");
    token = lexer.Next();
  }
}

// A candidate without the value fails the condition, as NULL does in SQL.
bool Satisfies(const StoredCandidate& c, const Condition& condition, const ListContext& context) {
  const std::optional<double> value = ValueOf(c, condition.name, context);
  if (!value) return false;
  switch (condition.comparison) {
    case Comparison::kLess: return *value < condition.value;
    case Comparison::kLessEqual: return *value <= condition.value;
    case Comparison::kGreater: return *value > condition.value;
    case Comparison::kGreaterEqual: return *value >= condition.value;
    case Comparison::kEqual: return *value == condition.value;
    case Comparison::kNotEqual: return *value != condition.value;
  }
  return false;
}

// ---- Candidate lists: --top, --pareto, --sort, --where, --by-strategy ----

// `empty_note` receives why the list is empty, when it is: an experiment with no evaluated
// candidate (interrupted before its search, say) would otherwise give a bare header.
Table CandidateList(const ResultStore& store, const std::string& db,
                    const CommandLine& command_line, std::string& empty_note) {
  ListContext context;
  context.experiment = ChooseExperiment(store, db, command_line.Value("experiment"));
  context.objectives = StoredObjectives(context.experiment);
  context.evaluator_type = StoredEvaluatorType(context.experiment);
  const std::int64_t top =
      command_line.Int("top", std::numeric_limits<int>::max(), 1, std::numeric_limits<int>::max());
  const bool by_strategy = command_line.Has("by-strategy");
  const bool whole_list = command_line.Has("pareto") || command_line.Has("sort") ||
                          command_line.Has("where") || by_strategy;
  // Only the K best when nothing else is asked: the store reads them in order from its index.
  std::vector<StoredCandidate> candidates = store.Top(
      context.experiment.id, whole_list ? std::numeric_limits<int>::max() : static_cast<int>(top));
  const std::vector<std::string> known = KnownNames(context, candidates);
  // The columns of every candidate read, before --where and --pareto: a script that reads
  // several lists (one of them empty) gets the same header each time.
  CandidateTableSpec spec = context.Spec(candidates);
  const ExperimentInfo& e = context.experiment;
  if (candidates.empty()) {
    empty_note = "experiment " + std::to_string(e.id) + " ('" + e.name + "', " +
                 (IsGone(e) ? std::string("gone") : e.status) +
                 ") has no successfully evaluated candidate; `sculpt query " + ShellPath(db) +
                 "` lists the experiments, and -e ID picks another";
  }

  if (const std::optional<std::string> where = command_line.Value("where")) {
    const std::vector<Condition> conditions = ParseWhere(*where);
    for (const Condition& condition : conditions) {
      if (!candidates.empty()) RequireKnown("--where", condition.name, known, context);
      if (condition.percent && !IsFractionMetric(context.evaluator_type, condition.name)) {
        throw UsageError("--where: '" + condition.name +
                         "' is not a fraction (it is stored as is, e.g. a table's own unit); "
                         "compare it without '%'");
      }
      // A fraction is never above 1: "accuracy >= 77" would silently match nothing.
      if (!condition.percent && std::abs(condition.value) > 1 &&
          IsFractionMetric(context.evaluator_type, condition.name)) {
        throw UsageError("--where: '" + condition.name + "' is stored as a fraction (0.773 for " +
                         "77.30%); write " + FormatNumber(condition.value) + "% or " +
                         FormatNumber(condition.value / 100));
      }
    }
    std::erase_if(candidates, [&](const StoredCandidate& c) {
      return !std::all_of(conditions.begin(), conditions.end(),
                          [&](const Condition& condition) {
                            return Satisfies(c, condition, context);
                          });
    });
    if (candidates.empty() && empty_note.empty()) {
      empty_note = "no candidate of experiment " + std::to_string(e.id) + " ('" + e.name +
                   "') satisfies --where " + *where;
    }
  }
  if (command_line.Has("pareto")) candidates = ParetoFront(context.objectives, candidates);
  if (const std::optional<std::string> sort = command_line.Value("sort")) {
    const SortOrder order = ParseSort(*sort, context);
    if (!candidates.empty()) RequireKnown("--sort", order.name, known, context);
    SortCandidates(candidates, order, context);
  }

  if (by_strategy) {
    // The K first of each strategy; strategies in the order of their first (best) candidate.
    std::vector<std::string> order;
    std::map<std::string, std::int64_t> taken;
    std::vector<StoredCandidate> kept;
    for (const StoredCandidate& c : candidates) {
      if (taken.count(c.strategy) == 0) order.push_back(c.strategy);
      if (taken[c.strategy]++ < top) kept.push_back(c);
    }
    std::stable_sort(kept.begin(), kept.end(), [&order](const auto& a, const auto& b) {
      return std::find(order.begin(), order.end(), a.strategy) <
             std::find(order.begin(), order.end(), b.strategy);
    });
    candidates = std::move(kept);
    spec.extra.push_back({"strategy", [](const StoredCandidate& c) { return Cell(c.strategy); }});
  } else if (static_cast<std::int64_t>(candidates.size()) > top) {
    candidates.resize(static_cast<std::size_t>(top));
  }
  return CandidateTable(candidates, spec);
}

// The positive integer `text` given with `flag`, or a usage error naming `what` it should be.
std::int64_t ParseId(const std::string& flag, const std::string& text, const std::string& what) {
  std::int64_t id = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size() || id <= 0) {
    throw UsageError(flag + ": expected " + what + " (a positive integer), got '" + text + "'");
  }
  return id;
}

// ---- --lineage ID ----

// The candidate and its ancestors through the parent links the strategies store (parent_step),
// oldest first. A repeat among them has no id and shows the metrics of the evaluation it
// repeats.
Table Lineage(const ResultStore& store, const std::string& db, const std::string& id_text) {
  const std::int64_t id = ParseId("--lineage", id_text, "a candidate id");
  std::optional<StoredCandidate> candidate = store.Candidate(id);
  if (!candidate) {
    throw UsageError("no candidate " + id_text + " in " + db +
                     " (ids are in the id column of `sculpt query DB --top K`)");
  }
  const std::optional<ExperimentInfo> experiment =
      store.FindExperiment(std::to_string(candidate->experiment_id));
  SCULPT_ASSERT(experiment.has_value(), "a candidate's experiment is missing from its store");
  std::vector<StoredCandidate> chain = {*candidate};
  std::set<std::int64_t> seen = {candidate->step};
  while (chain.back().parent >= 0) {
    const std::int64_t parent = chain.back().parent;
    // A parent link never points forward; the set guards against a damaged file anyway.
    if (!seen.insert(parent).second) break;
    std::optional<StoredCandidate> ancestor = store.CandidateAtStep(chain.back().experiment_id,
                                                                    parent);
    if (!ancestor) {
      // A repeat beyond the experiment's stored_repeats was counted, not stored: its row says
      // so, and the chain ends there.
      StoredCandidate counted;
      counted.experiment_id = chain.back().experiment_id;
      counted.step = parent;
      counted.arch = "(not stored: a repeat beyond stored_repeats, only counted)";
      chain.push_back(std::move(counted));
      break;
    }
    if (ancestor->repeat_of >= 0) {
      if (auto evaluation = store.CandidateAtStep(ancestor->experiment_id, ancestor->repeat_of)) {
        ancestor->metrics = evaluation->metrics;
      }
    }
    chain.push_back(std::move(*ancestor));
  }
  std::reverse(chain.begin(), chain.end());

  ListContext context{*experiment, StoredObjectives(*experiment), StoredEvaluatorType(*experiment)};
  CandidateTableSpec spec = context.Spec(chain);
  spec.extra = {
      {"origin", [](const StoredCandidate& c) { return Cell(c.origin); }},
      {"parent_step",
       [](const StoredCandidate& c) { return c.parent >= 0 ? Cell(c.parent) : Cell(); }},
      {"repeat_of_step",
       [](const StoredCandidate& c) { return c.repeat_of >= 0 ? Cell(c.repeat_of) : Cell(); }},
  };
  return CandidateTable(chain, spec);
}

// ---- --curves RUN ----

// One row per epoch (1-based): the columns every trainer fills first, then any other value.
// Training accuracies are fractions.
// `empty_note` receives why there is no row, when there is none.
Table Curves(const ResultStore& store, const std::string& db, const std::string& run_text,
             std::string& empty_note) {
  const std::int64_t run_id = ParseId("--curves", run_text, "a training run id");
  const std::optional<TrainingRunInfo> run = store.TrainingRun(run_id);
  if (!run) {
    std::string known;
    for (const auto& row : store.Sql("SELECT id, kind FROM training_runs ORDER BY id").rows) {
      known += (known.empty() ? "" : ", ") + std::to_string(std::get<std::int64_t>(row[0])) +
               " (" + std::get<std::string>(row[1]) + ")";
    }
    throw UsageError("no training run " + run_text + " in " + db + "; it holds " +
                     (known.empty() ? std::string("none") : known));
  }
  const std::vector<TrainingEpoch> epochs = store.TrainingEpochs(run_id);
  if (epochs.empty()) {
    const bool alive = run->status == "running" && run->process_alive != false;
    empty_note = "training run " + run_text + " (" + run->kind + ", " +
                 (run->status == "running" && !alive ? std::string("gone: its process ended")
                                                     : run->status) +
                 ") has no finished epoch" + (alive ? " yet" : "");
  }
  std::vector<std::string> names;
  for (const char* name :
       {"train_loss", "train_accuracy", "valid_loss", "valid_accuracy", "lr", "seconds"}) {
    names.emplace_back(name);
  }
  std::set<std::string> others;
  for (const TrainingEpoch& epoch : epochs) {
    for (const auto& [name, value] : epoch.values) {
      if (std::find(names.begin(), names.end(), name) == names.end()) others.insert(name);
    }
  }
  names.insert(names.end(), others.begin(), others.end());
  // Only the columns some epoch has.
  std::erase_if(names, [&epochs](const std::string& name) {
    return std::none_of(epochs.begin(), epochs.end(),
                        [&name](const TrainingEpoch& e) { return e.values.count(name) != 0; });
  });
  Table table;
  table.columns = {"epoch"};
  table.columns.insert(table.columns.end(), names.begin(), names.end());
  for (const TrainingEpoch& epoch : epochs) {
    std::vector<Cell> row = {static_cast<std::int64_t>(epoch.epoch)};
    for (const std::string& name : names) {
      auto it = epoch.values.find(name);
      row.push_back(it == epoch.values.end() ? Cell()
                                             : MetricCell(it->second, IsFractionMetric("", name)));
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

// A usage error when `flag` is given with any of `others`.
void RejectCombination(const CommandLine& command_line, const std::string& flag,
                       const std::vector<std::string>& others, const std::string& why = "") {
  if (!command_line.Has(flag)) return;
  for (const std::string& other : others) {
    if (command_line.Has(other)) {
      throw UsageError("--" + flag + " cannot be combined with --" + other +
                       (why.empty() ? "" : " (" + why + ")"));
    }
  }
}

}  // namespace

int QueryCommand(const std::vector<std::string>& args, Streams io) {
  CommandLine command_line(
      "query DB [--experiment ID|NAME] [--top K] [--sort METRIC[:asc|:desc]]\n"
      "          [--where CONDITION] [--by-strategy] [--pareto] [--format table|csv|json]\n"
      "       sculpt query DB --lineage ID | --curves RUN | --zoo | --sql QUERY [--format ...]",
      "Reads a Sculpt results database (opened read-only; a running search may keep writing).\n"
      "Without options, lists its experiments (with --experiment, only that one): evaluations\n"
      "(what an evaluation budget counts) and proposals (repeats and infeasible ones included),\n"
      "the best objective and a pruning strategy's answer (#candidate and its objective).\n"
      "\n"
      "Candidates of an experiment (default: the newest), one column per metric:\n"
      "  --top K            the K best by the experiment's objective\n"
      "  --sort METRIC      order by any metric (or step); METRIC:asc or METRIC:desc; without a\n"
      "                     direction an objective sorts best first, anything else ascending\n"
      "  --where CONDITION  keep candidates that satisfy comparisons of metrics with numbers,\n"
      "                     joined by 'and': \"params < 1e5 and accuracy >= 0.7\"; a percentage\n"
      "                     (\"accuracy >= 70%\") compares an accuracy stored as a fraction\n"
      "  --by-strategy      with --top K: the K best of each strategy\n"
      "  --pareto           those no other candidate beats on all objectives (the Pareto front)\n"
      "Accuracies Sculpt measures are stored as fractions and shown here as percentages; csv\n"
      "and json give the stored values (docs/SCHEMA.md, Units).\n"
      "\n"
      "  --lineage ID       a candidate and its ancestors (parent links), oldest first\n"
      "  --curves RUN       a training run's values per epoch (run ids: sculpt run's summary,\n"
      "                     or --sql \"SELECT id, kind, candidate_id FROM training_runs\")\n"
      "  --zoo              the models a run's \"zoo\" block made, one per budget: candidate,\n"
      "                     cost, trial and final accuracies, training run, export folder and\n"
      "                     whether it still holds the model (every experiment)\n"
      "  --sql QUERY        one read-only SQL statement; see docs/SCHEMA.md, e.g.\n"
      "  sculpt query runs.sqlite --sql \"SELECT metric, avg(value) FROM candidate_metrics\n"
      "                                   WHERE experiment_id = 1 GROUP BY metric\"",
      {{"experiment", "ID|NAME", "the experiment, by id or name (newest of that name)"},
       {"top", "K", "the K best candidates (of each strategy with --by-strategy)"},
       {"sort", "METRIC[:DIR]", "order candidates by a metric; DIR asc or desc"},
       {"where", "CONDITION", "keep candidates that satisfy it, e.g. \"params < 1e5\""},
       {"by-strategy", "", "with --top K: the K best of each strategy"},
       {"pareto", "", "the non-dominated candidates over every objective of the experiment"},
       {"lineage", "ID", "a candidate's ancestry through its parents"},
       {"curves", "RUN", "a training run's per-epoch values"},
       {"zoo", "", "the zoo's models, budget by budget (of every experiment, or of --experiment)"},
       {"sql", "QUERY", "run one read-only SQL statement"},
       {"timeout", "SECONDS",
        "with --sql: stop a statement still running after SECONDS "
        "(default 60; 0: no limit)"},
       {"format", "FORMAT", "table (default), csv or json"}},
      1, 1);
  if (!command_line.Parse(args, io.out)) return 0;

  const TableFormat format =
      *ParseTableFormat(command_line.Choice("format", "table", {"table", "csv", "json"}));
  const std::vector<std::string> list_flags = {"experiment", "top",    "sort",
                                               "where",      "pareto", "by-strategy"};
  std::vector<std::string> not_with_sql = list_flags;
  not_with_sql.insert(not_with_sql.end(), {"lineage", "curves"});
  RejectCombination(command_line, "sql", not_with_sql, "filter in the SQL");
  std::vector<std::string> not_with_lineage = list_flags;
  not_with_lineage.push_back("curves");
  RejectCombination(command_line, "lineage", not_with_lineage);
  RejectCombination(command_line, "curves", list_flags);
  RejectCombination(command_line, "pareto", {"top", "by-strategy"});
  // --zoo takes --experiment (one experiment's zoo), nothing else of the lists.
  std::vector<std::string> not_with_zoo = not_with_sql;
  std::erase(not_with_zoo, "experiment");
  not_with_zoo.push_back("sql");
  RejectCombination(command_line, "zoo", not_with_zoo);
  if (command_line.Has("timeout") && !command_line.Has("sql")) {
    throw UsageError("--timeout goes with --sql (the other queries are quick by design)");
  }
  if (command_line.Has("by-strategy") && !command_line.Has("top")) {
    throw UsageError("--by-strategy needs --top K (the K best of each strategy)");
  }

  const std::string& db = command_line.Positional().front();
  const std::unique_ptr<ResultStore> store = OpenDatabaseToRead(db);
  Table table;
  std::vector<ExperimentInfo> gone;  // an experiment shown as gone gets a note
  std::string empty_note;            // so does an empty candidate list
  bool any_unfitted = false;  // so does a zoo budget nothing fitted, among others that got models
  if (const std::optional<std::string> sql = command_line.Value("sql")) {
    const auto seconds = static_cast<double>(command_line.Int("timeout", 60, 0, 1'000'000'000));
    try {
      table = store->Sql(*sql, seconds);
    } catch (const InvalidSql& error) {
      throw UsageError(std::string("--sql: ") + error.what());
    } catch (const UserError& error) {
      throw UserError(std::string("--sql: ") + error.what());
    }
  } else if (command_line.Has("zoo")) {
    std::optional<ExperimentInfo> experiment;
    if (command_line.Has("experiment")) {
      experiment = ChooseExperiment(*store, db, command_line.Value("experiment"));
    }
    table = store->Sql(ZooQuery(experiment ? std::optional(experiment->id) : std::nullopt), 60);
    AddZooExportColumns(table, *store, db);
    // Accuracies Sculpt measured are fractions: percentages for people, stored values in CSV
    // and JSON (Fraction cells), as everywhere else.
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      if (!table.columns[c].ends_with("accuracy")) continue;
      for (std::vector<Cell>& row : table.rows) {
        if (const auto* value = std::get_if<double>(&row[c])) row[c] = Fraction{*value};
      }
    }
    const auto source = static_cast<std::size_t>(
        std::find(table.columns.begin(), table.columns.end(), "source") - table.columns.begin());
    const auto unfitted = std::count_if(table.rows.begin(), table.rows.end(), [&](const auto& row) {
      const auto* text = std::get_if<std::string>(&row[source]);
      return text != nullptr && *text == "none";
    });
    if (static_cast<std::size_t>(unfitted) == table.rows.size() && experiment &&
        experiment->config.contains("zoo")) {
      io.err << "no zoo model in experiment " << experiment->id << " of " << db
             << ", though its config has a \"zoo\" block: "
             << (experiment->status == "finished"
                     ? "no evaluated candidate or reference fitted its budgets"
                     : "it is " + experiment->status + ", and its zoo comes at the end")
             << "\n";
    } else if (table.rows.empty()) {
      io.err << "no zoo in "
             << (experiment ? "experiment " + std::to_string(experiment->id) + " of "
                            : std::string())
             << db << ": a run makes one when its config has a \"zoo\" block "
             << "(README, block-wise supernets)\n";
    }
    any_unfitted = unfitted > 0 && static_cast<std::size_t>(unfitted) < table.rows.size();
  } else if (const std::optional<std::string> id = command_line.Value("lineage")) {
    table = Lineage(*store, db, *id);
  } else if (const std::optional<std::string> run = command_line.Value("curves")) {
    table = Curves(*store, db, *run, empty_note);
  } else if (command_line.Has("top") || command_line.Has("pareto") || command_line.Has("sort") ||
             command_line.Has("where")) {
    table = CandidateList(*store, db, command_line, empty_note);
  } else {
    const std::vector<ExperimentInfo> shown =
        command_line.Has("experiment")
            ? std::vector<ExperimentInfo>{ChooseExperiment(*store, db,
                                                           command_line.Value("experiment"))}
            : store->Experiments();
    table = ExperimentTable(*store, shown);
    for (const ExperimentInfo& e : shown) {
      if (IsGone(e)) gone.push_back(e);
    }
  }
  WriteTable(table, format, io.out);
  if (!empty_note.empty()) {
    io.out.flush();
    io.err << empty_note << "\n";
  }
  if (any_unfitted) {
    io.out.flush();
    io.err << "source none: no evaluated candidate or reference fitted that budget (more "
              "evaluations, or a reference that fits, would give it a model)\n";
  }
  if (!gone.empty()) {
    io.out.flush();
    io.err << "gone: the status says running, but the process that ran it no longer exists "
              "(killed, or its machine went down); the config it ran, with the same seed and "
              "workers, continues it:\n";
    // The run's overrides are part of what --resume matches: the seed and workers it ran with
    // are given back, or the command would start a new experiment of the file's own settings.
    for (const ExperimentInfo& e : gone) {
      io.err << "  sculpt run CONFIG --db " << ShellPath(db);
      for (const char* key : {"seed", "workers"}) {
        if (e.config.is_object() && e.config.contains(key) && e.config[key].is_number_integer()) {
          io.err << " --" << key << " " << e.config[key].get<std::int64_t>();
        }
      }
      io.err << " --resume   # experiment " << e.id << " (" << e.name << ")\n";
    }
  }
  return 0;
}

}  // namespace sculpt
