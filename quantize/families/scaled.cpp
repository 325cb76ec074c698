// The scaled-float family (FLOAT-tensor, FLOAT-ch): TransformerEngine / torchao FP8 recipes. scale = fmt_max /
// amax in fp32 per tensor or per output channel, a saturating cast of x·scale, y = q / scale.
#include <algorithm>  // std::max
#include <cmath>      // std::isfinite

#include "numscope/quantize/family.h"

namespace numscope::detail {
namespace {

class ScaledRow : public RowQuantizer {
 public:
  ScaledRow(const Scheme& s, Ctx& ctx) : s_(s), ctx_(ctx), elem_(element_codec(s, ctx)) {}
  void run(const Segment& g) override { elem_.round_n(g.x, g.y, g.clip, g.cols, scaling(g)); }
  void run_sums(const Segment& g, const double* inv, Lanes& sums) override {
    elem_.round_sums(g.x, inv, g.y, g.clip, g.cols, scaling(g), sums);
  }
  bool fuses_inverses() const override { return true; }
  void run_sums_inv(const Segment& g, double* inv, Lanes& sums) override {
    elem_.round_sums_inv(g.x, inv, g.y, g.clip, g.cols, scaling(g), sums);
  }

 private:
  /// x·scale, cast, then /scale: scale = fp32(max / amax) of the tensor or the row.
  Affine scaling(const Segment& g) const {
    const double amax = s_.granularity == Granularity::kTensor ? ctx_.amax
                        : ctx_.rows ? std::max(-ctx_.rows->lo[g.row], ctx_.rows->hi[g.row])
                        : g.amax >= 0 ? g.amax
                                      : block_amax(g.x, g.cols);
    double scale = static_cast<float>(elem_.max_finite / amax);
    if (!(amax > 0) || !std::isfinite(scale) || scale == 0) scale = 1.0;  // keep the previous (unit) scale
    return {ScaleOp::kMul, scale, ScaleOp::kDiv, scale};
  }

  const Scheme& s_;
  Ctx& ctx_;
  Codec elem_;
};

}  // namespace

const Family kScaledFamily{SchemeFamily::kScaled, "scaled float",
                           [](const Scheme& s, Ctx& c) -> std::unique_ptr<RowQuantizer> {
                             return std::make_unique<ScaledRow>(s, c);
                           }};

}  // namespace numscope::detail
