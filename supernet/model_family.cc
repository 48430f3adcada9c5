#include "supernet/model_family.h"

#include <torch/serialize.h>
#include <torch/serialize/archive.h>

#include <fstream>
#include <iomanip>
#include <iterator>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "spaces/counted.h"
#include "spaces/errors.h"
#include "spaces/latency_lookup.h"
#include "spaces/search_space.h"
#include "supernet/archive_file.h"

namespace sculpt {
namespace {

std::string ShapeText(const at::Tensor& tensor) {
  std::string text = "[";
  for (std::int64_t i = 0; i < tensor.dim(); ++i) {
    text += (i == 0 ? "" : ", ") + std::to_string(tensor.size(i));
  }
  return text + "]";
}

}  // namespace

std::unique_ptr<ModelFamily> ModelFamily::WithBlocks(const std::vector<int>& sizes) const {
  const std::vector<std::string> names = BlockNames();
  if (sizes == std::vector<int>(names.size(), 1)) return nullptr;
  std::string listed;
  for (const std::string& name : names) listed += (listed.empty() ? "" : ", ") + name;
  throw UserError("the blocks of " + Name() + " networks are fixed: " + listed + " (give " +
                  Counted(static_cast<std::int64_t>(names.size()), "block") +
                  " of size 1, or leave the blocks out)");
}

std::string ModelFamily::DescribeLatencyTable(const nlohmann::json& table) const {
  const LatencyLookup lookup = LatencyLookupFromJson(table, Name());
  std::ostringstream out;
  out << std::fixed << std::setprecision(4);
  out << "Latency table (ms, median of " << lookup.runs << " runs, "
      << Counted(lookup.threads, "thread") << ", " << lookup.machine << ", " << lookup.date
      << "):\n";
  for (const auto& [key, ms] : lookup.parts_ms) out << "  " << key << " " << ms << "\n";
  return out.str();
}

std::string SquareImageMismatch(
    const SquareImageInput& s, const DataShape& data,
    const std::function<std::vector<std::string>(std::int64_t new_size)>& also_set) {
  if (data.height != data.width) {
    return "the data set's images are " + std::to_string(data.height) + "x" +
           std::to_string(data.width) + "; " + s.family + " networks take square images";
  }
  std::vector<std::string> changes;
  if (s.input_channels != data.channels) {
    changes.push_back("\"input_channels\": " + std::to_string(data.channels));
  }
  if (s.input_size != data.height) {
    changes.push_back("\"input_size\": " + std::to_string(data.height));
    if (also_set) {
      for (std::string& change : also_set(data.height)) changes.push_back(std::move(change));
    }
  }
  if (s.classes < data.classes) changes.push_back("\"classes\": " + std::to_string(data.classes));
  if (changes.empty()) return {};
  std::string set;
  for (std::size_t i = 0; i < changes.size(); ++i) set += (i == 0 ? " " : ", ") + changes[i];
  const std::string images = std::to_string(s.input_channels) + "x" +
                             std::to_string(s.input_size) + "x" + std::to_string(s.input_size);
  return "the space's skeleton describes networks for " + images + " images and " +
         std::to_string(s.classes) + " classes, but the data set has " +
         std::to_string(data.channels) + "x" + std::to_string(data.height) + "x" +
         std::to_string(data.width) + " images and " + std::to_string(data.classes) +
         " classes; set" + set + " in the space block";
}

std::string Network::ExportOnnx(OnnxGraph& /*graph*/, const std::string& /*input*/) {
  throw UserError("this model family has no ONNX export yet (nb201 and transformer have)");
}

void SaveNetwork(Network& network, const std::filesystem::path& path) {
  try {
    torch::serialize::OutputArchive archive;
    network.Module().save(archive);
    SaveArchiveWhole(archive, path);
  } catch (const std::exception& error) {
    throw UserError("cannot write the model " + path.string() + ": " + error.what());
  }
}

namespace {

// Reads `archive` (Module::save's layout: a module's own tensors by name, each child in a nested
// archive) against `module`, checking every name and shape, into `reads` (target, value).
void ReadChecked(torch::nn::Module& module, torch::serialize::InputArchive& archive,
                 const std::string& prefix, const std::string& error_prefix,
                 std::vector<std::pair<at::Tensor, at::Tensor>>& reads) {
  std::set<std::string> known = {"training"};  // an attribute every saved module has
  auto check = [&](const std::string& name, const at::Tensor& target, bool is_buffer) {
    known.insert(name);
    at::Tensor value;
    if (!archive.try_read(name, value, is_buffer) || !value.defined()) {
      throw UserError(error_prefix + "it has no tensor '" + prefix + name +
                      "': it holds another architecture's network");
    }
    if (!value.sizes().equals(target.sizes())) {
      throw UserError(error_prefix + "tensor '" + prefix + name + "' has shape " +
                      ShapeText(value) + " in the file but " + ShapeText(target) +
                      " in this architecture's network: it was saved for another architecture "
                      "or skeleton");
    }
    reads.emplace_back(target, value);
  };
  for (const auto& item : module.named_parameters(/*recurse=*/false)) {
    check(item.key(), item.value(), false);
  }
  for (const auto& item : module.named_buffers(/*recurse=*/false)) {
    check(item.key(), item.value(), true);
  }
  for (const auto& child : module.named_children()) {
    known.insert(child.key());
    torch::serialize::InputArchive nested;
    if (!archive.try_read(child.key(), nested)) {
      throw UserError(error_prefix + "it has no module '" + prefix + child.key() +
                      "': it holds another architecture's network");
    }
    ReadChecked(*child.value(), nested, prefix + child.key() + ".", error_prefix, reads);
  }
  for (const std::string& key : archive.keys()) {
    if (known.count(key) == 0) {
      throw UserError(error_prefix + "it has '" + prefix + key +
                      "', which this architecture's network lacks: it holds another network");
    }
  }
}

}  // namespace

void LoadNetwork(Network& network, const std::filesystem::path& path) {
  // Module::load would silently resize a tensor to the file's shape (set_), so a model.pt of
  // another skeleton would load "fine" and compute garbage: every tensor is read and checked
  // against the network's own before anything is copied.
  const std::string error_prefix = "cannot load the model " + path.string() + ": ";
  if (!std::filesystem::exists(path)) throw UserError(error_prefix + "no such file");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path.string());
  } catch (const c10::Error& error) {
    throw UserError(error_prefix + "not a LibTorch archive (" + error.what_without_backtrace() +
                    ")");
  }
  std::vector<std::pair<at::Tensor, at::Tensor>> reads;
  try {
    ReadChecked(network.Module(), archive, "", error_prefix, reads);
  } catch (const c10::Error& error) {
    throw UserError(error_prefix + error.what_without_backtrace());
  }
  torch::NoGradGuard no_grad;
  for (auto& [target, value] : reads) target.copy_(value);
}

std::string WeightsFileHash(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return HashToHex(HashText(bytes));
}

}  // namespace sculpt
