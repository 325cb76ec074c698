// The fast builds of the ggml quantizers (and NVFP4's block scale) against their scalar reference (ggml's loops as ggml writes them, which
// the goldens tie to ggml itself): every vector build of the trial-scale searches (portable, AVX2, AVX-512, each
// where the CPU runs it) and every codec's fast quantizer give the same bits on random and edge data (all-zero,
// constant, one spike, huge, tiny and subnormal values, ±FLT_MAX, infinities). quantize_tests_portable runs the
// codec cases again with NUMSCOPE_ISA=portable.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "numscope/formats/registry.h"
#include "numscope/io/ggml_types.h"
#include "numscope/quantize/codec.h"
#include "numscope/quantize/families/block_scaled.h"
#include "numscope/quantize/ggml/ggml.h"
#include "numscope/quantize/ggml/kquants.h"
#include "numscope/support/cpu.h"

using namespace numscope;
using namespace numscope::detail;

namespace {

std::uint32_t bits(float v) {
  std::uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}

/// Blocks of n floats, each drawn from one of the kinds below (by index, so every kind comes up).
std::vector<float> test_blocks(int n, int count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_real_distribution<float> uni(-1.f, 1.f);
  std::vector<float> v(static_cast<std::size_t>(n) * count);
  for (int b = 0; b < count; ++b) {
    float* x = v.data() + static_cast<std::size_t>(n) * b;
    const int kind = b % 16;
    const float scale = std::ldexp(1.0f, static_cast<int>(rng() % 60) - 30);
    for (int i = 0; i < n; ++i) {
      float e = 0;
      switch (kind) {
        case 0: e = normal(rng) * scale; break;
        case 1: e = uni(rng) * scale; break;
        case 2: e = normal(rng) / (std::fabs(uni(rng)) + 1e-3f); break;  // heavy tails
        case 3: e = 0; break;                                              // all-zero
        case 4: e = 0.37f * scale; break;                                  // constant
        case 5: e = -2.5f; break;                                          // negative constant
        case 6: e = i == 7 ? 1000.f : normal(rng) * 1e-3f; break;          // one spike
        case 7: e = normal(rng) * 1e37f; break;                            // huge
        case 8: e = normal(rng) * 1e-38f; break;                           // tiny, some subnormal
        case 9: e = static_cast<float>(static_cast<int>(rng() % 7) - 3) * 1e-45f; break;  // subnormal steps
        case 10: e = (rng() & 1 ? FLT_MAX : -FLT_MAX) * (rng() % 3 == 0 ? 1.f : 0.f); break;
        case 11: e = i == 3 ? std::numeric_limits<float>::infinity() : normal(rng); break;
        case 12: e = std::fabs(normal(rng)) + 1.f; break;  // all positive (min clamps to 0)
        case 13: e = -std::fabs(normal(rng)) * scale; break;
        case 14: e = static_cast<float>(static_cast<int>(rng() % 9) - 4) * scale; break;  // on a grid: ties
        default: e = (rng() & 1 ? -0.0f : 0.0f) + (i % 5 == 0 ? normal(rng) : 0.f); break;
      }
      x[i] = e;
    }
  }
  return v;
}

std::vector<Isa> vector_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512})
    if (isa_supported(isa)) out.push_back(isa);
  return out;
}

}  // namespace

