// The AVX-512 builds of the quantize kernels (kernels.h, lanes.h), written with intrinsics: GCC 12 compiles the
// comparisons of 512-bit vector-extension types element by element, and these loops want AVX-512's mask
// registers. Each computes what its SSE2 / AVX2 template computes, operation for operation, so the bits are
// the same (tests compare every build on the same data: check_element_rounding, the error-sum tests).
#include "numscope/quantize/intrinsics.h"  // <immintrin.h>

#include <algorithm>  // std::min, std::max
#include <cmath>      // std::fabs
#include <limits>     // std::numeric_limits

#include "numscope/quantize/kernels_avx512.h"
#include "numscope/quantize/block_kernels.h"
#include "numscope/quantize/error_acc_avx512.h"

namespace numscope::detail {
namespace {

#define NUMSCOPE_AVX512_FN [[gnu::target(NUMSCOPE_QUANTIZE_AVX512)]]

NUMSCOPE_AVX512_FN inline __m512d sign_of(__m512d v) {
  return _mm512_castsi512_pd(_mm512_and_si512(_mm512_castpd_si512(v), _mm512_set1_epi64(INT64_MIN)));
}
NUMSCOPE_AVX512_FN inline __m512d or_pd(__m512d a, __m512d b) {
  return _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(a), _mm512_castpd_si512(b)));
}
template <ScaleOp Op>
NUMSCOPE_AVX512_FN inline __m512d apply(__m512d x, __m512d s) {
  if constexpr (Op == ScaleOp::kMul) return _mm512_mul_pd(x, s);
  else if constexpr (Op == ScaleOp::kDiv) return _mm512_div_pd(x, s);
  else return x;
}
/// The clipped flags of 8 lanes as bytes: 2 where `out`, else 1 where `clipped`, else 0.
NUMSCOPE_AVX512_FN inline void store_flags(unsigned char* clip, __mmask8 out, __mmask8 clipped) {
  const __m128i f = _mm_mask_mov_epi8(_mm_maskz_mov_epi8(clipped, _mm_set1_epi8(1)), out, _mm_set1_epi8(2));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(clip), f);
}



/// The constants of rne_avx512's rounding.
struct RneConsts {
  __m512i exp_mask, up_base, m_field, c_shift;
  __m512d magic, min_normal, zero, hi, lo, limit, near_half, fast_limit, sat_clip, sat_safe_lo, sat_safe_hi;
  bool negzero;
  bool narrow;  // integers whose range lies inside (-2^20, 2^20) (round8_int_safe)
};
/// One vector of a rounding: the result before post(), the lanes it cannot round, the clipped ones, and (Check)
/// the lanes where x is within 2^-30 of a rounding boundary of the grid, or beyond fast_limit (see rne_avx512).
/// (Passed by reference and inlined: GCC 12 spills a returned struct of a vector and masks to the stack.)
struct Rounded {
  __m512d r;
  __mmask8 out = 0, clipped = 0, unsafe = 0;
};
template <bool Integer, bool Check>
[[gnu::always_inline]] NUMSCOPE_AVX512_FN inline void round8(const RneConsts& k, __m512d x, Rounded& o) {
  const __m512d a = _mm512_abs_pd(x);
  __m512d u, q;  // x in units of the grid's quantum (|x| for integers), and it rounded to nearest even
  if constexpr (Integer) {
    o.out = _mm512_cmp_pd_mask(a, k.limit, _CMP_NLT_UQ);  // ~(a < 2^51): NaN too
    u = a;
    q = _mm512_sub_pd(_mm512_add_pd(a, k.magic), k.magic);
    __m512d r = or_pd(q, sign_of(x));
    const __mmask8 above = _mm512_cmp_pd_mask(r, k.hi, _CMP_GT_OQ), below = _mm512_cmp_pd_mask(r, k.lo, _CMP_LT_OQ);
    o.clipped = above | below;
    r = _mm512_mask_mov_pd(r, above, k.hi);
    r = _mm512_mask_mov_pd(r, below, k.lo);
    o.r = _mm512_add_pd(r, k.zero);  // integers have no -0
  } else {
    o.out = _mm512_cmp_pd_mask(a, k.limit, _CMP_NLE_UQ);  // ~(a <= sat_limit): NaN too
    const __m512d c = _mm512_max_pd(a, k.min_normal);  // a > min_normal ? a : min_normal (NaN: min_normal)
    const __m512i e_field = _mm512_and_si512(_mm512_castpd_si512(c), k.exp_mask);
    // The magnitude is rounded and the sign put back at the end (rounding to nearest even is symmetric): t =
    // |x|·2^(m-e) <= 2^(m+1) on the lanes kept, so (t + 2^52) - 2^52 is rint_even(t); q·2^(e-m) is exact.
    // Saturating codecs give max beyond max_finite: min(r, max) is that, as the grid rounds every value up to
    // max to at most max and every value beyond it to at least max (clipped past the tie above it,
    // GridParams::sat_limit).
    __m512d r;
    if constexpr (Check) {  // the distance to the boundary is wanted in quanta: scaled to them
      const __m512d up = _mm512_castsi512_pd(_mm512_sub_epi64(k.up_base, e_field));
      const __m512d down = _mm512_castsi512_pd(_mm512_sub_epi64(e_field, k.m_field));
      const __m512d t = _mm512_mul_pd(a, up);
      u = t;
      q = _mm512_sub_pd(_mm512_add_pd(t, k.magic), k.magic);
      r = _mm512_mul_pd(q, down);
    } else {
      // The same in place: with C = 2^(e+52-m), whose ulp is the quantum 2^(e-m), |x| + C lies in C's binade
      // (|x| < 2^(e+1) <= C/2, as m <= 50) and rounds there to C + |x| rounded to nearest even on the grid, a
      // multiple of the quantum whose parity is the last bit of the sum; subtracting C is exact. |x| <= 2^900
      // (RneConsts::limit) keeps C finite.
      const __m512d big = _mm512_castsi512_pd(_mm512_add_epi64(e_field, k.c_shift));
      r = _mm512_sub_pd(_mm512_add_pd(a, big), big);
    }
    r = _mm512_min_pd(r, k.hi);
    // r | (x & sign): the sign of x on r, -0 for a negative x that rounds to 0 (x·up has x's sign).
    o.r = _mm512_castsi512_pd(_mm512_ternarylogic_epi64(_mm512_castpd_si512(r), _mm512_castpd_si512(x),
                                                        _mm512_set1_epi64(INT64_MIN), 0xf8));
    if (!k.negzero) o.r = _mm512_add_pd(o.r, k.zero);  // -0 + 0 = +0 in round to nearest
    o.clipped = _mm512_cmp_pd_mask(a, k.sat_clip, _CMP_GT_OQ);
  }
  if constexpr (Check) {
    const __mmask8 sat_safe = _mm512_cmp_pd_mask(a, k.sat_safe_lo, _CMP_GT_OQ) &
                              _mm512_cmp_pd_mask(a, k.sat_safe_hi, _CMP_LT_OQ);
    o.unsafe = _mm512_cmp_pd_mask(_mm512_abs_pd(_mm512_sub_pd(u, q)), k.near_half, _CMP_NLT_UQ) |
               (_mm512_cmp_pd_mask(a, k.fast_limit, _CMP_NLT_UQ) & static_cast<__mmask8>(~sat_safe));
  }
}

