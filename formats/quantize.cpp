// The quantizers of every scheme family, the chunked driver, the error metrics (Eigen) and the recommendation.
//
// Element rounding goes through the format engine (engine.h encode / decode_double), with a decode table per
// element format. The ggml and bitsandbytes quantizers follow their reference code step by step in fp32; this
// file is compiled with -ffp-contract=off so that x*id + 8.5f is not fused (ggml-quants.c is built that way for
// its reference outputs).
#include "formats/quantize.h"

#include <Eigen/Core>  // Eigen::Map, Eigen::ArrayXd
#include <algorithm>   // std::max, std::min, std::lower_bound
#include <array>       // std::array
#include <bit>         // std::bit_cast
#include <cmath>       // std::fabs, std::ldexp, std::frexp, std::log10, std::sqrt, std::isfinite
#include <cstdio>      // std::snprintf
#include <cstring>     // std::memcpy
#include <limits>      // std::numeric_limits
#include <ostream>     // std::ostream
#include <sstream>     // std::ostringstream

#include "formats/error.h"
#include "formats/fast_convert.h"
#include "formats/registry.h"

namespace numscope {
namespace {

/// An element format with its rounding options, rounding through the engine. Fast paths, checked against the
/// engine in tests (round_element): narrow signed floats with round-to-nearest-even and saturation search a
/// sorted table of the format's values (ties to the even code), integers use nearbyint / round / trunc, which are
/// exact in double. Anything else, and values beyond the largest finite one, go through encode().
struct Codec {
  Format f;
  ConvertOptions opt;
  std::vector<double> table;  // decode_double of every code, for formats of at most 16 bits
  double max_finite = 0, min_int = 0;
  std::vector<double> pos;              // fast float path: the non-negative finite values, ascending
  std::vector<std::uint32_t> pos_code;  // ... and their codes
  bool fast_float = false, fast_int = false;
  fast::EncodeFn fast_encode = nullptr;  // fp32 -> f and back through the fast kernels (fast_convert.h), for
  fast::DecodeFn fast_decode = nullptr;  // rows whose values are all fp32 values

