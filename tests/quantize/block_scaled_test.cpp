// The block-scaled segment rounding (Codec::round_blocks, the AVX-512 block kernels, NVFP4's batched E4M3
// block scales, MX's scale exponent from the bits) against the format engine, element by element and block by
// block.
#include "numscope/quantize/families/block_scaled.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "numscope/formats/engine.h"
#include "numscope/io/tensor_source.h"
#include "numscope/quantize/codec.h"
#include "numscope/quantize/quantize.h"
#include "numscope/support/bits.h"

using namespace numscope;
using namespace numscope::detail;

namespace {

std::uint64_t bits(double v) { return bit_cast<std::uint64_t>(v); }

/// Lanes::same_bits, except that any NaN equals any NaN: a segment holding NaN (which the driver masks before
/// a scheme sees it) has NaN sums whose sign differs between the SSE2 and AVX2 loops of add_error in some
/// builds.
bool same_sums(const Lanes& a, const Lanes& b) {
  auto same = [](const double(&p)[8], const double(&q)[8]) {
    for (int l = 0; l < 8; ++l)
      if (bits(p[l]) != bits(q[l]) && !(std::isnan(p[l]) && std::isnan(q[l]))) return false;
    return true;
  };
  return same(a.x2, b.x2) && same(a.y2, b.y2) && same(a.xy, b.xy) && same(a.e2, b.e2) && same(a.rel, b.rel) &&
         same(a.emax, b.emax) && Lanes::count(a.rel_n) == Lanes::count(b.rel_n) &&
         Lanes::count(a.under) == Lanes::count(b.under) &&
         Lanes::count(a.nonfinite) == Lanes::count(b.nonfinite) &&
         Lanes::count(a.bad) == Lanes::count(b.bad) && a.clipped == b.clipped;
}

/// The instruction sets this CPU runs.
std::vector<Isa> isas() {
  std::vector<Isa> v;
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512})
    if (isa_supported(isa)) v.push_back(isa);
  return v;
}

/// A segment of blocks with their scalings and values: the test cases of the block kernels.
struct Blocks {
  std::uint64_t bs;
  ScaleOp pre;
  std::vector<double> x, a, b, inv;
  BlockScales scales() const { return {bs, pre, ScaleOp::kMul, a.data(), b.data(), inv.data()}; }
};

/// The positive values of the element format and the midpoints between neighbours (the rounding ties), with
/// the tie above the largest value: where x / s must land for the reciprocal shortcut to be tested.
std::vector<double> grid_points(const Codec& c) {
  std::vector<double> v;
  for (double g : *c.table)
    if (g > 0 && g <= c.max_finite) v.push_back(g);
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  std::vector<double> out = {0.0, v[0] / 2};
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.push_back(v[i]);
    out.push_back(i + 1 < v.size() ? (v[i] + v[i + 1]) / 2 : v[i] + (v[i] - v[i - 1]) / 2);
  }
  return out;
}

