// ggml Q4_1 (ggml-common.h block_q4_1 {fp16 d, m; u8 qs[16]}): min and max of the block, d = (max - min)/15,
// q = min(15, (int8)((x - min)·(1/d) + 0.5f)); element j in the low nibble of qs[j], j+16 in the high nibble;
// y = q·fp16(d) + fp16(m). Source: ggml-quants.c quantize_row_q4_1_ref, dequantize_row_q4_1; with importance
// weights quantize_row_q4_1_impl (make_qkx3_quants' weighted levels 0..15 and min).
#include <algorithm>  // std::min
#include <cmath>      // std::sqrt

#include "numscope/quantize/ggml/ggml.h"
#include "numscope/quantize/ggml/kquants.h"

namespace numscope::detail {

void asym32_ref(const float* x, int nmax, unsigned char* out, float* t) {
  float min, max;
  block_min_max(x, 32, min, max);
  const float d = (max - min) / static_cast<float>(nmax);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  store_fp16(out, d);
  store_fp16(out + 2, min);
  for (int j = 0; j < 32; ++j) t[j] = (x[j] - min) * id + 0.5f;
}

void asym32_weighted(const float* x, const float* qw, float sigma2, int nmax, unsigned char* out, std::uint8_t* L,
                     unsigned char* clip) {
  float weight[32];
  std::uint8_t Laux[32];
  for (int j = 0; j < 32; ++j) weight[j] = qw[j] * std::sqrt(sigma2 + x[j] * x[j]);
  float min;
  const float d = fast_searches().qkx2(32, nmax, x, weight, L, &min, Laux, -0.9f, 0.05f, 36, false);
  store_fp16(out, d);
  store_fp16(out + 2, -min);
  for (int j = 0; j < 32; ++j) {  // the level (x - m)/d would take lies outside [0, nmax]
    const float t = d != 0 ? (x[j] + min) / d : 0.0f;
    if (clip) clip[j] = t < -0.5f || t > static_cast<float>(nmax) + 0.5f;
  }
}

namespace {

void q4_1_quantize(const float* x, unsigned char* out, unsigned char* clip) {
  float t[32];
  asym32_ref(x, 15, out, t);
  for (int j = 0; j < 16; ++j) {
    const int q0 = trunc_i8(t[j]), q1 = trunc_i8(t[j + 16]);
    out[4 + j] = static_cast<unsigned char>(std::min(15, q0) | (std::min(15, q1) << 4));
    if (clip) clip[j] = q0 > 15, clip[j + 16] = q1 > 15;
  }
}

void q4_1_weighted(const float* x, const float* qw, float sigma2, unsigned char* out, unsigned char* clip) {
  std::uint8_t L[32];
  asym32_weighted(x, qw, sigma2, 15, out, L, clip);
  for (int j = 0; j < 16; ++j) out[4 + j] = static_cast<unsigned char>(L[j] | (L[j + 16] << 4));
}

void q4_1_dequantize(const unsigned char* in, float* y) {
  const float d = load_fp16(in), m = load_fp16(in + 2);
  for (int j = 0; j < 16; ++j) {
    y[j] = static_cast<float>(in[4 + j] & 0x0f) * d + m;
    y[j + 16] = static_cast<float>(in[4 + j] >> 4) * d + m;
  }
}

}  // namespace

const GgmlCodec kQ4_1Codec{&kGgmlQ4_1, q4_1_quantize, q4_1_dequantize, q4_1_weighted, true, nullptr,
                            q4_1_segment};

}  // namespace numscope::detail
