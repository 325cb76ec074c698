// ggml's own FP4 block layouts: MXFP4 (block_mxfp4 {u8 e; u8 qs[16]}, 32 elements, an E8M0 exponent) and NVFP4
// (block_nvfp4 {u8 d[4]; u8 qs[32]}, 64 elements, a UE4M3 scale per 16). Elements are E2M1 codes chosen by the
// smallest |value·d - x| over the table (a tie to the lower index), which differs from round-to-nearest-even on
// the E2M1 grid (0.75 goes to 0.5, not 1), and NVFP4's scale is rounded by ggml's own fp32 -> UE4M3 (half up
// on the mantissa), with no per-tensor scale: these are the schemes ggml-mxfp4 / ggml-nvfp4, beside numscope's
// OCP mxfp4 and NVIDIA nvfp4. Sources: ggml-quants.c quantize_row_mxfp4_ref / _nvfp4_ref, best_index_mxfp4,
// dequantize_row_mxfp4 / _nvfp4; ggml-impl.h ggml_e8m0_to_fp32_half, ggml_fp32_to_ue4m3, ggml_ue4m3_to_fp32;
// ggml-common.h kvalues_fp4 (twice the E2M1 values, so the scales below are halved).
#include <cmath>  // std::fabs, std::floor, std::log2, std::ldexp

#include "numscope/support/bits.h"  // bit_cast (libc++ 14 has no std::bit_cast)
#include "numscope/quantize/ggml/ggml.h"

namespace numscope::detail {
namespace {

constexpr std::int8_t kFp4x2[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

/// best_index_mxfp4 of n elements: the index of the smallest |values[i]·d - x|, the lowest on a tie. One loop over
/// the elements with the 16 candidates inside (branch-free after unrolling) measured 5x faster than one call per
/// element, and faster than the same loop in vector lanes.
void fp4_indices(const float* x, int n, float d, std::uint8_t* idx) {
  for (int j = 0; j < n; ++j) {
    int best = 0;
    float best_err = std::fabs(static_cast<float>(kFp4x2[0]) * d - x[j]);
    for (int i = 1; i < 16; ++i) {
      const float err = std::fabs(static_cast<float>(kFp4x2[i]) * d - x[j]);
      if (err < best_err) best = i, best_err = err;
    }
    idx[j] = static_cast<std::uint8_t>(best);
  }
}

/// 2^(e - 128): half the E8M0 value, as bits (subnormal for e < 2).
float e8m0_half(std::uint8_t e) {
  const std::uint32_t bits = e < 2 ? 0x00200000u << e : static_cast<std::uint32_t>(e - 1) << 23;
  return bit_cast<float>(bits);
}

/// ggml's UE4M3 (unsigned, bias 7, 3 mantissa bits; 0 and 0x7F read as 0), halved.
float ue4m3_half(std::uint8_t u) {
  if (u == 0 || u == 0x7F) return 0.0f;
  const int exp = (u >> 3) & 0xF, man = u & 7;
  const float raw = exp == 0 ? std::ldexp(static_cast<float>(man), -9)
                             : std::ldexp(1.0f + static_cast<float>(man) / 8.0f, exp - 7);
  return raw * 0.5f;
}
/// ggml_fp32_to_ue4m3: saturates at 448, subnormals by truncating x·512 + 0.5, normals by the first dropped
/// mantissa bit (half up), a carry into the exponent, 0x7E past the top.
std::uint8_t to_ue4m3(float x) {
  if (!(x > 0.0f)) return 0;
  if (x > 448.0f) x = 448.0f;
  const std::uint32_t bits = bit_cast<std::uint32_t>(x);
  int exp = static_cast<int>((bits >> 23) & 0xFF) - 127 + 7;
  if (exp <= 0) {
    const int man = static_cast<int>(x * 512.0f + 0.5f);
    return man < 1 ? 0 : static_cast<std::uint8_t>(man > 7 ? 7 : man);
  }
  if (exp >= 15) return 0x7E;
  int man = static_cast<int>((bits >> 20) & 7) + static_cast<int>((bits >> 19) & 1);
  if (man > 7) {
    man = 0;
    if (++exp >= 15) return 0x7E;
  }
  return static_cast<std::uint8_t>((exp << 3) | man);
}

void mxfp4_quantize(const float* x, unsigned char* out, unsigned char* clip) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) amax = amax < std::fabs(x[j]) ? std::fabs(x[j]) : amax;
  const std::uint8_t e = amax > 0.0f ? static_cast<std::uint8_t>(trunc_u8(std::floor(std::log2(amax)) - 2 + 127)) : 0;
  const float d = e8m0_half(e);
  out[0] = e;
  std::uint8_t idx[32];
  fp4_indices(x, 32, d, idx);
  for (int j = 0; j < 16; ++j) {
    out[1 + j] = static_cast<unsigned char>(idx[j] | (idx[j + 16] << 4));
    if (clip) clip[j] = std::fabs(x[j]) > 12 * d, clip[j + 16] = std::fabs(x[j + 16]) > 12 * d;
  }
}

void mxfp4_dequantize(const unsigned char* in, float* y) {
  const float d = e8m0_half(in[0]);
  for (int j = 0; j < 16; ++j) {
    y[j] = static_cast<float>(kFp4x2[in[1 + j] & 0x0F]) * d;
    y[j + 16] = static_cast<float>(kFp4x2[in[1 + j] >> 4]) * d;
  }
}

void nvfp4_quantize(const float* x, unsigned char* out, unsigned char* clip) {
  for (int s = 0; s < 4; ++s) {
    const float* xb = x + 16 * s;
    float amax = 0.0f;
    for (int j = 0; j < 16; ++j) amax = amax < std::fabs(xb[j]) ? std::fabs(xb[j]) : amax;
    out[s] = to_ue4m3(amax / 6.0f);
    const float d = ue4m3_half(out[s]);
    std::uint8_t idx[16];
    fp4_indices(xb, 16, d, idx);
    for (int j = 0; j < 8; ++j) {
      out[4 + 8 * s + j] = static_cast<unsigned char>(idx[j] | (idx[8 + j] << 4));
      if (clip) clip[16 * s + j] = std::fabs(xb[j]) > 12 * d, clip[16 * s + 8 + j] = std::fabs(xb[8 + j]) > 12 * d;
    }
  }
}

void nvfp4_dequantize(const unsigned char* in, float* y) {
  for (int s = 0; s < 4; ++s) {
    const float d = ue4m3_half(in[s]);
    for (int j = 0; j < 8; ++j) {
      y[16 * s + j] = static_cast<float>(kFp4x2[in[4 + 8 * s + j] & 0x0F]) * d;
      y[16 * s + 8 + j] = static_cast<float>(kFp4x2[in[4 + 8 * s + j] >> 4]) * d;
    }
  }
}

}  // namespace

const GgmlCodec kMXFP4Codec{&kGgmlMXFP4, mxfp4_quantize, mxfp4_dequantize};
const GgmlCodec kNVFP4Codec{&kGgmlNVFP4, nvfp4_quantize, nvfp4_dequantize};

}  // namespace numscope::detail
