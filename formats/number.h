// Exact numbers: decimal, scientific, hex-float and fraction input parsed without rounding, and exact decimal output.
//
// Input is parsed straight into a rational (Boost.Multiprecision cpp_rational) and rounded once, by the engine,
// into the target format; it never passes through a double. Every binary value has a finite decimal expansion,
// and exact_decimal prints all of it.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>  // cpp_int, cpp_rational
#include <optional>                           // std::optional
#include <string>                            // std::string
#include <string_view>                       // std::string_view

#include "numscope/formats/format.h"

namespace numscope {

using BigInt = boost::multiprecision::cpp_int;
using Rational = boost::multiprecision::cpp_rational;

/// Bounds that keep every parse and every exact computation finite and fast (docs/formats.md, "Limits").
// The widest built-in range is 1e±4966 (e15m112's subnormals); user biases (±16384) stretch that to about
// 1e±15000. The exact expansion of e15m112's smallest subnormal has about 16500 characters.
inline constexpr std::size_t kMaxNumberLength = 20000;  // characters of one number
inline constexpr long kMaxDecimalExponent = 20000;      // |decimal exponent| of the value (1e20000)
inline constexpr long kMaxBinaryExponent = 66440;       // |binary exponent| of a hex float (2^66440 ≈ 1e20000)

/// An exact input: a finite rational, ±inf or NaN. Zero keeps its sign (-0).
struct Number {
  enum class Kind { kFinite, kInf, kNan };
  Kind kind = Kind::kFinite;
  bool neg = false;
  Rational mag;  // |value|, for kFinite

  bool is_zero() const { return kind == Kind::kFinite && mag == 0; }
  /// The signed value (finite only).
  Rational value() const { return neg ? Rational(-mag) : mag; }
  static Number from_rational(const Rational& r) { return Number{Kind::kFinite, r < 0, r < 0 ? Rational(-r) : r}; }
};

/// Parses "123456.789", "-1.5e-3", "0x1.8p3", "1/3", "inf", "-inf", "nan", "-0" exactly.
/// Throws InputError naming the problem and the accepted forms.
Number parse_number(std::string_view text);

/// A finite double written in full by `text` ("20", "-1.5e-3"), or nothing (empty, trailing text, inf, nan,
/// out of range). For options that are measurements rather than exact inputs (--min-sqnr, sigma=).
std::optional<double> parse_finite_double(std::string_view text);

/// The value m · 2^e as an exact rational.
Rational dyadic(const BigInt& m, long e);

/// True when r has a finite decimal expansion (its reduced denominator is 2^a · 5^b).
bool is_terminating(const Rational& r);

/// Every digit of a terminating rational ("123456.7890625", "-0.000244140625"), or "p/q" when the expansion
/// does not terminate (1/3).
std::string exact_decimal(const Rational& r);
std::string exact_decimal(const Number& n);  // also "inf", "-inf", "nan", "-0"

/// A rounded form with `digits` significant digits in scientific notation when far from 1, as printf's %g
/// ("5.18519e-05", "0.000518519"); round to nearest, ties to even. Callers label it as rounded.
std::string rounded_decimal(const Rational& r, int digits);

/// floor(log2 |r|) for r != 0.
long floor_log2(const Rational& r);

}  // namespace numscope
