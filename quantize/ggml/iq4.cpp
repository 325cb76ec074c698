// ggml IQ4_NL (block_iq4_nl {fp16 d; u8 qs[16]}, blocks of 32) and IQ4_XS (block_iq4_xs {fp16 d; u16 scales_h;
// u8 scales_l[4]; u8 qs[128]}, super-blocks of 256 with a 6-bit scale per 32): 4-bit indices into a non-linear
// table of 16 int8 values, nibbles laid out as Q4_0's. One search serves both (ggml-quants.c
// quantize_row_iq4_nl_impl): per block of 32 a first scale -max/values[0], its weighted least-squares refit and
// 2·7 + 1 trial scales (x² weights, or qw·sqrt(σ² + x²) with importance weights), for IQ4_XS then a 6-bit code of
// each block's scale relative to the super-block's. Sources: quantize_iq4_nl and quantize_iq4_xs (what
// ggml_quantize_chunk and so llama.cpp's quantizer run; quantize_row_iq4_nl_ref differs: one trial scale, and
// the indices of an all-zero block left as they were), dequantize_row_iq4_nl / _iq4_xs; the table is
// ggml-common.h kvalues_iq4nl.
#include <cmath>    // std::fabs, std::sqrt
#include <cstring>  // std::memset

#include "numscope/quantize/ggml/ggml.h"
#include "numscope/quantize/ggml/kquants.h"

namespace numscope::detail {

const std::int8_t kIq4Values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

namespace {
constexpr const std::int8_t* kValues = kIq4Values;
}  // namespace

/// By bisection, as ggml's best_index_int8.
int iq4_best_index(float x) {
  if (x <= kValues[0]) return 0;
  if (x >= kValues[15]) return 15;
  int lo = 0, hi = 15;
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    (x < kValues[mid] ? hi : lo) = mid;
  }
  return x - kValues[hi - 1] < kValues[hi] - x ? hi - 1 : hi;
}

float iq4_block_scale(const float* xb, const float* qw, float sigma2, std::uint8_t* Lb, int ntry) {
  float weight[32], amax = 0, max = 0;
  for (int j = 0; j < 32; ++j) weight[j] = qw ? qw[j] * std::sqrt(sigma2 + xb[j] * xb[j]) : xb[j] * xb[j];
  for (int j = 0; j < 32; ++j)
    if (std::fabs(xb[j]) > amax) amax = std::fabs(xb[j]), max = xb[j];
  if (amax < kGroupMaxEps) return 0;
  float d = ntry > 0 ? -max / kValues[0] : max / kValues[0];
  float id = 1 / d, sumqx = 0, sumq2 = 0;
  for (int j = 0; j < 32; ++j) {
    Lb[j] = static_cast<std::uint8_t>(iq4_best_index(id * xb[j]));
    const float q = kValues[Lb[j]], w = weight[j];
    sumqx += w * q * xb[j];
    sumq2 += w * q * q;
  }
  d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
  float best = d * sumqx;
  for (int itry = -ntry; itry <= ntry; ++itry) {
    id = static_cast<float>(itry + kValues[0]) / max;
    sumqx = sumq2 = 0;
    for (int j = 0; j < 32; ++j) {
      const float q = kValues[iq4_best_index(id * xb[j])], w = weight[j];
      sumqx += w * q * xb[j];
      sumq2 += w * q * q;
    }
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) d = sumqx / sumq2, best = d * sumqx;
  }
  return d;
}

