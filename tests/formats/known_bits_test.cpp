// Known bit patterns: literal inputs with their hand-derived codes and status flags, every rounding mode and policy.
//
// Each expected code is worked out in the comment beside it from the format's layout (IEEE 754-2019 §3.4,
// OCP OFP8 rev 1.0 §5, OCP MX v1.0 §5.3-5.4); rounding per IEEE 754 §4.3, overflow per §7.4 and OFP8 §5.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <sstream>
#include <string>

#include "numscope/formats/engine.h"
#include "numscope/formats/number.h"
#include "numscope/formats/registry.h"
#include "tests/formats/reference.h"

using namespace numscope;

namespace {
constexpr unsigned I = kInexact, O = kOverflow | kInexact, U = kUnderflow | kInexact, S = kSaturated, V = kInvalid;

Encoded store(const std::string& fmt, const std::string& input, const std::string& mode = "rne", bool sat = false,
              bool ftz = false) {
  ConvertOptions opt;
  opt.rounding = parse_rounding(mode);
  opt.saturate = sat;
  opt.ftz = ftz;
  return encode(find_format(fmt), parse_number(input), opt);
}
}  // namespace

TEST_CASE("known bit patterns", "[formats][known_bits]") {
  using Row = std::tuple<const char*, const char*, const char*, bool, bool, std::uint64_t, unsigned>;
  // format, input, rounding, --saturate, --ftz, code, status
  const auto [fmt, input, mode, sat, ftz, code, status] = GENERATE(table<const char*, const char*, const char*, bool, bool, std::uint64_t, unsigned>({
      // fp16 max: (2 - 2^-10)·2^15 = 0 11110 1111111111 = 0x7bff
      Row{"fp16", "65504", "rne", false, false, 0x7bff, 0},
      // 65520 = midpoint of 65504 (mantissa odd) and 2^16 (even, past max): ties-to-even overflows to inf 0 11111 0..0
      Row{"fp16", "65520", "rne", false, false, 0x7c00, O},
      Row{"fp16", "65519.99", "rne", false, false, 0x7bff, I},
      Row{"fp16", "1e6", "rne", true, false, 0x7bff, O | S},
      // e4m3 max: 1.75·2^8 = 0 1111 110 = 0x7e
      Row{"e4m3", "448", "rne", false, false, 0x7e, 0},
      // 464 = midpoint of 448 (mantissa 110, even) and 480 (111): ties to even -> 448 (OFP8 §5)
      Row{"e4m3", "464", "rne", false, false, 0x7e, I},
      // 465 > 464 rounds to 480 = 0 1111 111, the NaN code: overflow -> NaN 0x7f (non-saturating)
      Row{"e4m3", "465", "rne", false, false, 0x7f, O},
      Row{"e4m3", "480", "rne", false, false, 0x7f, O},
      Row{"e4m3", "1e6", "rne", true, false, 0x7e, O | S},
      Row{"e4m3", "-1e6", "rne", true, false, 0xfe, O | S},
      Row{"e4m3", "1e6", "rtz", false, false, 0x7e, O | S},
      // e5m2 max: 1.75·2^15 = 0 11110 11 = 0x7b
      Row{"e5m2", "57344", "rne", false, false, 0x7b, 0},
      // 61440 = midpoint of 57344 (mantissa 11, odd) and 65536 (even): tie -> 65536 = overflow -> inf 0 11111 00
      Row{"e5m2", "61440", "rne", false, false, 0x7c, O},
      Row{"e5m2", "61439", "rne", false, false, 0x7b, I},
      // directed overflow (IEEE 754 §7.4): toward zero gives ±max, away gives ±inf
      Row{"e5m2", "1e6", "rtz", false, false, 0x7b, O | S},
      Row{"e5m2", "1e6", "down", false, false, 0x7b, O | S},
      Row{"e5m2", "1e6", "up", false, false, 0x7c, O},
      Row{"e5m2", "1e6", "odd", false, false, 0x7b, O | S},
      Row{"e5m2", "-1e6", "up", false, false, 0xfb, O | S},
      Row{"e5m2", "-1e6", "down", false, false, 0xfc, O},
      // 123456.789 = 1.8838...·2^16. bf16: 123456.789/2^9 = 241.126 -> 241 = 1.1110001·2^16 = 123392,
      // 0 10001111 1110001 = 0x47f1
      Row{"bf16", "123456.789", "rne", false, false, 0x47f1, I},
      // fp32: 123456.789/2^-7 = 15802468.99 -> 15802469·2^-7 = 123456.7890625 = 0x47f12065
      Row{"fp32", "123456.789", "rne", false, false, 0x47f12065, I},
      Row{"fp32", "123456.7890625", "rne", false, false, 0x47f12065, 0},
      // tf32 (19-bit code): 123456.789/2^6 = 1929.01 -> 1929 = 2^10 + 905: (143 << 10) | 905 = 0x23f89
      Row{"tf32", "123456.789", "rne", false, false, 0x23f89, I},
      Row{"e5m2", "123456.789", "rne", false, false, 0x7c, O},     // > 61440: inf
      Row{"fp16", "123456.789", "rne", false, false, 0x7c00, O},   // > 65520: inf
      Row{"e4m3", "123456.789", "rne", false, false, 0x7f, O},     // > 464: NaN (non-saturating)
      Row{"int8", "123456.789", "rne", false, false, 0x7f, O | S}, // 127, saturated
      Row{"int4", "123456.789", "rne", false, false, 0x7, O | S},  // 7, saturated
      // tf32 ties: 1 + 2^-11 is the midpoint of 1 = (127 << 10) = 0x1fc00 and 1 + 2^-10 = 0x1fc01
      Row{"tf32", "1.00048828125", "rne", false, false, 0x1fc00, I},
      Row{"tf32", "1.00048828125", "rna", false, false, 0x1fc01, I},
      Row{"tf32", "-1.00048828125", "rne", false, false, 0x5fc00, I},  // sign bit 1 << 18 = 0x40000
      Row{"tf32", "-1.00048828125", "rna", false, false, 0x5fc01, I},
      // 1 + 3·2^-11: midpoint of 0x1fc01 (odd) and 0x1fc02 (even): both modes go up
      Row{"tf32", "1.00146484375", "rne", false, false, 0x1fc02, I},
      Row{"tf32", "1.00146484375", "rna", false, false, 0x1fc02, I},
      // 1 + 2^-11 + 2^-20 is past the midpoint: both up
      Row{"tf32", "1.00048923492431640625", "rne", false, false, 0x1fc01, I},
      // every mode on e4m3, ulp(1) = 0.125: 1 = 0 0111 000 = 0x38, 1.125 = 0x39, 1.25 = 0x3a
      // 1.0625: exact midpoint of 1 (even) and 1.125 (odd)
      Row{"e4m3", "1.0625", "rne", false, false, 0x38, I}, Row{"e4m3", "1.0625", "rna", false, false, 0x39, I},
      Row{"e4m3", "1.0625", "rtz", false, false, 0x38, I}, Row{"e4m3", "1.0625", "up", false, false, 0x39, I},
      Row{"e4m3", "1.0625", "down", false, false, 0x38, I}, Row{"e4m3", "1.0625", "odd", false, false, 0x39, I},
      Row{"e4m3", "-1.0625", "rne", false, false, 0xb8, I}, Row{"e4m3", "-1.0625", "rna", false, false, 0xb9, I},
      Row{"e4m3", "-1.0625", "rtz", false, false, 0xb8, I}, Row{"e4m3", "-1.0625", "up", false, false, 0xb8, I},
      Row{"e4m3", "-1.0625", "down", false, false, 0xb9, I}, Row{"e4m3", "-1.0625", "odd", false, false, 0xb9, I},
      // 1.1: between 1 and 1.125, above the midpoint 1.0625
      Row{"e4m3", "1.1", "rne", false, false, 0x39, I}, Row{"e4m3", "1.1", "rna", false, false, 0x39, I},
      Row{"e4m3", "1.1", "rtz", false, false, 0x38, I}, Row{"e4m3", "1.1", "up", false, false, 0x39, I},
      Row{"e4m3", "1.1", "down", false, false, 0x38, I}, Row{"e4m3", "1.1", "odd", false, false, 0x39, I},
      // -1.2: between -1.25 (0xba, even) and -1.125 (0xb9, odd); nearer -1.25 (midpoint -1.1875)
      Row{"e4m3", "-1.2", "rne", false, false, 0xba, I}, Row{"e4m3", "-1.2", "rna", false, false, 0xba, I},
      Row{"e4m3", "-1.2", "rtz", false, false, 0xb9, I}, Row{"e4m3", "-1.2", "up", false, false, 0xb9, I},
      Row{"e4m3", "-1.2", "down", false, false, 0xba, I}, Row{"e4m3", "-1.2", "odd", false, false, 0xb9, I},
      Row{"e4m3", "1.25", "odd", false, false, 0x3a, 0},  // exact: every mode keeps it
      // round to odd past max: 448 is even (110), so the odd candidate is 480 (past max), which goes to max:
      // ±max stored for a value whose unbounded rounding exceeds it is "saturated" in every mode
      Row{"e4m3", "450", "odd", false, false, 0x7e, O | S},
      // fp16 tie 1 + 2^-11 between 0x3c00 and 0x3c01
      Row{"fp16", "1.00048828125", "rne", false, false, 0x3c00, I},
      Row{"fp16", "1.00048828125", "rna", false, false, 0x3c01, I},
      // underflow: fp16 min subnormal 2^-24 = 5.96e-8; 1e-8 is below half of it
      Row{"fp16", "1e-8", "rne", false, false, 0x0000, U}, Row{"fp16", "-1e-8", "rne", false, false, 0x8000, U},
      Row{"fp16", "1e-8", "up", false, false, 0x0001, U}, Row{"fp16", "-1e-8", "down", false, false, 0x8001, U},
      Row{"fp16", "0x1p-24", "rne", false, false, 0x0001, 0},  // exact subnormal: no underflow
      // ftz: subnormal results flush to (signed) zero with underflow
      Row{"fp16", "0x1p-24", "rne", false, true, 0x0000, U}, Row{"fp16", "-0x1p-24", "rne", false, true, 0x8000, U},
      Row{"fp16", "0x1.ff8p-15", "rne", false, false, 0x03ff, 0},  // (2 - 2^-9)·2^-15 = 2^-14 - 2^-24, largest subnormal
      Row{"fp16", "0x1.ff8p-15", "rne", false, true, 0x0000, U},
      Row{"fp16", "0x1p-14", "rne", false, true, 0x0400, 0},  // min normal is kept
      // 2^-14 - 2^-25 = 0x1.ffcp-15: midpoint of 0x03ff (odd) and 0x0400 (even) -> the normal 2^-14, tiny before
      // rounding (IEEE 754 §7.5 allows detecting tininess before rounding), kept under ftz since the result is normal
      Row{"fp16", "0x1.ffcp-15", "rne", false, false, 0x0400, U},
      Row{"fp16", "0x1.ffcp-15", "rne", false, true, 0x0400, U},
      Row{"fp16", "0x1.ffcp-15", "rtz", false, true, 0x0000, U},  // rtz keeps 0x03ff, a subnormal: flushed
      Row{"e4m3", "0x1p-9", "rne", false, true, 0x00, U},
      // MX finite-only elements saturate (OCP MX v1.0 §5.3): e2m1 max 6 = 0 11 1 = 0x7
      Row{"e2m1", "100", "rne", false, false, 0x7, O | S}, Row{"e2m1", "-100", "rne", false, false, 0xf, O | S},
      Row{"e2m1", "5", "rne", false, false, 0x6, I},  // midpoint of 4 (0 11 0, even) and 6 (odd): 4
      // e3m2 max 28 = 0 111 11; 30 = midpoint of 28 (odd) and 32 (even, past max): overflow, saturate
      Row{"e3m2", "30", "rne", false, false, 0x1f, O | S}, Row{"e3m2", "29.9", "rne", false, false, 0x1f, I},
      Row{"e2m3", "7.5", "rne", false, false, 0x1f, 0}, Row{"e2m3", "7.7", "rne", false, false, 0x1f, I},
      // fnuz (no -0, NaN = 0x80)
      Row{"e4m3fnuz", "-0", "rne", false, false, 0x00, 0}, Row{"e4m3fnuz", "nan", "rne", false, false, 0x80, 0},
      Row{"e4m3fnuz", "-1e-9", "rne", false, false, 0x00, U},  // rounds to zero: +0, not the NaN code
      Row{"e4m3fnuz", "240", "rne", false, false, 0x7f, 0}, Row{"e4m3fnuz", "-240", "rne", false, false, 0xff, 0},
      Row{"e4m3fnuz", "1000", "rne", false, false, 0x80, O}, Row{"e4m3fnuz", "1000", "rne", true, false, 0x7f, O | S},
      Row{"e5m2fnuz", "-0", "rne", false, false, 0x00, 0}, Row{"e5m2fnuz", "nan", "rne", false, false, 0x80, 0},
      // e4m3b11fnuz max 30 = 1.875·2^4 = 0 1111 111 (odd); 31 is the midpoint with 32 (even): overflow -> NaN
      Row{"e4m3b11fnuz", "30", "rne", false, false, 0x7f, 0}, Row{"e4m3b11fnuz", "31", "rne", false, false, 0x80, O},
      Row{"e4m3b11fnuz", "30.9", "rne", false, false, 0x7f, I},
      // e8m0: 2^(E-127), unsigned, NaN 0xff, no zero (OCP MX v1.0 §5.4.1)
      Row{"e8m0", "-1", "rne", false, false, 0xff, V}, Row{"e8m0", "nan", "rne", false, false, 0xff, 0},
      Row{"e8m0", "0", "rne", false, false, 0x00, U}, Row{"e8m0", "1", "rne", false, false, 0x7f, 0},
      Row{"e8m0", "0x1p127", "rne", false, false, 0xfe, 0}, Row{"e8m0", "0x1p-127", "rne", false, false, 0x00, 0},
      // 3 = midpoint of 2 (E=128) and 4 (E=129): with p = 1 both significands are 1, so "even" cannot decide;
      // the engine rounds the tie away from zero, as LLVM APFloat does for float8_e8m0fnu: 4
      Row{"e8m0", "3", "rne", false, false, 0x81, I}, Row{"e8m0", "2.9", "rne", false, false, 0x80, I},
      Row{"e8m0", "1e-50", "rne", false, false, 0x00, U},  // below 2^-127: the smallest value
      Row{"e8m0", "1e50", "rne", false, false, 0xff, O},   // past 2^127 (no inf): NaN
      // integers round by the mode, then saturate
      Row{"int8", "2.5", "rne", false, false, 0x02, I}, Row{"int8", "2.5", "rna", false, false, 0x03, I},
      Row{"int8", "2.5", "rtz", false, false, 0x02, I}, Row{"int8", "2.5", "up", false, false, 0x03, I},
      Row{"int8", "2.5", "down", false, false, 0x02, I}, Row{"int8", "2.5", "odd", false, false, 0x03, I},
      Row{"int8", "-2.5", "rne", false, false, 0xfe, I}, Row{"int8", "-2.5", "rna", false, false, 0xfd, I},
      Row{"int8", "-2.5", "up", false, false, 0xfe, I}, Row{"int8", "-2.5", "down", false, false, 0xfd, I},
      Row{"int8", "3.5", "rne", false, false, 0x04, I},
      Row{"int8", "-128.4", "rne", false, false, 0x80, I},
      Row{"int8", "-128.5", "rne", false, false, 0x80, I},  // tie between -129 and -128 (even): -128, in range
      Row{"int8", "-128.6", "rne", false, false, 0x80, O | S},
      Row{"int8", "300", "rne", false, false, 0x7f, O | S},
      Row{"int8", "nan", "rne", false, false, 0x00, V}, Row{"int8", "-inf", "rne", false, false, 0x80, O | S},
      Row{"uint8", "-1", "rne", false, false, 0x00, O | S}, Row{"uint8", "-0.4", "rne", false, false, 0x00, I},
      Row{"uint8", "255.5", "rne", false, false, 0xff, O | S},  // tie: 256 is even, then saturates
      Row{"int4", "-8.5", "rne", false, false, 0x8, I}, Row{"uint4", "15.49", "rne", false, false, 0xf, I},
      Row{"int2", "-2", "rne", false, false, 0x2, 0}, Row{"uint2", "3", "rne", false, false, 0x3, 0},
      // double rounding (ml_dtypes issue): -431.99999999999994 is below the midpoint 432 of 416 and 448, so
      // -416 = -(1.625·2^8) = 1 1111 101 = 0xfd; a route through float32 rounds to -432, then ties to -448.
      Row{"e4m3", "-431.99999999999994", "rne", false, false, 0xfd, I},
  }));
  INFO(fmt << " " << input << " " << mode << (sat ? " --saturate" : "") << (ftz ? " --ftz" : ""));
  const Encoded e = store(fmt, input, mode, sat, ftz);
  CHECK(static_cast<std::uint64_t>(e.code) == code);
  CHECK(e.status == status);
}

