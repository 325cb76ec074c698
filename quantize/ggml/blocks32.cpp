// Whole segments of the 32-element ggml types (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) in one AVX-512 pass per block: fp64
// in, ggml's bytes, the dequantized values back in fp64, the clip flags. A block is two 16-lane halves (elements
// j and j + 16 share a byte in every layout), every step elementwise as the type's scalar quantizer writes it
// (the block's max, min and largest magnitude are maxima, exact in any order; fp16 d by VCVTPS2PH, round to
// nearest even as float_to_fp16_bits), the values dequantized from the bytes just written. A block whose scale
// is degenerate (an fp32-subnormal d, whose reciprocal may overflow; an infinite element) takes the scalar
// quantizer, and so does every block where the CPU has no AVX-512 (NUMSCOPE_ISA caps it): segment() returns null
// there and the family runs the codec block by block. Segments hold no NaN (the driver masks them).
// The Q8_0 segments also come with their error sums taken in the same loop (SegmentSumsFn), for the analysis.
// Tests: tests/quantize/ggml_vector_test.cpp (== the scalar codec on random and edge data).
#include <algorithm>  // std::min
#include <cmath>    // std::fabs
#include <cstring>  // std::memcpy, std::memset

#if defined(__x86_64__)
#include "numscope/quantize/intrinsics.h"  // <immintrin.h>
#include "numscope/quantize/error_acc_avx512.h"
#endif

#include "numscope/quantize/ggml/ggml.h"

