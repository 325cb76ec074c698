// tensor_stats (quantize.h): count, min, max, mean, std, kurtosis and the |x| > 6σ share in two passes, summed in
// eight lanes per task and merged in task order, so the bits depend neither on the thread count nor the ISA.
#include "numscope/quantize/intrinsics.h"  // <immintrin.h>

#include <algorithm>  // std::min_element, std::max_element, std::fill_n
#include <cmath>      // std::sqrt, std::fabs
#include <cstring>    // std::memcpy
#include <limits>     // std::numeric_limits
#include <vector>     // std::vector

#include "numscope/quantize/lanes.h"
#include "numscope/quantize/plan.h"
#include "numscope/quantize/quantize.h"
#include "numscope/support/parallel.h"

namespace numscope {
using namespace detail;
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
/// stat_kernel with AVX-512 intrinsics (one vector is the eight lanes; GCC 12 runs 512-bit vector-extension
/// compares element by element). Masked adds keep a lane where stat_kernel adds +0: these sums never hold -0
/// (they start at +0 and add squares or finite values, and x + -0 = x for x != -0), so the bits are the same.
[[gnu::target(NUMSCOPE_QUANTIZE_AVX512)]] void stat_avx512(StatLanes& t, const double* x, std::uint64_t n, int pass,
                                                         double mean, double six) {
  __m512d s = _mm512_loadu_pd(t.s), lo = _mm512_loadu_pd(t.lo), hi = _mm512_loadu_pd(t.hi);
  __m512d m2 = _mm512_loadu_pd(t.m2), m4 = _mm512_loadu_pd(t.m4);
  __m512i out6 = _mm512_loadu_si512(t.out6);
  const __m512d max = _mm512_set1_pd(std::numeric_limits<double>::max()), mu = _mm512_set1_pd(mean);
  const __m512d six_v = _mm512_set1_pd(six);
  for (std::uint64_t i = 0; i < n; i += 8) {
    const __m512d v = _mm512_loadu_pd(x + i), a = _mm512_abs_pd(v);
    const __mmask8 ok = _mm512_cmp_pd_mask(a, max, _CMP_LE_OQ);  // NaN compares false
    if (pass == 1) {
      s = _mm512_mask_add_pd(s, ok, s, v);
      lo = _mm512_mask_mov_pd(lo, _mm512_mask_cmp_pd_mask(ok, v, lo, _CMP_LT_OQ), v);
      hi = _mm512_mask_mov_pd(hi, _mm512_mask_cmp_pd_mask(ok, v, hi, _CMP_GT_OQ), v);
    } else {
      const __m512d d = _mm512_maskz_sub_pd(ok, v, mu), d2 = _mm512_mul_pd(d, d);
      if (pass == 2) {
        m2 = _mm512_add_pd(m2, d2);
      } else {
        m4 = _mm512_add_pd(m4, _mm512_mul_pd(d2, d2));
        out6 = _mm512_mask_add_epi64(out6, _mm512_mask_cmp_pd_mask(ok, a, six_v, _CMP_GT_OQ), out6,
                                     _mm512_set1_epi64(1));
      }
    }
  }
  _mm512_storeu_pd(t.s, s), _mm512_storeu_pd(t.lo, lo), _mm512_storeu_pd(t.hi, hi);
  _mm512_storeu_pd(t.m2, m2), _mm512_storeu_pd(t.m4, m4);
  _mm512_storeu_si512(t.out6, out6);
}
/// Pass 1: sum, min, max; pass 2: Σ(x - mean)²; pass 3: Σ(x - mean)⁴ and the count of |x| > six.
void stat_lanes(StatLanes& t, const std::vector<double>& buf, int pass, double mean = 0, double six = 0) {
  const Isa isa = kernel_isa();
  const auto run = [&](const double* x, std::uint64_t n) {
    if (isa >= Isa::kAvx512) stat_avx512(t, x, n, pass, mean, six);
    else if (isa >= Isa::kAvx2) stat_avx2(t, x, n, pass, mean, six);
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


}  // namespace numscope
