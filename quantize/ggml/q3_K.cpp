// ggml Q3_K (ggml-common.h block_q3_K {u8 hmask[32]; u8 qs[64]; u8 scales[12]; fp16 d}), 3.4375 bits: 16 groups
// of 16 with a signed 6-bit scale each (make_q3_quants, levels -4..3), scaled by the fp16 super-block d; the low
// two bits of each level four to a byte as Q2_K, the high bit in hmask (bit k of hmask[m] for element 32k + m).
// y = d·(scale - 32)·(q - 4). Source: ggml-quants.c quantize_row_q3_K_ref, dequantize_row_q3_K; with importance
// weights quantize_row_q3_K_impl.
#include <cmath>    // std::fabs, std::sqrt
#include <cstring>  // std::memset

#include "numscope/quantize/ggml/ggml.h"
#include "numscope/quantize/ggml/kquants.h"
#include "numscope/quantize/ggml/q3_K_lanes.h"

namespace numscope::detail {
namespace {

/// The signed 6-bit scale of group j: its low four bits in scales[j] (j < 8) or scales[j-8]'s high nibble, its
/// top two bits in scales[8 + j%4] at bit 2·(j/4).
int q3_scale(const unsigned char* scales, int j) {
  const int low = j < 8 ? scales[j] & 0xF : scales[j - 8] >> 4;
  return (low | (((scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
}

/// The levels again with the stored scales and d (both paths end so), then hmask and the packing.
void q3_K_finish(const float* x, unsigned char* out, std::int8_t* L, unsigned char* clip, const Searches& s) {
  unsigned char *hmask = out, *qs = out + 32, *scales = out + 96;
  for (int j = 0; j < 16; ++j) {
    const float d = load_fp16(out + 108) * static_cast<float>(q3_scale(scales, j));
    if (d == 0) continue;
    s.levels(x + 16 * j, 16, d, 0.f, -4, 3, 4, reinterpret_cast<std::uint8_t*>(L + 16 * j), clip ? clip + 16 * j : nullptr);
  }
  std::memset(hmask, 0, 32);
  for (int j = 0; j < kQK_K; ++j) {  // levels 4..7 set their hmask bit and drop 4 (without a branch)
    hmask[j % 32] |= static_cast<unsigned char>((L[j] >> 2) << (j / 32));
    L[j] = static_cast<std::int8_t>(L[j] & 3);
  }
  for (int j = 0; j < kQK_K; j += 128)
    for (int l = 0; l < 32; ++l)
      qs[j / 4 + l] = static_cast<unsigned char>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) |
                                                 (L[j + l + 96] << 6));
}

/// Stores the 6-bit level l (0..63) of group j's scale: low four bits in scales[j] or scales[j-8]'s high nibble,
/// top two in scales[8 + j%4] at bit 2·(j/4) (scales zeroed first).
void put_q3_scale(unsigned char* scales, int j, int l) {
  if (j < 8) scales[j] = static_cast<unsigned char>(l & 0xF);
  else scales[j - 8] |= static_cast<unsigned char>((l & 0xF) << 4);
  scales[j % 4 + 8] |= static_cast<unsigned char>((l >> 4) << (2 * (j / 4)));
}

void q3_K_plain(const float* x, unsigned char* out, unsigned char* clip, const Searches& s) {
  unsigned char* scales = out + 96;
  std::int8_t L[kQK_K];
  float sc[16];
  float max_scale = 0, amax = 0;
  // The AVX-512 searches run the 16 groups' make_q3_quants in 16 lanes (same bits); the others group by group.
  if (&s != &vector_searches(Isa::kAvx512) || !make_q3_quants_x16(x, L, sc))
    for (int j = 0; j < 16; ++j) sc[j] = s.q3(16, 4, x + 16 * j, L + 16 * j);
  for (int j = 0; j < 16; ++j) {
    if (std::fabs(sc[j]) > amax) {
      amax = std::fabs(sc[j]);
      max_scale = sc[j];
    }
  }
  std::memset(scales, 0, 12);
  if (max_scale != 0) {
    const float iscale = -32.f / max_scale;
    for (int j = 0; j < 16; ++j) {
      const int l = static_cast<std::int8_t>(nearest_int(iscale * sc[j]));
      put_q3_scale(scales, j, (l < -32 ? -32 : l > 31 ? 31 : l) + 32);
    }
    store_fp16(out + 108, 1 / iscale);
  } else {
    store_fp16(out + 108, 0.f);
  }
  q3_K_finish(x, out, L, clip, s);
}

/// quantize_row_q3_K_impl: weights qw·sqrt(σ² + x²) with σ² = 2·Σx²/256, make_qx_quants per group of 16 with
/// them (levels -4..3), and the 16 scales as 6-bit levels of one fp16 d by make_qx_quants weighted by each
/// group's Σw.
void q3_K_weighted(const float* x, const float* qw, unsigned char* out, unsigned char* clip, const Searches& s) {
  std::int8_t L[kQK_K], Ls[16];
  float scales[16], weight[16], sw[16];
  float sumx2 = 0;
  for (int j = 0; j < kQK_K; ++j) sumx2 += x[j] * x[j];
  const float sigma2 = 2 * sumx2 / kQK_K;
  for (int j = 0; j < 16; ++j) {
    for (int l = 0; l < 16; ++l) weight[l] = qw[16 * j + l] * std::sqrt(sigma2 + x[16 * j + l] * x[16 * j + l]);
    float sumw = 0;
    for (int l = 0; l < 16; ++l) sumw += weight[l];
    sw[j] = sumw;
    scales[j] = s.qx(16, 4, x + 16 * j, L + 16 * j, weight);
  }
  std::memset(out + 96, 0, 12);
  const float d_block = s.qx(16, 32, scales, Ls, sw);
  for (int j = 0; j < 16; ++j) put_q3_scale(out + 96, j, Ls[j]);
  store_fp16(out + 108, d_block);
  q3_K_finish(x, out, L, clip, s);
}

/// Without importance weights quantize_row_q3_K_ref, with them quantize_row_q3_K_impl.
void q3_K_levels(const float* x, const float* qw, unsigned char* out, unsigned char* clip, const Searches& s) {
  if (qw) q3_K_weighted(x, qw, out, clip, s);
  else q3_K_plain(x, out, clip, s);
}

void q3_K_dequantize(const unsigned char* in, float* y) {
  const float d_all = load_fp16(in + 108);
  const unsigned char *hm = in, *q = in + 32, *scales = in + 96;
  int is = 0, bit = 0;
  for (int n = 0; n < kQK_K; n += 128, q += 32)
    for (int shift = 0; shift < 8; shift += 2, ++bit)
      for (int half = 0; half < 2; ++half) {
        const float dl = d_all * static_cast<float>(q3_scale(scales, is++));
        for (int l = 16 * half; l < 16 * half + 16; ++l) {
          const int v = ((q[l] >> shift) & 3) - ((hm[l] >> bit) & 1 ? 0 : 4);
          *y++ = dl * static_cast<float>(v);
        }
      }
}

}  // namespace

const GgmlCodec kQ3_KCodec = searched_codec<q3_K_levels>(&kGgmlQ3_K, q3_K_dequantize);

}  // namespace numscope::detail
