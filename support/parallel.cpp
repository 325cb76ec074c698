// The work-sharing loops of parallel.h: std::thread workers pulling task numbers from an atomic counter.
#include "numscope/support/parallel.h"

#include <algorithm>  // std::max, std::min
#include <atomic>     // std::atomic
#include <exception>  // std::exception_ptr, std::current_exception, std::rethrow_exception
#include <mutex>      // std::mutex, std::lock_guard
#include <vector>     // std::vector

// Emscripten without -pthread has std::thread in its headers but cannot start one: such builds run serially.
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
#  define NUMSCOPE_THREADS 0
#else
#  define NUMSCOPE_THREADS 1
#  include <thread>  // std::thread
#endif

namespace numscope {

unsigned core_count() {
#if NUMSCOPE_THREADS
  static const unsigned cores = std::max(1u, std::thread::hardware_concurrency());  // a system call: once
  return cores;
#else
  return 1;
#endif
}

void parallel_tasks(std::uint64_t tasks, unsigned threads, const std::function<void(std::uint64_t, unsigned)>& fn) {
  const unsigned workers = NUMSCOPE_THREADS ? static_cast<unsigned>(std::min<std::uint64_t>(worker_count(threads), tasks)) : 1;
  if (workers <= 1) {
    for (std::uint64_t t = 0; t < tasks; ++t) fn(t, 0);
    return;
  }
#if NUMSCOPE_THREADS
  std::atomic<std::uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&](unsigned w) {
    for (;;) {
      const std::uint64_t t = next.fetch_add(1);
      if (t >= tasks || failed.load()) return;
      try {
        fn(t, w);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  for (unsigned w = 1; w < workers; ++w) pool.emplace_back(work, w);
  work(0);
  for (std::thread& t : pool) t.join();
  if (error) std::rethrow_exception(error);
#endif
}

void parallel_ranges(std::size_t n, std::size_t bytes, const std::function<void(std::size_t, std::size_t)>& fn) {
  const unsigned cores = core_count();
  if (bytes <= kParallelBytes || cores < 2 || n <= 64) {
    fn(0, n);
    return;
  }
  std::size_t per = (n + cores - 1) / cores;
  per = (per + 63) & ~std::size_t{63};
  const std::uint64_t pieces = (n + per - 1) / per;
  parallel_tasks(pieces, cores, [&](std::uint64_t t, unsigned) {
    const std::size_t b = static_cast<std::size_t>(t) * per;
    fn(b, std::min(n, b + per));
  });
}

}  // namespace numscope
