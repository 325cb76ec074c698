// What Q4_K and Q5_K share: 8 groups of 32 with a 6-bit scale and min each, packed in 12 bytes beside an fp16 d
// and dmin (ggml-quants.c quantize_row_q4_K_ref / q5_K_ref up to the packing of the levels).
#pragma once

#include <cmath>    // std::fabs, std::sqrt
#include <cstdint>  // std::uint8_t

#include "numscope/quantize/ggml/ggml.h"
#include "numscope/quantize/ggml/kquants.h"

namespace numscope::detail {

/// Levels 0..nmax of a super-block of 256: make_qkx2_quants per group of 32 with weights sqrt(Σx²/32) + |x|,
/// the scales and mins packed into `scales` (get_scale_min_k4's layout) with d and dmin at `dm` (two fp16), and
/// the levels found again with the stored values.
inline void qk_asym_levels(const float* x, int nmax, float rmin, float rdelta, int nstep, unsigned char* dm,
                           unsigned char* scales, std::uint8_t* L, unsigned char* clip) {
  std::uint8_t Laux[32];
  float weights[32], mins[8], sc[8];
  for (int j = 0; j < 8; ++j) {
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[32 * j + l]);
    sc[j] = make_qkx2_quants(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, rmin, rdelta, nstep, false);
  }
  float max_scale, max_min;
  pack_scale_min_k4(sc, mins, scales, max_scale, max_min);
  store_fp16(dm, max_scale / 63.f);
  store_fp16(dm + 2, max_min / 63.f);
  for (int j = 0; j < 8; ++j) {
    std::uint8_t s, m;
    get_scale_min_k4(j, scales, s, m);
    const float d = load_fp16(dm) * static_cast<float>(s);
    if (d == 0) continue;
    const float dmin = load_fp16(dm + 2) * static_cast<float>(m);
    for (int ii = 0; ii < 32; ++ii) {
      const int l = nearest_int((x[32 * j + ii] + dmin) / d);
      L[32 * j + ii] = static_cast<std::uint8_t>(l < 0 ? 0 : l > nmax ? nmax : l);
      if (clip) clip[32 * j + ii] = l > nmax || l < 0;
    }
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
