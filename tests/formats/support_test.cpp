// The floor the kernels stand on: the instruction-set dispatcher (support/cpu.h) and the thread splitter
// (support/parallel.h).
#include <catch2/catch.hpp>

#include <atomic>   // std::atomic
#include <cstdlib>  // std::getenv
#include <vector>   // std::vector

#include "numscope/support/cpu.h"
#include "numscope/support/parallel.h"

using namespace numscope;

TEST_CASE("cpu: the instruction sets are ordered, named, and the best one is supported", "[support][cpu]") {
  CHECK(isa_name(Isa::kPortable) == "portable");
  CHECK(isa_name(Isa::kAvx2) == "avx2");
  CHECK(isa_name(Isa::kAvx512) == "avx512");
  CHECK(isa_supported(Isa::kPortable));
  CHECK(isa_supported(best_isa()));
  if (isa_supported(Isa::kAvx512)) CHECK(isa_supported(Isa::kAvx2));  // x86-64-v4 includes v3
  // NUMSCOPE_ISA caps best_isa (CI runs the suite again with NUMSCOPE_ISA=portable).
  if (const std::optional<Isa> cap = isa_cap()) CHECK(best_isa() <= *cap);
  CHECK(isa_cap_valid() == (std::getenv("NUMSCOPE_ISA") == nullptr || isa_cap().has_value()));
}

TEST_CASE("parallel: ranges cover [0, n) once, in pieces of whole 64-element blocks", "[support][parallel]") {
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{63}, std::size_t{1000},
                              std::size_t{1} << 20, (std::size_t{1} << 20) + 17}) {
    for (const std::size_t bytes : {std::size_t{0}, kParallelBytes, kParallelBytes + 1, n * 64}) {
      std::vector<std::atomic<int>> hits(n);
      std::atomic<int> pieces{0};
      parallel_ranges(n, bytes, [&](std::size_t b, std::size_t e) {
        ++pieces;
        CHECK(b <= e);
        CHECK(e <= n);
        if (e != n) CHECK((e - b) % 64 == 0);
        for (std::size_t i = b; i < e; ++i) ++hits[i];
      });
      INFO("n " << n << " bytes " << bytes);
      for (std::size_t i = 0; i < n; ++i) REQUIRE(hits[i] == 1);
      if (bytes <= kParallelBytes || core_count() < 2) CHECK(pieces == 1);
      CHECK(pieces <= static_cast<int>(core_count()));
    }
  }
}

TEST_CASE("parallel: tasks run once each and the first exception comes back", "[support][parallel]") {
  for (const unsigned threads : {0u, 1u, 3u}) {
    std::vector<std::atomic<int>> hits(100);
    parallel_tasks(100, threads, [&](std::uint64_t t, unsigned w) {
      CHECK(w < worker_count(threads));
      ++hits[t];
    });
    for (auto& h : hits) CHECK(h == 1);
    CHECK_THROWS_AS(parallel_tasks(10, threads, [](std::uint64_t t, unsigned) {
                      if (t == 3) throw std::runtime_error("task 3");
                    }),
                    std::runtime_error);
  }
}
