// The AVX-512 builds of the kernels of kernels.h and lanes.h (kernels_avx512.cpp), which kernels.cpp and
// lanes.cpp choose when kernel_isa() is kAvx512.
#pragma once

#include <cstdint>  // std::uint64_t

#include "numscope/quantize/kernels.h"
#include "numscope/quantize/lanes.h"

namespace numscope::detail {

RoundKernel round_kernel_avx512(bool integer, ScaleOp pre, ScaleOp post);
void range_avx512(const double* x, std::uint64_t n, double& lo, double& hi);
void amax_avx512(const double* x, std::uint64_t n, std::uint64_t bs, double* out);
void reciprocals_avx512(const double* x, double* inv, std::uint64_t n);
std::uint64_t nonfinite_avx512(double* x, std::uint64_t n, bool mask);
/// Lanes::add_x's sums, and add_error's loop for results that are all finite (lanes.cpp checks and redoes).
void x_sums_avx512(Lanes& t, const double* x, std::uint64_t n);
/// Lanes::prepare_x for n a multiple of 8: nonfinite_avx512 (masking), reciprocals_avx512 and x_sums_avx512 in
/// one loop.
std::uint64_t prepare_x_avx512(Lanes& t, double* x, double* inv, std::uint64_t n);
void error_sums_finite_avx512(Lanes& t, const double* x, const double* inv, const double* y, std::uint64_t n);

}  // namespace numscope::detail
