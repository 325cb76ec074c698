// The K-quant and IQ4 scale searches (kquants.h Searches) vectorised across their trial scales: lane k of a vector
// runs trial k from the first element to the last, so every trial's sums are the same fp32 additions in the same
// order as ggml's scalar loop (make_qx_quants, make_qkx2_quants, quantize_row_iq4_nl_impl), and the best trial is
// then chosen in ggml's order by a scalar pass over the lanes. Per-element work (levels, weights, table indices)
// is elementwise and so exact in any lane. One template, built for the baseline (GCC lowers the 16-lane vectors
// to SSE2), AVX2 and AVX-512; support/cpu.h picks. Tests: tests/quantize/ggml_vector_test.cpp (every build ==
// the scalar searches on random and edge data) and the ggml goldens.
#include <cmath>    // std::fabs, std::sqrt
#include <cstring>  // std::memcpy

#include "numscope/quantize/ggml/kquants.h"
#include "numscope/support/cpu.h"

namespace numscope::detail {
namespace {

#define NUMSCOPE_LANES(W)                                 \
  typedef float VF##W __attribute__((vector_size(4 * W))); \
  typedef int VI##W __attribute__((vector_size(4 * W)));   \
  typedef unsigned char VB##W __attribute__((vector_size(W)));
NUMSCOPE_LANES(4)
NUMSCOPE_LANES(8)
NUMSCOPE_LANES(16)
#undef NUMSCOPE_LANES
template <int W>
struct Vec;
template <>
struct Vec<4> {
  using F = VF4;
  using I = VI4;
  using B = VB4;
};
template <>
struct Vec<8> {
  using F = VF8;
  using I = VI8;
  using B = VB8;
};
template <>
struct Vec<16> {
  using F = VF16;
  using I = VI16;
  using B = VB16;
};

/// The searches for W lanes of fp32, the instruction set's own width (GCC splits wider vectors into slow code).
template <int W>
struct Kernels {
using VF = typename Vec<W>::F;
using VI = typename Vec<W>::I;
using VB = typename Vec<W>::B;

[[gnu::always_inline]] static inline VF splat(float v) { return VF{} + v; }
[[gnu::always_inline]] static inline VI splat_i(int v) { return VI{} + v; }
[[gnu::always_inline]] static inline VF to_float(VI v) { return __builtin_convertvector(v, VF); }
[[gnu::always_inline]] static inline VF vabs(VF v) { return (VF)((VI)v & 0x7fffffff); }
/// nearest_int of every lane: the same fp32 addition and bit arithmetic.
[[gnu::always_inline]] static inline VI nearest(VF v) {
  const VF t = v + 12582912.f;
  return ((VI)t & 0x007fffff) - 0x00400000;
}
/// The low bytes of W lanes to out[0..W).
[[gnu::always_inline]] static inline void store_bytes(VI v, unsigned char* out) {
  const VB b = __builtin_convertvector(v, VB);
  std::memcpy(out, &b, sizeof b);
}
[[gnu::always_inline]] static inline VI clamp(VI l, int lo, int hi) {
  l = l < lo ? splat_i(lo) : l;
  return l > hi ? splat_i(hi) : l;
}

/// The element of largest magnitude (the first), with its sign, as kquants.cpp's signed_max.
[[gnu::always_inline]] static inline float first_signed_max(int n, const float* x, float& amax) {
  float max = 0;
  amax = 0;
  for (int i = 0; i < n; ++i)
    if (std::fabs(x[i]) > amax) amax = std::fabs(x[i]), max = x[i];
  return max;
}

/// make_qx_quants: lane 0 the first scale -nmax/max, lanes 1..18 the trials is = -9..-1, 1..9.
[[gnu::always_inline]] static inline float qx_body(int n, int nmax, const float* x, std::int8_t* L, const float* weights) {
  if (n % W != 0 || n > 32) return make_qx_quants(n, nmax, x, L, weights);
  float amax;
  const float max = first_signed_max(n, x, amax);
  if (amax < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.f;
  }
  constexpr int kTrials = 19, kGroups = (kTrials + W - 1) / W;
  float iscales[kGroups * W];
  iscales[0] = static_cast<float>(-nmax) / max;
  for (int k = 1, is = -9; k < kTrials; ++k, ++is) {
    if (is == 0) ++is;
    iscales[k] = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is)) / max;
  }
  for (int k = kTrials; k < kGroups * W; ++k) iscales[k] = iscales[0];
  float sumlx[kGroups * W], suml2[kGroups * W];
  VI levels[kGroups][32];  // n <= 32
  for (int g = 0; g < kGroups; ++g) {
    VF isc, slx = VF{}, sl2 = VF{};
    std::memcpy(&isc, iscales + W * g, sizeof isc);
    for (int i = 0; i < n; ++i) {
      const VI l = clamp(nearest(isc * x[i]), -nmax, nmax - 1);
      levels[g][i] = l;
      const float w = weights ? weights[i] : x[i] * x[i], wx = w * x[i];
      const VF fl = to_float(l);
      slx += wx * fl;
      sl2 += w * fl * fl;
    }
    std::memcpy(sumlx + W * g, &slx, sizeof slx);
    std::memcpy(suml2 + W * g, &sl2, sizeof sl2);
  }
  float scale = suml2[0] != 0 ? sumlx[0] / suml2[0] : 0.0f;
  float best = scale * sumlx[0];
  int chosen = 0;
  for (int k = 1; k < kTrials; ++k)
    if (suml2[k] > 0 && sumlx[k] * sumlx[k] > best * suml2[k]) {
      chosen = k;
      scale = sumlx[k] / suml2[k];
      best = scale * sumlx[k];
    }
  for (int i = 0; i < n; ++i) L[i] = static_cast<std::int8_t>(nmax + levels[chosen / W][i][chosen % W]);
  return scale;
}

/// make_q3_quants for n = 16: the first levels and their products in lanes (the two sums in scalar, in order),
/// then ggml's sweeps that move one level at a time, in scalar with each element's weights w = x² and w·x
/// computed once (every accepted move changes the sums the next element's move is computed from; evaluating a
/// sweep's moves in lanes and redoing them after each accepted one measured slower).
[[gnu::always_inline]] static inline float q3_body(int n, int nmax, const float* x, std::int8_t* L) {
  if (n != 16) return make_q3_quants(n, nmax, x, L);
  float amax;
  const float max = first_signed_max(n, x, amax);
  if (amax < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.f;
  }
  int l[16];
  float wa[16], wxa[16], xa[16], plx[16], pl2[16];
  const float iscale = static_cast<float>(-nmax) / max;
  for (int c = 0; c < 16; c += W) {
    VF xv;
    std::memcpy(&xv, x + c, sizeof xv);
    const VF w = xv * xv, wx = w * xv;
    const VI lv = clamp(nearest(iscale * xv), -nmax, nmax - 1);
    const VF fl = to_float(lv), px = wx * fl, p2 = w * fl * fl;
    std::memcpy(l + c, &lv, sizeof lv);
    std::memcpy(wa + c, &w, sizeof w);
    std::memcpy(wxa + c, &wx, sizeof wx);
    std::memcpy(xa + c, &xv, sizeof xv);
    std::memcpy(plx + c, &px, sizeof px);
    std::memcpy(pl2 + c, &p2, sizeof p2);
  }
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) sumlx += plx[i], suml2 += pl2[i];
  for (int itry = 0; itry < 5; ++itry) {
    int changed = 0;
    for (int i = 0; i < n; ++i) {
      const float fl = static_cast<float>(l[i]);
      float slx = sumlx - wxa[i] * fl;
      if (!(slx > 0)) continue;
      float sl2 = suml2 - wa[i] * fl * fl;
      int nl = nearest_int(xa[i] * sl2 / slx);
      nl = nl < -nmax ? -nmax : nl > nmax - 1 ? nmax - 1 : nl;
      if (nl == l[i]) continue;
      slx += wxa[i] * static_cast<float>(nl);
      sl2 += wa[i] * static_cast<float>(nl) * static_cast<float>(nl);
      if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
        l[i] = nl;
        sumlx = slx;
        suml2 = sl2;
        ++changed;
      }
    }
    if (!changed) break;
  }
  for (int i = 0; i < n; ++i) L[i] = static_cast<std::int8_t>(l[i] + nmax);
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

