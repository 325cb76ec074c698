// The ggml block types as a table of operations (ggml's type traits: the type, quantize = from_float_ref,
// dequantize = to_float), one file per type in quantize/ggml/. Adding a type is a row in table.cpp, a file, and
// its storage row in formats/scheme.cpp (kGgmlSchemes).
//
// Every quantizer follows what ggml_quantize_chunk runs (ggml.c), step by step in fp32, compiled with
// -ffp-contract=off as ggml's reference outputs are: without an importance matrix the reference quantizer
// quantize_row_<type>_ref (for IQ4_NL, quantize_iq4_nl's search with 7 trial scales, which llama.cpp's
// quantize_chunk runs and quantize_row_iq4_nl_ref does not), with one the weighted quantize_row_<type>_impl of
// ggml-quants.c. The tests compare bytes and dequantized floats with ggml's own on several data sets
// (tests/quantize/golden/ggml).
#pragma once

#include <cstdint>  // std::int8_t, std::int32_t, std::uint8_t, std::uint16_t, INT32_MIN

#include "numscope/io/ggml_types.h"
#include "numscope/quantize/lanes.h"
#include "numscope/support/cpu.h"

namespace numscope::detail {

/// Whole blocks of a segment at once (fp64 in, as the driver holds them): nblocks·block elements to the type's
/// bytes at out, the dequantized values (fp64) at y and the clip flags: the same bits as converting to fp32 and
/// running `quantize` and `dequantize` block by block.
using SegmentFn = void (*)(const double* x, std::uint64_t nblocks, unsigned char* out, double* y,
                           unsigned char* clip);

/// A SegmentFn that, instead of the dequantized values and flags, adds the error sums of the segment's elements
/// against x to t (Lanes::add_error's bits; 1/|x| from inv, or computed where inv is null); false, t untouched,
/// where a sum is not finite. fp32, when not null: x as the little-endian fp32 bytes x was widened from. out may
/// be null: no bytes wanted.
using SegmentSumsFn = bool (*)(const double* x, std::uint64_t nblocks, unsigned char* out, const double* inv,
                               Lanes& t, const unsigned char* fp32);

struct GgmlCodec {
  const GgmlType* type;  // block size and bytes per block
  /// One block of type->block floats to type->bytes bytes; clip (may be null) gets 1 where an element was
  /// clamped to the largest code of its scale.
  void (*quantize)(const float* x, unsigned char* out, unsigned char* clip);
  /// One block back to type->block floats (ggml's dequantize_row_<type>).
  void (*dequantize)(const unsigned char* in, float* y);
  /// One block with importance weights qw (one per element, llama.cpp's imatrix values for its columns), as
  /// ggml_quantize_chunk with quant_weights; null for the types that ignore them (Q8_0, MXFP4, NVFP4).
  /// row_sigma2 is Σx²/n over the block's whole ggml row (row_sigma2 below), for the types marked `row_sigma2`.
  void (*quantize_weighted)(const float* x, const float* qw, float row_sigma2, unsigned char* out,
                            unsigned char* clip) = nullptr;
  /// Q4_0, Q4_1, Q5_0, Q5_1: the weights use the mean square of the whole ggml row, not of the block.
  bool needs_row_sigma2 = false;
  /// ggml's reference quantizer as ggml writes it (scalar loops, one trial scale after another), where
  /// `quantize` is a faster build of it with the same bits; null: `quantize` is it. What `numscope bench` times
  /// as ggml's reference, and the tests' oracle for the fast builds.
  void (*reference)(const float* x, unsigned char* out, unsigned char* clip) = nullptr;
  /// The SegmentFn built for an instruction set (blocks32.cpp), or null: block by block.
  SegmentFn (*segment)(Isa isa) = nullptr;
  /// The same with the error sums (blocks32.cpp), or null.
  SegmentSumsFn (*segment_sums)(Isa isa) = nullptr;
};
SegmentFn q8_0_segment(Isa isa);
SegmentFn q4_0_segment(Isa isa);
SegmentFn q4_1_segment(Isa isa);
SegmentFn q5_0_segment(Isa isa);
SegmentFn q5_1_segment(Isa isa);
SegmentSumsFn q8_0_segment_sums(Isa isa);
/// The reference quantizer of a codec (its `reference`, or `quantize`).
inline auto reference_quantizer(const GgmlCodec& c) { return c.reference ? c.reference : c.quantize; }

/// Σx² of a ggml row in ggml's order, one fp32 sum from the first element on (acc: the sum so far, for a row read
/// in pieces); row_sigma2 is that sum / n, as quantize_row_q4_0_impl and the other 32-block types compute it.
template <class T>
float add_squares(float acc, const T* x, std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) {
    const float v = static_cast<float>(x[i]);
    acc += v * v;
  }
  return acc;
}
inline float row_sigma2(float sum_squares, std::uint64_t n) { return sum_squares / static_cast<float>(n); }

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

/// quantize_row_q4_0_impl / q5_0_impl up to the packing: weights qw·sqrt(σ² + x²), make_qx_quants' levels
/// (stored + nmax in L) and d stored as fp16 at out; clip where x/d falls outside the levels.
void sym32_weighted(const float* x, const float* qw, float sigma2, int nmax, unsigned char* out, std::int8_t* L,
                    unsigned char* clip);
/// quantize_row_q4_1_ref / q5_1_ref up to the cast: min and max of the block, d = (max - min)/nmax, d and min
/// stored as fp16 at out, and t[j] = (x[j] - min)·(1/d) + 0.5f, which each type truncates its own way.
void asym32_ref(const float* x, int nmax, unsigned char* out, float* t);
/// quantize_row_q4_1_impl / q5_1_impl up to the packing: make_qkx3_quants' levels 0..nmax and min (d and m stored
/// as fp16 at out).
void asym32_weighted(const float* x, const float* qw, float sigma2, int nmax, unsigned char* out, std::uint8_t* L,
                     unsigned char* clip);

/// Q5_0 / Q5_1's 32 five-bit levels: the low four bits as nibbles in qs (element j low, j+16 high), the fifth
/// bit of element j in bit j of the little-endian u32 at qh; and back.
void pack5(const std::uint8_t* L, unsigned char* qh, unsigned char* qs);
void unpack5(const unsigned char* qh, const unsigned char* qs, int* q);

/// The fp16 d of a block as ggml stores it (little-endian GGML_FP32_TO_FP16), and back.
void store_fp16(unsigned char* out, float v);
float load_fp16(const unsigned char* in);

}  // namespace numscope::detail
