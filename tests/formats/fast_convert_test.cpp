// The fast fp32 <-> format kernels (formats/fast/convert.h) against the reference engine: every code decoded,
// a stratified and a seeded random set of fp32 inputs encoded, for every row, policy and instruction set.
// The exhaustive 2^32 sweep is `numscope verify --exhaustive` (ctest label slow).
#include "numscope/formats/fast/convert.h"

#include <bit>  // std::bit_cast
#include <catch2/catch.hpp>
#include <cmath>    // std::nextafter
#include <cstring>  // std::memcpy
#include <random>   // std::mt19937_64
#include <sstream>  // std::ostringstream
#include <vector>   // std::vector

#include "numscope/formats/engine.h"
#include "numscope/formats/registry.h"

using namespace numscope;

namespace {

const char* const kFastFormats[] = {"fp16",     "bf16",     "tf32",        "e5m2",      "e4m3",
                                    "e4m3fnuz", "e5m2fnuz", "e4m3b11fnuz", "e4m3-ieee", "e3m4",
                                    "e3m2",     "e2m3",     "e2m1"};
const fast::Isa kIsas[] = {fast::Isa::kPortable, fast::Isa::kAvx2, fast::Isa::kAvx512};

std::uint32_t container_code(const Format& f, u128 code) {
  return static_cast<std::uint32_t>(code) << (storage_bits(f) - bits(f));
}

std::uint32_t load(const std::vector<unsigned char>& buf, std::size_t i, int bytes) {
  std::uint32_t v = 0;
  std::memcpy(&v, buf.data() + i * static_cast<std::size_t>(bytes), static_cast<std::size_t>(bytes));
  return v;
}

/// The stratified set: every sign and exponent field; for every cut position s (1..24) the kept bits just
/// above it 0, 1, 2, 3 or alternating, and the cut-off bits 0, half - 1, half (a tie), half + 1 or all ones.
/// Every fast row cuts fp32's fraction at one of these positions (normal results at 23 - M, subnormal results
/// further up), so every rounding decision (even / odd last bit, below / at / above the tie, carries into the
/// exponent) is met in every binade. Plus the fp32 neighbours of every value and midpoint of the format.
std::vector<std::uint32_t> stratified(const Format& f) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t sign = 0; sign < 2; ++sign)
    for (std::uint32_t field = 0; field < 256; ++field)
      for (int s = 1; s <= 24; ++s) {
        const std::uint32_t half = 1u << (s - 1), all = (s >= 24 ? 0xffffffu : (1u << s) - 1);
        for (std::uint32_t kept : {0u, 1u, 2u, 3u, 0x2aaaaau, 0x155555u})
          for (std::uint32_t low : {0u, half - 1, half, half + 1, all}) {
            const std::uint32_t mant = ((s < 24 ? kept << s : 0u) | low) & 0x7fffffu;
            out.push_back((sign << 31) | (field << 23) | mant);
          }
      }
  if (bits(f) <= 16) {  // around every value and every midpoint of the format (within fp32's range)
    std::vector<double> values;
    for (std::uint32_t c = 0; c < (1u << bits(f)); ++c) {
      const double v = decode_double(f, c);
      if (std::isfinite(v)) values.push_back(v);
    }
    std::sort(values.begin(), values.end());
    for (std::size_t i = 0; i < values.size(); ++i) {
      for (double v :
           {values[i], i + 1 < values.size() ? (values[i] + values[i + 1]) / 2 : values[i] * 1.0625}) {
        const float x = static_cast<float>(v);
        if (static_cast<double>(x) != v) continue;
        for (float y : {x, std::nextafter(x, INFINITY), std::nextafter(x, -INFINITY)})
          out.push_back(std::bit_cast<std::uint32_t>(y));
      }
    }
  }
  for (std::uint32_t special : {0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00001u, 0x7f800001u, 0x7fffffffu,
                                0u, 0x80000000u, 0x00000001u, 0x80000001u, 0x7f7fffffu, 0xff7fffffu})
    out.push_back(special);
  return out;
}

std::vector<std::uint32_t> random_inputs(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint32_t> out(n);
  for (auto& x : out) x = static_cast<std::uint32_t>(rng());
  return out;
}

}  // namespace

