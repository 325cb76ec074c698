// The quantizers of every scheme family, the chunked parallel driver, the error metrics and the recommendation.
//
// Element rounding goes through the format engine (engine.h encode / decode_double), with a decode table per
// element format. The ggml and bitsandbytes quantizers follow their reference code step by step in fp32; this
// file is compiled with -ffp-contract=off so that x*id + 8.5f is not fused (ggml-quants.c is built that way for
// its reference outputs).
#include "numscope/quantize/quantize.h"

#include <algorithm>   // std::max, std::min, std::lower_bound
#include <array>       // std::array
#include <bit>         // std::bit_cast
#include <cmath>       // std::fabs, std::frexp, std::log10, std::sqrt, std::isfinite
#include <cstdio>      // std::snprintf
#include <cstring>     // std::memcpy
#include <limits>      // std::numeric_limits
#include <memory>      // std::unique_ptr
#include <numeric>     // std::lcm
#include <optional>    // std::optional
#include <ostream>     // std::ostream
#include <sstream>     // std::ostringstream
#include <stdexcept>   // std::invalid_argument

#include "numscope/support/error.h"
#include "numscope/formats/fast/convert.h"
#include "numscope/support/parallel.h"
#include "numscope/formats/registry.h"

namespace numscope {
namespace {

// ---- Vector kernels of the element rounding (GCC vector types, AVX2 or SSE2 chosen at run time) -------------

typedef double V2d __attribute__((vector_size(16)));
typedef long long V2i __attribute__((vector_size(16)));
typedef double V4d __attribute__((vector_size(32)));
typedef long long V4i __attribute__((vector_size(32)));
typedef unsigned long long V2u __attribute__((vector_size(16)));  // bit arithmetic that may wrap
typedef unsigned long long V4u __attribute__((vector_size(32)));
typedef float V4f __attribute__((vector_size(16)));  // code-book searches run in fp32, as bitsandbytes does
typedef int V4s __attribute__((vector_size(16)));
typedef float V8f __attribute__((vector_size(32)));
typedef int V8s __attribute__((vector_size(32)));

/// What a vector rounding kernel needs of a format.
struct GridParams {
  double max_finite = 0;  // values beyond it (and NaN) are left to the engine
  double min_normal = 0;  // 2^emin (floats)
  int m = 0;              // stored mantissa bits (floats)
  bool negzero = true;    // false: -0 becomes +0 (fnuz formats)
  double min_int = 0;     // integers: the range
};

/// A scaling around the element rounding: out = post(round(pre(v))), each a multiplication or a division by its
/// own number (or nothing), as the schemes write them: x·s then /s (scaled FP8), x/s then ·s (integers, NVFP4),
/// x·2^-e then ·2^e (MX). Fusing them into the kernels saves two passes over the row.
enum class ScaleOp : std::uint8_t { kNone, kMul, kDiv };
struct Affine {
  ScaleOp pre = ScaleOp::kNone;
  double a = 1;
  ScaleOp post = ScaleOp::kNone;
  double b = 1;
  static double apply(ScaleOp op, double x, double s) {
    return op == ScaleOp::kMul ? x * s : op == ScaleOp::kDiv ? x / s : x;
  }
};
template <ScaleOp Op, class D>
[[gnu::always_inline]] inline D apply_op(D x, D s) {
  if constexpr (Op == ScaleOp::kMul) return x * s;
  else if constexpr (Op == ScaleOp::kDiv) return x / s;
  else return x;
}

/// Whether any lane of a comparison mask is set.
template <class I>
[[gnu::always_inline]] inline bool any_lane(const I& mask) {
  bool any = false;
  for (std::size_t l = 0; l < sizeof(I) / sizeof(mask[0]); ++l) any |= mask[l] != 0;
  return any;
}

/// Rounds pre(v) to nearest even on a float format's grid (as Codec::grid_round) and writes post of it, for n
/// values (n a multiple of W). Lanes it cannot round (|pre(v)| > max_finite, NaN) get clip 2 and keep pre(v)
/// in out, for the caller to redo; the others get clip 0. Returns whether there was any.
template <class D, class I, class U, ScaleOp Pre, ScaleOp Post>
[[gnu::always_inline]] inline bool grid_rne_kernel(const GridParams& p, const Affine& s, const double* v,
                                                   double* out, unsigned char* clip, std::uint64_t n) {
  constexpr int W = sizeof(D) / sizeof(double);
  const I abs_mask = I{} + 0x7fffffffffffffffLL;
  const U exp_mask = U{} + 0x7ff0000000000000ULL;
  const U up_base = U{} + (static_cast<std::uint64_t>(2046 + p.m) << 52);  // wraps past 2^63: unsigned
  const U m_field = U{} + (static_cast<std::uint64_t>(p.m) << 52);
  const D magic = D{} + 0x1p52, min_normal = D{} + p.min_normal, zero = D{}, max_finite = D{} + p.max_finite;
  const D sa = D{} + s.a, sb = D{} + s.b;
  I outside = I{};
  for (std::uint64_t i = 0; i < n; i += W) {
    D x;
    std::memcpy(&x, v + i, sizeof x);
    x = apply_op<Pre>(x, sa);
    const D a = (D)((I)x & abs_mask);
    const I out_lane = ~(a <= max_finite);
    outside |= out_lane;
    const D c = a > min_normal ? a : min_normal;  // max(|v|, 2^emin): its exponent is e
    const U e_field = (U)c & exp_mask;              // (e + 1023) << 52
    const D up = (D)(up_base - e_field);            // 2^(m - e)
    const D down = (D)(e_field - m_field);          // 2^(e - m)
    const D t = x * up;
    const D at = (D)((I)t & abs_mask);
    const D q = (D)((I)((at + magic) - magic) | ((I)t & ~abs_mask));  // rint_even(t), sign kept
    D r = q * down;
    if (!p.negzero) r = r + zero;  // -0 + 0 = +0 in round to nearest
    r = out_lane ? x : apply_op<Post>(r, sb);
    std::memcpy(out + i, &r, sizeof r);
    for (int l = 0; l < W; ++l) clip[i + l] = static_cast<unsigned char>(out_lane[l] & 2);
  }
  return any_lane(outside);
}

/// Rounds pre(v) to the nearest even integer clamped to [min_int, max_finite] and writes post of it, with the
/// clipped flags (1); lanes with |pre(v)| >= 2^51 or NaN get clip 2 and keep pre(v), as grid_rne_kernel.
template <class D, class I, ScaleOp Pre, ScaleOp Post>
[[gnu::always_inline]] inline bool int_rne_kernel(const GridParams& p, const Affine& s, const double* v,
                                                  double* out, unsigned char* clip, std::uint64_t n) {
  constexpr int W = sizeof(D) / sizeof(double);
  const I abs_mask = I{} + 0x7fffffffffffffffLL;
  const D magic = D{} + 0x1p52, lo = D{} + p.min_int, hi = D{} + p.max_finite, zero = D{}, limit = D{} + 0x1p51;
  const D sa = D{} + s.a, sb = D{} + s.b;
  I outside = I{};
  for (std::uint64_t i = 0; i < n; i += W) {
    D x;
    std::memcpy(&x, v + i, sizeof x);
    x = apply_op<Pre>(x, sa);
    const D a = (D)((I)x & abs_mask);
    const I out_lane = ~(a < limit);
    outside |= out_lane;
    D q = (D)((I)((a + magic) - magic) | ((I)x & ~abs_mask));
    const I clipped = (q > hi) | (q < lo);
    q = q > hi ? hi : q;
    q = q < lo ? lo : q;
    q = q + zero;  // integers have no -0
    q = out_lane ? x : apply_op<Post>(q, sb);
    std::memcpy(out + i, &q, sizeof q);
    const I flag = out_lane ? I{} + 2 : clipped & 1;
    for (int l = 0; l < W; ++l) clip[i + l] = static_cast<unsigned char>(flag[l]);
  }
  return any_lane(outside);
}

using RoundKernel = bool (*)(const GridParams&, const Affine&, const double*, double*, unsigned char*,
                             std::uint64_t);
template <ScaleOp Pre, ScaleOp Post>
[[gnu::target("avx2")]] bool grid_avx2(const GridParams& p, const Affine& s, const double* v, double* out,
                                       unsigned char* clip, std::uint64_t n) {
  return grid_rne_kernel<V4d, V4i, V4u, Pre, Post>(p, s, v, out, clip, n);
}
template <ScaleOp Pre, ScaleOp Post>
bool grid_sse2(const GridParams& p, const Affine& s, const double* v, double* out, unsigned char* clip,
               std::uint64_t n) {
  return grid_rne_kernel<V2d, V2i, V2u, Pre, Post>(p, s, v, out, clip, n);
}
template <ScaleOp Pre, ScaleOp Post>
[[gnu::target("avx2")]] bool int_avx2(const GridParams& p, const Affine& s, const double* v, double* out,
                                      unsigned char* clip, std::uint64_t n) {
  return int_rne_kernel<V4d, V4i, Pre, Post>(p, s, v, out, clip, n);
}
template <ScaleOp Pre, ScaleOp Post>
bool int_sse2(const GridParams& p, const Affine& s, const double* v, double* out, unsigned char* clip,
              std::uint64_t n) {
  return int_rne_kernel<V2d, V2i, Pre, Post>(p, s, v, out, clip, n);
}
/// The kernel for a format kind (integer or float grid), instruction set and scaling.
RoundKernel round_kernel(bool integer, bool avx2, ScaleOp pre, ScaleOp post) {
  using enum ScaleOp;
#define NUMSCOPE_KERNELS(K) \
  {{K<kNone, kNone>, K<kNone, kMul>, K<kNone, kDiv>}, \
   {K<kMul, kNone>, K<kMul, kMul>, K<kMul, kDiv>},    \
   {K<kDiv, kNone>, K<kDiv, kMul>, K<kDiv, kDiv>}}
  static constexpr RoundKernel kTable[2][2][3][3] = {{NUMSCOPE_KERNELS(grid_sse2), NUMSCOPE_KERNELS(grid_avx2)},
                                                     {NUMSCOPE_KERNELS(int_sse2), NUMSCOPE_KERNELS(int_avx2)}};
#undef NUMSCOPE_KERNELS
  return kTable[integer][avx2][static_cast<int>(pre)][static_cast<int>(post)];
}
/// The AVX2 builds run where fast_convert's AVX2 kernels run (fast::best_isa decides for both).
bool have_avx2() { return fast::best_isa() >= fast::Isa::kAvx2; }

/// An element format with its rounding options, rounding through the engine. Fast paths, checked against the
/// engine in tests (check_element_rounding): floats round on their binade grid (grid_round), integers round in
/// double (exact below 2^51), fp32-valued rows of a cast use the fast fp32 kernels. Round to odd, stochastic
/// rounding, E8M0 and values beyond the largest finite one go through encode().
struct Codec {
  Format f;
  ConvertOptions opt;
  const std::vector<double>* table = nullptr;  // the engine's decode_table (shared by every codec of the row)
  double max_finite = 0, min_int = 0;
  bool fast_int = false;
  bool restricted = false;  // integers: the range is [-max, max] (restrict_to_symmetric)
  bool fast_grid = false;  // float formats without a value table search: rounding on the binade grid
  int grid_m = 0, grid_emin = 0;
  bool grid_negzero = true;
  GridParams grid;  // the same for the vector kernels
  bool avx2 = have_avx2();  // which vector kernels round_n uses (tests run both)
  fast::EncodeFn fast_encode = nullptr;  // fp32 -> f and back through the fast kernels (fast_convert.h), for
  fast::DecodeFn fast_decode = nullptr;  // rows whose values are all fp32 values

