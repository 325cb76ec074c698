// The OCP MX family (mxfp8, mxfp8-e5m2, mxfp6, mxfp6-e3m2, mxfp4, mxint8, and -ceil): blocks of 32 share an E8M0
// power-of-two scale X; elements are round(V / X), saturating to ±max (OCP Microscaling Formats v1.0 §5-6).
#include <algorithm>  // std::min, std::clamp
#include <cmath>      // std::frexp

#include "numscope/support/bits.h"  // bit_cast (libc++ 14 has no std::bit_cast)
#include "numscope/quantize/family.h"
#include "numscope/quantize/quantize.h"

namespace numscope {
namespace detail {
namespace {

class MxRow : public RowQuantizer {
 public:
  MxRow(const Scheme& s, Ctx& ctx) : s_(s), elem_(element_codec(s, ctx, true, true)) {}
  void run(const Segment& g) override {
    const bool is_int = s_.element.kind == Kind::kInt;  // MXINT8: k/64, |k| <= 127 (§5.3.3)
    const int emax_elem = is_int ? 0 : emax(s_.element);
    const double max_elem = is_int ? 127.0 / 64.0 : elem_.max_finite;
    block_amaxes(g.x, g.cols, 32, amax_);
    for (std::uint64_t b = 0; b < g.cols; b += 32) {
      const std::uint64_t n = std::min<std::uint64_t>(32, g.cols - b);
      const int e = mx_scale_exponent(amax_[b / 32], emax_elem, max_elem, s_.mx_rule);
      // x·2^-e and q·2^e as multiplications by exact powers of two (|e| <= 127): the same correctly rounded
      // results as ldexp, without its call.
      const double down = bit_cast<double>(static_cast<std::uint64_t>(1023 - e) << 52);
      const double up = bit_cast<double>(static_cast<std::uint64_t>(1023 + e) << 52);
      double* y = g.y;
      if (is_int) {
        for (std::uint64_t i = b; i < b + n; ++i) y[i] = (g.x[i] * down) * 64;
        elem_.round_n(y + b, y + b, g.clip + b, n);  // k in [-127, 127]
        for (std::uint64_t i = b; i < b + n; ++i) y[i] = (y[i] / 64) * up;
      } else {
        elem_.round_n(g.x + b, y + b, g.clip + b, n, {ScaleOp::kMul, down, ScaleOp::kMul, up});
      }
    }
  }

 private:
  const Scheme& s_;
  Codec elem_;
  std::vector<double> amax_;  // the amax of each block of a segment
};

}  // namespace

const Family kMxFamily{SchemeFamily::kMx, "OCP MX",
                       [](const Scheme& s, Ctx& c) -> std::unique_ptr<RowQuantizer> {
                         return std::make_unique<MxRow>(s, c);
                       }};

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
