// ggml Q8_0 (ggml-common.h block_q8_0 {fp16 d; int8 qs[32]}): d = amax/127 in fp32, q = roundf(x·(1/d)) (C
// roundf: ties away from zero), d stored as fp16; y = q·fp16(d). Source: ggml-quants.c quantize_row_q8_0_ref,
// dequantize_row_q8_0.
#include <algorithm>  // std::copy
#include <cmath>      // std::fabs, std::copysign
#include <cstdint>    // std::int8_t, std::int32_t

#include "numscope/quantize/codec.h"
#include "numscope/quantize/ggml/ggml.h"

namespace numscope::detail {
namespace {

/// quantize_row_q8_0_ref, one block: amax, d = amax/127, id = 1/d, qs = roundf(x*id), d stored as fp16.
void q8_0_block(const float* x, unsigned char* out, unsigned char* clip) {
  static const Codec i8(kInt8, Rounding::kNearestAway, true, nullptr);  // C roundf
  const float amax = amax32(x);
  const float d = amax / ((1 << 7) - 1);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  store_fp16(out, d);
  unsigned char c[32];
  if (amax * id < 127.5f) {
    // Every |x·id| is below 127.5 (rounding is monotonic; NaN fails), so every q fits int8 and none clips: C
    // roundf inline and branch-free, and the loop vectorises. The truncation and the fraction t - r are exact.
    for (int j = 0; j < 32; ++j) {
      const float x0 = x[j] * id, t = std::fabs(x0);
      float r = static_cast<float>(static_cast<std::int32_t>(t));
      r += t - r >= 0.5f ? 1.0f : 0.0f;
      out[2 + j] = static_cast<unsigned char>(static_cast<std::int8_t>(std::copysign(r, x0)));
      c[j] = 0;
    }
  } else {  // an fp32-subnormal d (1/d may overflow): the codec, saturating
    for (int j = 0; j < 32; ++j) {
      bool cj = false;
      const double q = i8.round(static_cast<double>(x[j] * id), cj);
      out[2 + j] = static_cast<unsigned char>(static_cast<signed char>(q));
      c[j] = cj;
    }
  }
  if (clip) std::copy(c, c + 32, clip);
}

void q8_0_dequantize(const unsigned char* in, float* y) {
  const float d = load_fp16(in);
  for (int i = 0; i < 32; ++i) y[i] = static_cast<float>(static_cast<signed char>(in[2 + i])) * d;
}

}  // namespace

const GgmlCodec kQ8_0Codec{&kGgmlQ8_0, q8_0_block, q8_0_dequantize, nullptr, false, nullptr, q8_0_segment,
                           q8_0_segment_sums};

}  // namespace numscope::detail
