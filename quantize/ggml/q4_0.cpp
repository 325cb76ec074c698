// ggml Q4_0 (ggml-common.h block_q4_0 {fp16 d; u8 qs[16]}): max = the element of largest |x| (the first, with its
// sign), d = max/-8, q = min(15, (int8)(x·(1/d) + 8.5f)); element j in the low nibble of qs[j], element j+16 in
// the high nibble; y = (q - 8)·fp16(d). Source: ggml-quants.c quantize_row_q4_0_ref, dequantize_row_q4_0; with
// importance weights quantize_row_q4_0_impl.
#include <algorithm>  // std::copy, std::min
#include <cmath>      // std::fabs, std::sqrt

#include "numscope/quantize/codec.h"
#include "numscope/quantize/ggml/ggml.h"
#include "numscope/quantize/ggml/kquants.h"

namespace numscope::detail {
namespace {

/// quantize_row_q4_0_ref, one block: max = the signed element of largest |x| (first), d = max/-8, id = 1/d,
/// q = min(15, (int8)(x*id + 8.5f)); qs[j] = q[j] | q[j+16] << 4.
void q4_0_block(const float* x, unsigned char* out, unsigned char* clip) {
  static const Codec trunc8(kInt8, Rounding::kTowardZero, true, nullptr);  // C (int8_t) cast
  // ggml keeps the first element of largest magnitude, sign included: the magnitude, then the first element
  // that has it.
  const float amax = amax32(x);
  float max = 0.0f;
  for (int j = 0; amax > 0 && j < 32; ++j)
    if (std::fabs(x[j]) == amax) {
      max = x[j];
      break;
    }
  const float d = max / -8;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  store_fp16(out, d);
  unsigned char q[32], c[32];
  if (amax * std::fabs(id) < 64.0f) {
    // Every x·id + 8.5 lies in (-56, 73) (rounding is monotonic; NaN fails): (int8_t) truncates inline, so the
    // loop is branch-free and vectorises.
    for (int j = 0; j < 32; ++j) {
      const int t = static_cast<int>(x[j] * id + 8.5f);
      q[j] = static_cast<unsigned char>(std::min(15, t));
      c[j] = t > 15;
    }
  } else {  // an fp32-subnormal d (1/d may overflow): the codec, saturating like a clamp to int8
    for (int j = 0; j < 32; ++j) {
      bool cj = false;
      const int t = static_cast<int>(trunc8.round(static_cast<double>(x[j] * id + 8.5f), cj));
      q[j] = static_cast<unsigned char>(std::min(15, t));
      c[j] = t > 15;
    }
  }
  if (clip) std::copy(c, c + 32, clip);
  for (int j = 0; j < 16; ++j) out[2 + j] = static_cast<unsigned char>(q[j] | (q[j + 16] << 4));
}

void q4_0_dequantize(const unsigned char* in, float* y) {
  const float d = load_fp16(in);
  for (int i = 0; i < 16; ++i) {
    y[i] = static_cast<float>((in[2 + i] & 0x0f) - 8) * d;
    y[i + 16] = static_cast<float>((in[2 + i] >> 4) - 8) * d;
  }
}

}  // namespace

void sym32_weighted(const float* x, const float* qw, float sigma2, int nmax, unsigned char* out, std::int8_t* L,
                    unsigned char* clip) {
  float weight[32];
  for (int j = 0; j < 32; ++j) weight[j] = qw[j] * std::sqrt(sigma2 + x[j] * x[j]);
  const float d = fast_searches().qx(32, nmax, x, L, weight);
  store_fp16(out, d);
  for (int j = 0; j < 32; ++j) {  // the level x/d would take lies outside [-nmax, nmax - 1]
    const float t = d != 0 ? x[j] / d : 0.0f;
    if (clip) clip[j] = t < static_cast<float>(-nmax) - 0.5f || t > static_cast<float>(nmax) - 0.5f;
  }
}

namespace {

/// quantize_row_q4_0_impl, one block: the weights qw·sqrt(σ² + x²), make_qx_quants' weighted fit of levels -8..7
/// (no second pass with the fp16 d).
void q4_0_weighted(const float* x, const float* qw, float sigma2, unsigned char* out, unsigned char* clip) {
  std::int8_t L[32];
  sym32_weighted(x, qw, sigma2, 8, out, L, clip);
  for (int j = 0; j < 16; ++j) out[2 + j] = static_cast<unsigned char>(L[j] | (L[j + 16] << 4));
}

}  // namespace

const GgmlCodec kQ4_0Codec{&kGgmlQ4_0, q4_0_block, q4_0_dequantize, q4_0_weighted, true, nullptr, q4_0_segment};

}  // namespace numscope::detail
