// The OCP MX family (mxfp8, mxfp8-e5m2, mxfp6, mxfp6-e3m2, mxfp4, mxint8, and -ceil): blocks of 32 share an E8M0
// power-of-two scale X; elements are round(V / X), saturating to ±max (OCP Microscaling Formats v1.0 §5-6).
#include <algorithm>  // std::min, std::clamp
#include <cmath>      // std::frexp
#include <limits>     // std::numeric_limits

#include "numscope/support/bits.h"  // bit_cast (libc++ 14 has no std::bit_cast)
#include "numscope/quantize/intrinsics.h"  // <immintrin.h>
#include "numscope/quantize/families/block_scaled.h"
#include "numscope/quantize/quantize.h"

namespace numscope {
namespace detail {

/// mx_scale_exponent from the bits of amax (or of amax / max_elem for the ceiling rule) instead of frexp's call:
/// the binade of a normal number is its exponent field; subnormals give an exponent below -1022 - 64, which
/// clamps to -127 as mx_scale_exponent's does (emax_elem is 0 ... 15 for the MX elements). inf, NaN and a ratio
/// that underflows to 0 take mx_scale_exponent itself.
int mx_scale_exponent_bits(double amax, int emax_elem, double max_elem, MxScaleRule rule) {
  if (!(amax > 0)) return -127;  // all-zero block
  const double r = rule == MxScaleRule::kFloor ? amax : amax / max_elem;
  if (!(amax <= std::numeric_limits<double>::max()) || r == 0 || emax_elem < 0 || emax_elem > 64)
    return mx_scale_exponent(amax, emax_elem, max_elem, rule);
  const std::uint64_t bits = bit_cast<std::uint64_t>(r);
  int e = static_cast<int>(bits >> 52) - 1023;  // floor(log2 r)
  if (rule == MxScaleRule::kFloor) e -= emax_elem;
  else e += (bits & ((std::uint64_t{1} << 52) - 1)) != 0;  // ceil(log2 r): powers of two stay
  return std::clamp(e, -127, 127);
}

/// The scalings 2^-e and 2^e of an exponent e of mx_scale_exponent_bits, into a[k] and b[k].
static void mx_scaling(const double* amax, std::uint64_t k, int emax_elem, double max_elem, MxScaleRule rule,
                       double* a, double* b) {
  const int e = mx_scale_exponent_bits(amax[k], emax_elem, max_elem, rule);
  a[k] = bit_cast<double>(static_cast<std::uint64_t>(1023 - e) << 52);
  b[k] = bit_cast<double>(static_cast<std::uint64_t>(1023 + e) << 52);
}

/// mx_scaling for eight blocks at a time (n / 8 · 8 of them); eight blocks with an infinite amax or, for the
/// ceiling rule, a ratio that underflows to 0 (which mx_scale_exponent itself takes) go one by one.
[[gnu::target(NUMSCOPE_QUANTIZE_AVX512)]] static void mx_scales_avx512(const double* amax, std::uint64_t n,
                                                                      int emax_elem, double max_elem,
                                                                      MxScaleRule rule, double* a, double* b) {
  const bool ceil = rule == MxScaleRule::kCeil;
  const __m512d zero = _mm512_setzero_pd(), max_v = _mm512_set1_pd(max_elem);
  const __m512i mant = _mm512_set1_epi64((1LL << 52) - 1), bias = _mm512_set1_epi64(1023);
  for (std::uint64_t k = 0; k + 8 <= n; k += 8) {
    const __m512d am = _mm512_loadu_pd(amax + k), r = ceil ? _mm512_div_pd(am, max_v) : am;
    const __mmask8 nonzero = _mm512_cmp_pd_mask(am, zero, _CMP_GT_OQ);  // NaN and 0: the all-zero scale
    if (_mm512_cmp_pd_mask(am, _mm512_set1_pd(std::numeric_limits<double>::max()), _CMP_GT_OQ) ||
        (ceil && _mm512_mask_cmp_pd_mask(nonzero, r, zero, _CMP_EQ_OQ))) {
      for (std::uint64_t j = k; j < k + 8; ++j) mx_scaling(amax, j, emax_elem, max_elem, rule, a, b);
      continue;
    }
    const __m512i bits = _mm512_castpd_si512(r);
    __m512i e = _mm512_sub_epi64(_mm512_srli_epi64(bits, 52), bias);  // floor(log2 r)
    e = ceil ? _mm512_mask_add_epi64(e, _mm512_test_epi64_mask(bits, mant), e, _mm512_set1_epi64(1))
             : _mm512_sub_epi64(e, _mm512_set1_epi64(emax_elem));
    e = _mm512_mask_mov_epi64(_mm512_set1_epi64(-127), nonzero, e);
    e = _mm512_min_epi64(_mm512_max_epi64(e, _mm512_set1_epi64(-127)), _mm512_set1_epi64(127));
    _mm512_storeu_pd(a + k, _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_sub_epi64(bias, e), 52)));
    _mm512_storeu_pd(b + k, _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_add_epi64(bias, e), 52)));
  }
}

