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

/// r[j] lane i becomes r[i] lane j (16 x 16 fp32): pairs interleaved, then 4 x 4 blocks within each 128-bit
/// lane, then the 128-bit lanes themselves (cheaper than 16 gathers).
Q3_ATTR void transpose16(__m512* r) {
  __m512 t[16];
  for (int k = 0; k < 16; k += 2) {
    t[k] = _mm512_unpacklo_ps(r[k], r[k + 1]);  // per 128-bit lane q: r[k][4q], r[k+1][4q], r[k][4q+1], ...
    t[k + 1] = _mm512_unpackhi_ps(r[k], r[k + 1]);
  }
  for (int a = 0; a < 16; a += 4) {  // r[a + e] lane q: element 4q + e of rows a .. a+3
    r[a] = _mm512_shuffle_ps(t[a], t[a + 2], 0x44);
    r[a + 1] = _mm512_shuffle_ps(t[a], t[a + 2], 0xEE);
    r[a + 2] = _mm512_shuffle_ps(t[a + 1], t[a + 3], 0x44);
    r[a + 3] = _mm512_shuffle_ps(t[a + 1], t[a + 3], 0xEE);
  }
  for (int e = 0; e < 4; ++e) {  // a 4 x 4 transpose of 128-bit lanes
    const __m512 u0 = _mm512_shuffle_f32x4(r[e], r[4 + e], 0x44), u1 = _mm512_shuffle_f32x4(r[e], r[4 + e], 0xEE);
    const __m512 u2 = _mm512_shuffle_f32x4(r[8 + e], r[12 + e], 0x44);
    const __m512 u3 = _mm512_shuffle_f32x4(r[8 + e], r[12 + e], 0xEE);
    t[e] = _mm512_shuffle_f32x4(u0, u2, 0x88);
    t[4 + e] = _mm512_shuffle_f32x4(u0, u2, 0xDD);
    t[8 + e] = _mm512_shuffle_f32x4(u1, u3, 0x88);
    t[12 + e] = _mm512_shuffle_f32x4(u1, u3, 0xDD);
  }
  for (int i = 0; i < 16; ++i) r[i] = t[i];
}

/// The first pass: each group's signed max (the first of largest |x|), its levels at -4/max, the sums in
/// element order; returns the lanes whose max reaches GROUP_MAX_EPS (the others are all-zero groups).
Q3_ATTR __mmask16 q3_start(const float* x, Q3Lanes& s) {
  for (int j = 0; j < 16; ++j) s.x[j] = _mm512_loadu_ps(x + 16 * j);
  transpose16(s.x);
  __m512 amax = _mm512_setzero_ps(), max = _mm512_setzero_ps();
  for (int i = 0; i < 16; ++i) {
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
    __m512 sl2 = _mm512_sub_ps(s.suml2, _mm512_mul_ps(_mm512_mul_ps(s.w[i], s.fl[i]), s.fl[i]));
    const __m512i nl = clamp16(nearest16(_mm512_div_ps(_mm512_mul_ps(s.x[i], sl2), slx)));
    move = _mm512_mask_cmpneq_epi32_mask(move, nl, s.l[i]);
    if (!move) continue;  // most elements keep their level: the sums then stay, and the next element need not wait
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
  __m512 levels[16];  // levels + 4, 0 for the all-zero groups; group j's in levels[j] after the transpose
  for (int i = 0; i < 16; ++i)
    levels[i] = _mm512_castsi512_ps(_mm512_maskz_add_epi32(live, s.l[i], _mm512_set1_epi32(4)));
  transpose16(levels);
  for (int j = 0; j < 16; ++j)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(L + 16 * j), _mm512_cvtepi32_epi8(_mm512_castps_si512(levels[j])));
}

/// q3_K_finish in vectors, in the block's own layout (group j is row j): levels nearest_int((x + 0) / d[j])
/// clamped to -4..3 as Searches::levels computes them (groups with d[j] = 0 keep L and clip), then hmask (bit k
/// of byte m: level 32k + m >= 4) and qs (the low two bits, four elements 32 apart to a byte).
[[gnu::target(NUMSCOPE_QUANTIZE_AVX512)]] void q3_pack(const float* x, const float* d, std::int8_t* L,
                                                        unsigned char* clip, unsigned char* out) {
  for (int j = 0; j < 16; ++j) {
    if (d[j] == 0) continue;
    const __m512i l = nearest16(
        _mm512_div_ps(_mm512_add_ps(_mm512_loadu_ps(x + 16 * j), _mm512_setzero_ps()), _mm512_set1_ps(d[j])));
    const __mmask16 outside = _mm512_cmp_epi32_mask(l, _mm512_set1_epi32(3), _MM_CMPINT_NLE) |
                              _mm512_cmp_epi32_mask(l, _mm512_set1_epi32(-4), _MM_CMPINT_LT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(L + 16 * j),
                     _mm512_cvtepi32_epi8(_mm512_add_epi32(clamp16(l), _mm512_set1_epi32(4))));
    if (clip) _mm_storeu_si128(reinterpret_cast<__m128i*>(clip + 16 * j), _mm_maskz_set1_epi8(outside, 1));
  }
  __m256i hmask = _mm256_setzero_si256(), low[8];
  for (int k = 0; k < 8; ++k) {
    const __m256i lk = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(L + 32 * k));
    hmask = _mm256_mask_add_epi8(hmask, _mm256_test_epi8_mask(lk, _mm256_set1_epi8(4)), hmask,
                                 _mm256_set1_epi8(static_cast<char>(1 << k)));
    low[k] = _mm256_and_si256(lk, _mm256_set1_epi8(3));  // bytes 0..3: 16-bit shifts below stay in their byte
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), hmask);
  for (int h = 0; h < 2; ++h) {
    const __m256i* q = low + 4 * h;
    const __m256i packed = _mm256_or_si256(_mm256_or_si256(q[0], _mm256_slli_epi16(q[1], 2)),
                                           _mm256_or_si256(_mm256_slli_epi16(q[2], 4), _mm256_slli_epi16(q[3], 6)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 + 32 * h), packed);
  }
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

bool q3_K_pack_x16(const float* x, const float* d, std::int8_t* L, unsigned char* clip, unsigned char* out) {
#if defined(__x86_64__)
  if (isa_supported(Isa::kAvx512)) {
    q3_pack(x, d, L, clip, out);
    return true;
  }
#endif
  (void)x, (void)d, (void)L, (void)clip, (void)out;
  return false;
}

}  // namespace numscope::detail