/// kernels.cpp's rne_kernel: the same operations in the same order, on 8 lanes with mask registers, except that
/// pre() = x / s is first tried as t = x · (1/s) (a division costs as much as the rest of the loop). With
/// 1/s and t each rounded, |t - x/s| <= |x/s|·2^-51.9; where |t| < fast_limit (2^20, or just below max_finite
/// for a float grid of m <= 20 bits, whose quantum is then at least |t|·2^-21) that is under 2^-30 quanta.
/// So where t's distance to the nearest integer number of quanta is under 1/2 - 2^-30, x/s rounds to that same
/// integer (and is no tie): the same result, the same flags. When t and x/s lie in different binades of the
/// grid, both are within 2^-50 of the power of two between them and both round to it. Vectors with any other
/// lane divide, as do scales whose reciprocal could be subnormal or overflow.
template <bool Integer>
NUMSCOPE_AVX512_FN inline RneConsts rne_consts(const GridParams& p) {
  RneConsts k;
  k.exp_mask = _mm512_set1_epi64(0x7ff0000000000000LL);
  k.up_base = _mm512_set1_epi64(static_cast<long long>(static_cast<std::uint64_t>(2046 + p.m) << 52));
  k.m_field = _mm512_set1_epi64(static_cast<long long>(static_cast<std::uint64_t>(p.m) << 52));
  k.c_shift = _mm512_set1_epi64(static_cast<long long>(static_cast<std::uint64_t>(52 - p.m) << 52));
  k.magic = _mm512_set1_pd(0x1p52), k.min_normal = _mm512_set1_pd(p.min_normal), k.zero = _mm512_setzero_pd();
  k.hi = _mm512_set1_pd(p.max_finite), k.lo = _mm512_set1_pd(p.min_int);
  // Floats beyond 2^900 (a saturating codec's huge values, or a wide user format's) go to the engine: round8's
  // 2^(e+52-m) must not overflow.
  k.limit = _mm512_set1_pd(Integer ? 0x1p51 : std::min(p.sat_limit, 0x1p900));
  k.sat_clip = _mm512_set1_pd(p.sat_clip);
  // Saturating: t with max·(1 + 2^-30) < |t| < sat_clip·(1 - 2^-30) has x/s beyond max and below sat_clip too,
  // so x·(1/s) gives the same ±max, unflagged (NVFP4's largest elements: |x/s| in [5.6, 6.4]). Empty otherwise.
  k.sat_safe_lo = _mm512_set1_pd(p.max_finite * (1 + 0x1p-30));
  k.sat_safe_hi = _mm512_set1_pd(!Integer && p.sat_limit > p.max_finite ? p.sat_clip * (1 - 0x1p-30) : 0.0);
  k.near_half = _mm512_set1_pd(0.5 - 0x1p-30);
  k.fast_limit = _mm512_set1_pd(Integer ? 0x1p20 : p.max_finite * (1 - 0x1p-30));
  k.negzero = p.negzero;
  k.narrow = Integer && p.max_finite < 0x1p20 && p.min_int > -0x1p20;
  return k;
}
/// Whether pre() = x / s may go through x·(1/s) (see rne_avx512): a scale whose reciprocal is a normal number, and
/// a grid of at most 20 bits.
template <bool Integer, ScaleOp Pre>
bool divides_by_reciprocal(const GridParams& p, const Affine& s) {
  return Pre == ScaleOp::kDiv && std::fabs(s.a) >= 0x1p-1000 && std::fabs(s.a) <= 0x1p1000 && (Integer || p.m <= 20);
}
/// round8 of pre(xv); Rounded::r keeps pre(xv) in the lanes it cannot round.
/// round8<true, true> where every lane is safe, in fewer operations: with |t| < 2^20, (t + 1.5·2^52) - 1.5·2^52
/// is t rounded to the nearest even integer with its sign (and +0, never -0: integers have none), so the
/// magnitude/sign split, the -0 fix and the NaN / 2^51 test are not needed; clamping by min/max, clipped where
/// that changed the value. When a lane is unsafe, o.unsafe says so and the caller redoes the vector.
/// `Narrow`: the range [min_int, max] lies inside (-2^20, 2^20), so a lane with |t| >= 2^20 clamps whatever
/// x/s rounds to (|x/s| > 2^20 - 2^-31 too), to the same end and clipped, as the engine saturates the values
/// past 2^51 the full path leaves to it (inf included); only the tie test is needed then (NaN fails it).
template <bool Narrow>
[[gnu::always_inline]] NUMSCOPE_AVX512_FN inline void round8_int_safe(const RneConsts& k, __m512d t, Rounded& o) {
  const __m512d magic = _mm512_set1_pd(0x1.8p52);
  const __m512d q = _mm512_sub_pd(_mm512_add_pd(t, magic), magic);
  o.unsafe = _mm512_cmp_pd_mask(_mm512_abs_pd(_mm512_sub_pd(t, q)), k.near_half, _CMP_NLT_UQ);
  if constexpr (!Narrow) o.unsafe |= _mm512_cmp_pd_mask(_mm512_abs_pd(t), k.fast_limit, _CMP_NLT_UQ);
  o.r = _mm512_min_pd(_mm512_max_pd(q, k.lo), k.hi);
  o.clipped = _mm512_cmp_pd_mask(o.r, q, _CMP_NEQ_UQ);
  o.out = 0;
}

