// What the OCP MX and NVFP4 families share: a segment's blocks rounded through one element codec, each block
// scaled by a factor its family derives from the block's largest magnitude; and NVFP4's E4M3 block scale.
#pragma once

#include <algorithm>  // std::min, std::fill_n
#include <cstdint>    // std::uint64_t
#include <vector>     // std::vector

#include "numscope/quantize/family.h"
#include "numscope/quantize/kernels.h"

namespace numscope::detail {

/// The row quantizer of a block-scaled family: Derived::begin() runs first on each segment (what is the same for
/// all its blocks), then Derived::scale(amax, affine) gives the scaling of a block around
/// the element rounding (pre before it, post after), or false for a block whose values all become 0 (clip 0).
/// The error sums stay RowQuantizer::run_sums' one pass over the segment: Codec::round_sums per block of 16 or
/// 32 measured slower (nvfp4 0.78 GB/s against 1.00 in numscope bench).
template <class Derived>
class BlockScaledRow : public RowQuantizer {
 public:
  BlockScaledRow(Codec elem, std::uint64_t block) : elem_(std::move(elem)), block_(block) {}
  void run(const Segment& g) override {
    static_cast<Derived&>(*this).begin();
    block_amaxes(g.x, g.cols, block_, amax_);
    for (std::uint64_t b = 0; b < g.cols; b += block_) {
      const std::uint64_t n = std::min(block_, g.cols - b);
      Affine a;
      if (static_cast<Derived&>(*this).scale(amax_[b / block_], a)) {
        elem_.round_n(g.x + b, g.y + b, g.clip + b, n, a);
      } else {
        std::fill_n(g.y + b, n, 0.0);
        std::fill_n(g.clip + b, n, static_cast<unsigned char>(0));
      }
    }
  }

 protected:
  Codec elem_;
  std::uint64_t block_;
  std::vector<double> amax_;  // the amax of each block of a segment
};

/// The family row of a row quantizer type constructed from (scheme, ctx).
template <class Row>
std::unique_ptr<RowQuantizer> make_row(const Scheme& s, Ctx& ctx) {
  return std::make_unique<Row>(s, ctx);
}

/// E4M3 (OCP FP8, bias 7, 3 mantissa bits, max 448) of v >= 0, rounded to nearest even and saturating at 448:
/// NVFP4's block scale, as Codec(kE4m3, kNearestEven, saturate).round gives it, without the engine (nvfp4.cpp;
/// tests/quantize/ggml_vector_test.cpp compares the two).
double e4m3_scale(double v);

}  // namespace numscope::detail