  Codec(const Format& fmt, Rounding r, bool saturate, Rng* rng) : f(fmt) {
    opt.rounding = r;
    opt.saturate = saturate;
    opt.rng = rng;
    if (bits(f) <= 16) {
      table.resize(std::size_t{1} << bits(f));
      for (std::size_t c = 0; c < table.size(); ++c) table[c] = decode_double(f, c);
    }
    max_finite = f.kind == Kind::kInt ? double(int_max(f)) : decode_double(f, max_finite_code(f));
    fast_encode = fast::encoder(f, opt);
    fast_decode = fast_encode ? fast::decoder(f, opt) : nullptr;
    if (f.kind == Kind::kInt) {
      min_int = double(int_min(f));
      fast_int = bits(f) <= 53 && saturate &&
                 (r == Rounding::kNearestEven || r == Rounding::kNearestAway || r == Rounding::kTowardZero);
    } else if (bits(f) <= 8 && f.has_sign && has_negative_zero(f) && saturate && r == Rounding::kNearestEven) {
      for (std::uint32_t c = 0; c <= static_cast<std::uint32_t>(max_finite_code(f)); ++c) {
        const Decoded d = decode(f, c);
        if (d.cls == ValueClass::kNan || d.cls == ValueClass::kInf || d.neg) continue;
        pos.push_back(table[c]);
        pos_code.push_back(c);
      }
      fast_float = std::is_sorted(pos.begin(), pos.end());
    }
  }
  /// Rounds v into the format and back; `clipped` is set when the value saturated or overflowed.
  double round(double v, bool& clipped) const {
    if (fast_int && std::isfinite(v)) {
      double q = opt.rounding == Rounding::kNearestEven ? std::nearbyint(v)
                 : opt.rounding == Rounding::kNearestAway ? std::round(v)
                                                          : std::trunc(v);
      clipped = q > max_finite || q < min_int;
      q = std::clamp(q, min_int, max_finite);
      return q == 0 ? 0.0 : q;  // the engine's integers have no -0
    }
    if (fast_float && std::fabs(v) <= max_finite) {
      const double a = std::fabs(v);
      const std::size_t hi = static_cast<std::size_t>(std::lower_bound(pos.begin(), pos.end(), a) - pos.begin());
      std::size_t k = hi;
      if (pos[hi] != a) {  // between pos[hi-1] and pos[hi] (a <= max, so hi is valid; a >= 0 = pos[0])
        const double below = a - pos[hi - 1], above = pos[hi] - a;
        k = below < above ? hi - 1 : above < below ? hi : ((pos_code[hi - 1] & 1) == 0 ? hi - 1 : hi);
      }
      clipped = false;
      return std::copysign(pos[k], v);
    }
    const Encoded e = encode(f, v, opt);
    clipped = (e.status & (kSaturated | kOverflow)) != 0;
    return table.empty() ? decode_double(f, e.code) : table[static_cast<std::size_t>(e.code)];
  }
  /// Rounds n values into the format and back through the fast fp32 kernels, bit for bit as round(); false
  /// (nothing written) when there is no kernel or a value is not an fp32 value. Tensors stored as fp32, fp16,
  /// bf16 or fp8 always hold fp32 values. `clipped` needs the engine only for values beyond the largest finite
  /// one (nothing at or below it can round past it).
  bool round_fp32(const double* x, double* y, unsigned char* clip, std::uint64_t n) const {
    if (!fast_encode || !fast_decode) return false;
    for (std::uint64_t i = 0; i < n; ++i)
      if (static_cast<double>(static_cast<float>(x[i])) != x[i]) return false;
    constexpr std::uint64_t kBlock = 4096;
    float xf[kBlock], yf[kBlock];
    alignas(16) unsigned char codes[kBlock * 4];
    for (std::uint64_t b = 0; b < n; b += kBlock) {
      const std::uint64_t m = std::min(kBlock, n - b);
      for (std::uint64_t i = 0; i < m; ++i) xf[i] = static_cast<float>(x[b + i]);
      fast_encode(xf, codes, m);
      fast_decode(codes, yf, m);
      for (std::uint64_t i = 0; i < m; ++i) {
        y[b + i] = static_cast<double>(yf[i]);
        clip[b + i] = std::fabs(x[b + i]) > max_finite &&
                      (encode(f, x[b + i], opt).status & (kSaturated | kOverflow)) != 0;
      }
    }
    return true;
  }
  /// The engine alone, for the tests of the fast paths.
  double round_engine(double v, bool& clipped) const {
    const Encoded e = encode(f, v, opt);
    clipped = (e.status & (kSaturated | kOverflow)) != 0;
    return table.empty() ? decode_double(f, e.code) : table[static_cast<std::size_t>(e.code)];
  }
};

double to_fp16(double v) {  // the stored fp16 scale: round to nearest even, saturating (IEEE 754 binary16)
  static const Codec c(find_format("fp16"), Rounding::kNearestEven, true, nullptr);
  bool clip = false;
  return c.round(v, clip);
}
float fp16_bits_to_float(std::uint16_t h) {
  static const Format f = find_format("fp16");
  return static_cast<float>(decode_double(f, h));
}
std::uint16_t float_to_fp16_bits(float v) {  // GGML_FP32_TO_FP16: round to nearest even
  static const Format f = find_format("fp16");
  return static_cast<std::uint16_t>(encode(f, static_cast<double>(v)).code);
}

/// A sorted code table with its fp32 midpoints (bitsandbytes compares against midpoints, ties to the lower).
struct CodeBook {
  std::vector<float> codes, mids;
  explicit CodeBook(std::span<const float> c) : codes(c.begin(), c.end()) {
    for (std::size_t i = 0; i + 1 < codes.size(); ++i) mids.push_back((codes[i] + codes[i + 1]) / 2.0f);
  }
  int nearest(float x) const {  // the number of midpoints strictly below x
    return static_cast<int>(std::lower_bound(mids.begin(), mids.end(), x) - mids.begin());
  }
};

// bitsandbytes functional.py: the NF4 values (also kernels.cu dDequantizeNF4).
constexpr std::array<float, 16> kNf4 = {
    -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
    -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
    0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
    0.7229568362236023f, 1.0f};
// bitsandbytes FP4 (kernels.cu dDequantizeFP4Tree): bit 3 is the sign, magnitudes {0,0.0625,8,12,4,6,2,3}/12.
constexpr std::array<float, 8> kFp4Mag = {0.0f, 0.0625f / 12, 8.0f / 12, 12.0f / 12,
                                          4.0f / 12, 6.0f / 12, 2.0f / 12, 3.0f / 12};
std::array<float, 16> make_fp4() {
  std::array<float, 16> t{};
  for (int i = 0; i < 8; ++i) {
    t[i] = kFp4Mag[i];
    t[i + 8] = -kFp4Mag[i];
  }
  return t;
}
const std::array<float, 16> kFp4 = make_fp4();

// bitsandbytes functional.create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8): for i in 0..6,
// 2^i means of linspace(0.1, 1, 2^i + 1) scaled by 10^(i-6), both signs, plus 0 and 1; sorted.
std::vector<float> make_dynamic_map() {
  std::vector<float> data;
  for (int i = 0; i < 7; ++i) {
    const int items = (1 << i) + 1;
    for (int k = 0; k + 1 < items; ++k) {
      const float a = 0.1f + float(k) * (0.9f / float(items - 1));
      const float b = 0.1f + float(k + 1) * (0.9f / float(items - 1));
      const float mean = (a + b) / 2.0f;
      const float v = static_cast<float>(std::pow(10.0, i - 6) * mean);
      data.push_back(v);
      data.push_back(-v);
    }
  }
  data.push_back(0.0f);
  data.push_back(1.0f);
  std::sort(data.begin(), data.end());
  return data;
}

/// Per-tensor state shared by all rows of one run.
struct Ctx {
  double amax = 0, min = 0, max = 0;
  std::vector<float> dq_absmax;  // nf4-dq: the dequantized absmax of each block, row-major
  std::uint64_t blocks_per_row = 0;
  Rng rng{0x6e756d73636f7065ULL};
};

double block_amax(const double* x, std::uint64_t n) {
  double a = 0;
  for (std::uint64_t i = 0; i < n; ++i) a = std::max(a, std::fabs(x[i]));
  return a;
}

// ---- ggml (llama.cpp ggml-quants.c) ------------------------------------------------------------------------

/// quantize_row_q8_0_ref, one block: amax, d = amax/127, id = 1/d, qs = roundf(x*id), d stored as fp16.
void q8_0_block(const float* x, unsigned char* out, unsigned char* clip) {
  static const Codec i8(find_format("int8"), Rounding::kNearestAway, true, nullptr);  // C roundf
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / ((1 << 7) - 1);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  const std::uint16_t h = float_to_fp16_bits(d);
  out[0] = static_cast<unsigned char>(h & 0xff);
  out[1] = static_cast<unsigned char>(h >> 8);
  for (int j = 0; j < 32; ++j) {
    const float x0 = x[j] * id;
    bool c = false;
    const double q = i8.round(static_cast<double>(x0), c);
    out[2 + j] = static_cast<unsigned char>(static_cast<signed char>(q));
    if (clip) clip[j] = c;
  }
}

/// quantize_row_q4_0_ref, one block: max = the signed element of largest |x| (first), d = max/-8, id = 1/d,
/// q = min(15, (int8)(x*id + 8.5f)); qs[j] = q[j] | q[j+16] << 4.
void q4_0_block(const float* x, unsigned char* out, unsigned char* clip) {
  static const Codec trunc8(find_format("int8"), Rounding::kTowardZero, true, nullptr);  // C (int8_t) cast
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < 32; ++j) {
    const float v = x[j];
    if (amax < std::fabs(v)) {
      amax = std::fabs(v);
      max = v;
    }
  }
  const float d = max / -8;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  const std::uint16_t h = float_to_fp16_bits(d);
  out[0] = static_cast<unsigned char>(h & 0xff);
  out[1] = static_cast<unsigned char>(h >> 8);
  unsigned char q[32];
  for (int j = 0; j < 32; ++j) {
    const float x0 = x[j] * id;
    const float shifted = x0 + 8.5f;
    bool c = false;
    const int t = static_cast<int>(trunc8.round(static_cast<double>(shifted), c));
    q[j] = static_cast<unsigned char>(std::min(15, t));
    if (clip) clip[j] = t > 15;
  }
  for (int j = 0; j < 16; ++j) out[2 + j] = static_cast<unsigned char>(q[j] | (q[j + 16] << 4));
}

// ---- One row of any scheme ---------------------------------------------------------------------------------

class RowQuantizer {
 public:
  RowQuantizer(const Scheme& s, Ctx& ctx)
      : s_(s), ctx_(ctx), elem_(make_elem(s, ctx)), wide_(find_format("int32"), s.rounding, true, &ctx.rng) {}