template <bool Integer, ScaleOp Pre>
[[gnu::always_inline]] NUMSCOPE_AVX512_FN inline void rne8(const RneConsts& k, __m512d xv, __m512d sa,
                                                           __m512d inv_a, bool by_reciprocal, Rounded& o) {
  __m512d x;
  if (by_reciprocal) {
    x = _mm512_mul_pd(xv, inv_a);
    if constexpr (Integer) k.narrow ? round8_int_safe<true>(k, x, o) : round8_int_safe<false>(k, x, o);
    else round8<Integer, true>(k, x, o);
    if (o.unsafe) x = _mm512_div_pd(xv, sa), round8<Integer, false>(k, x, o);
  } else {
    x = apply<Pre>(xv, sa);
    round8<Integer, false>(k, x, o);
  }
  if (o.out) o.r = _mm512_mask_mov_pd(o.r, o.out, x);
}

/// kernels.cpp's rne_kernel: the same operations in the same order, on 8 lanes with mask registers, except that
/// pre() = x / s is first tried as t = x · (1/s) (a division costs as much as the rest of the loop). With
/// 1/s and t each rounded, |t - x/s| <= |x/s|·2^-51.9; where |t| < fast_limit (2^20, or just below max_finite
/// for a float grid of m <= 20 bits, whose quantum is then at least |t|·2^-21) that is under 2^-30 quanta.
/// So where t's distance to the nearest integer number of quanta is under 1/2 - 2^-30, x/s rounds to that same
/// integer (and is no tie): the same result, the same flags. When t and x/s lie in different binades of the
/// grid, both are within 2^-50 of the power of two between them and both round to it. Vectors with any other
/// lane divide, as do scales whose reciprocal could be subnormal or overflow.
template <bool Integer, ScaleOp Pre, ScaleOp Post>
NUMSCOPE_AVX512_FN bool rne_avx512(const GridParams& p, const Affine& s, const double* v, double* out,
                                   unsigned char* clip, std::uint64_t n) {
  const RneConsts k = rne_consts<Integer>(p);
  const __m512d sa = _mm512_set1_pd(s.a), sb = _mm512_set1_pd(s.b);
  const bool by_reciprocal = divides_by_reciprocal<Integer, Pre>(p, s);
  const __m512d inv_a = _mm512_set1_pd(1.0 / s.a);
  __mmask8 outside = 0;
  for (std::uint64_t i = 0; i < n; i += 8) {
    Rounded o;
    rne8<Integer, Pre>(k, _mm512_loadu_pd(v + i), sa, inv_a, by_reciprocal, o);
    outside |= o.out;
    _mm512_storeu_pd(out + i, _mm512_mask_mov_pd(apply<Post>(o.r, sb), o.out, o.r));
    store_flags(clip + i, o.out, o.clipped & static_cast<__mmask8>(~o.out));
  }
  return outside != 0;
}