  Codec(const Format& fmt, Rounding r, bool saturate, Rng* rng) : f(fmt) {
    opt.rounding = r;
    opt.saturate = saturate;
    opt.rng = rng;
    if (bits(f) <= 16) table = &decode_table(f);
    max_finite = f.kind == Kind::kInt ? double(int_max(f)) : decode_double(f, max_finite_code(f));
    fast_encode = fast::encoder(f, opt);
    fast_decode = fast_encode ? fast::decoder(f, opt) : nullptr;
    if (f.kind == Kind::kInt) {
      min_int = double(int_min(f));
      fast_int = bits(f) <= 53 && saturate &&
                 (r == Rounding::kNearestEven || r == Rounding::kNearestAway || r == Rounding::kTowardZero ||
                  r == Rounding::kUp || r == Rounding::kDown);
    } else if (f.has_subnormals && f.mantissa_bits <= 50 && emin(f) - f.mantissa_bits >= -1000 &&
               emax(f) <= 1000 &&
               (r == Rounding::kNearestEven || r == Rounding::kNearestAway || r == Rounding::kTowardZero ||
                r == Rounding::kUp || r == Rounding::kDown)) {
      // Every IEEE-style float row (fp64 aside) whose values are 0, the subnormal grid and the normal binades
      // up to max_finite: fp32 ... e2m1, fnuz variants, user eXmY. E8M0 (no zero) and round-to-odd /
      // stochastic rounding keep the engine.
      fast_grid = true;
      grid_m = f.mantissa_bits;
      grid_emin = emin(f);
      grid_negzero = has_negative_zero(f);
    }
    grid.max_finite = max_finite;
    grid.min_normal = fast_grid ? std::ldexp(1.0, grid_emin) : 0.0;
    grid.m = grid_m;
    grid.negzero = grid_negzero;
    grid.min_int = min_int;
  }
  /// Rounds a finite v with |v| <= max_finite on the format's grid: with e = max(floor(log2 |v|), emin), the
  /// representable values near v are the multiples of 2^(e - m) (IEEE 754 §3.3: subnormals share emin's
  /// spacing), so v·2^(m - e) is rounded to an integer and scaled back. Both scalings are exact powers of two
  /// within double's normal range (the constructor checks the exponents), and the integer's parity is the
  /// code's last bit, so ties to even are ties to the even code. Rounding up to 2^(m+1) is the next binade's
  /// first value, never past max_finite because max_finite is itself on the grid.
  double grid_round(double v) const {
    const std::uint64_t b = std::bit_cast<std::uint64_t>(v);
    const int e = std::max(static_cast<int>((b >> 52) & 0x7ff) - 1023, grid_emin);
    const double up = std::bit_cast<double>(static_cast<std::uint64_t>(1023 + grid_m - e) << 52);
    const double down = std::bit_cast<double>(static_cast<std::uint64_t>(1023 - grid_m + e) << 52);
    const double t = v * up;  // |t| < 2^(m+1)
    double q;
    switch (opt.rounding) {
      case Rounding::kNearestAway: q = std::round(t); break;
      case Rounding::kTowardZero: q = std::trunc(t); break;
      case Rounding::kUp: q = std::ceil(t); break;
      case Rounding::kDown: q = std::floor(t); break;
      default: q = rint_even(t); break;
    }
    const double r = q * down;
    if (r != 0) return r;
    return grid_negzero ? std::copysign(0.0, v) : 0.0;  // fnuz formats have no -0
  }
  /// Round half to even for |t| < 2^52 without the floating-point environment (nearbyint saves and restores
  /// it, which costs more than the rest of the element): adding and subtracting 2^52 rounds in the default
  /// mode, round to nearest even (IEEE 754 §4.3.1). Needs -ffp-contract=off and no -ffast-math.
  static double rint_even(double t) {
    const double a = (std::fabs(t) + 0x1p52) - 0x1p52;
    return std::copysign(a, t);
  }
  /// Rounds v into the format and back; `clipped` is set when the value saturated or overflowed.
  double round(double v, bool& clipped) const {
    if (fast_grid && std::fabs(v) <= max_finite && (f.has_sign || !std::signbit(v))) {  // NaN fails
      clipped = false;
      return grid_round(v);
    }
    if (fast_int && std::fabs(v) < 0x1p51) {  // NaN fails; larger magnitudes go to the engine
      double q = opt.rounding == Rounding::kNearestEven ? rint_even(v)
                 : opt.rounding == Rounding::kNearestAway ? std::round(v)
                 : opt.rounding == Rounding::kUp          ? std::ceil(v)
                 : opt.rounding == Rounding::kDown        ? std::floor(v)
                                                          : std::trunc(v);
      clipped = q > max_finite || q < min_int;
      q = std::clamp(q, min_int, max_finite);
      return q == 0 ? 0.0 : q;  // the engine's integers have no -0
    }
    const Encoded e = encode(f, v, opt);
    clipped = (e.status & (kSaturated | kOverflow)) != 0;
    const double r = table ? (*table)[static_cast<std::size_t>(e.code)] : decode_double(f, e.code);
    if (restricted && r < min_int) {
      clipped = true;
      return min_int;
    }
    return r;
  }
  /// Symmetric integer quantization leaves the most negative code unused (int8: [-127, 127]; OCP MX v1.0
  /// §5.3.3 for MXINT8): values below -max clamp to -max and count as clipped.
  void restrict_to_symmetric() {
    restricted = true;
    min_int = -max_finite;
    grid.min_int = min_int;
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
  /// Rounds pre(v) as round() does and writes post of it into out (which may be v), with the clipped flags:
  /// the vector kernels for round to nearest even on a float grid or an integer range, round() for the rest
  /// and for the values the kernels leave (beyond max_finite, NaN, integers past 2^51).
  void round_n(const double* v, double* out, unsigned char* clip, std::uint64_t n, const Affine& s = {}) const {
    const std::uint64_t body = n / 4 * 4;
    const bool grid_ok = fast_grid && f.has_sign && opt.rounding == Rounding::kNearestEven;
    const bool int_ok = fast_int && opt.rounding == Rounding::kNearestEven;
    std::uint64_t i = 0;
    if (grid_ok || int_ok) {
      if (round_kernel(int_ok, avx2, s.pre, s.post)(grid, s, v, out, clip, body))
        for (std::uint64_t w = 0; w < body; w += 4) {  // flags four at a time: few lanes are left
          std::uint32_t word;
          std::memcpy(&word, clip + w, 4);
          if (!(word & 0x02020202u)) continue;
          for (std::uint64_t k = w; k < w + 4; ++k)
            if (clip[k] == 2) out[k] = Affine::apply(s.post, round_clip(out[k], clip[k]), s.b);  // out[k]: pre(v)
        }
      i = body;
    }
    for (; i < n; ++i) out[i] = Affine::apply(s.post, round_clip(Affine::apply(s.pre, v[i], s.a), clip[i]), s.b);
  }
  double round_clip(double v, unsigned char& clip) const {
    bool c = false;
    const double r = round(v, c);
    clip = c;
    return r;
  }
  /// The engine alone, for the tests of the fast paths.
  double round_engine(double v, bool& clipped) const {
    const Encoded e = encode(f, v, opt);
    clipped = (e.status & (kSaturated | kOverflow)) != 0;
    return table ? (*table)[static_cast<std::size_t>(e.code)] : decode_double(f, e.code);
  }
};

double to_fp16(double v) {  // the stored fp16 scale: round to nearest even, saturating (IEEE 754 binary16)
  static const Codec c(find_format("fp16"), Rounding::kNearestEven, true, nullptr);
  bool clip = false;
  return c.round(v, clip);
}
float fp16_bits_to_float(std::uint16_t h) {  // GGML_FP16_TO_FP32, by table
  static const std::vector<float> table = [] {
    const Format f = find_format("fp16");
    std::vector<float> t(65536);
    for (std::size_t c = 0; c < t.size(); ++c) t[c] = static_cast<float>(decode_double(f, c));
    return t;
  }();
  return table[h];
}
std::uint16_t float_to_fp16_bits(float v) {  // GGML_FP32_TO_FP16: round to nearest even, overflow to inf
  // The fast fp32 -> fp16 kernel, bit for bit the engine's encode over all 2^32 inputs (numscope verify).
  static const fast::EncodeFn enc = fast::encoder(find_format("fp16"), ConvertOptions{});
  std::uint16_t h;
  if (enc) {
    enc(&v, &h, 1);
    return h;
  }
  static const Format f = find_format("fp16");
  return static_cast<std::uint16_t>(encode(f, static_cast<double>(v)).code);
}

/// A sorted code table with its fp32 midpoints (bitsandbytes compares against midpoints, ties to the lower).
struct CodeBook {
  std::vector<float> codes;
  std::vector<float> padded;  // the midpoints, then +inf up to a power of two, for the branch-free search
  int first_step = 0;
  explicit CodeBook(std::span<const float> c) : codes(c.begin(), c.end()) {
    for (std::size_t i = 0; i + 1 < codes.size(); ++i) padded.push_back((codes[i] + codes[i + 1]) / 2.0f);
    std::size_t p = 1;
    while (p < padded.size() + 1) p *= 2;
    padded.resize(p, std::numeric_limits<float>::infinity());
    first_step = static_cast<int>(p / 2);
  }
  /// The number of midpoints strictly below x (std::lower_bound's index), by a binary search whose steps are
  /// selects, not branches: the codes of a tensor's elements are unpredictable, and mispredicted branches cost
  /// more than the whole search. NaN counts none.
  int nearest(float x) const {
    int i = 0;
    for (int step = first_step; step >= 1; step /= 2) i += padded[static_cast<std::size_t>(i + step - 1)] < x ? step : 0;
    return i;
  }
  /// nearest() of n values (of |x| when `magnitude`) into idx. Books of at most 16 codes count the midpoints
  /// below each value in vector lanes (15 comparisons beat four dependent loads); larger ones search.
  void nearest_n(const float* x, std::int32_t* idx, std::uint64_t n, bool magnitude, bool avx2 = have_avx2()) const;
};

/// idx[i] = the number of the m midpoints strictly below x[i] (|x[i]|), in vectors F of floats, S their masks.
template <class F, class S>
[[gnu::always_inline]] inline std::uint64_t count_below(const float* mid, int m, const float* x, std::int32_t* idx,
                                                       std::uint64_t n, bool magnitude) {
  constexpr int W = sizeof(F) / sizeof(float);
  const S abs_mask = S{} + (magnitude ? 0x7fffffff : -1);
  F mids[16];
  for (int j = 0; j < m; ++j) mids[j] = F{} + mid[j];
  std::uint64_t i = 0;
  for (; i + W <= n; i += W) {
    F v;
    std::memcpy(&v, x + i, sizeof v);
    v = (F)((S)v & abs_mask);
    S c = S{};
    for (int j = 0; j < m; ++j) c -= mids[j] < v;  // -1 where below; NaN compares false
    std::memcpy(idx + i, &c, sizeof c);
  }
  return i;
}
[[gnu::target("avx2")]] std::uint64_t count_below_avx2(const float* mid, int m, const float* x, std::int32_t* idx,
                                                       std::uint64_t n, bool magnitude) {
  return count_below<V8f, V8s>(mid, m, x, idx, n, magnitude);
}
void CodeBook::nearest_n(const float* x, std::int32_t* idx, std::uint64_t n, bool magnitude, bool avx2) const {
  std::uint64_t i = 0;
  const int m = static_cast<int>(codes.size()) - 1;
  if (m <= 16)
    i = avx2 ? count_below_avx2(padded.data(), m, x, idx, n, magnitude)
             : count_below<V4f, V4s>(padded.data(), m, x, idx, n, magnitude);
  for (; i < n; ++i) idx[i] = nearest(magnitude ? std::fabs(x[i]) : x[i]);
}

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

/// min(0, row min) and max(0, row max) of each row (row_ranges).
struct RowRanges {
  std::vector<double> lo, hi;
};

/// Per-tensor state shared by all rows of one run.
struct Ctx {
  double amax = 0, min = 0, max = 0;
  const RowRanges* rows = nullptr;  // set when rows are cut into segments: per-channel ranges come from here
  std::vector<float> dq_absmax;  // nf4-dq: the dequantized absmax of each block, row-major
  std::uint64_t blocks_per_row = 0;
  Rng rng{0x6e756d73636f7065ULL};
};

/// min(0, min x) and max(0, max x) over n finite values, in vector lanes (a single running maximum waits on the
/// previous one each element). Minima and maxima are exact, so any order gives the same result.
template <class D>
[[gnu::always_inline]] inline void range_kernel(const double* x, std::uint64_t n, double& lo, double& hi) {
  constexpr int W = sizeof(D) / sizeof(double);
  D l[2] = {}, h[2] = {};
  std::uint64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W)
    for (int k = 0; k < 2; ++k) {
      D v;
      std::memcpy(&v, x + i + W * k, sizeof v);
      l[k] = v < l[k] ? v : l[k];
      h[k] = v > h[k] ? v : h[k];
    }
  lo = hi = 0;
  for (int k = 0; k < 2; ++k)
    for (int j = 0; j < W; ++j) lo = std::min(lo, l[k][j]), hi = std::max(hi, h[k][j]);
  for (; i < n; ++i) lo = std::min(lo, x[i]), hi = std::max(hi, x[i]);
}
[[gnu::target("avx2")]] void range_avx2(const double* x, std::uint64_t n, double& lo, double& hi) {
  range_kernel<V4d>(x, n, lo, hi);
}
void block_range(const double* x, std::uint64_t n, double& lo, double& hi) {
  static const bool avx2 = have_avx2();
  if (avx2) return range_avx2(x, n, lo, hi);
  range_kernel<V2d>(x, n, lo, hi);
}
/// out[k] = max |x| over block k (bs elements, the last one may be short) of n finite values, in one call for
/// a whole segment: MX and NVFP4 blocks are 32 and 16 elements, too short to pay for a call each.
template <class D, class I>
[[gnu::always_inline]] inline void amax_kernel(const double* x, std::uint64_t n, std::uint64_t bs, double* out) {
  constexpr int W = sizeof(D) / sizeof(double);
  const I abs_mask = I{} + 0x7fffffffffffffffLL;
  for (std::uint64_t b = 0; b < n; b += bs) {
    const std::uint64_t e = std::min(n, b + bs);
    D acc = D{};
    std::uint64_t i = b;
    for (; i + W <= e; i += W) {
      D v;
      std::memcpy(&v, x + i, sizeof v);
      v = (D)((I)v & abs_mask);
      acc = v > acc ? v : acc;
    }
    double a = 0;
    for (int l = 0; l < W; ++l) a = std::max(a, acc[l]);
    for (; i < e; ++i) a = std::max(a, std::fabs(x[i]));
    out[b / bs] = a;
  }
}
[[gnu::target("avx2")]] void amax_avx2(const double* x, std::uint64_t n, std::uint64_t bs, double* out) {
  amax_kernel<V4d, V4i>(x, n, bs, out);
}
void block_amaxes(const double* x, std::uint64_t n, std::uint64_t bs, double* out) {
  static const bool avx2 = have_avx2();
  if (avx2) return amax_avx2(x, n, bs, out);
  amax_kernel<V2d, V2i>(x, n, bs, out);
}
void block_amaxes(const double* x, std::uint64_t n, std::uint64_t bs, std::vector<double>& out) {
  out.resize((n + bs - 1) / bs);
  block_amaxes(x, n, bs, out.data());
}
double block_amax(const double* x, std::uint64_t n) {  // one block of n
  double a = 0;
  if (n > 0) block_amaxes(x, n, n, &a);
  return a;
}

// ---- ggml (llama.cpp ggml-quants.c) ------------------------------------------------------------------------

/// max |x| of a ggml block of 32, in eight independent lanes (exact in any order) so that it vectorises.
float amax32(const float* x) {
  float lanes[8] = {};
  for (int j = 0; j < 32; j += 8)
    for (int l = 0; l < 8; ++l) lanes[l] = std::max(lanes[l], std::fabs(x[j + l]));
  return *std::max_element(lanes, lanes + 8);
}

/// quantize_row_q8_0_ref, one block: amax, d = amax/127, id = 1/d, qs = roundf(x*id), d stored as fp16.
void q8_0_block(const float* x, unsigned char* out, unsigned char* clip) {
  static const Codec i8(find_format("int8"), Rounding::kNearestAway, true, nullptr);  // C roundf
  const float amax = amax32(x);
  const float d = amax / ((1 << 7) - 1);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  const std::uint16_t h = float_to_fp16_bits(d);
  out[0] = static_cast<unsigned char>(h & 0xff);
  out[1] = static_cast<unsigned char>(h >> 8);
  unsigned char c[32];
  if (amax * id < 127.5f) {
    // Every |x·id| is below 127.5 (rounding is monotonic; NaN fails), so every q fits int8 and none clips: C
    // roundf inline and branch-free, and the loop vectorises. The truncation and the fraction t - r are exact.
    for (int j = 0; j < 32; ++j) {
      const float x0 = x[j] * id, t = std::fabs(x0);
      float r = static_cast<float>(static_cast<std::int32_t>(t));
      r += t - r >= 0.5f ? 1.0f : 0.0f;
      out[2 + j] = static_cast<unsigned char>(static_cast<std::int8_t>(std::copysign(r, x0)));
      c[j] = 0;
    }
  } else {  // an fp32-subnormal d (1/d may overflow): the codec, saturating
    for (int j = 0; j < 32; ++j) {
      bool cj = false;
      const double q = i8.round(static_cast<double>(x[j] * id), cj);
      out[2 + j] = static_cast<unsigned char>(static_cast<signed char>(q));
      c[j] = cj;
    }
  }
  if (clip) std::copy(c, c + 32, clip);
}

/// quantize_row_q4_0_ref, one block: max = the signed element of largest |x| (first), d = max/-8, id = 1/d,
/// q = min(15, (int8)(x*id + 8.5f)); qs[j] = q[j] | q[j+16] << 4.
void q4_0_block(const float* x, unsigned char* out, unsigned char* clip) {
  static const Codec trunc8(find_format("int8"), Rounding::kTowardZero, true, nullptr);  // C (int8_t) cast
  // ggml keeps the first element of largest magnitude, sign included: the magnitude, then the first element
  // that has it.
  const float amax = amax32(x);
  float max = 0.0f;
  for (int j = 0; amax > 0 && j < 32; ++j)
    if (std::fabs(x[j]) == amax) {
      max = x[j];
      break;
    }
  const float d = max / -8;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  const std::uint16_t h = float_to_fp16_bits(d);
  out[0] = static_cast<unsigned char>(h & 0xff);
  out[1] = static_cast<unsigned char>(h >> 8);
  unsigned char q[32], c[32];
  if (amax * std::fabs(id) < 64.0f) {
    // Every x·id + 8.5 lies in (-56, 73) (rounding is monotonic; NaN fails): (int8_t) truncates inline, so the
    // loop is branch-free and vectorises.
    for (int j = 0; j < 32; ++j) {
      const int t = static_cast<int>(x[j] * id + 8.5f);
      q[j] = static_cast<unsigned char>(std::min(15, t));
      c[j] = t > 15;
    }
  } else {  // an fp32-subnormal d (1/d may overflow): the codec, saturating like a clamp to int8
    for (int j = 0; j < 32; ++j) {
      bool cj = false;
      const int t = static_cast<int>(trunc8.round(static_cast<double>(x[j] * id + 8.5f), cj));
      q[j] = static_cast<unsigned char>(std::min(15, t));
      c[j] = t > 15;
    }
  }
  if (clip) std::copy(c, c + 32, clip);
  for (int j = 0; j < 16; ++j) out[2 + j] = static_cast<unsigned char>(q[j] | (q[j + 16] << 4));
}

// ---- One row of any scheme ---------------------------------------------------------------------------------

class RowQuantizer {
 public:
  RowQuantizer(const Scheme& s, Ctx& ctx)
      : s_(s), ctx_(ctx), elem_(make_elem(s, ctx)), wide_(find_format("int32"), s.rounding, true, &ctx.rng) {}

