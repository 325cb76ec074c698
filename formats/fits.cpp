// Which formats hold which values (fits.h), from the rows' fields.
#include "numscope/formats/fits.h"

#include "numscope/formats/engine.h"
#include "numscope/formats/number.h"

namespace numscope {
namespace {

/// The largest finite value of a float row, exactly.
Rational max_value(const Format& f) { return decode(f, max_finite_code(f)).number().value(); }

/// IEEE 754 binary64 by its fields (§3.4).
constexpr Format binary64_row() {
  Format f;
  f.exponent_bits = 11;
  f.mantissa_bits = 52;
  f.bias = 1023;
  return f;
}

}  // namespace

bool is_binary32(const Format& f) {
  return f.kind == Kind::kFloat && f.exponent_bits == 8 && f.mantissa_bits == 23 && f.bias == 127 &&
         f.nonfinite == Nonfinite::kIeee754 && f.has_sign && f.has_subnormals && storage_bits(f) == 32;
}

bool is_binary64(const Format& f) {
  const Format b = binary64_row();
  return f.kind == Kind::kFloat && f.exponent_bits == b.exponent_bits && f.mantissa_bits == b.mantissa_bits &&
         f.bias == b.bias && f.nonfinite == Nonfinite::kIeee754 && f.has_sign && f.has_subnormals &&
         storage_bits(f) == 64;
}

bool finite_values_fit(const Format& f, const Format& g) {
  if (f.kind == Kind::kInt) {
    if (g.kind == Kind::kInt) return int_min(f) >= int_min(g) && int_max(f) <= int_max(g);
    if (f.is_signed && !g.has_sign) return false;
    // Integers up to 2^p are exact in a float of precision p; the widest magnitude must not exceed max(g).
    if (!g.has_subnormals || f.int_bits > 126) return false;  // no zero in g; no float row holds 2^126 exactly
    if (precision(g) < 126 && int_max(f) > (i128{1} << precision(g))) return false;
    // The widest magnitude: |int_min| = 2^(n-1), or the unsigned maximum 2^n - 1.
    const BigInt widest = f.is_signed ? BigInt(1) << (f.int_bits - 1) : (BigInt(1) << f.int_bits) - 1;
    return Rational(widest) <= max_value(g);
  }
  if (g.kind == Kind::kInt) return false;
  if (f.has_sign && !g.has_sign) return false;
  if (f.mantissa_bits > g.mantissa_bits || max_value(f) > max_value(g)) return false;
  // The smallest step of f (its subnormal quantum, or 2^emin without subnormals) must be a step of g, and a
  // format without subnormals has no zero to hold f's zero.
  const int f_low = emin(f) - (f.has_subnormals ? f.mantissa_bits : 0);
  if (!g.has_subnormals) return !f.has_subnormals && f_low >= emin(g) && f.mantissa_bits <= g.mantissa_bits;
  return f_low >= emin(g) - g.mantissa_bits && emin(f) - f.mantissa_bits >= emin(g) - g.mantissa_bits;
}

}  // namespace numscope
