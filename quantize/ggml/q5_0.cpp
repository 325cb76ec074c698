// ggml Q5_0 (ggml-common.h block_q5_0 {fp16 d; u8 qh[4]; u8 qs[16]}): max = the element of largest |x| (the first,
// with its sign), d = max/-16, q = min(31, (int8)(x·(1/d) + 16.5f)); the low four bits as Q4_0's nibbles, the
// fifth bit of element j in bit j of the little-endian u32 qh; y = (q - 16)·fp16(d).
// Source: ggml-quants.c quantize_row_q5_0_ref, dequantize_row_q5_0; with importance weights
// quantize_row_q5_0_impl (make_qx_quants' weighted levels -16..15).
#include <algorithm>  // std::min
#include <cmath>      // std::fabs

#include "numscope/quantize/ggml/ggml.h"

namespace numscope::detail {

void pack5(const std::uint8_t* L, unsigned char* qh, unsigned char* qs) {
  std::uint32_t h = 0;
  for (int j = 0; j < 16; ++j) {
    qs[j] = static_cast<unsigned char>((L[j] & 0x0f) | ((L[j + 16] & 0x0f) << 4));
    h |= static_cast<std::uint32_t>((L[j] & 0x10) >> 4) << j;
    h |= static_cast<std::uint32_t>((L[j + 16] & 0x10) >> 4) << (j + 16);
  }
  for (int b = 0; b < 4; ++b) qh[b] = static_cast<unsigned char>(h >> (8 * b));
}

void unpack5(const unsigned char* qh, const unsigned char* qs, int* q) {
  const std::uint32_t h = qh[0] | qh[1] << 8 | qh[2] << 16 | static_cast<std::uint32_t>(qh[3]) << 24;
  for (int j = 0; j < 16; ++j) {
    q[j] = (qs[j] & 0x0f) | (((h >> j) << 4) & 0x10);
    q[j + 16] = (qs[j] >> 4) | ((h >> (j + 12)) & 0x10);
  }
}

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
  std::uint8_t L[32];
  for (int j = 0; j < 32; ++j) {
    const float t = x[j] * id + 16.5f;
    L[j] = static_cast<std::uint8_t>(std::min(31, trunc_i8(t)));
    if (clip) clip[j] = L[j] == 31 && t >= 32;
  }
  pack5(L, out + 2, out + 6);
}

void q5_0_weighted(const float* x, const float* qw, float sigma2, unsigned char* out, unsigned char* clip) {
  std::int8_t L[32];
  sym32_weighted(x, qw, sigma2, 16, out, L, clip);
  std::uint8_t U[32];
  for (int j = 0; j < 32; ++j) U[j] = static_cast<std::uint8_t>(L[j]);
  pack5(U, out + 2, out + 6);
}

void q5_0_dequantize(const unsigned char* in, float* y) {
  const float d = load_fp16(in);
  int q[32];
  unpack5(in + 2, in + 6, q);
  for (int j = 0; j < 32; ++j) y[j] = static_cast<float>(q[j] - 16) * d;
}

}  // namespace

const GgmlCodec kQ5_0Codec{&kGgmlQ5_0, q5_0_quantize, q5_0_dequantize, q5_0_weighted, true, nullptr,
                            q5_0_segment};

}  // namespace numscope::detail
