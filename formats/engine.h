// The one generic conversion engine: rounds an exact value into any format row, and decodes any code.
//
// Steps (named as in ml_dtypes' ConvertImpl): 1. non-finite input, 2. zero, 3. split |x| at the format's
// quantum 2^(max(e, emin) - m) into an integer significand and a fraction, 4. round once by the mode,
// 5. overflow / underflow by the row's nonfinite rule or --saturate, 6. pack sign, exponent and mantissa.
// Overflow follows IEEE 754 §7.4 and OFP8 §5 ("round first, then decide": E4M3 464 -> 448, 465 -> NaN).
#pragma once

#include <cstdint>      // std::uint64_t
#include <optional>     // std::optional
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/formats/format.h"
#include "numscope/formats/number.h"
#include "numscope/formats/round.h"  // Rounding, Rng, the one rounding decision

namespace numscope {

/// Parses rne, rna, rtz, up, down, odd, stochastic (case-insensitive); throws InputError otherwise.
Rounding parse_rounding(std::string_view name);
std::string_view rounding_name(Rounding r);

/// IEEE 754 §7 style status flags; overflow and underflow always come with inexact.
enum Status : unsigned {
  kOk = 0,
  kInvalid = 1,     // NaN into a format without NaN, a negative into an unsigned float, NaN into an integer
  kOverflow = 4,    // the magnitude, rounded with an unbounded exponent, exceeds the largest finite value
  kUnderflow = 8,   // a tiny (below the smallest normal) result that is inexact
  kInexact = 16,    // the stored value differs from the input
  kSaturated = 32,  // with kOverflow: ±max (or an integer bound) was stored, not ±inf or NaN
};

struct ConvertOptions {
  Rounding rounding = Rounding::kNearestEven;
  bool saturate = false;  // clamp overflow and infinities to ±max in every format (OFP8 saturation mode,
                          // NVIDIA __NV_SATFINITE)
  bool ftz = false;       // flush subnormal results to zero
  Rng* rng = nullptr;     // required for kStochastic
};

struct Encoded {
  u128 code = 0;
  unsigned status = kOk;
};

/// Encodes an exact number; one rounding, straight from the rational.
/// Example: encode(kE4m3, parse_number("-431.99999999999994")) is -416 (code 0xfd = 1 1111 101: -(1.625 · 2^8)).
Encoded encode(const Format& f, const Number& x, const ConvertOptions& opt = {});
/// Encodes a binary64 value; the same rounding as the exact path, with integer arithmetic only (fast).
Encoded encode(const Format& f, double x, const ConvertOptions& opt = {});

enum class ValueClass : std::uint8_t { kZero, kSubnormal, kNormal, kInf, kNan };
std::string_view class_name(ValueClass c);

/// A decoded code. Finite values are (-1)^neg · sig · 2^exp2 exactly (integers: exp2 = 0).
struct Decoded {
  ValueClass cls = ValueClass::kZero;
  bool neg = false;
  u128 sig = 0;
  int exp2 = 0;
  /// The exact value as a Number (inf / nan / signed zero kept).
  Number number() const;
};

Decoded decode(const Format& f, u128 code);
/// The value as a double: exact for every format whose values fit binary64 (all built-ins).
double decode_double(const Format& f, u128 code);
/// decode_double of every code of a format of at most 16 bits, built once per format for the whole process
/// (thread-safe; the reference stays valid until exit). Callers that decode many codes index it.
const std::vector<double>& decode_table(const Format& f);
/// One word for a conversion's outcome, as tables print it, by one rule for every rounding mode: "overflow"
/// when ±inf or NaN was stored because the value exceeded the range; "saturated" when ±max (an integer bound)
/// was stored because the value, rounded with an unbounded exponent (IEEE 754 §7.4), exceeded it; otherwise
/// "underflow" (a nonzero input became zero, or E8M0's floor), "rounded" or "exact"; "nan" (a NaN input kept
/// as NaN) and "invalid" (no code can stand for the input). An infinite input stored as infinity is "exact".
std::string_view outcome(const Format& f, const Number& input, const Encoded& e);

/// The code of the next representable value above (toward +inf) or below (toward -inf), or nothing past the
/// ends of the format (and for NaN). Zero's neighbours are the smallest subnormals; +0 and -0 are one value.
std::optional<u128> next_up(const Format& f, u128 code);
std::optional<u128> next_down(const Format& f, u128 code);

/// Codes with a sign bit are stored in the low bits(f) of the container; `code` above bits(f) must be zero.
bool valid_code(const Format& f, u128 code);

}  // namespace numscope
