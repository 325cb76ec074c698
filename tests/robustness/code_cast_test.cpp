// io/code_cast.h: the fast kernels plus the prefilter give the engine's codes and the engine's counts, element for
// element, on fp32 inputs chosen around every target's largest value, NaN, infinities and signed zeros.
#include <catch2/catch.hpp>
#include <cmath>    // std::nextafter, std::isnan
#include <cstring>  // std::memcpy
#include <limits>   // std::numeric_limits
#include <random>   // std::mt19937
#include <vector>   // std::vector

#include "numscope/formats/registry.h"
#include "numscope/io/code_cast.h"
#include "numscope/support/error.h"

using namespace numscope;

namespace {

std::vector<float> inputs_around(double max) {
  std::vector<float> v = {0.0f, -0.0f, 1.0f, -1.0f, std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity(), 1e-45f, 3.4e38f, -3.4e38f};
  const float m = static_cast<float>(max);
  for (float x : {m, std::nextafter(m, 0.0f), std::nextafter(m, std::numeric_limits<float>::infinity()), m * 1.0625f, m * 1.125f, m * 1.5f, m * 2}) {
    v.push_back(x);
    v.push_back(-x);
  }
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> d(-2 * m, 2 * m);
  for (int i = 0; i < 2000; ++i) v.push_back(d(rng));
  return v;
}

}  // namespace

TEST_CASE("code cast: fast path and prefilter agree with the engine", "[robustness][cast]") {
  const char* targets[] = {"fp16", "bf16", "e4m3", "e5m2", "e4m3fnuz", "e3m2", "e2m3", "e2m1", "int8", "uint4"};
  for (const char* name : targets) {
    const Format to = find_format(name);
    CAPTURE(name);
    const double max = to.kind == Kind::kInt ? static_cast<double>(int_max(to)) : decode_double(to, max_finite_code(to));
    const std::vector<float> xs = inputs_around(max);
    for (const bool saturate : {false, true}) {
      ConvertOptions opt;
      opt.saturate = saturate;
      CodeCast cast(find_format("fp32"), to, opt, CastPolicy{});
      std::vector<unsigned char> out(xs.size() * static_cast<std::size_t>(cast.out_bytes()));
      cast.convert(reinterpret_cast<const unsigned char*>(xs.data()), out.data(), xs.size(), 0);
      std::uint64_t saturated = 0, overflowed = 0;
      for (std::size_t i = 0; i < xs.size(); ++i) {
        const Encoded e = encode(to, static_cast<double>(xs[i]), opt);
        u128 got = 0;
        for (int b = cast.out_bytes() - 1; b >= 0; --b) got = (got << 8) | out[i * cast.out_bytes() + b];
        CAPTURE(i, xs[i]);
        REQUIRE(got == e.code);
        if (e.status & kSaturated) ++saturated;
        else if (e.status & kOverflow) {
          const ValueClass c = decode(to, e.code).cls;
          (c == ValueClass::kInf || c == ValueClass::kNan ? overflowed : saturated) += 1;
        }
      }
      CHECK(cast.counts().saturated == saturated);
      CHECK(cast.counts().overflowed == overflowed);
    }
  }
}

TEST_CASE("code cast: NaN into a format without NaN is refused or mapped", "[robustness][cast]") {
  const float xs[] = {1.0f, std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN()};
  const auto* in = reinterpret_cast<const unsigned char*>(xs);
  unsigned char out[3];
  CodeCast refuse(find_format("fp32"), find_format("e2m1"), {}, CastPolicy{});
  CHECK_THROWS_WITH(refuse.convert(in, out, 3, 10), Catch::Contains("element 11 (byte offset 44) is NaN"));
  CodeCast zero(find_format("fp32"), find_format("e2m1"), {}, CastPolicy{NanTo::kZero, false});
  zero.convert(in, out, 3, 0);
  CHECK(out[0] == 0x2);  // 1.0 = 0 01 0
  CHECK(out[1] == 0x0);
  CHECK(out[2] == 0x0);  // -NaN too: +0
  CodeCast max(find_format("fp32"), find_format("e2m1"), {}, CastPolicy{NanTo::kMax, false});
  max.convert(in, out, 3, 0);
  CHECK(out[1] == 0x7);  // +6 = 0 11 1
  CHECK(max.counts().nan_mapped == 2);
  CHECK_THAT(max.summary(), Catch::Contains("2 NaN stored as +max"));
  // A format with NaN keeps it, whatever the policy.
  CodeCast keep(find_format("fp32"), find_format("e4m3"), {}, CastPolicy{NanTo::kZero, false});
  keep.convert(in, out, 3, 0);
  CHECK((out[1] & 0x7f) == 0x7f);
  CHECK(keep.summary().empty());
}
