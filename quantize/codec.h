// Codec: an element format with its rounding options, the one element rounding of every quantizer. It rounds
// through the format engine (encode + the engine's decode table) and takes fast paths that the tests check
// against the engine bit for bit (check_element_rounding): the binade grid, integers in double, the vector
// kernels of kernels.h, the fp32 kernels of formats/fast.
#pragma once

#include <algorithm>  // std::max, std::clamp, std::min, std::fill_n
#include <cmath>      // std::fabs, std::copysign, std::round, std::ldexp, std::ilogb, std::fmod
#include <cstdint>    // std::uint16_t, std::uint64_t
#include <cstring>    // std::memcpy
#include <limits>     // std::numeric_limits
#include <vector>     // std::vector

#include "numscope/support/bits.h"  // bit_cast (libc++ 14 has no std::bit_cast)
#include "numscope/formats/engine.h"
#include "numscope/formats/fast/convert.h"
#include "numscope/formats/registry.h"
#include "numscope/formats/round.h"  // round_to_grid
#include "numscope/quantize/block_kernels.h"
#include "numscope/quantize/kernels.h"
#include "numscope/quantize/lanes.h"

namespace numscope::detail {

/// An element format with its rounding options, rounding through the engine. Fast paths, checked against the
/// engine in tests (check_element_rounding): floats round on their binade grid (grid_round), integers round in
/// double (exact below 2^51), fp32-valued rows of a cast use the fast fp32 kernels. Round to odd, stochastic
/// rounding, E8M0 and values beyond the largest finite one go through encode().
struct Codec {
  Format f;
  ConvertOptions opt;
  const std::vector<double>* table = nullptr;  // the engine's decode_table (shared by every codec of the row)
  double max_finite = 0, min_int = 0;
  bool fast_int = false;
  bool restricted = false;  // integers: the range is [-max, max] (restrict_to_symmetric)
  bool fast_grid = false;  // float formats without a value table search: rounding on the binade grid
  int grid_m = 0, grid_emin = 0;
  bool grid_negzero = true;
  GridParams grid;  // the same for the vector kernels
  Isa isa = kernel_isa();  // which vector kernels round_n uses (tests run each)
  fast::EncodeFn fast_encode = nullptr;  // fp32 -> f and back through the fast kernels (fast_convert.h), for
  fast::DecodeFn fast_decode = nullptr;  // rows whose values are all fp32 values

