// The ggml block types as a table of operations (ggml's type traits: the type, quantize = from_float_ref,
// dequantize = to_float), one file per type in quantize/ggml/. Adding a type is a row in table.cpp, a file, and
// its storage row in formats/scheme.cpp (kGgmlSchemes).
//
// Every quantizer follows ggml's reference quantizer (ggml-quants.c quantize_row_<type>_ref, no importance
// matrix) step by step in fp32 and is compiled with -ffp-contract=off, as ggml's reference outputs are; the tests
// compare bytes and dequantized floats with ggml's own on several data sets (tests/quantize/golden/ggml).
#pragma once

#include <cstdint>  // std::uint16_t

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
extern const GgmlCodec kQ8_0Codec, kQ4_0Codec;

/// max |x| of a block of 32 floats, in eight independent lanes (exact in any order) so that it vectorises.
float amax32(const float* x);
/// The fp16 d of a block as ggml stores it (little-endian GGML_FP32_TO_FP16), and back.
void store_fp16(unsigned char* out, float v);
float load_fp16(const unsigned char* in);

}  // namespace numscope::detail