  /// Quantizes and dequantizes a segment of a row: `cols` elements starting at column col0 of row `row` (a whole
  /// row, or a piece of one whose start is a multiple of every block size, see Plan).
  void run(const double* x, double* y, unsigned char* clip, std::uint64_t cols, std::uint64_t row,
           std::uint64_t col0, std::ostream* blocks) {
    switch (s_.family) {
      case SchemeFamily::kCast:
        if (elem_.round_fp32(x, y, clip, cols)) return;
        return elem_.round_n(x, y, clip, cols);
      case SchemeFamily::kScaled: return scaled(x, y, clip, cols, row);
      case SchemeFamily::kInt: return integer(x, y, clip, cols, row);
      case SchemeFamily::kMx: return mx(x, y, clip, cols);
      case SchemeFamily::kNvfp4: return nvfp4(x, y, clip, cols);
      case SchemeFamily::kNf4:
      case SchemeFamily::kBnbFp4: return bnb4(x, y, clip, cols, row, col0);
      case SchemeFamily::kQ8_0:
      case SchemeFamily::kQ4_0: return ggml(x, y, clip, cols, blocks);
    }
  }

 private:
  static Codec make_elem(const Scheme& s, Ctx& ctx) {
    // Casts keep the format's own overflow rule where it has inf (fp16 overflow gives inf, reported); every
    // scaled / block element saturates (OCP MX v1.0 §6.3, FP8 recipes).
    const bool saturate = s.family != SchemeFamily::kCast || !has_inf(s.element);
    Codec c(s.element, s.rounding, saturate, &ctx.rng);
    const bool symmetric_int = (s.family == SchemeFamily::kInt && !s.asymmetric) || s.family == SchemeFamily::kMx;
    if (symmetric_int && s.element.kind == Kind::kInt && s.element.is_signed) c.restrict_to_symmetric();
    return c;
  }

