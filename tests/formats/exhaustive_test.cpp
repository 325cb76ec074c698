// Every code of every format of at most 16 bits: decodes by the textbook formula and encodes back to itself.
//
// The expected values come from reference.h's ref_decode (IEEE 754-2019 §3.4, OCP OFP8 rev 1.0 §5, OCP MX v1.0
// §5.3-5.4 written out from the row's fields) and from literal published anchors, never from the engine.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>
#include <string>

#include "numscope/formats/engine.h"
#include "numscope/formats/number.h"
#include "numscope/formats/properties.h"
#include "numscope/formats/registry.h"
#include "tests/formats/reference.h"

using namespace numscope;
using reftest::Cls;
using reftest::pow2;
using reftest::Rational;

namespace {

/// Collects mismatches without one Catch assertion per code (65536 codes × 30 formats).
struct Failures {
  int count = 0;
  std::ostringstream first;
  void add(const std::string& what) {
    if (count++ < 8) first << what << "\n";
  }
};

Cls cls_of(ValueClass c) {
  switch (c) {
    case ValueClass::kZero: return Cls::kZero;
    case ValueClass::kSubnormal: return Cls::kSubnormal;
    case ValueClass::kNormal: return Cls::kNormal;
    case ValueClass::kInf: return Cls::kInf;
    case ValueClass::kNan: return Cls::kNan;
  }
  return Cls::kNan;
}

std::string hex(std::uint64_t c) {
  std::ostringstream s;
  s << "0x" << std::hex << c;
  return s.str();
}

Number number_of(const reftest::Value& v) {
  Number n;
  n.neg = v.neg;
  n.kind = v.cls == Cls::kNan ? Number::Kind::kNan : v.cls == Cls::kInf ? Number::Kind::kInf : Number::Kind::kFinite;
  n.mag = v.mag;
  return n;
}

}  // namespace

TEST_CASE("every code of every format of at most 16 bits decodes to its formula value and encodes back",
          "[formats][exhaustive]") {
  for (const Format& f : reftest::formats_upto16()) {
    INFO("format " << f.name);
    const int n = reftest::ref_bits(f);
    REQUIRE(n == bits(f));
    Failures fail;
    std::uint64_t finite_codes = 0;
    bool neg_zero = false;
    for (std::uint64_t code = 0; code < (std::uint64_t{1} << n); ++code) {
      const reftest::Value v = reftest::ref_decode(f, code);
      const Decoded d = decode(f, code);
      const std::string at = std::string(f.name) + " code " + hex(code);
      if (cls_of(d.cls) != v.cls) { fail.add(at + ": class"); continue; }
      if (v.cls != Cls::kNan && d.neg != v.neg) fail.add(at + ": sign");
      if (v.cls == Cls::kNan) {
        if (!std::isnan(decode_double(f, code))) fail.add(at + ": decode_double of NaN");
      } else {
        ++finite_codes;
        if (v.cls == Cls::kZero && v.neg) neg_zero = true;
        if (v.cls != Cls::kInf && d.number().mag != v.mag) fail.add(at + ": value " + d.number().mag.str() + " != " + v.mag.str());
        const double want = v.cls == Cls::kInf ? INFINITY : reftest::to_double(v.mag);
        const double got = decode_double(f, code);
        if (got != (v.neg ? -want : want) || std::signbit(got) != v.neg) fail.add(at + ": decode_double");
        if (v.cls == Cls::kInf) --finite_codes;
      }
      // encode(decode(code)) == code: from the double and from the exact Number; NaN by class.
      const double x = v.cls == Cls::kNan ? NAN : (v.neg ? -1.0 : 1.0) * (v.cls == Cls::kInf ? INFINITY : reftest::to_double(v.mag));
      const Encoded e1 = encode(f, x);
      const Encoded e2 = encode(f, number_of(v));
      for (const Encoded& e : {e1, e2}) {
        if (v.cls == Cls::kNan) {
          if (!reftest::is_nan_code(f, static_cast<std::uint64_t>(e.code))) fail.add(at + ": NaN did not encode to NaN");
          if (e.status != kOk) fail.add(at + ": NaN status");
        } else if (static_cast<std::uint64_t>(e.code) != code || e.status != kOk) {
          fail.add(at + ": round trip gave " + hex(static_cast<std::uint64_t>(e.code)) + " status " + std::to_string(e.status));
        }
      }
    }
    INFO(fail.first.str());
    CHECK(fail.count == 0);
    // Distinct finite values: finite codes, with +0 and -0 counted once.
    const std::uint64_t distinct = finite_codes - (neg_zero ? 1 : 0);
    CHECK(properties(f).finite_count == std::to_string(distinct));
    CHECK(has_negative_zero(f) == neg_zero);
  }
}

