// Q3_K's make_q3_quants in 16 lanes (quantize/ggml/q3_K_lanes.cpp, one group per lane) against the scalar
// make_q3_quants (ggml's loop, tied to ggml by the goldens) run group by group: same scales and levels, bit for
// bit, on super-blocks whose 16 groups each draw their own kind of data, so lanes that stop early, all-zero lanes
// and lanes still sweeping share one vector.
#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>

#include "numscope/quantize/ggml/kquants.h"
#include "numscope/quantize/ggml/q3_K_lanes.h"
#include "numscope/support/cpu.h"

using namespace numscope;
using namespace numscope::detail;

namespace {

std::uint32_t float_bits(float v) {
  std::uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}

/// One group of 16 of the given kind.
void fill_group(float* x, int kind, std::mt19937_64& rng) {
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_real_distribution<float> uni(-1.f, 1.f);
  const float scale = std::ldexp(1.0f, static_cast<int>(rng() % 80) - 40);
  for (int i = 0; i < 16; ++i) {
    float e = 0;
    switch (kind) {
      case 0: e = normal(rng) * scale; break;
      case 1: e = uni(rng) * scale; break;
      case 2: e = normal(rng) / (std::fabs(uni(rng)) + 1e-3f); break;  // heavy tails
      case 3: e = 0; break;                                              // all-zero
      case 4: e = 0.37f * scale; break;                                  // constant
      case 5: e = i == static_cast<int>(rng() % 16) ? 1000.f : normal(rng) * 1e-3f; break;  // one spike
      case 6: e = normal(rng) * 1e37f; break;                            // huge
      case 7: e = normal(rng) * 1e-38f; break;                           // tiny, some subnormal
      case 8: e = static_cast<float>(static_cast<int>(rng() % 7) - 3) * 1e-45f; break;  // subnormal steps
      case 9: e = (rng() & 1 ? FLT_MAX : -FLT_MAX) * (rng() % 3 == 0 ? 1.f : 0.f); break;
      case 10: e = static_cast<float>(static_cast<int>(rng() % 9) - 4) * scale; break;  // on the level grid: ties
      case 11: e = (static_cast<float>(static_cast<int>(rng() % 17) - 8) * 0.5f + 0.25f) * scale; break;  // half steps
      case 12: e = i == 3 ? std::numeric_limits<float>::infinity() : normal(rng); break;
      case 13: e = std::fabs(normal(rng)) + 1.f; break;  // all positive
      case 14: e = (rng() & 1 ? -0.0f : 0.0f) + (i % 5 == 0 ? normal(rng) : 0.f); break;
      case 15: e = (i < 2 ? 2e-15f : 5e-16f) * (rng() & 1 ? 1.f : -1.f); break;  // around GROUP_MAX_EPS
      default: e = std::exp(4.f * normal(rng)) * (rng() & 1 ? 1.f : -1.f); break;  // log-normal, wide range
    }
    x[i] = e;
  }
}

}  // namespace

TEST_CASE("Q3_K: make_q3_quants in 16 lanes gives the scalar search's bits", "[quantize][ggml]") {
  if (!isa_supported(Isa::kAvx512)) {
    float x[256] = {};
    std::int8_t L[256];
    float sc[16];
    REQUIRE_FALSE(make_q3_quants_x16(x, L, sc));
    return;
  }
  std::mt19937_64 rng(20261130);
  for (int block = 0; block < 20000; ++block) {
    CAPTURE(block);
    float x[256];
    // Mostly one kind per super-block (as real tensors are), else a kind per group.
    const int common = static_cast<int>(rng() % 17);
    const bool mixed = block % 3 == 0;
    for (int j = 0; j < 16; ++j) fill_group(x + 16 * j, mixed ? static_cast<int>(rng() % 17) : common, rng);
    std::int8_t L1[256], L2[256];
    float sc1[16], sc2[16];
    for (int j = 0; j < 16; ++j) sc1[j] = make_q3_quants(16, 4, x + 16 * j, L1 + 16 * j);
    REQUIRE(make_q3_quants_x16(x, L2, sc2));
    for (int j = 0; j < 16; ++j) {
      CAPTURE(j);
      REQUIRE(float_bits(sc1[j]) == float_bits(sc2[j]));
    }
    REQUIRE(std::memcmp(L1, L2, sizeof L1) == 0);
  }
}
