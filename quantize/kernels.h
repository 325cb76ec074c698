// The vector kernels every quantizer shares: element rounding on a float grid or an integer range with a scaling
// fused in, block ranges and maxima, NaN/inf masking and reciprocals. GCC vector types, AVX2 or SSE2 chosen at
// run time; every choice gives the same bits (tests run both).
#pragma once

#include <cstdint>  // std::uint64_t
#include <cstring>  // std::memcpy
#include <optional> // std::optional
#include <vector>   // std::vector

#include "numscope/support/cpu.h"  // Isa, best_isa

namespace numscope::detail {

typedef double V2d __attribute__((vector_size(16)));
typedef long long V2i __attribute__((vector_size(16)));
typedef double V4d __attribute__((vector_size(32)));
typedef long long V4i __attribute__((vector_size(32)));
typedef unsigned long long V2u __attribute__((vector_size(16)));  // bit arithmetic that may wrap
typedef unsigned long long V4u __attribute__((vector_size(32)));
typedef float V4f __attribute__((vector_size(16)));  // code-book searches run in fp32, as bitsandbytes does
typedef int V4s __attribute__((vector_size(16)));
typedef float V8f __attribute__((vector_size(32)));
typedef int V8s __attribute__((vector_size(32)));
typedef double V8d __attribute__((vector_size(64)));  // AVX-512: one zmm holds the eight lanes of the error sums
typedef long long V8i __attribute__((vector_size(64)));
typedef unsigned long long V8u __attribute__((vector_size(64)));

/// The target attribute of the AVX-512 builds (x86-64-v4 without its 512-bit preference off: GCC keeps 512-bit
/// vectors for these loops only when told). Every AVX-512 loop gives the AVX2 and SSE2 loops' bits.
/// clang-14 (the fuzz build) does not know prefer-vector-width and would drop the whole attribute.
#if defined(__clang__)
#define NUMSCOPE_QUANTIZE_AVX512 "avx512f,avx512bw,avx512vl,avx512dq,bmi2"
#else
#define NUMSCOPE_QUANTIZE_AVX512 "avx512f,avx512bw,avx512vl,avx512dq,bmi2,prefer-vector-width=512"
#endif

/// What a vector rounding kernel needs of a format.
struct GridParams {
  double max_finite = 0;  // values beyond it (and NaN) are left to the engine, except up to sat_limit:
  // saturating codecs (--saturate, finite-only MX elements) round a float max_finite < |v| <= sat_limit to
  // ±max_finite in the kernels, clipped where |v| > sat_clip: IEEE 754 §7.4 rounds with an unbounded exponent
  // first, so v up to the tie above max rounds to max, inexact but not saturated (E4M3: 464 -> 448, unflagged).
  double sat_limit = 0;  // max_finite where the codec does not saturate
  double sat_clip = 0;
  double min_normal = 0;  // 2^emin (floats)
  int m = 0;              // stored mantissa bits (floats)
  bool negzero = true;    // false: -0 becomes +0 (fnuz formats)
  double min_int = 0;     // integers: the range
};

/// A scaling around the element rounding: out = post(round(pre(v))), each a multiplication or a division by its
/// own number (or nothing), as the schemes write them: x·s then /s (scaled FP8), x/s then ·s (integers, NVFP4),
/// x·2^-e then ·2^e (MX). Fusing them into the kernels saves two passes over the row.
enum class ScaleOp : std::uint8_t { kNone, kMul, kDiv };
struct Affine {
  ScaleOp pre = ScaleOp::kNone;
  double a = 1;
  ScaleOp post = ScaleOp::kNone;
  double b = 1;
  static double apply(ScaleOp op, double x, double s) {
    return op == ScaleOp::kMul ? x * s : op == ScaleOp::kDiv ? x / s : x;
  }
};
template <ScaleOp Op, class D>
[[gnu::always_inline]] inline D apply_op(D x, D s) {
  if constexpr (Op == ScaleOp::kMul) return x * s;
  else if constexpr (Op == ScaleOp::kDiv) return x / s;
  else return x;
}

/// Whether any lane of a comparison mask is set.
template <class I>
[[gnu::always_inline]] inline bool any_lane(const I& mask) {
  bool any = false;
  for (std::size_t l = 0; l < sizeof(I) / sizeof(mask[0]); ++l) any |= mask[l] != 0;
  return any;
}


using RoundKernel = bool (*)(const GridParams&, const Affine&, const double*, double*, unsigned char*,
                             std::uint64_t);
/// The 3 x 3 table {pre}{post} of a kernel template K<Integer, Pre, Post> (ScaleOp's order: none, mul, div).
#define NUMSCOPE_SCALINGS(K, I)                                                                 \
  {{K<I, ScaleOp::kNone, ScaleOp::kNone>, K<I, ScaleOp::kNone, ScaleOp::kMul>, K<I, ScaleOp::kNone, ScaleOp::kDiv>}, \
   {K<I, ScaleOp::kMul, ScaleOp::kNone>, K<I, ScaleOp::kMul, ScaleOp::kMul>, K<I, ScaleOp::kMul, ScaleOp::kDiv>},    \
   {K<I, ScaleOp::kDiv, ScaleOp::kNone>, K<I, ScaleOp::kDiv, ScaleOp::kMul>, K<I, ScaleOp::kDiv, ScaleOp::kDiv>}}
/// The rounding kernel for a format kind (integer or float grid), instruction set and scaling. A kernel rounds
/// pre(v) to nearest even and writes post of it for n values (a multiple of 8); lanes it cannot round (beyond
/// max_finite, NaN, integers past 2^51) get clip 2 and keep pre(v) for the caller; returns whether there was any.
RoundKernel round_kernel(bool integer, Isa isa, ScaleOp pre, ScaleOp post);
/// Which build of the kernels runs here: support/cpu.h's best_isa(), capped by NUMSCOPE_ISA (tests pass each
/// one explicitly).
Isa kernel_isa();
/// Caps kernel_isa() further for the whole process (nullopt lifts the cap): the tests compare the builds in one
/// process. Quantizers already made keep the choice they made.
void cap_kernel_isa(std::optional<Isa> isa);
/// Whether the AVX2 (or wider) kernels run here.
bool have_avx2();

/// min(0, min x) and max(0, max x) over n finite values.
void block_range(const double* x, std::uint64_t n, double& lo, double& hi);
/// out[k] = max |x| over block k (bs elements, the last one may be short) of n finite values.
void block_amaxes(const double* x, std::uint64_t n, std::uint64_t bs, double* out);
void block_amaxes(const double* x, std::uint64_t n, std::uint64_t bs, std::vector<double>& out);
double block_amax(const double* x, std::uint64_t n);  // one block of n
/// The number of NaN / inf values among n, each set to 0 when `mask`.
std::uint64_t count_nonfinite(double* x, std::uint64_t n, bool mask);
/// Whether all n values are fp32 values (double(float(x)) == x); `beyond` is set when one has |x| > limit.
bool fp32_values(const double* x, std::uint64_t n, double limit, bool& beyond, Isa isa = kernel_isa());
/// inv[i] = 1/|x[i]|, or 0 where x[i] is 0 (for the relative error).
void reciprocals(const double* x, double* inv, std::uint64_t n, Isa isa = kernel_isa());

}  // namespace numscope::detail