  void run(const double* x, double* y, unsigned char* clip, std::uint64_t cols, std::uint64_t row,
           std::ostream* blocks) {
    switch (s_.family) {
      case SchemeFamily::kCast:
        if (elem_.round_fp32(x, y, clip, cols)) return;
        for (std::uint64_t i = 0; i < cols; ++i) y[i] = elem_round(x[i], clip[i]);
        return;
      case SchemeFamily::kScaled: return scaled(x, y, clip, cols);
      case SchemeFamily::kInt: return integer(x, y, clip, cols);
      case SchemeFamily::kMx: return mx(x, y, clip, cols);
      case SchemeFamily::kNvfp4: return nvfp4(x, y, clip, cols);
      case SchemeFamily::kNf4:
      case SchemeFamily::kBnbFp4: return bnb4(x, y, clip, cols, row);
      case SchemeFamily::kQ8_0:
      case SchemeFamily::kQ4_0: return ggml(x, y, clip, cols, blocks);
    }
  }

 private:
  static Codec make_elem(const Scheme& s, Ctx& ctx) {
    // Casts keep the format's own overflow rule where it has inf (fp16 overflow gives inf, reported); every
    // scaled / block element saturates (OCP MX v1.0 §6.3, FP8 recipes).
    const bool saturate = s.family != SchemeFamily::kCast || !has_inf(s.element);
    return Codec(s.element, s.rounding, saturate, &ctx.rng);
  }
  double elem_round(double v, unsigned char& clip) {
    bool c = false;
    const double r = elem_.round(v, c);
    clip = c;
    return r;
  }

  /// TransformerEngine / torchao: scale = fmt_max / amax (fp32), saturating cast of x·scale, y = q / scale.
  void scaled(const double* x, double* y, unsigned char* clip, std::uint64_t cols) {
    const double amax = s_.granularity == Granularity::kTensor ? ctx_.amax : block_amax(x, cols);
    double scale = static_cast<float>(elem_.max_finite / amax);
    if (!(amax > 0) || !std::isfinite(scale) || scale == 0) scale = 1.0;  // keep the previous (unit) scale
    for (std::uint64_t i = 0; i < cols; ++i) y[i] = elem_round(x[i] * scale, clip[i]) / scale;
  }

