// The ggml block types as a table of operations (ggml's type traits: the type, quantize = from_float_ref,
// dequantize = to_float), one file per type in quantize/ggml/. Adding a type is a row in table.cpp, a file, and
// its storage row in formats/scheme.cpp (kGgmlSchemes).
//
// Every quantizer follows ggml's reference quantizer (ggml-quants.c quantize_row_<type>_ref, no importance
// matrix) step by step in fp32 and is compiled with -ffp-contract=off, as ggml's reference outputs are; the tests
// compare bytes and dequantized floats with ggml's own on several data sets (tests/quantize/golden/ggml).
#pragma once

#include <cstdint>  // std::int8_t, std::int32_t, std::uint8_t, std::uint16_t, INT32_MIN

#include "numscope/io/ggml_types.h"

namespace numscope::detail {

struct GgmlCodec {
  const GgmlType* type;  // block size and bytes per block
  /// One block of type->block floats to type->bytes bytes; clip (may be null) gets 1 where an element was
  /// clamped to the largest code of its scale.
  void (*quantize)(const float* x, unsigned char* out, unsigned char* clip);
  /// One block back to type->block floats (ggml's dequantize_row_<type>).
  void (*dequantize)(const unsigned char* in, float* y);
};

/// The codec of a ggml type id, or nullptr when numscope has none for it.
const GgmlCodec* find_ggml_codec(int ggml_type);

// One file each.
extern const GgmlCodec kQ8_0Codec, kQ4_0Codec, kQ4_1Codec, kQ5_0Codec, kQ5_1Codec, kQ2_KCodec, kQ3_KCodec, kQ4_KCodec,
    kQ5_KCodec, kQ6_KCodec, kIQ4_NLCodec, kIQ4_XSCodec, kMXFP4Codec, kNVFP4Codec;

/// max |x| of a block of 32 floats, in eight independent lanes (exact in any order) so that it vectorises.
float amax32(const float* x);
/// C's (int8_t)v and (uint8_t)v of a float as ggml's reference quantizers write them, compiled for x86-64: the
/// truncation to int32 (cvttss2si; out of range and NaN give INT32_MIN) and then its low byte. Exact truncation
/// wherever the value fits the type, which is every case but a degenerate scale.
inline int trunc_i8(float v) {
  const std::int32_t t = v > -2147483648.0f && v < 2147483648.0f ? static_cast<std::int32_t>(v) : INT32_MIN;
  return static_cast<std::int8_t>(t);
}
inline int trunc_u8(float v) { return static_cast<std::uint8_t>(trunc_i8(v)); }

/// The minimum and maximum of a block (Q4_1, Q5_1), compared as ggml does (FLT_MAX / -FLT_MAX to start).
inline void block_min_max(const float* x, int n, float& min, float& max) {
  min = 3.40282347e+38f;
  max = -3.40282347e+38f;
  for (int j = 0; j < n; ++j) {
    min = x[j] < min ? x[j] : min;
    max = x[j] > max ? x[j] : max;
  }
}

/// The fp16 d of a block as ggml stores it (little-endian GGML_FP32_TO_FP16), and back.
void store_fp16(unsigned char* out, float v);
float load_fp16(const unsigned char* in);

}  // namespace numscope::detail