/// n values in blocks of bs: zero blocks (scale 0, with zeros and with values), NVFP4-like scales (an E4M3
/// value times an fp32 s2), the smallest ones (2^-9·s2), scales whose reciprocal is not normal (they divide),
/// a block forced to divide (inv 0), scales of 53 significant bits, values on the ties and next to them,
/// beyond the largest value, NaN and inf.
Blocks make_blocks(const Codec& c, std::uint64_t n, std::uint64_t bs, ScaleOp pre, std::uint64_t seed) {
  Blocks k{bs, pre, std::vector<double>(n), {}, {}, {}};
  Rng rng{seed};
  auto uniform = [&] { return double(rng.next() >> 11) * 0x1p-53; };
  const std::vector<double> ties = grid_points(c);
  const std::uint64_t nb = (n + bs - 1) / bs;
  for (std::uint64_t j = 0; j < nb; ++j) {
    const int kind = static_cast<int>(j % 8);
    double s = std::ldexp(1.0 + double(rng.next() % 8) / 8, int(rng.next() % 40) - 20) * 0.0123f;
    if (kind == 2) s = 0x1p-9 * std::ldexp(1.0f, -120);  // the smallest E4M3 scale of a tiny s2
    if (kind == 3) s = std::ldexp(1.5, -1010);           // a reciprocal that overflows: x / s divides
    if (kind == 4) s = 448.0 * 3.4e38f;                  // a saturated E4M3 scale of a huge s2
    if (kind == 7) s = 0.1 * (1 + uniform());            // 53 significant bits: no exact midpoint·s
    if (kind == 0) s = 0;
    if (pre == ScaleOp::kMul && kind != 0) s = std::ldexp(1.0, int(rng.next() % 254) - 127);  // MX: 2^-e
    k.a.push_back(s);
    k.b.push_back(pre == ScaleOp::kMul && s != 0 ? 1 / s : s);
    k.inv.push_back(kind == 5 ? 0.0 : block_reciprocal(s));
    const double unit = s != 0 ? (pre == ScaleOp::kMul ? 1 / s : s) : 1.0;  // x = t·unit gives x / s = t
    for (std::uint64_t i = j * bs; i < std::min(n, (j + 1) * bs); ++i) {
      const std::uint64_t r = rng.next() % 16;
      double t = (uniform() * 2 - 1) * c.max_finite * 1.2;
      if (r < 6) {
        t = ties[rng.next() % ties.size()] * ((rng.next() & 1) ? -1 : 1);
        double x = t * unit;
        if (r == 1) x = std::nextafter(x, 1e300);
        if (r == 2) x = std::nextafter(x, -1e300);
        k.x[i] = x;
        continue;
      }
      if (r == 6) t = 0.0;
      if (r == 7) t = -0.0;
      if (r == 8) t *= 1e3;  // far beyond the largest value
      k.x[i] = t * unit;
      if (r == 9 && kind == 6)
        k.x[i] = (rng.next() & 1) ? std::numeric_limits<double>::quiet_NaN() : -INFINITY;
      if (kind == 0 && j % 16 == 0) k.x[i] = 0.0;  // an all-zero block
    }
  }
  return k;
}

/// The engine's result for element i: post(engine(pre(x))) with its block's scaling, +0 in a zero block.
double engine_value(const Codec& c, const Blocks& k, std::uint64_t i, unsigned char& clip) {
  const std::uint64_t j = i / k.bs;
  clip = 0;
  if (k.b[j] == 0) return 0.0;
  bool clipped = false;
  const double r = c.round_engine(Affine::apply(k.pre, k.x[i], k.a[j]), clipped);
  clip = clipped;
  return r * k.b[j];
}

void check_blocks(const Codec& proto, std::uint64_t bs, ScaleOp pre) {
  // Each segment also without its NaN and inf (set to 0, as the driver masks them): NaN in x makes every
  // lane's sums NaN, which would hide a wrong sum.
  for (std::uint64_t n : {8, 16, 20, 28, 37, 64, 100, 333, 1000, 4096})
    for (bool finite : {false, true}) {
      Blocks k = make_blocks(proto, n, bs, pre, n * 7 + bs);
      if (finite)
        for (double& v : k.x) v = std::isfinite(v) ? v : 0.0;
      std::vector<double> want(n), inv(n);
      std::vector<unsigned char> want_clip(n);
      for (std::uint64_t i = 0; i < n; ++i) {
        want[i] = engine_value(proto, k, i, want_clip[i]);
        inv[i] = k.x[i] != 0 ? 1 / std::fabs(k.x[i]) : 0.0;
      }
      Lanes want_sums;
      want_sums.add_error(k.x.data(), inv.data(), want.data(), want_clip.data(), n, Isa::kPortable);
      for (Isa isa : isas()) {
        Codec c = proto;
        c.isa = isa;
        std::vector<double> y(n, 7.0);
        std::vector<unsigned char> clip(n, 9);
        c.round_blocks(k.x.data(), y.data(), clip.data(), n, k.scales());
        for (std::uint64_t i = 0; i < n; ++i) {
          INFO(c.f.name << " bs " << bs << " n " << n << " isa " << isa_name(isa) << " i " << i << " x "
                        << k.x[i] << " block scale " << k.a[i / bs]);
          REQUIRE(bits(y[i]) == bits(want[i]));
          REQUIRE(clip[i] == want_clip[i]);
        }
        // The error sums, fused where there is a fused kernel: add_error's bits on the engine's values.
        Lanes sums;
        c.round_blocks_sums(k.x.data(), inv.data(), y.data(), clip.data(), n, k.scales(), sums);
        INFO(c.f.name << " bs " << bs << " n " << n << " isa " << isa_name(isa));
        CHECK(same_sums(sums, want_sums));
      }
    }
}

}  // namespace

