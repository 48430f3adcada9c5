// Which output folders an export refuses (experiments/models/export.h, ExportFolderProblem):
// the user's own model files, and the folders where Sculpt keeps a database's weights, also
// when the database is reached through a link.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "experiments/models/export.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;

class ExportFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sculpt_export_folder_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "runs");
    std::ofstream(dir_ / "runs/db.sqlite") << "not opened here";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ExportFolderTest, AFolderOfAnEarlierExportOrOfOtherFilesIsFine) {
  const fs::path db = dir_ / "runs/db.sqlite";
  EXPECT_FALSE(ExportFolderProblem(dir_ / "new", db));  // made by the export
  fs::create_directories(dir_ / "notes");
  std::ofstream(dir_ / "notes/readme.txt") << "mine";
  EXPECT_FALSE(ExportFolderProblem(dir_ / "notes", db));
  fs::create_directories(dir_ / "earlier");
  std::ofstream(dir_ / "earlier/architecture.json")
      << R"({"format_version": 1, "space": "nb201", "arch": "x"})";
  std::ofstream(dir_ / "earlier/model.pt") << "weights";
  EXPECT_FALSE(ExportFolderProblem(dir_ / "earlier", db));
}

TEST_F(ExportFolderTest, TheUsersModelFilesAreRefused) {
  const fs::path db = dir_ / "runs/db.sqlite";
  fs::create_directories(dir_ / "mine");
  std::ofstream(dir_ / "mine/model.onnx") << "mine";
  const std::optional<std::string> problem = ExportFolderProblem(dir_ / "mine", db);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("holds model.onnx, which no Sculpt export wrote"), std::string::npos)
      << *problem;
  // An architecture.json that is no export document (empty, or another program's).
  std::ofstream(dir_ / "mine/architecture.json") << "";
  EXPECT_TRUE(ExportFolderProblem(dir_ / "mine", db));
  // A file where the folder should be: refused before a training or an export begins.
  EXPECT_EQ(ExportFolderProblem(dir_ / "mine/model.onnx", db),
            (dir_ / "mine/model.onnx").string() + " is a file, not a folder");
}

TEST_F(ExportFolderTest, TheDatabasesOwnFoldersAreRefusedAlsoThroughALink) {
  const fs::path db = dir_ / "runs/db.sqlite";
  EXPECT_TRUE(ExportFolderProblem(dir_ / "runs/db.sqlite.models/run-9", db));
  EXPECT_TRUE(ExportFolderProblem(dir_ / "runs/db.sqlite.supernet", db));
  EXPECT_TRUE(ExportFolderProblem(dir_ / "runs/./db.sqlite.models/../db.sqlite.models/x", db));
  fs::create_symlink(db, dir_ / "link.sqlite");
  const std::optional<std::string> problem =
      ExportFolderProblem(dir_ / "runs/db.sqlite.models/sneaky", dir_ / "link.sqlite");
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("where Sculpt keeps the trained weights"), std::string::npos) << *problem;
  EXPECT_FALSE(ExportFolderProblem(dir_ / "runs/elsewhere", dir_ / "link.sqlite"));
}

}  // namespace
}  // namespace sculpt
