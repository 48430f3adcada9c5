#pragma once
// The zoo: one run, a model for each of several budgets (NAS-BERT's "many models for many
// budgets"). After the search, for each budget on a cost metric of the space (params, flops,
// latency_lut_ms), the `top` best candidates of the search by its objective whose cost fits the
// budget are each trained from scratch for `trial_epochs` with the "final" block's settings
// (trials: the search's scores, e.g. block-wise distillation losses, only rank; a short real
// training picks among the best few; a candidate that fits several budgets is tried once),
// and the trial with the best validation accuracy is
// retrained with the full "final" schedule and exported to "<final export>-<metric>-<budget>"
// (a model the final retraining or another budget already trained is taken, not trained again:
// EarlierRetrainings::kTakeSameTraining).
// Every training is a run of kind "retrain" whose config carries {"zoo": {"metric", "budget",
// "stage": "trial" | "model"}}, so `sculpt query DB --zoo` lists budget -> model from the
// database alone (experiments/store/zoo_query.h).
// Why trials from scratch, not fine-tuning supernet weights: it needs nothing but the final
// block, works for every evaluator (not only block-wise ones), and is what the model will get.
// Distillation from the teacher is the final block's choice ("distill", retrain.h): with it,
// trials and models alike learn from the teacher's logits (NAS-BERT's fine-tuning with KD).
// The finalists are the best the search evaluated, so what a budget can get depends on the
// search: an evolution on one objective visits the budgets' bands only on its way to the best
// overall, while the "exhaustive" strategy (every member, where scores are look-ups) makes
// them each budget's exact best by score. The exact best did not train better (BENCHMARKS
// 11.8): within one budget the block losses differ by thousandths and do not order the
// networks by their trained accuracy, so the trials decide.
// A smaller budget's searched candidates are not offered to a bigger one (its references
// are): short trials favour small networks, which learn fastest in the first epochs, so a
// bigger budget would take the smaller one's model (vit_zoo_small.json, seed 0, 1-epoch
// trials: 50,000 and 70,000 took the 35,000 model, 68.22 % test, instead of their own, 70.05
// and 69.50 %).
// So a bigger budget can get a model whose trial did worse than a smaller budget's.
// References (Optuna's enqueue_trial, for the zoo): architectures the user names, e.g. a
// hand-designed network or the teacher scaled down, join the trials of every budget they fit
// besides the search's best. Why: a score that ranks sizes well can still rank a whole kind of
// member low (block-wise distillation punishes networks that leave layers out, BENCHMARKS 11.3),
// and the trials, which do rank them, only see what they are offered. A reference that wins
// its budget's trial is that budget's model, recorded as a hand-picked training (no candidate;
// "zoo": {"reference": true, "cost"} in its config), so `--zoo` says where each model came from.
//
// The "zoo" block: "metric" (default "params"), "budgets" (a non-empty list of positive
// numbers), "top" (3), "trial_epochs" (2), "references" (a list of architecture strings of the
// space, default none). It needs a "final" block.
// Thread-safety: one thread (the command's).

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "experiments/models/retrain.h"
#include "experiments/models/zoo_export_dir.h"
#include "experiments/store/store.h"
#include "spaces/options.h"
#include "spaces/search_space.h"

namespace sculpt {

struct ZooPlan {
  std::string metric = "params";
  std::vector<double> budgets;  // increasing
  int top = 3;
  std::int64_t trial_epochs = 2;
  // Each parsed once, with its string form (Format) that stored candidates are matched by.
  struct Reference {
    Architecture arch;
    std::string text;
  };
  std::vector<Reference> references;
};

// Reads a "zoo" block against `space`'s cost metrics; errors go to `block` (Finish included).
// `space_valid` false: the space block had errors (a latency table that did not load), so its
// cost metrics are a fallback's and a metric or budget checked against them would only add
// follow-on errors.
ZooPlan ReadZooPlan(Options& block, const SearchSpace& space, bool space_valid = true);

// One budget's outcome.
struct ZooModel {
  double budget = 0;
  // Empty when no evaluated candidate or reference fits the budget. A reference's has no id
  // (step -1, origin "zoo-reference", its costs as metrics).
  std::optional<StoredCandidate> candidate;
  int trials = 0;            // of the search's candidates
  int reference_trials = 0;  // of the references that fit
  double trial_valid_accuracy = 0;
  RetrainOutcome outcome;          // the model's retraining (finished unless stopped)
  std::filesystem::path export_dir;
  std::string replaced;  // the folder's earlier export, when it was another's (WrittenExport)
};

// Builds the zoo of experiment `experiment_id` (its search done) as `zoo` says, training with
// `final` (its export_dir names the models' folders). `on_model` is called after each budget's
// model (for a display). Returns the budgets done; fewer than asked when `stop` became true.
// With `resume` (a resumed run), trainings that finished before the stop are taken as they are
// and an unfinished one continues from its checkpoint (Retrain): nothing is trained twice.
std::vector<ZooModel> BuildZoo(const ZooPlan& zoo, const RetrainPlan& final, ResultStore& store,
                               std::int64_t experiment_id, TrainingProgress* progress,
                               const std::atomic<bool>* stop, const std::filesystem::path& db,
                               bool resume, const std::function<void(const ZooModel&)>& on_model);

}  // namespace sculpt
