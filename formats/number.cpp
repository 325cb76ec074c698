// Exact parsing of numbers (decimal, scientific, hex float, fraction) and exact decimal printing.
#include "numscope/formats/number.h"

#include <algorithm>  // std::max
#include <cctype>     // std::isdigit, std::isxdigit, std::tolower
#include <cerrno>     // errno, ERANGE
#include <charconv>   // std::from_chars
#include <cmath>      // std::floor, std::isfinite
#include <cstdlib>    // std::abs, std::strtod

#include "numscope/support/error.h"

namespace numscope {
namespace {

namespace mp = boost::multiprecision;

constexpr const char* kAccepted =
    "expected a decimal (123.45, -1.5e-3), a hex float (0x1.8p3), a fraction (1/3), inf, -inf or nan";

[[noreturn]] void bad(std::string_view text, const std::string& why) {
  std::string shown(text.substr(0, 40));
  if (text.size() > 40) shown += "...";
  throw InputError("invalid number '" + shown + "': " + why);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}

BigInt pow10(long k) { return mp::pow(BigInt(10), static_cast<unsigned>(k)); }

/// Reads an optionally signed decimal exponent; refuses values past `limit` (digits are capped first, so a
/// 20-digit exponent never overflows a long).
long read_exponent(std::string_view full, std::string_view s, long limit) {
  std::size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (i == s.size()) bad(full, "the exponent has no digits; " + std::string(kAccepted));
  long v = 0;
  for (; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) bad(full, "unexpected character in the exponent");
    v = v * 10 + (s[i] - '0');
    if (v > limit) bad(full, "exponent out of range: numscope accepts exponents up to " + std::to_string(limit));
  }
  return neg ? -v : v;
}

/// An unsigned finite number without '/': decimal or hex float.
Rational parse_unsigned(std::string_view full, std::string_view s) {
  if (s.empty()) bad(full, kAccepted);
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (hex) s.remove_prefix(2);
  auto is_digit = [hex](char c) {
    return hex ? std::isxdigit(static_cast<unsigned char>(c)) != 0 : std::isdigit(static_cast<unsigned char>(c)) != 0;
  };
  std::string digits;
  long frac_digits = 0;
  bool seen_point = false, any = false;
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (is_digit(c)) {
      any = true;
      if (!(digits.empty() && c == '0')) digits.push_back(c);  // leading zeros carry no value
      if (seen_point) ++frac_digits;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!any) bad(full, kAccepted);
  long exp = 0;
  if (i < s.size()) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    if ((hex && c == 'p') || (!hex && c == 'e')) {
      exp = read_exponent(full, s.substr(i + 1), hex ? kMaxBinaryExponent : kMaxDecimalExponent);
    } else {
      bad(full, std::string("unexpected character '") + s[i] + "'; " + kAccepted);
    }
  }
  if (digits.empty()) return Rational(0);
  // Significant digits past the point scale the value down; the order of magnitude must stay in bounds.
  const long scale = hex ? exp - 4 * frac_digits : exp - frac_digits;
  const long magnitude = scale + static_cast<long>(digits.size()) * (hex ? 4 : 1);
  if (magnitude > (hex ? kMaxBinaryExponent : kMaxDecimalExponent) ||
      magnitude < -(hex ? kMaxBinaryExponent : kMaxDecimalExponent))
    bad(full, "magnitude out of range: numscope accepts numbers between 1e-" + std::to_string(kMaxDecimalExponent) +
                  " and 1e" + std::to_string(kMaxDecimalExponent));
  BigInt m(hex ? "0x" + digits : digits);
  if (hex) return dyadic(m, scale);
  if (scale >= 0) return Rational(m * pow10(scale));
  return Rational(m, pow10(-scale));
}

/// A signed number without '/', including inf and nan.
Number parse_signed(std::string_view full, std::string_view s) {
  Number n;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    n.neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (iequals(s, "inf") || iequals(s, "infinity")) {
    n.kind = Number::Kind::kInf;
    return n;
  }
  if (iequals(s, "nan")) {
    n.kind = Number::Kind::kNan;
    return n;
  }
  n.mag = parse_unsigned(full, s);
  return n;
}

}  // namespace

Number parse_number(std::string_view text) {
  if (text.size() > kMaxNumberLength)
    throw InputError("number too long (" + std::to_string(text.size()) + " characters): numscope accepts up to " +
                     std::to_string(kMaxNumberLength));
  std::string_view s = text;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  if (s.empty()) throw InputError(std::string("empty number: ") + kAccepted);
  const auto slash = s.find('/');
  if (slash == std::string_view::npos) return parse_signed(text, s);
  const Number a = parse_signed(text, s.substr(0, slash));
  const Number b = parse_signed(text, s.substr(slash + 1));
  if (a.kind != Number::Kind::kFinite || b.kind != Number::Kind::kFinite)
    bad(text, "a fraction takes finite numbers on both sides of '/'");
  if (b.mag == 0) bad(text, "division by zero");
  Number n;
  n.neg = a.neg != b.neg;
  n.mag = a.mag / b.mag;
  // Each side is in bounds, but their quotient can leave them (1e20000/1e-20000): the bound is on the value.
  if (n.mag != 0 && std::abs(floor_log2(n.mag)) > kMaxBinaryExponent)
    bad(text, "magnitude out of range: numscope accepts numbers between 1e-" + std::to_string(kMaxDecimalExponent) +
                  " and 1e" + std::to_string(kMaxDecimalExponent));
  return n;
}

