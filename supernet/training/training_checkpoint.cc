#include "supernet/training/training_checkpoint.h"

#include <torch/serialize.h>
#include <torch/serialize/archive.h>

#include <sstream>

#include "spaces/errors.h"
#include "supernet/archive_file.h"
#include "supernet/data/dataset.h"

namespace sculpt {

void SaveTrainingCheckpoint(const std::filesystem::path& path, std::string_view what,
                            const std::string& fingerprint, torch::nn::Module& module,
                            torch::optim::Optimizer& optimizer,
                            const CheckpointProgress& progress) {
  torch::serialize::OutputArchive archive;
  archive.write("fingerprint", c10::IValue(fingerprint));
  torch::serialize::OutputArchive model;
  module.save(model);
  archive.write("model", model);
  torch::serialize::OutputArchive optimizer_state;
  optimizer.save(optimizer_state);
  archive.write("optimizer", optimizer_state);
  archive.write("completed_epochs", torch::tensor(progress.completed_epochs, torch::kInt64));
  archive.write("note", c10::IValue(progress.note.dump()));
  try {
    SaveArchiveWhole(archive, path);
  } catch (const std::exception& e) {
    throw UserError("cannot write " + std::string(what) + " checkpoint '" + path.string() +
                    "': " + e.what());
  }
}

std::optional<CheckpointProgress> LoadTrainingCheckpoint(const std::filesystem::path& path,
                                                         std::string_view what,
                                                         const std::string& fingerprint,
                                                         torch::nn::Module& module,
                                                         torch::optim::Optimizer& optimizer) {
  if (path.empty() || !std::filesystem::exists(path)) return std::nullopt;
  const std::string name = std::string(what) + " checkpoint '" + path.string() + "'";
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string());
    c10::IValue value;
    archive.read("fingerprint", value);
    const std::string stored = value.toStringRef();
    if (stored != fingerprint) {
      throw UserError(name + " was made with other settings:\n  checkpoint: " + stored +
                      "\n  now:        " + fingerprint +
                      "\nrestore the settings or delete the checkpoint to train anew");
    }
    torch::serialize::InputArchive model;
    archive.read("model", model);
    module.load(model);
    torch::serialize::InputArchive optimizer_state;
    archive.read("optimizer", optimizer_state);
    optimizer.load(optimizer_state);
    torch::Tensor epochs;
    archive.read("completed_epochs", epochs);
    CheckpointProgress progress;
    progress.completed_epochs = epochs.item<std::int64_t>();
    // Checkpoints written before the note existed have none.
    if (c10::IValue note; archive.try_read("note", note)) {
      progress.note = nlohmann::json::parse(note.toStringRef());
    }
    return progress;
  } catch (const c10::Error& e) {
    throw UserError(name + " cannot be read (" + e.what_without_backtrace() +
                    "); delete it to train anew");
  } catch (const nlohmann::json::exception& e) {
    throw UserError(name + " cannot be read (" + e.what() + "); delete it to train anew");
  }
}

std::string TrainDataFingerprint(const ImageDataset& data) {
  std::ostringstream out;
  out.precision(17);
  out << "train=" << data.Size(Split::kTrain) << " mean=" << data.Mean()[0]
      << " std=" << data.Std()[0] << " crop=" << data.Augment().random_crop << "/"
      << data.Augment().crop_padding << " flip=" << data.Augment().horizontal_flip;
  return out.str();
}

}  // namespace sculpt
