// The lane loops of lanes.h, and the Metrics derived from the sums.
#include "numscope/support/bits.h"  // bit_cast (libc++ 14 has no std::bit_cast)
#include "numscope/quantize/lanes.h"

#include "numscope/quantize/kernels_avx512.h"

#include <cmath>    // std::sqrt, std::log10, std::ldexp
#include <cstring>  // std::memcpy
#include <vector>   // std::vector

#include "numscope/io/tensor_io.h"  // widen_fp32
#include "numscope/support/error.h"

namespace numscope {
namespace detail {

/// Loads and stores of vectors from and to the lane arrays, whatever their alignment.
template <class V, class T>
[[gnu::always_inline]] inline void load(V& v, const T* a) {
  std::memcpy(&v, a, sizeof v);
}
template <class T, class V>
[[gnu::always_inline]] inline void store(T* a, const V& v) {
  std::memcpy(a, &v, sizeof v);
}

/// Σx² and the nonzero count for vectors D of W doubles (8 / W vectors make the 8 lanes), I their masks; n is a
/// multiple of 8.
template <class D, class I>
[[gnu::always_inline]] inline void x_sums(Lanes& t, const double* x, std::uint64_t n) {
  constexpr int W = sizeof(D) / sizeof(double), K = 8 / W;
  D x2[K];
  I rel_n[K];
  for (int k = 0; k < K; ++k) load(x2[k], t.x2 + W * k), load(rel_n[k], t.rel_n + W * k);
  for (std::uint64_t i = 0; i < n; i += 8)
    for (int k = 0; k < K; ++k) {
      D X;
      load(X, x + i + W * k);
      x2[k] += X * X;
      rel_n[k] -= X != 0.0;
    }
  for (int k = 0; k < K; ++k) store(t.x2 + W * k, x2[k]), store(t.rel_n + W * k, rel_n[k]);
}

/// The sums of y against x (all but add_x's). `Finite` is the fast loop for results that are all finite, which
/// is almost always: it leaves out the tests for inf and NaN, and adds |x - y|·inv where x is 0 too (inv is 0
/// there and the error finite, so it adds +0, which leaves a sum of non-negative terms unchanged). Its sums
/// are those of the full loop exactly when every y² and e² term was finite, which their sums being finite
/// shows afterwards: it then stores them and returns true; otherwise it returns false with t untouched, and
/// error_sums runs the full loop.
template <class D, class I, bool Finite>
[[gnu::always_inline]] inline bool error_sums_loop(Lanes& t, const double* x, const double* inv, const double* y,
                                                   std::uint64_t n) {
  constexpr int W = sizeof(D) / sizeof(double), K = 8 / W;
  constexpr double kMax = std::numeric_limits<double>::max();
  D y2[K], xy[K], e2[K], rel[K], emax[K];
  I under[K], nonfinite[K], bad[K];
  for (int k = 0; k < K; ++k) {
    load(y2[k], t.y2 + W * k), load(xy[k], t.xy + W * k), load(e2[k], t.e2 + W * k);
    load(rel[k], t.rel + W * k), load(emax[k], t.emax + W * k), load(under[k], t.under + W * k);
    load(nonfinite[k], t.nonfinite + W * k), load(bad[k], t.bad + W * k);
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
      const D AE = (D)((I)E & abs_mask);
      y2[k] += Y * Y;
      xy[k] += X * Y;
      e2[k] += E * E;
      const I nonzero = X != 0.0;
      under[k] -= nonzero & (Y == 0.0);
      if constexpr (Finite) {
        emax[k] = AE > emax[k] ? AE : emax[k];
        rel[k] += AE * INV;
      } else {
        const D AY = (D)((I)Y & abs_mask);
        const I finite_err = AE <= kMax;  // -1 where the error is finite, 0 for inf and NaN
        emax[k] = (finite_err & (AE > emax[k])) ? AE : emax[k];
        bad[k] -= ~finite_err;
        rel[k] += nonzero ? AE * INV : zero;  // |x - y| · (1/|x|); x = 0 is left out (inf · 0 would be NaN)
        nonfinite[k] -= ~(AY <= kMax);
      }
    }
  if constexpr (Finite) {
    bool finite = true;
    for (int k = 0; k < K; ++k)
      for (int l = 0; l < W; ++l) finite &= std::fabs(y2[k][l]) <= kMax && std::fabs(e2[k][l]) <= kMax;
    if (!finite) return false;
  }
  for (int k = 0; k < K; ++k) {
    store(t.y2 + W * k, y2[k]), store(t.xy + W * k, xy[k]), store(t.e2 + W * k, e2[k]);
    store(t.rel + W * k, rel[k]), store(t.emax + W * k, emax[k]), store(t.under + W * k, under[k]);
    store(t.nonfinite + W * k, nonfinite[k]), store(t.bad + W * k, bad[k]);
  }
  return true;
}
using ErrorLoop = bool (*)(Lanes&, const double*, const double*, const double*, std::uint64_t);
bool error_finite_sse2(Lanes& t, const double* x, const double* inv, const double* y, std::uint64_t n) {
  return error_sums_loop<V2d, V2i, true>(t, x, inv, y, n);
}
bool error_full_sse2(Lanes& t, const double* x, const double* inv, const double* y, std::uint64_t n) {
  return error_sums_loop<V2d, V2i, false>(t, x, inv, y, n);
}
[[gnu::target("avx2")]] bool error_finite_avx2(Lanes& t, const double* x, const double* inv, const double* y,
                                               std::uint64_t n) {
  return error_sums_loop<V4d, V4i, true>(t, x, inv, y, n);
}
[[gnu::target("avx2")]] bool error_full_avx2(Lanes& t, const double* x, const double* inv, const double* y,
                                             std::uint64_t n) {
  return error_sums_loop<V4d, V4i, false>(t, x, inv, y, n);
}
/// The loop for finite results, then the full loop over the same values from the same start when a sum of y²
/// or e² is not finite (an inf or NaN result, or a square that overflowed). AVX-512 redoes with the AVX2 loop.
void error_sums(Isa isa, Lanes& t, const double* x, const double* inv, const double* y, std::uint64_t n) {
  const ErrorLoop finite_loop = isa >= Isa::kAvx512 ? error_sums_finite_avx512
                                : isa >= Isa::kAvx2 ? error_finite_avx2
                                                    : error_finite_sse2;
  if (!finite_loop(t, x, inv, y, n)) (isa >= Isa::kAvx2 ? error_full_avx2 : error_full_sse2)(t, x, inv, y, n);
}

void x_sums_sse2(Lanes& t, const double* x, std::uint64_t n) { x_sums<V2d, V2i>(t, x, n); }
[[gnu::target("avx2")]] void x_sums_avx2(Lanes& t, const double* x, std::uint64_t n) { x_sums<V4d, V4i>(t, x, n); }

void Lanes::add_x(const double* x, std::uint64_t n, Isa isa) {
  const auto sums = isa >= Isa::kAvx512 ? x_sums_avx512 : isa >= Isa::kAvx2 ? x_sums_avx2 : x_sums_sse2;
  const std::uint64_t body = n / 8 * 8;
  sums(*this, x, body);
  if (body < n) {
    double xt[8] = {};
    std::copy(x + body, x + n, xt);
    sums(*this, xt, 8);
  }
}

std::uint64_t Lanes::prepare_x(double* x, double* inv, std::uint64_t n, Isa isa) {
  std::uint64_t body = 0, masked = 0;
  if (isa >= Isa::kAvx512) {
    body = n / 8 * 8;
    masked = prepare_x_avx512(*this, x, inv, body);
  }
  masked += count_nonfinite(x + body, n - body, true);
  if (inv) reciprocals(x + body, inv + body, n - body, isa);
  add_x(x + body, n - body, isa);  // a whole multiple of 8 done, the lanes of the rest are those of add_x(x, n)
  return masked;
}

std::uint64_t Lanes::prepare_fp32(const unsigned char* src, double* x, double* inv, std::uint64_t n, double* amax,
                                  Isa isa) {
  std::uint64_t body = 0, masked = 0;
  double body_amax = 0;
  if (isa >= Isa::kAvx512) {
    body = n / 8 * 8;
    masked = prepare_fp32_avx512(*this, src, x, inv, body, body_amax);
  }
  widen_fp32(src + 4 * body, x + body, n - body);
  // The rest as prepare_x takes it (its lanes continue those of the body; all of it below AVX-512).
  masked += prepare_x(x + body, inv ? inv + body : nullptr, n - body, isa);
  if (amax) *amax = body < n ? std::max(body_amax, block_amax(x + body, n - body)) : body_amax;
  return masked;
}

void Lanes::add_error(const double* x, const double* inv, const double* y, const unsigned char* clip,
                      std::uint64_t n, Isa isa) {
  const std::uint64_t body = n / 8 * 8;
  error_sums(isa, *this, x, inv, y, body);
  if (body < n) {  // the tail, padded with zeros (a zero pair adds nothing to any sum or count)
    double xt[8] = {}, it[8] = {}, yt[8] = {};
    std::copy(x + body, x + n, xt);
    std::copy(inv + body, inv + n, it);
    std::copy(y + body, y + n, yt);
    error_sums(isa, *this, xt, it, yt, 8);
  }
  // The flags are 0 or 1 here: eight at a time as one word, whose bytes the multiplication adds up in its top
  // byte.
  std::uint64_t k = 0;
  if (isa >= Isa::kAvx512) {
    k = n / 64 * 64;
    clipped += count_bytes_avx512(clip, k);
  }
  for (; k + 8 <= n; k += 8) {
    std::uint64_t w;
    std::memcpy(&w, clip + k, 8);
    clipped += (w * 0x0101010101010101ULL) >> 56;
  }
  for (; k < n; ++k) clipped += clip[k];
}


}  // namespace detail

using namespace detail;

int ErrorHistogram::bin(double e) {
  if (e == 0) return 0;
  if (!(e < 0x1p64)) return kBins - 1;
  if (e < 0x1p-64) return 1;
  const std::uint64_t b = bit_cast<std::uint64_t>(e);
  const int exp = static_cast<int>(b >> 52) - 1023, sub = static_cast<int>((b >> 50) & 3);
  return 1 + (exp - kMinExp) * kPerOctave + sub;
}
double ErrorHistogram::lower_edge(int k) {
  if (k <= 0) return 0;
  if (k >= kBins - 1) return 0x1p64;
  const int i = k - 1;
  return std::ldexp(1.0 + (i % kPerOctave) / double(kPerOctave), kMinExp + i / kPerOctave);
}
double ErrorHistogram::upper_edge(int k) {
  if (k <= 0) return 0;
  if (k >= kBins - 1) return std::numeric_limits<double>::infinity();
  return lower_edge(k + 1);
}
double ErrorHistogram::percentile(const std::vector<std::uint64_t>& counts, double p) {
  std::uint64_t total = 0;
  for (std::uint64_t c : counts) total += c;
  if (total == 0) return 0;
  const double rank = p * double(total);
  std::uint64_t seen = 0;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    seen += counts[k];
    if (double(seen) >= rank && counts[k] > 0) return upper_edge(static_cast<int>(k));
  }
  return upper_edge(static_cast<int>(counts.size()) - 1);
}

void Metrics::merge(const Metrics& o) {
  auto add = [](std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
    if (b.empty()) return;
    if (a.empty()) a.assign(b.size(), 0);
    for (std::size_t k = 0; k < b.size(); ++k) a[k] += b[k];
  };
  add(abs_hist, o.abs_hist);
  add(rel_hist, o.rel_hist);
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


Metrics error_metrics(std::span<const double> x, std::span<const double> y, int isa) {
  if (x.size() != y.size()) throw InputError("error_metrics: x and y differ in length");
  const std::vector<unsigned char> clip(x.size(), 0);
  const Isa which = isa == 0 ? kernel_isa() : isa == 3 ? Isa::kAvx512 : isa == 2 ? Isa::kAvx2 : Isa::kPortable;
  std::vector<double> inv(x.size());
  reciprocals(x.data(), inv.data(), x.size(), which);
  Lanes lanes;
  lanes.add(x.data(), inv.data(), y.data(), clip.data(), x.size(), which);
  return lanes.metrics(x.size());
}
bool have_avx2_kernels() { return have_avx2(); }
bool have_avx512_kernels() { return kernel_isa() >= Isa::kAvx512; }


}  // namespace numscope