/// make_qkx2_quants: the first fit in scalar, then the nstep + 1 trial scales W at a time, lane k of group g
/// trial is = W·g + k, each with its error; the best chosen in trial order.
[[gnu::always_inline]] static inline float qkx2_body(int n, int nmax, const float* x, const float* weights, std::uint8_t* L,
                                              float* the_min, float rmin, float rdelta, int nstep, bool use_mad) {
  float min, max, sum_w, sum_x;
  if (!qkx2_start(n, x, weights, L, the_min, min, max, sum_w, sum_x)) return 0.f;
  float iscale = static_cast<float>(nmax) / (max - min);
  float scale = 1 / iscale;
  float xm[32];  // x - min, n <= 32
  for (int i = 0; i < n; ++i) xm[i] = x[i] - min;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    int l = nearest_int(iscale * xm[i]);
    l = l < 0 ? 0 : l > nmax ? nmax : l;
    L[i] = static_cast<std::uint8_t>(l);
    float diff = scale * static_cast<float>(l) + min - x[i];
    diff = use_mad ? std::fabs(diff) : diff * diff;
    best_error += weights[i] * diff;
  }
  if (nstep < 1) {
    *the_min = -min;
    return scale;
  }
  // A trial that wins moves min, and ggml's later trials measure from the new one: lanes past a win that moved
  // min are run again from there.
  VI levels[32];
  for (int base = 0; base <= nstep;) {
    const float range = max - min;
    for (int i = 0; i < n; ++i) xm[i] = x[i] - min;
    float isc_a[W];
    for (int k = 0; k < W; ++k) isc_a[k] = (rmin + rdelta * static_cast<float>(base + k) + static_cast<float>(nmax)) / range;
    VF isc, sl = VF{}, sl2 = VF{}, sxl = VF{};
    std::memcpy(&isc, isc_a, sizeof isc);
    for (int i = 0; i < n; ++i) {
      const VI l = clamp(nearest(isc * xm[i]), 0, nmax);
      levels[i] = l;
      const VF fl = to_float(l), wl = weights[i] * fl;
      sl += wl;
      sl2 += wl * fl;
      sxl += wl * x[i];
    }
    const VF D = sum_w * sl2 - sl * sl;
    VF this_scale = (sum_w * sxl - sum_x * sl) / D;
    VF this_min = (sl2 * sum_x - sl * sxl) / D;
    const VI pos = this_min > 0;
    this_min = pos ? VF{} : this_min;
    this_scale = pos ? sxl / sl2 : this_scale;
    VF err = VF{};
    for (int i = 0; i < n; ++i) {
      VF diff = this_scale * to_float(levels[i]) + this_min - x[i];
      diff = use_mad ? vabs(diff) : diff * diff;
      err += weights[i] * diff;
    }
    int next = base + W;
    for (int k = 0; k < W && base + k <= nstep; ++k) {
      if (!(D[k] > 0) || !(err[k] < best_error)) continue;
      for (int i = 0; i < n; ++i) L[i] = static_cast<std::uint8_t>(levels[i][k]);
      best_error = err[k];
      scale = this_scale[k];
      const float new_min = this_min[k];
      const bool moved = std::memcmp(&new_min, &min, sizeof min) != 0;
      min = new_min;
      if (moved) {
        next = base + k + 1;
        break;
      }
    }
    base = next;
  }
  *the_min = -min;
  return scale;
}

