// The one thread splitter: numbered tasks spread over threads (quantize's chunked passes, the exhaustive sweep)
// and contiguous ranges of an array (the bulk conversions). Builds without threads (WebAssembly without
// pthreads) run everything on the caller's thread.
#pragma once

#include <cstddef>     // std::size_t
#include <cstdint>     // std::uint64_t
#include <functional>  // std::function

namespace numscope {

/// The number of cores (std::thread::hardware_concurrency, at least 1), read once; 1 in a build without
/// threads.
unsigned core_count();
/// The threads a `threads` option means: itself, or every core for 0. Callers size per-worker buffers by it.
inline unsigned worker_count(unsigned threads) { return threads ? threads : core_count(); }

/// Runs fn(task, worker) for every task in [0, tasks) on min(threads, tasks) threads (threads 0: every core);
/// workers take the next task from a shared counter, so tasks start in order but may finish in any order.
/// Callers that merge results keep one slot per task and merge the slots in task order, which makes the
/// outcome independent of the thread count. The first exception thrown by fn stops the remaining tasks and is
/// rethrown here after every thread has finished. A build without threads runs the tasks in order, worker 0.
void parallel_tasks(std::uint64_t tasks, unsigned threads, const std::function<void(std::uint64_t, unsigned)>& fn);

/// Arrays whose pass touches more than this many bytes are split across all cores by parallel_ranges; smaller
/// ones cost less than starting a thread.
inline constexpr std::size_t kParallelBytes = std::size_t{1} << 20;

/// Runs fn(begin, end) over [0, n) in one contiguous piece per core, each a multiple of 64 elements (whole
/// cache lines of any element size) but the last, when `bytes` (what the pass reads) is more than
/// kParallelBytes; otherwise fn(0, n) on the caller's thread.
void parallel_ranges(std::size_t n, std::size_t bytes, const std::function<void(std::size_t, std::size_t)>& fn);

}  // namespace numscope