  void integer(const double* x, double* y, unsigned char* clip, std::uint64_t cols) {
    const std::uint64_t g = s_.granularity == Granularity::kBlock ? std::uint64_t(s_.block) : cols;
    for (std::uint64_t b = 0; b < cols; b += g) {
      const std::uint64_t n = std::min(g, cols - b);
      double lo, hi;
      if (s_.granularity == Granularity::kTensor) {
        lo = ctx_.min;
        hi = ctx_.max;
      } else {
        lo = hi = 0;
        for (std::uint64_t i = 0; i < n; ++i) {
          lo = std::min(lo, x[b + i]);
          hi = std::max(hi, x[b + i]);
        }
      }
      lo = std::min(lo, 0.0);  // the range always holds 0, so zero is exact (PyTorch MinMaxObserver)
      hi = std::max(hi, 0.0);
      if (s_.asymmetric) asym_block(x + b, y + b, clip + b, n, lo, hi);
      else sym_block(x + b, y + b, clip + b, n, std::max(-lo, hi));
    }
  }
  double stored_scale(double v) const {  // groups store fp16 scales, per tensor / channel fp32
    return s_.granularity == Granularity::kBlock ? to_fp16(v) : static_cast<double>(static_cast<float>(v));
  }
  /// Symmetric: scale = amax / (2^(B-1) - 1) (int8: /127, int4: /7), q = round(x / scale) in [-qmax, qmax].
  void sym_block(const double* x, double* y, unsigned char* clip, std::uint64_t n, double amax) {
    const double qmax = elem_.max_finite;
    const double scale = stored_scale(amax / qmax);
    for (std::uint64_t i = 0; i < n; ++i) {
      if (!(scale > 0)) {
        y[i] = 0;
        clip[i] = 0;
        continue;
      }
      double q = elem_round(x[i] / scale, clip[i]);
      if (q < -qmax) {  // the most negative code is left unused (restricted range)
        q = -qmax;
        clip[i] = 1;
      }
      y[i] = q * scale;
    }
  }
  /// Asymmetric (GPTQ / AWQ): scale = (max - min) / (2^B - 1), zero = round(-min / scale) clamped to
  /// [0, 2^B - 1], q = clamp(round(x / scale) + zero), y = (q - zero) · scale.
  void asym_block(const double* x, double* y, unsigned char* clip, std::uint64_t n, double lo, double hi) {
    const double qmax = elem_.max_finite;
    const double scale = stored_scale((hi - lo) / qmax);
    const Codec& wide = wide_;  // round(x / scale) before the zero point is added
    const double zero = scale > 0 ? std::clamp(std::nearbyint(-lo / scale), 0.0, qmax) : 0.0;
    for (std::uint64_t i = 0; i < n; ++i) {
      if (!(scale > 0)) {
        y[i] = 0;
        clip[i] = 0;
        continue;
      }
      bool c = false;
      double q = wide.round(x[i] / scale, c) + zero;
      clip[i] = q < 0 || q > qmax;
      q = std::clamp(q, 0.0, qmax);
      y[i] = (q - zero) * scale;
    }
  }

  /// OCP MX v1.0 §6.3: per block of 32, X = 2^e (E8M0), elements round(V / X) saturating to ±max.
  void mx(const double* x, double* y, unsigned char* clip, std::uint64_t cols) {
    const bool is_int = s_.element.kind == Kind::kInt;  // MXINT8: k/64, |k| <= 127 (§5.3.3)
    const int emax_elem = is_int ? 0 : emax(s_.element);
    const double max_elem = is_int ? 127.0 / 64.0 : elem_.max_finite;
    for (std::uint64_t b = 0; b < cols; b += 32) {
      const std::uint64_t n = std::min<std::uint64_t>(32, cols - b);
      const int e = mx_scale_exponent(block_amax(x + b, n), emax_elem, max_elem, s_.mx_rule);
      for (std::uint64_t i = b; i < b + n; ++i) {
        const double v = std::ldexp(x[i], -e);
        if (is_int) {
          double k = elem_round(v * 64, clip[i]);
          if (k < -127) {
            k = -127;
            clip[i] = 1;
          }
          y[i] = std::ldexp(k / 64, e);
        } else {
          y[i] = std::ldexp(elem_round(v, clip[i]), e);
        }
      }
    }
  }

  /// NVIDIA NVFP4: s2 = amax / (6·448) in fp32 per tensor; per block of 16 an E4M3 scale
  /// e4m3(block_amax / (6·s2)), at least 2^-9 when the block is nonzero; elements x / (scale·s2) to E2M1.
  void nvfp4(const double* x, double* y, unsigned char* clip, std::uint64_t cols) {
    static const Codec e4m3(find_format("e4m3"), Rounding::kNearestEven, true, nullptr);
    double s2 = static_cast<float>(ctx_.amax / (6.0 * 448.0));
    if (!(s2 > 0) || !std::isfinite(s2)) s2 = 1.0;
    for (std::uint64_t b = 0; b < cols; b += 16) {
      const std::uint64_t n = std::min<std::uint64_t>(16, cols - b);
      const double bamax = block_amax(x + b, n);
      bool c = false;
      double bs = e4m3.round(bamax / (6.0 * s2), c);
      if (bamax > 0 && bs == 0) bs = std::ldexp(1.0, -9);  // smallest E4M3 subnormal
      const double scale = bs * s2;                         // exact: 4 x 24 significant bits
      for (std::uint64_t i = b; i < b + n; ++i) y[i] = scale > 0 ? elem_round(x[i] / scale, clip[i]) * scale : 0.0;
    }
  }