  Codec(const Format& fmt, Rounding r, bool saturate, Rng* rng) : f(fmt) {
    opt.rounding = r;
    opt.saturate = saturate;
    opt.rng = rng;
    if (bits(f) <= 16) table = &decode_table(f);
    max_finite = f.kind == Kind::kInt ? double(int_max(f)) : decode_double(f, max_finite_code(f));
    fast_encode = fast::encoder(f, opt);
    fast_decode = fast_encode ? fast::decoder(f, opt) : nullptr;
    if (f.kind == Kind::kInt) {
      min_int = double(int_min(f));
      fast_int = bits(f) <= 53 && saturate &&
                 (r == Rounding::kNearestEven || r == Rounding::kNearestAway || r == Rounding::kTowardZero ||
                  r == Rounding::kUp || r == Rounding::kDown);
    } else if (f.has_subnormals && f.mantissa_bits <= 50 && emin(f) - f.mantissa_bits >= -1000 &&
               emax(f) <= 1000 &&
               (r == Rounding::kNearestEven || r == Rounding::kNearestAway || r == Rounding::kTowardZero ||
                r == Rounding::kUp || r == Rounding::kDown)) {
      // Every IEEE-style float row (fp64 aside) whose values are 0, the subnormal grid and the normal binades
      // up to max_finite: fp32 ... e2m1, fnuz variants, user eXmY. E8M0 (no zero) and round-to-odd /
      // stochastic rounding keep the engine.
      fast_grid = true;
      grid_m = f.mantissa_bits;
      grid_emin = emin(f);
      grid_negzero = has_negative_zero(f);
    }
    grid.max_finite = max_finite;
    grid.min_normal = fast_grid ? std::ldexp(1.0, grid_emin) : 0.0;
    grid.m = grid_m;
    grid.negzero = grid_negzero;
    grid.min_int = min_int;
    grid.sat_limit = grid.sat_clip = max_finite;
    if (fast_grid && r == Rounding::kNearestEven && (saturate || f.nonfinite == Nonfinite::kFiniteOnly)) {
      // The engine's overflow_result stores ±max for every finite value that rounds past max with an unbounded
      // exponent: those beyond the tie above max, and the tie itself when max's significand is odd (to even).
      const int e = std::ilogb(max_finite);
      const double tie = max_finite + std::ldexp(1.0, e - grid_m - 1);  // exact: m + 2 bits
      const bool odd = std::fmod(std::ldexp(max_finite, grid_m - e), 2.0) != 0;
      grid.sat_limit = std::numeric_limits<double>::max();
      grid.sat_clip = odd ? std::nextafter(tie, 0.0) : tie;
    }
  }
  /// Rounds a finite v with |v| <= max_finite on the format's grid by the codec's mode: formats/round.h's
  /// round_to_grid, the element rounding the engine and the fast kernels share (max_finite is on the grid, so
  /// nothing rounds past it). fnuz formats have no -0: a zero result is +0 there.
  double grid_round(double v) const {
    const double r = round_to_grid(v, grid_m, grid_emin, opt.rounding);
    return r == 0 && !grid_negzero ? 0.0 : r;
  }
  /// Rounds v into the format and back; `clipped` is set when the value saturated or overflowed.
  double round(double v, bool& clipped) const {
    if (fast_grid && std::fabs(v) <= max_finite && (f.has_sign || !std::signbit(v))) {  // NaN fails
      clipped = false;
      return grid_round(v);
    }
    if (fast_int && std::fabs(v) < 0x1p51) {  // NaN fails; larger magnitudes go to the engine
      // The integers below 2^51 are the grid of a float row with m = 51 and emin = 51 (its quantum 2^0).
      double q = round_to_grid(v, 51, 51, opt.rounding);
      clipped = q > max_finite || q < min_int;
      q = std::clamp(q, min_int, max_finite);
      return q == 0 ? 0.0 : q;  // the engine's integers have no -0
    }
    const Encoded e = encode(f, v, opt);
    clipped = (e.status & (kSaturated | kOverflow)) != 0;
    const double r = table ? (*table)[static_cast<std::size_t>(e.code)] : decode_double(f, e.code);
    if (restricted && r < min_int) {
      clipped = true;
      return min_int;
    }
    return r;
  }
  /// Symmetric integer quantization leaves the most negative code unused (int8: [-127, 127]; OCP MX v1.0
  /// §5.3.3 for MXINT8): values below -max clamp to -max and count as clipped.
  void restrict_to_symmetric() {
    restricted = true;
    min_int = -max_finite;
    grid.min_int = min_int;
  }
  /// Rounds n values into the format and back through the fast fp32 kernels, bit for bit as round(); false
  /// (nothing written) when there is no kernel or a value is not an fp32 value. Tensors stored as fp32, fp16,
  /// bf16 or fp8 always hold fp32 values. `clipped` needs the engine only for values beyond the largest finite
  /// one (nothing at or below it can round past it).
  bool round_fp32(const double* x, double* y, unsigned char* clip, std::uint64_t n) const {
    if (!fast_encode || !fast_decode) return false;
    // Branch-free loops (they vectorize): whether every value is an fp32 value and whether any lies beyond the
    // largest finite one are each one pass, and only the latter, rare, needs the engine per value.
    bool beyond = false;
    if (!fp32_values(x, n, max_finite, beyond, isa)) return false;
    constexpr std::uint64_t kBlock = 4096;
    float xf[kBlock], yf[kBlock];
    alignas(16) unsigned char codes[kBlock * 4];
    for (std::uint64_t b = 0; b < n; b += kBlock) {
      const std::uint64_t m = std::min(kBlock, n - b);
      for (std::uint64_t i = 0; i < m; ++i) xf[i] = static_cast<float>(x[b + i]);
      fast_encode(xf, codes, m);
      fast_decode(codes, yf, m);
      for (std::uint64_t i = 0; i < m; ++i) y[b + i] = static_cast<double>(yf[i]);
    }
    std::fill_n(clip, n, static_cast<unsigned char>(0));
    if (beyond)
      for (std::uint64_t i = 0; i < n; ++i)
        clip[i] = std::fabs(x[i]) > max_finite && (encode(f, x[i], opt).status & (kSaturated | kOverflow)) != 0;
    return true;
  }
  /// Rounds pre(v) as round() does and writes post of it into out (which may be v), with the clipped flags:
  /// the vector kernels for round to nearest even on a float grid or an integer range, round() for the rest
  /// and for the values the kernels leave (beyond max_finite, NaN, integers past 2^51).
  void round_n(const double* v, double* out, unsigned char* clip, std::uint64_t n, const Affine& s = {}) const {
    const std::uint64_t body = n / 8 * 8;
    const bool grid_ok = fast_grid && f.has_sign && opt.rounding == Rounding::kNearestEven;
    const bool int_ok = fast_int && opt.rounding == Rounding::kNearestEven;
    std::uint64_t i = 0;
    if (grid_ok || int_ok) {
      if (round_kernel(int_ok, isa, s.pre, s.post)(grid, s, v, out, clip, body))
        for (std::uint64_t w = 0; w < body; w += 4) {  // flags four at a time: few lanes are left
          std::uint32_t word;
          std::memcpy(&word, clip + w, 4);
          if (!(word & 0x02020202u)) continue;
          for (std::uint64_t k = w; k < w + 4; ++k)
            if (clip[k] == 2) out[k] = Affine::apply(s.post, round_clip(out[k], clip[k]), s.b);  // out[k]: pre(v)
        }
      i = body;
    }
    for (; i < n; ++i) out[i] = Affine::apply(s.post, round_clip(Affine::apply(s.pre, v[i], s.a), clip[i]), s.b);
  }
  /// round_n of v with the error sums of the result against v added to t (Lanes::add_error, the same bits), in
  /// one loop where there is a fused kernel (AVX-512, round to nearest even, n a multiple of 8); otherwise, or
  /// where that loop hands back, round_n into the scratch y and clip and add_error. inv: 1/|v| (Lanes).
  void round_sums(const double* v, const double* inv, double* y, unsigned char* clip, std::uint64_t n,
                  const Affine& s, Lanes& t) const;
  /// round_sums where 1/|v| is not computed yet: the fused kernel takes it in its loop (one scheme on a
  /// segment: no pass of its own); otherwise it is written to inv first.
  void round_sums_inv(const double* v, double* inv, double* y, unsigned char* clip, std::uint64_t n,
                      const Affine& s, Lanes& t) const;
  /// round_n of a segment of blocks, each with its own scaling (BlockScales): one vector loop over the segment
  /// where there is a block kernel (AVX-512, a float grid, post = kMul, blocks a multiple of 8), otherwise
  /// round_n block by block. The same bits either way.
  void round_blocks(const double* v, double* out, unsigned char* clip, std::uint64_t n, const BlockScales& s) const;
  /// round_blocks with the error sums added to t, as round_sums: one loop where there is a fused block kernel
  /// (n a multiple of 8), else round_blocks into the scratch y and clip and add_error.
  void round_blocks_sums(const double* v, const double* inv, double* y, unsigned char* clip, std::uint64_t n,
                         const BlockScales& s, Lanes& t) const;
  double round_clip(double v, unsigned char& clip) const {
    bool c = false;
    const double r = round(v, c);
    clip = c;
    return r;
  }
  /// The engine alone, for the tests of the fast paths.
  double round_engine(double v, bool& clipped) const {
    const Encoded e = encode(f, v, opt);
    clipped = (e.status & (kSaturated | kOverflow)) != 0;
    return table ? (*table)[static_cast<std::size_t>(e.code)] : decode_double(f, e.code);
  }
};


/// The stored fp16 scale of int groups: round to nearest even, saturating (IEEE 754 binary16).
double to_fp16(double v);
/// GGML_FP16_TO_FP32 (by table) and GGML_FP32_TO_FP16 (round to nearest even, overflow to inf).
float fp16_bits_to_float(std::uint16_t h);
std::uint16_t float_to_fp16_bits(float v);
/// The same through the fast fp32 -> fp16 kernel (fast::encoder), for NaN and for tests.
std::uint16_t float_to_fp16_bits_kernel(float v);

}  // namespace numscope::detail
