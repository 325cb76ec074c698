// Shared pieces of the api functions: conversion options and exact-value cells.
#include "numscope/api/common.h"

#include "numscope/formats/registry.h"
#include "numscope/formats/text.h"
#include "numscope/support/error.h"

namespace numscope::api {

ConvertOptions convert_options(const Conversion& c, Rng& rng) {
  ConvertOptions opt;
  opt.rounding = parse_rounding(c.rounding);
  opt.saturate = c.saturate;
  opt.ftz = c.ftz;
  rng.state = c.seed;
  opt.rng = &rng;
  return opt;
}

void echo(Result& r, const Conversion& c) {
  r.echo_text("rounding", std::string(rounding_name(parse_rounding(c.rounding))));
  r.echo_flag("saturate", c.saturate);
  r.echo_flag("ftz", c.ftz);
  if (parse_rounding(c.rounding) == Rounding::kStochastic)
    r.echo("seed", Cell::integer_digits(std::to_string(c.seed)));
}

std::optional<double> nearest_double(const Number& n) {
  if (n.kind != Number::Kind::kFinite) return std::nullopt;
  static const Format& kBinary64 = kFp64;
  const Encoded e = encode(kBinary64, n);  // one rounding from the exact value (rne)
  const double d = decode_double(kBinary64, e.code);
  if (d - d != 0) return std::nullopt;  // beyond binary64's range: no double stands for it
  return d;
}

Cell exact_cell(const Number& n, std::optional<std::string> display) {
  return Cell::exact(exact_decimal(n), nearest_double(n), std::move(display));
}

Cell exact_cell(const Rational& r, std::optional<std::string> display) {
  return exact_cell(Number::from_rational(r), std::move(display));
}

std::string power_of_two_form(const Rational& r) {
  if (r == 0) return "";
  BigInt num = boost::multiprecision::numerator(r), den = boost::multiprecision::denominator(r);
  const bool neg = num < 0;
  if (neg) num = -num;
  // A reduced fraction is dyadic when its denominator is a power of two: den = 2^k.
  const long k = static_cast<long>(boost::multiprecision::msb(den));
  if (den != (BigInt(1) << k)) return "";
  const long tz = static_cast<long>(boost::multiprecision::lsb(num));  // num = m · 2^tz, m odd
  const BigInt m = num >> tz;
  const long e = tz - k;
  std::string out = neg ? "-" : "";
  if (m != 1) out += m.str() + " × ";
  return out + "2^" + std::to_string(e);
}

std::string exact_with_power(const Rational& r) {
  std::string digits = exact_decimal(r);
  if (digits.size() <= kLongDecimal) return digits;
  const std::string power = power_of_two_form(r);
  return power.empty() ? digits : power + " = " + digits;
}

std::string exact_with_power(const Number& n) {
  if (n.kind != Number::Kind::kFinite || n.mag == 0) return exact_decimal(n);
  return exact_with_power(n.value());
}

u128 parse_code(const Format& f, std::string_view text) {
  const std::string shown(text.substr(0, 60));
  std::string_view digits = text;
  int base = 16;
  if (digits.size() > 1 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    digits.remove_prefix(2);
  } else if (digits.size() > 1 && digits[0] == '0' && (digits[1] == 'b' || digits[1] == 'B')) {
    digits.remove_prefix(2);
    base = 2;
  }
  // Hex codes are what bits_hex prints (tf32: its 32-bit container); binary codes the format's own bits.
  const int width = base == 16 ? storage_bits(f) : bits(f);
  u128 code = 0;
  int used = 0;  // significant bits so far
  bool any = false;
  for (const char c : digits) {
    if (c == '_' || c == '\'' || c == '.') continue;
    const int v = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : 99;
    if (v >= base)
      throw InputError("'" + shown + "' is not a code: give hex (0x3dcccccd or 3dcccccd) or binary (0b0011...) " +
                       "digits, '_' or '.' between them");
    any = true;
    if (used > 0 || v != 0) used += base == 16 ? 4 : 1;
    if (used > (base == 16 ? (width + 3) / 4 * 4 : width))  // also keeps `code` inside 128 bits
      throw InputError("code '" + shown + "' is wider than " + std::string(f.name) + "'s " + std::to_string(width) +
                       " bits");
    code = code * static_cast<unsigned>(base) + static_cast<unsigned>(v);
  }
  if (!any) throw InputError("'" + shown + "' has no digits: give a code such as 0x3dcccccd or 0b0011");
  if (code > mask_bits(width))
    throw InputError("code '" + shown + "' is wider than " + std::string(f.name) + "'s " + std::to_string(width) +
                     " bits (its largest code is " + bits_hex(f, mask_bits(bits(f))) + ")");
  if (base == 16 && f.storage_override) {
    const int low = storage_bits(f) - bits(f);
    if ((code & mask_bits(low)) != 0)
      throw InputError("code '" + shown + "': " + std::string(f.name) + " keeps the low " + std::to_string(low) +
                       " bits of its " + std::to_string(storage_bits(f)) + "-bit container zero (to see what " +
                       std::string(f.name) + " makes of a value: explain " + std::string(f.name) + " VALUE)");
    code >>= low;
  }
  return code;
}

std::string short_or_rounded(const Rational& r, std::size_t max_chars) {
  if (is_terminating(r)) {
    std::string s = exact_decimal(r);
    if (s.size() <= max_chars) return s;
  }
  return "≈" + rounded_decimal(r, 6);
}

std::string short_or_rounded(const Number& n, std::size_t max_chars) {
  if (n.kind != Number::Kind::kFinite || n.mag == 0) return exact_decimal(n);
  return short_or_rounded(n.value(), max_chars);
}

}  // namespace numscope::api
