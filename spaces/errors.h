#pragma once
// The two kinds of error in Sculpt (as TORCH_CHECK vs TORCH_INTERNAL_ASSERT in PyTorch):
//  - UserError: the input is wrong (a config, an architecture string, a file). The message names
//    the input and what is allowed. The CLI reports it and exits non-zero; nothing is lost.
//  - SystemFailure, a UserError: the input is right but the machine failed it (a full disk, an
//    I/O error, memory exhausted). A failed run (exit 1), also where a caller answers other
//    UserErrors from the same call as bad input (opening a database the command line named).
//  - InternalError: an invariant of Sculpt itself is broken, i.e. a bug.
// Expected failures during a search (a diverging candidate) are not errors but failed results.

#include <stdexcept>
#include <string>

namespace sculpt {

class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SystemFailure : public UserError {
 public:
  using UserError::UserError;
};

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] void ThrowInternal(const char* condition, const char* file, int line,
                                const std::string& message);

}  // namespace sculpt

// Checks an invariant that only a bug in Sculpt can break.
#define SCULPT_ASSERT(condition, message)                                      \
  do {                                                                         \
    if (!(condition)) ::sculpt::ThrowInternal(#condition, __FILE__, __LINE__, (message)); \
  } while (false)
