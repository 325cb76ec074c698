// make_q3_quants (ggml-quants.c) across the 16 groups of a Q3_K super-block: the groups are independent, each
// group's sweeps are sequential, so group j runs in lane j of a zmm and element i of every group is one vector.
#include "numscope/quantize/ggml/q3_K_lanes.h"

#include "numscope/quantize/ggml/kquants.h"
#include "numscope/quantize/kernels.h"  // NUMSCOPE_QUANTIZE_AVX512
#include "numscope/support/cpu.h"

#if defined(__x86_64__)
#include "numscope/quantize/intrinsics.h"
#endif

namespace numscope::detail {

#if defined(__x86_64__)
namespace {

#define Q3_ATTR [[gnu::target(NUMSCOPE_QUANTIZE_AVX512)]] inline

/// nearest_int per lane: the same add of 1.5·2^23 and the same bits (also for |v| >= 2^22, inf and NaN).
Q3_ATTR __m512i nearest16(__m512 v) {
  const __m512i t = _mm512_castps_si512(_mm512_add_ps(v, _mm512_set1_ps(12582912.f)));
  return _mm512_sub_epi32(_mm512_and_si512(t, _mm512_set1_epi32(0x007fffff)), _mm512_set1_epi32(0x00400000));
}
/// clamp_level(l, 4): -4..3.
Q3_ATTR __m512i clamp16(__m512i l) {
  return _mm512_max_epi32(_mm512_set1_epi32(-4), _mm512_min_epi32(_mm512_set1_epi32(3), l));
}

/// The search's state, lane j for group j: x, w = x², w·x, the levels and the two sums.
struct Q3Lanes {
  __m512 x[16], w[16], wx[16], fl[16];
  __m512i l[16];
  __m512 sumlx, suml2;
};

/// The first pass: each group's signed max (the first of largest |x|), its levels at -4/max, the sums in
/// element order; returns the lanes whose max reaches GROUP_MAX_EPS (the others are all-zero groups).
Q3_ATTR __mmask16 q3_start(const float* x, Q3Lanes& s) {
  const __m512i index = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                           _mm512_set1_epi32(16));
  __m512 amax = _mm512_setzero_ps(), max = _mm512_setzero_ps();
  for (int i = 0; i < 16; ++i) {
    s.x[i] = _mm512_i32gather_ps(_mm512_add_epi32(index, _mm512_set1_epi32(i)), x, 4);
    const __m512 a = _mm512_abs_ps(s.x[i]);
    const __mmask16 larger = _mm512_cmp_ps_mask(a, amax, _CMP_GT_OQ);
    amax = _mm512_mask_mov_ps(amax, larger, a);
    max = _mm512_mask_mov_ps(max, larger, s.x[i]);
  }
  const __mmask16 live = _mm512_cmp_ps_mask(amax, _mm512_set1_ps(kGroupMaxEps), _CMP_NLT_UQ);
  const __m512 iscale = _mm512_div_ps(_mm512_set1_ps(-4.f), max);
  s.sumlx = _mm512_setzero_ps();
  s.suml2 = _mm512_setzero_ps();
  for (int i = 0; i < 16; ++i) {
    s.w[i] = _mm512_mul_ps(s.x[i], s.x[i]);
    s.wx[i] = _mm512_mul_ps(s.w[i], s.x[i]);
    s.l[i] = clamp16(nearest16(_mm512_mul_ps(iscale, s.x[i])));
    s.fl[i] = _mm512_cvtepi32_ps(s.l[i]);
    s.sumlx = _mm512_add_ps(s.sumlx, _mm512_mul_ps(s.wx[i], s.fl[i]));
    s.suml2 = _mm512_add_ps(s.suml2, _mm512_mul_ps(_mm512_mul_ps(s.w[i], s.fl[i]), s.fl[i]));
  }
  return live;
}

/// One sweep over the 16 elements in the lanes `active`: ggml's move of element i to nearest_int(x·sl2/slx),
/// kept where sumlx²/suml2 grows; returns the lanes where some move was kept.
Q3_ATTR __mmask16 q3_sweep(Q3Lanes& s, __mmask16 active) {
  const __m512 zero = _mm512_setzero_ps();
  __mmask16 changed = 0;
  for (int i = 0; i < 16; ++i) {
    __m512 slx = _mm512_sub_ps(s.sumlx, _mm512_mul_ps(s.wx[i], s.fl[i]));
    __mmask16 move = _mm512_mask_cmp_ps_mask(active, slx, zero, _CMP_GT_OQ);
    if (!move) continue;
    __m512 sl2 = _mm512_sub_ps(s.suml2, _mm512_mul_ps(_mm512_mul_ps(s.w[i], s.fl[i]), s.fl[i]));
    const __m512i nl = clamp16(nearest16(_mm512_div_ps(_mm512_mul_ps(s.x[i], sl2), slx)));
    move = _mm512_mask_cmpneq_epi32_mask(move, nl, s.l[i]);
    const __m512 fnl = _mm512_cvtepi32_ps(nl);
    slx = _mm512_add_ps(slx, _mm512_mul_ps(s.wx[i], fnl));
    sl2 = _mm512_add_ps(sl2, _mm512_mul_ps(_mm512_mul_ps(s.w[i], fnl), fnl));
    move = _mm512_mask_cmp_ps_mask(move, sl2, zero, _CMP_GT_OQ);
    const __m512 gain = _mm512_mul_ps(_mm512_mul_ps(slx, slx), s.suml2);
    const __m512 old = _mm512_mul_ps(_mm512_mul_ps(s.sumlx, s.sumlx), sl2);
    move = _mm512_mask_cmp_ps_mask(move, gain, old, _CMP_GT_OQ);
    s.l[i] = _mm512_mask_mov_epi32(s.l[i], move, nl);
    s.fl[i] = _mm512_mask_mov_ps(s.fl[i], move, fnl);
    s.sumlx = _mm512_mask_mov_ps(s.sumlx, move, slx);
    s.suml2 = _mm512_mask_mov_ps(s.suml2, move, sl2);
    changed = static_cast<__mmask16>(changed | move);
  }
  return changed;
}

[[gnu::target(NUMSCOPE_QUANTIZE_AVX512)]] void q3_lanes(const float* x, std::int8_t* L, float* scales) {
  Q3Lanes s;
  const __mmask16 live = q3_start(x, s);
  __mmask16 active = live;
  for (int itry = 0; itry < 5 && active; ++itry) active = q3_sweep(s, active);
  // suml2 > 0 ? sumlx / suml2 : 0, and 0 for the all-zero groups; levels + 4 (0 for the all-zero groups).
  const __mmask16 positive = _mm512_mask_cmp_ps_mask(live, s.suml2, _mm512_setzero_ps(), _CMP_GT_OQ);
  _mm512_storeu_ps(scales, _mm512_maskz_div_ps(positive, s.sumlx, s.suml2));
  alignas(64) std::int8_t t[16][16];  // t[i][j]: element i of group j
  for (int i = 0; i < 16; ++i)
    _mm_store_si128(reinterpret_cast<__m128i*>(t[i]),
                    _mm512_maskz_cvtepi32_epi8(live, _mm512_add_epi32(s.l[i], _mm512_set1_epi32(4))));
  for (int j = 0; j < 16; ++j)
    for (int i = 0; i < 16; ++i) L[16 * j + i] = t[i][j];
}

#undef Q3_ATTR

}  // namespace
#endif

bool make_q3_quants_x16(const float* x, std::int8_t* L, float* scales) {
#if defined(__x86_64__)
  if (isa_supported(Isa::kAvx512)) {
    q3_lanes(x, L, scales);
    return true;
  }
#endif
  (void)x, (void)L, (void)scales;
  return false;
}

}  // namespace numscope::detail