  /// TransformerEngine / torchao: scale = fmt_max / amax (fp32), saturating cast of x·scale, y = q / scale.
  void scaled(const double* x, double* y, unsigned char* clip, std::uint64_t cols, std::uint64_t row) {
    const double amax = s_.granularity == Granularity::kTensor ? ctx_.amax
                        : ctx_.rows ? std::max(-ctx_.rows->lo[row], ctx_.rows->hi[row])
                                         : block_amax(x, cols);
    double scale = static_cast<float>(elem_.max_finite / amax);
    if (!(amax > 0) || !std::isfinite(scale) || scale == 0) scale = 1.0;  // keep the previous (unit) scale
    elem_.round_n(x, y, clip, cols, {ScaleOp::kMul, scale, ScaleOp::kDiv, scale});
  }

  void integer(const double* x, double* y, unsigned char* clip, std::uint64_t cols, std::uint64_t row) {
    const std::uint64_t g = s_.granularity == Granularity::kBlock ? std::uint64_t(s_.block) : cols;
    for (std::uint64_t b = 0; b < cols; b += g) {
      const std::uint64_t n = std::min(g, cols - b);
      double lo, hi;
      if (s_.granularity == Granularity::kTensor) {
        lo = ctx_.min;
        hi = ctx_.max;
      } else if (s_.granularity == Granularity::kChannel && ctx_.rows) {
        lo = ctx_.rows->lo[row];
        hi = ctx_.rows->hi[row];
      } else {
        block_range(x + b, n, lo, hi);
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
    if (!(scale > 0)) {
      std::fill_n(y, n, 0.0);
      std::fill_n(clip, n, static_cast<unsigned char>(0));
      return;
    }
    // q in [-qmax, qmax]: the most negative code is left unused.
    elem_.round_n(x, y, clip, n, {ScaleOp::kDiv, scale, ScaleOp::kMul, scale});
  }
  /// Asymmetric (GPTQ / AWQ): scale = (max - min) / (2^B - 1), zero = round(-min / scale) clamped to
  /// [0, 2^B - 1], q = clamp(round(x / scale) + zero), y = (q - zero) · scale.
  void asym_block(const double* x, double* y, unsigned char* clip, std::uint64_t n, double lo, double hi) {
    const double qmax = elem_.max_finite;
    const double scale = stored_scale((hi - lo) / qmax);
    const Codec& wide = wide_;  // round(x / scale) before the zero point is added
    if (!(scale > 0)) {
      std::fill_n(y, n, 0.0);
      std::fill_n(clip, n, static_cast<unsigned char>(0));
      return;
    }
    const double zero = std::clamp(std::nearbyint(-lo / scale), 0.0, qmax);
    wide.round_n(x, y, clip, n, {ScaleOp::kDiv, scale});
    for (std::uint64_t i = 0; i < n; ++i) {
      const double q = y[i] + zero;
      clip[i] = q < 0 || q > qmax;
      y[i] = (std::clamp(q, 0.0, qmax) - zero) * scale;
    }
  }

  /// OCP MX v1.0 §6.3: per block of 32, X = 2^e (E8M0), elements round(V / X) saturating to ±max.
  void mx(const double* x, double* y, unsigned char* clip, std::uint64_t cols) {
    const bool is_int = s_.element.kind == Kind::kInt;  // MXINT8: k/64, |k| <= 127 (§5.3.3)
    const int emax_elem = is_int ? 0 : emax(s_.element);
    const double max_elem = is_int ? 127.0 / 64.0 : elem_.max_finite;
    block_amaxes(x, cols, 32, amax_);
    for (std::uint64_t b = 0; b < cols; b += 32) {
      const std::uint64_t n = std::min<std::uint64_t>(32, cols - b);
      const int e = mx_scale_exponent(amax_[b / 32], emax_elem, max_elem, s_.mx_rule);
      // x·2^-e and q·2^e as multiplications by exact powers of two (|e| <= 127): the same correctly rounded
      // results as ldexp, without its call.
      const double down = std::bit_cast<double>(static_cast<std::uint64_t>(1023 - e) << 52);
      const double up = std::bit_cast<double>(static_cast<std::uint64_t>(1023 + e) << 52);
      if (is_int) {
        for (std::uint64_t i = b; i < b + n; ++i) y[i] = (x[i] * down) * 64;
        elem_.round_n(y + b, y + b, clip + b, n);  // k in [-127, 127]
        for (std::uint64_t i = b; i < b + n; ++i) y[i] = (y[i] / 64) * up;
      } else {
        elem_.round_n(x + b, y + b, clip + b, n, {ScaleOp::kMul, down, ScaleOp::kMul, up});
      }
    }
  }

  /// NVIDIA NVFP4: s2 = amax / (6·448) in fp32 per tensor; per block of 16 an E4M3 scale
  /// e4m3(block_amax / (6·s2)), at least 2^-9 when the block is nonzero; elements x / (scale·s2) to E2M1.
  void nvfp4(const double* x, double* y, unsigned char* clip, std::uint64_t cols) {
    static const Codec e4m3(find_format("e4m3"), Rounding::kNearestEven, true, nullptr);
    double s2 = static_cast<float>(ctx_.amax / (6.0 * 448.0));
    if (!(s2 > 0) || !std::isfinite(s2)) s2 = 1.0;
    block_amaxes(x, cols, 16, amax_);
    for (std::uint64_t b = 0; b < cols; b += 16) {
      const std::uint64_t n = std::min<std::uint64_t>(16, cols - b);
      const double bamax = amax_[b / 16];
      bool c = false;
      double bs = e4m3.round(bamax / (6.0 * s2), c);
      if (bamax > 0 && bs == 0) bs = std::ldexp(1.0, -9);  // smallest E4M3 subnormal
      const double scale = bs * s2;                         // exact: 4 x 24 significant bits
      if (!(scale > 0)) {
        std::fill_n(y + b, n, 0.0);
        std::fill_n(clip + b, n, static_cast<unsigned char>(0));
        continue;
      }
      elem_.round_n(x + b, y + b, clip + b, n, {ScaleOp::kDiv, scale, ScaleOp::kMul, scale});
    }
  }

  /// bitsandbytes quantize_4bit (blocksize 64): absmax in fp32, x·(1/absmax) in fp32, nearest code by
  /// midpoints; dequantize code·absmax in fp32 (nf4-dq: with the double-quantized absmax).
  void bnb4(const double* x, double* y, unsigned char* clip, std::uint64_t cols, std::uint64_t row,
            std::uint64_t col0) {
    static const CodeBook nf4(kNf4);
    static const std::array<int, 8> fp4_sorted_to_code = {0, 1, 6, 7, 4, 5, 2, 3};
    static const CodeBook fp4sorted([] {
      std::array<float, 8> m{};
      for (int i = 0; i < 8; ++i) m[i] = kFp4Mag[fp4_sorted_to_code[i]];
      return std::vector<float>(m.begin(), m.end());
    }());
    const bool is_nf4 = s_.family == SchemeFamily::kNf4;
    const std::uint64_t bs = static_cast<std::uint64_t>(s_.block);
    scaled_.resize(cols);
    index_.resize(cols);
    deq_.resize((cols + bs - 1) / bs);
    block_amaxes(x, cols, bs, amax_);
    // x·(1/absmax) of every block, then the codes of the whole segment in one search, then code·absmax.
    for (std::uint64_t b = 0, k = col0 / bs; b < cols; b += bs, ++k) {
      const std::uint64_t n = std::min(bs, cols - b);
      const float absmax = static_cast<float>(amax_[b / bs]);  // = max |fp32(x)|: rounding is monotonic
      deq_[b / bs] = s_.double_quant ? ctx_.dq_absmax[row * ctx_.blocks_per_row + k] : absmax;
      const float inv = absmax > 0 ? 1.0f / absmax : 0.0f;
      for (std::uint64_t i = b; i < b + n; ++i) scaled_[i] = static_cast<float>(x[i]) * inv;
    }
    (is_nf4 ? nf4 : fp4sorted).nearest_n(scaled_.data(), index_.data(), cols, !is_nf4);
    for (std::uint64_t b = 0; b < cols; b += bs) {
      const float deq = deq_[b / bs];
      for (std::uint64_t i = b; i < std::min(cols, b + bs); ++i) {
        const float v = scaled_[i];
        const float mag = fp4sorted.codes[static_cast<std::size_t>(index_[i] & 7)];
        const float code = is_nf4 ? kNf4[static_cast<std::size_t>(index_[i])] : v < 0 ? -mag : mag;
        y[i] = static_cast<double>(code * deq);
      }
    }
    std::fill_n(clip, cols, static_cast<unsigned char>(0));
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
      float v[32];
      if (q8) {
        for (int i = 0; i < 32; ++i) v[i] = static_cast<float>(static_cast<signed char>(blk[2 + i])) * d;
      } else {
        for (int i = 0; i < 16; ++i) {
          v[i] = static_cast<float>((blk[2 + i] & 0x0f) - 8) * d;
          v[i + 16] = static_cast<float>((blk[2 + i] >> 4) - 8) * d;
        }
      }
      for (std::uint64_t i = 0; i < n; ++i) {
        y[b + i] = v[i];
        clip[b + i] = c[i];
      }
      if (blocks) blocks->write(reinterpret_cast<const char*>(blk), q8 ? 34 : 18);
    }
  }

  const Scheme& s_;
  Ctx& ctx_;
  Codec elem_;
  Codec wide_;  // int32, for the asymmetric schemes
  std::vector<float> scaled_, deq_;  // bnb4's scratch: x·(1/absmax) of a segment, each block's absmax
  std::vector<std::int32_t> index_;  // and the code index of each element
  std::vector<double> amax_;         // MX / NVFP4 / bnb4: the amax of each block of a segment
};

/// Error sums of one task in eight fixed lanes: element i of a segment goes to lane i mod 8, and the lanes are
/// added in one fixed order at the end. The sums therefore do not depend on the CPU's vector width (the same
/// lanes are two AVX2 vectors or four SSE2 ones), and tasks merged in task order make them independent of the
/// thread count. (Eigen's fixed-size arrays did the same sums at 6.6 ns an element: its select() and cast()
/// of comparisons run scalar; these GCC vector loops take about 1 ns with AVX2, 2.6 ns with SSE2.)
struct Lanes {
  double x2[8] = {}, y2[8] = {}, xy[8] = {}, e2[8] = {}, rel[8] = {}, emax[8] = {};
  std::int64_t rel_n[8] = {}, under[8] = {}, nonfinite[8] = {}, bad[8] = {};  // element counts
  std::uint64_t clipped = 0;

