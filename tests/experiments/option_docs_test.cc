// Strategy options are documented by the code that reads them: every option a strategy reads
// has a meaning, no meaning is left over from an option no longer read, and
// docs/STRATEGIES.md is the current output of `sculpt list strategies --options --format markdown`.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "experiments/config/builtins.h"
#include "experiments/config/option_docs.h"
#include "tests/experiments/run_sculpt.h"

namespace sculpt {
namespace {

TEST(StrategyOptionDocsTest, EveryOptionReadHasAMeaningAndEveryMeaningAnOption) {
  for (const std::string& name : Strategies().Names()) {
    for (const OptionDoc& doc : StrategyOptionDocs(name)) {
      EXPECT_FALSE(doc.meaning.empty()) << name << "." << doc.key << " has no Describe";
      EXPECT_FALSE(doc.kind.empty()) << name << "." << doc.key << " is described but never read";
    }
  }
}

TEST(StrategyOptionDocsTest, ListsKeysDefaultsAndBoundsAsTheReadersHaveThem) {
  const std::vector<OptionDoc> evolution = StrategyOptionDocs("regularized_evolution");
  ASSERT_EQ(evolution.size(), 2u);
  EXPECT_EQ(evolution[0].key, "population");
  EXPECT_EQ(FormatDefault(evolution[0]), "10");
  EXPECT_EQ(evolution[0].allowed, "in [2, 1000000]");
  EXPECT_EQ(evolution[1].key, "sample");
  EXPECT_TRUE(StrategyOptionDocs("random").empty());
  // Nested blocks: astar's target and ctnas's comparator, with the comparator's own options.
  bool has_target_max = false, has_comparator_hidden = false;
  for (const OptionDoc& doc : StrategyOptionDocs("astar")) has_target_max |= doc.key == "target.max";
  for (const OptionDoc& doc : StrategyOptionDocs("ctnas")) {
    has_comparator_hidden |= doc.key == "comparator.hidden";
  }
  EXPECT_TRUE(has_target_max);
  EXPECT_TRUE(has_comparator_hidden);
  EXPECT_THROW(StrategyOptionDocs("nope"), UserError);
}

TEST(StrategyOptionDocsTest, DocsFileIsTheCurrentOutput) {
  const testing::SculptResult listed = testing::Sculpt("list strategies --options --format markdown");
  ASSERT_EQ(listed.status, 0) << listed.out;
  std::stringstream file;
  file << std::ifstream(std::filesystem::path(SCULPT_SOURCE_DIR) / "docs/STRATEGIES.md").rdbuf();
  EXPECT_EQ(file.str(), listed.out)
      << "docs/STRATEGIES.md is stale; regenerate it with\n"
         "  build/sculpt list strategies --options --format markdown > docs/STRATEGIES.md";
  const testing::SculptResult text = testing::Sculpt("list strategies --options");
  ASSERT_EQ(text.status, 0) << text.out;
  EXPECT_NE(text.out.find("  population (an integer in [2, 1000000]; default 10)"),
            std::string::npos)
      << text.out;
  EXPECT_EQ(testing::Sculpt("list spaces --options").status, 2);
  EXPECT_EQ(testing::Sculpt("list strategies --format markdown").status, 2);
  EXPECT_EQ(testing::Sculpt("list strategies --options --format html").status, 2);
}

}  // namespace
}  // namespace sculpt