/// Rounds the lanes of o the kernel cannot (o.r holds pre(v) there) as Codec::round_n redoes them; returns how
/// many of them clipped. Out of line: it is rare, and the loop keeps its registers.
[[gnu::noinline]] NUMSCOPE_AVX512_FN std::uint64_t fix_lanes(Rounded& o, const Fixup& fix) {
  alignas(64) double r[8];
  _mm512_store_pd(r, o.r);
  std::uint64_t clipped = 0;
  for (int l = 0; l < 8; ++l)
    if ((o.out >> l) & 1) {
      unsigned char c = 0;
      r[l] = fix.round(fix.codec, r[l], c);
      clipped += c;
    }
  o.r = _mm512_load_pd(r);
  o.clipped &= static_cast<__mmask8>(~o.out);
  return clipped;
}

/// rne_avx512 with Lanes::add_error's sums of y against v taken in the same loop (error_sums_finite_avx512's
/// operations, in its order), instead of storing y and the flags; the lanes rne_avx512 leaves to the caller
/// (clip 2) are rounded by `fix` in the loop. Returns false, leaving t untouched, when a sum of y² or e² is not
/// finite: the caller then runs the two loops apart.
/// `OwnInv`: inv is not given (null); 1/|v| is taken in the loop (inverse_abs), where the divider works beside
/// the rounding instead of in a pass of its own.
template <bool Integer, ScaleOp Pre, ScaleOp Post, bool OwnInv>
NUMSCOPE_AVX512_FN bool rne_sums_avx512(const GridParams& p, const Affine& s, const double* v, const double* inv,
                                        std::uint64_t n, Lanes& t, const Fixup& fix) {
  RneConsts k = rne_consts<Integer>(p);
  const __m512d sa = _mm512_set1_pd(s.a), sb = _mm512_set1_pd(s.b);
  const bool by_reciprocal = divides_by_reciprocal<Integer, Pre>(p, s);
  const __m512d inv_a = _mm512_set1_pd(1.0 / s.a);
  ErrorAcc acc;
  acc.load(t);
  std::uint64_t clipped = 0;
  for (std::uint64_t i = 0; i < n; i += 8) {
    const __m512d X = _mm512_loadu_pd(v + i);
    Rounded o;
    rne8<Integer, Pre>(k, X, sa, inv_a, by_reciprocal, o);
    if (o.out) {  // a copy goes to fix_lanes: o itself then stays in registers (no stores of its masks)
      Rounded f = o;
      clipped += fix_lanes(f, fix);
      o = f;
    }
    const __m512d Y = apply<Post>(o.r, sb);
    clipped += static_cast<std::uint64_t>(__builtin_popcount(static_cast<unsigned>(o.clipped)));
    acc.add(X, Y, OwnInv ? inverse_abs(X) : _mm512_loadu_pd(inv + i));
  }
  if (!acc.store_if_finite(t)) return false;
  t.clipped += clipped;
  return true;
}

}  // namespace

RoundKernel round_kernel_avx512(bool integer, ScaleOp pre, ScaleOp post) {
  static constexpr RoundKernel kTable[2][3][3] = {NUMSCOPE_SCALINGS(rne_avx512, false),
                                                  NUMSCOPE_SCALINGS(rne_avx512, true)};
  return kTable[integer][static_cast<int>(pre)][static_cast<int>(post)];
}
template <bool Integer, ScaleOp Pre, ScaleOp Post>
constexpr RoundSumsKernel kGivenInv = rne_sums_avx512<Integer, Pre, Post, false>;
template <bool Integer, ScaleOp Pre, ScaleOp Post>
constexpr RoundSumsKernel kOwnInv = rne_sums_avx512<Integer, Pre, Post, true>;
RoundSumsKernel round_sums_kernel_avx512(bool integer, ScaleOp pre, ScaleOp post, bool own_inverses) {
  static constexpr RoundSumsKernel kTable[2][2][3][3] = {
      {NUMSCOPE_SCALINGS(kGivenInv, false), NUMSCOPE_SCALINGS(kGivenInv, true)},
      {NUMSCOPE_SCALINGS(kOwnInv, false), NUMSCOPE_SCALINGS(kOwnInv, true)}};
  return kTable[own_inverses][integer][static_cast<int>(pre)][static_cast<int>(post)];
}

