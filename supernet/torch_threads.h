#pragma once
// LibTorch's intra-op thread count is process-wide: it is set once, at start-up, by the command
// that owns the threads (workers x intra-op threads <= cores), never inside model code.

namespace sculpt {

// Sets LibTorch's intra-op threads (at least 1) and returns what LibTorch reports afterwards.
int SetTorchThreads(int threads);

}  // namespace sculpt
