// The rounding kernels of block-scaled segments (OCP MX, NVFP4): one call rounds a whole segment whose blocks
// each have their own scaling, instead of one Codec::round_n call per block of 16 or 32 elements.
#pragma once

#include <cstdint>  // std::uint64_t

#include "numscope/quantize/kernels.h"
#include "numscope/quantize/kernels_avx512.h"  // Fixup
#include "numscope/quantize/lanes.h"

namespace numscope::detail {

/// The scaling of each block of a segment: block k (elements [k·bs, (k+1)·bs), the last one may be short) is
/// rounded as Codec::round_n rounds it with Affine{pre, a[k], post, b[k]}, except that a block whose b[k] is 0
/// becomes +0 everywhere, unclipped (a block-scaled family's all-zero block, whose scale is 0).
struct BlockScales {
  std::uint64_t bs = 0;
  ScaleOp pre = ScaleOp::kNone, post = ScaleOp::kNone;
  const double* a = nullptr;
  const double* b = nullptr;
  /// pre == kDiv: 1/a[k] where x/a[k] may be tried as x·(1/a[k]) first (a reciprocal that is a normal number,
  /// |a[k]| in [2^-1000, 2^1000], as the AVX-512 round kernels require), else 0: those blocks divide.
  const double* inv_a = nullptr;
};

/// BlockScales::inv_a's value for a scale a (the same test as the AVX-512 round kernels' divides_by_reciprocal).
inline double block_reciprocal(double a) {
  const double m = a < 0 ? -a : a;
  return m >= 0x1p-1000 && m <= 0x1p1000 ? 1.0 / a : 0.0;
}

/// Codec::round_n's vector kernel over the first n values of a segment (n and s.bs multiples of 8), on a float
/// grid (GridParams::m <= 20 for the reciprocal), post = kMul: lanes it cannot round get clip 2 and keep pre(v)
/// for the caller (round_n's contract); returns whether there was any.
using BlockRoundKernel = bool (*)(const GridParams&, const BlockScales&, const double* v, double* out,
                                  unsigned char* clip, std::uint64_t n);
/// The same fused with Lanes::add_error (RoundSumsKernel's contract): the lanes it cannot round go to `fix`;
/// false, with t untouched, when a sum is not finite.
using BlockSumsKernel = bool (*)(const GridParams&, const BlockScales&, const double* v, const double* inv,
                                 std::uint64_t n, Lanes& t, const Fixup& fix);
/// The AVX-512 builds (kernels_avx512.cpp, beside the kernels they share the rounding with); pre is kMul or kDiv.
BlockRoundKernel round_blocks_kernel_avx512(ScaleOp pre);
/// block_amaxes of the first blocks of n values, eight blocks at a time (bs a multiple of 8): one reduction across
/// lanes per eight blocks instead of one per block. Returns how many blocks it did (a multiple of 8).
std::uint64_t amax_blocks8_avx512(const double* x, std::uint64_t n, std::uint64_t bs, double* out);
BlockSumsKernel round_blocks_sums_kernel_avx512(ScaleOp pre);

}  // namespace numscope::detail