  /// inv: 1/|x| (0 where x is 0), computed once per piece for every scheme (reciprocals()): the relative
  /// error |x - y|·(1/|x|) then costs a multiplication instead of a division per scheme.
  void add(const double* x, const double* inv, const double* y, const unsigned char* clip, std::uint64_t n,
           bool avx2 = have_avx2());
  static double total(const double (&a)[8]) {  // ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7))
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
  }
  static std::uint64_t count(const std::int64_t (&a)[8]) {
    std::int64_t s = 0;
    for (std::int64_t v : a) s += v;
    return static_cast<std::uint64_t>(s);
  }
  /// `compared`: the elements of the task whose input was finite (masked ones are zeros in x and y).
  Metrics metrics(std::uint64_t compared) const {
    Metrics c;
    c.n = compared;
    c.sum_x2 = total(x2);
    c.sum_y2 = total(y2);
    c.sum_xy = total(xy);
    c.sum_err2 = total(e2);
    c.max_abs_err = count(bad) > 0 ? std::numeric_limits<double>::infinity() : *std::max_element(emax, emax + 8);
    c.sum_rel = total(rel);
    c.rel_n = count(rel_n);
    c.underflow = count(under);
    c.nonfinite = count(nonfinite);
    c.clipped = clipped;
    return c;
  }
};

/// The lane loop for vectors D of W doubles (8 / W vectors make the 8 lanes), I their masks; n is a multiple
/// of 8.
template <class D, class I>
[[gnu::always_inline]] inline void lane_sums(Lanes& t, const double* x, const double* inv, const double* y,
                                             std::uint64_t n) {
  constexpr int W = sizeof(D) / sizeof(double), K = 8 / W;
  constexpr double kMax = std::numeric_limits<double>::max();
  D x2[K], y2[K], xy[K], e2[K], rel[K], emax[K];
  I rel_n[K], under[K], nonfinite[K], bad[K];
  auto load = [](auto& v, const auto* a) { std::memcpy(&v, a, sizeof v); };
  auto store = [](auto* a, const auto& v) { std::memcpy(a, &v, sizeof v); };
  for (int k = 0; k < K; ++k) {
    load(x2[k], t.x2 + W * k), load(y2[k], t.y2 + W * k), load(xy[k], t.xy + W * k), load(e2[k], t.e2 + W * k);
    load(rel[k], t.rel + W * k), load(emax[k], t.emax + W * k), load(rel_n[k], t.rel_n + W * k);
    load(under[k], t.under + W * k), load(nonfinite[k], t.nonfinite + W * k), load(bad[k], t.bad + W * k);
  }
  const I abs_mask = I{} + 0x7fffffffffffffffLL;
  const D zero = D{};
  for (std::uint64_t i = 0; i < n; i += 8)
    for (int k = 0; k < K; ++k) {
      D X, Y, INV;
      load(X, x + i + W * k);
      load(Y, y + i + W * k);
      load(INV, inv + i + W * k);
      const D E = X - Y;
      const D AE = (D)((I)E & abs_mask), AY = (D)((I)Y & abs_mask);
      x2[k] += X * X;
      y2[k] += Y * Y;
      xy[k] += X * Y;
      e2[k] += E * E;
      const I finite_err = AE <= kMax;  // -1 where the error is finite, 0 for inf and NaN
      emax[k] = (finite_err & (AE > emax[k])) ? AE : emax[k];
      bad[k] -= ~finite_err;
      const I nonzero = X != 0.0;
      rel[k] += nonzero ? AE * INV : zero;  // |x - y| · (1/|x|); x = 0 is left out (inf · 0 would be NaN)
      rel_n[k] -= nonzero;
      under[k] -= nonzero & (Y == 0.0);
      nonfinite[k] -= ~(AY <= kMax);
    }
  for (int k = 0; k < K; ++k) {
    store(t.x2 + W * k, x2[k]), store(t.y2 + W * k, y2[k]), store(t.xy + W * k, xy[k]), store(t.e2 + W * k, e2[k]);
    store(t.rel + W * k, rel[k]), store(t.emax + W * k, emax[k]), store(t.rel_n + W * k, rel_n[k]);
    store(t.under + W * k, under[k]), store(t.nonfinite + W * k, nonfinite[k]), store(t.bad + W * k, bad[k]);
  }
}
[[gnu::target("avx2")]] void lane_sums_avx2(Lanes& t, const double* x, const double* inv, const double* y,
                                             std::uint64_t n) {
  lane_sums<V4d, V4i>(t, x, inv, y, n);
}
void lane_sums_sse2(Lanes& t, const double* x, const double* inv, const double* y, std::uint64_t n) {
  lane_sums<V2d, V2i>(t, x, inv, y, n);
}

/// inv[i] = 1/|x[i]|, or 0 where x[i] is 0 (for Lanes::add).
template <class D, class I>
[[gnu::always_inline]] inline void reciprocal_kernel(const double* x, double* inv, std::uint64_t n) {
  constexpr int W = sizeof(D) / sizeof(double);
  const I abs_mask = I{} + 0x7fffffffffffffffLL;
  const D one = D{} + 1.0;
  std::uint64_t i = 0;
  for (; i + W <= n; i += W) {
    D v;
    std::memcpy(&v, x + i, sizeof v);
    const I nonzero = v != 0.0;
    const D r = (D)((I)(one / (nonzero ? (D)((I)v & abs_mask) : one)) & nonzero);
    std::memcpy(inv + i, &r, sizeof r);
  }
  for (; i < n; ++i) inv[i] = x[i] != 0 ? 1.0 / std::fabs(x[i]) : 0.0;
}
[[gnu::target("avx2")]] void reciprocals_avx2(const double* x, double* inv, std::uint64_t n) {
  reciprocal_kernel<V4d, V4i>(x, inv, n);
}
void reciprocals(const double* x, double* inv, std::uint64_t n, bool avx2 = have_avx2()) {
  if (avx2) return reciprocals_avx2(x, inv, n);
  reciprocal_kernel<V2d, V2i>(x, inv, n);
}

void Lanes::add(const double* x, const double* inv, const double* y, const unsigned char* clip, std::uint64_t n,
                bool avx2) {
  const auto sums = avx2 ? lane_sums_avx2 : lane_sums_sse2;
  const std::uint64_t body = n / 8 * 8;
  sums(*this, x, inv, y, body);
  if (body < n) {  // the tail, padded with zeros (a zero pair adds nothing to any sum or count)
    double xt[8] = {}, it[8] = {}, yt[8] = {};
    std::copy(x + body, x + n, xt);
    std::copy(inv + body, inv + n, it);
    std::copy(y + body, y + n, yt);
    sums(*this, xt, it, yt, 8);
  }
  // The flags are 0 or 1 here: eight at a time as one word, whose bytes the multiplication adds up in its top
  // byte.
  std::uint64_t k = 0;
  for (; k + 8 <= n; k += 8) {
    std::uint64_t w;
    std::memcpy(&w, clip + k, 8);
    clipped += (w * 0x0101010101010101ULL) >> 56;
  }
  for (; k < n; ++k) clipped += clip[k];
}

/// How a tensor is cut into tasks. When a row fits in a chunk, a task is `rows_per_task` whole rows; a longer
/// row (a 1-D tensor is one row) is cut into segments of `seg` elements, a multiple of every block size, one
/// task each, so memory stays bounded by the chunk whatever the shape.
struct Plan {
  std::uint64_t rows = 0, cols = 0, rows_per_task = 1, seg = 0, segs_per_row = 1, tasks = 0;
  bool segmented = false;