namespace numscope::detail {
#if defined(__x86_64__)
namespace {

#define NUMSCOPE_AVX512 [[gnu::target("avx512f,avx512bw,avx512dq,avx512vl,f16c"), gnu::always_inline]] inline

/// Two halves of one block of fp64 as fp32 (the same correctly rounded conversion as static_cast<float>).
struct Halves {
  __m512 a, b;
};
NUMSCOPE_AVX512 Halves load_block(const double* x) {
  const __m512 a = _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(_mm512_loadu_pd(x))),
                                      _mm512_cvtpd_ps(_mm512_loadu_pd(x + 8)), 1);
  const __m512 b = _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(_mm512_loadu_pd(x + 16))),
                                      _mm512_cvtpd_ps(_mm512_loadu_pd(x + 24)), 1);
  return {a, b};
}
/// A block read from fp32 bytes (little-endian, any alignment: unaligned loads only).
NUMSCOPE_AVX512 Halves load_fp32_block(const unsigned char* p) {
  return {_mm512_loadu_ps(p), _mm512_loadu_ps(p + 64)};
}
NUMSCOPE_AVX512 void store_half(double* y, __m512 v) {
  _mm512_storeu_pd(y, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
  _mm512_storeu_pd(y + 8, _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)));
}
NUMSCOPE_AVX512 float amax_of(const Halves& h) {
  return _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(h.a), _mm512_abs_ps(h.b)));
}
/// The first element (of a then b) of magnitude amax, with its sign; 0 when amax is 0.
NUMSCOPE_AVX512 float first_of_magnitude(const Halves& h, float amax) {
  if (!(amax > 0)) return 0;
  const __m512 m = _mm512_set1_ps(amax);
  const std::uint32_t hits = _mm512_cmp_ps_mask(_mm512_abs_ps(h.a), m, _CMP_EQ_OQ) |
                             static_cast<std::uint32_t>(_mm512_cmp_ps_mask(_mm512_abs_ps(h.b), m, _CMP_EQ_OQ)) << 16;
  if (hits == 0) return 0;  // not reached: amax is one of the magnitudes
  float x[32];
  _mm512_storeu_ps(x, h.a);
  _mm512_storeu_ps(x + 16, h.b);
  return x[__builtin_ctz(hits)];
}
/// The fp16 d of a block stored little-endian, and the value read back.
NUMSCOPE_AVX512 float store_half_float(unsigned char* out, float v) {
  const std::uint16_t bits = _cvtss_sh(v, _MM_FROUND_TO_NEAREST_INT);
  out[0] = static_cast<unsigned char>(bits & 0xff);
  out[1] = static_cast<unsigned char>(bits >> 8);
  return _cvtsh_ss(bits);
}
NUMSCOPE_AVX512 void store_bytes(unsigned char* out, __m512i v) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm512_cvtepi32_epi8(v));
}
NUMSCOPE_AVX512 __m512i nibbles(__m512i lo, __m512i hi) {
  return _mm512_or_si512(_mm512_and_si512(lo, _mm512_set1_epi32(0x0f)),
                         _mm512_slli_epi32(_mm512_and_si512(hi, _mm512_set1_epi32(0x0f)), 4));
}
/// Q5's layout: the low four bits as nibbles in qs, the fifth bit of element j in bit j of the u32 at qh.
NUMSCOPE_AVX512 void pack5(__m512i la, __m512i lb, unsigned char* qh, unsigned char* qs) {
  store_bytes(qs, nibbles(la, lb));
  const __m512i bit = _mm512_set1_epi32(0x10);
  const std::uint32_t h = _mm512_test_epi32_mask(la, bit) | static_cast<std::uint32_t>(_mm512_test_epi32_mask(lb, bit)) << 16;
  std::memcpy(qh, &h, 4);  // little-endian, as pack5
}
/// The levels of a Q5 block from its bytes.
NUMSCOPE_AVX512 void unpack5(const unsigned char* qh, const unsigned char* qs, __m512i& qa, __m512i& qb) {
  std::uint32_t h;
  std::memcpy(&h, qh, 4);
  const __m512i q = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
  const __m512i sixteen = _mm512_set1_epi32(16);
  qa = _mm512_mask_or_epi32(_mm512_and_si512(q, _mm512_set1_epi32(0x0f)), static_cast<__mmask16>(h),
                            _mm512_and_si512(q, _mm512_set1_epi32(0x0f)), sixteen);
  qb = _mm512_mask_or_epi32(_mm512_srli_epi32(q, 4), static_cast<__mmask16>(h >> 16), _mm512_srli_epi32(q, 4), sixteen);
}
NUMSCOPE_AVX512 void clip_bytes(unsigned char* clip, __mmask16 a, __mmask16 b) {
  const __m512i one = _mm512_set1_epi32(1);
  store_bytes(clip, _mm512_maskz_mov_epi32(a, one));
  store_bytes(clip + 16, _mm512_maskz_mov_epi32(b, one));
}
/// C's (int8_t) of an int32: its low byte, sign-extended.
NUMSCOPE_AVX512 __m512i low_i8(__m512i v) { return _mm512_srai_epi32(_mm512_slli_epi32(v, 24), 24); }

// Each kernel: one block to `out`, the dequantized halves in ya / yb and the clip flags; false (nothing usable
// written) where the block needs the scalar quantizer.

