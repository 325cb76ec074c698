// An independent reference for the format tests: the textbook decode formula and a table-driven rounding.
//
// Nothing here calls the engine's encode/decode: values come from the row's fields by the formulas of
// IEEE 754-2019 §3.4 ((-1)^s · 1.M · 2^(E-bias), subnormals (-1)^s · 0.M · 2^(1-bias)), OCP OFP8 rev 1.0 §5
// (E4M3: no inf, NaN = S.1111.111; fnuz: NaN = 0x80, no -0), OCP MX v1.0 §5.3-5.4 (FP6/FP4 finite only,
// E8M0 = 2^(E-127), 0xFF NaN), and rounding picks between the two neighbours of x in the sorted list of all
// finite values (IEEE 754 §4.3), with overflow decided "as if the exponent range were unbounded" (§7.4).
#pragma once

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <boost/multiprecision/cpp_int.hpp>

#include "numscope/formats/engine.h"
#include "numscope/formats/format.h"
#include "numscope/formats/registry.h"

namespace reftest {

using numscope::Format;
using numscope::Kind;
using numscope::NanEncoding;
using numscope::Nonfinite;
using BigInt = boost::multiprecision::cpp_int;
using Rational = boost::multiprecision::cpp_rational;

enum class Cls { kZero, kSubnormal, kNormal, kInf, kNan };

/// A decoded value: class, sign and exact magnitude.
struct Value {
  Cls cls = Cls::kZero;
  bool neg = false;
  Rational mag;
  Rational signed_value() const { return neg ? Rational(-mag) : mag; }
};

inline Rational pow2(long e) {
  return e >= 0 ? Rational(BigInt(1) << static_cast<unsigned>(e)) : Rational(BigInt(1), BigInt(1) << static_cast<unsigned>(-e));
}

/// The field widths of a row, read off the Format struct (no engine helpers).
inline int ref_bits(const Format& f) {
  return f.kind == Kind::kInt ? f.int_bits : (f.has_sign ? 1 : 0) + f.exponent_bits + f.mantissa_bits;
}

/// A decoded value as sig · 2^exp (exact; |sig| < 2^64), before any rational is built.
struct Dyadic {
  Cls cls = Cls::kZero;
  bool neg = false;
  std::uint64_t sig = 0;
  long exp = 0;
};

/// The textbook value of `code` in format `f`.
inline Dyadic ref_decode_dyadic(const Format& f, std::uint64_t code) {
  Dyadic v;
  if (f.kind == Kind::kInt) {  // two's complement (or unsigned) integer
    std::int64_t x = static_cast<std::int64_t>(code);
    if (f.is_signed && ((code >> (f.int_bits - 1)) & 1)) x -= std::int64_t{1} << f.int_bits;
    v.neg = x < 0;
    v.sig = static_cast<std::uint64_t>(x < 0 ? -x : x);
    v.cls = x == 0 ? Cls::kZero : Cls::kNormal;
    return v;
  }
  const int E = f.exponent_bits, M = f.mantissa_bits;
  const std::uint64_t s = f.has_sign ? (code >> (E + M)) & 1 : 0;
  const std::uint64_t ef = (code >> M) & ((std::uint64_t{1} << E) - 1);
  const std::uint64_t mf = code & ((std::uint64_t{1} << M) - 1);
  const std::uint64_t e_all = (std::uint64_t{1} << E) - 1, m_all = (std::uint64_t{1} << M) - 1;
  v.neg = s != 0;
  // Non-finite codes by the row's rules.
  if (f.nonfinite == Nonfinite::kIeee754 && ef == e_all) {  // IEEE 754 §3.4 b/c
    v.cls = mf == 0 ? Cls::kInf : Cls::kNan;
    return v;
  }
  if (f.nan == NanEncoding::kAllOnes && ef == e_all && mf == m_all) {  // OFP8 E4M3 S.1111.111, E8M0 0xFF
    v.cls = Cls::kNan;
    return v;
  }
  if (f.nan == NanEncoding::kNegativeZero && s == 1 && ef == 0 && mf == 0) {  // fnuz: the -0 code is NaN
    v.cls = Cls::kNan;
    return v;
  }
  if (!f.has_subnormals || ef != 0) {  // 1.M · 2^(E-bias); E8M0 has no subnormals: field 0 is 2^-127
    v.cls = Cls::kNormal;
    v.sig = (std::uint64_t{1} << M) + mf;
    v.exp = static_cast<long>(ef) - f.bias - M;
    return v;
  }
  v.cls = mf == 0 ? Cls::kZero : Cls::kSubnormal;  // 0.M · 2^(1-bias)
  v.sig = mf;
  v.exp = 1 - f.bias - M;
  return v;
}

inline Rational rational_of(const Dyadic& d) { return Rational(BigInt(d.sig)) * pow2(d.exp); }

inline Value ref_decode(const Format& f, std::uint64_t code) {
  const Dyadic d = ref_decode_dyadic(f, code);
  Value v;
  v.cls = d.cls;
  v.neg = d.neg;
  if (d.cls != Cls::kNan && d.cls != Cls::kInf) v.mag = rational_of(d);
  return v;
}

/// The formats the exhaustive tests cover: every built-in of at most 16 bits plus user-defined rows that
/// exercise the row fields (IEEE-like, fn, fnuz, an explicit bias, and m = 0).
inline std::vector<Format> formats_upto16() {
  std::vector<Format> out;
  for (const Format& f : numscope::builtin_formats())
    if (ref_bits(f) <= 16) out.push_back(f);
  for (const char* name : {"e5m7", "e3m3fn", "e4m2fnuz", "e6m9:bias=20", "e4m0fn"})
    out.push_back(numscope::find_format(name));
  return out;
}

inline bool is_nan_code(const Format& f, std::uint64_t code) { return ref_decode_dyadic(f, code).cls == Cls::kNan; }

/// One entry of the sorted table of finite values. `even`: the parity of the value's integer significand
/// (IEEE 754 §4.3.1, "the one with an even least significant digit"): for floats with m >= 1 it is the code's
/// last bit; with m = 0 (E8M0) every nonzero significand is 1, odd, and zero is even; for integers the value's
/// parity. `ext`: not a value of the format but the next value past ±max were the exponent unbounded
/// (IEEE 754 §7.4: overflow is decided on the result rounded as if the exponent range were unbounded).
template <class T>
struct Entry {
  T value;
  std::uint64_t code;
  bool even;
  bool ext;
};

inline double to_double(const Rational& r) { return r.convert_to<double>(); }
template <class T> T from_rational(const Rational& r);
template <> inline Rational from_rational<Rational>(const Rational& r) { return r; }
template <> inline double from_rational<double>(const Rational& r) { return to_double(r); }

/// All finite values of a format as a sorted table (both signs, one zero), plus the ext entries.
template <class T>
struct Table {
  Format f;
  std::vector<Entry<T>> e;
  T min_normal{};              // 2^emin: a nonzero |x| below it is tiny (IEEE 754 §7.5)
  std::uint64_t max_code = 0;  // the positive largest finite value
  std::uint64_t sign = 0;      // the sign bit
  std::uint64_t inf_code = 0;  // +inf where the format has one
  bool has_neg_zero = false;
  bool unsigned_float = false;  // E8M0: no sign, no zero
};

/// Builds the table by enumerating every code through ref_decode (at most 2^19 codes: tf32).
template <class T>
Table<T> make_table(const Format& f) {
  Table<T> t;
  t.f = f;
  const int n = ref_bits(f);
  const std::uint64_t count = std::uint64_t{1} << n;
  if (f.kind == Kind::kInt) {
    std::int64_t lo = f.is_signed ? -(std::int64_t{1} << (n - 1)) : 0;
    std::int64_t hi = f.is_signed ? (std::int64_t{1} << (n - 1)) - 1 : (std::int64_t{1} << n) - 1;
    const std::uint64_t mask = count - 1;
    t.e.push_back({from_rational<T>(Rational(lo - 1)), 0, ((lo - 1) & 1) == 0, true});
    for (std::int64_t v = lo; v <= hi; ++v)
      t.e.push_back({from_rational<T>(Rational(v)), static_cast<std::uint64_t>(v) & mask, (v & 1) == 0, false});
    t.e.push_back({from_rational<T>(Rational(hi + 1)), 0, ((hi + 1) & 1) == 0, true});
    t.max_code = static_cast<std::uint64_t>(hi) & mask;
    return t;
  }
  const int E = f.exponent_bits, M = f.mantissa_bits;
  t.sign = f.has_sign ? std::uint64_t{1} << (E + M) : 0;
  t.unsigned_float = !f.has_sign;
  // Finite values of the formats tested here (at most 16 bits, and tf32) have at most 11 significant bits and
  // exponents within [-160, 130], so they are binary64 numbers: sorting by their double value is exact.
  struct Item {
    double key;
    Dyadic d;
    std::uint64_t code;
  };
  std::vector<Item> vals;
  double max = -1;
  for (std::uint64_t c = 0; c < count; ++c) {
    const Dyadic v = ref_decode_dyadic(f, c);
    if (v.cls == Cls::kInf && !v.neg) t.inf_code = c;
    if (v.cls == Cls::kNan || v.cls == Cls::kInf) continue;
    if (v.cls == Cls::kZero && v.neg) {
      t.has_neg_zero = true;
      continue;
    }
    const double mag = std::ldexp(static_cast<double>(v.sig), static_cast<int>(v.exp));
    if (!v.neg && mag > max) {
      max = mag;
      t.max_code = c;
    }
    vals.push_back({v.neg ? -mag : mag, v, c});
  }
  std::sort(vals.begin(), vals.end(), [](const Item& a, const Item& b) { return a.key < b.key; });
  auto value_of = [](const Dyadic& d) {
    if constexpr (std::is_same_v<T, double>) {
      const double m = std::ldexp(static_cast<double>(d.sig), static_cast<int>(d.exp));
      return d.neg ? -m : m;
    } else {
      const Rational m = rational_of(d);
      return d.neg ? Rational(-m) : m;
    }
  };
  // The next value past max with an unbounded exponent: max + 2^(E_max - bias - M), same binade spacing.
  const long emax_field = static_cast<long>(t.max_code >> M);
  const Dyadic maxd = ref_decode_dyadic(f, t.max_code);
  const Rational ext = rational_of(maxd) + pow2(emax_field - f.bias - M);
  // Its parity: max's mantissa field plus one (all ones + 1 carries into the exponent: mantissa 0, even).
  const std::uint64_t max_mant = t.max_code & ((std::uint64_t{1} << M) - 1);
  const bool ext_even = M >= 1 && ((max_mant + 1) & 1) == 0;
  if (f.has_sign) t.e.push_back({from_rational<T>(Rational(-ext)), 0, ext_even, true});
  for (const Item& it : vals)
    t.e.push_back({value_of(it.d), it.code, M >= 1 ? (it.code & 1) == 0 : it.d.sig == 0, false});
  t.e.push_back({from_rational<T>(ext), 0, ext_even, true});
  t.min_normal = from_rational<T>(pow2(f.has_subnormals ? 1 - f.bias : -f.bias));
  return t;
}

/// The reference's code, status flags, and status word (engine.h's outcome(), decided here from where x lies
/// and what was stored: "overflow" when ±inf or NaN was stored for a value past the range, "saturated" when
/// ±max was, and otherwise "underflow" (a nonzero x stored as zero, E8M0's floor), "rounded" or "exact").
struct Result {
  std::uint64_t code = 0;
  unsigned status = 0;
  std::string_view word = "exact";
};

/// Does this mode, for this sign, round an overflow toward zero, i.e. to ±max (IEEE 754 §7.4)? Round to odd
/// is truncation with a sticky last bit, so it never reaches infinity either.
inline bool toward_zero(numscope::Rounding r, bool neg) {
  using numscope::Rounding;
  return r == Rounding::kTowardZero || r == Rounding::kOdd || (r == Rounding::kUp && neg) ||
         (r == Rounding::kDown && !neg);
}

template <class T>
Result overflow(const Table<T>& t, bool neg, numscope::Rounding r, bool saturate) {
  using namespace numscope;
  Result out{0, kOverflow | kInexact};
  const Format& f = t.f;
  if (f.kind == Kind::kInt) {  // integers saturate to their range
    const std::int64_t n = f.int_bits;
    const std::int64_t lo = f.is_signed ? -(std::int64_t{1} << (n - 1)) : 0;
    out.code = neg ? static_cast<std::uint64_t>(lo) & ((std::uint64_t{1} << n) - 1) : t.max_code;
    out.status |= kSaturated;
    out.word = "saturated";
    return out;
  }
  const std::uint64_t max = t.max_code | (neg ? t.sign : 0);
  if (saturate) {  // OFP8 §5 saturation mode: ±max
    out.code = max;
    out.status |= kSaturated;
  } else if (toward_zero(r, neg)) {  // ±max stored for a value past it: saturated (engine.h's status rule)
    out.code = max;
    out.status |= kSaturated;
  } else if (f.nonfinite == Nonfinite::kIeee754) {
    out.code = t.inf_code | (neg ? t.sign : 0);
  } else if (f.nonfinite == Nonfinite::kNanOnly) {  // OFP8 E4M3 non-saturating: NaN (compared by class)
    out.code = f.nan == NanEncoding::kNegativeZero ? t.sign : ((std::uint64_t{1} << (f.exponent_bits + f.mantissa_bits)) - 1) | (neg ? t.sign : 0);
  } else {  // OCP MX v1.0 §5.3: FP6/FP4 elements saturate
    out.code = max;
    out.status |= kSaturated;
  }
  out.word = out.code == max ? "saturated" : "overflow";  // the value exceeded the range: what was stored?
  return out;
}

/// Where a finite x lies in the table: located once, then decided for every mode and policy.
struct Where {
  enum Kind { kZero, kNegUnsigned, kExact, kBelowAll, kAboveAll, kBetween } kind = kZero;
  std::size_t idx = 0;  // kExact: the entry; kBetween: hi = e[idx], lo = e[idx - 1]
  int cmp = 0;          // kBetween: sign of x - (lo + hi)/2
  bool neg = false;     // x < 0 (or the sign of a zero)
  bool tiny = false;    // 0 < |x| < 2^emin (floats)
};

template <class T>
Where locate(const Table<T>& t, const T& x, bool x_neg) {
  Where w;
  if (x == T(0)) {
    w.neg = x_neg;
    return w;
  }
  w.neg = x < T(0);
  if (w.neg && t.unsigned_float) {
    w.kind = Where::kNegUnsigned;
    return w;
  }
  const T ax = w.neg ? T(-x) : x;
  w.tiny = t.f.kind == Kind::kFloat && ax < t.min_normal;
  const auto it = std::upper_bound(t.e.begin(), t.e.end(), x, [](const T& v, const Entry<T>& en) { return v < en.value; });
  w.idx = static_cast<std::size_t>(it - t.e.begin());
  if (w.idx > 0 && t.e[w.idx - 1].value == x) {
    w.kind = Where::kExact;
    --w.idx;
  } else if (w.idx == 0) {
    w.kind = Where::kBelowAll;
  } else if (w.idx == t.e.size()) {
    w.kind = Where::kAboveAll;
  } else {
    w.kind = Where::kBetween;
    const T twice = x + x, sum = t.e[w.idx - 1].value + t.e[w.idx].value;
    w.cmp = twice < sum ? -1 : twice > sum ? 1 : 0;
  }
  return w;
}

/// The reference result for a located x, rounding mode r (not stochastic) and --saturate.
template <class T>
Result decide(const Table<T>& t, const Where& w, numscope::Rounding r, bool saturate) {
  using namespace numscope;
  switch (w.kind) {
    case Where::kZero:
      if (t.unsigned_float) return {0, kUnderflow | kInexact, "underflow"};  // E8M0 has no zero: its smallest
      return {(w.neg && t.has_neg_zero) ? t.sign : 0, kOk};                 // value, flagged
    case Where::kNegUnsigned: return {(std::uint64_t{1} << t.f.exponent_bits) - 1, kInvalid, "invalid"};  // NaN
    case Where::kExact:
      if (t.e[w.idx].ext) return overflow(t, w.neg, r, saturate);
      return {t.e[w.idx].code, kOk};
    case Where::kBelowAll:
      if (t.unsigned_float) return {t.e[0].code, kUnderflow | kInexact, "underflow"};  // below E8M0's 2^-127
      return overflow(t, true, r, saturate);
    case Where::kAboveAll: return overflow(t, false, r, saturate);
    case Where::kBetween: break;
  }
  const Entry<T>& lo = t.e[w.idx - 1];
  const Entry<T>& hi = t.e[w.idx];
  const Entry<T>& big = w.neg ? lo : hi;    // larger magnitude
  const Entry<T>& small = w.neg ? hi : lo;  // smaller magnitude
  const Entry<T>* pick = &lo;
  switch (r) {
    case Rounding::kNearestEven:
      if (w.cmp != 0) pick = w.cmp < 0 ? &lo : &hi;
      else if (lo.even != hi.even) pick = lo.even ? &lo : &hi;
      else pick = &big;  // m = 0: both significands are 1; the tie goes away from zero (as LLVM APFloat)
      break;
    case Rounding::kNearestAway: pick = w.cmp < 0 ? &lo : w.cmp > 0 ? &hi : &big; break;
    case Rounding::kTowardZero: pick = &small; break;
    case Rounding::kUp: pick = &hi; break;
    case Rounding::kDown: pick = &lo; break;
    case Rounding::kOdd: pick = lo.even != hi.even ? (lo.even ? &hi : &lo) : &small; break;
    default: break;
  }
  if (pick->ext) return overflow(t, w.neg, r, saturate);
  std::uint64_t code = pick->code;
  if (pick->value == T(0) && w.neg && t.has_neg_zero) code = t.sign;  // a negative result rounded to zero is -0
  const bool to_zero = pick->value == T(0) && t.f.kind == Kind::kFloat;  // a nonzero x lost
  return {code, kInexact | (w.tiny ? kUnderflow : 0u), to_zero ? "underflow" : "rounded"};
}

/// Rounds the finite x (x_neg carries the sign of a zero) into the table's format by `r` (not stochastic).
template <class T>
Result round(const Table<T>& t, const T& x, bool x_neg, numscope::Rounding r, bool saturate) {
  return decide(t, locate(t, x, x_neg), r, saturate);
}

}  // namespace reftest
