// The NVFP4 family (NVIDIA, Blackwell): E2M1 elements in blocks of 16 with an E4M3 block scale, and an fp32
// per-tensor scale s2 = amax / (max E2M1 · max E4M3) = amax / (6·448).
#include <cmath>    // std::isfinite, std::nearbyint
#include <cstring>  // std::memcpy

#include "numscope/quantize/intrinsics.h"  // <immintrin.h>

#include "numscope/quantize/families/block_scaled.h"

namespace numscope::detail {

double e4m3_scale(double v) {
  if (!(v < 448.0)) return 448.0;  // saturates (v is never NaN here: a block's amax over a finite s2)
  if (v < 0x1p-6) return std::nearbyint(v * 512.0) / 512.0;  // subnormals: multiples of 2^-9 (exact scalings)
  // Normal: keep 3 of the 52 mantissa bits, the dropped 49 rounded half to even (a carry moves the exponent).
  std::uint64_t bits;
  std::memcpy(&bits, &v, 8);
  const std::uint64_t half = std::uint64_t{1} << 48, rest = bits & ((half << 1) - 1);
  bits -= rest;
  if (rest > half || (rest == half && (bits >> 49 & 1))) bits += half << 1;
  std::memcpy(&v, &bits, 8);
  return v < 448.0 ? v : 448.0;
}

namespace {

/// nvfp4_block_scales for 8 blocks at a time (n / 8 · 8 of them), the same operations in lanes; returns how many.
[[gnu::target(NUMSCOPE_QUANTIZE_AVX512)]] std::uint64_t nvfp4_scales_avx512(const double* amax, std::uint64_t n,
                                                                           double s2, double d, double* a,
                                                                           double* b, double* inv_a) {
  const __m512d dv = _mm512_set1_pd(d), s2v = _mm512_set1_pd(s2), top = _mm512_set1_pd(448.0);
  const __m512d magic = _mm512_set1_pd(0x1p52), zero = _mm512_setzero_pd(), one = _mm512_set1_pd(1.0);
  const __m512i half = _mm512_set1_epi64((1LL << 48) - 1), keep = _mm512_set1_epi64(~((1LL << 49) - 1));
  std::uint64_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const __m512d am = _mm512_loadu_pd(amax + k), v = _mm512_div_pd(am, dv);
    const __m512d sub = _mm512_mul_pd(
        _mm512_sub_pd(_mm512_add_pd(_mm512_mul_pd(v, _mm512_set1_pd(512.0)), magic), magic), _mm512_set1_pd(0x1p-9));
    __m512i bits = _mm512_castpd_si512(v);
    const __m512i last = _mm512_and_si512(_mm512_srli_epi64(bits, 49), _mm512_set1_epi64(1));  // the kept last bit
    bits = _mm512_add_epi64(_mm512_add_epi64(bits, half), last);
    __m512d bs = _mm512_castsi512_pd(_mm512_and_si512(bits, keep));
    bs = _mm512_mask_mov_pd(top, _mm512_cmp_pd_mask(bs, top, _CMP_LT_OQ), bs);
    bs = _mm512_mask_mov_pd(bs, _mm512_cmp_pd_mask(v, _mm512_set1_pd(0x1p-6), _CMP_LT_OQ), sub);
    bs = _mm512_mask_mov_pd(top, _mm512_cmp_pd_mask(v, top, _CMP_LT_OQ), bs);
    const __mmask8 tiny = _mm512_cmp_pd_mask(am, zero, _CMP_GT_OQ) & _mm512_cmp_pd_mask(bs, zero, _CMP_EQ_OQ);
    bs = _mm512_mask_mov_pd(bs, tiny, _mm512_set1_pd(0x1p-9));
    __m512d scale = _mm512_mul_pd(bs, s2v);
    scale = _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(scale, zero, _CMP_GT_OQ), scale);
    _mm512_storeu_pd(a + k, scale);
    _mm512_storeu_pd(b + k, scale);
    const __m512d m = _mm512_abs_pd(scale);  // block_reciprocal
    const __mmask8 normal = _mm512_cmp_pd_mask(m, _mm512_set1_pd(0x1p-1000), _CMP_GE_OQ) &
                            _mm512_cmp_pd_mask(m, _mm512_set1_pd(0x1p1000), _CMP_LE_OQ);
    _mm512_storeu_pd(inv_a + k, _mm512_maskz_div_pd(normal, one, scale));
  }
  return k;
}

}  // namespace

void nvfp4_block_scales(const double* amax, std::uint64_t n, double s2, double max_elem, double* a, double* b,
                        double* inv_a, Isa isa) {
  const double d = max_elem * s2;
  const std::uint64_t done = isa >= Isa::kAvx512 ? nvfp4_scales_avx512(amax, n, s2, d, a, b, inv_a) : 0;
  for (std::uint64_t k = done; k < n; ++k) {
    // e4m3_scale(v) without branches: the subnormal rounding by the 2^52 add (v·512 < 8 where it is taken), the
    // normal one on the bits (add 2^48 - 1 plus the kept last bit, drop 49 bits: half to even), 448 above.
    const double v = amax[k] / d;
    const double sub = ((v * 512.0 + 0x1p52) - 0x1p52) * 0x1p-9;
    std::uint64_t bits;
    std::memcpy(&bits, &v, 8);
    bits = (bits + ((std::uint64_t{1} << 48) - 1) + ((bits >> 49) & 1)) & ~((std::uint64_t{1} << 49) - 1);
    double nrm;
    std::memcpy(&nrm, &bits, 8);
    double bs = v < 0x1p-6 ? sub : nrm < 448.0 ? nrm : 448.0;
    bs = v < 448.0 ? bs : 448.0;  // NaN and inf too
    bs = amax[k] > 0 && bs == 0 ? 0x1p-9 : bs;  // the smallest E4M3 subnormal
    const double scale = bs * s2;               // exact: 4 x 24 significant bits
    a[k] = b[k] = scale > 0 ? scale : 0.0;
    inv_a[k] = block_reciprocal(a[k]);
  }
}

namespace {

class Nvfp4Row : public BlockScaledRow<Nvfp4Row> {
 public:
  Nvfp4Row(const Scheme& s, Ctx& ctx) : BlockScaledRow(element_codec(s, ctx), 16, ScaleOp::kDiv), ctx_(ctx) {}
  /// Per block of 16 an E4M3 scale e4m3(block_amax / (6·s2)), at least 2^-9 when the block is nonzero; elements
  /// x / (scale·s2) to E2M1.
  void begin() {  // s2 from the tensor's amax
    s2_ = static_cast<float>(ctx_.amax / (elem_.max_finite * 448.0));  // 6 · 448
    if (!(s2_ > 0) || !std::isfinite(s2_)) s2_ = 1.0;
  }
  void scales(const double* amax, std::uint64_t n, double* a, double* b, double* inv_a) const {
    nvfp4_block_scales(amax, n, s2_, elem_.max_finite, a, b, inv_a, elem_.isa);
  }

 private:
  const Ctx& ctx_;
  double s2_ = 1.0;
};

}  // namespace

const Family kNvfp4Family{SchemeFamily::kNvfp4, "NVFP4", make_row<Nvfp4Row>};

}  // namespace numscope::detail
