// The generic conversion engine: one rounding routine for every format row, fed either by exact rationals
// (parsed decimal input) or by binary64 values (integer bit arithmetic, no rationals).
#include "numscope/formats/engine.h"

#include <array>    // std::array
#include <bit>      // std::bit_width
#include <cmath>    // std::ldexp
#include <cstring>  // std::memcpy
#include <map>      // std::map
#include <mutex>    // std::mutex
#include <stdexcept>  // std::logic_error

#include "numscope/support/bits.h"  // bit_cast
#include "numscope/support/error.h"

namespace numscope {
namespace {

/// |x| rounded at the quantum 2^qe (step 4): n = |x| / 2^qe rounded to an integer by the mode (a carry into
/// 2^(m+1) is the next binade), whether that lost anything, and e = floor(log2 |x|), read by the flags.
struct Rounded {
  u128 n = 0;
  bool inexact = false;
  long e = 0;
  int qe = 0;
};

void need_seed(Rounding r, const Rng* rng) {
  if (r == Rounding::kStochastic && rng == nullptr) throw InputError("stochastic rounding needs a seed (--seed N)");
}

/// m · 2^ex (m > 0, 53 bits) rounded at qe with shifts and the one increment of round.h (as the fast kernels
/// cut fp32's bits): g = m with d = qe - ex bits below the cut.
Rounded round_binary(std::uint64_t m, long ex, long e, int qe, Rounding r, bool neg, Rng* rng) {
  Rounded out{0, false, e, qe};
  const long shift = qe - ex;
  if (shift <= 0) {
    out.n = u128(m) << (-shift);
    return out;
  }
  if (shift < 64) {  // m + the increment < 2^53 + 2^63: no carry out of 64 bits
    const int d = static_cast<int>(shift);
    out.inexact = (m & ((std::uint64_t{1} << d) - 1)) != 0;
    if (out.inexact) need_seed(r, rng);
    out.n = (m + round_increment<std::uint64_t>(r, neg, m, d, rng)) >> d;
    return out;
  }
  // Below one quantum: n is 0 or 1. Past 127 bits only "nonzero" matters (g = 1 at d = 127 keeps the fraction's
  // top 64 bits 0 and its sticky bit set, as stochastic rounding reads it).
  out.inexact = true;
  need_seed(r, rng);
  const u128 g = shift < 127 ? u128(m) : u128{1};
  const int d = shift < 127 ? static_cast<int>(shift) : 127;
  out.n = (g + round_increment<u128>(r, neg, g, d, rng)) >> d;
  return out;
}

/// An exact rational rounded at qe: the integer part n and the fraction's top 64 bits and sticky bit by
/// division, then round.h's decision on g = L·2^65 + frac·2 + sticky (L: n's last bit) with d = 65.
Rounded round_rational(const Rational& x, long e, int qe, Rounding r, bool neg, Rng* rng) {
  Rounded out{0, false, e, qe};
  u128 n = 0;
  std::uint64_t frac = 0;
  bool sticky = false;
  if (e < long(qe) - 64) {  // |x| / 2^qe < 2^-64: only the sticky bit survives
    sticky = true;
  } else {
    BigInt num = boost::multiprecision::numerator(x), den = boost::multiprecision::denominator(x);
    if (qe < 0) num <<= -qe; else den <<= qe;
    BigInt q, rem;
    boost::multiprecision::divide_qr(num, den, q, rem);
    n = static_cast<u128>(q);
    if (rem != 0) {
      rem <<= 64;
      BigInt f, r2;
      boost::multiprecision::divide_qr(rem, den, f, r2);
      frac = static_cast<std::uint64_t>(f);
      sticky = r2 != 0;
    }
  }
  out.inexact = frac != 0 || sticky;
  out.n = n;
  if (out.inexact) {
    need_seed(r, rng);
    const u128 g = (u128(n & 1) << 65) | (u128(frac) << 1) | u128(sticky);
    out.n += rounds_up<u128>(r, neg, g, 65, rng) ? 1 : 0;
  }
  return out;
}

/// Does this mode, for this sign, round an overflowing magnitude toward zero (IEEE 754 §7.4: to ±max)?
bool overflow_goes_to_max(Rounding r, bool neg) {
  switch (r) {
    case Rounding::kTowardZero:
    case Rounding::kOdd: return true;
    case Rounding::kUp: return neg;
    case Rounding::kDown: return !neg;
    default: return false;
  }
}

u128 with_sign(const Format& f, bool neg, u128 mag) { return neg ? (mag | sign_bit(f)) : mag; }

/// Step 5: the code for a magnitude that, rounded with an unbounded exponent, exceeds the largest finite one
/// (IEEE 754 §7.4: the overflow flag). One status rule for every mode: kSaturated when ±max is stored
/// (--saturate, a mode that rounds this sign toward zero, finite-only MX elements), otherwise ±inf or NaN.
Encoded overflow_result(const Format& f, bool neg, const ConvertOptions& opt) {
  Encoded out{0, kOverflow | kInexact};
  if (opt.saturate || overflow_goes_to_max(opt.rounding, neg) || f.nonfinite == Nonfinite::kFiniteOnly) {
    out.code = with_sign(f, neg, max_finite_code(f));  // finite-only: OCP MX v1.0 §5.3 saturates
    out.status |= kSaturated;
  } else if (f.nonfinite == Nonfinite::kIeee754) {
    out.code = with_sign(f, neg, u128(max_exponent_field(f)) << f.mantissa_bits);
  } else {
    out.code = f.nan == NanEncoding::kNegativeZero ? sign_bit(f) : with_sign(f, neg, nan_code(f));
  }
  return out;
}

/// Steps 5-6 for floats: `s` was rounded at qe = max(e, emin) - m.
Encoded finish_float(const Format& f, bool neg, const Rounded& s, const ConvertOptions& opt) {
  const int m = f.mantissa_bits;
  unsigned status = s.inexact ? kInexact : kOk;
  if (s.e < emin(f) && s.inexact) status |= kUnderflow;  // tiny before rounding, and inexact
  const long eq = s.qe + m;                               // max(e, emin)
  // Step 6: magnitude code = (eq - emin) << m plus n, whose hidden bit carries into the exponent field;
  // formats without subnormals have no hidden-bit-free binade, so the hidden bit is taken off.
  i128 mag = (i128(eq - emin(f)) << m) + i128(s.n);
  if (!f.has_subnormals) mag -= i128(1) << m;
  if (mag > i128(max_finite_code(f))) return overflow_result(f, neg, opt);
  // Below the smallest value of a format without zero (E8M0): the smallest value, flagged.
  if (mag < 0) return Encoded{0, kUnderflow | kInexact};
  if (opt.ftz && mag > 0 && mag < (i128(1) << m) && f.has_subnormals) {
    mag = 0;
    status |= kUnderflow | kInexact;
  }
  if (mag == 0 && !has_negative_zero(f)) neg = false;  // fnuz and unsigned formats have only +0
  return Encoded{with_sign(f, neg, u128(mag)), status};
}

/// Step 5 for integers: `s` was rounded at qe = 0; saturates to the range.
Encoded finish_int(const Format& f, bool neg, const Rounded& s, const ConvertOptions&) {
  unsigned status = s.inexact ? kInexact : kOk;
  const i128 lo = int_min(f), hi = int_max(f);
  i128 v;
  if (!neg) {
    v = s.n > u128(hi) ? hi + 1 : i128(s.n);
  } else {
    v = s.n > u128(-lo) + 1 ? lo - 1 : -i128(s.n);
  }
  if (v > hi || v < lo) {
    v = v > hi ? hi : lo;
    status |= kSaturated | kInexact | kOverflow;
  }
  return Encoded{u128(v) & mask_bits(f.int_bits), status};
}

/// Steps 1-2, shared by both inputs: non-finite, zero and sign handling. Returns true when `out` is final.
[[gnu::always_inline]] inline bool special_input(const Format& f, Number::Kind kind, bool neg, bool zero,
                                                 const ConvertOptions& opt,
                   Encoded& out) {
  if (f.kind == Kind::kInt) {
    if (kind == Number::Kind::kNan) { out = {0, kInvalid}; return true; }
    if (kind == Number::Kind::kInf) {
      out = {u128(neg ? int_min(f) : int_max(f)) & mask_bits(f.int_bits), kSaturated | kInexact | kOverflow};
      return true;
    }
    if (zero) { out = {0, kOk}; return true; }
    return false;
  }
  if (kind == Number::Kind::kNan) {
    if (!has_nan(f)) { out = {0, kInvalid}; return true; }
    out = {f.nan == NanEncoding::kNegativeZero ? nan_code(f) : with_sign(f, neg, nan_code(f)), kOk};
    return true;
  }
  if (neg && !f.has_sign && !zero) {  // a negative number into an unsigned float (E8M0)
    out = {has_nan(f) ? nan_code(f) : 0, kInvalid};
    return true;
  }
  if (kind == Number::Kind::kInf) {
    if (has_inf(f) && !opt.saturate) {
      out = {with_sign(f, neg, u128(max_exponent_field(f)) << f.mantissa_bits), kOk};
      return true;
    }
    ConvertOptions sat = opt;
    sat.rounding = Rounding::kNearestEven;  // an infinite input is never pulled back by a directed mode
    out = overflow_result(f, neg, sat);
    return true;
  }
  if (zero) {
    if (!f.has_subnormals) { out = {0, kUnderflow | kInexact}; return true; }  // E8M0 has no zero
    out = {with_sign(f, neg && has_negative_zero(f), 0), kOk};
    return true;
  }
  return false;
}

/// The quantum exponent for a value with floor(log2|x|) = e, or false when the magnitude overflows for sure.
bool quantum(const Format& f, long e, int& qe) {
  if (f.kind == Kind::kInt) {
    qe = 0;
    return e < 127;
  }
  if (e > emax(f)) return false;
  qe = static_cast<int>(std::max<long>(e, emin(f)) - f.mantissa_bits);
  return true;
}

}  // namespace

Rounding parse_rounding(std::string_view name) {
  static constexpr std::string_view kNames[] = {"rne", "rna", "rtz", "up", "down", "odd", "stochastic"};
  for (int i = 0; i < 7; ++i) {
    if (name.size() == kNames[i].size()) {
      bool eq = true;
      for (std::size_t k = 0; k < name.size(); ++k) eq &= (std::tolower(static_cast<unsigned char>(name[k])) == kNames[i][k]);
      if (eq) return static_cast<Rounding>(i);
    }
  }
  throw InputError("unknown rounding mode '" + std::string(name) +
                   "': use rne, rna, rtz, up, down, odd or stochastic");
}

std::string_view rounding_name(Rounding r) {
  static constexpr std::string_view kNames[] = {"rne", "rna", "rtz", "up", "down", "odd", "stochastic"};
  return kNames[static_cast<int>(r)];
}

std::string_view class_name(ValueClass c) {
  static constexpr std::string_view kNames[] = {"zero", "subnormal", "normal", "inf", "nan"};
  return kNames[static_cast<int>(c)];
}

Encoded encode(const Format& f, const Number& x, const ConvertOptions& opt) {
  Encoded out;
  if (special_input(f, x.kind, x.neg, x.is_zero(), opt, out)) return out;
  const long e = floor_log2(x.mag);
  int qe = 0;
  if (!quantum(f, e, qe)) {
    if (f.kind == Kind::kInt) return finish_int(f, x.neg, Rounded{~u128{0} >> 1, false, e, 0}, opt);
    return overflow_result(f, x.neg, opt);
  }
  const Rounded s = round_rational(x.mag, e, qe, opt.rounding, x.neg, opt.rng);
  return f.kind == Kind::kInt ? finish_int(f, x.neg, s, opt) : finish_float(f, x.neg, s, opt);
}

Encoded encode(const Format& f, double x, const ConvertOptions& opt) {
  const std::uint64_t b = bit_cast<std::uint64_t>(x);
  const bool neg = (b >> 63) != 0;
  const int field = static_cast<int>((b >> 52) & 0x7ff);
  const std::uint64_t frac = b & ((std::uint64_t{1} << 52) - 1);
  const Number::Kind kind = field != 0x7ff ? Number::Kind::kFinite : frac ? Number::Kind::kNan : Number::Kind::kInf;
  Encoded out;
  if (special_input(f, kind, neg, field == 0 && frac == 0, opt, out)) return out;
  // binary64: |x| = m · 2^ex with m the 53-bit significand (IEEE 754 §3.4), subnormals with field 0.
  const std::uint64_t m = field ? (frac | (std::uint64_t{1} << 52)) : frac;
  const long ex = (field ? field : 1) - 1075;
  const long e = ex + std::bit_width(m) - 1;
  int qe = 0;
  if (!quantum(f, e, qe)) {
    if (f.kind == Kind::kInt) return finish_int(f, neg, Rounded{~u128{0} >> 1, false, e, 0}, opt);
    return overflow_result(f, neg, opt);
  }
  const Rounded s = round_binary(m, ex, e, qe, opt.rounding, neg, opt.rng);
  return f.kind == Kind::kInt ? finish_int(f, neg, s, opt) : finish_float(f, neg, s, opt);
}

std::string_view outcome(const Format& f, const Number& input, const Encoded& e) {
  if (e.status & kInvalid) return "invalid";
  if (input.kind == Number::Kind::kNan) return "nan";
  if (e.status & kSaturated) return "saturated";
  if (e.status & kOverflow) return "overflow";
  if ((e.status & kUnderflow) && (decode(f, e.code).cls == ValueClass::kZero || !f.has_subnormals)) return "underflow";
  if (e.status & kInexact) return "rounded";
  return "exact";
}

namespace {
/// The neighbour of a finite nonzero float one step of the magnitude away from zero (or toward it).
std::optional<u128> step(const Format& f, bool neg, u128 mag, bool away) {
  if (away) {
    if (mag != max_finite_code(f)) return with_sign(f, neg, mag + 1);
    if (!has_inf(f)) return std::nullopt;
    return with_sign(f, neg, u128(max_exponent_field(f)) << f.mantissa_bits);
  }
  if (mag == 0) return std::nullopt;                       // E8M0's floor: nothing below 2^-127
  return mag == 1 ? u128{0} : with_sign(f, neg, mag - 1);  // the step onto zero lands on +0
}

std::optional<u128> neighbour(const Format& f, u128 code, bool up) {
  const Decoded d = decode(f, code);
  if (f.kind == Kind::kInt) {
    const i128 v = (d.neg ? -i128(d.sig) : i128(d.sig)) + (up ? 1 : -1);
    if (v < int_min(f) || v > int_max(f)) return std::nullopt;
    return u128(v) & mask_bits(f.int_bits);
  }
  switch (d.cls) {
    case ValueClass::kNan: return std::nullopt;
    case ValueClass::kInf:  // -inf steps up to -max, +inf down to +max
      return up == d.neg ? std::optional<u128>(with_sign(f, d.neg, max_finite_code(f))) : std::nullopt;
    case ValueClass::kZero:
      if (!up && !f.has_sign) return std::nullopt;
      return with_sign(f, !up, 1);  // ±(smallest subnormal)
    default: return step(f, d.neg, code & mask_bits(f.exponent_bits + f.mantissa_bits), up != d.neg);
  }
}
}  // namespace

std::optional<u128> next_up(const Format& f, u128 code) { return neighbour(f, code, true); }
std::optional<u128> next_down(const Format& f, u128 code) { return neighbour(f, code, false); }

bool valid_code(const Format& f, u128 code) { return bits(f) >= 128 || (code >> bits(f)) == 0; }

Decoded decode(const Format& f, u128 code) {
  Decoded d;
  if (f.kind == Kind::kInt) {
    i128 v = i128(code & mask_bits(f.int_bits));
    if (f.is_signed && (code >> (f.int_bits - 1)) & 1) v -= i128(1) << f.int_bits;  // sign-extend
    d.neg = v < 0;
    d.sig = u128(v < 0 ? -v : v);
    d.cls = v == 0 ? ValueClass::kZero : ValueClass::kNormal;
    return d;
  }
  const int m = f.mantissa_bits;
  d.neg = f.has_sign && (code & sign_bit(f)) != 0;
  const u128 mag = code & mask_bits(f.exponent_bits + m);
  const int field = static_cast<int>(mag >> m);
  const u128 frac = mag & mask_bits(m);
  if (f.nonfinite == Nonfinite::kIeee754 && field == max_exponent_field(f)) {
    d.cls = frac == 0 ? ValueClass::kInf : ValueClass::kNan;
    return d;
  }
  if ((f.nan == NanEncoding::kAllOnes && mag == mask_bits(f.exponent_bits + m)) ||
      (f.nan == NanEncoding::kNegativeZero && d.neg && mag == 0)) {
    d.cls = ValueClass::kNan;
    return d;
  }
  if (field == 0 && f.has_subnormals) {
    d.cls = frac == 0 ? ValueClass::kZero : ValueClass::kSubnormal;
    d.sig = frac;
    d.exp2 = emin(f) - m;  // 0.m · 2^emin = m · 2^(emin - m)
    return d;
  }
  d.cls = ValueClass::kNormal;
  d.sig = frac | (u128{1} << m);  // 1.m · 2^(field - bias) = (2^m + m) · 2^(field - bias - m)
  d.exp2 = field - f.bias - m;
  return d;
}

Number Decoded::number() const {
  Number n;
  n.neg = neg;
  if (cls == ValueClass::kNan) n.kind = Number::Kind::kNan;
  else if (cls == ValueClass::kInf) n.kind = Number::Kind::kInf;
  else {
    BigInt s = 0;
    s = static_cast<std::uint64_t>(sig >> 64);
    s <<= 64;
    s += static_cast<std::uint64_t>(sig);
    n.mag = dyadic(s, exp2);
  }
  return n;
}

const std::vector<double>& decode_table(const Format& f) {
  using Key = std::array<int, 10>;  // the defining fields of the row (two rows with the same fields share)
  const Key key = {static_cast<int>(f.kind), f.exponent_bits, f.mantissa_bits, f.bias, static_cast<int>(f.nonfinite),
                   static_cast<int>(f.nan), f.has_sign, f.has_subnormals, f.int_bits, f.is_signed};
  if (bits(f) > 16) throw std::logic_error("decode_table: formats of at most 16 bits");
  static std::mutex mutex;
  static std::map<Key, std::vector<double>> cache;  // map nodes never move: references stay valid
  const std::lock_guard<std::mutex> lock(mutex);
  std::vector<double>& t = cache[key];
  if (t.empty()) {
    t.resize(std::size_t{1} << bits(f));
    for (std::size_t c = 0; c < t.size(); ++c) t[c] = decode_double(f, c);
  }
  return t;
}

double decode_double(const Format& f, u128 code) {
  const Decoded d = decode(f, code);
  double v;
  switch (d.cls) {
    case ValueClass::kNan: v = std::numeric_limits<double>::quiet_NaN(); break;  // signed, as number() is
    case ValueClass::kInf: v = std::numeric_limits<double>::infinity(); break;
    default: v = std::ldexp(static_cast<double>(d.sig), d.exp2);
  }
  return d.neg ? -v : v;
}

}  // namespace numscope
