// What Q4_K and Q5_K share: 8 groups of 32 with a 6-bit scale and min each, packed in 12 bytes beside an fp16 d
// and dmin (ggml-quants.c quantize_row_q4_K_ref / q5_K_ref, and with importance weights quantize_row_q4_K_impl /
// q5_K_impl, up to the packing of the levels).
#pragma once

#include <cmath>    // std::fabs, std::sqrt
#include <cstdint>  // std::uint8_t

#include "numscope/quantize/ggml/ggml.h"
#include "numscope/quantize/ggml/kquants.h"

namespace numscope::detail {

/// Levels 0..nmax of a super-block of 256 and its scales, mins, d and dmin (`dm`: two fp16; `scales`: the 12
/// bytes of get_scale_min_k4). Without weights (qw null, the reference quantizer): make_qkx2_quants per group of
/// 32 with weights sqrt(Σx²/32) + |x| and trial scales from rmin in nstep steps of rdelta, the scales and mins
/// as 6-bit levels of their maxima. With weights: qw·sqrt(σ² + x²), σ² = 2·Σx²/256, make_qkx3_quants from -0.9
/// in 36 steps of 0.05, and the scales and mins as levels of make_qp_quants (weighted by each group's Σw).
/// Either way the levels are then found again with the stored values.
inline void qk_asym_levels(const float* x, const float* qw, int nmax, float rmin, float rdelta, int nstep,
                           unsigned char* dm, unsigned char* scales, std::uint8_t* L, unsigned char* clip,
                           const Searches& search) {
  std::uint8_t Laux[32];
  float weights[32], mins[8], sc[8], sw[8];
  float sigma2 = 0;
  if (qw) {
    for (int l = 0; l < kQK_K; ++l) sigma2 += x[l] * x[l];
    sigma2 = 2 * sigma2 / kQK_K;
  }
  for (int j = 0; j < 8; ++j) {
    const float* xj = x + 32 * j;
    if (qw) {
      for (int l = 0; l < 32; ++l) weights[l] = qw[32 * j + l] * std::sqrt(sigma2 + xj[l] * xj[l]);
      float sumw = 0;
      for (int l = 0; l < 32; ++l) sumw += weights[l];
      sw[j] = sumw;
      sc[j] = search.qkx2(32, nmax, xj, weights, L + 32 * j, &mins[j], Laux, -0.9f, 0.05f, 36, false);
    } else {
      float group_x2 = 0;
      for (int l = 0; l < 32; ++l) group_x2 += xj[l] * xj[l];
      const float av_x = std::sqrt(group_x2 / 32);
      for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xj[l]);
      sc[j] = search.qkx2(32, nmax, xj, weights, L + 32 * j, &mins[j], Laux, rmin, rdelta, nstep, false);
    }
  }
  if (qw) {
    std::uint8_t Ls[8], Lm[8];
    const float d_block = make_qp_quants(8, 63, sc, Ls, sw), m_block = make_qp_quants(8, 63, mins, Lm, sw);
    if (nmax == 31)  // Q5_K clamps the levels to 63, Q4_K does not (a negative scale would wrap past it)
      for (int j = 0; j < 8; ++j) Ls[j] = Ls[j] < 63 ? Ls[j] : 63, Lm[j] = Lm[j] < 63 ? Lm[j] : 63;
    pack_levels_k4(Ls, Lm, scales);
    store_fp16(dm, d_block);
    store_fp16(dm + 2, m_block);
  } else {
    float max_scale, max_min;
    pack_scale_min_k4(sc, mins, scales, max_scale, max_min);
    store_fp16(dm, max_scale / 63.f);
    store_fp16(dm + 2, max_min / 63.f);
  }
  for (int j = 0; j < 8; ++j) {
    std::uint8_t s, m;
    get_scale_min_k4(j, scales, s, m);
    const float d = load_fp16(dm) * static_cast<float>(s);
    if (d == 0) continue;
    const float dmin = load_fp16(dm + 2) * static_cast<float>(m);
    search.levels(x + 32 * j, 32, d, dmin, 0, nmax, 0, L + 32 * j, clip ? clip + 32 * j : nullptr);
  }
}

/// The scale d·sc and the min dmin·m of group j.
inline void qk_asym_scales(const unsigned char* dm, const unsigned char* scales, int j, float& d, float& m) {
  std::uint8_t s, mn;
  get_scale_min_k4(j, scales, s, mn);
  d = load_fp16(dm) * static_cast<float>(s);
  m = load_fp16(dm + 2) * static_cast<float>(mn);
}

}  // namespace numscope::detail
