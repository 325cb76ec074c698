// Conversion benchmarks: the fast kernels per format and size (1 KiB .. 64 MiB of fp32), beside memcpy, the
// CPU's instructions (F16C, AVX-512 BF16), Eigen's scalar half / bfloat16 casts and the reference engine, in
// one binary. Bytes processed are the fp32 side (the input of a cast, the output of a decode), so every row
// reads against memcpy of the same bytes. Run: build/bin/numscope_bench --benchmark_filter=fp16
// --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <immintrin.h>  // _mm256_cvtps_ph (F16C), _mm512_cvtneps_pbh (AVX-512 BF16)

#include <Eigen/Core>  // Eigen::half, Eigen::bfloat16
#include <cmath>       // std::ldexp
#include <cstring>     // std::memcpy
#include <vector>      // std::vector

#include "numscope/formats/engine.h"
#include "numscope/formats/fast/convert.h"
#include "numscope/formats/registry.h"

namespace {

using numscope::Format;
namespace fast = numscope::fast;

/// Deterministic fp32 data with magnitudes 2^-12 .. 2^12 and both signs (splitmix64).
std::vector<float> inputs(std::size_t n) {
  numscope::Rng rng{12345};
  std::vector<float> v(n);
  for (auto& x : v) {
    const std::uint64_t r = rng.next();
    const double u = double(r >> 11) * 0x1p-53;
    x = static_cast<float>(std::ldexp((r & 1) ? -u : u, int((r >> 3) % 25) - 12));
  }
  return v;
}

std::size_t values(const benchmark::State& state) { return static_cast<std::size_t>(state.range(0)) / 4; }
void set_bytes(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(values(state)));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
template <class T>
void escape(std::vector<T>& v) {
  auto* p = v.data();
  benchmark::DoNotOptimize(p);
  benchmark::ClobberMemory();
}

void BM_memcpy(benchmark::State& state) {
  const auto in = inputs(values(state));
  std::vector<float> out(in.size());
  for (auto _ : state) {
    std::memcpy(out.data(), in.data(), in.size() * sizeof(float));
    escape(out);
  }
  set_bytes(state);
}

void BM_fast_encode(benchmark::State& state, const char* name) {
  const Format f = numscope::find_format(name);
  const fast::EncodeFn fn = fast::encoder(f, {});
  const auto in = inputs(values(state));
  std::vector<unsigned char> out(in.size() * static_cast<std::size_t>(numscope::container_bytes(f)));
  for (auto _ : state) {
    fn(in.data(), out.data(), in.size());
    escape(out);
  }
  set_bytes(state);
}

void BM_fast_encode_threads(benchmark::State& state, const char* name) {
  const Format f = numscope::find_format(name);
  const fast::EncodeFn fn = fast::encoder(f, {});
  const auto in = inputs(values(state));
  const int cb = numscope::container_bytes(f);
  std::vector<unsigned char> out(in.size() * static_cast<std::size_t>(cb));
  for (auto _ : state) {
    fast::encode_parallel(fn, in.data(), out.data(), in.size(), cb);
    escape(out);
  }
  set_bytes(state);
}

void BM_fast_decode(benchmark::State& state, const char* name) {
  const Format f = numscope::find_format(name);
  const auto in = inputs(values(state));
  std::vector<unsigned char> codes(in.size() * static_cast<std::size_t>(numscope::container_bytes(f)));
  fast::encoder(f, {})(in.data(), codes.data(), in.size());
  const fast::DecodeFn fn = fast::decoder(f);
  std::vector<float> out(in.size());
  for (auto _ : state) {
    fn(codes.data(), out.data(), out.size());
    escape(out);
  }
  set_bytes(state);
}

void BM_instruction_encode(benchmark::State& state, const char* name) {
  const fast::Hardware hw = fast::hardware(numscope::find_format(name));
  if (!hw.encode) {
    state.SkipWithError("this CPU has no conversion instruction for this format");
    return;
  }
  const auto in = inputs(values(state));
  std::vector<std::uint16_t> out(in.size());
  for (auto _ : state) {
    hw.encode(in.data(), out.data(), in.size());
    escape(out);
  }
  state.SetLabel(std::string(hw.name));
  set_bytes(state);
}

void BM_instruction_decode_fp16(benchmark::State& state) {
  const fast::Hardware hw = fast::hardware(numscope::find_format("fp16"));
  if (!hw.decode) {
    state.SkipWithError("no F16C on this CPU");
    return;
  }
  const auto in = inputs(values(state));
  std::vector<std::uint16_t> codes(in.size());
  hw.encode(in.data(), codes.data(), in.size());
  std::vector<float> out(in.size());
  for (auto _ : state) {
    hw.decode(codes.data(), out.data(), out.size());
    escape(out);
  }
  set_bytes(state);
}

template <typename T>
void BM_eigen_encode(benchmark::State& state) {
  const auto in = inputs(values(state));
  std::vector<T> out(in.size());
  for (auto _ : state) {
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = T(in[i]);
    escape(out);
  }
  set_bytes(state);
}

template <typename T>
void BM_eigen_decode(benchmark::State& state) {
  const auto in = inputs(values(state));
  std::vector<T> codes(in.begin(), in.end());
  std::vector<float> out(in.size());
  for (auto _ : state) {
    for (std::size_t i = 0; i < codes.size(); ++i) out[i] = static_cast<float>(codes[i]);
    escape(out);
  }
  set_bytes(state);
}

void BM_reference_encode(benchmark::State& state, const char* name) {
  const Format f = numscope::find_format(name);
  const auto in = inputs(values(state));
  std::vector<std::uint32_t> out(in.size());
  for (auto _ : state) {
    for (std::size_t i = 0; i < in.size(); ++i)
      out[i] = static_cast<std::uint32_t>(numscope::encode(f, static_cast<double>(in[i])).code);
    escape(out);
  }
  set_bytes(state);
}

void BM_reference_decode(benchmark::State& state, const char* name) {
  const Format f = numscope::find_format(name);
  const auto in = inputs(values(state));
  std::vector<std::uint32_t> codes(in.size());
  for (std::size_t i = 0; i < in.size(); ++i)
    codes[i] = static_cast<std::uint32_t>(numscope::encode(f, static_cast<double>(in[i])).code);
  std::vector<float> out(in.size());
  for (auto _ : state) {
    for (std::size_t i = 0; i < codes.size(); ++i)
      out[i] = static_cast<float>(numscope::decode_double(f, codes[i]));
    escape(out);
  }
  set_bytes(state);
}

// Sizes in bytes of fp32: 1 KiB, 8 KiB, ..., 32 MiB, and 64 MiB (the reference size).
void sizes(benchmark::internal::Benchmark* b) {
  for (std::int64_t s = 1 << 10; s <= (32 << 20); s *= 8) b->Arg(s);
  b->Arg(64 << 20)->ArgName("bytes");
}
void small_sizes(benchmark::internal::Benchmark* b) {  // the scalar baselines: up to 1 MiB
  for (std::int64_t s = 1 << 10; s <= (1 << 20); s *= 32) b->Arg(s);
  b->ArgName("bytes");
}

}  // namespace

