// The OCP MX family (mxfp8, mxfp8-e5m2, mxfp6, mxfp6-e3m2, mxfp4, mxint8, and -ceil): blocks of 32 share an E8M0
// power-of-two scale X; elements are round(V / X), saturating to ±max (OCP Microscaling Formats v1.0 §5-6).
#include <algorithm>  // std::min, std::clamp
#include <cmath>      // std::frexp
#include <limits>     // std::numeric_limits

#include "numscope/support/bits.h"  // bit_cast (libc++ 14 has no std::bit_cast)
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
    for (std::uint64_t k = 0; k < n; ++k) {
      const int e = mx_scale_exponent_bits(amax[k], emax_elem_, max_elem_, s_.mx_rule);
      a[k] = bit_cast<double>(static_cast<std::uint64_t>(1023 - e) << 52);
      b[k] = bit_cast<double>(static_cast<std::uint64_t>(1023 + e) << 52);
    }
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