NUMSCOPE_AVX512_FN std::uint64_t codebook4_avx512(const double* x, double* y, std::uint64_t n, std::uint64_t bs,
                                                   const float* inv, const float* deq, const float* mids,
                                                   int first_step, const float* codes, bool magnitude) {
  if (bs % 16 != 0) return 0;
  const __m512 mid_v = _mm512_loadu_ps(mids), code_v = _mm512_loadu_ps(codes);
  const __m512i abs_mask = _mm512_set1_epi32(magnitude ? 0x7fffffff : -1);
  const std::uint64_t body = n / 16 * 16;
  for (std::uint64_t i = 0; i < body; i += 16) {
    const __m512 xf = _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(_mm512_loadu_pd(x + i))),
                                         _mm512_cvtpd_ps(_mm512_loadu_pd(x + i + 8)), 1);
    const __m512 v = _mm512_mul_ps(xf, _mm512_set1_ps(inv[i / bs]));  // fp32(x) · fp32(1/absmax)
    const __m512 key = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v), abs_mask));
    __m512i idx = _mm512_setzero_si512();  // CodeBook::nearest's search, step for step
    for (int step = first_step; step >= 1; step /= 2) {
      const __m512 m = _mm512_permutexvar_ps(_mm512_add_epi32(idx, _mm512_set1_epi32(step - 1)), mid_v);
      idx = _mm512_mask_add_epi32(idx, _mm512_cmp_ps_mask(m, key, _CMP_LT_OQ), idx, _mm512_set1_epi32(step));
    }
    __m512 code = _mm512_permutexvar_ps(idx, code_v);
    if (magnitude)  // v < 0 ? -mag : mag
      code = _mm512_mask_xor_ps(code, _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ), code,
                                _mm512_set1_ps(-0.0f));
    const __m512 yf = _mm512_mul_ps(code, _mm512_set1_ps(deq[i / bs]));
    _mm512_storeu_pd(y + i, _mm512_cvtps_pd(_mm512_castps512_ps256(yf)));
    _mm512_storeu_pd(y + i + 8, _mm512_cvtps_pd(_mm512_extractf32x8_ps(yf, 1)));
  }
  return body;
}

NUMSCOPE_AVX512_FN bool fp32_values_avx512(const double* x, std::uint64_t n, double limit, bool& beyond) {
  const __m512d lim = _mm512_set1_pd(limit);
  __mmask8 differ = 0, above = 0;
  for (std::uint64_t i = 0; i < n; i += 8) {
    const __m512d v = _mm512_loadu_pd(x + i);
    differ |= _mm512_cmp_pd_mask(_mm512_cvtps_pd(_mm512_cvtpd_ps(v)), v, _CMP_NEQ_UQ);  // NaN differs too
    above |= _mm512_cmp_pd_mask(_mm512_abs_pd(v), lim, _CMP_GT_OQ);
  }
  beyond |= above != 0;
  return differ == 0;
}

// The minima and maxima below are exact in any order, and with every accumulator starting at +0 a zero result is
// +0 in any order too (VMINPD / VMAXPD return the second operand for two zeros): four accumulators, so that the
// loops are not bound by the latency of one.
NUMSCOPE_AVX512_FN void range_avx512(const double* x, std::uint64_t n, double& lo, double& hi) {
  __m512d l = _mm512_setzero_pd(), h = _mm512_setzero_pd();
  __m512d ls[4] = {l, l, l, l}, hs[4] = {h, h, h, h};
  std::uint64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; ++k) {
      const __m512d v = _mm512_loadu_pd(x + i + 8 * k);
      ls[k] = _mm512_min_pd(v, ls[k]);  // v < l ? v : l
      hs[k] = _mm512_max_pd(v, hs[k]);  // v > h ? v : h
    }
  l = _mm512_min_pd(_mm512_min_pd(ls[0], ls[1]), _mm512_min_pd(ls[2], ls[3]));
  h = _mm512_max_pd(_mm512_max_pd(hs[0], hs[1]), _mm512_max_pd(hs[2], hs[3]));
  for (; i + 8 <= n; i += 8) {
    const __m512d v = _mm512_loadu_pd(x + i);
    l = _mm512_min_pd(v, l);
    h = _mm512_max_pd(v, h);
  }
  lo = std::min(0.0, _mm512_reduce_min_pd(l));
  hi = std::max(0.0, _mm512_reduce_max_pd(h));
  for (; i < n; ++i) lo = std::min(lo, x[i]), hi = std::max(hi, x[i]);
}

NUMSCOPE_AVX512_FN void amax_avx512(const double* x, std::uint64_t n, std::uint64_t bs, double* out) {
  for (std::uint64_t b = 0; b < n; b += bs) {
    const std::uint64_t e = std::min(n, b + bs);
    __m512d acc = _mm512_setzero_pd(), accs[4] = {acc, acc, acc, acc};
    std::uint64_t i = b;
    for (; i + 32 <= e; i += 32)
      for (int k = 0; k < 4; ++k) accs[k] = _mm512_max_pd(_mm512_abs_pd(_mm512_loadu_pd(x + i + 8 * k)), accs[k]);
    acc = _mm512_max_pd(_mm512_max_pd(accs[0], accs[1]), _mm512_max_pd(accs[2], accs[3]));
    for (; i + 8 <= e; i += 8) acc = _mm512_max_pd(_mm512_abs_pd(_mm512_loadu_pd(x + i)), acc);
    double a = _mm512_reduce_max_pd(acc);
    for (; i < e; ++i) a = std::max(a, std::fabs(x[i]));
    out[b / bs] = a;
  }
}