TEST_CASE("block-scaled rounding: round_blocks and its fused sums equal the engine block by block",
          "[quantize][blocks]") {
  for (const char* name : {"nvfp4", "mxfp4", "mxfp6", "mxfp6-e3m2", "mxfp8", "mxfp8-e5m2"}) {
    const Scheme s = parse_scheme(name);
    const Codec c(s.element, Rounding::kNearestEven, true, nullptr);
    check_blocks(c, 16, ScaleOp::kDiv);
    check_blocks(c, 32, ScaleOp::kDiv);
    check_blocks(c, 16, ScaleOp::kMul);
    check_blocks(c, 32, ScaleOp::kMul);
  }
}

TEST_CASE("NVFP4 block scales: nvfp4_block_scales equals the engine's E4M3 scale times s2",
          "[quantize][nvfp4]") {
  const Codec e4m3(kE4m3, Rounding::kNearestEven, true, nullptr);
  for (double s2 : {1.0, double(0.0123f), double(std::ldexp(1.0f, -149)), double(3.4e38f)}) {
    // Block amaxes that put amax / (6·s2) on every E4M3 value, the ties between them and their neighbours,
    // into the subnormal scales and below 2^-9 (the floor), beyond 448 (saturated), and 0, inf, NaN.
    std::vector<double> amax = {0.0, INFINITY, std::numeric_limits<double>::quiet_NaN(), 1e-300};
    std::vector<double> e4m3_values;
    for (int c = 0; c <= 126; ++c) e4m3_values.push_back(decode_double(kE4m3, static_cast<std::uint64_t>(c)));
    for (std::size_t i = 0; i + 1 < e4m3_values.size(); ++i) {
      const double mid = (e4m3_values[i] + e4m3_values[i + 1]) / 2;
      for (double v :
           {e4m3_values[i], mid, std::nextafter(mid, 0.0), std::nextafter(mid, 1e9), mid / 7, 470.0})
        amax.push_back(v * 6 * s2);
    }
    const std::size_t n = amax.size();
    for (Isa isa : {Isa::kPortable, Isa::kAvx512}) {
      if (!isa_supported(isa)) continue;
      std::vector<double> a(n), b(n), inv(n);
      nvfp4_block_scales(amax.data(), n, static_cast<double>(static_cast<float>(s2)), 6.0, a.data(), b.data(),
                         inv.data(), isa);
      for (std::size_t k = 0; k < n; ++k) {
        INFO("s2 " << s2 << " amax " << amax[k] << " isa " << isa_name(isa));
        const double v = amax[k] / (6 * s2);
        bool clipped = false;
        // The engine saturates inf to 448 and keeps NaN; the block scale of a NaN amax is 448 (e4m3_scale).
        double bs = std::isnan(v) ? 448.0 : e4m3.round_engine(v, clipped);
        if (amax[k] > 0 && bs == 0) bs = 0x1p-9;
        const double scale = bs * s2 > 0 ? bs * s2 : 0.0;
        CHECK(bits(a[k]) == bits(scale));
        CHECK(bits(b[k]) == bits(scale));
        const double m = std::fabs(scale);
        CHECK(bits(inv[k]) == bits(m >= 0x1p-1000 && m <= 0x1p1000 ? 1 / scale : 0.0));
      }
    }
  }
}

