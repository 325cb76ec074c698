// The integer family (intB[-sym|-asym][-tensor|-ch|-gG]): absmax or min/max integer quantization per tensor, per
// output channel or in groups along a row (GPTQ / AWQ group size G, round to nearest: not GPTQ's or AWQ's own
// error-correcting choice of values). Per tensor / channel scales are fp32, group scales fp16.
#include <algorithm>  // std::min, std::max, std::clamp, std::fill_n
#include <cmath>      // std::nearbyint

#include "numscope/quantize/family.h"
#include "numscope/quantize/kernels_avx512.h"

namespace numscope::detail {
namespace {

class IntRow : public RowQuantizer {
 public:
  IntRow(const Scheme& s, Ctx& ctx)
      : s_(s), ctx_(ctx), elem_(element_codec(s, ctx, true, !s.asymmetric)),
        wide_(kInt32, s.rounding, true, &ctx.rng) {}

  void run(const Segment& g) override { groups(g, {}, nullptr); }
  void run_sums(const Segment& g, const double* inv, Lanes& sums) override {
    // A group whose length is a multiple of 8 starts on lane 0, so the sums taken group by group are those of
    // the whole segment; other group sizes sum the segment at the end.
    if (s_.granularity == Granularity::kBlock && s_.block % 8 != 0) return RowQuantizer::run_sums(g, inv, sums);
    groups(g, {inv, nullptr}, &sums);
  }
  bool fuses_inverses() const override { return true; }
  void run_sums_inv(const Segment& g, double* inv, Lanes& sums) override {
    if (s_.granularity == Granularity::kBlock && s_.block % 8 != 0) return RowQuantizer::run_sums_inv(g, inv, sums);
    groups(g, {inv, inv}, &sums);
  }

 private:
  /// 1/|x| of a segment (Lanes), or where it goes when it is not computed yet (`fill`, then the same as `at`).
  struct Inverses {
    const double* at;
    double* fill;
    Inverses offset(std::uint64_t b) const { return {at + b, fill ? fill + b : nullptr}; }
  };
  /// Every group (or the whole segment) with its range; with `sums`, their error sums are added group by group.
  void groups(const Segment& g, Inverses inv, Lanes* sums) {
    const std::uint64_t n_group = s_.granularity == Granularity::kBlock ? std::uint64_t(s_.block) : g.cols;
    for (std::uint64_t b = 0; b < g.cols; b += n_group) {
      const std::uint64_t n = std::min(n_group, g.cols - b);
      double lo, hi;
      if (s_.granularity == Granularity::kTensor) {
        lo = ctx_.min;
        hi = ctx_.max;
      } else if (s_.granularity == Granularity::kChannel && ctx_.rows) {
        lo = ctx_.rows->lo[g.row];
        hi = ctx_.rows->hi[g.row];
      } else {
        block_range(g.x + b, n, lo, hi);
      }
      lo = std::min(lo, 0.0);  // the range always holds 0, so zero is exact (PyTorch MinMaxObserver)
      hi = std::max(hi, 0.0);
      const Part part{g.x + b, sums ? inv.offset(b) : Inverses{}, g.y + b, g.clip + b, n};
      const bool summed = s_.asymmetric ? (asym_block(part, lo, hi), false) : sym_block(part, std::max(-lo, hi), sums);
      if (!sums || summed) continue;
      if (part.inv.fill) reciprocals(part.x, part.inv.fill, n);
      sums->add_error(part.x, part.inv.at, part.y, part.clip, n);
    }
  }
  /// One group: its input, 1/|x| (with sums), and where its dequantized values and flags go.
  struct Part {
    const double* x;
    Inverses inv;
    double* y;
    unsigned char* clip;
    std::uint64_t n;
  };
  double stored_scale(double v) const {  // groups store fp16 scales, per tensor / channel fp32
    return s_.granularity == Granularity::kBlock ? to_fp16(v) : static_cast<double>(static_cast<float>(v));
  }
  /// Symmetric: scale = amax / (2^(B-1) - 1) (int8: /127, int4: /7), q = round(x / scale) in [-qmax, qmax].
  /// With `sums`, a nonzero scale adds the group's sums in the rounding loop (Codec::round_sums); returns
  /// whether it did.
  bool sym_block(const Part& p, double amax, Lanes* sums) {
    const double qmax = elem_.max_finite;
    const double scale = stored_scale(amax / qmax);
    if (!(scale > 0)) {
      std::fill_n(p.y, p.n, 0.0);
      std::fill_n(p.clip, p.n, static_cast<unsigned char>(0));
      return false;
    }
    const Affine aff{ScaleOp::kDiv, scale, ScaleOp::kMul, scale};
    if (!sums) return elem_.round_n(p.x, p.y, p.clip, p.n, aff), false;
    if (p.inv.fill) elem_.round_sums_inv(p.x, p.inv.fill, p.y, p.clip, p.n, aff, *sums);
    else elem_.round_sums(p.x, p.inv.at, p.y, p.clip, p.n, aff, *sums);
    return true;
  }
  /// Asymmetric (GPTQ / AWQ): scale = (max - min) / (2^B - 1), zero = round(-min / scale) clamped to
  /// [0, 2^B - 1], q = clamp(round(x / scale) + zero), y = (q - zero) · scale.
  void asym_block(const Part& p, double lo, double hi) {
    const double qmax = elem_.max_finite;
    const double scale = stored_scale((hi - lo) / qmax);
    if (!(scale > 0)) {
      std::fill_n(p.y, p.n, 0.0);
      std::fill_n(p.clip, p.n, static_cast<unsigned char>(0));
      return;
    }
    const double zero = std::clamp(std::nearbyint(-lo / scale), 0.0, qmax);
    wide_.round_n(p.x, p.y, p.clip, p.n, {ScaleOp::kDiv, scale});  // round(x / scale) before the zero point
    std::uint64_t i = 0;
    if (kernel_isa() >= Isa::kAvx512) {
      i = p.n / 8 * 8;
      asym_finish_avx512(p.y, p.clip, i, zero, qmax, scale);
    }
    for (; i < p.n; ++i) {
      const double q = p.y[i] + zero;
      p.clip[i] = q < 0 || q > qmax;
      const double c = std::clamp(q, 0.0, qmax);
      p.y[i] = (c - zero) * scale;
    }
  }

  const Scheme& s_;
  Ctx& ctx_;
  Codec elem_;
  Codec wide_;  // int32: round(x / scale) of the asymmetric schemes
};

}  // namespace

const Family kIntFamily{SchemeFamily::kInt, "integer",
                        [](const Scheme& s, Ctx& c) -> std::unique_ptr<RowQuantizer> {
                          return std::make_unique<IntRow>(s, c);
                        }};

}  // namespace numscope::detail
