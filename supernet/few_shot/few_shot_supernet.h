#pragma once
// FewShotSupernet: a space's weight-sharing supernet split on one decision (few-shot NAS, Zhao et
// al., ICML 2021) into one sub-supernet per value of that decision. Sub-supernet k starts from a
// copy of the trained one-shot supernet's weights and is fine-tuned by SPOS on the architectures
// whose decision has value k only (SposTrainer with a SubSpaceStart); afterwards it scores
// exactly those. Every architecture of the space has one owner, the sub-supernet of its value:
// a one-shot supernet makes every value of the decision share the weights around it, and the
// split removes that interference on the decision that matters most.
//
// After the split the sub-supernets share nothing: memory is the number of values times the
// one-shot supernet's weights (WeightBytes), and the one-shot supernet itself is not kept.
//
// A FewShotSupernet is a Supernet, so whatever scores candidates on a supernet scores them on a
// few-shot one unchanged: Forward and ForwardBlock route each architecture to its owner, and
// Module() holds the sub-supernets' modules as "sub0", "sub1"... (eval(), parameters(), save()).
// Thread-safety: as its sub-supernets (see model_family.h): Forward may run on many threads
// once they are trained.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "spaces/search_space.h"
#include "supernet/model_family.h"

namespace sculpt {

class FewShotSupernet final : public Supernet {
 public:
  // `subs[k]` owns the architectures whose choices[decision] is k; at least two.
  FewShotSupernet(int decision, std::vector<std::shared_ptr<Supernet>> subs);

  // The decision split on: a position of Architecture::choices.
  int SplitDecision() const { return decision_; }
  int SubSupernets() const { return static_cast<int>(subs_.size()); }
  // The index of the sub-supernet that owns `arch`. Throws UserError when `arch` has no such
  // decision or its value names no sub-supernet (an architecture of another space).
  int Owner(const Architecture& arch) const;
  Supernet& SubSupernet(int k) { return *subs_.at(static_cast<std::size_t>(k)); }

  torch::nn::Module& Module() override { return *container_; }
  at::Tensor Forward(const at::Tensor& images, const Architecture& arch) override;
  at::Tensor ForwardBlock(int block, const at::Tensor& input, const Architecture& arch) override;

 private:
  int decision_;
  std::vector<std::shared_ptr<Supernet>> subs_;
  std::shared_ptr<torch::nn::Module> container_;
};

// Bytes of the parameters and buffers of a module (what a sub-supernet adds to memory).
std::int64_t WeightBytes(torch::nn::Module& module);

// The position of the decision named `name` among `decisions` (SearchSpace::Decisions), checked
// to be splittable. Throws UserError naming the known decisions (with a likely meant one) when
// there is no such decision, or when it has fewer than two values.
int FindSplitDecision(const std::vector<Decision>& decisions, const std::string& name,
                      const std::string& space_name);

}  // namespace sculpt
