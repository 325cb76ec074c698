// Derived range and precision properties of a format row (formulas cite IEEE 754 §3.3 and C17 5.2.4.2.2).
#include "numscope/formats/properties.h"

#include <cmath>  // std::log10, std::floor, std::ceil

#include "numscope/formats/engine.h"
#include "numscope/formats/text.h"

namespace numscope {
namespace {

constexpr double kLog10Of2 = 0.30102999566398119521;

Rational pow2(long e) { return dyadic(BigInt(1), e); }

/// log10 of a positive decoded value sig · 2^exp2, in double (for rounded displays only).
double log10_of(const Decoded& d) {
  return std::log10(static_cast<double>(d.sig)) + d.exp2 * kLog10Of2;
}

}  // namespace

Properties properties(const Format& f) {
  Properties p;
  p.bits = bits(f);
  p.storage_bits = storage_bits(f);
  if (f.kind == Kind::kInt) {
    p.int_min = Rational(BigInt(to_string(int_min(f))));
    p.int_max = Rational(BigInt(to_string(int_max(f))));
    p.max = p.int_max;
    p.finite_count = to_string(u128{1} << f.int_bits);
    p.nan_encoding = "none";
    return p;
  }
  const int m = f.mantissa_bits;
  p.exponent_bits = f.exponent_bits;
  p.mantissa_bits = m;
  p.bias = f.bias;
  p.precision = precision(f);
  p.emin = emin(f);
  p.emax = emax(f);
  const Decoded max = decode(f, max_finite_code(f));
  // The smallest positive code: 1 (the smallest subnormal, or the smallest normal when m = 0), or 0 without
  // subnormals (E8M0's 2^-127).
  const Decoded tiny = decode(f, f.has_subnormals ? 1 : 0);
  p.max = max.number().mag;
  p.min_subnormal = tiny.number().mag;
  p.min_normal = pow2(p.emin);                   // 2^emin
  p.epsilon = pow2(-m);                          // 2^-m = 2^(1-p), C17 FLT_EPSILON
  p.unit_roundoff = pow2(-m - 1);                // 2^-p, half an ulp of 1
  p.decimal_digits = p.precision * kLog10Of2;    // p · log10 2
  p.digits10 = static_cast<int>(std::floor((p.precision - 1) * kLog10Of2));  // C17 FLT_DIG
  p.max_digits10 = static_cast<int>(std::ceil(1 + p.precision * kLog10Of2)); // C17 FLT_DECIMAL_DIG
  p.range_decades = log10_of(max) - log10_of(tiny);
  // Finite codes: all codes minus those taken by inf and NaN; +0 and -0 are one value.
  u128 total = u128{1} << bits(f);
  const u128 per_sign = f.has_sign ? 2 : 1;
  switch (f.nan) {
    case NanEncoding::kIeee: total -= per_sign << m; break;        // all-ones exponent, either sign
    case NanEncoding::kAllOnes: total -= per_sign; break;          // S.1111.111
    case NanEncoding::kNegativeZero: total -= 1; break;            // 0x80
    case NanEncoding::kNone: break;
  }
  if (has_negative_zero(f)) total -= 1;
  p.finite_count = to_string(total);
  p.has_inf = has_inf(f);
  p.has_nan = has_nan(f);
  p.has_negative_zero = has_negative_zero(f);
  switch (f.nan) {
    case NanEncoding::kIeee: p.nan_encoding = "exponent all ones, mantissa != 0"; break;
    case NanEncoding::kAllOnes:
      p.nan_encoding = f.has_sign ? "S." + std::string(f.exponent_bits, '1') + "." + std::string(m, '1')
                                  : bits_hex(f, nan_code(f));
      break;
    case NanEncoding::kNegativeZero: p.nan_encoding = bits_hex(f, nan_code(f)) + " (the -0 code)"; break;
    case NanEncoding::kNone: p.nan_encoding = "none"; break;
  }
  return p;
}

std::string pow2_formula(int e) { return "2^" + std::to_string(e); }

std::string max_formula(const Format& f) {
  if (f.kind == Kind::kInt) return f.is_signed ? "2^" + std::to_string(f.int_bits - 1) + "-1" : "2^" + std::to_string(f.int_bits) + "-1";
  const u128 mant = max_finite_code(f) & mask_bits(f.mantissa_bits);
  const std::string scale = "×" + pow2_formula(emax(f));
  if (f.mantissa_bits == 0) return pow2_formula(emax(f));
  if (mant == mask_bits(f.mantissa_bits)) return "(2-2^-" + std::to_string(f.mantissa_bits) + ")" + scale;
  // 1 + mant / 2^m, exactly
  return exact_decimal(Rational(1) + dyadic(BigInt(static_cast<unsigned long long>(mant)), -f.mantissa_bits)) + scale;
}

}  // namespace numscope
