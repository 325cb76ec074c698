// Text forms of codes: shortest round-trip decimal, hex float, grouped bits.
#include "numscope/formats/text.h"

#include <algorithm>  // std::reverse
#include <bit>        // std::bit_width

namespace numscope {
namespace {

namespace mp = boost::multiprecision;

BigInt pow10(long k) { return mp::pow(BigInt(10), static_cast<unsigned>(k)); }

/// floor(log10 a) for a > 0.
long floor_log10(const Rational& a) {
  long k = static_cast<long>(std::floor(static_cast<double>(floor_log2(a)) * 0.30102999566398120));
  for (;;) {  // 10^k <= a < 10^(k+1); the estimate is off by at most one
    const Rational lo = k >= 0 ? Rational(pow10(k)) : Rational(BigInt(1), pow10(-k));
    if (a < lo) { --k; continue; }
    const Rational hi = k + 1 >= 0 ? Rational(pow10(k + 1)) : Rational(BigInt(1), pow10(-k - 1));
    if (a >= hi) { ++k; continue; }
    return k;
  }
}

/// digits · 10^(k - len + 1) printed as %g would, without trailing zeros.
std::string format_digits(std::string d, long k) {
  while (d.size() > 1 && d.back() == '0') d.pop_back();
  const long n = static_cast<long>(d.size());
  if (k >= -5 && k < 17) {
    if (k >= n - 1) return d + std::string(static_cast<std::size_t>(k - n + 1), '0');
    if (k >= 0) return d.substr(0, static_cast<std::size_t>(k) + 1) + "." + d.substr(static_cast<std::size_t>(k) + 1);
    return "0." + std::string(static_cast<std::size_t>(-k - 1), '0') + d;
  }
  std::string out = d.substr(0, 1);
  if (n > 1) out += "." + d.substr(1);
  return out + (k < 0 ? "e-" : "e+") + (std::abs(k) < 10 ? "0" : "") + std::to_string(std::abs(k));
}

}  // namespace

std::string to_string(u128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

std::string to_string(i128 v) { return v < 0 ? "-" + to_string(u128(-v)) : to_string(u128(v)); }

std::string shortest_decimal(const Format& f, u128 code) {
  const Decoded d = decode(f, code);
  const Number x = d.number();
  if (x.kind != Number::Kind::kFinite || x.mag == 0 || f.kind == Kind::kInt) return exact_decimal(x);
  const long k = floor_log10(x.mag);
  // Try n significant digits, n = 1, 2, ...: the n-digit decimals just below and above the value are the
  // only candidates (any other n-digit decimal is farther on the same side). Keep the nearer one that
  // reads back to the same code.
  for (int n = 1;; ++n) {
    const long shift = n - 1 - k;
    const Rational scale = shift >= 0 ? Rational(pow10(shift)) : Rational(BigInt(1), pow10(-shift));
    const Rational t = x.mag * scale;
    BigInt lo, rem;
    mp::divide_qr(mp::numerator(t), mp::denominator(t), lo, rem);
    const BigInt hi = rem == 0 ? lo : BigInt(lo + 1);
    auto reads_back = [&](const BigInt& c) {
      if (c == 0) return false;
      Number cand{Number::Kind::kFinite, x.neg, Rational(c) / scale};
      return encode(f, cand).code == code;
    };
    const bool lo_ok = reads_back(lo), hi_ok = hi != lo && reads_back(hi);
    if (lo_ok || hi_ok) {
      const BigInt& pick = (lo_ok && hi_ok) ? (t - Rational(lo) <= Rational(hi) - t ? lo : hi) : (lo_ok ? lo : hi);
      // pick may have n+1 digits when it rounded up to a power of ten (99.9 -> 100).
      const std::string digits = pick.str();
      const long kk = k + static_cast<long>(digits.size()) - n;
      return (x.neg ? "-" : "") + format_digits(digits, kk);
    }
  }
}

std::string hex_float(const Format& f, u128 code) {
  const Decoded d = decode(f, code);
  const std::string sign = d.neg ? "-" : "";
  if (d.cls == ValueClass::kNan) return "nan";
  if (d.cls == ValueClass::kInf) return sign + "inf";
  if (d.sig == 0) return sign + "0x0p+0";
  // sig · 2^exp2 = 1.fff · 2^(exp2 + t) with t = the position of the leading bit
  const int t = 127 - (static_cast<std::uint64_t>(d.sig >> 64) ? __builtin_clzll(static_cast<std::uint64_t>(d.sig >> 64))
                                                                : 64 + __builtin_clzll(static_cast<std::uint64_t>(d.sig)));
  u128 frac = d.sig & mask_bits(t);
  int frac_bits = t;
  const int pad = (4 - frac_bits % 4) % 4;
  frac <<= pad;
  frac_bits += pad;
  std::string hex;
  for (int b = frac_bits - 4; b >= 0; b -= 4) hex.push_back("0123456789abcdef"[static_cast<int>((frac >> b) & 0xf)]);
  while (!hex.empty() && hex.back() == '0') hex.pop_back();
  const long e = static_cast<long>(d.exp2) + t;
  return sign + "0x1" + (hex.empty() ? "" : "." + hex) + "p" + (e < 0 ? "-" : "+") + std::to_string(std::abs(e));
}

std::string bits_hex(const Format& f, u128 code) {
  // tf32 shows its 32-bit container (the 19 bits at the top), as it sits in memory and in `cast`.
  if (f.storage_override) code <<= f.storage_override - bits(f);
  const int digits = (storage_bits(f) + 3) / 4;
  std::string s;
  for (int i = digits - 1; i >= 0; --i) s.push_back("0123456789abcdef"[static_cast<int>((code >> (4 * i)) & 0xf)]);
  return "0x" + s;
}

std::string bits_binary(const Format& f, u128 code) {
  auto field = [&](int hi, int n) {
    std::string s;
    for (int i = hi - 1; i >= hi - n; --i) s.push_back(((code >> i) & 1) ? '1' : '0');
    return s;
  };
  if (f.kind == Kind::kInt) return field(f.int_bits, f.int_bits);
  std::string out;
  const int n = bits(f);
  if (f.has_sign) out = field(n, 1) + " ";
  out += field(f.exponent_bits + f.mantissa_bits, f.exponent_bits);
  if (f.mantissa_bits > 0) out += " " + field(f.mantissa_bits, f.mantissa_bits);
  return out;
}

}  // namespace numscope
