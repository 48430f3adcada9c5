#include "experiments/models/pruned_export.h"

#include <algorithm>

#include <torch/torch.h>

#include "experiments/models/model_export.h"
#include "spaces/errors.h"
#include "spaces/json_file.h"
#include "supernet/families.h"
#include "supernet/transformer/transformer_ops.h"

namespace sculpt {
namespace {

// `list` with `value` added, ascending and distinct.
std::vector<int> With(std::vector<int> list, int value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
  std::sort(list.begin(), list.end());
  return list;
}

}  // namespace

PrunedExport ExportPrunedNetwork(const prune::PruneSpace& space, const Architecture& mask,
                                 const PrunedNetworkSource& networks, nlohmann::json& document,
                                 const std::filesystem::path& out_dir) {
  const prune::Model& model = space.TrainedModel();
  const nlohmann::json trained_document =
      ReadJsonFile(model.folder / "architecture.json", "exported model");
  torch::NoGradGuard no_grad;
  TransformerNetwork pruned = networks.PrunedNetwork(mask);

  // The pruned sizes as an architecture of a skeleton whose lists hold them.
  const transformer::Sizes sizes = space.PrunedSizes(mask);
  transformer::Skeleton skeleton = model.skeleton;
  skeleton.embed_dims = With(skeleton.embed_dims, sizes.embed);
  for (const transformer::Layer& layer : sizes.layers) {
    skeleton.heads = With(skeleton.heads, layer.heads);
    skeleton.ffn_dims = With(skeleton.ffn_dims, layer.ffn);
  }
  PrunedExport result;
  result.arch = prune::SizesIn(sizes, skeleton);
  result.space = transformer::MakeSpace(skeleton);
  result.family = MakeTransformerFamilyFor(skeleton);
  result.network = result.family->BuildNetwork(result.arch, 0);
  const ModelFamily& family = *result.family;
  Network& network = *result.network;
  CopyLeadingSlices(*pruned, network.Module());
  network.Module().eval();
  std::filesystem::create_directories(out_dir);
  WriteModel(network, out_dir / kModelFile);

  const transformer::Skeleton& trained_skeleton = model.skeleton;
  result.trained_params = transformer::CountParams(model.sizes, trained_skeleton);
  result.pruned_params = transformer::CountParams(sizes, trained_skeleton);
  int heads = 0, kept_heads = 0, neurons = 0, kept_neurons = 0;
  for (std::size_t l = 0; l < sizes.layers.size(); ++l) {
    heads += model.sizes.layers[l].heads;
    kept_heads += sizes.layers[l].heads;
    neurons += model.sizes.layers[l].ffn;
    kept_neurons += sizes.layers[l].ffn;
  }
  document["pruned"] = {
      {"model", model.folder.string()},
      {"model_arch", model.arch},
      {"mask", document["arch"]},
      {"mask_hash", document["hash"]},
      {"heads", {{"kept", kept_heads}, {"of", heads}}},
      {"ffn_units", {{"kept", kept_neurons}, {"of", neurons}}},
      {"params", {{"trained", result.trained_params}, {"pruned", result.pruned_params}}},
      {"flops",
       {{"trained", transformer::CountFlops(model.sizes, trained_skeleton)},
        {"pruned", transformer::CountFlops(sizes, trained_skeleton)}}},
      // The training behind the weights: the model's own, or for a model that was itself
      // pruned, its model's (with that pruning's record under "model_pruned").
      {"model_retrain",
       trained_document.contains("retrain")
           ? trained_document["retrain"]
           : trained_document.value("pruned", nlohmann::json::object())
                 .value("model_retrain", nlohmann::json(nullptr))},
      {"model_pruned", trained_document.value("pruned", nlohmann::json(nullptr))},
      // What the model was trained on, so that pruning the pruned model again defaults to it.
      {"dataset", model.dataset},
  };
  document["space"] = "transformer";
  document["arch"] = result.space->Format(result.arch);
  document["hash"] = HashToHex(result.space->CanonicalHash(result.arch));
  document["family"] = family.Name();
  document["skeleton"] = family.Skeleton();
  if (trained_document.contains("input")) document["input"] = trained_document["input"];
  return result;
}

}  // namespace sculpt
