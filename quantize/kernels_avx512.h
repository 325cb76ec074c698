// The AVX-512 builds of the kernels of kernels.h and lanes.h (kernels_avx512.cpp), which kernels.cpp and
// lanes.cpp choose when kernel_isa() is kAvx512.
#pragma once

#include <cstdint>  // std::uint64_t

#include "numscope/quantize/kernels.h"
#include "numscope/quantize/lanes.h"

namespace numscope::detail {

RoundKernel round_kernel_avx512(bool integer, ScaleOp pre, ScaleOp post);
/// How the caller rounds a value the vector kernel cannot (Codec::round_clip): the result and its clipped flag.
struct Fixup {
  double (*round)(const void* codec, double v, unsigned char& clip);
  const void* codec;
};
/// The rounding kernel fused with Lanes::add_error: rounds pre(v) and adds the error sums of post of it against
/// v to t for n values (a multiple of 8), the values it cannot round by `fix`; false, with t untouched, when a
/// sum is not finite (the two loops must then run apart).
using RoundSumsKernel = bool (*)(const GridParams&, const Affine&, const double* v, const double* inv,
                                 std::uint64_t n, Lanes& t, const Fixup& fix);
/// `own_inverses`: the kernel takes 1/|v| itself (inv is null), in its loop.
RoundSumsKernel round_sums_kernel_avx512(bool integer, ScaleOp pre, ScaleOp post, bool own_inverses = false);
/// bitsandbytes' 4-bit rounding (families/bnb4.cpp) of the first n / 16 · 16 values in blocks of bs (a multiple
/// of 16, else nothing): fp32(x)·inv[block], the code of the 16-entry table `codes` found by CodeBook::nearest's
/// search over `mids` (16 midpoints, +inf padded; of |v| when `magnitude`, the sign put back), y = code·deq[block]
/// in fp32. Returns how many values it did.
std::uint64_t codebook4_avx512(const double* x, double* y, std::uint64_t n, std::uint64_t bs, const float* inv,
                               const float* deq, const float* mids, int first_step, const float* codes,
                               bool magnitude);
/// fp32_values for n a multiple of 8.
bool fp32_values_avx512(const double* x, std::uint64_t n, double limit, bool& beyond);
void range_avx512(const double* x, std::uint64_t n, double& lo, double& hi);
void amax_avx512(const double* x, std::uint64_t n, std::uint64_t bs, double* out);
void reciprocals_avx512(const double* x, double* inv, std::uint64_t n);
std::uint64_t nonfinite_avx512(double* x, std::uint64_t n, bool mask);
/// The sum of n bytes (n a multiple of 64).
std::uint64_t count_bytes_avx512(const unsigned char* p, std::uint64_t n);
/// The asymmetric integer step of families/integer.cpp for n values (a multiple of 8): q = y + zero,
/// clip = q outside [0, qmax], y = (clamp(q, 0, qmax) - zero)·scale.
void asym_finish_avx512(double* y, unsigned char* clip, std::uint64_t n, double zero, double qmax, double scale);
/// Lanes::add_x's sums, and add_error's loop for results that are all finite (false, t untouched, where a sum
/// of y² or e² is not finite: lanes.cpp then runs the full loop).
void x_sums_avx512(Lanes& t, const double* x, std::uint64_t n);
/// Lanes::prepare_x for n a multiple of 8: nonfinite_avx512 (masking), reciprocals_avx512 (unless inv is null)
/// and x_sums_avx512 in one loop.
std::uint64_t prepare_x_avx512(Lanes& t, double* x, double* inv, std::uint64_t n);
/// prepare_x_avx512 of n fp32 values (little-endian bytes at src, any alignment) widened into x in the same loop,
/// and max |x| of the masked values (0 for none).
std::uint64_t prepare_fp32_avx512(Lanes& t, const unsigned char* src, double* x, double* inv, std::uint64_t n,
                                  double& amax);
bool error_sums_finite_avx512(Lanes& t, const double* x, const double* inv, const double* y, std::uint64_t n);

}  // namespace numscope::detail
