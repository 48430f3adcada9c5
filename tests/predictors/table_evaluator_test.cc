#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "predictors/evaluators.h"
#include "tests/search/toy_space.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;
using testing::ToySpace;

class TableEvaluatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sculpt_table_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void WriteTable(const std::string& text) {
    std::ofstream(dir_ / "table.csv") << text;
  }

  std::unique_ptr<Evaluator> Build(const nlohmann::json& options) {
    Options opts(options, "evaluator", errors_, nullptr);
    EvaluatorContext context{&space_, dir_, 1, 0};
    return MakeTableEvaluator(opts, context);
  }

  ToySpace space_{2, 3};
  fs::path dir_;
  ConfigErrors errors_;
};

TEST_F(TableEvaluatorTest, LooksMetricsUpByArchitecture) {
  WriteTable("arch,valid,test\n00,1.5,2.5\n01,3,4\n\"12\",5,6\n");
  auto evaluator = Build({{"path", "table.csv"}, {"objective", "valid"}, {"report", {"test"}}});
  ASSERT_TRUE(errors_.Empty()) << errors_.Messages().front();
  EXPECT_EQ(evaluator->VisibleMetrics(), std::vector<std::string>{"valid"});
  EXPECT_EQ(evaluator->ReportedMetrics(), std::vector<std::string>{"test"});
  const Metrics m = evaluator->Evaluate(space_.Parse("12"), {});
  EXPECT_DOUBLE_EQ(m.at("valid"), 5);
  EXPECT_DOUBLE_EQ(m.at("test"), 6);
  EXPECT_THROW(evaluator->Evaluate(space_.Parse("22"), {}), UserError);
}

TEST_F(TableEvaluatorTest, ReportsMissingColumnsWithSuggestions) {
  WriteTable("arch,valid,test\n00,1,2\n");
  Build({{"path", "table.csv"}, {"objective", "vald"}, {"report", {"tset", "test"}}});
  ASSERT_EQ(errors_.Messages().size(), 2U);
  EXPECT_NE(errors_.Messages()[0].find("evaluator.objective: no column 'vald'"), std::string::npos);
  EXPECT_NE(errors_.Messages()[0].find("did you mean 'valid'?"), std::string::npos);
  EXPECT_NE(errors_.Messages()[1].find("evaluator.report: no column 'tset'"), std::string::npos);
}

TEST_F(TableEvaluatorTest, ReportsAMissingFile) {
  Build({{"path", "nowhere.csv"}, {"objective", "valid"}});
  ASSERT_EQ(errors_.Messages().size(), 1U);
  EXPECT_NE(errors_.Messages()[0].find("evaluator.path: cannot open table"), std::string::npos);
}

TEST_F(TableEvaluatorTest, RejectsRowsThatAreNotInTheSpace) {
  WriteTable("arch,valid\n00,1\n07,2\n");
  Build({{"path", "table.csv"}, {"objective", "valid"}});
  ASSERT_EQ(errors_.Messages().size(), 1U);
  EXPECT_NE(errors_.Messages()[0].find("row 3"), std::string::npos) << errors_.Messages()[0];
}

TEST_F(TableEvaluatorTest, ACellThatIsNotANumberFailsItsRowOnly) {
  WriteTable("arch,valid,test\n00,1.5,2.5\n01,N/A,4\n02,3,\n");
  auto evaluator = Build({{"path", "table.csv"}, {"objective", "valid"}, {"report", {"test"}}});
  ASSERT_TRUE(errors_.Empty()) << errors_.Messages().front();
  EXPECT_DOUBLE_EQ(evaluator->Evaluate(space_.Parse("00"), {}).at("valid"), 1.5);
  for (const auto& [arch, reason] :
       {std::pair{"01", "row 3: column 'valid' is not a number: 'N/A'"},
        std::pair{"02", "row 4: column 'test' is not a number: ''"}}) {
    try {
      evaluator->Evaluate(space_.Parse(arch), {});
      ADD_FAILURE() << arch << " was scored";
    } catch (const UserError& error) {
      EXPECT_NE(std::string(error.what()).find(reason), std::string::npos) << error.what();
    }
  }
}

TEST_F(TableEvaluatorTest, RejectsAColumnWithoutNumbersAndRaggedRows) {
  WriteTable("arch,valid\n00,abc\n01,def\n");
  Build({{"path", "table.csv"}, {"objective", "valid"}});
  ASSERT_EQ(errors_.Messages().size(), 1U);
  EXPECT_NE(errors_.Messages()[0].find("column 'valid' of"), std::string::npos);
  EXPECT_NE(errors_.Messages()[0].find("holds no number in any row"), std::string::npos);

  ConfigErrors more;
  errors_ = more;
  WriteTable("arch,valid\n00,1,2\n");
  Build({{"path", "table.csv"}, {"objective", "valid"}});
  ASSERT_EQ(errors_.Messages().size(), 1U);
  EXPECT_NE(errors_.Messages()[0].find("expected 2 fields, got 3"), std::string::npos);
}

TEST_F(TableEvaluatorTest, RejectsAColumnNamedTwice) {
  WriteTable("arch,valid,test\n00,1,2\n");
  Build({{"path", "table.csv"}, {"objective", "valid"}, {"report", {"test", "valid"}}});
  ASSERT_EQ(errors_.Messages().size(), 1U);
  EXPECT_NE(errors_.Messages()[0].find("evaluator.report: names column 'valid' more than once"),
            std::string::npos)
      << errors_.Messages()[0];
}

TEST_F(TableEvaluatorTest, RejectsDuplicateRows) {
  WriteTable("arch,valid\n00,1\n00,2\n");
  Build({{"path", "table.csv"}, {"objective", "valid"}});
  ASSERT_EQ(errors_.Messages().size(), 1U);
  EXPECT_NE(errors_.Messages()[0].find("duplicate architecture 00"), std::string::npos);
}

TEST(CostEvaluatorTest, ReturnsTheSpaceCosts) {
  ToySpace space(3, 4);
  ConfigErrors errors;
  nlohmann::json options = nlohmann::json::object();
  Options opts(options, "evaluator", errors, nullptr);
  auto evaluator = MakeCostEvaluator(opts, {&space, {}, 1, 0});
  ASSERT_TRUE(errors.Empty());
  EXPECT_EQ(evaluator->VisibleMetrics(), std::vector<std::string>{"params"});
  EXPECT_DOUBLE_EQ(evaluator->Evaluate(space.Parse("123"), {}).at("params"), 6);
}

}  // namespace
}  // namespace sculpt