namespace {

/// σ² of quantize_row_iq4_nl_impl: Σx² over the (super-)block times 2/n.
float iq4_sigma2(const float* x, int n) {
  float sigma2 = 0;
  for (int j = 0; j < n; ++j) sigma2 += x[j] * x[j];
  return sigma2 * (2.f / static_cast<float>(n));
}

void pack(const std::uint8_t* L, int n, unsigned char* q4) {
  for (int i = 0; i < n / 32; ++i)
    for (int j = 0; j < 16; ++j) q4[16 * i + j] = static_cast<unsigned char>(L[32 * i + j] | (L[32 * i + 16 + j] << 4));
}

/// quantize_iq4_nl's block (ggml_quantize_chunk, with or without weights): the search with 7 trial scales each
/// side, d stored as fp16, and the indices found again with the unrounded d (an all-zero block: d = 0, index 8).
void iq4_nl_levels(const float* x, const float* qw, unsigned char* out, unsigned char* clip, const Searches& s) {
  std::uint8_t L[32];
  const float d = s.iq4(x, qw, qw ? iq4_sigma2(x, 32) : 0.f, L, 7);
  store_fp16(out, d);
  const float id = d != 0 ? 1 / d : 0.f;
  s.iq4_indices(x, 32, id, L);
  pack(L, 32, out + 2);
  if (clip) std::memset(clip, 0, 32);
}

void iq4_nl_dequantize(const unsigned char* in, float* y) {
  const float d = load_fp16(in);
  for (int j = 0; j < 16; ++j) {
    y[j] = d * static_cast<float>(kValues[in[2 + j] & 0xf]);
    y[j + 16] = d * static_cast<float>(kValues[in[2 + j] >> 4]);
  }
}

/// quantize_iq4_xs (quantize_row_iq4_xs_ref is the same without weights): block_scale with 7 trial scales per
/// block of 32, the eight scales as 6-bit levels of d = -max_scale/32, the indices found again with them.
void iq4_xs_levels(const float* x, const float* qw, unsigned char* out, unsigned char* clip, const Searches& s) {
  std::uint8_t L[kQK_K] = {};
  float scales[8], max_scale = 0, amax_scale = 0;
  const float sigma2 = qw ? iq4_sigma2(x, kQK_K) : 0.f;
  for (int ib = 0; ib < 8; ++ib) {
    scales[ib] = s.iq4(x + 32 * ib, qw ? qw + 32 * ib : nullptr, sigma2, L + 32 * ib, 7);
    if (std::fabs(scales[ib]) > amax_scale) amax_scale = std::fabs(scales[ib]), max_scale = scales[ib];
  }
  std::uint16_t scales_h = 0;
  unsigned char* scales_l = out + 4;
  const float d = -max_scale / 32, id = d != 0 ? 1 / d : 0.f;
  store_fp16(out, d);
  for (int ib = 0; ib < 8; ++ib) {
    int l = nearest_int(id * scales[ib]);
    l = l < -32 ? -32 : l > 31 ? 31 : l;
    const float dl = d * static_cast<float>(l), idl = dl != 0 ? 1 / dl : 0.f;
    s.iq4_indices(x + 32 * ib, 32, idl, L + 32 * ib);
    l += 32;
    if (ib % 2 == 0) scales_l[ib / 2] = static_cast<unsigned char>(l & 0xf);
    else scales_l[ib / 2] |= static_cast<unsigned char>((l & 0xf) << 4);
    scales_h |= static_cast<std::uint16_t>((l >> 4) << (2 * ib));
  }
  out[2] = static_cast<unsigned char>(scales_h & 0xff);
  out[3] = static_cast<unsigned char>(scales_h >> 8);
  pack(L, kQK_K, out + 8);
  if (clip) std::memset(clip, 0, kQK_K);
}

void iq4_xs_dequantize(const unsigned char* in, float* y) {
  const float d = load_fp16(in);
  const unsigned scales_h = in[2] | in[3] << 8;
  const unsigned char* qs = in + 8;
  for (int ib = 0; ib < 8; ++ib, y += 32, qs += 16) {
    const int ls = ((in[4 + ib / 2] >> 4 * (ib % 2)) & 0xf) | (((scales_h >> 2 * ib) & 3) << 4);
    const float dl = d * static_cast<float>(ls - 32);
    for (int j = 0; j < 16; ++j) {
      y[j] = dl * static_cast<float>(kValues[qs[j] & 0xf]);
      y[j + 16] = dl * static_cast<float>(kValues[qs[j] >> 4]);
    }
  }
}

}  // namespace

const GgmlCodec kIQ4_NLCodec = searched_codec<iq4_nl_levels>(&kGgmlIQ4_NL, iq4_nl_dequantize);
const GgmlCodec kIQ4_XSCodec = searched_codec<iq4_xs_levels>(&kGgmlIQ4_XS, iq4_xs_dequantize);

}  // namespace numscope::detail