  /// bitsandbytes quantize_4bit (blocksize 64): absmax in fp32, x·(1/absmax) in fp32, nearest code by
  /// midpoints; dequantize code·absmax in fp32 (nf4-dq: with the double-quantized absmax).
  void bnb4(const double* x, double* y, unsigned char* clip, std::uint64_t cols, std::uint64_t row) {
    static const CodeBook nf4(kNf4);
    static const std::array<int, 8> fp4_sorted_to_code = {0, 1, 6, 7, 4, 5, 2, 3};
    static const CodeBook fp4sorted([] {
      std::array<float, 8> m{};
      for (int i = 0; i < 8; ++i) m[i] = kFp4Mag[fp4_sorted_to_code[i]];
      return std::vector<float>(m.begin(), m.end());
    }());
    const std::uint64_t bs = static_cast<std::uint64_t>(s_.block);
    for (std::uint64_t b = 0, k = 0; b < cols; b += bs, ++k) {
      const std::uint64_t n = std::min(bs, cols - b);
      float absmax = 0.0f;
      for (std::uint64_t i = b; i < b + n; ++i) absmax = std::max(absmax, std::fabs(static_cast<float>(x[i])));
      const float deq = s_.double_quant ? ctx_.dq_absmax[row * ctx_.blocks_per_row + k] : absmax;
      const float inv = absmax > 0 ? 1.0f / absmax : 0.0f;
      for (std::uint64_t i = b; i < b + n; ++i) {
        const float v = static_cast<float>(x[i]) * inv;
        clip[i] = 0;
        float code;
        if (s_.family == SchemeFamily::kNf4) {
          code = kNf4[nf4.nearest(v)];
        } else {
          const float mag = fp4sorted.codes[fp4sorted.nearest(std::fabs(v))];
          code = v < 0 ? -mag : mag;
        }
        y[i] = static_cast<double>(code * deq);
      }
    }
  }

  void ggml(const double* x, double* y, unsigned char* clip, std::uint64_t cols, std::ostream* blocks) {
    const bool q8 = s_.family == SchemeFamily::kQ8_0;
    for (std::uint64_t b = 0; b < cols; b += 32) {
      const std::uint64_t n = std::min<std::uint64_t>(32, cols - b);
      float xf[32] = {};  // a partial last block is padded with zeros
      unsigned char c[32] = {};
      for (std::uint64_t i = 0; i < n; ++i) xf[i] = static_cast<float>(x[b + i]);
      unsigned char blk[34];
      if (q8) q8_0_block(xf, blk, c);
      else q4_0_block(xf, blk, c);
      // dequantize_row_q8_0 / q4_0: y = qs·d and (q - 8)·d in fp32 with the fp16 d.
      const float d = fp16_bits_to_float(static_cast<std::uint16_t>(blk[0] | (blk[1] << 8)));
      for (std::uint64_t i = 0; i < n; ++i) {
        float v;
        if (q8) {
          v = static_cast<float>(static_cast<signed char>(blk[2 + i])) * d;
        } else {
          const int q = i < 16 ? (blk[2 + i] & 0x0f) : (blk[2 + i - 16] >> 4);
          v = static_cast<float>(q - 8) * d;
        }
        y[b + i] = v;
        clip[b + i] = c[i];
      }
      if (blocks) blocks->write(reinterpret_cast<const char*>(blk), q8 ? 34 : 18);
    }
  }

