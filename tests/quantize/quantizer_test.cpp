// The quantizers against hand-computed blocks (ggml Q8_0 / Q4_0 bytes, MX scale rule, NVFP4, NF4) and metrics.
#include <catch2/catch.hpp>

#include <Eigen/Core>  // Eigen::half: GGML_FP32_TO_FP16 (round to nearest even), written independently
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <tuple>
#include <vector>

#include "numscope/formats/engine.h"
#include "numscope/quantize/quantize.h"
#include "numscope/quantize/codec.h"
#include "numscope/quantize/kernels.h"
#include "numscope/support/bits.h"
#include "numscope/formats/registry.h"
#include "numscope/io/tensor_io.h"

using namespace numscope;

namespace {
std::vector<double> run(const std::string& scheme, const std::vector<double>& x, Metrics* m = nullptr,
                        std::uint64_t rows = 1) {
  return quantize_dequantize(parse_scheme(scheme), x, rows, x.size() / rows, m);
}
std::vector<unsigned char> bytes(const std::string& s) { return {s.begin(), s.end()}; }
}  // namespace

TEST_CASE("uniform data under INTb: SQNR ~ 6.02 b dB", "[quantize][metrics]") {
  // A uniform quantizer on a full-scale uniform signal: SQNR = 20·log10(steps over the range) = 6.02·b dB for 2^b
  // steps. Levels sit on the range's ends here: asymmetric has 2^b - 1 steps, symmetric (absmax, -qmax..qmax)
  // 2^b - 2, so 4 bits lose 0.56 / 1.16 dB against 6.02·b and 8 bits 0.03 / 0.07 dB.
  const SyntheticTensor t = make_synthetic("uniform:n=65536,seed=3");
  const TensorStats st = tensor_stats(*t.source);
  for (int b : {4, 6, 8}) {
    const double ideal = 6.02 * b;
    const double sym = quantize_tensor(parse_scheme("int" + std::to_string(b) + "-tensor"), *t.source, st)
                           .metrics.sqnr_db();
    const double asym = quantize_tensor(parse_scheme("int" + std::to_string(b) + "-asym-tensor"), *t.source, st)
                            .metrics.sqnr_db();
    INFO("bits " << b << " sym " << sym << " asym " << asym);
    CHECK(std::fabs(sym - 20 * std::log10(std::ldexp(1.0, b) - 2)) < 0.1);
    CHECK(std::fabs(asym - 20 * std::log10(std::ldexp(1.0, b) - 1)) < 0.1);
    if (b == 8) CHECK(std::fabs(sym - ideal) < 0.1);
  }
}

TEST_CASE("metrics: exact schemes, cosine, clipping, underflow", "[quantize][metrics]") {
  Metrics m;
  const std::vector<double> x = {1.0, -2.0, 0.5, 0.0, 3.0, 1e-9};
  const auto y = run("fp32", x, &m);
  CHECK(y[5] == static_cast<double>(static_cast<float>(1e-9)));
  Metrics e;
  run("fp64", x, &e);
  CHECK(std::isinf(e.sqnr_db()));
  CHECK(e.cosine() == 1.0);
  CHECK(e.mse() == 0);
  Metrics h;
  const auto yh = run("fp16", {1.0, 1e5, 1e-9, 2.0}, &h);  // 1e5 overflows fp16 to inf, 1e-9 flushes to 0
  CHECK(std::isinf(yh[1]));
  CHECK(h.nonfinite == 1);
  CHECK(h.clipped == 1);
  CHECK(h.underflow == 1);
  // Element rounding is the engine's: every fp16 cast equals encode + decode.
  const Format f16 = find_format("fp16");
  const std::vector<double> v = {0.1, -3.14159, 65519.0, 65520.0, 6e-8, 1.0 / 3};
  const auto yv = run("fp16", v);
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(yv[i] == decode_double(f16, encode(f16, v[i]).code));
}

TEST_CASE("scaled FP8: amax maps to fmt_max", "[quantize][scaled]") {
  const auto y = run("e4m3-tensor", {3.5, -1.0, 0.01, 2.0});  // scale 448/3.5 = 128: 3.5 -> 448 exactly
  CHECK(y[0] == 3.5);
  CHECK(y[1] == -1.0);
  CHECK(y[3] == 2.0);
  const auto c = run("e5m2-ch", {1.0, 2.0, 100.0, 50.0}, nullptr, 2);  // rows scaled separately
  CHECK(c[0] == 1.0);
  CHECK(c[2] == Approx(100.0).epsilon(1e-7));  // fp32 scale 57344/100 is inexact
}

TEST_CASE("integer schemes: symmetric, asymmetric, groups", "[quantize][int]") {
  // int8 symmetric: scale = amax/127 = 1 -> integers round to themselves.
  const auto s = run("int8-tensor", {127.0, -127.0, 3.4, -2.5, 2.5});
  CHECK(s == std::vector<double>{127, -127, 3, -2, 2});  // rne: ties to even
  const auto a = quantize_dequantize(parse_scheme("int8-tensor", Rounding::kNearestAway), std::vector<double>{127, 2.5},
                                     1, 2);
  CHECK(a[1] == 3);
  // int4 asymmetric on [0, 15]: scale 1, zero 0: every integer exact.
  std::vector<double> r(16);
  for (int i = 0; i < 16; ++i) r[i] = i;
  CHECK(run("int4-asym-tensor", r) == r);
  // Groups of 2: each pair has its own fp16 scale.
  const auto g = run("int4-g2", {7.0, 1.0, 0.07, 0.01});
  CHECK(g[0] == 7.0);
  CHECK(g[1] == 1.0);
  CHECK(std::fabs(g[2] - 0.07) < 1e-4);
}