/// best_index_int8 of every lane: the table value v[lo] <= x < v[lo + 1] found by counting (for NaN every
/// !(x < v) holds, as in the bisection), then the nearer of the two (a tie to the upper), and the two ends.
[[gnu::always_inline]] static inline VI iq4_index(VF x, VF& q) {
  VI lo = splat_i(0);
  VF lov = splat(kIq4Values[0]), hiv = splat(kIq4Values[1]);
  for (int k = 1; k < 15; ++k) {
    const VI m = !(x < static_cast<float>(kIq4Values[k]));
    lo -= m;
    lov = m ? splat(kIq4Values[k]) : lov;
    hiv = m ? splat(kIq4Values[k + 1]) : hiv;
  }
  const VI upper = !(x - lov < hiv - x);
  VI idx = lo - upper;
  q = upper ? hiv : lov;
  const VI low_end = x <= static_cast<float>(kIq4Values[0]), high_end = x >= static_cast<float>(kIq4Values[15]);
  idx = low_end ? VI{} : high_end ? splat_i(15) : idx;
  q = low_end ? splat(kIq4Values[0]) : high_end ? splat(kIq4Values[15]) : q;
  return idx;
}

/// quantize_row_iq4_nl_impl's block search with ntry = 7: lane 0 the first scale, lanes 1..15 itry = -7..7.
[[gnu::always_inline]] static inline float iq4_body(const float* xb, const float* qw, float sigma2) {
  float weight[32], amax;
  for (int j = 0; j < 32; j += W) {
    VF xv, w;
    std::memcpy(&xv, xb + j, sizeof xv);
    if (qw) {
      VF q;
      std::memcpy(&q, qw + j, sizeof q);
      const VF s = sigma2 + xv * xv;
      for (int k = 0; k < W; ++k) w[k] = std::sqrt(s[k]);  // vsqrtps where the target has it
      w = q * w;
    } else {
      w = xv * xv;
    }
    std::memcpy(weight + j, &w, sizeof w);
  }
  const float max = first_signed_max(32, xb, amax);
  if (amax < kGroupMaxEps) return 0;
  float ids[16], sqx[16], sq2[16];
  ids[0] = 1 / (-max / kIq4Values[0]);
  for (int k = 1; k < 16; ++k) ids[k] = static_cast<float>(k - 8 + kIq4Values[0]) / max;
  for (int g = 0; g < 16; g += W) {
    VF id, sx = VF{}, s2 = VF{};
    std::memcpy(&id, ids + g, sizeof id);
    for (int j = 0; j < 32; ++j) {
      VF q;
      iq4_index(id * xb[j], q);
      const VF wq = weight[j] * q;
      sx += wq * xb[j];
      s2 += wq * q;
    }
    std::memcpy(sqx + g, &sx, sizeof sx);
    std::memcpy(sq2 + g, &s2, sizeof s2);
  }
  float d = sq2[0] > 0 ? sqx[0] / sq2[0] : 0.f;
  float best = d * sqx[0];
  for (int k = 1; k < 16; ++k)
    if (sq2[k] > 0 && sqx[k] * sqx[k] > best * sq2[k]) d = sqx[k] / sq2[k], best = d * sqx[k];
  return d;
}