  const Scheme& s_;
  Ctx& ctx_;
  Codec elem_;
  Codec wide_;  // int32, for the asymmetric schemes
};

/// Adds one chunk to the metrics (Eigen arrays, double sums). `clip` holds one flag per element.
void accumulate(const double* x, const double* y, const unsigned char* clip, std::uint64_t m, std::uint64_t masked,
                Metrics& out) {
  using Eigen::ArrayXd;
  const Eigen::Map<const ArrayXd> X(x, static_cast<Eigen::Index>(m)), Y(y, static_cast<Eigen::Index>(m));
  const ArrayXd err = X - Y;
  Metrics c;
  c.n = m - masked;
  c.sum_x2 = X.square().sum();
  c.sum_y2 = Y.square().sum();
  c.sum_xy = (X * Y).sum();
  c.sum_err2 = err.square().sum();
  c.max_abs_err = m ? err.abs().maxCoeff() : 0.0;
  if (m && !std::isfinite(c.max_abs_err)) c.max_abs_err = std::numeric_limits<double>::infinity();
  const auto nonzero = X != 0.0;
  c.sum_rel = nonzero.select(err.abs() / X.abs(), 0.0).sum();
  c.rel_n = static_cast<std::uint64_t>(nonzero.count());
  c.underflow = static_cast<std::uint64_t>((nonzero && (Y == 0.0)).count());
  c.nonfinite = static_cast<std::uint64_t>(m - Y.isFinite().count());
  for (std::uint64_t i = 0; i < m; ++i) c.clipped += clip[i];
  out.merge(c);
}

std::uint64_t rows_per_chunk(const RowSource& src, std::uint64_t chunk_elements) {
  return std::max<std::uint64_t>(1, chunk_elements / std::max<std::uint64_t>(1, src.cols()));
}

/// nf4-dq (bitsandbytes quantize_4bit with compress_statistics=True): offset = mean(absmax); absmax - offset
/// quantized blockwise (256) with the dynamic 8-bit map and an fp32 absmax; dequantized back here.
void prepare_double_quant(const Scheme& s, const RowSource& src, bool ignore_nonfinite, Ctx& ctx) {
  const std::uint64_t cols = src.cols(), bs = static_cast<std::uint64_t>(s.block);
  ctx.blocks_per_row = (cols + bs - 1) / bs;
  std::vector<float> a;
  a.reserve(src.rows() * ctx.blocks_per_row);
  const std::uint64_t step = rows_per_chunk(src, 1 << 20);
  std::vector<double> buf;
  for (std::uint64_t r = 0; r < src.rows(); r += step) {
    const std::uint64_t nr = std::min(step, src.rows() - r);
    buf.resize(nr * cols);
    src.read_rows(r, nr, buf.data());
    for (std::uint64_t i = 0; i < nr; ++i)
      for (std::uint64_t b = 0; b < cols; b += bs) {
        float m = 0.0f;
        for (std::uint64_t j = b; j < std::min(cols, b + bs); ++j) {
          const double v = buf[i * cols + j];
          if (std::isfinite(v) || !ignore_nonfinite) m = std::max(m, std::fabs(static_cast<float>(v)));
        }
        a.push_back(m);
      }
  }
  double sum = 0;
  for (float v : a) sum += v;
  const float offset = a.empty() ? 0.0f : static_cast<float>(sum / double(a.size()));
  static const CodeBook dyn(make_dynamic_map());
  ctx.dq_absmax.resize(a.size());
  for (std::size_t b = 0; b < a.size(); b += 256) {
    const std::size_t n = std::min<std::size_t>(256, a.size() - b);
    float amax2 = 0.0f;
    for (std::size_t i = b; i < b + n; ++i) amax2 = std::max(amax2, std::fabs(a[i] - offset));
    const float inv = amax2 > 0 ? 1.0f / amax2 : 0.0f;
    for (std::size_t i = b; i < b + n; ++i) {
      const float v = (a[i] - offset) * inv;
      ctx.dq_absmax[i] = dyn.codes[dyn.nearest(v)] * amax2 + offset;
    }
  }
}

}  // namespace

// ---- Public pieces -------------------------------------------------------------------------------------------

MemorySource::MemorySource(std::vector<double> data, std::uint64_t rows, std::uint64_t cols)
    : data_(std::move(data)), rows_(rows), cols_(cols) {
  if (data_.size() != rows * cols) throw InputError("tensor data does not match its shape");
}
void MemorySource::read_rows(std::uint64_t first, std::uint64_t count, double* out) const {
  std::memcpy(out, data_.data() + first * cols_, count * cols_ * sizeof(double));
}

TensorStats tensor_stats(const RowSource& src) {
  TensorStats st;
  const std::uint64_t cols = src.cols(), step = rows_per_chunk(src, 1 << 20);
  std::vector<double> buf;
  // Pass 1: count, min, max, mean and M2 merged over chunks (Chan et al.'s parallel variance).
  double mean = 0, m2 = 0;
  std::uint64_t n = 0;
  st.min = std::numeric_limits<double>::infinity();
  st.max = -st.min;
  for (std::uint64_t r = 0; r < src.rows(); r += step) {
    const std::uint64_t nr = std::min(step, src.rows() - r);
    buf.resize(nr * cols);
    src.read_rows(r, nr, buf.data());
    double s = 0;
    std::uint64_t k = 0;
    for (double v : buf)
      if (std::isfinite(v)) {
        s += v;
        ++k;
        st.min = std::min(st.min, v);
        st.max = std::max(st.max, v);
      } else {
        ++st.nonfinite;
      }
    if (k == 0) continue;
    const double cm = s / double(k);
    double cm2 = 0;
    for (double v : buf)
      if (std::isfinite(v)) cm2 += (v - cm) * (v - cm);
    const double delta = cm - mean;
    const double tot = double(n + k);
    mean += delta * double(k) / tot;
    m2 += cm2 + delta * delta * double(n) * double(k) / tot;
    n += k;
  }
  st.count = n + st.nonfinite;
  if (n == 0) {
    st.min = st.max = 0;
    return st;
  }
  st.mean = mean;
  st.std = std::sqrt(m2 / double(n));
  st.amax = std::max(std::fabs(st.min), std::fabs(st.max));
  // Pass 2: fourth central moment and the |x| > 6σ share.
  double m4 = 0;
  std::uint64_t out6 = 0;
  for (std::uint64_t r = 0; r < src.rows(); r += step) {
    const std::uint64_t nr = std::min(step, src.rows() - r);
    buf.resize(nr * cols);
    src.read_rows(r, nr, buf.data());
    for (double v : buf)
      if (std::isfinite(v)) {
        const double d2 = (v - mean) * (v - mean);
        m4 += d2 * d2;
        out6 += std::fabs(v) > 6 * st.std;
      }
  }
  st.kurtosis = m2 > 0 ? double(n) * m4 / (m2 * m2) : 0;
  st.outlier_fraction = double(out6) / double(n);
  return st;
}

