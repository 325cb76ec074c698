// The data row that defines a number format, and the constexpr derivations every other property follows from.
//
// A floating-point row holds only the defining fields (exponent bits, stored mantissa bits, bias, how infinity
// and NaN are encoded, whether there is a sign and whether exponent field 0 means subnormals). Integers are rows
// too. Nothing per format is written as code: the engine (engine.h) reads the row.
// Sources: IEEE 754-2019 §3.3-3.4; OCP 8-bit Floating Point Specification (OFP8) rev 1.0 §5; OCP Microscaling
// Formats (MX) v1.0 §5.3-5.4; LLVM APFloat's fltSemantics (the naming of fn / fnuz).
#pragma once

#include <cstdint>      // std::uint64_t
#include <string_view>  // std::string_view

namespace numscope {

using u128 = unsigned __int128;  // holds the code of any format up to 1 + 15 + 112 = 128 bits
using i128 = __int128;

/// What the all-ones exponent field means (names after LLVM APFloat's fltNonfiniteBehavior).
enum class Nonfinite : std::uint8_t {
  kIeee754,     // all-ones exponent: mantissa 0 is ±inf, anything else NaN (IEEE 754 §3.4)
  kNanOnly,     // no infinity; NaN is the code(s) named by NanEncoding ("fn" = finite, OFP8 E4M3)
  kFiniteOnly,  // every code is a finite number (OCP MX FP6 / FP4 elements)
};

/// Which codes are NaN when Nonfinite is kNanOnly.
enum class NanEncoding : std::uint8_t {
  kIeee,          // all-ones exponent with a nonzero mantissa (used with kIeee754)
  kAllOnes,       // only S.1111.111 (all exponent and mantissa bits set): OFP8 E4M3, MX E8M0 (0xFF)
  kNegativeZero,  // only the code 1000...0 ("uz" = unsigned zero: there is no -0), fnuz formats
  kNone,          // no NaN at all (kFiniteOnly)
};

enum class Kind : std::uint8_t { kFloat, kInt };

/// One format. Floats use exponent_bits / mantissa_bits / bias / nonfinite / nan / has_sign / has_subnormals;
/// integers use int_bits / is_signed. storage_bits is what one element occupies in memory when packed
/// (tf32: 32, its container; everything else its own width).
struct Format {
  std::string_view name;  // canonical CLI name
  Kind kind = Kind::kFloat;
  int exponent_bits = 0;
  int mantissa_bits = 0;  // stored fraction bits; the implicit leading bit is not counted
  int bias = 0;
  Nonfinite nonfinite = Nonfinite::kIeee754;
  NanEncoding nan = NanEncoding::kIeee;
  bool has_sign = true;
  bool has_subnormals = true;  // false: exponent field 0 is an ordinary binade (E8M0 has no zero)
  int int_bits = 0;
  bool is_signed = true;
  int storage_override = 0;  // 0: storage_bits == bits; tf32 says 32
  std::string_view summary;  // one line for the format table
};

// ---- Derived properties: each one a formula of the row. -------------------------------------------------

/// Total bits of one code: sign + exponent + stored mantissa, or the integer width.
constexpr int bits(const Format& f) {
  return f.kind == Kind::kInt ? f.int_bits : (f.has_sign ? 1 : 0) + f.exponent_bits + f.mantissa_bits;
}
/// Bits an element takes in memory: tf32 lives in a 32-bit container, everything else packs to its width.
constexpr int storage_bits(const Format& f) { return f.storage_override ? f.storage_override : bits(f); }
/// Bytes in the little-endian stream of `numscope cast`: the smallest of 1, 2, 4, 8, 16 holding storage_bits.
constexpr int container_bytes(const Format& f) {
  int b = 1;
  while (b * 8 < storage_bits(f)) b *= 2;
  return b;
}
/// Precision p = stored mantissa bits + the implicit bit (IEEE 754 §3.3).
constexpr int precision(const Format& f) { return f.mantissa_bits + 1; }
/// Largest biased exponent field value, 2^E - 1.
constexpr int max_exponent_field(const Format& f) { return (1 << f.exponent_bits) - 1; }
/// emin, the exponent of the smallest normal number: 1 - bias (IEEE 754 §3.3), or -bias when exponent field 0
/// is itself a normal binade (E8M0, OCP MX v1.0 §5.4.1: 2^-127).
constexpr int emin(const Format& f) { return f.has_subnormals ? 1 - f.bias : -f.bias; }

constexpr u128 mask_bits(int n) { return n >= 128 ? ~u128{0} : (u128{1} << n) - 1; }
constexpr u128 sign_bit(const Format& f) { return f.has_sign ? u128{1} << (bits(f) - 1) : 0; }
/// Largest code, sign cleared, that encodes a finite number:
///  IEEE 754: exponent 2^E - 2 with an all-ones mantissa (the all-ones exponent is inf/NaN);
///  NaN only as all ones (OFP8 E4M3): all ones minus one, S.1111.110 = 448;
///  NaN as negative zero (fnuz) or no NaN (MX FP6/FP4): all ones, every magnitude is finite.
constexpr u128 max_finite_code(const Format& f) {
  const u128 all = mask_bits(f.exponent_bits + f.mantissa_bits);
  switch (f.nonfinite) {
    case Nonfinite::kIeee754: return all - (u128{1} << f.mantissa_bits);
    case Nonfinite::kNanOnly: return f.nan == NanEncoding::kAllOnes ? all - 1 : all;
    case Nonfinite::kFiniteOnly: return all;
  }
  return all;
}
/// Exponent of the largest finite number: its biased field minus the bias (emin when that field is 0).
constexpr int emax(const Format& f) {
  const int field = static_cast<int>(max_finite_code(f) >> f.mantissa_bits);
  return (field == 0 && f.has_subnormals) ? emin(f) : field - f.bias;
}
constexpr bool has_inf(const Format& f) { return f.kind == Kind::kFloat && f.nonfinite == Nonfinite::kIeee754; }
constexpr bool has_nan(const Format& f) { return f.kind == Kind::kFloat && f.nan != NanEncoding::kNone; }
/// Negative zero exists when there is a sign bit and the code 100..0 is not taken by NaN.
constexpr bool has_negative_zero(const Format& f) {
  return f.kind == Kind::kFloat && f.has_sign && f.has_subnormals && f.nan != NanEncoding::kNegativeZero;
}
/// The canonical NaN code: the IEEE quiet NaN (sign 0, exponent all ones, top mantissa bit: IEEE 754 §6.2.1),
/// S.1111.111 with S = 0 (OFP8 E4M3, E8M0's 0xFF), or 100..0 for fnuz. Formats without NaN: 0 (check has_nan).
constexpr u128 nan_code(const Format& f) {
  const int m = f.mantissa_bits;
  switch (f.nan) {
    case NanEncoding::kIeee: return (u128(max_exponent_field(f)) << m) | (m > 0 ? u128{1} << (m - 1) : 0);
    case NanEncoding::kAllOnes: return mask_bits(f.exponent_bits + m);
    case NanEncoding::kNegativeZero: return sign_bit(f);
    case NanEncoding::kNone: return 0;
  }
  return 0;
}
/// Integer range: two's complement [-2^(n-1), 2^(n-1)-1] or unsigned [0, 2^n - 1].
constexpr i128 int_min(const Format& f) { return f.is_signed ? -(i128{1} << (f.int_bits - 1)) : 0; }
constexpr i128 int_max(const Format& f) {
  return f.is_signed ? (i128{1} << (f.int_bits - 1)) - 1 : static_cast<i128>(mask_bits(f.int_bits));
}

/// 2^e as a double, exact for -1074 <= e <= 1023 (a constexpr std::ldexp(1.0, e)); 0 or inf beyond.
constexpr double pow2_f64(int e) {
  double v = 1;
  for (; e > 0; --e) v *= 2;
  for (; e < 0; ++e) v /= 2;
  return v;
}
/// The largest finite value as a double (integers: int_max): exact for every format whose values fit binary64
/// (every built-in row), +inf for wider user formats. Example: max_finite(kE4m3) == 448.
constexpr double max_finite(const Format& f) {
  if (f.kind == Kind::kInt) return static_cast<double>(int_max(f));
  const u128 code = max_finite_code(f);
  const int m = f.mantissa_bits;
  // A normal maximum is 1.m · 2^emax = sig · 2^(emax - m) (every E8M0 code is normal); a subnormal one
  // 0.m · 2^emin (a user row with one exponent field value).
  const bool normal = (code >> m) != 0 || !f.has_subnormals;
  const u128 sig = (code & mask_bits(m)) | (normal ? u128{1} << m : 0);
  const int exp2 = (normal ? emax(f) : emin(f)) - m;
  double s = 0;
  for (int i = 127; i >= 0; --i) s = s * 2 + static_cast<double>((sig >> i) & 1);  // exact up to 53 bits
  return s * pow2_f64(exp2);
}

/// Two rows are the same format when every defining field and the storage width agree (the name and summary
/// aside): an alias, a user spelling of a built-in layout and the built-in row are one format.
constexpr bool same_layout(const Format& a, const Format& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == Kind::kInt) return a.int_bits == b.int_bits && a.is_signed == b.is_signed;
  return a.exponent_bits == b.exponent_bits && a.mantissa_bits == b.mantissa_bits && a.bias == b.bias &&
         a.nonfinite == b.nonfinite && a.nan == b.nan && a.has_sign == b.has_sign &&
         a.has_subnormals == b.has_subnormals && storage_bits(a) == storage_bits(b);
}

}  // namespace numscope
