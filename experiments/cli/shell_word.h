#pragma once
// ShellWord: a path or value as one word of a POSIX shell command, for the commands Sculpt
// prints for a person to copy ("sculpt query 'my runs/x.sqlite' --top 10"). Left as it is when
// the shell would read it unchanged; else in single quotes, a ' inside written '\''. Any thread.

#include <string>
#include <string_view>

namespace sculpt {

std::string ShellWord(std::string_view word);

// ShellWord of a file's path, with "./" before a relative path that begins with '-', which a
// command would otherwise read as an option ("-d.sqlite").
std::string ShellPath(std::string_view path);

}  // namespace sculpt
