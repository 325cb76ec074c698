// ggml Q5_K (ggml-common.h block_q5_K {fp16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}), 5.5 bits: Q4_K's
// groups with levels 0..31 (make_qkx2_quants from -0.5 in 16 steps); the low four bits as Q4_K's nibbles, the
// fifth bit of elements l and l+32 of the k-th 64 in bits 2k and 2k+1 of qh[l]. y = d·scale·q - dmin·min.
// Source: ggml-quants.c quantize_row_q5_K_ref, dequantize_row_q5_K; with importance weights
// quantize_row_q5_K_impl.
#include <cstring>  // std::memset

#include "numscope/quantize/ggml/ggml.h"
#include "numscope/quantize/ggml/kquants.h"
#include "numscope/quantize/ggml/qk_asym.h"

namespace numscope::detail {
namespace {

void q5_K_levels(const float* x, const float* qw, unsigned char* out, unsigned char* clip, const Searches& s) {
  std::uint8_t L[kQK_K];
  qk_asym_levels(x, qw, 31, -0.5f, 0.1f, 15, out, out + 4, L, clip, s);
  unsigned char *qh = out + 16, *ql = out + 48;
  std::memset(qh, 0, 32);
  for (int n = 0, bit = 0; n < kQK_K; n += 64, bit += 2, ql += 32)
    for (int j = 0; j < 32; ++j) {
      int l1 = L[n + j], l2 = L[n + j + 32];
      if (l1 > 15) l1 -= 16, qh[j] |= static_cast<unsigned char>(1 << bit);
      if (l2 > 15) l2 -= 16, qh[j] |= static_cast<unsigned char>(2 << bit);
      ql[j] = static_cast<unsigned char>(l1 | (l2 << 4));
    }
}

void q5_K_dequantize(const unsigned char* in, float* y) {
  const unsigned char *qh = in + 16, *ql = in + 48;
  for (int j = 0, bit = 0; j < kQK_K; j += 64, bit += 2, ql += 32) {
    float d1, m1, d2, m2;
    qk_asym_scales(in, in + 4, j / 32, d1, m1);
    qk_asym_scales(in, in + 4, j / 32 + 1, d2, m2);
    for (int l = 0; l < 32; ++l)
      *y++ = d1 * static_cast<float>((ql[l] & 0xF) + ((qh[l] >> bit) & 1 ? 16 : 0)) - m1;
    for (int l = 0; l < 32; ++l)
      *y++ = d2 * static_cast<float>((ql[l] >> 4) + ((qh[l] >> (bit + 1)) & 1 ? 16 : 0)) - m2;
  }
}

}  // namespace

const GgmlCodec kQ5_KCodec = searched_codec<q5_K_levels>(&kGgmlQ5_K, q5_K_dequantize);

}  // namespace numscope::detail
