// The one element rounding (formats/round.h) against its definition: floor or floor + 1 chosen by comparing the
// dropped part with one half, written here without increments; and round_to_grid against reference.h's
// exact-rational nearest-value search.
#include <catch2/catch.hpp>

#include <cmath>   // std::nextafter, std::ldexp
#include <vector>  // std::vector

#include "numscope/formats/registry.h"
#include "numscope/formats/round.h"
#include "tests/formats/reference.h"

using namespace numscope;

namespace {

constexpr Rounding kModes[] = {Rounding::kNearestEven, Rounding::kNearestAway, Rounding::kTowardZero,
                               Rounding::kUp,          Rounding::kDown,        Rounding::kOdd};

/// g / 2^d rounded by mode r for a value of sign `neg` (magnitudes), by IEEE 754 §4.3's definitions.
std::uint32_t by_definition(Rounding r, bool neg, std::uint32_t g, int d) {
  const std::uint32_t q = g >> d, rem = g - (q << d), half = 1u << (d - 1);
  switch (r) {
    case Rounding::kNearestEven: return rem > half || (rem == half && (q & 1)) ? q + 1 : q;
    case Rounding::kNearestAway: return rem >= half ? q + 1 : q;
    case Rounding::kTowardZero: return q;
    case Rounding::kUp: return rem != 0 && !neg ? q + 1 : q;    // toward +inf: away from zero when positive
    case Rounding::kDown: return rem != 0 && neg ? q + 1 : q;   // toward -inf: away from zero when negative
    case Rounding::kOdd: return rem != 0 && (q & 1) == 0 ? q + 1 : q;  // inexact results end in 1
    default: return q;
  }
}

}  // namespace

TEST_CASE("round_increment: every mode, sign, cut and significand of 12 bits", "[formats][round]") {
  for (const Rounding r : kModes)
    for (const bool neg : {false, true})
      for (int d = 1; d <= 11; ++d)
        for (std::uint32_t g = 0; g < 4096; ++g) {
          const std::uint32_t want = by_definition(r, neg, g, d);
          if (((g + round_increment<std::uint32_t>(r, neg, g, d)) >> d) != want) {
            FAIL("mode " << rounding_name(r) << " neg " << neg << " g " << g << " d " << d);
          }
          // The same decision with the fraction carried in more bits (the engine's 128-bit form).
          const unsigned __int128 wide = static_cast<unsigned __int128>(g) << 70;
          REQUIRE(static_cast<std::uint32_t>((wide + round_increment<unsigned __int128>(r, neg, wide, d + 70)) >>
                                             (d + 70)) == want);
          REQUIRE(rounds_up<std::uint32_t>(r, neg, g, d) == (want != (g >> d)));
        }
}

TEST_CASE("round_increment: stochastic rounding rounds up with the dropped fraction's probability",
          "[formats][round]") {
  // P(up) = rem / 2^d; 2^16 draws per case: the count is within 5 standard deviations of its mean.
  for (const int d : {1, 3, 8, 20, 40, 70})
    for (const double frac : {0.0, 0.125, 0.5, 0.8125}) {
      const u128 rem = static_cast<u128>(frac * 16) << (d >= 4 ? d - 4 : 0) >> (d >= 4 ? 0 : 4 - d);
      const double p = std::ldexp(static_cast<double>(rem), -d);
      const unsigned __int128 g = (u128{6} << d) | rem;
      Rng rng{12345};
      int up = 0;
      const int n = 1 << 16;
      for (int i = 0; i < n; ++i) up += rounds_up<unsigned __int128>(Rounding::kStochastic, false, g, d, &rng);
      INFO("d " << d << " p " << p << " up " << up);
      CHECK(std::fabs(up - p * n) <= 5 * std::sqrt(n * p * (1 - p)) + 1e-9);
      // The stream and the decisions do not depend on how many zero bits follow the fraction.
      Rng a{99}, b{99};
      for (int i = 0; i < 64; ++i)
        REQUIRE(rounds_up<unsigned __int128>(Rounding::kStochastic, false, g, d, &a) ==
                rounds_up<unsigned __int128>(Rounding::kStochastic, false, g << 20, d + 20, &b));
    }
}

TEST_CASE("round_to_grid: the nearest-value search of the exact-rational reference, every mode",
          "[formats][round]") {
  for (const Format& f : {kFp16, kBf16, kE4m3, kE5m2, kE4m3fnuz, kE5m2fnuz, kE4m3b11fnuz, kE3m4, kE3m2, kE2m3, kE2m1,
                          find_format("e6m9:bias=20"), find_format("e3m3fn")}) {
    INFO(f.name);
    const auto table = reftest::make_table<double>(f);
    const double max = table.e[table.e.size() - 2].value;
    std::vector<double> probes;
    const std::size_t stride = table.e.size() > 4096 ? 13 : 1;  // 16-bit rows: every 13th value and midpoint
    for (std::size_t i = 0; i + 1 < table.e.size(); i += (i < 300 || i + 300 > table.e.size()) ? 1 : stride)
      for (const double v : {table.e[i].value, (table.e[i].value + table.e[i + 1].value) / 2})
        for (const double x : {v, std::nextafter(v, 1e300), std::nextafter(v, -1e300)})
          if (std::fabs(x) <= max) probes.push_back(x);
    probes.push_back(1e-300);
    probes.push_back(-4.9e-324);
    for (const Rounding r : kModes)
      for (const double x : probes) {
        const reftest::Result want = reftest::round(table, x, std::signbit(x), r, true);
        const double want_value = reftest::to_double(reftest::ref_decode(f, want.code).signed_value());
        const double got = round_to_grid(x, f.mantissa_bits, emin(f), r);
        if (got != want_value) FAIL(x << " mode " << rounding_name(r) << ": want " << want_value << " got " << got);
        if (got == 0 && x != 0) CHECK(std::signbit(got) == std::signbit(x));  // the sign of zero is kept
      }
  }
}