TEST_CASE("ggml searches: every vector build gives the scalar search's bits", "[quantize][ggml]") {
  const Searches& ref = reference_searches();
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<float> uw(0.01f, 3.f);
  for (Isa isa : vector_isas()) {
    CAPTURE(isa_name(isa));
    const Searches& vec = vector_searches(isa);
    for (int n : {16, 32}) {
      const std::vector<float> xs = test_blocks(n, 1600, 7 + n);
      for (std::size_t b = 0; b < xs.size() / n; ++b) {
        const float* x = xs.data() + b * n;
        CAPTURE(n, b);
        float w[32], wabs[32], wav[32];
        float sum2 = 0;
        for (int i = 0; i < n; ++i) w[i] = uw(rng), wabs[i] = std::fabs(x[i]), sum2 += x[i] * x[i];
        for (int i = 0; i < n; ++i) wav[i] = std::sqrt(sum2 / n) + std::fabs(x[i]);
        // make_qx_quants as Q6_K (x² weights), Q3_K, Q4_0 and Q5_0 (weighted) call it.
        for (int nmax : {4, 8, 16, 32})
          for (const float* weights : {static_cast<const float*>(nullptr), static_cast<const float*>(w)}) {
            std::int8_t L1[32], L2[32];
            const float a = ref.qx(n, nmax, x, L1, weights), c = vec.qx(n, nmax, x, L2, weights);
            CAPTURE(nmax, weights != nullptr);
            REQUIRE(bits(a) == bits(c));
            REQUIRE(std::memcmp(L1, L2, n) == 0);
          }
        if (n == 16) {  // make_q3_quants as Q3_K calls it
          std::int8_t L1[16], L2[16];
          REQUIRE(bits(ref.q3(n, 4, x, L1)) == bits(vec.q3(n, 4, x, L2)));
          REQUIRE(std::memcmp(L1, L2, n) == 0);
        }
        // make_qkx2_quants with the parameters of Q2_K, Q4_K, Q5_K and the weighted paths.
        struct P {
          int nmax;
          float rmin, rdelta;
          int nstep;
          bool mad;
          const float* w;
        };
        for (const P& p : {P{3, -0.5f, 0.1f, 15, true, wabs}, P{15, -1.f, 0.1f, 20, false, wav},
                           P{31, -0.5f, 0.1f, 15, false, wav}, P{3, -0.9f, 0.05f, 36, false, w},
                           P{15, -0.9f, 0.05f, 36, false, w}, P{31, -0.9f, 0.05f, 36, false, w},
                           P{15, -1.f, 0.1f, 0, false, w}}) {
          std::uint8_t L1[32], L2[32], aux[32];
          float m1 = 0, m2 = 0;
          const float a = ref.qkx2(n, p.nmax, x, p.w, L1, &m1, aux, p.rmin, p.rdelta, p.nstep, p.mad);
          const float c = vec.qkx2(n, p.nmax, x, p.w, L2, &m2, aux, p.rmin, p.rdelta, p.nstep, p.mad);
          CAPTURE(p.nmax, p.nstep, p.mad);
          REQUIRE(bits(a) == bits(c));
          REQUIRE(bits(m1) == bits(m2));
          REQUIRE(std::memcmp(L1, L2, n) == 0);
        }
        // The levels again with a stored scale and min, as every K-quant ends.
        for (float d : {0.37f, -1.5f, 1e-30f, 3e38f, std::numeric_limits<float>::infinity()})
          for (float m : {0.f, 0.8f, -2.f}) {
            std::uint8_t L1[32], L2[32];
            unsigned char c1[32], c2[32];
            ref.levels(x, n, d, m, -4, 3, 4, L1, c1);
            vec.levels(x, n, d, m, -4, 3, 4, L2, c2);
            REQUIRE(std::memcmp(L1, L2, n) == 0);
            REQUIRE(std::memcmp(c1, c2, n) == 0);
            ref.levels(x, n, d, m, 0, 31, 0, L1, c1);
            vec.levels(x, n, d, m, 0, 31, 0, L2, c2);
            REQUIRE(std::memcmp(L1, L2, n) == 0);
            REQUIRE(std::memcmp(c1, c2, n) == 0);
          }
        if (n != 32) continue;
        // IQ4's block search (x² weights, or qw·sqrt(σ² + x²)) and its table indices.
        for (const float* qw : {static_cast<const float*>(nullptr), static_cast<const float*>(w)}) {
          std::uint8_t L1[32], L2[32];
          const float sigma2 = qw ? sum2 * (2.f / 32) : 0.f;
          REQUIRE(bits(ref.iq4(x, qw, sigma2, L1, 7)) == bits(vec.iq4(x, qw, sigma2, L2, 7)));
        }
        for (float id : {1.f, 1e-3f, 37.5f, -2.f, 0.f, 1e30f, std::numeric_limits<float>::infinity()}) {
          std::uint8_t L1[32], L2[32];
          ref.iq4_indices(x, 32, id, L1);
          vec.iq4_indices(x, 32, id, L2);
          REQUIRE(std::memcmp(L1, L2, 32) == 0);
        }
      }
    }
    // The table index of every value in [-140, 140] in steps of 2^-8 (every midpoint and tie among them), NaN
    // and the infinities.
    std::vector<float> grid;
    for (int k = -140 * 256; k <= 140 * 256; ++k) grid.push_back(static_cast<float>(k) / 256);
    for (float v : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity(), FLT_MAX, -FLT_MAX, 1e-45f})
      grid.push_back(v);
    while (grid.size() % 32) grid.push_back(0.f);
    std::vector<std::uint8_t> L1(grid.size()), L2(grid.size());
    ref.iq4_indices(grid.data(), static_cast<int>(grid.size()), 1.f, L1.data());
    vec.iq4_indices(grid.data(), static_cast<int>(grid.size()), 1.f, L2.data());
    REQUIRE(L1 == L2);
  }
}