/// The indices best_index_int8(id·x) of n elements (a multiple of W).
[[gnu::always_inline]] static inline void iq4_indices_body(const float* x, int n, float id, std::uint8_t* L) {
  for (int j = 0; j < n; j += W) {
    VF xv, q;
    std::memcpy(&xv, x + j, sizeof xv);
    store_bytes(iq4_index(id * xv, q), L + j);
  }
}

/// Searches::levels, W elements at a time (n a multiple of W).
[[gnu::always_inline]] static inline void levels_body(const float* x, int n, float d, float m, int lo, int hi, int offset,
                                               std::uint8_t* L, unsigned char* clip) {
  for (int i = 0; i < n; i += W) {
    VF xv;
    std::memcpy(&xv, x + i, sizeof xv);
    const VI l = nearest((xv + m) / d), out = (l < lo) | (l > hi);
    store_bytes(clamp(l, lo, hi) + offset, L + i);
    if (clip) store_bytes(out & 1, clip + i);
  }
}
};

// W lanes for the trial searches, W3 for make_q3_quants and the last levels (16 elements; 8 lanes measured
// faster there with AVX-512).
#define NUMSCOPE_SEARCHES(ATTR, SUFFIX, W, W3)                                                                          \
  ATTR float qx_##SUFFIX(int n, int nmax, const float* x, std::int8_t* L, const float* w) {                      \
    return Kernels<W>::qx_body(n, nmax, x, L, w);                                                                            \
  }                                                                                                              \
  ATTR float q3_##SUFFIX(int n, int nmax, const float* x, std::int8_t* L) { return Kernels<W3>::q3_body(n, nmax, x, L); }   \
  ATTR float qkx2_##SUFFIX(int n, int nmax, const float* x, const float* w, std::uint8_t* L, float* the_min,    \
                           std::uint8_t*, float rmin, float rdelta, int nstep, bool use_mad) {                   \
    return Kernels<W>::qkx2_body(n, nmax, x, w, L, the_min, rmin, rdelta, nstep, use_mad);                                   \
  }                                                                                                              \
  ATTR float iq4_##SUFFIX(const float* xb, const float* qw, float sigma2, std::uint8_t* Lb, int ntry) {          \
    return ntry == 7 ? Kernels<W>::iq4_body(xb, qw, sigma2) : iq4_block_scale(xb, qw, sigma2, Lb, ntry);                     \
  }                                                                                                              \
  ATTR void iq4_indices_##SUFFIX(const float* x, int n, float id, std::uint8_t* L) { Kernels<W>::iq4_indices_body(x, n, id, L); } \
  ATTR void levels_##SUFFIX(const float* x, int n, float d, float m, int lo, int hi, int offset, std::uint8_t* L, \
                            unsigned char* clip) {                                                              \
    Kernels<W3>::levels_body(x, n, d, m, lo, hi, offset, L, clip);                                                            \
  }                                                                                                              \
  constexpr Searches kSearches_##SUFFIX{qx_##SUFFIX,   q3_##SUFFIX,          qkx2_##SUFFIX,                      \
                                        iq4_##SUFFIX,  iq4_indices_##SUFFIX, levels_##SUFFIX};

NUMSCOPE_SEARCHES(, portable, 4, 4)
#if defined(__x86_64__)
NUMSCOPE_SEARCHES([[gnu::target("avx2,fma,bmi2")]], avx2, 8, 8)
NUMSCOPE_SEARCHES([[gnu::target("avx512f,avx512bw,avx512dq,avx512vl,bmi2")]], avx512, 16, 8)
#endif
#undef NUMSCOPE_SEARCHES

void iq4_indices_scalar(const float* x, int n, float id, std::uint8_t* L) {
  for (int j = 0; j < n; ++j) L[j] = static_cast<std::uint8_t>(iq4_best_index(id * x[j]));
}

}  // namespace

const Searches& reference_searches() {
  static constexpr Searches kReference{make_qx_quants, make_q3_quants, make_qkx2_quants, iq4_block_scale, iq4_indices_scalar,
                                       group_levels};
  return kReference;
}

const Searches& vector_searches(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::kAvx512) return kSearches_avx512;
  if (isa == Isa::kAvx2) return kSearches_avx2;
#endif
  (void)isa;
  return kSearches_portable;
}

const Searches& fast_searches() {
  static const Searches& s = vector_searches(best_isa());
  return s;
}

}  // namespace numscope::detail
