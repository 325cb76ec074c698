// Adding a format is adding a row: a row defined in this file only flows through store (the engine), cast (fast
// kernels instantiated on the row itself) and quantize, with no other change anywhere, and each result is
// checked against something independent (reference.h's exact-rational rounding, or the engine for the paths
// that the engine is the reference of).
#include <catch2/catch.hpp>

#include <bit>      // std::bit_cast
#include <cmath>    // std::ldexp
#include <cstring>  // std::memcpy
#include <random>   // std::mt19937_64
#include <string>   // std::string
#include <vector>   // std::vector

#include "numscope/formats/engine.h"
#include "numscope/formats/fast/convert.h"
#include "numscope/formats/fast/kernels.h"
#include "numscope/quantize/quantize.h"
#include "tests/formats/reference.h"

using namespace numscope;

namespace {

/// S1 E3 M3, bias 2, no infinity, NaN = S.111.111 (an FP7 that exists nowhere else): emin = -1,
/// max = 0b0'111'110 = 1.75 · 2^(7 - 2) = 56, smallest subnormal 2^(-1 - 3) = 1/16.
constexpr Format kTestFp7{.name = "test-fp7",
                          .exponent_bits = 3,
                          .mantissa_bits = 3,
                          .bias = 2,
                          .nonfinite = Nonfinite::kNanOnly,
                          .nan = NanEncoding::kAllOnes,
                          .summary = "a test's own row"};
static_assert(max_finite(kTestFp7) == 56 && emin(kTestFp7) == -1 && nan_code(kTestFp7) == 0x3f);

constexpr Rounding kModes[] = {Rounding::kNearestEven, Rounding::kNearestAway, Rounding::kTowardZero,
                               Rounding::kUp,          Rounding::kDown,        Rounding::kOdd};

/// Every value of the row, every midpoint, their fp32 neighbours, and values past the range and below it.
std::vector<double> probe_values() {
  const auto t = reftest::make_table<double>(kTestFp7);
  std::vector<double> out;
  for (std::size_t i = 0; i + 1 < t.e.size(); ++i) {
    const double v = t.e[i].value, mid = (v + t.e[i + 1].value) / 2;
    for (double x : {v, mid})
      for (float y : {static_cast<float>(x), std::nextafter(static_cast<float>(x), 1e9f),
                      std::nextafter(static_cast<float>(x), -1e9f)})
        out.push_back(static_cast<double>(y));
  }
  for (double x : {1e6, -1e6, 1e-30, -1e-30, 0.0, -0.0, 0.03125, 56.5, 60.0, 64.0}) out.push_back(x);
  return out;
}

}  // namespace

TEST_CASE("user row: store rounds it as the exact-rational reference, in every mode", "[formats][user-row]") {
  const auto table = reftest::make_table<double>(kTestFp7);
  for (const Rounding r : kModes)
    for (const bool sat : {false, true}) {
      ConvertOptions opt;
      opt.rounding = r;
      opt.saturate = sat;
      for (const double x : probe_values()) {
        INFO(x << " mode " << rounding_name(r) << " sat " << sat);
        const reftest::Result want = reftest::round(table, x, std::signbit(x), r, sat);
        const Encoded got = encode(kTestFp7, x, opt);
        if (reftest::is_nan_code(kTestFp7, want.code))
          CHECK(reftest::is_nan_code(kTestFp7, static_cast<std::uint64_t>(got.code)));
        else
          CHECK(static_cast<std::uint64_t>(got.code) == want.code);
        CHECK(got.status == want.status);
        CHECK(outcome(kTestFp7, Number::from_rational(Rational(x)), got) == want.word);
      }
    }
}

TEST_CASE("user row: the fast kernels instantiated on it are the engine, bit for bit", "[formats][user-row]") {
  // Every fp32 input of the slabs (sign and exponent field) that hold the row's subnormals, normals, its
  // overflow threshold, zero and fp32 subnormals, and inf / NaN (and all of its codes for decoding), through
  // the kernels of the portable build and the best instruction set here; the sweep compares each with the engine.
  std::vector<Isa> isas = {Isa::kPortable};
  if (best_isa() != Isa::kPortable) isas.push_back(best_isa());
  for (const Isa isa : isas) {
    INFO(isa_name(isa));
    for (const bool sat : {false, true})
      for (const bool away : {false, true}) {
        ConvertOptions opt;
        opt.saturate = sat;
        opt.rounding = away ? Rounding::kNearestAway : Rounding::kNearestEven;
        const fast::EncodeFn fn = fast::RowKernels<kTestFp7>::encoder(opt, isa);
        REQUIRE(fn != nullptr);
        // fp32 exponent fields (slab & 0xff) 0, 122 (2^-5: half the row's smallest subnormal 2^-4), 127,
        // 132 (2^5: max 56 and the threshold 60 above it), 255; and the sign bit set.
        for (const unsigned slab : {0u, 122u, 127u, 132u, 255u, 256u + 132u, 511u}) {
          const fast::SweepResult r = fast::sweep_encode(kTestFp7, opt, fn, nullptr, slab, slab + 1, 2);
          CHECK(r.mismatches == 0);
          CHECK(r.inputs == std::uint64_t{1} << 23);
        }
      }
    const fast::SweepResult d = fast::sweep_decode(kTestFp7, fast::RowKernels<kTestFp7>::decoder(isa), nullptr);
    CHECK(d.inputs == 128);
    CHECK(d.mismatches == 0);
  }
  // The generic lookup knows only the built-in rows: a runtime row with this layout has no kernel there.
  CHECK(fast::encoder(kTestFp7, {}) == nullptr);
}

TEST_CASE("user row: quantize casts and scales into it as the engine rounds", "[formats][user-row]") {
  // The quantizers' element rounding (fast grid, vector kernels) against the engine, for every mode.
  const std::vector<double> values = probe_values();
  for (const Rounding r : kModes) {
    std::string mismatch;
    INFO(rounding_name(r));
    CHECK(check_element_rounding(kTestFp7, r, values, &mismatch));
    INFO(mismatch);
  }
  // A cast scheme over a random tensor: every element is the engine's saturating rne conversion (no infinity).
  Scheme cast;
  cast.name = "test-fp7";
  cast.family = SchemeFamily::kCast;
  cast.element = kTestFp7;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0, 20);
  std::vector<double> x(4096);
  for (double& v : x) v = normal(rng);
  const std::vector<double> y = quantize_dequantize(cast, x, 4, 1024);
  ConvertOptions sat;
  sat.saturate = true;
  for (std::size_t i = 0; i < x.size(); ++i) {
    INFO(x[i]);
    CHECK(y[i] == decode_double(kTestFp7, encode(kTestFp7, x[i], sat).code));
  }
  // Per-tensor scaling: amax maps onto the row's largest value (56), and every output is a grid value / scale.
  Scheme scaled = cast;
  scaled.family = SchemeFamily::kScaled;
  scaled.granularity = Granularity::kTensor;
  scaled.scale_bits = 32;
  Metrics m;
  const std::vector<double> z = quantize_dequantize(scaled, x, 4, 1024, &m);
  CHECK(m.n == x.size());
  CHECK(m.sqnr_db() > 20);  // 3 mantissa bits: about 6 dB per bit plus the range's share
}
