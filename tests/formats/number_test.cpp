// Exact number I/O: parse_number's accepted forms and errors, exact and rounded decimals, and the text forms of codes.
//
// Expected values are literals (the decimal expansions of dyadic rationals, worked by hand or by the C library)
// or, for the shortest round-trip decimal, a brute-force check against reference.h's independent rounding.
#include <catch2/catch.hpp>


#include <cmath>
#include <sstream>
#include <string>

#include "numscope/formats/engine.h"
#include "numscope/support/error.h"
#include "numscope/formats/number.h"
#include "numscope/formats/registry.h"
#include "numscope/formats/text.h"
#include "tests/formats/reference.h"

using namespace numscope;
using reftest::BigInt;
using reftest::pow2;
using reftest::Rational;

namespace {
Rational value_of(const std::string& s) {
  const Number n = parse_number(s);
  REQUIRE(n.kind == Number::Kind::kFinite);
  return n.value();
}
}  // namespace

TEST_CASE("parse_number reads decimals, scientific notation, hex floats and fractions exactly", "[formats][number]") {
  CHECK(value_of("123456.789") == Rational(123456789, 1000));
  CHECK(value_of("-1.5e-3") == Rational(-3, 2000));
  CHECK(value_of("1E3") == 1000);
  CHECK(value_of("+2") == 2);
  CHECK(value_of("2.5e+1") == 25);
  CHECK(value_of("0.000000059604644775390625") == pow2(-24));
  CHECK(value_of("-431.99999999999994") == Rational(-4319999999999999400LL, 10000000000000000LL));
  CHECK(value_of("007.50") == Rational(15, 2));
  // hex floats (C17 6.4.4.2): 0x1.8p3 = 1.5 · 2^3 = 12
  CHECK(value_of("0x1.8p3") == 12);
  CHECK(value_of("0X1P+1") == 2);
  CHECK(value_of("-0x1p-2") == Rational(-1, 4));
  CHECK(value_of("0x1.ffcp15") == 65504);
  CHECK(value_of("0x10") == 16);
  CHECK(value_of("0x1p-149") == pow2(-149));
  // fractions
  CHECK(value_of("1/3") == Rational(1, 3));
  CHECK(value_of("-1/3") == Rational(-1, 3));
  CHECK(value_of("1/-3") == Rational(-1, 3));
  CHECK(value_of("1.5/0.5") == 3);
  CHECK(value_of("1e2/4") == 25);
  // whitespace around the number
  CHECK(value_of("  42 ") == 42);
  CHECK(value_of("\t-1\n") == -1);
  // inf, nan, signed zero
  CHECK(parse_number("inf").kind == Number::Kind::kInf);
  CHECK_FALSE(parse_number("inf").neg);
  CHECK(parse_number("-inf").kind == Number::Kind::kInf);
  CHECK(parse_number("-inf").neg);
  CHECK(parse_number("Infinity").kind == Number::Kind::kInf);
  CHECK(parse_number("nan").kind == Number::Kind::kNan);
  CHECK(parse_number("NaN").kind == Number::Kind::kNan);
  const Number mz = parse_number("-0");
  CHECK(mz.is_zero());
  CHECK(mz.neg);
  CHECK(parse_number("-0.0e5").neg);
  CHECK_FALSE(parse_number("0").neg);
}

TEST_CASE("parse_number rejects bad input with InputError", "[formats][number]") {
  const std::string too_long(kMaxNumberLength + 1, '1');
  const auto bad = GENERATE_COPY(values<std::string>({"", "   ", "abc", "1e", "1..2", "0x", "1/0", "1e999999999999999999",
                                                      "1e100001", "1e-100001", "--1", "1e5.5", "1 2", "nan5", "inf/2",
                                                      "1/2/3", "0x1p", "0x1p999999999", "-", ".", "e5", too_long}));
  INFO("input '" << bad.substr(0, 40) << "' (" << bad.size() << " chars)");
  CHECK_THROWS_AS(parse_number(bad), InputError);
}

TEST_CASE("inputs at the length and exponent bounds parse and convert", "[formats][number]") {
  // Speed is measured in bench/, not asserted here; these are the largest inputs the bounds admit.
  const std::string digits(kMaxNumberLength, '9');  // a 20000-digit integer, just under 1e20000
  const Number big = parse_number(digits);
  CHECK(big.kind == Number::Kind::kFinite);
  CHECK(encode(find_format("fp32"), big).code == 0x7f800000);   // +inf, overflow
  CHECK(encode(find_format("e4m3"), big).code == 0x7f);         // NaN
  const Number tiny = parse_number("1e-20000");
  CHECK(tiny.mag == Rational(BigInt(1), boost::multiprecision::pow(BigInt(10), 20000)));
  const Encoded e = encode(find_format("fp64"), tiny);
  CHECK(e.code == 0);
  CHECK(e.status == (kUnderflow | kInexact));
  const std::string long_frac = "0." + std::string(kMaxNumberLength - 3, '3') + "4";  // 20000 characters
  CHECK(encode(find_format("fp16"), parse_number(long_frac)).code == 0x3555);  // 1/3 in fp16: 0 01101 0101010101
  CHECK_THROWS_AS(parse_number("1e20001"), InputError);
  CHECK_THROWS_AS(parse_number("1e-20001"), InputError);
  CHECK_THROWS_AS(parse_number(std::string(kMaxNumberLength + 1, '1')), InputError);
}