void Metrics::merge(const Metrics& o) {
  n += o.n;
  sum_x2 += o.sum_x2;
  sum_y2 += o.sum_y2;
  sum_xy += o.sum_xy;
  sum_err2 += o.sum_err2;
  max_abs_err = std::max(max_abs_err, o.max_abs_err);
  sum_rel += o.sum_rel;
  rel_n += o.rel_n;
  clipped += o.clipped;
  underflow += o.underflow;
  nonfinite += o.nonfinite;
}
double Metrics::mse() const { return n ? sum_err2 / double(n) : 0; }
double Metrics::rmse() const { return std::sqrt(mse()); }
double Metrics::sqnr_db() const {
  if (sum_err2 == 0) return std::numeric_limits<double>::infinity();
  return 10 * std::log10(sum_x2 / sum_err2);
}
double Metrics::cosine() const {
  const double d = std::sqrt(sum_x2) * std::sqrt(sum_y2);
  return d > 0 ? sum_xy / d : (sum_x2 == 0 && sum_y2 == 0 ? 1.0 : 0.0);
}
double Metrics::mean_rel_error() const { return rel_n ? sum_rel / double(rel_n) : 0; }

std::span<const float> nf4_codes() { return kNf4; }
std::span<const float> bnb_fp4_codes() { return kFp4; }
std::span<const float> bnb_dynamic_map() {
  static const std::vector<float> m = make_dynamic_map();
  return m;
}
bool check_element_rounding(const Format& f, Rounding r, std::span<const double> values, std::string* mismatch) {
  Rng rng{1};
  const Codec c(f, r, true, &rng);
  for (double v : values) {
    bool c1 = false, c2 = false;
    const double a = c.round(v, c1), b = c.round_engine(v, c2);
    if (std::bit_cast<std::uint64_t>(a) != std::bit_cast<std::uint64_t>(b) || c1 != c2) {
      if (mismatch) *mismatch = std::string(f.name) + " " + std::to_string(v);
      return false;
    }
  }
  // The fp32 batch path (fast kernels), on the values that are fp32 values.
  std::vector<double> x32;
  for (double v : values)
    if (static_cast<double>(static_cast<float>(v)) == v) x32.push_back(v);
  std::vector<double> y(x32.size());
  std::vector<unsigned char> clip(x32.size());
  if (c.round_fp32(x32.data(), y.data(), clip.data(), x32.size())) {
    for (std::size_t i = 0; i < x32.size(); ++i) {
      bool c2 = false;
      const double b = c.round_engine(x32[i], c2);
      if (std::bit_cast<std::uint64_t>(y[i]) != std::bit_cast<std::uint64_t>(b) || (clip[i] != 0) != c2) {
        if (mismatch) *mismatch = std::string(f.name) + " (fp32 kernels) " + std::to_string(x32[i]);
        return false;
      }
    }
  }
  return true;
}

int nearest_code(std::span<const float> sorted_codes, float x) { return CodeBook(sorted_codes).nearest(x); }

int mx_scale_exponent(double amax, int emax_elem, double max_elem, MxScaleRule rule) {
  if (!(amax > 0)) return -127;  // all-zero block: the smallest scale, E8M0 code 0x00
  int e;
  if (rule == MxScaleRule::kFloor) {
    int ex = 0;
    std::frexp(amax, &ex);  // amax = m · 2^ex, m in [0.5, 1): floor(log2 amax) = ex - 1
    e = (ex - 1) - emax_elem;
  } else {
    int ex = 0;
    const double m = std::frexp(amax / max_elem, &ex);
    e = m == 0.5 ? ex - 1 : ex;  // ceil(log2 r): exact powers of two stay
  }
  return std::clamp(e, -127, 127);
}

void ggml_quantize_q8_0(const float* x, unsigned char out[34]) { q8_0_block(x, out, nullptr); }
void ggml_quantize_q4_0(const float* x, unsigned char out[18]) { q4_0_block(x, out, nullptr); }

