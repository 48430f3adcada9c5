// docs/EXPORT.md names tensors of model.pt as examples; each must be a real parameter or buffer
// name of the network the family builds (the names once drifted from the code).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <torch/torch.h>

#include "experiments/config/builtins.h"

namespace sculpt {
namespace {

std::set<std::string> TensorNames(const nlohmann::json& space_block, const std::string& arch) {
  const auto space = BuildSpace(space_block);
  const auto network = BuildFamily(space_block)->BuildNetwork(space->Parse(arch), 0);
  std::set<std::string> names;
  for (const auto& item : network->Module().named_parameters()) names.insert(item.key());
  for (const auto& item : network->Module().named_buffers()) names.insert(item.key());
  return names;
}

TEST(ExportDocTest, TensorNamesInExportMdAreRealOnes) {
  std::stringstream text;
  text << std::ifstream(std::filesystem::path(SCULPT_SOURCE_DIR) / "docs/EXPORT.md").rdbuf();
  const std::string doc = text.str();
  const std::size_t begin = doc.find("The paths are those of");
  const std::size_t end = doc.find("(the archive nests", begin);
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  const std::string paragraph = doc.substr(begin, end - begin);

  // Cell 0's edge 3 is a convolution, as the example name says.
  std::set<std::string> real = TensorNames(
      {{"type", "nb201"}, {"channels", 4}, {"cells_per_stage", 1}},
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|"
      "nor_conv_3x3~2|");
  real.merge(TensorNames({{"type", "transformer"}},
                         "d64|h4:f128|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0"));
  const std::regex name(R"(`([a-z_0-9]+(\.[a-z_0-9]+)+)`)");
  int checked = 0;
  for (auto it = std::sregex_iterator(paragraph.begin(), paragraph.end(), name);
       it != std::sregex_iterator(); ++it) {
    EXPECT_TRUE(real.count((*it)[1].str()) == 1) << (*it)[1].str() << " is not a tensor name";
    ++checked;
  }
  EXPECT_GE(checked, 8);
}

}  // namespace
}  // namespace sculpt