TEST_CASE("MX scale rule on hand-made blocks", "[quantize][mx]") {
  // OCP MX v1.0 §6.3: X = 2^(floor(log2 amax) - emax_elem); emax_elem E4M3 8, E2M1 2, INT8 0.
  CHECK(mx_scale_exponent(6.0, 2, 6.0, MxScaleRule::kFloor) == 0);
  CHECK(mx_scale_exponent(7.99, 2, 6.0, MxScaleRule::kFloor) == 0);
  CHECK(mx_scale_exponent(8.0, 2, 6.0, MxScaleRule::kFloor) == 1);
  CHECK(mx_scale_exponent(6.0, 2, 6.0, MxScaleRule::kCeil) == 0);   // amax/max_elem = 1: exact
  CHECK(mx_scale_exponent(6.01, 2, 6.0, MxScaleRule::kCeil) == 1);
  CHECK(mx_scale_exponent(0.0, 8, 448.0, MxScaleRule::kFloor) == -127);  // all zeros: E8M0 code 0
  CHECK(mx_scale_exponent(std::ldexp(1.0, 300), 8, 448.0, MxScaleRule::kFloor) == 127);
  CHECK(mx_scale_exponent(std::ldexp(1.0, -300), 8, 448.0, MxScaleRule::kFloor) == -127);

  SECTION("all zeros") {
    Metrics m;
    const auto y = run("mxfp8", std::vector<double>(32, 0.0), &m);
    CHECK(y == std::vector<double>(32, 0.0));
    CHECK(m.underflow == 0);
  }
  SECTION("one huge outlier flushes the rest of its block") {
    std::vector<double> x(32, 0.001);
    x[5] = std::ldexp(1.0, 20);  // X = 2^(20-8): 0.001 / 4096 is below E4M3's 2^-10 -> 0
    Metrics m;
    const auto y = run("mxfp8", x, &m);
    CHECK(y[5] == x[5]);
    CHECK(y[0] == 0);
    CHECK(m.underflow == 31);
  }
  SECTION("a block at the top of the range: floor saturates, ceil does not") {
    std::vector<double> x(32, 1.0);
    x[0] = 7.5;  // floor: X = 2^(2-2) = 1, 7.5 saturates to 6; ceil: X = 2^ceil(log2(7.5/6)) = 2, 3.75 -> 4 -> 8
    Metrics mf, mc;
    const auto f = run("mxfp4", x, &mf);
    const auto c = run("mxfp4-ceil", x, &mc);
    CHECK(f[0] == 6.0);
    CHECK(mf.clipped == 1);
    CHECK(c[0] == 8.0);
    CHECK(mc.clipped == 0);
    CHECK(f[1] == 1.0);
    CHECK(c[1] == 1.0);
  }
  SECTION("mxint8 elements are k/64") {
    std::vector<double> x(32, 0.0);
    x[0] = 1.0;  // X = 2^0
    x[1] = 0.5 + 1.0 / 128;  // 32.5/64: tie -> 32 (rne)
    x[2] = -1.99;            // -127.36/64 -> -127/64
    const auto y = run("mxint8", x);
    CHECK(y[0] == 1.0);
    CHECK(y[1] == 0.5);
    CHECK(y[2] == -127.0 / 64);
  }
}

TEST_CASE("NVFP4 on a hand-made tensor", "[quantize][nvfp4]") {
  // amax = 6·448 -> s2 = 1; block 1 scale e4m3(2688/6) = 448; block 2 scale e4m3(6/6) = 1.
  std::vector<double> x(32, 0.0);
  x[0] = 2688;
  x[1] = 448;
  x[16] = 6;
  x[17] = 3;
  x[18] = 1.5;
  x[19] = 0.25;  // tie between 0 and 0.5: even -> 0
  x[20] = 0.75;  // tie between 0.5 and 1: even -> 1
  const auto y = run("nvfp4", x);
  CHECK(y[0] == 2688);
  CHECK(y[1] == 448);
  CHECK(y[16] == 6);
  CHECK(y[17] == 3);
  CHECK(y[18] == 1.5);
  CHECK(y[19] == 0);
  CHECK(y[20] == 1);
}