TEST_CASE("fast decode: every code of every row matches the engine", "[formats][fast]") {
  const Format fp32 = find_format("fp32");
  for (const char* name : kFastFormats) {
    const Format f = find_format(name);
    CAPTURE(name);
    const int cb = container_bytes(f);
    const std::size_t count = std::size_t{1} << bits(f);
    std::vector<unsigned char> in(count * static_cast<std::size_t>(cb));
    for (std::size_t c = 0; c < count; ++c) {
      const std::uint32_t v = container_code(f, c);
      std::memcpy(in.data() + c * cb, &v, static_cast<std::size_t>(cb));
    }
    for (fast::Isa isa : kIsas) {
      const fast::DecodeFn fn = fast::decoder(f, {}, isa);
      if (!fast::isa_supported(isa)) {
        CHECK(fn == nullptr);
        continue;
      }
      CAPTURE(fast::isa_name(isa));
      REQUIRE(fn != nullptr);
      std::vector<float> out(count);
      fn(in.data(), out.data(), count);
      long bad = 0;
      std::ostringstream first;
      for (std::size_t c = 0; c < count; ++c) {
        const auto want = static_cast<std::uint32_t>(encode(fp32, decode_double(f, c)).code);
        const auto got = std::bit_cast<std::uint32_t>(out[c]);
        if (got != want && bad++ < 5)
          first << std::hex << "code 0x" << c << ": got 0x" << got << " want 0x" << want << "\n";
      }
      INFO(first.str());
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("fast encode: stratified and random fp32 inputs match the engine for every row and policy",
          "[formats][fast]") {
  const std::vector<std::uint32_t> rnd = random_inputs(100000, 42);
  for (const char* name : kFastFormats) {
    const Format f = find_format(name);
    CAPTURE(name);
    std::vector<std::uint32_t> inputs = stratified(f);
    inputs.insert(inputs.end(), rnd.begin(), rnd.end());
    const int cb = container_bytes(f);
    for (Rounding r : {Rounding::kNearestEven, Rounding::kNearestAway})
      for (bool sat : {false, true}) {
        ConvertOptions opt;
        opt.rounding = r;
        opt.saturate = sat;
        CAPTURE(rounding_name(r), sat);
        std::vector<std::uint32_t> want(inputs.size());
        for (std::size_t i = 0; i < inputs.size(); ++i)
          want[i] =
              container_code(f, encode(f, static_cast<double>(std::bit_cast<float>(inputs[i])), opt).code);
        for (fast::Isa isa : kIsas) {
          if (!fast::isa_supported(isa)) continue;
          CAPTURE(fast::isa_name(isa));
          const fast::EncodeFn fn = fast::encoder(f, opt, isa);
          REQUIRE(fn != nullptr);
          std::vector<unsigned char> out(inputs.size() * static_cast<std::size_t>(cb));
          fn(reinterpret_cast<const float*>(inputs.data()), out.data(), inputs.size());
          long bad = 0;
          std::ostringstream first;
          for (std::size_t i = 0; i < inputs.size(); ++i) {
            const std::uint32_t got = load(out, i, cb);
            if (got != want[i] && bad++ < 5)
              first << std::hex << "fp32 0x" << inputs[i] << ": got 0x" << got << " want 0x" << want[i]
                    << "\n";
          }
          INFO(inputs.size() << " inputs\n" << first.str());
          CHECK(bad == 0);
        }
      }
  }
}

TEST_CASE("fast paths: which conversions have one", "[formats][fast]") {
  ConvertOptions rne, rtz, ftz, odd;
  rtz.rounding = Rounding::kTowardZero;
  odd.rounding = Rounding::kOdd;
  ftz.ftz = true;
  CHECK(fast::encoder(find_format("bf16"), rne) != nullptr);
  CHECK(fast::encoder(find_format("float8_e4m3fn"), rne) != nullptr);  // an alias is the same row
  CHECK(fast::encoder(find_format("e4m3fn"), rne) != nullptr);         // a user-defined row with equal fields
  CHECK(fast::encoder(find_format("bf16"), rtz) == nullptr);
  CHECK(fast::encoder(find_format("bf16"), odd) == nullptr);
  CHECK(fast::encoder(find_format("bf16"), ftz) == nullptr);
  CHECK(fast::decoder(find_format("bf16"), ftz) == nullptr);  // ftz would flush the fp32 subnormal results
  CHECK(fast::encoder(find_format("e8m0"), rne) == nullptr);
  CHECK(fast::encoder(find_format("int8"), rne) == nullptr);
  CHECK(fast::encoder(find_format("fp32"), rne) == nullptr);
  CHECK(fast::encoder(find_format("e4m3:bias=9"), rne) == nullptr);
  CHECK(fast::decoder(find_format("fp64")) == nullptr);
}

TEST_CASE("fast paths: known bits", "[formats][fast]") {
  // 464 = 1.8125 · 2^8 is a tie between 448 (0b0'1111'110) and 480 (would be 0b0'1111'111 = NaN): rne -> 448;
  // 480 rounds to the NaN code: overflow -> NaN, or 448 with --saturate (OFP8 rev 1.0 §5).
  const float in[] = {464.0f, 480.0f, -480.0f, 1.0f, -0.0f};
  std::uint8_t out[5];
  ConvertOptions sat;
  sat.saturate = true;
  fast::encoder(find_format("e4m3"), {})(in, out, 5);
  CHECK(out[0] == 0x7e);
  CHECK(out[1] == 0x7f);
  CHECK(out[2] == 0xff);
  CHECK(out[3] == 0x38);  // 0b0'0111'000
  CHECK(out[4] == 0x80);
  fast::encoder(find_format("e4m3"), sat)(in, out, 5);
  CHECK(out[1] == 0x7e);
  CHECK(out[2] == 0xfe);
  fast::encoder(find_format("e4m3fnuz"), {})(in, out, 5);
  CHECK(out[4] == 0x00);  // fnuz has no -0: 0x80 is its NaN
  CHECK(out[1] == 0x80);  // 480 > 240: overflow is the NaN
  // tf32 rna (cvt.rna.tf32.f32): 0x3f801000 is a tie at bit 13, away from zero -> 0x3f802000.
  const float t[] = {std::bit_cast<float>(0x3f801000u)};
  std::uint32_t o = 0;
  ConvertOptions rna;
  rna.rounding = Rounding::kNearestAway;
  fast::encoder(find_format("tf32"), rna)(t, &o, 1);
  CHECK(o == 0x3f802000u);
  fast::encoder(find_format("tf32"), {})(t, &o, 1);
  CHECK(o == 0x3f800000u);  // rne: the tie goes to the even 0x3f800000
}

TEST_CASE("fast paths: the parallel split gives the single-thread bytes", "[formats][fast]") {
  const std::vector<std::uint32_t> in =
      random_inputs((std::size_t{3} << 20) / 4 + 17, 7);  // > kParallelBytes
  const Format f = find_format("e5m2");
  const fast::EncodeFn fn = fast::encoder(f, {});
  std::vector<std::uint8_t> one(in.size()), many(in.size());
  fn(reinterpret_cast<const float*>(in.data()), one.data(), in.size());
  fast::encode_parallel(fn, reinterpret_cast<const float*>(in.data()), many.data(), in.size(), 1);
  CHECK(one == many);
  std::vector<float> back1(in.size()), back2(in.size());
  const fast::DecodeFn dn = fast::decoder(f);
  dn(one.data(), back1.data(), one.size());
  fast::decode_parallel(dn, one.data(), back2.data(), one.size(), 1);
  CHECK(std::memcmp(back1.data(), back2.data(), back1.size() * sizeof(float)) == 0);
}

TEST_CASE("fast paths: narrow code validation", "[formats][fast]") {
  const std::uint8_t ok[] = {0x0, 0xf, 0x7}, bad[] = {0x0, 0x1f};
  CHECK(fast::codes_valid(find_format("e2m1"), ok, 3));
  CHECK_FALSE(fast::codes_valid(find_format("e2m1"), bad, 2));
  CHECK(fast::codes_valid(find_format("e4m3"), bad, 2));
}

TEST_CASE("fast sweep: the class sweep passes on the kernels and catches a wrong one", "[formats][fast]") {
  const Format f = find_format("fp16");
  const fast::EncodeFn fn = fast::encoder(f, {});
  // Slabs 0x67..0x71: fp32 exponents -24..-14 (fp16's subnormal binades), 0x8e..0x90 (65504, overflow), 0xff.
  fast::SweepResult r = fast::sweep_encode(f, {}, fn, nullptr, 0x67, 0x72, 2);
  r.merge(fast::sweep_encode(f, {}, fn, nullptr, 0x8e, 0x91, 2));
  r.merge(fast::sweep_encode(f, {}, fn, nullptr, 0x1ff, 0x200, 2));
  CHECK(r.inputs == (11u + 3u + 1u) << 23);
  CHECK(r.mismatches == 0);
  // A kernel that rounds ties away (rna) instead of to even is caught, and the first mismatch is a tie.
  ConvertOptions rna;
  rna.rounding = Rounding::kNearestAway;
  const fast::SweepResult wrong = fast::sweep_encode(f, {}, fast::encoder(f, rna), nullptr, 0x7f, 0x80, 1);
  CHECK(wrong.mismatches == 512);  // 2^10 ties in [1, 2), half of them at an even last bit
  REQUIRE_FALSE(wrong.first.empty());
  CHECK((wrong.first[0].input & 0x1fff) == 0x1000);
  // Every code decodes right, and the hardware instruction (when there is one) agrees.
  const fast::Hardware hw = fast::hardware(f);
  const fast::SweepResult d = fast::sweep_decode(f, fast::decoder(f), hw.decode ? &hw : nullptr);
  CHECK(d.mismatches == 0);
  CHECK(d.hw_mismatches == 0);
}

TEST_CASE("fast paths: the hardware instructions agree with the engine apart from their documented cases",
          "[formats][fast]") {
  for (const char* name : {"fp16", "bf16"}) {
    const Format f = find_format(name);
    const fast::Hardware hw = fast::hardware(f);
    if (!hw.encode) continue;
    CAPTURE(name, hw.name);
    // One binade at each end and one in the middle, plus the fp32 subnormals (DAZ for vcvtneps2bf16).
    fast::SweepResult r = fast::sweep_encode(f, {}, fast::encoder(f, {}), &hw, 0x7f, 0x80, 2);
    r.merge(fast::sweep_encode(f, {}, fast::encoder(f, {}), &hw, 0x100, 0x101, 2));
    r.merge(fast::sweep_encode(f, {}, fast::encoder(f, {}), &hw, 0xff, 0x100, 2));
    CHECK(r.mismatches == 0);
    CHECK(r.hw_mismatches == 0);
    if (hw.daz) CHECK(r.hw_excluded > 0);
  }
}
