// Workload benchmarks: each default quantize scheme over a 1 MiB fp32 tensor, one memory estimate, and a
// 100-claim `numscope check` run, with bytes processed where there are bytes.
#include <benchmark/benchmark.h>

#include <cmath>   // std::ldexp
#include <string>  // std::string
#include <vector>  // std::vector

#include "numscope/check/claims.h"
#include "numscope/quantize/quantize.h"
#include "numscope/formats/scheme.h"
#include "numscope/memory/estimate.h"

namespace {

/// A 256 x 1024 tensor of N(0, 1)-like fp32 values (sum of 4 uniforms), as `numscope quantize` reads one.
const numscope::MemorySource& tensor() {
  static const numscope::MemorySource src = [] {
    numscope::Rng rng{7};
    std::vector<double> v(256 * 1024);
    for (auto& x : v) {
      double s = 0;
      for (int k = 0; k < 4; ++k) s += double(rng.next() >> 11) * 0x1p-53 - 0.5;
      x = static_cast<double>(static_cast<float>(s * 1.7320508));
    }
    return numscope::MemorySource(std::move(v), 256, 1024);
  }();
  return src;
}

void BM_quantize(benchmark::State& state, std::string name) {
  const numscope::Scheme s = numscope::parse_scheme(name);
  const numscope::MemorySource& src = tensor();
  const numscope::TensorStats stats = numscope::tensor_stats(src, 1);
  numscope::QuantizeOptions one;
  one.threads = 1;  // one core: the rows compare schemes, not thread counts
  for (auto _ : state) benchmark::DoNotOptimize(numscope::quantize_tensor(s, src, stats, one));
  const auto n = static_cast<int64_t>(src.rows() * src.cols());
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * 4);  // fp32 bytes analysed
}

void BM_memory_estimate(benchmark::State& state) {
  for (auto _ : state) {
    const auto e = numscope::memory::estimate(numscope::memory::make_request({{"model", "llama-3-8b"}}));
    benchmark::DoNotOptimize(e);
  }
}

void BM_check_100_claims(benchmark::State& state) {
  const char* const kClaims[] = {
      "max(e4m3) = 448",
      "max(e5m2) = 57344",
      "store(bf16, 123456.789) = 123392",
      "store(e5m2, 123456.789) overflows",
      "max(fp32) = (2 - 2^-23) * 2^127",
      "max(fp16) = 65504",
      "store(fp16, 0.1) = 0.0999755859375",
      "memory(model=llama-3-8b, weights=bf16) fits H100",
      "max(e2m1) = 6",
      "max(e4m3fnuz) = 240",
  };
  std::vector<std::string> claims;
  for (int i = 0; i < 100; ++i) claims.emplace_back(kClaims[i % 10]);
  for (auto _ : state)
    for (const std::string& c : claims) benchmark::DoNotOptimize(numscope::check::check_claim(c));
  state.SetItemsProcessed(state.iterations() * 100);
}

}  // namespace

// One row per default scheme of `numscope quantize` (scheme.h), registered from the list itself.
const bool kSchemesRegistered = [] {
  for (const std::string& name : numscope::default_scheme_names())
    benchmark::RegisterBenchmark(("BM_quantize/" + name).c_str(), BM_quantize, name)
        ->Unit(benchmark::kMillisecond);
  return true;
}();
BENCHMARK(BM_memory_estimate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_check_100_claims)->Unit(benchmark::kMillisecond);