/// quantize_row_q8_0_ref's scale of a block: d = amax/127 stored as fp16 at out, id = 1/d, and fp16(d) read
/// back; false where the block needs the scalar quantizer (an fp32-subnormal d: |x·id| may reach 127.5).
NUMSCOPE_AVX512 bool q8_0_scale(const Halves& h, unsigned char* out, float& id, float& dd) {
  const float amax = amax_of(h);
  const float d = amax / ((1 << 7) - 1);
  id = d != 0.0f ? 1.0f / d : 0.0f;
  if (!(amax * id < 127.5f)) return false;
  if (out) {
    dd = store_half_float(out, d);
  } else {
    dd = _cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT));
  }
  return true;
}
/// q = roundf(x·id) (ties away) into the block's bytes, y = q·dd.
NUMSCOPE_AVX512 void q8_0_levels(const Halves& h, float id, float dd, unsigned char* out, __m512& ya, __m512& yb) {
  const __m512 vid = _mm512_set1_ps(id), vdd = _mm512_set1_ps(dd);
  const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
  const __m512 xs[2] = {h.a, h.b};
  __m512* ys[2] = {&ya, &yb};
  for (int k = 0; k < 2; ++k) {
    const __m512 x0 = _mm512_mul_ps(xs[k], vid), t = _mm512_abs_ps(x0);
    __m512 r = _mm512_roundscale_ps(t, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);  // the truncation, as a float
    r = _mm512_mask_add_ps(r, _mm512_cmp_ps_mask(_mm512_sub_ps(t, r), half, _CMP_GE_OQ), r, one);
    // r | (x0 & sign): one VPTERNLOGD.
    const __m512i signed_r = _mm512_ternarylogic_epi32(_mm512_castps_si512(r), _mm512_castps_si512(x0),
                                                       _mm512_set1_epi32(INT32_MIN), 0xf8);
    const __m512i q = _mm512_cvttps_epi32(_mm512_castsi512_ps(signed_r));
    if (out) store_bytes(out + 2 + 16 * k, q);
    *ys[k] = _mm512_mul_ps(_mm512_cvtepi32_ps(q), vdd);  // from the integer: a level 0 is +0, as ggml's
  }
}
/// quantize_row_q8_0_ref: d = amax/127, q = roundf(x·(1/d)) (ties away), y = q·fp16(d).
NUMSCOPE_AVX512 bool q8_0_kernel(const Halves& h, unsigned char* out, __m512& ya, __m512& yb, unsigned char* clip) {
  float id, dd;
  if (!q8_0_scale(h, out, id, dd)) return false;
  q8_0_levels(h, id, dd, out, ya, yb);
  std::memset(clip, 0, 32);
  return true;
}

/// quantize_row_q4_0_ref: d = max/-8 (max the first element of largest magnitude), q = min(15, (int8)(x·(1/d) +
/// 8.5f)), y = (q - 8)·fp16(d).
NUMSCOPE_AVX512 bool q4_0_kernel(const Halves& h, unsigned char* out, __m512& ya, __m512& yb, unsigned char* clip) {
  const float amax = amax_of(h), max = first_of_magnitude(h, amax);
  const float d = max / -8;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  if (!(amax * std::fabs(id) < 64.0f)) return false;  // q4_0.cpp's own test: every x·id + 8.5 in (-56, 73)
  const __m512 vid = _mm512_set1_ps(id), off = _mm512_set1_ps(8.5f);
  const __m512i ta = _mm512_cvttps_epi32(_mm512_add_ps(_mm512_mul_ps(h.a, vid), off));
  const __m512i tb = _mm512_cvttps_epi32(_mm512_add_ps(_mm512_mul_ps(h.b, vid), off));
  const __m512i fifteen = _mm512_set1_epi32(15);
  const __m512i qa = _mm512_min_epi32(ta, fifteen), qb = _mm512_min_epi32(tb, fifteen);
  const __m512 dd = _mm512_set1_ps(store_half_float(out, d)), eight = _mm512_set1_ps(8.0f);
  store_bytes(out + 2, nibbles(qa, qb));
  clip_bytes(clip, _mm512_cmpgt_epi32_mask(ta, fifteen), _mm512_cmpgt_epi32_mask(tb, fifteen));
  ya = _mm512_mul_ps(_mm512_sub_ps(_mm512_cvtepi32_ps(qa), eight), dd);
  yb = _mm512_mul_ps(_mm512_sub_ps(_mm512_cvtepi32_ps(qb), eight), dd);
  return true;
}

/// block_min_max: the minimum and maximum of the block.
NUMSCOPE_AVX512 void min_max(const Halves& h, float& min, float& max) {
  min = _mm512_reduce_min_ps(_mm512_min_ps(h.a, h.b));
  max = _mm512_reduce_max_ps(_mm512_max_ps(h.a, h.b));
}