TEST_CASE("exact_decimal prints every digit", "[formats][number]") {
  CHECK(exact_decimal(Rational(15802469) / 128) == "123456.7890625");  // fp32's 123456.789
  CHECK(exact_decimal(pow2(-24)) == "0.000000059604644775390625");
  CHECK(exact_decimal(Rational(1, 3)) == "1/3");  // not terminating: p/q
  CHECK(exact_decimal(Rational(-2, 6)) == "-1/3");
  CHECK(exact_decimal(Rational(-1, 4)) == "-0.25");
  CHECK(exact_decimal(Rational(0)) == "0");
  CHECK(exact_decimal(Rational(65504)) == "65504");
  CHECK(exact_decimal(pow2(127)) == "170141183460469231731687303715884105728");
  CHECK(exact_decimal(Rational(1, 80)) == "0.0125");  // 2^-4 · 5^-1
  CHECK(exact_decimal(parse_number("-0")) == "-0");
  CHECK(exact_decimal(parse_number("-inf")) == "-inf");
  CHECK(exact_decimal(parse_number("nan")) == "nan");
  CHECK(is_terminating(Rational(3, 40)));
  CHECK_FALSE(is_terminating(Rational(1, 6)));
}

TEST_CASE("rounded_decimal rounds to nearest, ties to even, %g style", "[formats][number]") {
  CHECK(rounded_decimal(Rational(1, 3), 6) == "0.333333");
  CHECK(rounded_decimal(Rational(2, 3), 3) == "0.667");
  CHECK(rounded_decimal(Rational(14, 27000), 6) == "0.000518519");  // %g: plain down to 1e-4
  CHECK(rounded_decimal(Rational(14, 270000), 6) == "5.18519e-05");
  CHECK(rounded_decimal(Rational(123456789, 1000), 3) == "1.23e+05");
  CHECK(rounded_decimal(Rational(1234, 10000000), 3) == "0.000123");
  CHECK(rounded_decimal(Rational(1, 4), 1) == "0.2");   // tie: 2 is even
  CHECK(rounded_decimal(Rational(35, 100), 1) == "0.4");  // tie: 3 is odd
  CHECK(rounded_decimal(Rational(999, 100), 2) == "10");  // carries into the next decade
  CHECK(rounded_decimal(Rational(-15, 10), 3) == "-1.5");
  CHECK(rounded_decimal(Rational(0), 3) == "0");
}

TEST_CASE("text forms of codes: shortest decimal, hex float, bits", "[formats][number][text]") {
  const Format fp32 = find_format("fp32"), fp16 = find_format("fp16"), bf16 = find_format("bf16"),
               tf32 = find_format("tf32"), e4m3 = find_format("e4m3"), e8m0 = find_format("e8m0");
  CHECK(shortest_decimal(fp32, 0x3dcccccd) == "0.1");     // 0.1f
  CHECK(shortest_decimal(fp32, 0x3f800000) == "1");
  CHECK(shortest_decimal(fp16, 0x3c00) == "1");
  // 65504's rounding interval is [65488, 65520): 65500 (3 digits) reads back; 65000 and 66000 do not
  CHECK(shortest_decimal(fp16, 0x7bff) == "65500");
  // 123392's interval in bf16 is [123136, 123648]: 123400 is the nearer of the 4-digit candidates 123300, 123400
  CHECK(shortest_decimal(bf16, 0x47f1) == "123400");
  // fp16 2^-24 = 5.96e-8, interval (2^-25, 3·2^-25) = (2.98e-8, 8.94e-8): 5e-8 and 6e-8 read back, 6e-8 is nearer
  CHECK(shortest_decimal(fp16, 0x0001) == "6e-08");
  CHECK(shortest_decimal(e4m3, 0x7e) == "450");  // 448: interval (432, 464]
  CHECK(shortest_decimal(fp16, 0x7c00) == "inf");
  CHECK(shortest_decimal(fp16, 0xfc00) == "-inf");
  CHECK(shortest_decimal(fp16, 0x7e00) == "nan");
  CHECK(shortest_decimal(fp16, 0x8000) == "-0");
  CHECK(shortest_decimal(fp16, 0xbc00) == "-1");
  // hex floats: 123456.7890625 = 15802469·2^-7 = 0xf12065·2^-7 = 0x1.e240cap+16
  CHECK(hex_float(fp32, 0x47f12065) == "0x1.e240cap+16");
  CHECK(hex_float(tf32, 0x23f89) == "0x1.e24p+16");  // 1929·2^6 = 0x789·2^6
  CHECK(hex_float(bf16, 0x47f1) == "0x1.e2p+16");     // 241·2^9 = 0xf1·2^9
  CHECK(hex_float(fp16, 0x7bff) == "0x1.ffcp+15");
  CHECK(hex_float(fp16, 0x0001) == "0x1p-24");
  CHECK(hex_float(fp16, 0x0000) == "0x0p+0");
  CHECK(hex_float(fp16, 0x8000) == "-0x0p+0");
  CHECK(hex_float(fp16, 0xfc00) == "-inf");
  CHECK(hex_float(e4m3, 0x7f) == "nan");
  CHECK(hex_float(e8m0, 0x00) == "0x1p-127");
  CHECK(hex_float(fp16, 0xc000) == "-0x1p+1");
  // bits grouped by field: sign, exponent, mantissa
  CHECK(bits_binary(fp16, 0x43c7) == "0 10000 1111000111");
  CHECK(bits_binary(e4m3, 0x7e) == "0 1111 110");
  CHECK(bits_binary(tf32, 0x23f89) == "0 10001111 1110001001");
  CHECK(bits_binary(e8m0, 0x7f) == "01111111");
  CHECK(bits_binary(find_format("e2m1"), 0xb) == "1 01 1");
  CHECK(bits_binary(find_format("int8"), 0x80) == "10000000");
  CHECK(bits_hex(fp16, 0x7bff) == "0x7bff");
  CHECK(bits_hex(fp16, 0x0001) == "0x0001");
  CHECK(bits_hex(e4m3, 0x7e) == "0x7e");
  CHECK(bits_hex(find_format("e2m1"), 0x7) == "0x7");
  CHECK(bits_hex(find_format("e3m2"), 0x1f) == "0x1f");
  CHECK(bits_hex(tf32, 0x23f89) == "0x47f12000");  // tf32 shows its 32-bit container: 0x23f89 << 13
  CHECK(bits_hex(fp32, 0x3f800000) == "0x3f800000");
}

