// The NVFP4 family (NVIDIA, Blackwell): E2M1 elements in blocks of 16 with an E4M3 block scale, and an fp32
// per-tensor scale s2 = amax / (max E2M1 · max E4M3) = amax / (6·448).
#include <cmath>    // std::isfinite, std::nearbyint
#include <cstring>  // std::memcpy

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

class Nvfp4Row : public BlockScaledRow<Nvfp4Row> {
 public:
  Nvfp4Row(const Scheme& s, Ctx& ctx) : BlockScaledRow(element_codec(s, ctx), 16), ctx_(ctx) {}
  /// Per block of 16 an E4M3 scale e4m3(block_amax / (6·s2)), at least 2^-9 when the block is nonzero; elements
  /// x / (scale·s2) to E2M1.
  void begin() {  // s2 from the tensor's amax
    s2_ = static_cast<float>(ctx_.amax / (elem_.max_finite * 448.0));  // 6 · 448
    if (!(s2_ > 0) || !std::isfinite(s2_)) s2_ = 1.0;
  }
  bool scale(double bamax, Affine& a) const {
    const double s2 = s2_;
    double bs = e4m3_scale(bamax / (elem_.max_finite * s2));
    if (bamax > 0 && bs == 0) bs = 0x1p-9;  // the smallest E4M3 subnormal
    const double scale = bs * s2;           // exact: 4 x 24 significant bits
    if (!(scale > 0)) return false;
    a = {ScaleOp::kDiv, scale, ScaleOp::kMul, scale};
    return true;
  }

 private:
  const Ctx& ctx_;
  double s2_ = 1.0;
};

}  // namespace

const Family kNvfp4Family{SchemeFamily::kNvfp4, "NVFP4", make_row<Nvfp4Row>};

}  // namespace numscope::detail