TEST_CASE("NF4 and bitsandbytes FP4 code tables", "[quantize][nf4]") {
  const float expected[16] = {-1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
                              -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
                              0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f,
                              0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
                              0.7229568362236023f, 1.0f};
  const auto c = nf4_codes();
  REQUIRE(c.size() == 16);
  for (int i = 0; i < 16; ++i) CHECK(c[i] == expected[i]);
  // Midpoints: a tie goes to the lower code; just above goes up.
  const float mid = (c[9] + c[10]) / 2.0f;
  CHECK(nearest_code(c, mid) == 9);
  CHECK(nearest_code(c, std::nextafter(mid, 2.0f)) == 10);
  CHECK(nearest_code(c, -2.0f) == 0);
  CHECK(nearest_code(c, 2.0f) == 15);
  // The branch-free search is std::lower_bound over the midpoints, for every table and at every midpoint and
  // its neighbours, plus random values.
  std::vector<float> fp4_magnitudes;  // bnb-fp4 searches the sorted magnitudes of its codes
  for (float v : bnb_fp4_codes())
    if (v >= 0) fp4_magnitudes.push_back(v);
  std::sort(fp4_magnitudes.begin(), fp4_magnitudes.end());
  for (std::span<const float> table : {nf4_codes(), std::span<const float>(fp4_magnitudes), bnb_dynamic_map()}) {
    std::vector<float> mids;
    for (std::size_t i = 0; i + 1 < table.size(); ++i) mids.push_back((table[i] + table[i + 1]) / 2.0f);
    std::vector<float> probes = {-2.0f, 2.0f, 0.0f, -0.0f, std::numeric_limits<float>::quiet_NaN()};
    for (float m : mids)
      for (float p : {m, std::nextafter(m, -3.0f), std::nextafter(m, 3.0f)}) probes.push_back(p);
    numscope::Rng rng{5};
    for (int i = 0; i < 10000; ++i) probes.push_back(float(double(rng.next() >> 11) * 0x1.0p-52 - 1.0));
    probes.push_back(std::numeric_limits<float>::infinity());
    probes.push_back(-std::numeric_limits<float>::infinity());
    auto want = [&](float p) {
      return std::isnan(p) ? 0 : static_cast<int>(std::lower_bound(mids.begin(), mids.end(), p) - mids.begin());
    };
    for (float p : probes) {
      INFO(p);
      CHECK(nearest_code(table, p) == want(p));
    }
    // The segment search (vector lanes for small books), both widths, signed and by magnitude, at every offset.
    for (int isa : {1, 2}) {
      if (isa == 2 && !have_avx2_kernels()) continue;
      for (bool magnitude : {false, true})
        for (std::size_t off : {0, 1, 3}) {
          const std::span<const float> sub(probes.data() + off, probes.size() - off);
          const std::vector<int> got = nearest_codes(table, sub, magnitude, isa);
          int mismatches = 0;
          for (std::size_t i = 0; i < sub.size(); ++i) mismatches += got[i] != want(magnitude ? std::fabs(sub[i]) : sub[i]);
          INFO("isa " << isa << " magnitude " << magnitude << " offset " << off);
          CHECK(mismatches == 0);
        }
    }
  }
  // A block holding code·3 for every code comes back exactly (absmax 3).
  std::vector<double> x;
  for (int r = 0; r < 4; ++r)
    for (int i = 0; i < 16; ++i) x.push_back(static_cast<double>(c[i] * 3.0f));
  CHECK(run("nf4", x) == x);
  const auto f = bnb_fp4_codes();
  CHECK(f[0b0011] == 1.0f);
  CHECK(f[0b1011] == -1.0f);
  CHECK(f[0b0001] == 0.0625f / 12);
  CHECK(f[0b0100] == 4.0f / 12);
  const auto dm = bnb_dynamic_map();
  REQUIRE(dm.size() == 256);
  CHECK(dm.front() == -1.0f * 0.0f + dm.front());  // sorted, holds 0 and 1
  CHECK(dm.back() == 1.0f);
  CHECK(std::is_sorted(dm.begin(), dm.end()));
  // nf4-dq: the dequantized absmax is close to the true one.
  const SyntheticTensor t = make_synthetic("normal:n=16384,seed=4");
  const TensorStats st = tensor_stats(*t.source);
  const double a = quantize_tensor(parse_scheme("nf4"), *t.source, st).metrics.sqnr_db();
  const double b = quantize_tensor(parse_scheme("nf4-dq"), *t.source, st).metrics.sqnr_db();
  CHECK(std::fabs(a - b) < 0.1);
}

TEST_CASE("ggml Q8_0 blocks byte by byte", "[quantize][ggml]") {
  // amax 127 -> d = 1 (fp16 0x3C00), q = roundf(x): ties away from zero (2.5 -> 3, -2.5 -> -3).
  float x[32] = {127, -127, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 100.49f, -3.51f};
  unsigned char b[34];
  ggml_quantize_q8_0(x, b);
  const unsigned char want[34] = {0x00, 0x3C, 127, 0x81, 1, 0xFF, 2, 0xFE, 3, 0xFD, 100, 0xFC};
  for (int i = 0; i < 34; ++i) CHECK(int(b[i]) == int(want[i]));
  // amax 1 -> d = 1/127 in fp32, stored as fp16 (1 + 8/1024)·2^-7 = 0x2008; 1 -> 127, 0.5 -> 64 (63.5 away).
  float y[32] = {1.0f, 0.5f, -1.0f};
  ggml_quantize_q8_0(y, b);
  CHECK(int(b[0]) == 0x08);
  CHECK(int(b[1]) == 0x20);
  CHECK(int(b[2]) == 127);
  CHECK(int(b[3]) == 64);
  CHECK(int(b[4]) == 0x81);
  // Dequantization uses the fp16 d.
  std::vector<double> xv(32, 0.0);
  xv[0] = 1.0;
  const auto dq = run("q8_0", xv);
  CHECK(dq[0] == 127 * 0.00787353515625);
  // All zeros: d = 0, id = 0, every q 0.
  float z[32] = {};
  ggml_quantize_q8_0(z, b);
  for (int i = 0; i < 34; ++i) CHECK(int(b[i]) == 0);
}

namespace {
// ggml-quants.c quantize_row_q8_0_ref and quantize_row_q4_0_ref, transcribed line by line with the C library's
// roundf and (int8_t) casts, and Eigen::half for GGML_FP32_TO_FP16: an oracle independent of numscope's codecs.
std::uint16_t ggml_fp16(float d) { return Eigen::numext::bit_cast<std::uint16_t>(Eigen::half(d)); }
void ref_q8_0(const float* x, unsigned char* y) {
  float amax = 0.0f;
  for (int j = 0; j < 32; j++) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / ((1 << 7) - 1);
  const float id = d ? 1.0f / d : 0.0f;
  const std::uint16_t h = ggml_fp16(d);
  y[0] = static_cast<unsigned char>(h & 0xff), y[1] = static_cast<unsigned char>(h >> 8);
  for (int j = 0; j < 32; ++j) y[2 + j] = static_cast<unsigned char>(static_cast<std::int8_t>(std::roundf(x[j] * id)));
}
void ref_q4_0(const float* x, unsigned char* y) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < 32; j++) {
    const float v = x[j];
    if (amax < std::fabs(v)) amax = std::fabs(v), max = v;
  }
  const float d = max / -8;
  const float id = d ? 1.0f / d : 0.0f;
  const std::uint16_t h = ggml_fp16(d);
  y[0] = static_cast<unsigned char>(h & 0xff), y[1] = static_cast<unsigned char>(h >> 8);
  for (int j = 0; j < 16; ++j) {
    const float x0 = x[j] * id, x1 = x[16 + j] * id;
    const int xi0 = std::min(15, static_cast<int>(static_cast<std::int8_t>(x0 + 8.5f)));
    const int xi1 = std::min(15, static_cast<int>(static_cast<std::int8_t>(x1 + 8.5f)));
    y[2 + j] = static_cast<unsigned char>(xi0 | (xi1 << 4));
  }
}
}  // namespace

