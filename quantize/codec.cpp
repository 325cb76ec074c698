// The fp16 helpers of codec.h and the test of every rounding path of Codec against the engine.
#include "numscope/support/bits.h"  // bit_cast (libc++ 14 has no std::bit_cast)
#include "numscope/quantize/codec.h"

#include <cmath>   // std::nextafter
#include <string>  // std::string, std::to_string

#include "numscope/quantize/kernels_avx512.h"
#include "numscope/quantize/quantize.h"

namespace numscope {
namespace detail {

double to_fp16(double v) {  // the stored fp16 scale: round to nearest even, saturating (IEEE 754 binary16)
  static const Codec c(kFp16, Rounding::kNearestEven, true, nullptr);
  bool clip = false;
  return c.round(v, clip);
}
float fp16_bits_to_float(std::uint16_t h) {  // GGML_FP16_TO_FP32, by table
  static const std::vector<float> table = [] {
    const Format& f = kFp16;
    std::vector<float> t(65536);
    for (std::size_t c = 0; c < t.size(); ++c) t[c] = static_cast<float>(decode_double(f, c));
    return t;
  }();
  return table[h];
}
std::uint16_t float_to_fp16_bits(float v) {  // GGML_FP32_TO_FP16: round to nearest even, overflow to inf
  // One value in integer arithmetic (the ggml quantizers store one or two scales a block; the batch kernel's
  // call cost a tenth of a q8_0 analysis). Equal to the fast kernel for every non-NaN fp32 (quantizer_test:
  // all 2^32 in [slow], every exponent and the rounding boundaries otherwise); NaN takes the kernel.
  const std::uint32_t w = bit_cast<std::uint32_t>(v), a = w & 0x7fffffffu;
  const auto sign = static_cast<std::uint16_t>((w >> 16) & 0x8000u);
  if (a <= 0x7f800000u) {
    if (a >= 0x477ff000u) return sign | 0x7c00u;  // |v| >= 65520 = 65504 + half an ulp: inf (a tie goes to even)
    if (a >= 0x38800000u) {                      // normal in fp16 (|v| >= 2^-14): rebias, round at bit 13
      const std::uint32_t m = a - 0x38000000u;
      return static_cast<std::uint16_t>(sign | ((m + 0x0fffu + ((m >> 13) & 1u)) >> 13));
    }
    const std::uint32_t e = a >> 23;  // subnormal in fp16: q = mant · 2^(e - 126) to nearest, ties to even
    if (e < 102) return sign;         // below 2^-25 (a tie at 2^-25 itself goes to 0 below)
    const std::uint32_t mant = (a & 0x7fffffu) | 0x800000u, s = 126 - e, half = 1u << (s - 1);
    const std::uint32_t rem = mant & ((1u << s) - 1), q = mant >> s;
    return static_cast<std::uint16_t>(sign | (q + (rem > half || (rem == half && (q & 1u)) ? 1u : 0u)));
  }
  return float_to_fp16_bits_kernel(v);
}
std::uint16_t float_to_fp16_bits_kernel(float v) {
  // The fast fp32 -> fp16 kernel, bit for bit the engine's encode over all 2^32 inputs (numscope verify).
  static const fast::EncodeFn enc = fast::encoder(kFp16, ConvertOptions{});
  std::uint16_t h;
  if (enc) {
    enc(&v, &h, 1);
    return h;
  }
  static const Format& f = kFp16;
  return static_cast<std::uint16_t>(encode(f, static_cast<double>(v)).code);
}


/// How the fused kernels round the values they leave: Codec::round_clip of this codec.
static Fixup fixup(const Codec& c) {
  return {[](const void* p, double x, unsigned char& clip) {
            return static_cast<const Codec*>(p)->round_clip(x, clip);
          },
          &c};
}
/// The fused AVX-512 kernel of round_sums (inv null: it takes 1/|v| itself); false where there is none or it
/// handed back (a sum not finite).
static bool fused_round_sums(const Codec& c, const double* v, const double* inv, std::uint64_t n, const Affine& s,
                             Lanes& t) {
  const bool grid_ok = c.fast_grid && c.f.has_sign && c.opt.rounding == Rounding::kNearestEven;
  const bool int_ok = c.fast_int && c.opt.rounding == Rounding::kNearestEven;
  return c.isa >= Isa::kAvx512 && n % 8 == 0 && (grid_ok || int_ok) &&
         round_sums_kernel_avx512(int_ok, s.pre, s.post, inv == nullptr)(c.grid, s, v, inv, n, t, fixup(c));
}

void Codec::round_sums(const double* v, const double* inv, double* y, unsigned char* clip, std::uint64_t n,
                       const Affine& s, Lanes& t) const {
  if (fused_round_sums(*this, v, inv, n, s, t)) return;
  round_n(v, y, clip, n, s);
  t.add_error(v, inv, y, clip, n, isa);
}
void Codec::round_sums_inv(const double* v, double* inv, double* y, unsigned char* clip, std::uint64_t n,
                           const Affine& s, Lanes& t) const {
  if (fused_round_sums(*this, v, nullptr, n, s, t)) return;
  reciprocals(v, inv, n, isa);
  round_n(v, y, clip, n, s);
  t.add_error(v, inv, y, clip, n, isa);
}

/// Whether round_blocks may take the block kernels: round to nearest even on a signed float grid, ·b after.
static bool block_kernel_ok(const Codec& c, const BlockScales& s) {
  return c.isa >= Isa::kAvx512 && c.fast_grid && c.f.has_sign && c.opt.rounding == Rounding::kNearestEven &&
         s.bs % 8 == 0 && s.bs > 0 && s.post == ScaleOp::kMul && (s.pre == ScaleOp::kMul || s.pre == ScaleOp::kDiv);
}

void Codec::round_blocks(const double* v, double* out, unsigned char* clip, std::uint64_t n,
                         const BlockScales& s) const {
  const auto round_block = [&](std::uint64_t b, std::uint64_t m) {  // elements [b, b + m) of block b / bs
    const std::uint64_t k = b / s.bs;
    if (s.b[k] == 0) {
      std::fill_n(out + b, m, 0.0);
      std::fill_n(clip + b, m, static_cast<unsigned char>(0));
    } else {
      round_n(v + b, out + b, clip + b, m, Affine{s.pre, s.a[k], s.post, s.b[k]});
    }
  };
  if (!block_kernel_ok(*this, s)) {
    for (std::uint64_t b = 0; b < n; b += s.bs) round_block(b, std::min(s.bs, n - b));
    return;
  }
  const std::uint64_t body = n / 8 * 8;
  if (round_blocks_kernel_avx512(s.pre)(grid, s, v, out, clip, body))
    for (std::uint64_t i = 0; i < body; ++i)  // the lanes the kernel left (out: pre(v)), as round_n redoes them
      if (clip[i] == 2) out[i] = Affine::apply(s.post, round_clip(out[i], clip[i]), s.b[i / s.bs]);
  if (body < n) round_block(body, n - body);  // the last block's last n % 8 (bs is a multiple of 8)
}

void Codec::round_blocks_sums(const double* v, const double* inv, double* y, unsigned char* clip, std::uint64_t n,
                              const BlockScales& s, Lanes& t) const {
  if (n % 8 == 0 && block_kernel_ok(*this, s) &&
      round_blocks_sums_kernel_avx512(s.pre)(
          grid, s, v, inv, n, t,
          fixup(*this)))
    return;
  round_blocks(v, y, clip, n, s);
  t.add_error(v, inv, y, clip, n, isa);
}

}  // namespace detail

using namespace detail;

bool check_element_rounding(const Format& f, Rounding r, std::span<const double> values, std::string* mismatch,
                            bool saturate) {
  Rng rng{1};
  Codec c(f, r, saturate, &rng);
  // Whether `got` (with its clipped flag) is post(engine(pre(v))); names the path and the value on a mismatch.
  auto agrees = [&](const char* path, double v, double got, bool got_clip, const Affine& aff) {
    bool clip = false;
    const double want = Affine::apply(aff.post, c.round_engine(Affine::apply(aff.pre, v, aff.a), clip), aff.b);
    if (bit_cast<std::uint64_t>(got) == bit_cast<std::uint64_t>(want) && got_clip == clip) return true;
    if (mismatch) *mismatch = std::string(f.name) + path + std::to_string(v);
    return false;
  };
  // round_n over a list, in place as the quantizers call it, against the engine value by value.
  auto kernels_agree = [&](const char* path, std::span<const double> part, const Affine& aff) {
    std::vector<double> out(part.begin(), part.end());
    std::vector<unsigned char> clip(part.size());
    c.round_n(out.data(), out.data(), clip.data(), part.size(), aff);
    for (std::size_t i = 0; i < part.size(); ++i)
      if (!agrees(path, part[i], out[i], clip[i] != 0, aff)) return false;
    return true;
  };
  for (double v : values) {
    bool clip = false;
    const double got = c.round(v, clip);
    if (!agrees(" ", v, got, clip, {})) return false;
  }
  // The vector kernels, SSE2, AVX2 and AVX-512 where the CPU has them, on the whole list, starting at every
  // offset mod 8 so that each value passes through every vector lane and through the scalar tail.
  std::vector<Isa> isas = {Isa::kPortable};
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512})
    if (kernel_isa() >= isa) isas.push_back(isa);
  for (Isa isa : isas)
    for (std::size_t off = 0; off < 8; ++off) {
      c.isa = isa;
      if (off < values.size() && !kernels_agree(" (vector kernels) ", values.subspan(off), {})) return false;
    }
  // The scalings fused into the kernels: post(round(pre(v))) against the engine on pre(v), then post.
  const double scale = 0.7;  // not a power of two: every multiplication and division rounds
  for (const Affine& aff : {Affine{ScaleOp::kMul, scale, ScaleOp::kDiv, scale},
                            Affine{ScaleOp::kDiv, scale, ScaleOp::kMul, scale},
                            Affine{ScaleOp::kMul, 0.25, ScaleOp::kMul, 4.0}, Affine{ScaleOp::kDiv, scale}})
    for (Isa isa : isas) {
      c.isa = isa;
      if (!kernels_agree(" (scaled vector kernels) ", values, aff)) return false;
    }
  // Division by a scale: the AVX-512 kernels first try x·(1/s) and divide only near a rounding boundary, so
  // the values are also taken times the scale and their neighbours, which puts x/s on and beside the ties
  // (exactly on them for 0.75, whose products with the grid's midpoints are exact).
  for (double sc : {0.7, 0.75}) {
    std::vector<double> near;
    for (double v : values) {
      const double w = v * sc;
      for (double d : {w, std::nextafter(w, -1e300), std::nextafter(w, 1e300),
                       std::nextafter(std::nextafter(w, -1e300), -1e300), std::nextafter(std::nextafter(w, 1e300), 1e300)})
        near.push_back(d);
    }
    for (Isa isa : isas) {
      c.isa = isa;
      if (!kernels_agree(" (divided vector kernels) ", near, Affine{ScaleOp::kDiv, sc, ScaleOp::kMul, sc}))
        return false;
    }
  }
  // The fp32 batch path (fast kernels), on the values that are fp32 values.
  std::vector<double> x32;
  for (double v : values)
    if (static_cast<double>(static_cast<float>(v)) == v) x32.push_back(v);
  std::vector<double> y(x32.size());
  std::vector<unsigned char> clip(x32.size());
  if (c.round_fp32(x32.data(), y.data(), clip.data(), x32.size()))
    for (std::size_t i = 0; i < x32.size(); ++i)
      if (!agrees(" (fp32 kernels) ", x32[i], y[i], clip[i] != 0, {})) return false;
  return true;
}


}  // namespace numscope
