// Lanes::add_error's sums in AVX-512 registers (ErrorAcc) and 1/|x| (inverse_abs), for the kernels that round
// a segment and take its error sums in the same loop: kernels_avx512.cpp (float grids, integers, MX / NVFP4
// blocks) and ggml/blocks32.cpp (the 32-element ggml blocks). Included by kernel files only (intrinsics.h).
#pragma once

#include "numscope/quantize/intrinsics.h"  // <immintrin.h>

#include <cstdint>  // std::uint64_t, std::int64_t
#include <limits>   // std::numeric_limits

#include "numscope/quantize/lanes.h"

namespace numscope::detail {

// The features every AVX-512 kernel file compiles with (a subset of each: these inline into all of them).
#define NUMSCOPE_ERROR_ACC_FN [[gnu::target("avx512f,avx512bw,avx512vl,avx512dq")]]

/// 1/|X| where X is not 0, else 0: reciprocals_avx512's bits.
[[gnu::always_inline]] NUMSCOPE_ERROR_ACC_FN inline __m512d inverse_abs(__m512d X) {
  const __m512d one = _mm512_set1_pd(1.0);
  const __mmask8 nonzero = _mm512_cmp_pd_mask(X, _mm512_setzero_pd(), _CMP_NEQ_UQ);
  return _mm512_maskz_div_pd(nonzero, one, _mm512_abs_pd(X));  // the zero lanes are not divided
}

/// Lanes::add_error's accumulators for results that are all finite (error_sums_finite_avx512, rne_sums_avx512):
/// error_sums_loop<..., true>'s operations in its order, with mask registers. The underflow count is only ever
/// read as the total of its lanes (Lanes::count): it is counted in a scalar register (POPCNT of the mask, off
/// the vector pipes) and added to lane 0.
struct ErrorAcc {
  __m512d y2, xy, e2, rel, emax;
  std::uint64_t under = 0;
  [[gnu::always_inline]] NUMSCOPE_ERROR_ACC_FN void load(const Lanes& t) {
    y2 = _mm512_loadu_pd(t.y2), xy = _mm512_loadu_pd(t.xy), e2 = _mm512_loadu_pd(t.e2);
    rel = _mm512_loadu_pd(t.rel), emax = _mm512_loadu_pd(t.emax);
  }
  [[gnu::always_inline]] NUMSCOPE_ERROR_ACC_FN void add(__m512d X, __m512d Y, __m512d INV) {
    const __m512d zero = _mm512_setzero_pd();
    const __m512d E = _mm512_sub_pd(X, Y), AE = _mm512_abs_pd(E);
    y2 = _mm512_add_pd(y2, _mm512_mul_pd(Y, Y));
    xy = _mm512_add_pd(xy, _mm512_mul_pd(X, Y));
    e2 = _mm512_add_pd(e2, _mm512_mul_pd(E, E));
    const __mmask8 nonzero = _mm512_cmp_pd_mask(X, zero, _CMP_NEQ_UQ);
    under += static_cast<unsigned>(
        __builtin_popcount(static_cast<unsigned>(_mm512_mask_cmp_pd_mask(nonzero, Y, zero, _CMP_EQ_OQ))));
    emax = _mm512_max_pd(AE, emax);  // AE > emax ? AE : emax
    rel = _mm512_add_pd(rel, _mm512_mul_pd(AE, INV));
  }
  /// Stores the sums into t when those of y² and e² are finite (see error_sums_loop); false otherwise.
  [[gnu::always_inline]] NUMSCOPE_ERROR_ACC_FN bool store_if_finite(Lanes& t) const {
    const __m512d max = _mm512_set1_pd(std::numeric_limits<double>::max());
    if (_mm512_cmp_pd_mask(_mm512_abs_pd(y2), max, _CMP_LE_OQ) != 0xff ||
        _mm512_cmp_pd_mask(_mm512_abs_pd(e2), max, _CMP_LE_OQ) != 0xff)
      return false;
    _mm512_storeu_pd(t.y2, y2), _mm512_storeu_pd(t.xy, xy), _mm512_storeu_pd(t.e2, e2);
    _mm512_storeu_pd(t.rel, rel), _mm512_storeu_pd(t.emax, emax);
    t.under[0] += static_cast<std::int64_t>(under);
    return true;
  }
};

}  // namespace numscope::detail