TEST_CASE("ggml Q8_0 and Q4_0 blocks equal a transcription of ggml's reference quantizers", "[quantize][ggml]") {
  numscope::Rng rng{2024};
  auto uniform = [&] { return double(rng.next() >> 11) * 0x1.0p-53; };
  for (int block = 0; block < 20000; ++block) {
    float x[32];
    const double scale = std::ldexp(1.0, int(rng.next() % 60) - 30);
    for (float& v : x) {
      const int kind = int(rng.next() % 8);
      // Halves on the q grid (ties of roundf and of + 8.5), zeros, and plain values.
      v = kind == 0 ? 0.0f
          : kind == 1 ? static_cast<float>((double(int(rng.next() % 255)) - 127 + 0.5) * scale / 127)
                      : static_cast<float>((uniform() * 2 - 1) * scale);
    }
    if (block % 7 == 0) x[rng.next() % 32] = static_cast<float>(scale);  // amax exactly the scale: d = scale/127
    if (block % 5 == 1) {  // the largest magnitude twice, with both signs: q4_0 keeps the first one's sign
      const float m = static_cast<float>(2 * scale);
      x[rng.next() % 32] = -m;
      x[rng.next() % 32] = m;
    }
    unsigned char got[34], want[34];
    ggml_quantize_q8_0(x, got);
    ref_q8_0(x, want);
    INFO("block " << block);
    CHECK(std::equal(got, got + 34, want));
    ggml_quantize_q4_0(x, got);
    ref_q4_0(x, want);
    CHECK(std::equal(got, got + 18, want));
  }
}

TEST_CASE("ggml Q4_0 blocks byte by byte", "[quantize][ggml]") {
  // x_j = j - 16: max = -16 (largest |x|, first), d = -16/-8 = 2 (fp16 0x4000), id = 0.5,
  // q_j = min(15, (int8)(x_j/2 + 8.5)) = floor((j+1)/2), 16 -> 15; qs[j] = q_j | q_{j+16} << 4.
  float x[32];
  for (int j = 0; j < 32; ++j) x[j] = float(j - 16);
  unsigned char b[18];
  ggml_quantize_q4_0(x, b);
  const unsigned char want[18] = {0x00, 0x40, 0x80, 0x91, 0x91, 0xA2, 0xA2, 0xB3, 0xB3,
                                  0xC4, 0xC4, 0xD5, 0xD5, 0xE6, 0xE6, 0xF7, 0xF7, 0xF8};
  for (int i = 0; i < 18; ++i) CHECK(int(b[i]) == int(want[i]));
  // Dequantized (q - 8)·d; the largest positive element saturates at 15 (clipped).
  std::vector<double> xv(x, x + 32);
  Metrics m;
  const auto y = run("q4_0", xv, &m);
  CHECK(y[0] == -16);
  CHECK(y[1] == -14);
  CHECK(y[31] == 14);
  CHECK(m.clipped == 1);
  // The blocks written for --write-blocks are the same bytes, one block per 32 elements of a row.
  std::ostringstream out;
  quantize_dequantize(parse_scheme("q4_0"), xv, 1, 32, nullptr, &out);
  CHECK(bytes(out.str()) == std::vector<unsigned char>(want, want + 18));
}

TEST_CASE("recommendation picks the cheapest scheme meeting both bars", "[quantize][recommend]") {
  const SyntheticTensor t = make_synthetic("normal:n=4096,seed=5");
  const TensorStats st = tensor_stats(*t.source);
  std::vector<SchemeResult> rs;
  for (const char* s : {"int4-g128", "q4_0", "q8_0", "fp16"}) rs.push_back(quantize_tensor(parse_scheme(s), *t.source, st));
  const Recommendation r = recommend(rs, 9.0, 30.0);
  REQUIRE(r.chosen);
  CHECK(rs[*r.chosen].scheme.name == "q8_0");
  REQUIRE(r.reasons.size() == 2);
  CHECK(r.reasons[0].find("int4-g128: SQNR") == 0);
  const Recommendation none = recommend(rs, 4.0, std::nullopt);
  CHECK_FALSE(none.chosen);
  CHECK(none.summary.find("no scheme") == 0);
}

