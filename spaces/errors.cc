#include "spaces/errors.h"

namespace sculpt {

void ThrowInternal(const char* condition, const char* file, int line, const std::string& message) {
  throw InternalError(std::string("internal error (a bug in Sculpt): ") + condition + " failed at " +
                      file + ":" + std::to_string(line) + ": " + message);
}

}  // namespace sculpt