TEST_CASE("the float32 route double-rounds -431.99999999999994 to -448", "[formats][known_bits]") {
  const Format e4m3 = find_format("e4m3");
  const double d = std::strtod("-431.99999999999994", nullptr);
  CHECK(d > -432.0);  // binary64 still holds it below the midpoint
  CHECK(encode(e4m3, d).code == 0xfd);
  CHECK(static_cast<double>(static_cast<float>(d)) == -432.0);  // float32 rounds onto the midpoint
  CHECK(encode(e4m3, static_cast<double>(static_cast<float>(d))).code == 0xfe);  // -448: the known bug
}

TEST_CASE("overflow and underflow always come with inexact", "[formats][known_bits]") {
  const char* inputs[] = {"1e-50", "-1e-50", "1e50", "-1e50", "465", "0x1.ffep-15", "300", "-129", "1e-8"};
  for (const Format& f : reftest::formats_upto16()) {
    for (const char* in : inputs) {
      for (int r = 0; r < 6; ++r) {
        for (bool sat : {false, true}) {
          ConvertOptions opt;
          opt.rounding = static_cast<Rounding>(r);
          opt.saturate = sat;
          const Encoded e = encode(f, parse_number(in), opt);
          INFO(f.name << " " << in << " mode " << r);
          if (e.status & (kOverflow | kUnderflow)) CHECK((e.status & kInexact) != 0);
          if (e.status & kSaturated) CHECK((e.status & kOverflow) != 0);
        }
      }
    }
  }
}

