// ggml Q5_1 (ggml-common.h block_q5_1 {fp16 d, m; u8 qh[4]; u8 qs[16]}): min and max of the block,
// d = (max - min)/31, q = (uint8)((x - min)·(1/d) + 0.5f) (no clamp: q <= 31 by construction); bits laid out as
// Q5_0; y = q·fp16(d) + fp16(m). Source: ggml-quants.c quantize_row_q5_1_ref, dequantize_row_q5_1; with
// importance weights quantize_row_q5_1_impl (make_qkx3_quants' weighted levels 0..31 and min).

#include "numscope/quantize/ggml/ggml.h"

namespace numscope::detail {
namespace {

void q5_1_quantize(const float* x, unsigned char* out, unsigned char* clip) {
  float t[32];
  asym32_ref(x, 31, out, t);
  std::uint8_t L[32];
  for (int j = 0; j < 32; ++j) {
    const int q = trunc_u8(t[j]);
    L[j] = static_cast<std::uint8_t>(q);
    if (clip) clip[j] = q > 31;
  }
  pack5(L, out + 4, out + 8);
}

void q5_1_weighted(const float* x, const float* qw, float sigma2, unsigned char* out, unsigned char* clip) {
  std::uint8_t L[32];
  asym32_weighted(x, qw, sigma2, 31, out, L, clip);
  pack5(L, out + 4, out + 8);
}

void q5_1_dequantize(const unsigned char* in, float* y) {
  const float d = load_fp16(in), m = load_fp16(in + 2);
  int q[32];
  unpack5(in + 4, in + 8, q);
  for (int j = 0; j < 32; ++j) y[j] = static_cast<float>(q[j]) * d + m;
}

}  // namespace

const GgmlCodec kQ5_1Codec{&kGgmlQ5_1, q5_1_quantize, q5_1_dequantize, q5_1_weighted, true, nullptr,
                            q5_1_segment};

}  // namespace numscope::detail
