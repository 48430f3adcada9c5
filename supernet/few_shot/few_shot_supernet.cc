#include "supernet/few_shot/few_shot_supernet.h"

#include <utility>

#include "spaces/did_you_mean.h"
#include "spaces/errors.h"

namespace sculpt {

FewShotSupernet::FewShotSupernet(int decision, std::vector<std::shared_ptr<Supernet>> subs)
    : decision_(decision),
      subs_(std::move(subs)),
      container_(std::make_shared<torch::nn::Module>("FewShotSupernet")) {
  if (decision_ < 0 || subs_.size() < 2) {
    throw InternalError("a few-shot supernet needs a decision and at least two sub-supernets");
  }
  for (std::size_t k = 0; k < subs_.size(); ++k) {
    // Shares ownership with the sub-supernet and points at its module.
    std::shared_ptr<torch::nn::Module> module(subs_[k], &subs_[k]->Module());
    container_->register_module("sub" + std::to_string(k), module);
  }
}

int FewShotSupernet::Owner(const Architecture& arch) const {
  const auto position = static_cast<std::size_t>(decision_);
  if (position >= arch.choices.size() || arch.choices[position] < 0 ||
      arch.choices[position] >= SubSupernets()) {
    throw UserError("the architecture has no value of the split decision (position " +
                    std::to_string(decision_) + ") that a sub-supernet owns");
  }
  return arch.choices[position];
}

at::Tensor FewShotSupernet::Forward(const at::Tensor& images, const Architecture& arch) {
  return subs_[static_cast<std::size_t>(Owner(arch))]->Forward(images, arch);
}

at::Tensor FewShotSupernet::ForwardBlock(int block, const at::Tensor& input,
                                         const Architecture& arch) {
  return subs_[static_cast<std::size_t>(Owner(arch))]->ForwardBlock(block, input, arch);
}

std::int64_t WeightBytes(torch::nn::Module& module) {
  std::int64_t bytes = 0;
  for (const at::Tensor& p : module.parameters()) bytes += p.numel() * p.element_size();
  for (const at::Tensor& b : module.buffers()) bytes += b.numel() * b.element_size();
  return bytes;
}

int FindSplitDecision(const std::vector<Decision>& decisions, const std::string& name,
                      const std::string& space_name) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < decisions.size(); ++i) {
    if (decisions[i].name == name) {
      if (decisions[i].options.size() < 2) {
        throw UserError("decision '" + name + "' of space '" + space_name + "' has only one value (" +
                        JoinNames(decisions[i].options) + "): there is nothing to split");
      }
      return static_cast<int>(i);
    }
    names.push_back(decisions[i].name);
  }
  if (names.empty()) {
    throw UserError("space '" + space_name + "' names no decisions to split a supernet on");
  }
  std::string message = "space '" + space_name + "' has no decision '" + name + "'";
  if (const std::string meant = DidYouMean(name, names); !meant.empty()) {
    message += " (did you mean '" + meant + "'?)";
  }
  throw UserError(message + "; its decisions: " + JoinNames(names) + ", or auto");
}

}  // namespace sculpt
