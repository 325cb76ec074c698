// The vector kernels of kernels.h: templates on the vector type, instantiated for SSE2 and for AVX2.
#include "numscope/quantize/kernels.h"

#include "numscope/quantize/kernels_avx512.h"

#include <algorithm>  // std::max, std::min
#include <atomic>     // std::atomic
#include <cmath>      // std::fabs, std::isfinite
#include <limits>     // std::numeric_limits

#include "numscope/support/cpu.h"  // best_isa

namespace numscope::detail {

/// Rounds pre(v) to nearest even on a float format's grid (round.h's round_to_grid for rne, in vector lanes: the
/// scaled value's integer part by the 2^52 add, as the fast kernels round subnormals), or to the nearest even
/// integer clamped to [min_int, max_finite] (`Integer`, with the clipped flags, 1), and writes post of it, for n
/// values (n a multiple of W); a float beyond max_finite saturates up to GridParams::sat_limit. Lanes it cannot
/// round (a float beyond sat_limit, an integer past 2^51, NaN) get
/// clip 2 and keep pre(v) in out, for the caller to redo; the others get clip 0. Returns whether there was any.
template <class D, class I, class U, bool Integer, ScaleOp Pre, ScaleOp Post>
[[gnu::always_inline]] inline bool rne_kernel(const GridParams& p, const Affine& s, const double* v, double* out,
                                              unsigned char* clip, std::uint64_t n) {
  constexpr int W = sizeof(D) / sizeof(double);
  const I abs_mask = I{} + 0x7fffffffffffffffLL;
  const U exp_mask = U{} + 0x7ff0000000000000ULL;
  const U up_base = U{} + (static_cast<std::uint64_t>(2046 + p.m) << 52);  // wraps past 2^63: unsigned
  const U m_field = U{} + (static_cast<std::uint64_t>(p.m) << 52);
  const D magic = D{} + 0x1p52, min_normal = D{} + p.min_normal, zero = D{};
  const D hi = D{} + p.max_finite, lo = D{} + p.min_int, limit = D{} + (Integer ? 0x1p51 : p.sat_limit);
  const D sat_clip = D{} + p.sat_clip;
  const D sa = D{} + s.a, sb = D{} + s.b;
  I outside = I{};
  for (std::uint64_t i = 0; i < n; i += W) {
    D x;
    std::memcpy(&x, v + i, sizeof x);
    x = apply_op<Pre>(x, sa);
    const D a = (D)((I)x & abs_mask);
    I out_lane, flag;
    D r;
    if constexpr (Integer) {
      out_lane = ~(a < limit);
      r = (D)((I)((a + magic) - magic) | ((I)x & ~abs_mask));
      const I clipped = (r > hi) | (r < lo);
      r = r > hi ? hi : r;
      r = r < lo ? lo : r;
      r = r + zero;  // integers have no -0
      flag = out_lane ? I{} + 2 : clipped & 1;
    } else {
      out_lane = ~(a <= limit);
      const D c = a > min_normal ? a : min_normal;  // max(|v|, 2^emin): its exponent is e
      const U e_field = (U)c & exp_mask;              // (e + 1023) << 52
      const D up = (D)(up_base - e_field);            // 2^(m - e)
      const D down = (D)(e_field - m_field);          // 2^(e - m)
      const D t = x * up;
      const D at = (D)((I)t & abs_mask);
      const D q = (D)((I)((at + magic) - magic) | ((I)t & ~abs_mask));  // rint_even(t), sign kept
      r = q * down;
      if (!p.negzero) r = r + zero;  // -0 + 0 = +0 in round to nearest
      r = a > hi ? (D)((I)hi | ((I)x & ~abs_mask)) : r;  // saturating: ±max (GridParams::sat_limit)
      flag = out_lane ? I{} + 2 : (I)(a > sat_clip) & 1;
    }
    outside |= out_lane;
    r = out_lane ? x : apply_op<Post>(r, sb);
    std::memcpy(out + i, &r, sizeof r);
    for (int l = 0; l < W; ++l) clip[i + l] = static_cast<unsigned char>(flag[l]);
  }
  return any_lane(outside);
}

template <bool Integer, ScaleOp Pre, ScaleOp Post>
bool rne_sse2(const GridParams& p, const Affine& s, const double* v, double* out, unsigned char* clip,
              std::uint64_t n) {
  return rne_kernel<V2d, V2i, V2u, Integer, Pre, Post>(p, s, v, out, clip, n);
}
template <bool Integer, ScaleOp Pre, ScaleOp Post>
[[gnu::target("avx2")]] bool rne_avx2(const GridParams& p, const Affine& s, const double* v, double* out,
                                      unsigned char* clip, std::uint64_t n) {
  return rne_kernel<V4d, V4i, V4u, Integer, Pre, Post>(p, s, v, out, clip, n);
}
RoundKernel round_kernel(bool integer, Isa isa, ScaleOp pre, ScaleOp post) {
  if (isa >= Isa::kAvx512) return round_kernel_avx512(integer, pre, post);
  static constexpr RoundKernel kTable[2][2][3][3] = {
      {NUMSCOPE_SCALINGS(rne_sse2, false), NUMSCOPE_SCALINGS(rne_avx2, false)},
      {NUMSCOPE_SCALINGS(rne_sse2, true), NUMSCOPE_SCALINGS(rne_avx2, true)}};
  return kTable[integer][isa >= Isa::kAvx2][static_cast<int>(pre)][static_cast<int>(post)];
}
namespace {
std::atomic<int> g_isa_cap{-1};  // cap_kernel_isa's, -1 for none
}  // namespace
Isa kernel_isa() {
  const int cap = g_isa_cap.load(std::memory_order_relaxed);
  return cap >= 0 && cap < static_cast<int>(best_isa()) ? static_cast<Isa>(cap) : best_isa();
}
void cap_kernel_isa(std::optional<Isa> isa) { g_isa_cap.store(isa ? static_cast<int>(*isa) : -1); }
/// The AVX2 builds run where the fast conversions' AVX2 kernels run: support/cpu.h decides for both (read once
/// there, capped by NUMSCOPE_ISA).
bool have_avx2() { return kernel_isa() >= Isa::kAvx2; }


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
  if (kernel_isa() >= Isa::kAvx512) return range_avx512(x, n, lo, hi);
  if (have_avx2()) return range_avx2(x, n, lo, hi);
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
  if (kernel_isa() >= Isa::kAvx512) return amax_avx512(x, n, bs, out);
  if (have_avx2()) return amax_avx2(x, n, bs, out);
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


bool fp32_values(const double* x, std::uint64_t n, double limit, bool& beyond, Isa isa) {
  std::uint64_t i = 0;
  bool fp32 = true;
  if (isa >= Isa::kAvx512) {
    i = n / 8 * 8;
    fp32 = fp32_values_avx512(x, i, limit, beyond);
  }
  for (; i < n; ++i) {
    fp32 &= static_cast<double>(static_cast<float>(x[i])) == x[i];
    beyond |= std::fabs(x[i]) > limit;
  }
  return fp32;
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
void reciprocals(const double* x, double* inv, std::uint64_t n, Isa isa) {
  if (isa >= Isa::kAvx512) return reciprocals_avx512(x, inv, n);
  if (isa >= Isa::kAvx2) return reciprocals_avx2(x, inv, n);
  reciprocal_kernel<V2d, V2i>(x, inv, n);
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
  if (kernel_isa() >= Isa::kAvx512) return nonfinite_avx512(x, n, mask);
  return have_avx2() ? nonfinite_avx2(x, n, mask) : nonfinite_kernel<V2d, V2i>(x, n, mask);
}


}  // namespace numscope::detail