std::optional<double> parse_finite_double(std::string_view text) {
  double d = 0;
#if defined(__cpp_lib_to_chars)
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, d);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(d)) return std::nullopt;
#else
  // libc++ before 17 (emscripten 3.1.6's) has no floating-point from_chars: strtod, held to from_chars'
  // grammar (no sign '+', no spaces, no hex, inf or nan: only digits, '.', 'e' and signs after the first
  // character), in the C locale WebAssembly runs in. Both round correctly (C17 7.22.1.3), so the value agrees.
  if (text.empty() || text.size() > 4096 || text[0] == '+' ||
      text.find_first_not_of("0123456789.eE+-") != std::string_view::npos)
    return std::nullopt;
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  d = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || errno == ERANGE || !std::isfinite(d)) return std::nullopt;
#endif
  return d;
}

Rational dyadic(const BigInt& m, long e) {
  if (e >= 0) return Rational(m << static_cast<unsigned>(e));
  return Rational(m, BigInt(1) << static_cast<unsigned>(-e));
}

long floor_log2(const Rational& r) {
  BigInt p = abs(mp::numerator(r));
  const BigInt& q = mp::denominator(r);
  long e = static_cast<long>(mp::msb(p)) - static_cast<long>(mp::msb(q));
  // 2^e <= p/q  <=>  p >= q·2^e
  const bool below = e >= 0 ? p < (q << static_cast<unsigned>(e)) : (p << static_cast<unsigned>(-e)) < q;
  return below ? e - 1 : e;
}

namespace {
/// The exponents a, b with denominator = 2^a · 5^b, or false when another prime divides it.
bool two_five(const BigInt& den, long& a, long& b) {
  a = static_cast<long>(mp::lsb(den));
  const BigInt odd = den >> static_cast<unsigned>(a);
  if (odd == 1) {
    b = 0;
    return true;
  }
  // 5^b has about b·log2(5) bits: try the candidates next to that estimate instead of dividing b times.
  const long guess = static_cast<long>(std::floor(static_cast<double>(mp::msb(odd) + 1) / 2.321928094887362));
  for (long c = std::max(1L, guess - 1); c <= guess + 1; ++c) {
    if (mp::pow(BigInt(5), static_cast<unsigned>(c)) == odd) {
      b = c;
      return true;
    }
  }
  return false;
}
}  // namespace

bool is_terminating(const Rational& r) {
  long a, b;
  return two_five(mp::denominator(r), a, b);
}

std::string exact_decimal(const Rational& r) {
  long a, b;
  if (!two_five(mp::denominator(r), a, b)) return r.str();  // "p/q": the expansion does not terminate
  const long k = std::max(a, b);
  // |r| · 10^k is an integer: numerator · 2^(k-a) · 5^(k-b).
  BigInt scaled = abs(mp::numerator(r)) << static_cast<unsigned>(k - a);
  if (k > b) scaled *= mp::pow(BigInt(5), static_cast<unsigned>(k - b));
  std::string digits = scaled.str();
  if (k > 0) {
    if (static_cast<long>(digits.size()) <= k) digits.insert(0, static_cast<std::size_t>(k) + 1 - digits.size(), '0');
    digits.insert(digits.size() - static_cast<std::size_t>(k), ".");
  }
  return (r < 0 ? "-" : "") + digits;
}

std::string exact_decimal(const Number& n) {
  switch (n.kind) {
    case Number::Kind::kNan: return "nan";
    case Number::Kind::kInf: return n.neg ? "-inf" : "inf";
    case Number::Kind::kFinite: break;
  }
  if (n.mag == 0) return n.neg ? "-0" : "0";
  return (n.neg ? "-" : "") + exact_decimal(n.mag);
}

std::string rounded_decimal(const Rational& r, int digits) {
  if (r == 0) return "0";
  const Rational a = r < 0 ? Rational(-r) : r;
  // Decimal exponent k with 10^k <= |r| < 10^(k+1): start from log10(2)·floor(log2) and correct.
  long k = static_cast<long>(std::floor(static_cast<double>(floor_log2(a)) * 0.30102999566398120));
  // Integer arithmetic on numerator and denominator only: a Rational product would reduce by a gcd, which
  // costs seconds on the 100,000-bit values a claim may hold.
  const BigInt p = abs(mp::numerator(a)), q = mp::denominator(a);
  BigInt scaled;
  for (int tries = 0; tries < 4; ++tries) {
    const long shift = digits - 1 - k;  // scaled = round(|r| · 10^shift), ties to even
    BigInt num = p, den = q;
    if (shift >= 0) num *= pow10(shift);
    else den *= pow10(-shift);
    BigInt quo, rem;
    mp::divide_qr(num, den, quo, rem);
    const BigInt twice = rem * 2;
    if (twice > den || (twice == den && (quo & 1) != 0)) quo += 1;
    if (quo >= pow10(digits)) {
      ++k;
    } else if (quo < pow10(digits - 1)) {
      --k;
    } else {
      scaled = quo;
      break;
    }
  }
  std::string d = scaled.str();
  std::string out;
  if (k >= -4 && k < digits) {  // plain notation, as printf's %g
    if (k >= 0) {
      out = d.substr(0, static_cast<std::size_t>(k) + 1);
      std::string frac = d.substr(static_cast<std::size_t>(k) + 1);
      while (!frac.empty() && frac.back() == '0') frac.pop_back();
      if (!frac.empty()) out += "." + frac;
    } else {
      std::string frac = std::string(static_cast<std::size_t>(-k - 1), '0') + d;
      while (!frac.empty() && frac.back() == '0') frac.pop_back();
      out = "0." + frac;
    }
  } else {
    std::string frac = d.substr(1);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    out = d.substr(0, 1) + (frac.empty() ? "" : "." + frac);
    out += (k < 0 ? "e-" : "e+") + std::string(std::abs(k) < 10 ? "0" : "") + std::to_string(std::abs(k));
  }
  return (r < 0 ? "-" : "") + out;
}

}  // namespace numscope