  struct Task {
    std::uint64_t first, count;  // elements in C order
    std::uint64_t row, col0;     // where it starts
  };
  Task task(std::uint64_t k) const {
    if (!segmented) {
      const std::uint64_t r = k * rows_per_task, nr = std::min(rows_per_task, rows - r);
      return {r * cols, nr * cols, r, 0};
    }
    const std::uint64_t r = k / segs_per_row, c = (k % segs_per_row) * seg;
    return {r * cols + c, std::min(seg, cols - c), r, c};
  }
  /// Calls fn(offset in the task, elements, row, col0) for each segment of a task: its rows, or itself.
  template <class Fn>
  void segments(const Task& t, Fn fn) const {
    if (segmented) return fn(std::uint64_t{0}, t.count, t.row, t.col0);
    for (std::uint64_t off = 0, r = t.row; off < t.count; off += cols, ++r) fn(off, cols, r, std::uint64_t{0});
  }
  std::uint64_t max_segment() const { return segmented ? seg : cols; }
  std::uint64_t max_task() const { return segmented ? seg : rows_per_task * cols; }

  /// A task is read and analysed in pieces of about `read` elements, so that the input, the dequantized values
  /// and their flags stay in the core's L2 cache while every scheme runs on them (a whole task of 2^20
  /// doubles is 8 MiB). A piece is whole rows (at least one), or a part of a segment whose length is a
  /// multiple of `align` (every block size and the 8 lanes of the error sums, so that the sums are those of
  /// the whole segment, see Lanes).
  std::uint64_t read = 1 << 14, align = 8;
  std::uint64_t max_read() const {
    if (!segmented) return std::max<std::uint64_t>(1, read / cols) * cols;
    return std::min(seg, std::max(align, read / align * align));
  }
  /// Calls read(off, count) for each piece of the task in order, then seg_fn(off, n, row, col0) for each
  /// segment of that piece (its rows, or the piece itself); offsets are relative to the task.
  template <class Read, class Seg>
  void pieces(const Task& t, Read read, Seg seg_fn) const {
    const std::uint64_t len = max_read();
    for (std::uint64_t off = 0; off < t.count; off += len) {
      const std::uint64_t n = std::min(len, t.count - off);
      read(off, n);
      if (segmented) {
        seg_fn(off, n, t.row, t.col0 + off);
        continue;
      }
      for (std::uint64_t o = off, r = t.row + off / cols; o < off + n; o += cols, ++r)
        seg_fn(o, cols, r, std::uint64_t{0});
    }
  }
};

/// `block`: every block size of the schemes to run (their least common multiple), 1 for none.
Plan make_plan(const RowSource& src, std::uint64_t chunk_elements, std::uint64_t block) {
  Plan p;
  p.rows = src.rows();
  p.cols = src.cols();
  chunk_elements = std::max<std::uint64_t>(1, chunk_elements);
  if (p.rows == 0 || p.cols == 0) return p;
  if (p.cols <= chunk_elements || block > chunk_elements) {
    p.rows_per_task = std::max<std::uint64_t>(1, chunk_elements / p.cols);
    p.tasks = (p.rows + p.rows_per_task - 1) / p.rows_per_task;
    return p;
  }
  p.segmented = true;
  p.seg = chunk_elements / block * block;
  p.segs_per_row = (p.cols + p.seg - 1) / p.seg;
  p.tasks = p.rows * p.segs_per_row;
  return p;
}

/// The number of NaN / inf values among n, each set to 0 when `mask`: |x| <= DBL_MAX in vector lanes (a branch
/// per element cost as much as the rounding kernel).
template <class D, class I>
[[gnu::always_inline]] inline std::uint64_t nonfinite_kernel(double* x, std::uint64_t n, bool mask) {
  constexpr int W = sizeof(D) / sizeof(double);
  const I abs_mask = I{} + 0x7fffffffffffffffLL;
  const D max = D{} + std::numeric_limits<double>::max();
  I bad = I{};
  std::uint64_t i = 0;
  for (; i + W <= n; i += W) {
    D v;
    std::memcpy(&v, x + i, sizeof v);
    const I finite = (D)((I)v & abs_mask) <= max;  // -1 or 0; NaN compares false
    bad -= ~finite;
    if (mask) {
      v = (D)((I)v & finite);
      std::memcpy(x + i, &v, sizeof v);
    }
  }
  std::uint64_t count = 0;
  for (int j = 0; j < W; ++j) count += static_cast<std::uint64_t>(bad[j]);
  for (; i < n; ++i)
    if (!std::isfinite(x[i])) {
      ++count;
      if (mask) x[i] = 0;
    }
  return count;
}
[[gnu::target("avx2")]] std::uint64_t nonfinite_avx2(double* x, std::uint64_t n, bool mask) {
  return nonfinite_kernel<V4d, V4i>(x, n, mask);
}
std::uint64_t count_nonfinite(double* x, std::uint64_t n, bool mask) {
  static const bool avx2 = have_avx2();
  return avx2 ? nonfinite_avx2(x, n, mask) : nonfinite_kernel<V2d, V2i>(x, n, mask);
}

/// Reads task k of the plan into buf (resized); returns the number of NaN / inf values, set to 0 when `mask`.
std::uint64_t read_task(const RowSource& src, const Plan& plan, std::uint64_t k, std::vector<double>& buf,
                        bool mask) {
  const Plan::Task t = plan.task(k);
  buf.resize(t.count);
  src.read_range(t.first, t.count, buf.data());
  return count_nonfinite(buf.data(), t.count, mask);
}

/// nf4-dq (bitsandbytes quantize_4bit with compress_statistics=True): offset = mean(absmax); absmax - offset
/// quantized blockwise (256) with the dynamic 8-bit map and an fp32 absmax; dequantized back here.
void prepare_double_quant(const Scheme& s, const RowSource& src, const Plan& plan, unsigned threads, Ctx& ctx) {
  const std::uint64_t cols = src.cols(), bs = static_cast<std::uint64_t>(s.block);
  ctx.blocks_per_row = (cols + bs - 1) / bs;
  std::vector<float> a(src.rows() * ctx.blocks_per_row);
  std::vector<std::vector<double>> bufs(worker_count(threads)), amax(worker_count(threads));
  parallel_tasks(plan.tasks, threads, [&](std::uint64_t k, unsigned w) {
    std::vector<double>& buf = bufs[w];
    read_task(src, plan, k, buf, true);  // NaN / inf count as 0 (the caller has refused them or was told to skip)
    plan.segments(plan.task(k), [&](std::uint64_t off, std::uint64_t n, std::uint64_t row, std::uint64_t col0) {
      // max |fp32(x)| = fp32(max |x|): rounding to fp32 is monotonic.
      block_amaxes(buf.data() + off, n, bs, amax[w]);
      for (std::uint64_t b = 0; b < n; b += bs)
        a[row * ctx.blocks_per_row + (col0 + b) / bs] = static_cast<float>(amax[w][b / bs]);
    });
  });
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

/// min(0, row min) and max(0, row max) of every row over its finite values, for per-channel schemes on a
/// segmented plan (computed once, shared by all of them). A single row's range is the tensor's (stats); longer
/// tensors take one more pass.
RowRanges row_ranges(const RowSource& src, const Plan& plan, const TensorStats& stats, unsigned threads) {
  RowRanges rr;
  rr.lo.assign(plan.rows, 0.0);
  rr.hi.assign(plan.rows, 0.0);
  if (plan.rows == 1) {
    rr.lo[0] = std::min(stats.min, 0.0);
    rr.hi[0] = std::max(stats.max, 0.0);
    return rr;
  }
  std::vector<double> lo(plan.tasks, 0.0), hi(plan.tasks, 0.0);
  std::vector<std::vector<double>> bufs(worker_count(threads));
  parallel_tasks(plan.tasks, threads, [&](std::uint64_t k, unsigned w) {
    read_task(src, plan, k, bufs[w], true);
    block_range(bufs[w].data(), bufs[w].size(), lo[k], hi[k]);
  });
  for (std::uint64_t k = 0; k < plan.tasks; ++k) {
    const std::uint64_t r = plan.task(k).row;
    rr.lo[r] = std::min(rr.lo[r], lo[k]);
    rr.hi[r] = std::max(rr.hi[r], hi[k]);
  }
  return rr;
}

std::uint64_t block_lcm(std::span<const Scheme> schemes) {
  std::uint64_t l = 1;
  for (const Scheme& s : schemes)
    if (s.block > 0) l = std::lcm(l, static_cast<std::uint64_t>(s.block));
  return l;
}

}  // namespace

// ---- Public pieces -------------------------------------------------------------------------------------------


namespace {

/// The sums of tensor_stats in eight lanes (element i in lane i mod 8, the lanes added as Lanes::total does), as
/// vectors D of W doubles (I: their masks), so that the bits do not depend on the vector width. Non-finite
/// values are left out; the tail is padded with NaN, which every pass leaves out too.
struct StatLanes {
  double s[8] = {}, lo[8], hi[8], m2[8] = {}, m4[8] = {};
  std::int64_t out6[8] = {};
  StatLanes() {
    std::fill_n(lo, 8, std::numeric_limits<double>::infinity());
    std::fill_n(hi, 8, -std::numeric_limits<double>::infinity());
  }
};
template <class D, class I>
[[gnu::always_inline]] inline void stat_kernel(StatLanes& t, const double* x, std::uint64_t n, int pass,
                                               double mean, double six) {
  constexpr int W = sizeof(D) / sizeof(double), K = 8 / W;
  const I abs_mask = I{} + 0x7fffffffffffffffLL;
  const D max = D{} + std::numeric_limits<double>::max(), zero = D{}, mu = D{} + mean, six_v = D{} + six;
  auto load = [](auto& v, const auto* a) { std::memcpy(&v, a, sizeof v); };
  auto store = [](auto* a, const auto& v) { std::memcpy(a, &v, sizeof v); };
  D s[K], lo[K], hi[K], m2[K], m4[K];
  I out6[K];
  for (int k = 0; k < K; ++k) {
    load(s[k], t.s + W * k), load(lo[k], t.lo + W * k), load(hi[k], t.hi + W * k);
    load(m2[k], t.m2 + W * k), load(m4[k], t.m4 + W * k), load(out6[k], t.out6 + W * k);
  }
  for (std::uint64_t i = 0; i < n; i += 8)
    for (int k = 0; k < K; ++k) {
      D v;
      load(v, x + i + W * k);
      const D a = (D)((I)v & abs_mask);
      const I ok = a <= max;  // NaN compares false
      if (pass == 1) {
        s[k] += ok ? v : zero;
        lo[k] = (ok & (v < lo[k])) ? v : lo[k];
        hi[k] = (ok & (v > hi[k])) ? v : hi[k];
      } else {
        const D d = ok ? v - mu : zero, d2 = d * d;
        if (pass == 2) {
          m2[k] += d2;
        } else {
          m4[k] += d2 * d2;
          out6[k] -= ok & (a > six_v);
        }
      }
    }
  for (int k = 0; k < K; ++k) {
    store(t.s + W * k, s[k]), store(t.lo + W * k, lo[k]), store(t.hi + W * k, hi[k]);
    store(t.m2 + W * k, m2[k]), store(t.m4 + W * k, m4[k]), store(t.out6 + W * k, out6[k]);
  }
}
[[gnu::target("avx2")]] void stat_avx2(StatLanes& t, const double* x, std::uint64_t n, int pass, double mean,
                                       double six) {
  stat_kernel<V4d, V4i>(t, x, n, pass, mean, six);
}
/// Pass 1: sum, min, max; pass 2: Σ(x - mean)²; pass 3: Σ(x - mean)⁴ and the count of |x| > six.
void stat_lanes(StatLanes& t, const std::vector<double>& buf, int pass, double mean = 0, double six = 0) {
  static const bool avx2 = have_avx2();
  const auto run = [&](const double* x, std::uint64_t n) {
    if (avx2) stat_avx2(t, x, n, pass, mean, six);
    else stat_kernel<V2d, V2i>(t, x, n, pass, mean, six);
  };
  const std::uint64_t n = buf.size(), body = n / 8 * 8;
  run(buf.data(), body);
  if (body < n) {
    double tail[8];
    std::fill_n(tail, 8, std::numeric_limits<double>::quiet_NaN());
    std::copy(buf.begin() + static_cast<std::ptrdiff_t>(body), buf.end(), tail);
    run(tail, 8);
  }
}

}  // namespace

TensorStats tensor_stats(const RowSource& src, unsigned threads) {
  TensorStats st;
  const Plan plan = make_plan(src, 1 << 20, 1);
  std::vector<std::vector<double>> bufs(worker_count(threads));
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // Pass 1, per task: count, sum, min, max, then the task's M2 about its own mean; merged in task order with
  // Chan et al.'s parallel variance update. Every sum runs in eight lanes (for_each_lane).
  struct Part {
    std::uint64_t k = 0, nonfinite = 0;
    double mean = 0, m2 = 0, min = 0, max = 0;
  };
  std::vector<Part> parts(plan.tasks);
  parallel_tasks(plan.tasks, threads, [&](std::uint64_t t, unsigned w) {
    std::vector<double>& buf = bufs[w];
    Part& p = parts[t];
    p.nonfinite = read_task(src, plan, t, buf, false);
    p.k = buf.size() - p.nonfinite;
    StatLanes lanes;
    stat_lanes(lanes, buf, 1);
    p.min = *std::min_element(lanes.lo, lanes.lo + 8);
    p.max = *std::max_element(lanes.hi, lanes.hi + 8);
    if (p.k == 0) return;
    p.mean = Lanes::total(lanes.s) / double(p.k);
    stat_lanes(lanes, buf, 2, p.mean);
    p.m2 = Lanes::total(lanes.m2);
  });
  double mean = 0, m2 = 0;
  std::uint64_t n = 0;
  st.min = kInf;
  st.max = -st.min;
  for (const Part& p : parts) {
    st.nonfinite += p.nonfinite;
    if (p.k == 0) continue;
    st.min = std::min(st.min, p.min);
    st.max = std::max(st.max, p.max);
    const double delta = p.mean - mean;
    const double tot = double(n + p.k);
    mean += delta * double(p.k) / tot;
    m2 += p.m2 + delta * delta * double(n) * double(p.k) / tot;
    n += p.k;
  }
  st.count = n + st.nonfinite;
  if (n == 0) {
    st.min = st.max = 0;
    return st;
  }
  st.mean = mean;
  st.std = std::sqrt(m2 / double(n));
  st.amax = std::max(std::fabs(st.min), std::fabs(st.max));
  // Pass 2: fourth central moment and the |x| > 6σ share, summed per task in lanes and then in task order.
  std::vector<double> m4s(plan.tasks, 0.0);
  std::vector<std::uint64_t> out6s(plan.tasks, 0);
  const double six = 6 * st.std;
  parallel_tasks(plan.tasks, threads, [&](std::uint64_t t, unsigned w) {
    std::vector<double>& buf = bufs[w];
    read_task(src, plan, t, buf, false);
    StatLanes lanes;
    stat_lanes(lanes, buf, 3, mean, six);
    m4s[t] = Lanes::total(lanes.m4);
    out6s[t] = Lanes::count(lanes.out6);
  });
  double m4 = 0;
  std::uint64_t out6 = 0;
  for (std::uint64_t t = 0; t < plan.tasks; ++t) {
    m4 += m4s[t];
    out6 += out6s[t];
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
bool check_element_rounding(const Format& f, Rounding r, std::span<const double> values, std::string* mismatch,
                            bool saturate) {
  Rng rng{1};
  Codec c(f, r, saturate, &rng);
  // Whether `got` (with its clipped flag) is post(engine(pre(v))); names the path and the value on a mismatch.
  auto agrees = [&](const char* path, double v, double got, bool got_clip, const Affine& aff) {
    bool clip = false;
    const double want = Affine::apply(aff.post, c.round_engine(Affine::apply(aff.pre, v, aff.a), clip), aff.b);
    if (std::bit_cast<std::uint64_t>(got) == std::bit_cast<std::uint64_t>(want) && got_clip == clip) return true;
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
  // The vector kernels, SSE2 and AVX2, on the whole list, starting at every offset mod 4 so that each value
  // passes through every vector lane and through the scalar tail.
  for (unsigned pass = 0; pass < (have_avx2() ? 8u : 4u); ++pass) {  // SSE2, then AVX2 where the CPU has it
    c.avx2 = pass >= 4;
    if (pass % 4 < values.size() && !kernels_agree(" (vector kernels) ", values.subspan(pass % 4), {})) return false;
  }
  // The scalings fused into the kernels: post(round(pre(v))) against the engine on pre(v), then post.
  const double scale = 0.7;  // not a power of two: every multiplication and division rounds
  for (const Affine& aff : {Affine{ScaleOp::kMul, scale, ScaleOp::kDiv, scale},
                            Affine{ScaleOp::kDiv, scale, ScaleOp::kMul, scale},
                            Affine{ScaleOp::kMul, 0.25, ScaleOp::kMul, 4.0}, Affine{ScaleOp::kDiv, scale}})
    for (bool use_avx2 : {false, have_avx2()}) {
      c.avx2 = use_avx2;
      if (!kernels_agree(" (scaled vector kernels) ", values, aff)) return false;
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

Metrics error_metrics(std::span<const double> x, std::span<const double> y, int isa) {
  if (x.size() != y.size()) throw InputError("error_metrics: x and y differ in length");
  const std::vector<unsigned char> clip(x.size(), 0);
  const bool avx2 = isa == 2 || (isa == 0 && have_avx2());
  std::vector<double> inv(x.size());
  reciprocals(x.data(), inv.data(), x.size(), avx2);
  Lanes lanes;
  lanes.add(x.data(), inv.data(), y.data(), clip.data(), x.size(), avx2);
  return lanes.metrics(x.size());
}
bool have_avx2_kernels() { return have_avx2(); }

int nearest_code(std::span<const float> sorted_codes, float x) { return CodeBook(sorted_codes).nearest(x); }
std::vector<int> nearest_codes(std::span<const float> sorted_codes, std::span<const float> x, bool magnitude,
                               int isa) {
  std::vector<std::int32_t> idx(x.size());
  CodeBook(sorted_codes).nearest_n(x.data(), idx.data(), x.size(), magnitude, isa == 2 || (isa == 0 && have_avx2()));
  return std::vector<int>(idx.begin(), idx.end());
}

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

std::vector<SchemeResult> quantize_schemes(std::span<const Scheme> schemes, const RowSource& src,
                                           const TensorStats& stats, const QuantizeOptions& options) {
  if (stats.nonfinite > 0 && !options.ignore_nonfinite)
    throw InputError("the input has " + std::to_string(stats.nonfinite) + " NaN or inf values among " +
                     std::to_string(stats.count) + ": pass --ignore-nonfinite to analyse the finite values only");
  const std::uint64_t rows = src.rows(), cols = src.cols();
  auto is_ggml = [](const Scheme& s) { return s.family == SchemeFamily::kQ8_0 || s.family == SchemeFamily::kQ4_0; };
  if (options.blocks && cols % 32 != 0)
    for (const Scheme& s : schemes)
      if (is_ggml(s))
        throw InputError("--write-blocks needs rows whose length is a multiple of 32 (ggml's QK), got " +
                         std::to_string(cols));
  const unsigned threads = worker_count(options.threads);
  if (options.dequantized && schemes.size() != 1)
    throw std::invalid_argument("quantize_schemes: the dequantized callback takes a single scheme");
  Plan plan = make_plan(src, options.chunk_elements, block_lcm(schemes));
  plan.align = std::lcm(block_lcm(schemes), std::uint64_t{8});
  plan.read = std::max<std::uint64_t>(1, options.read_elements);

  // Per-scheme state shared by every task: tensor range, nf4-dq's absmax, per-row ranges of a segmented plan.
  std::vector<Ctx> ctx(schemes.size());
  std::optional<RowRanges> ranges;  // per-row ranges, when a per-channel scheme runs on cut rows
  std::vector<SchemeResult> results(schemes.size());
  for (std::size_t j = 0; j < schemes.size(); ++j) {
    const Scheme& s = schemes[j];
    ctx[j].amax = stats.amax;
    ctx[j].min = stats.min;
    ctx[j].max = stats.max;
    if (s.double_quant) prepare_double_quant(s, src, plan, threads, ctx[j]);
    if (plan.segmented && s.granularity == Granularity::kChannel) {
      if (!ranges) ranges = row_ranges(src, plan, stats, threads);
      ctx[j].rows = &*ranges;
    }
    SchemeResult& r = results[j];
    r.scheme = s;
    r.storage_bits = scheme_storage_bits(s, rows, cols);
    r.bits_per_element = rows != 0 && cols != 0 ? r.storage_bits / (double(rows) * double(cols)) : 0;
    r.bytes = static_cast<std::uint64_t>(std::ceil(r.storage_bits / 8));
  }

  // Schemes whose tasks must run in order (a stochastic rounding stream, ggml blocks written to a stream, the
  // dequantized callback) take one thread; the others share the tasks of one pass over the data.
  std::vector<std::size_t> ordered, free;
  for (std::size_t j = 0; j < schemes.size(); ++j) {
    const bool seq = schemes[j].rounding == Rounding::kStochastic || (options.blocks && is_ggml(schemes[j])) ||
                     options.dequantized;
    (seq ? ordered : free).push_back(j);
  }
  auto pass = [&](const std::vector<std::size_t>& which, unsigned nthreads) {
    if (which.empty()) return;
    const std::size_t J = which.size();
    std::vector<Metrics> slots(plan.tasks * J);
    struct Worker {
      std::vector<double> x, inv, y;
      std::vector<unsigned char> clip;
      std::vector<std::unique_ptr<RowQuantizer>> rq;
      std::vector<Lanes> lanes;
    };
    std::vector<Worker> workers(nthreads);
    parallel_tasks(plan.tasks, nthreads, [&](std::uint64_t k, unsigned w) {
      Worker& wk = workers[w];
      if (wk.rq.empty()) {
        for (std::size_t j : which) wk.rq.push_back(std::make_unique<RowQuantizer>(schemes[j], ctx[j]));
        wk.x.resize(plan.max_read());
        wk.inv.resize(plan.max_read());
        wk.y.resize(plan.max_read());
        wk.clip.resize(plan.max_read());
      }
      // Each piece is read once, and every scheme runs on it while it is in cache. A scheme's sums see its
      // segments in the order a scheme-by-scheme loop gives them, so this order does not change their bits.
      const Plan::Task t = plan.task(k);
      wk.lanes.assign(J, Lanes{});
      std::uint64_t masked = 0, base = 0;
      const auto read = [&](std::uint64_t off, std::uint64_t n) {
        src.read_range(t.first + off, n, wk.x.data());
        masked += count_nonfinite(wk.x.data(), n, true);
        reciprocals(wk.x.data(), wk.inv.data(), n);
        base = off;
      };
      plan.pieces(t, read, [&](std::uint64_t off, std::uint64_t n, std::uint64_t row, std::uint64_t col0) {
        const double* x = wk.x.data() + (off - base);
        const double* inv = wk.inv.data() + (off - base);
        for (std::size_t jj = 0; jj < J; ++jj) {
          std::ostream* blocks = is_ggml(schemes[which[jj]]) ? options.blocks : nullptr;
          wk.rq[jj]->run(x, wk.y.data(), wk.clip.data(), n, row, col0, blocks);
          if (options.dequantized) options.dequantized(wk.y.data(), n);
          wk.lanes[jj].add(x, inv, wk.y.data(), wk.clip.data(), n);
        }
      });
      for (std::size_t jj = 0; jj < J; ++jj) slots[k * J + jj] = wk.lanes[jj].metrics(t.count - masked);
    });
    for (std::uint64_t k = 0; k < plan.tasks; ++k)
      for (std::size_t jj = 0; jj < J; ++jj) results[which[jj]].metrics.merge(slots[k * J + jj]);
  };
  pass(free, threads);
  pass(ordered, 1);
  return results;
}

SchemeResult quantize_tensor(const Scheme& s, const RowSource& src, const TensorStats& stats,
                             const QuantizeOptions& options) {
  return quantize_schemes(std::span<const Scheme>(&s, 1), src, stats, options)[0];
}

std::vector<double> quantize_dequantize(const Scheme& s, std::span<const double> x, std::uint64_t rows,
                                        std::uint64_t cols, Metrics* metrics, std::ostream* blocks) {
  const MemorySource src(std::vector<double>(x.begin(), x.end()), rows, cols);
  std::vector<double> out;
  out.reserve(x.size());
  QuantizeOptions opt;
  opt.blocks = blocks;
  opt.dequantized = [&](const double* y, std::uint64_t count) { out.insert(out.end(), y, y + count); };
  const SchemeResult r = quantize_tensor(s, src, tensor_stats(src), opt);
  if (metrics) *metrics = r.metrics;
  return out;
}

std::vector<std::size_t> cost_order(const std::vector<SchemeResult>& results) {
  std::vector<std::size_t> order(results.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (results[a].bits_per_element != results[b].bits_per_element)
      return results[a].bits_per_element < results[b].bits_per_element;
    return results[a].metrics.sqnr_db() > results[b].metrics.sqnr_db();
  });
  return order;
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
  const std::vector<std::size_t> order = cost_order(results);
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
