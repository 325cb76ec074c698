// The NVFP4 family (NVIDIA, Blackwell): E2M1 elements in blocks of 16 with an E4M3 block scale, and an fp32
// per-tensor scale s2 = amax / (max E2M1 · max E4M3) = amax / (6·448).
#include <algorithm>  // std::min, std::fill_n
#include <cmath>      // std::isfinite, std::ldexp

#include "numscope/quantize/family.h"

namespace numscope::detail {
namespace {

class Nvfp4Row : public RowQuantizer {
 public:
  Nvfp4Row(const Scheme& s, Ctx& ctx) : ctx_(ctx), elem_(element_codec(s, ctx)) {}
  /// Per block of 16 an E4M3 scale e4m3(block_amax / (6·s2)), at least 2^-9 when the block is nonzero; elements
  /// x / (scale·s2) to E2M1.
  void run(const Segment& g) override {
    static const Codec e4m3(kE4m3, Rounding::kNearestEven, true, nullptr);
    const double range = elem_.max_finite * e4m3.max_finite;  // 6 · 448
    double s2 = static_cast<float>(ctx_.amax / range);
    if (!(s2 > 0) || !std::isfinite(s2)) s2 = 1.0;
    block_amaxes(g.x, g.cols, 16, amax_);
    for (std::uint64_t b = 0; b < g.cols; b += 16) {
      const std::uint64_t n = std::min<std::uint64_t>(16, g.cols - b);
      const double bamax = amax_[b / 16];
      bool c = false;
      double bs = e4m3.round(bamax / (elem_.max_finite * s2), c);
      if (bamax > 0 && bs == 0) bs = decode_double(kE4m3, 1);  // the smallest E4M3 subnormal, 2^-9
      const double scale = bs * s2;                         // exact: 4 x 24 significant bits
      if (!(scale > 0)) {
        std::fill_n(g.y + b, n, 0.0);
        std::fill_n(g.clip + b, n, static_cast<unsigned char>(0));
        continue;
      }
      elem_.round_n(g.x + b, g.y + b, g.clip + b, n, {ScaleOp::kDiv, scale, ScaleOp::kMul, scale});
    }
  }

 private:
  Ctx& ctx_;
  Codec elem_;
  std::vector<double> amax_;  // the amax of each block of a segment
};

}  // namespace

const Family kNvfp4Family{SchemeFamily::kNvfp4, "NVFP4",
                          [](const Scheme& s, Ctx& c) -> std::unique_ptr<RowQuantizer> {
                            return std::make_unique<Nvfp4Row>(s, c);
                          }};

}  // namespace numscope::detail