TEST_CASE("element rounding fast paths agree with the engine bit for bit", "[quantize][engine]") {
  for (const char* name : {"e4m3", "e5m2", "e2m1", "e2m3", "e3m2", "e4m3fnuz", "e5m2fnuz", "e3m4", "e4m3-ieee", "fp16",
                           "bf16", "tf32", "fp32", "e5m7", "e4m3fnuz:bias=3", "e8m0", "int8", "int4", "uint4", "uint8",
                           "int32", "e10m4:bias=30"}) {  // the last one's binades reach 2^992 (RneConsts::limit)
    const Format f = find_format(name);
    std::vector<double> v;
    // Every value of a narrow format, the midpoints between neighbours (ties), and points just beside them.
    if (bits(f) <= 8) {
      std::vector<double> vals;
      for (unsigned c = 0; c < (1u << bits(f)); ++c) {
        const double d = decode_double(f, c);
        if (std::isfinite(d)) vals.push_back(d);
      }
      std::sort(vals.begin(), vals.end());
      for (std::size_t i = 0; i + 1 < vals.size(); ++i) {
        const double m = (vals[i] + vals[i + 1]) / 2;
        for (double x : {vals[i], m, std::nextafter(m, -1e300), std::nextafter(m, 1e300)}) v.push_back(x);
      }
    }
    // The largest value and what lies just beyond it, both signs; tiny, zero, infinite and NaN inputs.
    const double mx = f.kind == numscope::Kind::kInt ? double(numscope::int_max(f))
                                                      : decode_double(f, numscope::max_finite_code(f));
    for (double x : {mx, std::nextafter(mx, 1e300), mx * 1.01, mx * 1.1, mx * 3, 1e30, 0x1p52, 0x1p51, 1e300}) {
      v.push_back(x);
      v.push_back(-x);
    }
    // The tie between max and the next value of an unbounded exponent (IEEE 754 §7.4 rounds there first: E4M3's
    // 464 stays 448, unflagged; e2m1's 7 saturates), its neighbours, and that next value.
    const double ulp = f.kind == numscope::Kind::kInt ? 1.0 : std::ldexp(1.0, std::ilogb(mx) - f.mantissa_bits);
    for (double x : {mx + ulp / 2, std::nextafter(mx + ulp / 2, 0.0), std::nextafter(mx + ulp / 2, 1e300),
                     mx + ulp / 4, mx + ulp}) {
      v.push_back(x);
      v.push_back(-x);
    }
    for (double x : {1e-300, -1e-300, 4.9e-324, 0.0, -0.0, std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()})
      v.push_back(x);
    numscope::Rng rng{42};
    for (int i = 0; i < 2000; ++i) {
      const double u = double(rng.next() >> 11) * 0x1.0p-53;
      v.push_back((u - 0.5) * std::ldexp(1.0, int(rng.next() % 40) - 20));
    }
    // Random doubles across the whole range of the format: around every binade and into the subnormals.
    const int lo = f.kind == numscope::Kind::kInt ? -4 : numscope::emin(f) - f.mantissa_bits - 3;
    const int hi = f.kind == numscope::Kind::kInt ? f.int_bits + 2 : numscope::emax(f) + 3;
    for (int i = 0; i < 4000; ++i) {
      const double u = 1.0 + double(rng.next() >> 11) * 0x1.0p-53;
      const double x = std::ldexp(u, lo + int(rng.next() % std::uint64_t(hi - lo + 1)));
      v.push_back(rng.next() & 1 ? -x : x);
    }
    for (Rounding r : {Rounding::kNearestEven, Rounding::kNearestAway, Rounding::kTowardZero, Rounding::kUp,
                       Rounding::kDown})
      for (bool saturate : {true, false}) {
        std::string why;
        INFO(name << " " << rounding_name(r) << (saturate ? " saturating" : ""));
        CHECK(check_element_rounding(f, r, v, &why, saturate));
        CHECK(why.empty());
      }
  }
}

namespace {
/// The error metrics of y against x by an independent scalar loop in the documented order: element i into lane
/// i mod 8, lanes added pairwise; inf and NaN errors counted and left out of the largest error.
Metrics scalar_metrics(const std::vector<double>& x, const std::vector<double>& y) {
  double x2[8] = {}, y2[8] = {}, xy[8] = {}, e2[8] = {}, rel[8] = {};
  Metrics m;
  m.n = x.size();
  std::uint64_t bad = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double e = x[i] - y[i];
    x2[i % 8] += x[i] * x[i];
    y2[i % 8] += y[i] * y[i];
    xy[i % 8] += x[i] * y[i];
    e2[i % 8] += e * e;
    if (std::isfinite(e)) m.max_abs_err = std::max(m.max_abs_err, std::fabs(e));
    else ++bad;
    m.nonfinite += !std::isfinite(y[i]);
    if (x[i] != 0) {
      rel[i % 8] += std::fabs(e) * (1.0 / std::fabs(x[i]));  // the reciprocal of |x| is shared by all schemes
      ++m.rel_n;
      m.underflow += y[i] == 0;
    }
  }
  auto total = [](const double* a) { return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])); };
  m.sum_x2 = total(x2), m.sum_y2 = total(y2), m.sum_xy = total(xy), m.sum_err2 = total(e2), m.sum_rel = total(rel);
  if (bad) m.max_abs_err = std::numeric_limits<double>::infinity();
  return m;
}
/// error_metrics on every instruction set this CPU runs against scalar_metrics: the same bits (NaN as NaN).
void check_error_metrics_isas(const std::vector<double>& x, const std::vector<double>& y) {
  const Metrics want = scalar_metrics(x, y);
  auto same = [](double a, double b) {
    return numscope::bit_cast<std::uint64_t>(a) == numscope::bit_cast<std::uint64_t>(b) || (a != a && b != b);
  };
  for (int isa : {1, 2, 3}) {
    if ((isa == 2 && !have_avx2_kernels()) || (isa == 3 && !have_avx512_kernels())) continue;
    INFO("n " << x.size() << " isa " << isa);
    const Metrics m = error_metrics(x, y, isa);
    CHECK(m.n == want.n);
    CHECK(same(m.sum_x2, want.sum_x2));
    CHECK(same(m.sum_y2, want.sum_y2));
    CHECK(same(m.sum_xy, want.sum_xy));
    CHECK(same(m.sum_err2, want.sum_err2));
    CHECK(same(m.sum_rel, want.sum_rel));
    CHECK(same(m.max_abs_err, want.max_abs_err));
    CHECK(m.rel_n == want.rel_n);
    CHECK(m.underflow == want.underflow);
    CHECK(m.nonfinite == want.nonfinite);
  }
}
}  // namespace

