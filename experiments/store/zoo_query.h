#pragma once
// The SQL `sculpt query DB --zoo` runs (experiments/models/zoo.h builds the zoo): one row per
// zoo model of every experiment in the database, newest experiment first, by budget: its
// metric and budget, where the model came from ("search": a candidate of the search, or
// "reference": one the zoo block named, with no candidate), candidate, architecture, cost, the
// search's objective, the best trial's validation accuracy, the model's validation and test
// accuracy and its training run; only `experiment`'s when given. Read from training_runs (kind
// retrain, config.zoo) and the candidates they name. A budget of a finished experiment's zoo
// that no evaluated candidate or reference fitted has a row too, source "none" and nothing
// else, so that a listing never drops a budget the config asked for. Header-only: `sculpt
// query` is built without LibTorch.

#include <cstdint>
#include <optional>
#include <string>

namespace sculpt {

inline std::string ZooQuery(std::optional<std::int64_t> experiment = std::nullopt) {
  return "SELECT r.experiment_id AS experiment, json_extract(r.config, '$.zoo.metric') AS metric, "
         "json_extract(r.config, '$.zoo.budget') AS budget, "
         "CASE WHEN r.candidate_id IS NULL THEN 'reference' ELSE 'search' END AS source, "
         "r.candidate_id AS candidate, json_extract(r.config, '$.arch') AS arch, "
         "coalesce(json_extract(c.metrics, '$.' || json_extract(r.config, '$.zoo.metric')), "
         "json_extract(r.config, '$.zoo.cost')) AS cost, "
         "c.objective AS objective, "
         "(SELECT max(json_extract(t.result, '$.valid_accuracy')) FROM training_runs t WHERE "
         "t.experiment_id = r.experiment_id AND t.candidate_id IS r.candidate_id AND "
         "json_extract(t.config, '$.arch') = json_extract(r.config, '$.arch') AND "
         "json_extract(t.config, '$.zoo.stage') = 'trial') AS trial_valid_accuracy, "
         "json_extract(r.result, '$.valid_accuracy') AS valid_accuracy, "
         "json_extract(r.result, '$.test_accuracy') AS test_accuracy, r.id AS training_run "
         "FROM training_runs r LEFT JOIN candidates c ON c.id = r.candidate_id "
         "WHERE r.kind = 'retrain' AND r.status = 'finished' AND "
         "json_extract(r.config, '$.zoo.stage') = 'model' " +
         (experiment ? "AND r.experiment_id = " + std::to_string(*experiment) + " " : "") +
         "UNION ALL "
         "SELECT e.id, coalesce(json_extract(e.config, '$.zoo.metric'), 'params'), b.value, "
         "'none', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL "
         "FROM experiments e, json_each(e.config, '$.zoo.budgets') b "
         "WHERE e.status = 'finished' AND json_type(e.config, '$.zoo.budgets') = 'array' " +
         (experiment ? "AND e.id = " + std::to_string(*experiment) + " " : "") +
         "AND NOT EXISTS (SELECT 1 FROM training_runs m WHERE m.experiment_id = e.id AND "
         "m.kind = 'retrain' AND m.status = 'finished' AND "
         "json_extract(m.config, '$.zoo.stage') = 'model' AND "
         "json_extract(m.config, '$.zoo.budget') = b.value) "
         "ORDER BY experiment DESC, budget";
}

// Every finished zoo trial of `experiment`: its cost on the zoo's metric and the validation
// accuracy its short training reached (the figure the zoo chose each budget's model by).
inline std::string ZooTrialQuery(std::int64_t experiment) {
  return "SELECT coalesce(json_extract(c.metrics, '$.' || json_extract(t.config, "
         "'$.zoo.metric')), json_extract(t.config, '$.zoo.cost')) AS cost, "
         "json_extract(t.result, '$.valid_accuracy') AS valid_accuracy "
         "FROM training_runs t LEFT JOIN candidates c ON c.id = t.candidate_id "
         "WHERE t.kind = 'retrain' AND t.status = 'finished' AND "
         "json_extract(t.config, '$.zoo.stage') = 'trial' AND t.experiment_id = " +
         std::to_string(experiment) + " ORDER BY cost";
}

}  // namespace sculpt
