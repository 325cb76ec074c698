// ggml Q4_K (ggml-common.h block_q4_K {fp16 d, dmin; u8 scales[12]; u8 qs[128]}), 4.5 bits: 8 groups of 32 with
// a 6-bit scale and a 6-bit min each (make_qkx2_quants with weights sqrt(mean x²) + |x|, levels 0..15), scaled
// by the fp16 d and dmin; elements l and l+32 of each 64 share a byte (low, high nibble). y = d·scale·q - dmin·min.
// Source: ggml-quants.c quantize_row_q4_K_ref, dequantize_row_q4_K; with importance weights
// quantize_row_q4_K_impl.
#include "numscope/quantize/ggml/ggml.h"
#include "numscope/quantize/ggml/kquants.h"
#include "numscope/quantize/ggml/qk_asym.h"

namespace numscope::detail {
namespace {

void q4_K_levels(const float* x, const float* qw, unsigned char* out, unsigned char* clip, const Searches& s) {
  std::uint8_t L[kQK_K];
  qk_asym_levels(x, qw, 15, -1.f, 0.1f, 20, out, out + 4, L, clip, s);
  unsigned char* q = out + 16;
  for (int j = 0; j < kQK_K; j += 64, q += 32)
    for (int l = 0; l < 32; ++l) q[l] = static_cast<unsigned char>(L[j + l] | (L[j + l + 32] << 4));
}

void q4_K_dequantize(const unsigned char* in, float* y) {
  const unsigned char* q = in + 16;
  for (int j = 0; j < kQK_K; j += 64, q += 32) {
    float d1, m1, d2, m2;
    qk_asym_scales(in, in + 4, j / 32, d1, m1);
    qk_asym_scales(in, in + 4, j / 32 + 1, d2, m2);
    for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0xF) - m1;
    for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
  }
}

}  // namespace

const GgmlCodec kQ4_KCodec = searched_codec<q4_K_levels>(&kGgmlQ4_K, q4_K_dequantize);

}  // namespace numscope::detail