TEST_CASE("MX scale exponent from the bits equals mx_scale_exponent", "[quantize][mx]") {
  std::vector<double> amax = {0.0,
                              0x1p-1074,
                              0x1p-1070,
                              0x1.fffffffffffffp-1023,
                              0x1p-1022,
                              1e-300,
                              1.0,
                              6.0,
                              7.99,
                              8.0,
                              448.0,
                              1e300,
                              std::numeric_limits<double>::max(),
                              INFINITY,
                              std::numeric_limits<double>::quiet_NaN()};
  amax.push_back(
      std::numeric_limits<double>::quiet_NaN());  // NaN again, away from inf (which goes one by one)
  for (int e = -1074; e <= 1023; e += 3)
    for (double m : {1.0, 1.5, 1.875, 1.9999999999999998})
      for (double v :
           {std::ldexp(m, e), std::nextafter(std::ldexp(m, e), 0.0), std::nextafter(std::ldexp(m, e), 1e308)})
        amax.push_back(v);
  for (const char* name : {"mxfp4", "mxfp6", "mxfp6-e3m2", "mxfp8", "mxfp8-e5m2", "mxint8"}) {
    const Scheme s = parse_scheme(name);
    const bool is_int = s.element.kind == Kind::kInt;
    const int emax_elem = is_int ? 0 : emax(s.element);
    const double max_elem = is_int ? 127.0 / 64.0 : decode_double(s.element, max_finite_code(s.element));
    for (MxScaleRule rule : {MxScaleRule::kFloor, MxScaleRule::kCeil})
      for (double v : amax) {
        INFO(name << " amax " << v << " ceil " << (rule == MxScaleRule::kCeil));
        CHECK(mx_scale_exponent_bits(v, emax_elem, max_elem, rule) ==
              mx_scale_exponent(v, emax_elem, max_elem, rule));
      }
    // The batched scalings 2^-e and 2^e, eight blocks at a time (stopping before an infinite amax or an
    // underflowing ratio), against mx_scale_exponent, from every offset so that each value meets every lane.
    for (MxScaleRule rule : {MxScaleRule::kFloor, MxScaleRule::kCeil})
      for (Isa isa : isas())
        for (std::size_t off = 0; off < 8; ++off) {
          const std::size_t n = amax.size() - off;
          std::vector<double> a(n), b(n);
          mx_block_scales(amax.data() + off, n, emax_elem, max_elem, rule, a.data(), b.data(), isa);
          for (std::size_t k = 0; k < n; ++k) {
            const double v = amax[off + k];
            INFO(name << " amax " << v << " ceil " << (rule == MxScaleRule::kCeil) << " isa "
                      << isa_name(isa));
            const int e = mx_scale_exponent(v, emax_elem, max_elem, rule);
            REQUIRE(bits(a[k]) == bits(std::ldexp(1.0, -e)));
            REQUIRE(bits(b[k]) == bits(std::ldexp(1.0, e)));
          }
        }
  }
}

namespace {

/// NVFP4 and OCP MX written from their definitions with the engine for every rounding (no kernel, no fast
/// path): NVFP4 s2 = fp32(amax / (6·448)), block scale E4M3(block amax / (6·s2)) (at least 2^-9 for a nonzero
/// block), elements E2M1(x / (scale·s2)); MX X = 2^clamp(floor(log2 block amax) - emax_elem, -127, 127) (OCP
/// MX v1.0 §6.3), elements element(x / X), saturating. NaN / inf inputs are 0 (the driver masks them).
std::vector<double> reference(const Scheme& s, std::vector<double> x, std::uint64_t rows, std::uint64_t cols,
                              std::uint64_t& clipped) {
  const bool nv = s.family == SchemeFamily::kNvfp4;
  const std::uint64_t bs = nv ? 16 : 32;
  const Codec elem(s.element, Rounding::kNearestEven, true, nullptr);
  const Codec e4m3(kE4m3, Rounding::kNearestEven, true, nullptr);
  double amax = 0;
  for (double& v : x) {
    if (!std::isfinite(v)) v = 0;
    amax = std::max(amax, std::fabs(v));
  }
  float s2 = static_cast<float>(amax / (6.0 * 448.0));
  if (!(s2 > 0) || !std::isfinite(s2)) s2 = 1;
  const double max_elem = decode_double(s.element, max_finite_code(s.element));
  const int emax_elem = std::ilogb(max_elem);
  std::vector<double> y(x.size());
  clipped = 0;
  for (std::uint64_t r = 0; r < rows; ++r)
    for (std::uint64_t b = 0; b < cols; b += bs) {
      const std::uint64_t first = r * cols + b, end = r * cols + std::min(cols, b + bs);
      double bamax = 0;
      for (std::uint64_t i = first; i < end; ++i) bamax = std::max(bamax, std::fabs(x[i]));
      bool c = false;
      double scale;
      if (nv) {
        double sc = e4m3.round_engine(bamax / (6.0 * s2), c);
        if (bamax > 0 && sc == 0) sc = 0x1p-9;
        scale = sc * s2;
      } else {
        // floor: 2^(floor(log2 amax) - emax_elem); ceil: 2^ceil(log2(amax / max_elem)) (ilogb, plus 1 off a
        // power of two); clamped to E8M0's 2^-127 ... 2^127, 2^-127 for an all-zero block.
        const double r = bamax / max_elem;
        int e = -127;
        if (bamax > 0 && s.mx_rule == MxScaleRule::kFloor) e = std::ilogb(bamax) - emax_elem;
        if (bamax > 0 && s.mx_rule == MxScaleRule::kCeil)  // r == 0: mx_scale_exponent's frexp(0), exponent 0
          e = r == 0 ? 0 : std::ilogb(r) + (r != std::ldexp(1.0, std::ilogb(r)));
        scale = std::ldexp(1.0, std::clamp(e, -127, 127));
      }
      for (std::uint64_t i = first; i < end; ++i) {
        if (scale == 0) continue;  // y = 0
        y[i] = elem.round_engine(x[i] / scale, c) * scale;
        clipped += c;
      }
    }
  return y;
}

}  // namespace