SchemeResult quantize_tensor(const Scheme& s, const RowSource& src, const TensorStats& stats,
                             const QuantizeOptions& options) {
  if (stats.nonfinite > 0 && !options.ignore_nonfinite)
    throw InputError("the input has " + std::to_string(stats.nonfinite) + " NaN or inf values among " +
                     std::to_string(stats.count) + ": pass --ignore-nonfinite to analyse the finite values only");
  const std::uint64_t rows = src.rows(), cols = src.cols();
  const bool ggml = s.family == SchemeFamily::kQ8_0 || s.family == SchemeFamily::kQ4_0;
  std::ostream* blocks = ggml ? options.blocks : nullptr;
  if (blocks && cols % 32 != 0)
    throw InputError("--write-blocks needs rows whose length is a multiple of 32 (ggml's QK), got " +
                     std::to_string(cols));
  Ctx ctx;
  ctx.amax = stats.amax;
  ctx.min = stats.min;
  ctx.max = stats.max;
  if (s.double_quant) prepare_double_quant(s, src, options.ignore_nonfinite, ctx);
  RowQuantizer rq(s, ctx);
  SchemeResult res;
  res.scheme = s;
  res.storage_bits = scheme_storage_bits(s, rows, cols);
  res.bits_per_element = rows != 0 && cols != 0 ? res.storage_bits / (double(rows) * double(cols)) : 0;
  res.bytes = static_cast<std::uint64_t>(std::ceil(res.storage_bits / 8));
  const std::uint64_t step = rows_per_chunk(src, options.chunk_elements);
  std::vector<double> x, y;
  std::vector<unsigned char> clip;
  for (std::uint64_t r = 0; r < rows; r += step) {
    const std::uint64_t nr = std::min(step, rows - r), m = nr * cols;
    x.resize(m);
    y.resize(m);
    clip.assign(m, 0);
    src.read_rows(r, nr, x.data());
    std::uint64_t masked = 0;
    if (stats.nonfinite)
      for (double& v : x)
        if (!std::isfinite(v)) {
          v = 0;
          ++masked;
        }
    for (std::uint64_t i = 0; i < nr; ++i)
      rq.run(x.data() + i * cols, y.data() + i * cols, clip.data() + i * cols, cols, r + i, blocks);
    if (options.dequantized) options.dequantized(y.data(), nr);
    accumulate(x.data(), y.data(), clip.data(), m, masked, res.metrics);
  }
  return res;
}

std::vector<double> quantize_dequantize(const Scheme& s, std::span<const double> x, std::uint64_t rows,
                                        std::uint64_t cols, Metrics* metrics, std::ostream* blocks) {
  const MemorySource src(std::vector<double>(x.begin(), x.end()), rows, cols);
  std::vector<double> out;
  out.reserve(x.size());
  QuantizeOptions opt;
  opt.blocks = blocks;
  opt.dequantized = [&](const double* y, std::uint64_t count) { out.insert(out.end(), y, y + count * cols); };
  const SchemeResult r = quantize_tensor(s, src, tensor_stats(src), opt);
  if (metrics) *metrics = r.metrics;
  return out;
}

Recommendation recommend(const std::vector<SchemeResult>& results, std::optional<double> max_bits,
                         std::optional<double> min_sqnr_db) {
  Recommendation rec;
  auto fails = [&](const SchemeResult& r) {
    std::ostringstream why;
    const double sq = r.metrics.sqnr_db();
    if (max_bits && r.bits_per_element > *max_bits + 1e-12) {
      char bits[32];
      std::snprintf(bits, sizeof bits, "%.4g", r.bits_per_element);
      why << bits << " bits > " << *max_bits;
    }
    if (min_sqnr_db && !(sq >= *min_sqnr_db)) {
      if (!why.str().empty()) why << ", ";
      why << "SQNR " << std::round(sq * 100) / 100 << " dB < " << *min_sqnr_db
          << " dB";
    }
    return why.str();
  };
  std::vector<std::size_t> order(results.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (results[a].bits_per_element != results[b].bits_per_element)
      return results[a].bits_per_element < results[b].bits_per_element;
    return results[a].metrics.sqnr_db() > results[b].metrics.sqnr_db();
  });
  for (std::size_t i : order)
    if (fails(results[i]).empty()) {
      rec.chosen = i;
      break;
    }
  const double limit = rec.chosen ? results[*rec.chosen].bits_per_element : std::numeric_limits<double>::infinity();
  for (std::size_t i : order) {
    if (rec.chosen && i == *rec.chosen) break;
    if (results[i].bits_per_element > limit) break;
    const std::string why = fails(results[i]);
    if (!why.empty()) rec.reasons.push_back(results[i].scheme.name + ": " + why);
  }
  std::ostringstream bar;
  if (max_bits) bar << "at most " << *max_bits << " bits";
  if (min_sqnr_db) bar << (max_bits ? " and " : "") << "SQNR at least " << *min_sqnr_db << " dB";
  if (rec.chosen) {
    const SchemeResult& r = results[*rec.chosen];
    std::ostringstream s;
    char bits[32];
    std::snprintf(bits, sizeof bits, "%.4g", r.bits_per_element);
    s << "recommended: " << r.scheme.name << " (" << bits << " bits/element, SQNR "
      << std::round(r.metrics.sqnr_db() * 100) / 100 << " dB), the cheapest scheme with " << bar.str();
    rec.summary = s.str();
  } else {
    rec.summary = "no scheme meets " + bar.str();
  }
  return rec;
}

}  // namespace numscope
