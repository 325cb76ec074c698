// ggml Q6_K (ggml-common.h block_q6_K {u8 ql[128]; u8 qh[64]; i8 scales[16]; fp16 d}), 6.5625 bits: 16 groups of
// 16 with a signed 8-bit scale each (make_qx_quants, levels -32..31, x² weights), scaled by the fp16 d; low four
// bits in ql, top two in qh (elements l, l+32, l+64, l+96 of each 128 at bits 0, 2, 4, 6 of qh[l]).
// y = d·scale·(q - 32). Source: ggml-quants.c quantize_row_q6_K_ref, dequantize_row_q6_K; with importance weights
// quantize_row_q6_K_impl.
#include <cmath>    // std::fabs
#include <cstring>  // std::memset

#include "numscope/quantize/ggml/ggml.h"
#include "numscope/quantize/ggml/kquants.h"

namespace numscope::detail {
namespace {

/// qw null: quantize_row_q6_K_ref (x² weights in make_qx_quants); else quantize_row_q6_K_impl, which weights by
/// qw itself.
void q6_K_levels(const float* x, const float* qw, unsigned char* out, unsigned char* clip, const Searches& s) {
  unsigned char *ql = out, *qh = out + 128;
  auto* scales = reinterpret_cast<signed char*>(out + 192);
  std::int8_t L[kQK_K];
  float sc[16];
  float max_scale = 0, max_abs_scale = 0;
  for (int ib = 0; ib < 16; ++ib) {
    sc[ib] = s.qx(16, 32, x + 16 * ib, L + 16 * ib, qw ? qw + 16 * ib : nullptr);
    if (std::fabs(sc[ib]) > max_abs_scale) {
      max_abs_scale = std::fabs(sc[ib]);
      max_scale = sc[ib];
    }
  }
  if (max_abs_scale < kGroupMaxEps) {  // an all-zero block
    std::memset(out, 0, kGgmlQ6_K.bytes);
    store_fp16(out + 208, 0.f);
    return;
  }
  const float iscale = -128.f / max_scale;
  store_fp16(out + 208, 1 / iscale);
  for (int ib = 0; ib < 16; ++ib) {
    const int l = nearest_int(iscale * sc[ib]);
    scales[ib] = static_cast<signed char>(l < 127 ? l : 127);
  }
  for (int j = 0; j < 16; ++j) {
    const float d = load_fp16(out + 208) * static_cast<float>(scales[j]);
    if (d == 0) continue;
    s.levels(x + 16 * j, 16, d, 0.f, -32, 31, 32, reinterpret_cast<std::uint8_t*>(L + 16 * j),
             clip ? clip + 16 * j : nullptr);
  }
  for (int j = 0; j < kQK_K; j += 128, ql += 64, qh += 32)
    for (int l = 0; l < 32; ++l) {
      ql[l] = static_cast<unsigned char>((L[j + l] & 0xF) | ((L[j + l + 64] & 0xF) << 4));
      ql[l + 32] = static_cast<unsigned char>((L[j + l + 32] & 0xF) | ((L[j + l + 96] & 0xF) << 4));
      qh[l] = static_cast<unsigned char>((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) |
                                         ((L[j + l + 96] >> 4) << 6));
    }
}

void q6_K_dequantize(const unsigned char* in, float* y) {
  const float d = load_fp16(in + 208);
  const unsigned char *ql = in, *qh = in + 128;
  const auto* sc = reinterpret_cast<const signed char*>(in + 192);
  for (int n = 0; n < kQK_K; n += 128, y += 128, ql += 64, qh += 32, sc += 8)
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * static_cast<float>(sc[is]) * static_cast<float>(q1);
      y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
      y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
      y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
    }
}

}  // namespace

const GgmlCodec kQ6_KCodec = searched_codec<q6_K_levels>(&kGgmlQ6_K, q6_K_dequantize);

}  // namespace numscope::detail