BENCHMARK(BM_memcpy)->Apply(sizes);
#define NUMSCOPE_FORMAT_BENCH(fmt)                                       \
  BENCHMARK_CAPTURE(BM_fast_encode, fmt, #fmt)->Apply(sizes);            \
  BENCHMARK_CAPTURE(BM_fast_decode, fmt, #fmt)->Apply(sizes);            \
  BENCHMARK_CAPTURE(BM_reference_encode, fmt, #fmt)->Apply(small_sizes); \
  BENCHMARK_CAPTURE(BM_reference_decode, fmt, #fmt)->Apply(small_sizes)
NUMSCOPE_FORMAT_BENCH(fp16);
NUMSCOPE_FORMAT_BENCH(bf16);
NUMSCOPE_FORMAT_BENCH(tf32);
NUMSCOPE_FORMAT_BENCH(e5m2);
NUMSCOPE_FORMAT_BENCH(e4m3);
NUMSCOPE_FORMAT_BENCH(e4m3fnuz);
NUMSCOPE_FORMAT_BENCH(e5m2fnuz);
NUMSCOPE_FORMAT_BENCH(e3m2);
NUMSCOPE_FORMAT_BENCH(e2m3);
NUMSCOPE_FORMAT_BENCH(e2m1);
BENCHMARK_CAPTURE(BM_fast_encode_threads, fp16, "fp16")->Apply(sizes);
BENCHMARK_CAPTURE(BM_fast_encode_threads, bf16, "bf16")->Apply(sizes);
BENCHMARK_CAPTURE(BM_fast_encode_threads, e4m3, "e4m3")->Apply(sizes);
BENCHMARK_CAPTURE(BM_fast_encode_threads, e5m2, "e5m2")->Apply(sizes);
BENCHMARK_CAPTURE(BM_instruction_encode, fp16, "fp16")->Apply(sizes);
BENCHMARK_CAPTURE(BM_instruction_encode, bf16, "bf16")->Apply(sizes);
BENCHMARK(BM_instruction_decode_fp16)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_eigen_encode, Eigen::half)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_eigen_encode, Eigen::bfloat16)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_eigen_decode, Eigen::half)->Apply(sizes);
BENCHMARK_TEMPLATE(BM_eigen_decode, Eigen::bfloat16)->Apply(sizes);
