// Conversion benchmarks: the reference engine per format, beside memcpy, Eigen's scalar casts and F16C.
// Run: build/bin/numscope_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <immintrin.h>  // _mm256_cvtps_ph (F16C)

#include <Eigen/Core>  // Eigen::half, Eigen::bfloat16
#include <cstring>     // std::memcpy
#include <random>      // std::mt19937
#include <vector>      // std::vector

#include "formats/engine.h"
#include "formats/registry.h"

namespace {

std::vector<float> inputs(std::size_t n) {
  std::mt19937 rng(1);
  std::normal_distribution<float> d(0.f, 100.f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

void set_bytes(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * state.range(0) * static_cast<int64_t>(sizeof(float)));
}

void BM_memcpy(benchmark::State& state) {
  const auto in = inputs(static_cast<std::size_t>(state.range(0)));
  std::vector<float> out(in.size());
  for (auto _ : state) {
    std::memcpy(out.data(), in.data(), in.size() * sizeof(float));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state);
}

void BM_reference_encode(benchmark::State& state, const char* name) {
  const numscope::Format f = numscope::find_format(name);
  const auto in = inputs(static_cast<std::size_t>(state.range(0)));
  std::vector<std::uint16_t> out(in.size());
  for (auto _ : state) {
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = static_cast<std::uint16_t>(numscope::encode(f, double(in[i])).code);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state);
}

template <typename T>
void BM_eigen(benchmark::State& state) {
  const auto in = inputs(static_cast<std::size_t>(state.range(0)));
  std::vector<T> out(in.size());
  for (auto _ : state) {
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = T(in[i]);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state);
}

__attribute__((target("f16c,avx"))) void f16c_convert(const float* in, std::uint16_t* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; ++i) out[i] = Eigen::numext::bit_cast<std::uint16_t>(Eigen::half(in[i]));
}

void BM_f16c(benchmark::State& state) {
  if (!__builtin_cpu_supports("f16c")) {
    state.SkipWithError("no F16C on this CPU");
    return;
  }
  const auto in = inputs(static_cast<std::size_t>(state.range(0)));
  std::vector<std::uint16_t> out(in.size());
  for (auto _ : state) {
    f16c_convert(in.data(), out.data(), in.size());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state);
}

}  // namespace

BENCHMARK(BM_memcpy)->RangeMultiplier(16)->Range(1 << 8, 1 << 22);
BENCHMARK(BM_f16c)->RangeMultiplier(16)->Range(1 << 8, 1 << 22);
BENCHMARK_TEMPLATE(BM_eigen, Eigen::half)->RangeMultiplier(16)->Range(1 << 8, 1 << 22);
BENCHMARK_TEMPLATE(BM_eigen, Eigen::bfloat16)->RangeMultiplier(16)->Range(1 << 8, 1 << 22);
BENCHMARK_CAPTURE(BM_reference_encode, fp16, "fp16")->RangeMultiplier(16)->Range(1 << 8, 1 << 20);
BENCHMARK_CAPTURE(BM_reference_encode, bf16, "bf16")->RangeMultiplier(16)->Range(1 << 8, 1 << 20);
BENCHMARK_CAPTURE(BM_reference_encode, e4m3, "e4m3")->RangeMultiplier(16)->Range(1 << 8, 1 << 20);
BENCHMARK_CAPTURE(BM_reference_encode, e5m2, "e5m2")->RangeMultiplier(16)->Range(1 << 8, 1 << 20);
