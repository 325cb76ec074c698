// ggml Q5_0 (ggml-common.h block_q5_0 {fp16 d; u8 qh[4]; u8 qs[16]}): max = the element of largest |x| (the first,
// with its sign), d = max/-16, q = min(31, (int8)(x·(1/d) + 16.5f)); the low four bits as Q4_0's nibbles, the
// fifth bit of element j in bit j of the little-endian u32 qh; y = (q - 16)·fp16(d).
// Source: ggml-quants.c quantize_row_q5_0_ref, dequantize_row_q5_0.
#include <algorithm>  // std::min
#include <cmath>      // std::fabs

#include "numscope/quantize/ggml/ggml.h"

namespace numscope::detail {
namespace {

void q5_0_quantize(const float* x, unsigned char* out, unsigned char* clip) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < 32; ++j)
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  const float d = max / -16;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  store_fp16(out, d);
  std::uint32_t qh = 0;
  for (int j = 0; j < 16; ++j) {
    const int q0 = std::min(31, trunc_i8(x[j] * id + 16.5f)), q1 = std::min(31, trunc_i8(x[j + 16] * id + 16.5f));
    out[6 + j] = static_cast<unsigned char>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
    qh |= static_cast<std::uint32_t>((q0 & 0x10) >> 4) << j;
    qh |= static_cast<std::uint32_t>((q1 & 0x10) >> 4) << (j + 16);
    if (clip) clip[j] = q0 == 31 && x[j] * id + 16.5f >= 32, clip[j + 16] = q1 == 31 && x[j + 16] * id + 16.5f >= 32;
  }
  for (int b = 0; b < 4; ++b) out[2 + b] = static_cast<unsigned char>(qh >> (8 * b));
}

void q5_0_dequantize(const unsigned char* in, float* y) {
  const float d = load_fp16(in);
  const std::uint32_t qh = in[2] | in[3] << 8 | in[4] << 16 | static_cast<std::uint32_t>(in[5]) << 24;
  for (int j = 0; j < 16; ++j) {
    const int h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
    y[j] = static_cast<float>(((in[6 + j] & 0x0f) | h0) - 16) * d;
    y[j + 16] = static_cast<float>(((in[6 + j] >> 4) | h1) - 16) * d;
  }
}

}  // namespace

const GgmlCodec kQ5_0Codec{&kGgmlQ5_0, q5_0_quantize, q5_0_dequantize};

}  // namespace numscope::detail