NUMSCOPE_AVX512_FN std::uint64_t count_bytes_avx512(const unsigned char* p, std::uint64_t n) {
  __m512i acc = _mm512_setzero_si512();  // sums of 8 bytes each in 64-bit lanes (vpsadbw against zero)
  for (std::uint64_t i = 0; i < n; i += 64)
    acc = _mm512_add_epi64(acc, _mm512_sad_epu8(_mm512_loadu_si512(p + i), _mm512_setzero_si512()));
  return static_cast<std::uint64_t>(_mm512_reduce_add_epi64(acc));
}

NUMSCOPE_AVX512_FN void x_sums_avx512(Lanes& t, const double* x, std::uint64_t n) {
  __m512d x2 = _mm512_loadu_pd(t.x2);
  __m512i rel_n = _mm512_loadu_si512(t.rel_n);
  const __m512i one = _mm512_set1_epi64(1);
  for (std::uint64_t i = 0; i < n; i += 8) {
    const __m512d X = _mm512_loadu_pd(x + i);
    x2 = _mm512_add_pd(x2, _mm512_mul_pd(X, X));
    rel_n = _mm512_mask_add_epi64(rel_n, _mm512_cmp_pd_mask(X, _mm512_setzero_pd(), _CMP_NEQ_UQ), rel_n, one);
  }
  _mm512_storeu_pd(t.x2, x2);
  _mm512_storeu_si512(t.rel_n, rel_n);
}

/// `Fp32`: x is first read from src (fp32 bytes, widened), and always stored; max |x| of the masked values goes
/// to *amax then (amax_avx512's value: a maximum is exact in any order).
template <bool Inv, bool Fp32>
NUMSCOPE_AVX512_FN std::uint64_t prepare_x_loop(Lanes& t, const unsigned char* src, double* x, double* inv,
                                                std::uint64_t n, double* amax = nullptr) {
  __m512d am = _mm512_setzero_pd();
  __m512d x2 = _mm512_loadu_pd(t.x2);
  __m512i rel_n = _mm512_loadu_si512(t.rel_n);
  const __m512i one_i = _mm512_set1_epi64(1);
  const __m512d one = _mm512_set1_pd(1.0), zero = _mm512_setzero_pd();
  const __m512d max = _mm512_set1_pd(std::numeric_limits<double>::max());
  std::uint64_t masked = 0;
  for (std::uint64_t i = 0; i < n; i += 8) {
    __m512d X = Fp32 ? _mm512_cvtps_pd(_mm256_loadu_ps(reinterpret_cast<const float*>(src + 4 * i)))
                     : _mm512_loadu_pd(x + i);
    const __mmask8 finite = _mm512_cmp_pd_mask(_mm512_abs_pd(X), max, _CMP_LE_OQ);  // NaN compares false
    if (finite != 0xff) {
      masked += static_cast<std::uint64_t>(__builtin_popcount(static_cast<unsigned>(static_cast<__mmask8>(~finite))));
      X = _mm512_maskz_mov_pd(finite, X);
      if constexpr (!Fp32) _mm512_storeu_pd(x + i, X);
    }
    if constexpr (Fp32) {
      _mm512_storeu_pd(x + i, X);
      am = _mm512_max_pd(_mm512_abs_pd(X), am);
    }
    const __mmask8 nonzero = _mm512_cmp_pd_mask(X, zero, _CMP_NEQ_UQ);
    if constexpr (Inv) {
      const __m512d d = _mm512_mask_mov_pd(one, nonzero, _mm512_abs_pd(X));
      _mm512_storeu_pd(inv + i, _mm512_maskz_mov_pd(nonzero, _mm512_div_pd(one, d)));
    }
    x2 = _mm512_add_pd(x2, _mm512_mul_pd(X, X));
    rel_n = _mm512_mask_add_epi64(rel_n, nonzero, rel_n, one_i);
  }
  _mm512_storeu_pd(t.x2, x2);
  _mm512_storeu_si512(t.rel_n, rel_n);
  if (amax) *amax = _mm512_reduce_max_pd(am);
  return masked;
}

std::uint64_t prepare_x_avx512(Lanes& t, double* x, double* inv, std::uint64_t n) {
  return inv ? prepare_x_loop<true, false>(t, nullptr, x, inv, n) : prepare_x_loop<false, false>(t, nullptr, x, inv, n);
}
std::uint64_t prepare_fp32_avx512(Lanes& t, const unsigned char* src, double* x, double* inv, std::uint64_t n,
                                  double& amax) {
  return inv ? prepare_x_loop<true, true>(t, src, x, inv, n, &amax) : prepare_x_loop<false, true>(t, src, x, inv, n, &amax);
}