/// quantize_row_q4_1_ref: d = (max - min)/15, q = min(15, (int8)((x - min)·(1/d) + 0.5f)),
/// y = q·fp16(d) + fp16(min).
NUMSCOPE_AVX512 bool q4_1_kernel(const Halves& h, unsigned char* out, __m512& ya, __m512& yb, unsigned char* clip) {
  float min, max;
  min_max(h, min, max);
  const float d = (max - min) / 15;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  // Every (x - min)·id + 0.5 lies in [0.5, (max - min)·id + 0.5] (each step is monotonic): below 2^31 (not
  // NaN), C's (int8_t) is the truncation's low byte, as trunc_i8 writes it.
  if (!((max - min) * id + 0.5f < 2147483648.0f)) return false;
  const __m512 vid = _mm512_set1_ps(id), vmin = _mm512_set1_ps(min), half = _mm512_set1_ps(0.5f);
  const __m512i ta = low_i8(_mm512_cvttps_epi32(_mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(h.a, vmin), vid), half)));
  const __m512i tb = low_i8(_mm512_cvttps_epi32(_mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(h.b, vmin), vid), half)));
  const __m512i fifteen = _mm512_set1_epi32(15);
  const __m512 dd = _mm512_set1_ps(store_half_float(out, d)), m = _mm512_set1_ps(store_half_float(out + 2, min));
  // The byte is min(15, q0) | min(15, q1) << 4 in int arithmetic, as q4_1.cpp writes it (a negative q stays so).
  const __m512i qa = _mm512_min_epi32(ta, fifteen), qb = _mm512_min_epi32(tb, fifteen);
  const __m512i byte = _mm512_or_si512(qa, _mm512_slli_epi32(qb, 4));
  store_bytes(out + 4, byte);
  clip_bytes(clip, _mm512_cmpgt_epi32_mask(ta, fifteen), _mm512_cmpgt_epi32_mask(tb, fifteen));
  const __m512i lo = _mm512_and_si512(byte, fifteen), hi = _mm512_and_si512(_mm512_srli_epi32(byte, 4), fifteen);
  ya = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(lo), dd), m);
  yb = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(hi), dd), m);
  return true;
}

/// quantize_row_q5_0_ref: d = max/-16, q = min(31, (int8)(x·(1/d) + 16.5f)), y = (q - 16)·fp16(d).
NUMSCOPE_AVX512 bool q5_0_kernel(const Halves& h, unsigned char* out, __m512& ya, __m512& yb, unsigned char* clip) {
  const float amax = amax_of(h), max = first_of_magnitude(h, amax);
  const float d = max / -16;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  // Every |x·id| <= amax·|id| (monotonic): below 2^30, every x·id + 16.5 truncates to an int32, whose low byte
  // is trunc_i8.
  if (!(amax * std::fabs(id) < 1073741824.0f)) return false;
  const __m512 vid = _mm512_set1_ps(id), off = _mm512_set1_ps(16.5f);
  const __m512 ta = _mm512_add_ps(_mm512_mul_ps(h.a, vid), off), tb = _mm512_add_ps(_mm512_mul_ps(h.b, vid), off);
  const __m512i k31 = _mm512_set1_epi32(31), mask8 = _mm512_set1_epi32(0xff);
  const __m512i la = _mm512_and_si512(_mm512_min_epi32(low_i8(_mm512_cvttps_epi32(ta)), k31), mask8);
  const __m512i lb = _mm512_and_si512(_mm512_min_epi32(low_i8(_mm512_cvttps_epi32(tb)), k31), mask8);
  const __m512 dd = _mm512_set1_ps(store_half_float(out, d));
  pack5(la, lb, out + 2, out + 6);
  const __m512 k32 = _mm512_set1_ps(32.0f);
  clip_bytes(clip, _mm512_cmpeq_epi32_mask(la, k31) & _mm512_cmp_ps_mask(ta, k32, _CMP_GE_OQ),
             _mm512_cmpeq_epi32_mask(lb, k31) & _mm512_cmp_ps_mask(tb, k32, _CMP_GE_OQ));
  __m512i qa, qb;
  unpack5(out + 2, out + 6, qa, qb);
  const __m512i sixteen = _mm512_set1_epi32(16);
  ya = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(qa, sixteen)), dd);
  yb = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(qb, sixteen)), dd);
  return true;
}

