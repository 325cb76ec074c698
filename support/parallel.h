// A small work-sharing loop: numbered tasks spread over threads, for the chunked tensor passes of quantize.
#pragma once

#include <cstdint>     // std::uint64_t
#include <functional>  // std::function

namespace numscope {

/// The number of cores (std::thread::hardware_concurrency, at least 1), read once.
unsigned core_count();
/// The threads a `threads` option means: itself, or every core for 0. Callers size per-worker buffers by it.
inline unsigned worker_count(unsigned threads) { return threads ? threads : core_count(); }

/// Runs fn(task, worker) for every task in [0, tasks) on min(threads, tasks) threads (threads 0: every core);
/// workers take the next task from a shared counter, so tasks start in order but may finish in any order.
/// Callers that merge results keep one slot per task and merge the slots in task order, which makes the
/// outcome independent of the thread count. The first exception thrown by fn stops the remaining tasks and is
/// rethrown here after every thread has finished.
void parallel_tasks(std::uint64_t tasks, unsigned threads, const std::function<void(std::uint64_t, unsigned)>& fn);

}  // namespace numscope