TEST_CASE("error sums: eight fixed lanes, the same bits with SSE2, AVX2 and AVX-512", "[quantize][metrics]") {
  numscope::Rng rng{7};
  for (std::size_t n : {0, 1, 7, 8, 9, 63, 1000, 4099}) {
    std::vector<double> x(n), y(n);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = (double(rng.next() >> 11) * 0x1.0p-53 - 0.5) * std::ldexp(1.0, int(rng.next() % 30) - 15);
      const std::uint64_t k = rng.next() % 10;
      y[i] = k == 0 ? 0.0 : k == 1 ? x[i] : x[i] * (1 + 1e-3 * (double(rng.next() >> 11) * 0x1.0p-53 - 0.5));
      if (k == 2) x[i] = 0;
    }
    check_error_metrics_isas(x, y);
  }
  // Non-finite results: counted, and the largest error becomes infinite.
  const std::vector<double> x = {1, 2, 3}, y = {1, std::numeric_limits<double>::infinity(),
                                               std::numeric_limits<double>::quiet_NaN()};
  const Metrics m = error_metrics(x, y);
  CHECK(m.nonfinite == 2);
  CHECK(m.max_abs_err == std::numeric_limits<double>::infinity());
  // Edge cases, with every test the vector loops make for inf and NaN: zeros of both signs, subnormals, values
  // whose squares overflow, results that are inf or NaN, inputs that are inf (error_metrics takes any x). The
  // vector loops first try a loop without those tests and redo a segment with them when a sum is not finite:
  // both must give the scalar loop's bits, on every instruction set.
  constexpr double kInf = std::numeric_limits<double>::infinity(), kNaN = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> specials = {0.0, -0.0, 0x1p-1074, -0x1p-1060, 1e-300, 1.0, -3.5, 1e154, -1e200,
                                        1.7e308, kInf, -kInf, kNaN};
  for (int round = 0; round < 200; ++round) {
    const std::size_t n = 1 + rng.next() % 40;
    std::vector<double> xs(n), ys(n);
    const bool wild = round % 4 == 0;  // only every fourth set has inf / NaN / overflowing values
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t k = rng.next() % 16;
      auto pick = [&] {
        const double v = specials[rng.next() % specials.size()];
        return wild || (std::fabs(v) < 1e150) ? v : 0.5;
      };
      xs[i] = k < 5 ? pick() : (double(rng.next() >> 11) * 0x1.0p-53 - 0.5);
      if (!wild && !std::isfinite(xs[i])) xs[i] = 1;
      ys[i] = k % 3 == 0 ? pick() : k % 3 == 1 ? xs[i] : xs[i] * 0.75;
      if (!wild && !std::isfinite(ys[i])) ys[i] = 0;
    }
    INFO("round " << round);
    check_error_metrics_isas(xs, ys);
  }
}

namespace {
/// Whether two Metrics are the same bits, field by field.
bool same_metrics(const Metrics& a, const Metrics& b) {
  auto bits = [](double v) { return numscope::bit_cast<std::uint64_t>(v); };
  return a.n == b.n && bits(a.sum_x2) == bits(b.sum_x2) && bits(a.sum_y2) == bits(b.sum_y2) &&
         bits(a.sum_xy) == bits(b.sum_xy) && bits(a.sum_err2) == bits(b.sum_err2) &&
         bits(a.max_abs_err) == bits(b.max_abs_err) && bits(a.sum_rel) == bits(b.sum_rel) && a.rel_n == b.rel_n &&
         a.clipped == b.clipped && a.underflow == b.underflow && a.nonfinite == b.nonfinite;
}
}  // namespace

TEST_CASE("every scheme gives the same bits with the portable, AVX2 and AVX-512 kernels", "[quantize][driver]") {
  // The kernels of each instruction set (and the fused rounding + error-sum loops, which only the metrics of a
  // run without a dequantized callback see, several schemes or one alone) against the portable build, on data with zeros of both signs, ties
  // of int8's grid, constant and all-zero blocks, values that overflow fp16 (inf results) and values that are
  // not fp32 values; rows whose length is no multiple of 8 or 16 as well.
  std::vector<std::string> names = default_scheme_names();
  for (const char* extra : {"e4m3-ch", "e5m2-ch", "int4-asym-ch", "int8-g32", "int4-g100", "int3-g64",
                            "int8-asym-tensor", "e2m1", "e4m3", "int4-tensor", "mxfp6-e3m2", "mxfp8-e5m2"})
    names.push_back(extra);
  std::vector<Scheme> schemes;
  for (const std::string& n : names) schemes.push_back(parse_scheme(n));
  numscope::Rng rng{99};
  auto uniform = [&] { return double(rng.next() >> 11) * 0x1.0p-53; };
  struct Set {
    std::uint64_t rows, cols;
    int kind;  // 0: fp32 values with zeros, outliers and constant blocks; 1: any doubles; 2: halves up to 127
  };
  for (const Set& set : {Set{3, 5000, 0}, Set{7, 1000, 1}, Set{16, 1024, 2}, Set{1, 20003, 0}}) {
    std::vector<double> v(set.rows * set.cols);
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::uint64_t k = rng.next() % 100;
      double x = (uniform() - 0.5) * std::ldexp(1.0, int(rng.next() % 24) - 12);
      if (set.kind == 2) x = double(int(rng.next() % 509) - 254) / 2;
      else if (k < 5) x = 0.0;
      else if (k < 7) x = -0.0;
      else if (k < 8) x = (k & 1 ? -1 : 1) * 70000.0 * (1 + uniform());  // beyond fp16: inf after the cast
      if (set.kind == 0) x = static_cast<double>(static_cast<float>(x));
      v[i] = x;
    }
    for (std::size_t i = 256; i < 384 && i < v.size(); ++i) v[i] = 0.75;  // constant blocks
    for (std::size_t i = 512; i < 640 && i < v.size(); ++i) v[i] = 0.0;   // all-zero blocks
    const MemorySource src(v, set.rows, set.cols);
    numscope::detail::cap_kernel_isa(Isa::kPortable);
    const TensorStats st = tensor_stats(src, 1);
    std::vector<SchemeResult> ref;
    std::vector<std::vector<double>> ref_y;
    for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512}) {
      if (!numscope::isa_supported(isa)) continue;
      numscope::detail::cap_kernel_isa(isa);
      const TensorStats sti = tensor_stats(src, 2);  // its lane sums too
      auto bits = [](double d) { return numscope::bit_cast<std::uint64_t>(d); };
      CHECK(bits(sti.mean) == bits(st.mean));
      CHECK(bits(sti.std) == bits(st.std));
      CHECK(bits(sti.kurtosis) == bits(st.kurtosis));
      CHECK(bits(sti.outlier_fraction) == bits(st.outlier_fraction));
      CHECK(bits(sti.min) == bits(st.min));
      CHECK(bits(sti.max) == bits(st.max));
      QuantizeOptions o;
      o.threads = 2;
      const std::vector<SchemeResult> got = quantize_schemes(schemes, src, st, o);
      for (std::size_t k = 0; k < schemes.size(); ++k) {
        INFO(set.rows << "x" << set.cols << " kind " << set.kind << " " << schemes[k].name << " isa "
                      << numscope::isa_name(isa));
        std::vector<double> y;
        QuantizeOptions od;
        od.dequantized = [&](const double* p, std::uint64_t n) { y.insert(y.end(), p, p + n); };
        const SchemeResult one = quantize_tensor(schemes[k], src, st, od);
        CHECK(same_metrics(one.metrics, got[k].metrics));  // the fused loops and the separate ones
        // One scheme alone without a callback: the loops that also take 1/|x| (run_sums_inv).
        const SchemeResult alone = quantize_tensor(schemes[k], src, st, QuantizeOptions{});
        CHECK(same_metrics(alone.metrics, got[k].metrics));
        if (isa == Isa::kPortable) {
          ref.push_back(got[k]);
          ref_y.push_back(y);
          continue;
        }
        CHECK(same_metrics(got[k].metrics, ref[k].metrics));
        REQUIRE(y.size() == ref_y[k].size());
        CHECK(std::memcmp(y.data(), ref_y[k].data(), y.size() * sizeof(double)) == 0);
      }
    }
    numscope::detail::cap_kernel_isa(std::nullopt);
  }
}