TEST_CASE("ggml codecs: the fast quantizer gives the reference quantizer's bytes and clip flags", "[quantize][ggml]") {
  for (int id = 0; id < 64; ++id) {
    const GgmlCodec* c = find_ggml_codec(id);
    if (!c) continue;
    const int qk = static_cast<int>(c->type->block), bytes = static_cast<int>(c->type->bytes);
    CAPTURE(c->type->name, best_isa() == Isa::kPortable);
    const std::vector<float> xs = test_blocks(qk, 2000 * 32 / qk + 16, 99 + id);
    std::vector<unsigned char> b1(bytes), b2(bytes), c1(qk), c2(qk);
    for (std::size_t b = 0; b < xs.size() / qk; ++b) {
      CAPTURE(b);
      reference_quantizer(*c)(xs.data() + b * qk, b1.data(), c1.data());
      c->quantize(xs.data() + b * qk, b2.data(), c2.data());
      REQUIRE(b1 == b2);
      REQUIRE(c1 == c2);
    }
  }
}

TEST_CASE("ggml segments: the fused 32-element kernels give the scalar codec's bits", 
          "[quantize][ggml]") {
  for (int id = 0; id < 64; ++id) {
    const GgmlCodec* c = find_ggml_codec(id);
    if (!c || !c->segment) continue;
    const std::size_t qk = c->type->block, bytes = c->type->bytes;
    std::vector<double> x;
    for (float v : test_blocks(static_cast<int>(qk), 4000, 5 + id)) x.push_back(v);
    // fp64 inputs between fp32 values, and beyond fp32's range (inf in fp32).
    std::mt19937_64 rng(id);
    for (std::size_t i = 0; i < 64 * qk; ++i)
      x.push_back(std::ldexp(static_cast<double>(rng() >> 11), -53) * (i % 3 ? 1.0 : -1.0) * (i < 32 * qk ? 1.0 : 1e300));
    const std::size_t nb = x.size() / qk;
    // The reference: fp32, then the scalar quantizer and dequantizer block by block.
    std::vector<unsigned char> want(nb * bytes), want_clip(x.size());
    std::vector<double> want_y(x.size());
    for (std::size_t b = 0; b < nb; ++b) {
      float xf[32], yf[32];
      for (std::size_t j = 0; j < qk; ++j) xf[j] = static_cast<float>(x[b * qk + j]);
      reference_quantizer(*c)(xf, want.data() + b * bytes, want_clip.data() + b * qk);
      c->dequantize(want.data() + b * bytes, yf);
      for (std::size_t j = 0; j < qk; ++j) want_y[b * qk + j] = yf[j];
    }
    for (Isa isa : vector_isas()) {
      CAPTURE(c->type->name, isa_name(isa));
      const SegmentFn fn = c->segment(isa);
      if (!fn) continue;  // block by block on this instruction set
      std::vector<unsigned char> got(nb * bytes), clip(x.size(), 7);
      std::vector<double> y(x.size());
      fn(x.data(), nb, got.data(), y.data(), clip.data());
      for (std::size_t b = 0; b < nb; ++b) {
        CAPTURE(b);
        REQUIRE(std::memcmp(got.data() + b * bytes, want.data() + b * bytes, bytes) == 0);
        REQUIRE(std::memcmp(clip.data() + b * qk, want_clip.data() + b * qk, qk) == 0);
        REQUIRE(std::memcmp(y.data() + b * qk, want_y.data() + b * qk, qk * sizeof(double)) == 0);
      }
      // The same with the error sums (segment_sums): the bytes, and the sums of a plain scalar loop over the
      // reference's values in Lanes' order (element i to lane i mod 8), 1/|x| given or taken by the kernel,
      // on the blocks whose results are finite (the others: false, the sums untouched).
      const SegmentSumsFn sums_fn = c->segment_sums ? c->segment_sums(isa) : nullptr;
      if (!sums_fn) continue;
      std::vector<double> xs, inv;
      std::vector<std::size_t> from;  // the block of x each block of xs is
      for (std::size_t b = 0; b < nb; ++b) {
        bool finite = true;
        for (std::size_t j = 0; j < qk; ++j) finite &= std::isfinite(want_y[b * qk + j]);
        if (!finite) continue;
        from.push_back(b);
        xs.insert(xs.end(), x.begin() + std::ptrdiff_t(b * qk), x.begin() + std::ptrdiff_t((b + 1) * qk));
      }
      for (double v : xs) inv.push_back(v != 0 ? 1 / std::fabs(v) : 0.0);
      std::vector<double> inv_x;
      for (double v : x) inv_x.push_back(v != 0 ? 1 / std::fabs(v) : 0.0);
      REQUIRE(from.size() > nb / 2);
      Lanes want_sums;
      for (std::size_t i = 0; i < xs.size(); ++i) {
        const std::size_t l = i % 8, at = from[i / qk] * qk + i % qk;
        const double yv = want_y[at], e = xs[i] - yv;
        want_sums.y2[l] += yv * yv;
        want_sums.xy[l] += xs[i] * yv;
        want_sums.e2[l] += e * e;
        want_sums.rel[l] += std::fabs(e) * inv[i];
        want_sums.emax[l] = std::max(want_sums.emax[l], std::fabs(e));
        want_sums.under[l] += xs[i] != 0 && yv == 0;
        want_sums.clipped += want_clip[at];
      }
      for (const double* given : {static_cast<const double*>(inv.data()), static_cast<const double*>(nullptr)}) {
        Lanes sums;
        std::vector<unsigned char> out(from.size() * bytes);
        REQUIRE(sums_fn(xs.data(), from.size(), out.data(), given, sums, nullptr));
        for (std::size_t k = 0; k < from.size(); ++k)
          REQUIRE(std::memcmp(out.data() + k * bytes, want.data() + from[k] * bytes, bytes) == 0);
        CHECK(sums.same_bits(want_sums));
        // x from fp32 bytes (the blocks read from them): the values that are fp32 values, the same way.
        std::vector<float> f32;
        std::vector<double> x32;
        for (double v : xs) f32.push_back(static_cast<float>(v)), x32.push_back(static_cast<float>(v));
        Lanes s32, w32;
        std::vector<unsigned char> out32(out.size()), ref32(out.size());
        REQUIRE(sums_fn(x32.data(), from.size(), ref32.data(), nullptr, w32, nullptr));
        REQUIRE(sums_fn(x32.data(), from.size(), out32.data(), nullptr, s32,
                        reinterpret_cast<const unsigned char*>(f32.data())));
        CHECK(out32 == ref32);
        CHECK(s32.same_bits(w32));
        // No bytes wanted (out null): the same sums.
        Lanes s0;
        REQUIRE(sums_fn(x32.data(), from.size(), nullptr, given, s0, reinterpret_cast<const unsigned char*>(f32.data())));
        Lanes w0;
        REQUIRE(sums_fn(x32.data(), from.size(), out32.data(), given, w0, nullptr));
        CHECK(s0.same_bits(w0));
        // The whole set, with its inf and NaN results: false, the sums untouched.
        Lanes wild;
        wild.y2[3] = 1.5;
        const Lanes before = wild;
        CHECK_FALSE(sums_fn(x.data(), nb, got.data(), given == nullptr ? nullptr : inv_x.data(), wild, nullptr));
        CHECK(wild.same_bits(before));
      }
    }
  }
}