namespace {
/// Significant digits of a decimal string: drop sign, exponent, point, leading and trailing zeros.
int significant_digits(std::string s) {
  if (!s.empty() && s[0] == '-') s.erase(0, 1);
  if (const auto e = s.find('e'); e != std::string::npos) s.resize(e);
  std::string d;
  for (char c : s)
    if (c != '.') d.push_back(c);
  const auto first = d.find_first_not_of('0');
  if (first == std::string::npos) return 0;
  d = d.substr(first);
  while (!d.empty() && d.back() == '0') d.pop_back();
  return static_cast<int>(d.size());
}

BigInt pow10(long k) { return boost::multiprecision::pow(BigInt(10), static_cast<unsigned>(k)); }
Rational pow10r(long k) { return k >= 0 ? Rational(pow10(k)) : Rational(BigInt(1), pow10(-k)); }

/// floor(log10 a), a > 0, by comparison with powers of ten.
long floor_log10(const Rational& a) {
  long k = static_cast<long>(std::floor(std::log10(reftest::to_double(a))));
  while (a < pow10r(k)) --k;
  while (a >= pow10r(k + 1)) ++k;
  return k;
}
}  // namespace

TEST_CASE("shortest_decimal reads back and no shorter decimal does (brute force, every fp16, e4m3, e5m2, e2m1 code)",
          "[formats][number][text]") {
  for (const char* name : {"fp16", "e4m3", "e5m2", "e2m1", "e3m4"}) {
    const Format f = find_format(name);
    INFO(name);
    const auto table = reftest::make_table<Rational>(f);
    int failures = 0, tested = 0;
    std::ostringstream why;
    for (std::uint64_t code = 1; code < (std::uint64_t{1} << bits(f)); ++code) {
      const reftest::Value v = reftest::ref_decode(f, code);
      if (v.cls != reftest::Cls::kNormal && v.cls != reftest::Cls::kSubnormal) continue;
      const std::string s = shortest_decimal(f, code);
      const Rational y = parse_number(s).value();
      // (a) it reads back: the independent rne rounding of its exact value is this code
      bool ok = reftest::round(table, y, y < 0, Rounding::kNearestEven, false).code == code;
      // (b) no decimal with fewer significant digits does. Rounding intervals are convex and contain the value,
      // so if any d-digit decimal reads back, one of the two d-digit decimals nearest the value (below, above) does.
      const int n = significant_digits(s);
      const long k = floor_log10(v.mag);
      for (int d = 1; d < n && ok; ++d) {
        const Rational unit = pow10r(k + 1 - d);
        const Rational t = v.mag / unit;
        const BigInt lo = boost::multiprecision::numerator(t) / boost::multiprecision::denominator(t);
        for (const BigInt& c : {lo, BigInt(lo + 1)}) {
          if (c == 0) continue;
          const Rational cand = Rational(c) * unit;
          if (reftest::round(table, v.neg ? Rational(-cand) : cand, v.neg, Rounding::kNearestEven, false).code == code) ok = false;
        }
      }
      if (!ok && failures++ < 5) why << "code " << code << " shortest '" << s << "'\n";
      ++tested;
    }
    INFO(why.str());
    CHECK(failures == 0);
    CHECK(tested > 0);
  }
}
