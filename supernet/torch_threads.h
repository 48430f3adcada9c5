#pragma once
// LibTorch's process-wide runtime settings, made once at start-up by the command that owns the
// threads (workers x intra-op threads <= cores), never inside model code: the intra-op thread
// count, and how freed tensor memory is kept.
// Thread-safety: SetTorchThreads before starting worker threads; a ThisThreadsTorchThreads lives
// on the thread it sets.

namespace sculpt {

// Sets LibTorch's intra-op threads (at least 1) and returns what LibTorch reports afterwards.
// The first call also makes glibc's malloc keep freed tensor memory for reuse (see
// KeepFreedTensorMemory).
int SetTorchThreads(int threads);

// Sets the intra-op threads of the calling thread alone (OpenMP keeps the count per thread) for
// its lifetime, then restores them; the process-wide setting stays for threads that start later.
// For a job that an engine worker runs during Evaluator::Prepare (spaces/prepare.h: SideBySide).
class ThisThreadsTorchThreads {
 public:
  explicit ThisThreadsTorchThreads(int threads);
  ~ThisThreadsTorchThreads();
  ThisThreadsTorchThreads(const ThisThreadsTorchThreads&) = delete;
  ThisThreadsTorchThreads& operator=(const ThisThreadsTorchThreads&) = delete;

 private:
  int before_;
};

// Tensors of Sculpt's models are 0.1-32 MB; by default glibc serves each from a fresh mmap and
// unmaps it when freed (or trims its heap), so every training step and evaluation page-faults
// its activations in again, and in a multi-threaded process every munmap interrupts the other
// workers' cores (TLB shootdown). Raising the mmap and trim thresholds keeps that memory in the
// heaps (one per thread) for reuse: 5-25 % faster steps and evaluations (docs/BENCHMARKS.md),
// for a resident size of the peak working set. Idempotent.
void KeepFreedTensorMemory();

// Cores that were idle, on average, over the next `seconds` (from /proc/stat; rounded to the
// nearest core, between 0 and the machine's cores). On Linux only; elsewhere all cores.
// Why: an OpenMP parallel region waits for its slowest thread, so intra-op threads on cores
// that other processes keep busy make each op wait for a time slice: with 2 threads on 2 loaded
// cores, training ran 10x slower than with 1 (docs/BENCHMARKS.md). Only for warnings: a thread
// count chosen from the load would make results depend on it. Blocks for `seconds`.
int IdleCores(double seconds);

}  // namespace sculpt