/// quantize_row_q5_1_ref: d = (max - min)/31, q = (uint8)((x - min)·(1/d) + 0.5f), y = q·fp16(d) + fp16(min).
NUMSCOPE_AVX512 bool q5_1_kernel(const Halves& h, unsigned char* out, __m512& ya, __m512& yb, unsigned char* clip) {
  float min, max;
  min_max(h, min, max);
  const float d = (max - min) / 31;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  if (!((max - min) * id + 0.5f < 2147483648.0f)) return false;  // as Q4_1: every lane truncates to an int32
  const __m512 vid = _mm512_set1_ps(id), vmin = _mm512_set1_ps(min), half = _mm512_set1_ps(0.5f);
  const __m512i mask8 = _mm512_set1_epi32(0xff);  // trunc_u8
  const __m512i la = _mm512_and_si512(_mm512_cvttps_epi32(_mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(h.a, vmin), vid), half)), mask8);
  const __m512i lb = _mm512_and_si512(_mm512_cvttps_epi32(_mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(h.b, vmin), vid), half)), mask8);
  const __m512 dd = _mm512_set1_ps(store_half_float(out, d)), m = _mm512_set1_ps(store_half_float(out + 2, min));
  pack5(la, lb, out + 4, out + 8);
  const __m512i k31 = _mm512_set1_epi32(31);
  clip_bytes(clip, _mm512_cmpgt_epi32_mask(la, k31), _mm512_cmpgt_epi32_mask(lb, k31));
  __m512i qa, qb;
  unpack5(out + 4, out + 8, qa, qb);
  ya = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(qa), dd), m);
  yb = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(qb), dd), m);
  return true;
}

/// Every block of a segment through a kernel, the scalar codec where it declines.
template <bool (*kernel)(const Halves&, unsigned char*, __m512&, __m512&, unsigned char*)>
NUMSCOPE_AVX512 void run_blocks(const GgmlCodec& c, const double* x, std::uint64_t nb,
                                              unsigned char* out, double* y, unsigned char* clip) {
  const std::uint64_t bytes = c.type->bytes;
  for (std::uint64_t k = 0; k < nb; ++k, x += 32, y += 32, out += bytes, clip += 32) {
    const Halves h = load_block(x);
    __m512 ya, yb;
    if (!kernel(h, out, ya, yb, clip)) {
      float xf[32], yf[32];
      _mm512_storeu_ps(xf, h.a);
      _mm512_storeu_ps(xf + 16, h.b);
      c.quantize(xf, out, clip);
      c.dequantize(out, yf);
      ya = _mm512_loadu_ps(yf);
      yb = _mm512_loadu_ps(yf + 16);
    }
    store_half(y, ya);
    store_half(y + 16, yb);
  }
}

#define NUMSCOPE_SEGMENT(T, CODEC)                                                                           \
  [[gnu::target("avx512f,avx512bw,avx512dq,avx512vl,f16c")]] void T##_avx512(                                 \
      const double* x, std::uint64_t nb, unsigned char* o, double* y, unsigned char* c) {                    \
    run_blocks<T##_kernel>(CODEC, x, nb, o, y, c);                                                           \
  }