TEST_CASE("quantize results do not depend on threads, chunk size or how long rows are cut", "[quantize][driver]") {
  // 3 rows of 5000 (rows cut into segments when the chunk is small) and one 1-D tensor of 20000.
  numscope::Rng rng{11};
  auto data = [&](std::size_t n) {
    std::vector<double> v(n);
    for (double& d : v) d = (double(rng.next() >> 11) * 0x1.0p-53 - 0.5) * std::ldexp(1.0, int(rng.next() % 8) - 6);
    return v;
  };
  std::vector<Scheme> schemes;
  for (const std::string& name : default_scheme_names()) schemes.push_back(parse_scheme(name));
  schemes.push_back(parse_scheme("int4-asym-ch"));
  schemes.push_back(parse_scheme("e5m2-ch"));
  for (auto [rows, cols] : {std::pair<std::uint64_t, std::uint64_t>{3, 5000}, {1, 20000}}) {
    const MemorySource src(data(rows * cols), rows, cols);
    const TensorStats st = tensor_stats(src, 1);
    const TensorStats st3 = tensor_stats(src, 3);
    CHECK(st.mean == st3.mean);
    CHECK(st.std == st3.std);
    CHECK(st.kurtosis == st3.kurtosis);
    // The reference: one thread, chunks that hold the whole tensor.
    QuantizeOptions whole;
    whole.threads = 1;
    whole.chunk_elements = rows * cols;
    std::vector<std::vector<double>> ref_y;
    std::vector<SchemeResult> ref;
    for (const Scheme& s : schemes) {
      QuantizeOptions o = whole;
      std::vector<double> y;
      o.dequantized = [&](const double* p, std::uint64_t n) { y.insert(y.end(), p, p + n); };
      ref.push_back(quantize_tensor(s, src, st, o));
      ref_y.push_back(std::move(y));
    }
    for (std::uint64_t chunk : {std::uint64_t{1} << 20, std::uint64_t{4096}, std::uint64_t{1000}}) {
      for (unsigned threads : {1u, 2u, 3u}) {
        INFO(rows << "x" << cols << " chunk " << chunk << " threads " << threads);
        QuantizeOptions o;
        o.threads = threads;
        o.chunk_elements = chunk;
        const std::vector<SchemeResult> all = quantize_schemes(schemes, src, st, o);
        o.threads = 1;
        const std::vector<SchemeResult> one = quantize_schemes(schemes, src, st, o);
        QuantizeOptions small = o;
        small.read_elements = 200;
        const std::vector<SchemeResult> small_reads = quantize_schemes(schemes, src, st, small);
        for (std::size_t k = 0; k < schemes.size(); ++k) {
          INFO(schemes[k].name);
          const Metrics &a = all[k].metrics, &b = one[k].metrics, &r = ref[k].metrics;
          // Threads: the same bits for a given chunk size.
          CHECK(a.sum_err2 == b.sum_err2);
          CHECK(a.sum_xy == b.sum_xy);
          CHECK(a.sum_rel == b.sum_rel);
          // Pieces read at a time: the same bits (pieces of a cut row are multiples of 8 lanes and blocks).
          const Metrics& c = small_reads[k].metrics;
          CHECK(c.sum_err2 == b.sum_err2);
          CHECK(c.sum_xy == b.sum_xy);
          CHECK(c.sum_rel == b.sum_rel);
          CHECK(c.max_abs_err == b.max_abs_err);
          CHECK(c.clipped == b.clipped);
          // Chunk size: the same counts and largest error; sums equal up to the order of additions.
          CHECK(a.n == r.n);
          CHECK(a.clipped == r.clipped);
          CHECK(a.underflow == r.underflow);
          CHECK(a.max_abs_err == r.max_abs_err);
          CHECK(a.sum_err2 == Approx(r.sum_err2).epsilon(1e-12));
          CHECK(a.sum_x2 == Approx(r.sum_x2).epsilon(1e-12));
          // The dequantized values themselves, bit for bit.
          QuantizeOptions od = o;
          std::vector<double> y;
          od.dequantized = [&](const double* p, std::uint64_t n) { y.insert(y.end(), p, p + n); };
          quantize_tensor(schemes[k], src, st, od);
          CHECK(y == ref_y[k]);
        }
      }
    }
  }
}

