// What the OCP MX and NVFP4 families share: a segment's blocks rounded through one element codec, each block
// scaled by a factor its family derives from the block's largest magnitude; and NVFP4's E4M3 block scale.
#pragma once

#include <cstdint>    // std::uint64_t
#include <vector>     // std::vector

#include "numscope/quantize/family.h"
#include "numscope/quantize/block_kernels.h"
#include "numscope/quantize/kernels.h"

namespace numscope::detail {

/// The row quantizer of a block-scaled family: Derived::begin() runs first on each segment (what is the same for
/// all its blocks), then Derived::scales(amax, n, a, b, inv_a) gives the scaling of n blocks from their largest
/// magnitudes, all at once (BlockScales: pre = x·a or x / a, then ·b; b = 0 for a block whose values all become 0,
/// clip 0; inv_a, for pre = x / a, block_reciprocal(a)). The segment is then rounded in one call
/// (Codec::round_blocks; run_sums: with the error sums in the same loop): a round_n call per block of 16 cost
/// NVFP4 half its time.
template <class Derived>
class BlockScaledRow : public RowQuantizer {
 public:
  BlockScaledRow(Codec elem, std::uint64_t block, ScaleOp pre) : elem_(std::move(elem)), block_(block), pre_(pre) {}
  void run(const Segment& g) override { elem_.round_blocks(g.x, g.y, g.clip, g.cols, block_scales(g)); }
  void run_sums(const Segment& g, const double* inv, Lanes& sums) override {
    elem_.round_blocks_sums(g.x, inv, g.y, g.clip, g.cols, block_scales(g), sums);
  }

 protected:
  /// The scaling of each block of the segment.
  BlockScales block_scales(const Segment& g) {
    static_cast<Derived&>(*this).begin();
    const std::size_t n = (g.cols + block_ - 1) / block_;
    amax_.resize(n);
    const std::uint64_t done = elem_.isa >= Isa::kAvx512 ? amax_blocks8_avx512(g.x, g.cols, block_, amax_.data()) : 0;
    block_amaxes(g.x + done * block_, g.cols - done * block_, block_, amax_.data() + done);
    a_.resize(n), b_.resize(n), inv_.resize(n);
    static_cast<Derived&>(*this).scales(amax_.data(), n, a_.data(), b_.data(), inv_.data());
    return {block_, pre_, ScaleOp::kMul, a_.data(), b_.data(), inv_.data()};
  }

  Codec elem_;
  std::uint64_t block_;
  ScaleOp pre_;
  std::vector<double> amax_, a_, b_, inv_;  // per block of a segment: amax, BlockScales' a, b and inv_a
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
/// OCP MX's scale exponent (quantize.h mx_scale_exponent, the same results) from the bits of the block's amax,
/// without frexp's call (mx.cpp).
int mx_scale_exponent_bits(double amax, int emax_elem, double max_elem, MxScaleRule rule);
/// MX's scaling of n blocks (BlockScales, pre = x·a): a = 2^-e and b = 2^e with e = mx_scale_exponent_bits of
/// each amax; eight blocks at a time with AVX-512.
void mx_block_scales(const double* amax, std::uint64_t n, int emax_elem, double max_elem, MxScaleRule rule,
                     double* a, double* b, Isa isa);
/// NVFP4's scaling of n blocks (BlockScales, pre = x / a) from their amaxes, for the per-tensor scale s2 and
/// the element format's largest value: a = b = e4m3_scale(amax / (max_elem·s2)), at least 2^-9 when amax > 0,
/// times s2; 0 where that is not positive (an all-zero block). Eight blocks at a time with AVX-512.
void nvfp4_block_scales(const double* amax, std::uint64_t n, double s2, double max_elem, double* a, double* b,
                        double* inv_a, Isa isa);

}  // namespace numscope::detail
