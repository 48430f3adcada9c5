#pragma once
// TrainingCheckpoint: the file a training writes after every epoch so that a killed process can
// continue where it left off. It holds the module's weights, the optimizer's state, the epochs
// done, a fingerprint of everything that changes the steps taken, and a small JSON note the
// trainer keeps for itself (e.g. the last epoch's figures). A checkpoint made under another
// fingerprint is refused with a UserError, never mixed into this run. No RNG state is kept: the
// trainers seed each epoch from (seed, epoch), so epoch e after a resume makes the same steps as
// it would have without the interruption.
// Writing is atomic (a temporary file, then a rename): a kill during the write leaves the
// previous checkpoint. Used by SposTrainer and TrainNetwork, on their training thread.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

namespace sculpt {

class ImageDataset;

struct CheckpointProgress {
  std::int64_t completed_epochs = 0;
  nlohmann::json note = nlohmann::json::object();
};

// `what` names the training in messages ("SPOS", "training").
void SaveTrainingCheckpoint(const std::filesystem::path& path, std::string_view what,
                            const std::string& fingerprint, torch::nn::Module& module,
                            torch::optim::Optimizer& optimizer,
                            const CheckpointProgress& progress);

// Loads the checkpoint at `path` into `module` and `optimizer`; nullopt when there is none.
// Throws UserError when it was made with another fingerprint or cannot be read.
std::optional<CheckpointProgress> LoadTrainingCheckpoint(const std::filesystem::path& path,
                                                         std::string_view what,
                                                         const std::string& fingerprint,
                                                         torch::nn::Module& module,
                                                         torch::optim::Optimizer& optimizer);

// The part of a fingerprint that names the training data: the train split's size, its
// normalisation and the augmentation ("train=N mean=M std=S crop=C/P flip=F").
std::string TrainDataFingerprint(const ImageDataset& data);

}  // namespace sculpt