TEST_CASE("finite value counts are the published ones", "[formats][exhaustive]") {
  // fp16: 2^16 codes - 2·2^10 (exponent 11111) - 1 (-0) = 63487; e4m3: 256 - 2 NaN - 1 = 253 (OFP8);
  // e5m2: 256 - 2·4 - 1 = 247; e2m1: 16 - 1 = 15 (MX); e8m0: 256 - 1 NaN = 255 (MX); e4m3fnuz: 256 - 1 NaN = 255.
  const auto [name, count] = GENERATE(table<const char*, const char*>({
      {"fp16", "63487"}, {"bf16", "65279"}, {"e4m3", "253"}, {"e5m2", "247"}, {"e4m3fnuz", "255"},
      {"e5m2fnuz", "255"}, {"e3m2", "63"}, {"e2m3", "63"}, {"e2m1", "15"}, {"e8m0", "255"}, {"int8", "256"}}));
  INFO(name);
  CHECK(properties(find_format(name)).finite_count == count);
}

TEST_CASE("max, min normal and min subnormal are the published anchors", "[formats][anchors]") {
  auto p2 = [](long e) { return pow2(e); };
  struct Row {
    const char* name;
    Rational max, min_normal, min_subnormal;
  };
  // IEEE 754 Table 3.5 (fp16/fp32), OFP8 Table 1 (e4m3, e5m2), OCP MX Tables 1-2 (e3m2, e2m3, e2m1, e8m0),
  // LLVM APFloat / ml_dtypes for the fnuz, IEEE-like fp8 and e3m4 rows.
  const Row rows[] = {
      {"fp32", (2 - p2(-23)) * p2(127), p2(-126), p2(-149)},
      {"tf32", (2 - p2(-10)) * p2(127), p2(-126), p2(-136)},
      {"fp16", Rational(65504), p2(-14), p2(-24)},
      {"bf16", (2 - p2(-7)) * p2(127), p2(-126), p2(-133)},
      {"e5m2", Rational(57344), p2(-14), p2(-16)},
      {"e4m3", Rational(448), p2(-6), p2(-9)},
      {"e4m3fnuz", Rational(240), p2(-7), p2(-10)},
      {"e5m2fnuz", Rational(57344), p2(-15), p2(-17)},
      {"e4m3b11fnuz", Rational(30), p2(-10), p2(-13)},
      {"e4m3-ieee", Rational(240), p2(-6), p2(-9)},
      {"e3m4", Rational(31, 2), p2(-2), p2(-6)},
      {"e3m2", Rational(28), p2(-2), p2(-4)},
      {"e2m3", Rational(15, 2), Rational(1), p2(-3)},
      {"e2m1", Rational(6), Rational(1), Rational(1, 2)},
      {"e8m0", p2(127), p2(-127), p2(-127)},
      // user-defined rows: e5m7 (2-2^-7)·2^15; e3m3fn 1.75·2^4; e4m2fnuz 1.75·2^7; e6m9:bias=20 (2-2^-9)·2^42
      {"e5m7", Rational(65280), p2(-14), p2(-21)},
      {"e3m3fn", Rational(28), p2(-2), p2(-5)},
      {"e4m2fnuz", Rational(224), p2(-7), p2(-9)},
      {"e6m9:bias=20", (2 - p2(-9)) * p2(42), p2(-19), p2(-28)},
  };
  for (const Row& r : rows) {
    INFO(r.name);
    const Format f = find_format(r.name);
    const Properties p = properties(f);
    CHECK(p.max == r.max);
    CHECK(p.min_normal == r.min_normal);
    CHECK(p.min_subnormal == r.min_subnormal);
    if (bits(f) <= 16) {  // the independent table agrees with the literal too
      const auto t = reftest::make_table<Rational>(f);
      CHECK(t.e[t.e.size() - 2].value == r.max);
    }
  }
  CHECK(properties(find_format("e4m3")).emax == 8);
  CHECK(properties(find_format("e4m3")).emin == -6);
}

TEST_CASE("decimal digit conventions: digits10 and max_digits10", "[formats][anchors]") {
  // C17 5.2.4.2.2: FLT_DIG 6, FLT_DECIMAL_DIG 9, DBL_DIG 15, DBL_DECIMAL_DIG 17; binary16 3/5; bfloat16 2/4.
  const auto [name, d10, maxd10] = GENERATE(table<const char*, int, int>(
      {{"fp32", 6, 9}, {"fp16", 3, 5}, {"bf16", 2, 4}, {"fp64", 15, 17}}));
  INFO(name);
  const Properties p = properties(find_format(name));
  CHECK(p.digits10 == d10);
  CHECK(p.max_digits10 == maxd10);
  if (std::string(name) == "fp32") {
    CHECK(p.digits10 == std::numeric_limits<float>::digits10);
    CHECK(p.max_digits10 == std::numeric_limits<float>::max_digits10);
  }
  if (std::string(name) == "fp64") {
    CHECK(p.digits10 == std::numeric_limits<double>::digits10);
    CHECK(p.max_digits10 == std::numeric_limits<double>::max_digits10);
  }
}
