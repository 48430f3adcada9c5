// The commands Sculpt prints for a person to copy must paste into a shell as they are: a path
// with spaces, globs or quotes is one word (experiments/cli/shell_word.h).

#include "experiments/cli/shell_word.h"

#include <gtest/gtest.h>

namespace sculpt {
namespace {

TEST(ShellWordTest, PlainWordsStayAsTheyAre) {
  EXPECT_EQ(ShellWord("runs/main.sqlite"), "runs/main.sqlite");
  EXPECT_EQ(ShellWord("/tmp/a-b_c.d+e,f:g@h%i=j"), "/tmp/a-b_c.d+e,f:g@h%i=j");
}

TEST(ShellWordTest, AnythingElseIsSingleQuoted) {
  EXPECT_EQ(ShellWord("my runs/x.sqlite"), "'my runs/x.sqlite'");
  EXPECT_EQ(ShellWord("file:odd/m.sqlite?mode=memory"), "'file:odd/m.sqlite?mode=memory'");
  EXPECT_EQ(ShellWord("d16|h2:f16"), "'d16|h2:f16'");
  EXPECT_EQ(ShellWord("ünï/☃.sqlite"), "'ünï/☃.sqlite'");
  EXPECT_EQ(ShellWord("$HOME/*.sqlite"), "'$HOME/*.sqlite'");
  EXPECT_EQ(ShellWord("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellWord(""), "''");
}

TEST(ShellWordTest, APathThatLooksLikeAnOptionIsMadeRelative) {
  EXPECT_EQ(ShellPath("-d.sqlite"), "./-d.sqlite");
  EXPECT_EQ(ShellPath("-my runs/x.sqlite"), "'./-my runs/x.sqlite'");
  EXPECT_EQ(ShellPath("runs/-x.sqlite"), "runs/-x.sqlite");
}

TEST(ShellWordTest, TheShellReadsTheQuotedWordBack) {
  for (const std::string word : {"a b", "it's", "x|y~z", "$(echo no)", "tab\there"}) {
    const std::string command = "printf '%s' " + ShellWord(word);
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string got;
    for (int c = std::fgetc(pipe); c != EOF; c = std::fgetc(pipe)) got += static_cast<char>(c);
    pclose(pipe);
    EXPECT_EQ(got, word) << command;
  }
}

}  // namespace
}  // namespace sculpt
