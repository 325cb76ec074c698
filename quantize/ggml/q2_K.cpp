// ggml Q2_K (ggml-common.h block_q2_K {u8 scales[16]; u8 qs[64]; fp16 d, dmin}), 2.625 bits: 16 groups of 16
// with a 4-bit scale and a 4-bit min each (make_qkx2_quants with |x| weights, levels 0..3), both scaled by the
// fp16 super-block d and dmin; four levels per byte (element l, l+32, l+64, l+96 of each 128 in bits 0-1 ... 6-7).
// y = d·scale·q - dmin·min. Source: ggml-quants.c quantize_row_q2_K_ref, dequantize_row_q2_K; with importance
// weights quantize_row_q2_K_impl.
#include <cmath>  // std::fabs, std::sqrt

#include "numscope/quantize/ggml/ggml.h"
#include "numscope/quantize/ggml/kquants.h"

namespace numscope::detail {
namespace {

/// The levels again with the stored (rounded) scales and mins (both paths end so), then the packing.
void q2_K_finish(const float* x, unsigned char* out, std::uint8_t* L, unsigned char* clip, const Searches& s) {
  for (int j = 0; j < 16; ++j) {
    const float d = load_fp16(out + 80) * static_cast<float>(out[j] & 0xF);
    if (d == 0) continue;
    const float dm = load_fp16(out + 82) * static_cast<float>(out[j] >> 4);
    s.levels(x + 16 * j, 16, d, dm, 0, 3, 0, L + 16 * j, clip ? clip + 16 * j : nullptr);
  }
  unsigned char* qs = out + 16;
  for (int j = 0; j < kQK_K; j += 128)
    for (int l = 0; l < 32; ++l)
      qs[j / 4 + l] = static_cast<unsigned char>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) |
                                                 (L[j + l + 96] << 6));
}

void q2_K_plain(const float* x, unsigned char* out, unsigned char* clip, const Searches& s) {
  unsigned char* scales = out;
  std::uint8_t L[kQK_K], Laux[16];
  float weights[16], mins[16], sc[16];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 16; ++j) {
    for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
    sc[j] = s.qkx2(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux, -0.5f, 0.1f, 15, true);
    max_scale = sc[j] > max_scale ? sc[j] : max_scale;
    max_min = mins[j] > max_min ? mins[j] : max_min;
  }
  constexpr float q4scale = 15.f;
  if (max_scale > 0) {
    const float iscale = q4scale / max_scale;
    for (int j = 0; j < 16; ++j) scales[j] = static_cast<unsigned char>(nearest_int(iscale * sc[j]));
    store_fp16(out + 80, max_scale / q4scale);
  } else {
    for (int j = 0; j < 16; ++j) scales[j] = 0;
    store_fp16(out + 80, 0.f);
  }
  if (max_min > 0) {
    const float iscale = q4scale / max_min;
    for (int j = 0; j < 16; ++j) scales[j] |= static_cast<unsigned char>(nearest_int(iscale * mins[j]) << 4);
    store_fp16(out + 82, max_min / q4scale);
  } else {
    store_fp16(out + 82, 0.f);
  }
  q2_K_finish(x, out, L, clip, s);
}

/// quantize_row_q2_K_impl: weights qw·sqrt(σ² + x²) with σ² = Σx²/256, make_qkx3_quants per group of 16 (levels
/// 0..3, 37 trial scales from -0.9 in steps of 0.05), the 16 scales and mins each as 4-bit levels of one fp16
/// scale by make_qp_quants (weighted by each group's Σw).
void q2_K_weighted(const float* x, const float* qw, unsigned char* out, unsigned char* clip, const Searches& s) {
  std::uint8_t L[kQK_K], Laux[16], Ls[16], Lm[16];
  float weight[16], mins[16], scales[16], sw[16] = {};
  float sumx2 = 0;
  for (int j = 0; j < kQK_K; ++j) sumx2 += x[j] * x[j];
  const float sigma2 = sumx2 / kQK_K;
  for (int j = 0; j < 16; ++j) {
    for (int l = 0; l < 16; ++l) weight[l] = qw[16 * j + l] * std::sqrt(sigma2 + x[16 * j + l] * x[16 * j + l]);
    for (int l = 0; l < 16; ++l) sw[j] += weight[l];
    scales[j] = s.qkx2(16, 3, x + 16 * j, weight, L + 16 * j, &mins[j], Laux, -0.9f, 0.05f, 36, false);
  }
  const float dm = make_qp_quants(16, 15, scales, Ls, sw), mm = make_qp_quants(16, 15, mins, Lm, sw);
  store_fp16(out + 80, dm);
  store_fp16(out + 82, mm);
  for (int j = 0; j < 16; ++j) out[j] = static_cast<unsigned char>(Ls[j] | (Lm[j] << 4));
  q2_K_finish(x, out, L, clip, s);
}

/// Without importance weights quantize_row_q2_K_ref, with them quantize_row_q2_K_impl.
void q2_K_levels(const float* x, const float* qw, unsigned char* out, unsigned char* clip, const Searches& s) {
  if (qw) q2_K_weighted(x, qw, out, clip, s);
  else q2_K_plain(x, out, clip, s);
}

void q2_K_dequantize(const unsigned char* in, float* y) {
  const float d = load_fp16(in + 80), min = load_fp16(in + 82);
  const unsigned char* q = in + 16;
  int is = 0;
  for (int n = 0; n < kQK_K; n += 128, q += 32)
    for (int shift = 0; shift < 8; shift += 2)
      for (int half = 0; half < 2; ++half) {
        const std::uint8_t sc = in[is++];
        const float dl = d * static_cast<float>(sc & 0xF), ml = min * static_cast<float>(sc >> 4);
        for (int l = 0; l < 16; ++l) *y++ = dl * static_cast<float>((q[l + 16 * half] >> shift) & 3) - ml;
      }
}

}  // namespace

const GgmlCodec kQ2_KCodec = searched_codec<q2_K_levels>(&kGgmlQ2_K, q2_K_dequantize);

}  // namespace numscope::detail