NUMSCOPE_AVX512_FN bool error_sums_finite_avx512(Lanes& t, const double* x, const double* inv, const double* y,
                                                 std::uint64_t n) {
  ErrorAcc acc;
  acc.load(t);
  for (std::uint64_t i = 0; i < n; i += 8)
    acc.add(_mm512_loadu_pd(x + i), _mm512_loadu_pd(y + i), _mm512_loadu_pd(inv + i));
  return acc.store_if_finite(t);
}

NUMSCOPE_AVX512_FN void asym_finish_avx512(double* y, unsigned char* clip, std::uint64_t n, double zero,
                                           double qmax, double scale) {
  const __m512d z = _mm512_set1_pd(zero), hi = _mm512_set1_pd(qmax), s = _mm512_set1_pd(scale);
  for (std::uint64_t i = 0; i < n; i += 8) {
    const __m512d q = _mm512_add_pd(_mm512_loadu_pd(y + i), z);
    const __mmask8 below = _mm512_cmp_pd_mask(q, _mm512_setzero_pd(), _CMP_LT_OQ);
    const __mmask8 above = _mm512_cmp_pd_mask(q, hi, _CMP_GT_OQ);
    const __m512d c = _mm512_mask_mov_pd(_mm512_maskz_mov_pd(static_cast<__mmask8>(~below), q), above, hi);
    _mm512_storeu_pd(y + i, _mm512_mul_pd(_mm512_sub_pd(c, z), s));
    store_flags(clip + i, 0, below | above);
  }
}

NUMSCOPE_AVX512_FN void reciprocals_avx512(const double* x, double* inv, std::uint64_t n) {
  const __m512d one = _mm512_set1_pd(1.0), zero = _mm512_setzero_pd();
  std::uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512d v = _mm512_loadu_pd(x + i);
    const __mmask8 nonzero = _mm512_cmp_pd_mask(v, zero, _CMP_NEQ_UQ);
    const __m512d d = _mm512_mask_mov_pd(one, nonzero, _mm512_abs_pd(v));
    _mm512_storeu_pd(inv + i, _mm512_maskz_mov_pd(nonzero, _mm512_div_pd(one, d)));
  }
  for (; i < n; ++i) inv[i] = x[i] != 0 ? 1.0 / std::fabs(x[i]) : 0.0;
}

NUMSCOPE_AVX512_FN std::uint64_t nonfinite_avx512(double* x, std::uint64_t n, bool mask) {
  const __m512d max = _mm512_set1_pd(std::numeric_limits<double>::max());
  std::uint64_t count = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512d v = _mm512_loadu_pd(x + i);
    const __mmask8 finite = _mm512_cmp_pd_mask(_mm512_abs_pd(v), max, _CMP_LE_OQ);  // NaN compares false
    count += static_cast<std::uint64_t>(__builtin_popcount(static_cast<unsigned>(static_cast<__mmask8>(~finite))));
    if (mask) _mm512_storeu_pd(x + i, _mm512_maskz_mov_pd(finite, v));
  }
  for (; i < n; ++i)
    if (!(std::fabs(x[i]) <= std::numeric_limits<double>::max())) {
      ++count;
      if (mask) x[i] = 0;
    }
  return count;
}