namespace {
/// float_to_fp16_bits (GGML_FP32_TO_FP16) against Eigen::half's own round-to-nearest-even conversion, and the
/// fast kernel it replaces, for every non-NaN fp32 of `each` (a function calling back with the bit patterns).
template <class Each>
void check_fp16_store(Each each) {
  std::uint64_t bad = 0, seen = 0;
  each([&](std::uint32_t w) {
    const float v = numscope::bit_cast<float>(w);
    if (std::isnan(v)) return;
    ++seen;
    const std::uint16_t got = numscope::detail::float_to_fp16_bits(v);
    const std::uint16_t eigen = Eigen::numext::bit_cast<std::uint16_t>(Eigen::half(v));
    if (got != eigen || got != numscope::detail::float_to_fp16_bits_kernel(v)) {
      if (bad++ < 5) FAIL_CHECK("fp32 0x" << std::hex << w << ": 0x" << got << " where Eigen::half gives 0x" << eigen);
    }
  });
  CHECK(bad == 0);
  CHECK(seen > 0);
}
}  // namespace

TEST_CASE("ggml's fp32 to fp16 store equals Eigen::half at every exponent and rounding boundary", "[quantize][ggml]") {
  check_fp16_store([](auto f) {
    for (std::uint32_t e = 0; e < 256; ++e)
      for (std::uint32_t s = 0; s < 2; ++s) {
        const std::uint32_t base = (s << 31) | (e << 23);
        // Where a rounding decision falls: the exact halves of every dropped width k (13 for normal fp16, up to
        // 24 for its subnormals) and their neighbours, on a spread of kept mantissas; and a spread of the rest.
        for (std::uint32_t k = 1; k < 24; ++k)
          for (std::uint32_t q = 0; q < (1u << 23) >> k; q += 1 + (q >> 3))
            for (std::int32_t d = -1; d <= 1; ++d)
              f(base | (((q << k) + (1u << (k - 1)) + static_cast<std::uint32_t>(d)) & 0x7fffffu));
        for (std::uint32_t m = 0; m < (1u << 23); m += 4099) f(base | m);
      }
  });
}

TEST_CASE("ggml's fp32 to fp16 store equals Eigen::half for all 2^32 inputs", "[quantize][ggml][slow]") {
  check_fp16_store([](auto f) {
    for (std::uint64_t w = 0; w <= 0xffffffffu; ++w) f(static_cast<std::uint32_t>(w));
  });
}

namespace {
/// An fp32 tensor in memory that hands out its bytes (RowSource::fp32_bytes), as a mapped fp32 file does.
class Fp32Bytes : public numscope::RowSource {
 public:
  Fp32Bytes(std::vector<float> v, std::uint64_t rows, std::uint64_t cols) : v_(std::move(v)), rows_(rows), cols_(cols) {}
  std::uint64_t rows() const override { return rows_; }
  std::uint64_t cols() const override { return cols_; }
  void read_range(std::uint64_t first, std::uint64_t count, double* out) const override {
    for (std::uint64_t i = 0; i < count; ++i) out[i] = v_[first + i];
  }
  const unsigned char* fp32_bytes(std::uint64_t first, std::uint64_t) const override {
    return reinterpret_cast<const unsigned char*>(v_.data() + first);
  }

 private:
  std::vector<float> v_;
  std::uint64_t rows_, cols_;
};
}  // namespace

TEST_CASE("fp32 sources widened and prepared in one pass give the bits of read_range", "[quantize][driver]") {
  // The driver's one-pass read of fp32 bytes (Lanes::prepare_fp32) against the same values read as doubles
  // (MemorySource: read_range, then Lanes::prepare_x segment by segment), with NaN and inf masked: rows whose
  // length is a multiple of 8 (one pass per piece), rows that are not (read_range), rows cut into segments
  // (chunk_elements), a 1-D tensor whose last piece is no multiple of 8; every scheme alone and all together,
  // on every instruction set.
  std::vector<Scheme> schemes;
  for (const std::string& n : default_scheme_names()) schemes.push_back(parse_scheme(n));
  schemes.push_back(parse_scheme("e4m3-ch"));
  numscope::Rng rng{5};
  for (auto [rows, cols, chunk, wild] :
       {std::tuple<std::uint64_t, std::uint64_t, std::uint64_t, bool>{12, 1024, 1 << 20, true},
        {12, 1024, 1 << 20, false}, {5, 1003, 1 << 20, true}, {3, 4096, 1024, true}, {3, 4096, 1024, false},
        {1, 10003, 2048, true}}) {
    // `wild`: NaN and inf too (the pieces that hold one are not read from their fp32 bytes again: q8_0).
    std::vector<float> v(rows * cols);
    for (float& f : v) {
      const std::uint64_t k = wild ? rng.next() % 200 : 3;
      f = static_cast<float>((double(rng.next() >> 11) * 0x1.0p-53 - 0.5) * std::ldexp(1.0, int(rng.next() % 20) - 10));
      if (k == 0) f = std::numeric_limits<float>::quiet_NaN();
      if (k == 1) f = -std::numeric_limits<float>::infinity();
      if (k == 2) f = -0.0f;
    }
    const Fp32Bytes fp32(v, rows, cols);
    const MemorySource mem(std::vector<double>(v.begin(), v.end()), rows, cols);
    QuantizeOptions o;
    o.ignore_nonfinite = true;
    o.chunk_elements = chunk;
    o.read_elements = 2048;
    for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512}) {
      if (!numscope::isa_supported(isa)) continue;
      numscope::detail::cap_kernel_isa(isa);
      const TensorStats st = tensor_stats(mem, 1);
      INFO(rows << "x" << cols << " chunk " << chunk << " isa " << numscope::isa_name(isa));
      const std::vector<SchemeResult> want = quantize_schemes(schemes, mem, st, o);
      const std::vector<SchemeResult> got = quantize_schemes(schemes, fp32, st, o);
      for (std::size_t k = 0; k < schemes.size(); ++k) {
        INFO(schemes[k].name);
        CHECK(same_metrics(got[k].metrics, want[k].metrics));
        const SchemeResult a = quantize_tensor(schemes[k], fp32, st, o), b = quantize_tensor(schemes[k], mem, st, o);
        CHECK(same_metrics(a.metrics, b.metrics));
        CHECK(same_metrics(a.metrics, want[k].metrics));
      }
    }
    numscope::detail::cap_kernel_isa(std::nullopt);
  }
}