void mx_block_scales(const double* amax, std::uint64_t n, int emax_elem, double max_elem, MxScaleRule rule,
                     double* a, double* b, Isa isa) {
  std::uint64_t k = 0;
  if (isa >= Isa::kAvx512 && emax_elem >= 0 && emax_elem <= 64) {  // mx_scale_exponent_bits' range
    mx_scales_avx512(amax, n, emax_elem, max_elem, rule, a, b);
    k = n / 8 * 8;
  }
  for (; k < n; ++k) mx_scaling(amax, k, emax_elem, max_elem, rule, a, b);
}

namespace {

class MxRow : public BlockScaledRow<MxRow> {
 public:
  MxRow(const Scheme& s, Ctx& ctx)
      : BlockScaledRow(element_codec(s, ctx, true, true), 32, ScaleOp::kMul),
        s_(s),
        is_int_(s.element.kind == Kind::kInt),
        emax_elem_(is_int_ ? 0 : emax(s.element)),
        max_elem_(is_int_ ? 127.0 / 64.0 : elem_.max_finite) {}
  void begin() {}
  /// x·2^-e and q·2^e as multiplications by exact powers of two (|e| <= 127): the same correctly rounded results
  /// as ldexp, without its call.
  void scales(const double* amax, std::uint64_t n, double* a, double* b, double*) const {
    mx_block_scales(amax, n, emax_elem_, max_elem_, s_.mx_rule, a, b, elem_.isa);
  }
  void run(const Segment& g) override {
    if (!is_int_) return BlockScaledRow::run(g);
    // MXINT8: k/64 with |k| <= 127 (§5.3.3): (x·2^-e)·64 rounded to an integer, then (k/64)·2^e.
    const BlockScales sc = block_scales(g);
    double* y = g.y;
    for (std::uint64_t b = 0; b < g.cols; b += 32) {
      const std::uint64_t n = std::min<std::uint64_t>(32, g.cols - b);
      for (std::uint64_t i = b; i < b + n; ++i) y[i] = (g.x[i] * sc.a[b / 32]) * 64;
      elem_.round_n(y + b, y + b, g.clip + b, n);  // k in [-127, 127]
      for (std::uint64_t i = b; i < b + n; ++i) y[i] = (y[i] / 64) * sc.b[b / 32];
    }
  }
  void run_sums(const Segment& g, const double* inv, Lanes& sums) override {
    if (!is_int_) return BlockScaledRow::run_sums(g, inv, sums);
    run(g);
    sums.add_error(g.x, inv, g.y, g.clip, g.cols);
  }

 private:
  const Scheme& s_;
  bool is_int_;
  int emax_elem_;
  double max_elem_;
};

}  // namespace

const Family kMxFamily{SchemeFamily::kMx, "OCP MX", make_row<MxRow>};

}  // namespace detail

int mx_scale_exponent(double amax, int emax_elem, double max_elem, MxScaleRule rule) {
  if (!(amax > 0)) return -127;  // all-zero block: the smallest scale, E8M0 code 0x00
  int e;
  if (rule == MxScaleRule::kFloor) {
    int ex = 0;
    std::frexp(amax, &ex);  // amax = m · 2^ex, m in [0.5, 1): floor(log2 amax) = ex - 1
    e = (ex - 1) - emax_elem;
  } else {
    int ex = 0;
    const double m = std::frexp(amax / max_elem, &ex);
    e = m == 0.5 ? ex - 1 : ex;  // ceil(log2 r): exact powers of two stay
  }
  return std::clamp(e, -127, 127);
}

}  // namespace numscope