TEST_CASE("NVFP4 and MX end to end against the engine: zero, tiny, saturated, non-finite and short blocks",
          "[quantize][blocks]") {
  Rng rng{2024};
  auto uniform = [&] { return double(rng.next() >> 11) * 0x1p-53; };
  for (std::uint64_t cols : {100, 4096 + 24, 37}) {
    const std::uint64_t rows = 5;
    std::vector<double> x(rows * cols);
    for (auto& v : x) v = static_cast<float>((uniform() - 0.5) * std::ldexp(1.0, int(rng.next() % 16) - 8));
    for (std::uint64_t i = 0; i < std::min<std::uint64_t>(cols, 64); ++i) x[i] = 0.0;  // all-zero blocks
    x[cols] = 3e4;  // the tensor's amax: the other blocks' scales shrink
    for (std::uint64_t i = cols + 32; i < cols + 64 && i < 2 * cols; ++i)
      x[i] = 1e-7 * (i % 3);  // scale 2^-9
    for (std::uint64_t i = cols + 16; i < cols + 32 && i < 2 * cols; ++i)
      x[i] = (i % 2 ? -3e4 : 2.9e4);  // 448
    x[2 * cols + 5] = std::numeric_limits<double>::quiet_NaN();
    x[2 * cols + 9] = -INFINITY;
    x[rows * cols - 1] = -0.0;
    const MemorySource src(x, rows, cols);
    for (const char* name : {"nvfp4", "mxfp4", "mxfp6", "mxfp6-e3m2", "mxfp8", "mxfp8-e5m2", "mxfp4-ceil",
                             "mxfp6-e3m2-ceil", "mxfp8-ceil"}) {
      const Scheme s = parse_scheme(name);
      std::uint64_t want_clipped = 0;
      const std::vector<double> want = reference(s, x, rows, cols, want_clipped);
      for (Isa isa : isas()) {
        cap_kernel_isa(isa);
        QuantizeOptions o;
        o.ignore_nonfinite = true;
        const TensorStats st = tensor_stats(src, 1);
        std::vector<double> y;
        o.dequantized = [&](const double* p, std::uint64_t n) { y.insert(y.end(), p, p + n); };
        const SchemeResult got = quantize_tensor(s, src, st, o);
        QuantizeOptions fused;  // the error sums in the block kernel's loop
        fused.ignore_nonfinite = true;
        const SchemeResult f = quantize_tensor(s, src, st, fused);
        INFO(name << " cols " << cols << " isa " << isa_name(isa));
        REQUIRE(y.size() == want.size());
        for (std::size_t i = 0; i < y.size(); ++i) {
          INFO("element " << i << " x " << x[i]);
          REQUIRE(bits(y[i]) == bits(want[i]));
        }
        CHECK(got.metrics.clipped == want_clipped);
        CHECK(bits(f.metrics.sum_err2) == bits(got.metrics.sum_err2));
        CHECK(bits(f.metrics.sum_rel) == bits(got.metrics.sum_rel));
        CHECK(f.metrics.clipped == got.metrics.clipped);
        CHECK(f.metrics.underflow == got.metrics.underflow);
      }
      cap_kernel_isa(std::nullopt);
    }
  }
}
