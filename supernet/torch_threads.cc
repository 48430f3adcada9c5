#include "supernet/torch_threads.h"

#include <algorithm>

#include <ATen/Parallel.h>

namespace sculpt {

int SetTorchThreads(int threads) {
  at::set_num_threads(std::max(1, threads));
  return at::get_num_threads();
}

}  // namespace sculpt