NUMSCOPE_SEGMENT(q8_0, kQ8_0Codec)
NUMSCOPE_SEGMENT(q4_0, kQ4_0Codec)
NUMSCOPE_SEGMENT(q4_1, kQ4_1Codec)
NUMSCOPE_SEGMENT(q5_0, kQ5_0Codec)
NUMSCOPE_SEGMENT(q5_1, kQ5_1Codec)
#undef NUMSCOPE_SEGMENT
/// Q8_0's run_blocks_sums in two passes over groups of blocks: every block's scale first (the chain amax ->
/// d -> 1/d of one block is long; the blocks' chains overlap when nothing waits for them), then the levels and
/// the sums. The same operations per block as q8_0_kernel, so the same bits. The blocks as fp32 come from
/// `fp32` where given (x widened from them), else from converting x, kept for the second pass.
template <bool OwnInv>
NUMSCOPE_AVX512 bool q8_0_sums(const double* x, std::uint64_t nb, unsigned char* o, const double* inv, Lanes& t,
                               const unsigned char* fp32) {
  constexpr std::uint64_t kGroup = 64;
  const std::uint64_t bytes = kQ8_0Codec.type->bytes;
  ErrorAcc acc;
  acc.load(t);
  std::uint64_t clipped = 0;
  float id[kGroup], dd[kGroup];
  bool ok[kGroup];
  alignas(64) float xf32[kGroup][32];  // the blocks as fp32, kept from the first pass (L1)
  for (std::uint64_t g = 0; g < nb; g += kGroup) {
    const std::uint64_t m = std::min(kGroup, nb - g);
    for (std::uint64_t k = 0; k < m; ++k) {
      Halves h;
      if (fp32) {
        h = load_fp32_block(fp32 + 128 * (g + k));
      } else {
        h = load_block(x + 32 * (g + k));
        _mm512_store_ps(xf32[k], h.a);
        _mm512_store_ps(xf32[k] + 16, h.b);
      }
      ok[k] = q8_0_scale(h, o ? o + bytes * (g + k) : nullptr, id[k], dd[k]);
    }
    for (std::uint64_t k = 0; k < m; ++k) {
      const std::uint64_t b = g + k;
      const Halves h = fp32 ? load_fp32_block(fp32 + 128 * b) : Halves{_mm512_load_ps(xf32[k]), _mm512_load_ps(xf32[k] + 16)};
      __m512 ys[2];
      if (ok[k]) {
        q8_0_levels(h, id[k], dd[k], o ? o + bytes * b : nullptr, ys[0], ys[1]);
      } else {
        float yf[32];
        unsigned char clip[32], block[34];
        unsigned char* ob = o ? o + bytes * b : block;
        _mm512_store_ps(xf32[k], h.a);  // (again, where h came from fp32)
        _mm512_store_ps(xf32[k] + 16, h.b);
        kQ8_0Codec.quantize(xf32[k], ob, clip);
        kQ8_0Codec.dequantize(ob, yf);
        for (unsigned char c : clip) clipped += c;
        ys[0] = _mm512_loadu_ps(yf);
        ys[1] = _mm512_loadu_ps(yf + 16);
      }
      for (int q = 0; q < 4; ++q) {
        const __m512d X = _mm512_loadu_pd(x + 32 * b + 8 * q);
        const __m256 half = q % 2 == 0 ? _mm512_castps512_ps256(ys[q / 2]) : _mm512_extractf32x8_ps(ys[q / 2], 1);
        acc.add(X, _mm512_cvtps_pd(half), OwnInv ? inverse_abs(X) : _mm512_loadu_pd(inv + 32 * b + 8 * q));
      }
    }
  }
  if (!acc.store_if_finite(t)) return false;
  t.clipped += clipped;
  return true;
}
[[gnu::target("avx512f,avx512bw,avx512dq,avx512vl,f16c")]] bool q8_0_sums_avx512(const double* x, std::uint64_t nb,
                                                                                 unsigned char* o, const double* inv,
                                                                                 Lanes& t, const unsigned char* fp32) {
  return inv ? q8_0_sums<false>(x, nb, o, inv, t, fp32) : q8_0_sums<true>(x, nb, o, inv, t, fp32);
}
#undef NUMSCOPE_AVX512

}  // namespace
#endif

#if defined(__x86_64__)
#define AVX512_OR_NULL(T) isa == Isa::kAvx512 ? T##_avx512 : nullptr
#else
#define AVX512_OR_NULL(T) ((void)isa, nullptr)
#endif
SegmentFn q8_0_segment(Isa isa) { return AVX512_OR_NULL(q8_0); }
SegmentFn q4_0_segment(Isa isa) { return AVX512_OR_NULL(q4_0); }
SegmentFn q4_1_segment(Isa isa) { return AVX512_OR_NULL(q4_1); }
SegmentFn q5_0_segment(Isa isa) { return AVX512_OR_NULL(q5_0); }
SegmentFn q5_1_segment(Isa isa) { return AVX512_OR_NULL(q5_1); }
SegmentSumsFn q8_0_segment_sums(Isa isa) { return AVX512_OR_NULL(q8_0_sums); }
#undef AVX512_OR_NULL

}  // namespace numscope::detail