TEST_CASE("stochastic rounding is reproducible and rounds up with the discarded fraction's probability",
          "[formats][known_bits]") {
  const Format e4m3 = find_format("e4m3");
  // 1.03125 = 1 + 0.25·ulp(1): 1 (0x38) with probability 0.75, 1.125 (0x39) with probability 0.25.
  const Number x = parse_number("1.03125");
  auto run = [&](std::uint64_t seed, int n, int& ups) {
    Rng rng{seed};
    ConvertOptions opt;
    opt.rounding = Rounding::kStochastic;
    opt.rng = &rng;
    std::string codes;
    ups = 0;
    for (int i = 0; i < n; ++i) {
      const Encoded e = encode(e4m3, x, opt);
      REQUIRE((e.code == 0x38 || e.code == 0x39));
      CHECK(e.status == kInexact);
      ups += e.code == 0x39;
      codes.push_back(static_cast<char>(e.code));
    }
    return codes;
  };
  int ups1 = 0, ups2 = 0, ups3 = 0;
  const std::string a = run(42, 20000, ups1), b = run(42, 20000, ups2), c = run(7, 20000, ups3);
  CHECK(a == b);  // the same seed gives the same stream
  CHECK(a != c);
  CHECK(ups1 > 0);
  CHECK(ups1 < 20000);
  // binomial(20000, 0.25): sd = 61; 0.25 ± 0.015 is more than 4.8 sd
  CHECK(std::abs(ups1 / 20000.0 - 0.25) < 0.015);
  CHECK(std::abs(ups3 / 20000.0 - 0.25) < 0.015);
  // the double path draws the same way; and an exact input never consumes randomness into an inexact result
  Rng rng{1};
  ConvertOptions opt;
  opt.rounding = Rounding::kStochastic;
  opt.rng = &rng;
  int up = 0;
  for (int i = 0; i < 20000; ++i) up += encode(e4m3, 1.09375, opt).code == 0x39;  // 1 + 0.75 ulp
  CHECK(std::abs(up / 20000.0 - 0.75) < 0.015);
  CHECK(encode(e4m3, 1.125, opt).code == 0x39);
  CHECK(encode(e4m3, 1.125, opt).status == kOk);
  // no seed: a clear error, not a crash
  ConvertOptions none;
  none.rounding = Rounding::kStochastic;
  CHECK_THROWS(encode(e4m3, x, none));
}

