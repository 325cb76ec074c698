// The one element rounding of numscope: how an integer significand loses its low bits under each rounding mode.
//
// Every conversion ends in the same step: a magnitude g · 2^-d (g an integer, d >= 1 bits below the last kept
// place) becomes the integer n = floor(g / 2^d) or n + 1. Adding round_increment() to g before shifting decides
// it, so the decision is one integer addition whose carry (into the next place, or into the next binade when g
// is a float's bit pattern) does the rest:
//     g = ... L | R T T T T      L: last kept bit, R: round bit, T: sticky bits (d = 5 here)
//     rne: 2^(d-1) - 1 + L   rna: 2^(d-1)   rtz: 0   up / down: 2^d - 1 toward that sign, else 0
//     odd: 2^d - 1 when L = 0 (sets the last bit of an inexact result), else 0
//     stochastic: 2^d - 1 with probability (the dropped fraction), from a reproducible random stream
// Its users: the engine (engine.cpp: both front ends, every mode), the fast fp32 kernels (fast/kernels.h:
// fp32's bit pattern cut at 23 - M bits), and the quantizers' element rounding (round_to_grid below: a binary64
// value cut to a row's grid, in place). Sources: IEEE 754-2019 §4.3 (rounding-direction attributes), §7.4;
// round to odd: Boldo & Melquiond, "Emulation of FMA and correctly rounded sums" (2008); stochastic rounding:
// Croci et al., "Stochastic rounding: implementation, error analysis and applications" (2022) §2.
#pragma once

#include "numscope/support/bits.h"  // bit_cast
#include <cstdint>  // std::uint64_t

#include "numscope/formats/format.h"

namespace numscope {

/// Rounding modes (IEEE 754 §4.3 plus round-to-odd and stochastic rounding).
enum class Rounding : std::uint8_t {
  kNearestEven,  // rne: the default
  kNearestAway,  // rna: ties away from zero, how NVIDIA's cvt.rna.tf32.f32 converts FP32 to TF32
  kTowardZero,   // rtz
  kUp,           // toward +inf
  kDown,         // toward -inf
  kOdd,          // round to odd: truncate, then set the last bit when inexact (avoids double rounding)
  kStochastic,   // round up with probability equal to the discarded fraction, reproducible from a seed
};

/// A reproducible random stream for stochastic rounding (splitmix64).
struct Rng {
  std::uint64_t state = 0;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

/// What to add to g (an unsigned integer of type U) so that (g + increment) >> d is g · 2^-d rounded to an
/// integer by mode r, for a value of sign `neg`; 1 <= d < the width of U, and g + increment must not wrap.
/// Stochastic rounding draws one number from `rng` when the result is inexact (and needs rng then): it rounds up
/// when U < f · 2^64 for U uniform on [0, 2^64) and f the dropped fraction, read as its top 64 bits and a sticky
/// bit, so the stream and the results do not depend on how many bits the caller keeps below the cut.
/// Called with constant r and d (the fast kernels), it folds to the one or two instructions of that mode.
/// Example: round_increment<std::uint32_t>(Rounding::kNearestEven, false, 0b1011'1000, 4) == 0b1000 (a tie, odd
/// last bit: 1011.1 -> 1100).
template <class U>
[[gnu::always_inline]] constexpr U round_increment(Rounding r, bool neg, U g, int d, Rng* rng = nullptr) {
  const U half = U{1} << (d - 1);
  const U below = half + (half - 1);  // 2^d - 1: carries into the kept bits exactly when anything was dropped
  const U last = (g >> d) & 1;
  switch (r) {
    case Rounding::kNearestEven: return half - 1 + last;
    case Rounding::kNearestAway: return half;
    case Rounding::kTowardZero: return 0;
    case Rounding::kUp: return neg ? 0 : below;
    case Rounding::kDown: return neg ? below : 0;
    case Rounding::kOdd: return last ? 0 : below;
    case Rounding::kStochastic: {
      const U rest = g & below;
      if (rest == 0 || rng == nullptr) return 0;  // exact (the engine refuses a missing seed before this)
      std::uint64_t top;  // the dropped fraction's top 64 bits, and whether any further bit is set
      bool sticky = false;
      if (d <= 64) {
        top = static_cast<std::uint64_t>(rest) << (64 - d);
      } else {
        top = static_cast<std::uint64_t>(rest >> (d - 64));
        sticky = (rest & ((U{1} << (d - 64)) - 1)) != 0;
      }
      const std::uint64_t u = rng->next();
      return u < top || (u == top && sticky) ? below : 0;
    }
  }
  return 0;
}

/// Whether g · 2^-d rounds up to floor(g / 2^d) + 1 by mode r (round_increment's carry).
template <class U>
[[gnu::always_inline]] constexpr bool rounds_up(Rounding r, bool neg, U g, int d, Rng* rng = nullptr) {
  return ((g >> d) & 1) != (((g + round_increment(r, neg, g, d, rng)) >> d) & 1);
}

/// v rounded by mode r (not stochastic) to the grid of a float row with m stored mantissa bits and smallest normal
/// exponent emin (subnormals on emin's spacing, IEEE 754 §3.3), for a finite v whose rounded magnitude cannot pass
/// the row's largest finite value (the caller checks |v| <= max finite: that maximum is on the grid). The sign
/// is kept, a zero result included. Works on v's bits: a normal result drops the low 52 - m bits of the binary64
/// pattern (a carry rounds into the next binade), a subnormal one drops more from the significand with its hidden
/// bit. Needs m <= 51 and emin - m >= -1074 (the grid is made of binary64 values).
/// Example: round_to_grid(449.0, 3, -6, Rounding::kNearestEven) == 448.0 (E4M3's grid near 448 steps by 32).
[[gnu::always_inline]] inline double round_to_grid(double v, int m, int emin, Rounding r) {
  constexpr std::uint64_t kAbs = 0x7fffffffffffffffULL, kHidden = std::uint64_t{1} << 52;
  const std::uint64_t b = bit_cast<std::uint64_t>(v), a = b & kAbs, sign = b & ~kAbs;
  const bool neg = sign != 0;
  const int field = static_cast<int>(a >> 52);
  const int e = field ? field - 1023 : -1023;  // binary64 subnormals are below every grid here: any e < emin
  if (e >= emin) {
    const int d = 52 - m;
    const std::uint64_t mask = (std::uint64_t{1} << d) - 1;
    return bit_cast<double>(sign | ((a + round_increment<std::uint64_t>(r, neg, a, d)) & ~mask));
  }
  // |v| < 2^emin: n = |v| / 2^(emin - m) rounded, from the 53-bit significand g = |v| / 2^(e - 52).
  std::uint64_t g = field ? (a & (kHidden - 1)) | kHidden : a;
  int d = (52 - m) + (emin - e) - (field ? 0 : 1);  // binary64 subnormals: |v| = g · 2^-1074
  if (d > 62) {  // g · 2^-d < 2^-9: below half a step, inexact unless zero; a stand-in with the same decisions
    g = g != 0;
    d = 2;
  }
  const std::uint64_t n = (g + round_increment<std::uint64_t>(r, neg, g, d)) >> d;
  const int q = emin - m;  // the quantum 2^q, a binary64 normal or subnormal power of two
  const double quantum = bit_cast<double>(q >= -1022 ? static_cast<std::uint64_t>(q + 1023) << 52
                                                          : std::uint64_t{1} << (q + 1074));
  return bit_cast<double>(sign | bit_cast<std::uint64_t>(static_cast<double>(n) * quantum));
}

}  // namespace numscope
