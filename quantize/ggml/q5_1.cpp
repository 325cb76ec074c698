// ggml Q5_1 (ggml-common.h block_q5_1 {fp16 d, m; u8 qh[4]; u8 qs[16]}): min and max of the block,
// d = (max - min)/31, q = (uint8)((x - min)·(1/d) + 0.5f) (no clamp: q <= 31 by construction); bits laid out as
// Q5_0; y = q·fp16(d) + fp16(m). Source: ggml-quants.c quantize_row_q5_1_ref, dequantize_row_q5_1.

#include "numscope/quantize/ggml/ggml.h"

namespace numscope::detail {
namespace {

void q5_1_quantize(const float* x, unsigned char* out, unsigned char* clip) {
  float min, max;
  block_min_max(x, 32, min, max);
  const float d = (max - min) / 31;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  store_fp16(out, d);
  store_fp16(out + 2, min);
  std::uint32_t qh = 0;
  for (int j = 0; j < 16; ++j) {
    const int q0 = trunc_u8((x[j] - min) * id + 0.5f), q1 = trunc_u8((x[j + 16] - min) * id + 0.5f);
    out[8 + j] = static_cast<unsigned char>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
    qh |= static_cast<std::uint32_t>((q0 & 0x10) >> 4) << j;
    qh |= static_cast<std::uint32_t>((q1 & 0x10) >> 4) << (j + 16);
    if (clip) clip[j] = q0 > 31, clip[j + 16] = q1 > 31;
  }
  for (int b = 0; b < 4; ++b) out[4 + b] = static_cast<unsigned char>(qh >> (8 * b));
}

void q5_1_dequantize(const unsigned char* in, float* y) {
  const float d = load_fp16(in), m = load_fp16(in + 2);
  const std::uint32_t qh = in[4] | in[5] << 8 | in[6] << 16 | static_cast<std::uint32_t>(in[7]) << 24;
  for (int j = 0; j < 16; ++j) {
    const int h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
    y[j] = static_cast<float>((in[8 + j] & 0x0f) | h0) * d + m;
    y[j + 16] = static_cast<float>((in[8 + j] >> 4) | h1) * d + m;
  }
}

}  // namespace

const GgmlCodec kQ5_1Codec{&kGgmlQ5_1, q5_1_quantize, q5_1_dequantize};

}  // namespace numscope::detail