// Block-scaled segments (block_kernels.h): rne_avx512 and rne_sums_avx512 with the scaling of each block.
namespace {

/// One vector of a block: rne8 with the block's pre scaling (by its reciprocal first where BlockScales::inv_a
/// has one); Y = post of the result, and the lanes it cannot round (o.out) keep pre(v) in o.r, as in rne_avx512.
template <ScaleOp Pre>
struct BlockStep {
  __m512d sa, inv_a, sb;
  bool by_reciprocal, zero;
  [[gnu::always_inline]] NUMSCOPE_AVX512_FN void set(const BlockScales& s, std::uint64_t k, bool grid_ok) {
    sa = _mm512_set1_pd(s.a[k]), sb = _mm512_set1_pd(s.b[k]);
    zero = s.b[k] == 0;
    by_reciprocal = Pre == ScaleOp::kDiv && grid_ok && s.inv_a[k] != 0;
    inv_a = _mm512_set1_pd(by_reciprocal ? s.inv_a[k] : 1.0);
  }
  [[gnu::always_inline]] NUMSCOPE_AVX512_FN void round(const RneConsts& k, __m512d xv, Rounded& o, __m512d& Y) const {
    rne8<false, Pre>(k, xv, sa, inv_a, by_reciprocal, o);
    Y = _mm512_mul_pd(o.r, sb);
  }
};

template <ScaleOp Pre>
NUMSCOPE_AVX512_FN bool rne_blocks_avx512(const GridParams& p, const BlockScales& s, const double* v, double* out,
                                          unsigned char* clip, std::uint64_t n) {
  const RneConsts k = rne_consts<false>(p);
  __mmask8 outside = 0;
  BlockStep<Pre> step;
  for (std::uint64_t b = 0, kb = 0; b < n; b += s.bs, ++kb) {
    const std::uint64_t e = std::min(n, b + s.bs);
    step.set(s, kb, p.m <= 20);
    for (std::uint64_t i = b; i < e; i += 8) {
      if (step.zero) {
        _mm512_storeu_pd(out + i, _mm512_setzero_pd());
        store_flags(clip + i, 0, 0);
        continue;
      }
      Rounded o;
      __m512d Y;
      step.round(k, _mm512_loadu_pd(v + i), o, Y);
      outside |= o.out;
      _mm512_storeu_pd(out + i, _mm512_mask_mov_pd(Y, o.out, o.r));
      store_flags(clip + i, o.out, o.clipped & static_cast<__mmask8>(~o.out));
    }
  }
  return outside != 0;
}

template <ScaleOp Pre>
NUMSCOPE_AVX512_FN bool rne_blocks_sums_avx512(const GridParams& p, const BlockScales& s, const double* v,
                                               const double* inv, std::uint64_t n, Lanes& t, const Fixup& fix) {
  const RneConsts k = rne_consts<false>(p);
  ErrorAcc acc;
  acc.load(t);
  std::uint64_t clipped = 0;
  BlockStep<Pre> step;
  for (std::uint64_t b = 0, kb = 0; b < n; b += s.bs, ++kb) {
    const std::uint64_t e = std::min(n, b + s.bs);
    step.set(s, kb, p.m <= 20);
    for (std::uint64_t i = b; i < e; i += 8) {
      const __m512d X = _mm512_loadu_pd(v + i);
      __m512d Y = _mm512_setzero_pd();
      if (!step.zero) {
        Rounded o;
        step.round(k, X, o, Y);
        if (o.out) {
          clipped += fix_lanes(o, fix);
          Y = _mm512_mask_mov_pd(Y, o.out, _mm512_mul_pd(o.r, step.sb));
        }
        clipped += static_cast<std::uint64_t>(__builtin_popcount(static_cast<unsigned>(o.clipped)));
      }
      acc.add(X, Y, _mm512_loadu_pd(inv + i));
    }
  }
  if (!acc.store_if_finite(t)) return false;
  t.clipped += clipped;
  return true;
}

/// max |x| of the bs values at x (bs a multiple of 8) in each lane, NaN left out as amax_avx512 leaves it out.
[[gnu::always_inline]] NUMSCOPE_AVX512_FN inline __m512d lane_amax(const double* x, std::uint64_t bs) {
  __m512d acc = _mm512_setzero_pd();
  for (std::uint64_t i = 0; i < bs; i += 8) acc = _mm512_max_pd(_mm512_abs_pd(_mm512_loadu_pd(x + i)), acc);
  return acc;
}

}  // namespace

NUMSCOPE_AVX512_FN std::uint64_t amax_blocks8_avx512(const double* x, std::uint64_t n, std::uint64_t bs, double* out) {
  if (bs % 8 != 0 || bs == 0) return 0;
  std::uint64_t k = 0;
  for (; (k + 8) * bs <= n; k += 8) {
    const double* b = x + k * bs;
    // Eight lane-wise maxima, reduced across lanes all at once: pairs of lanes (unpack), then pairs of 128-bit
    // and of 256-bit quarters (shuffle_f64x2); lane j of the result is block k + j's amax. Maxima are exact, so
    // the order does not change them.
    __m512d u[4];
    for (int j = 0; j < 4; ++j) {
      const __m512d p = lane_amax(b + (2 * j) * bs, bs), q = lane_amax(b + (2 * j + 1) * bs, bs);
      u[j] = _mm512_max_pd(_mm512_unpacklo_pd(p, q), _mm512_unpackhi_pd(p, q));
    }
    __m512d w[2];
    for (int j = 0; j < 2; ++j)
      w[j] = _mm512_max_pd(_mm512_shuffle_f64x2(u[2 * j], u[2 * j + 1], 0x88),   // quarters 0, 2 of each
                           _mm512_shuffle_f64x2(u[2 * j], u[2 * j + 1], 0xdd));  // quarters 1, 3 of each
    _mm512_storeu_pd(out + k, _mm512_max_pd(_mm512_shuffle_f64x2(w[0], w[1], 0x88),
                                            _mm512_shuffle_f64x2(w[0], w[1], 0xdd)));
  }
  return k;
}

BlockRoundKernel round_blocks_kernel_avx512(ScaleOp pre) {
  return pre == ScaleOp::kDiv ? rne_blocks_avx512<ScaleOp::kDiv> : rne_blocks_avx512<ScaleOp::kMul>;
}
BlockSumsKernel round_blocks_sums_kernel_avx512(ScaleOp pre) {
  return pre == ScaleOp::kDiv ? rne_blocks_sums_avx512<ScaleOp::kDiv> : rne_blocks_sums_avx512<ScaleOp::kMul>;
}

}  // namespace numscope::detail
