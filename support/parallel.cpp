// The work-sharing loop of parallel.h: std::thread workers pulling task numbers from an atomic counter.
#include "numscope/support/parallel.h"

#include <algorithm>  // std::max, std::min
#include <atomic>     // std::atomic
#include <exception>  // std::exception_ptr, std::current_exception, std::rethrow_exception
#include <mutex>      // std::mutex, std::lock_guard
#include <thread>     // std::thread
#include <vector>     // std::vector

namespace numscope {

unsigned core_count() {
  static const unsigned cores = std::max(1u, std::thread::hardware_concurrency());  // a system call: once
  return cores;
}

void parallel_tasks(std::uint64_t tasks, unsigned threads, const std::function<void(std::uint64_t, unsigned)>& fn) {
  const unsigned workers = static_cast<unsigned>(std::min<std::uint64_t>(worker_count(threads), tasks));
  if (workers <= 1) {
    for (std::uint64_t t = 0; t < tasks; ++t) fn(t, 0);
    return;
  }
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
}

}  // namespace numscope