namespace {
/// The exact decimal of n / 2^j, times (1 + 10^-40): digits of n·5^j·(10^40 + 1), point 40 + j from the right.
std::string decimal_above(const reftest::BigInt& n, unsigned j) {
  using reftest::BigInt;
  const BigInt scaled = n * boost::multiprecision::pow(BigInt(5), j) * (boost::multiprecision::pow(BigInt(10), 40) + 1);
  std::string d = scaled.str();
  const std::size_t point = 40 + j;
  if (d.size() <= point) d.insert(0, point + 1 - d.size(), '0');
  d.insert(d.size() - point, ".");
  return d;
}
}  // namespace

TEST_CASE("decimals just above a midpoint round up: no double rounding, in every format of at most 32 bits",
          "[formats][known_bits][double_rounding]") {
  using reftest::BigInt;
  using reftest::Rational;
  std::vector<Format> fmts;
  for (const Format& f : builtin_formats())
    if (bits(f) <= 32) fmts.push_back(f);
  for (const char* n : {"e5m7", "e3m3fn", "e4m2fnuz", "e6m9:bias=20", "e4m0fn"}) fmts.push_back(find_format(n));
  for (const Format& f : fmts) {
    INFO("format " << f.name);
    const int n = bits(f);
    const std::uint64_t count = std::uint64_t{1} << n;
    // Codes c, c+1 with adjacent positive values: every code for 8-bit formats, a spread for the wider ones.
    std::vector<std::uint64_t> codes;
    const std::uint64_t stride = count <= 512 ? 1 : count / 1500 + 1;
    for (std::uint64_t c = 0; c + 1 < count; c += stride) codes.push_back(c & ~std::uint64_t{1});
    for (std::uint64_t c = 0; c < 64 && c + 1 < count; ++c) codes.push_back(c);
    int tested = 0, failures = 0;
    std::ostringstream why;
    for (const std::uint64_t c : codes) {
      const reftest::Value lo = reftest::ref_decode(f, c), hi = reftest::ref_decode(f, c + 1);
      auto finite = [](const reftest::Value& v) { return v.cls != reftest::Cls::kNan && v.cls != reftest::Cls::kInf; };
      if (!finite(lo) || !finite(hi) || lo.neg || hi.neg || !(lo.mag < hi.mag)) continue;
      const Rational mid = (lo.mag + hi.mag) / 2;
      const BigInt den = boost::multiprecision::denominator(mid);
      const unsigned j = static_cast<unsigned>(boost::multiprecision::msb(den));  // den = 2^j
      REQUIRE(den == (BigInt(1) << j));
      const std::string text = decimal_above(boost::multiprecision::numerator(mid), j);
      // The double route: strtod lands exactly on the midpoint (1e-40 relative is far below 2^-53).
      const double d = std::strtod(text.c_str(), nullptr);
      if (d != reftest::to_double(mid)) {
        if (failures++ < 5) why << "strtod missed the midpoint of code " << c << ": " << text << "\n";
        continue;
      }
      // the exact path rounds up, in both signs
      const Encoded up = encode(f, parse_number(text));
      // inexact, and underflow exactly when the value is tiny (below the smallest normal 2^emin)
      const bool tiny = f.kind == Kind::kFloat && mid < reftest::pow2(f.has_subnormals ? 1 - f.bias : -f.bias);
      bool ok = static_cast<std::uint64_t>(up.code) == c + 1 && up.status == (kInexact | (tiny ? kUnderflow : 0u));
      if (f.kind == Kind::kFloat && f.has_sign) {
        const std::uint64_t sign = std::uint64_t{1} << (n - 1);
        const Encoded down = encode(f, parse_number("-" + text));
        ok = ok && static_cast<std::uint64_t>(down.code) == ((c + 1) | sign);
      }
      // the double route ties to even: down when c's significand is even (m >= 1: the code's last bit)
      const bool even_lo = f.kind == Kind::kInt ? (c & 1) == 0 : (f.mantissa_bits >= 1 && (c & 1) == 0);
      if (even_lo && static_cast<std::uint64_t>(encode(f, d).code) != c) ok = false;
      if (!ok && failures++ < 5) why << "failed at " << text << " code " << c << " got " << static_cast<std::uint64_t>(up.code) << "\n";
      ++tested;
    }
    INFO(why.str());
    CHECK(failures == 0);
    CHECK(tested > 0);
  }
}

TEST_CASE("saturate: clamps infinities to ±max in every format", "[formats][known_bits]") {
  // OFP8 saturation mode and NVIDIA's __NV_SATFINITE send ±inf to ±max; without it formats with inf keep it.
  ConvertOptions sat;
  sat.saturate = true;
  const Number inf = parse_number("inf"), minus_inf = parse_number("-inf");
  CHECK(encode(find_format("fp16"), inf).code == 0x7c00);                 // 0 11111 0000000000 = +inf
  CHECK(encode(find_format("fp16"), inf, sat).code == 0x7bff);            // 65504
  CHECK(encode(find_format("fp16"), inf, sat).status == (kSaturated | kOverflow | kInexact));
  CHECK(encode(find_format("e5m2"), minus_inf, sat).code == 0xfb);        // -57344 = 1 11110 11
  CHECK(encode(find_format("e4m3"), inf, sat).code == 0x7e);              // 448 = 0 1111 110
  CHECK(encode(find_format("e4m3"), inf).code == 0x7f);                   // NaN without --saturate
  CHECK(encode(find_format("fp16"), std::numeric_limits<double>::infinity(), sat).code == 0x7bff);
}