TEST_CASE("NVFP4 block scale: e4m3_scale equals the engine's saturating round to nearest even", "[quantize]") {
  const Codec e4m3(kE4m3, Rounding::kNearestEven, true, nullptr);
  std::uint64_t checked = 0, wrong = 0;
  double first_wrong = -1;
  auto check = [&](double v) {
    bool clipped = false;
    const double want = e4m3.round(v, clipped), got = e4m3_scale(v);
    ++checked;
    if (std::memcmp(&want, &got, 8) != 0 && wrong++ == 0) first_wrong = v;
  };
  // Every 61st fp32 from 0 to past 448, and each E4M3 value, the midpoints between neighbours and the doubles
  // next to them (the ties and their neighbours), up to 1000.
  for (std::uint32_t b = 0; b <= bits(1000.0f); b += 61) {
    float f;
    std::memcpy(&f, &b, 4);
    check(f);
  }
  std::vector<double> grid;
  for (int k = 0; k <= 7; ++k) grid.push_back(std::ldexp(k, -9));  // subnormals
  for (int e = -6; e <= 9; ++e)
    for (int m = 8; m < 16; ++m) grid.push_back(std::ldexp(m, e - 3));
  for (std::size_t i = 0; i + 1 < grid.size(); ++i) {
    const double mid = (grid[i] + grid[i + 1]) / 2;
    for (double v : {grid[i], mid, std::nextafter(mid, 0.0), std::nextafter(mid, 1e9), std::nextafter(grid[i], 1e9)})
      check(v);
  }
  for (double v : {0.0, 1e-300, 447.99999999999994, 448.0, 464.0, 480.0, 1e300}) check(v);
  CAPTURE(checked, first_wrong);
  REQUIRE(wrong == 0);
}
