// The ggml type table: every tensor type a GGUF file can name, with its block size and bytes per block.
//
// One row per ggml_type id, the project's only copy of these facts (the GGUF reader, the memory estimator and the
// ggml quantization families read them from here). Source: ggml.h `enum ggml_type` and ggml.c `type_traits`
// (blck_size, type_size = sizeof(block_*) in ggml-common.h); tests/quantize/ggml_types_test.cpp compares every
// row with the values ggml itself reports (tests/quantize/golden/ggml/types.txt, made by
// scripts/make-ggml-goldens.py through ggml_blck_size / ggml_type_size / ggml_type_name).
#pragma once

#include <cstdint>      // std::uint32_t, std::uint64_t
#include <optional>     // std::optional
#include <span>         // std::span
#include <string_view>  // std::string_view

namespace numscope {

/// One ggml tensor type: `block` elements are stored in `bytes` bytes (plain types have block 1).
struct GgmlType {
  std::uint32_t id;        // the ggml_type enum value, as stored in GGUF tensor infos
  std::string_view name;   // ggml's type_name ("q4_K", "bf16")
  std::uint32_t block;     // elements per block (QK_K = 256 for the K and most IQ types)
  std::uint32_t bytes;     // bytes per block: sizeof(block_*)
  bool quantized;          // a block format with scales (ggml's is_quantized)
  std::string_view layout; // the block's fields, from ggml-common.h
};

/// Bits per weight of a type: 8 · bytes / block (q4_K: 4.5, q6_K: 6.5625).
constexpr double ggml_bits_per_weight(const GgmlType& t) { return 8.0 * t.bytes / t.block; }

// Named rows for code that means a particular type (the table holds them all).
inline constexpr GgmlType kGgmlF32{0, "f32", 1, 4, false, "float"};
inline constexpr GgmlType kGgmlF16{1, "f16", 1, 2, false, "IEEE binary16"};
inline constexpr GgmlType kGgmlQ4_0{2, "q4_0", 32, 18, true, "{fp16 d; u8 qs[16]}"};
inline constexpr GgmlType kGgmlQ4_1{3, "q4_1", 32, 20, true, "{fp16 d, m; u8 qs[16]}"};
inline constexpr GgmlType kGgmlQ5_0{6, "q5_0", 32, 22, true, "{fp16 d; u8 qh[4]; u8 qs[16]}"};
inline constexpr GgmlType kGgmlQ5_1{7, "q5_1", 32, 24, true, "{fp16 d, m; u8 qh[4]; u8 qs[16]}"};
inline constexpr GgmlType kGgmlQ8_0{8, "q8_0", 32, 34, true, "{fp16 d; i8 qs[32]}"};
inline constexpr GgmlType kGgmlQ8_1{9, "q8_1", 32, 36, true, "{fp16 d, s; i8 qs[32]}"};
inline constexpr GgmlType kGgmlQ2_K{10, "q2_K", 256, 84, true, "{u8 scales[16]; u8 qs[64]; fp16 d, dmin}"};
inline constexpr GgmlType kGgmlQ3_K{11, "q3_K", 256, 110, true, "{u8 hmask[32]; u8 qs[64]; u8 scales[12]; fp16 d}"};
inline constexpr GgmlType kGgmlQ4_K{12, "q4_K", 256, 144, true, "{fp16 d, dmin; u8 scales[12]; u8 qs[128]}"};
inline constexpr GgmlType kGgmlQ5_K{13, "q5_K", 256, 176, true,
                                    "{fp16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}"};
inline constexpr GgmlType kGgmlQ6_K{14, "q6_K", 256, 210, true, "{u8 ql[128]; u8 qh[64]; i8 scales[16]; fp16 d}"};
inline constexpr GgmlType kGgmlQ8_K{15, "q8_K", 256, 292, true, "{float d; i8 qs[256]; i16 bsums[16]}"};
inline constexpr GgmlType kGgmlIQ2_XXS{16, "iq2_xxs", 256, 66, true, "{fp16 d; u16 qs[32]}"};
inline constexpr GgmlType kGgmlIQ2_XS{17, "iq2_xs", 256, 74, true, "{fp16 d; u16 qs[32]; u8 scales[8]}"};
inline constexpr GgmlType kGgmlIQ3_XXS{18, "iq3_xxs", 256, 98, true, "{fp16 d; u8 qs[96]}"};
inline constexpr GgmlType kGgmlIQ1_S{19, "iq1_s", 256, 50, true, "{fp16 d; u8 qs[32]; u16 qh[8]}"};
inline constexpr GgmlType kGgmlIQ4_NL{20, "iq4_nl", 32, 18, true, "{fp16 d; u8 qs[16]}"};
inline constexpr GgmlType kGgmlIQ3_S{21, "iq3_s", 256, 110, true,
                                     "{fp16 d; u8 qs[64]; u8 qh[8]; u8 signs[32]; u8 scales[4]}"};
inline constexpr GgmlType kGgmlIQ2_S{22, "iq2_s", 256, 82, true, "{fp16 d; u8 qs[64]; u8 qh[8]; u8 scales[8]}"};
inline constexpr GgmlType kGgmlIQ4_XS{23, "iq4_xs", 256, 136, true,
                                      "{fp16 d; u16 scales_h; u8 scales_l[4]; u8 qs[128]}"};
inline constexpr GgmlType kGgmlI8{24, "i8", 1, 1, false, "int8"};
inline constexpr GgmlType kGgmlI16{25, "i16", 1, 2, false, "int16"};
inline constexpr GgmlType kGgmlI32{26, "i32", 1, 4, false, "int32"};
inline constexpr GgmlType kGgmlI64{27, "i64", 1, 8, false, "int64"};
inline constexpr GgmlType kGgmlF64{28, "f64", 1, 8, false, "double"};
inline constexpr GgmlType kGgmlIQ1_M{29, "iq1_m", 256, 56, true, "{u8 qs[32]; u8 qh[16]; u8 scales[8]}"};
inline constexpr GgmlType kGgmlBF16{30, "bf16", 1, 2, false, "bfloat16"};
inline constexpr GgmlType kGgmlTQ1_0{34, "tq1_0", 256, 54, true, "{u8 qs[48]; u8 qh[4]; fp16 d}"};
inline constexpr GgmlType kGgmlTQ2_0{35, "tq2_0", 256, 66, true, "{u8 qs[64]; fp16 d}"};
inline constexpr GgmlType kGgmlMXFP4{39, "mxfp4", 32, 17, true, "{u8 e (E8M0); u8 qs[16] (E2M1)}"};
inline constexpr GgmlType kGgmlNVFP4{40, "nvfp4", 64, 36, true, "{u8 d[4] (UE4M3, per 16); u8 qs[32] (E2M1)}"};
inline constexpr GgmlType kGgmlQ1_0{41, "q1_0", 128, 18, true, "{fp16 d; u8 qs[16]}"};
inline constexpr GgmlType kGgmlQ2_0{42, "q2_0", 64, 18, true, "{fp16 d; u8 qs[16]}"};

/// Every known type, in id order. Ids 4, 5 (q4_2, q4_3) and 31-33, 36-38 (the repacked q4_0 / iq4_nl layouts)
/// were removed from ggml and GGUF files and have no row.
std::span<const GgmlType* const> ggml_types();

/// The row of a type id; nullptr for an unknown or removed id.
const GgmlType* find_ggml_type(std::uint32_t id);
/// The row of a type name, case-insensitive ("Q4_K", "q4_k", "BF16"); nullptr when none.
const GgmlType* find_ggml_type(std::string_view name);

/// Bytes of `elements` elements of a type, or nullopt when `elements` is not a whole number of blocks or the
/// byte count does not fit 64 bits.
std::optional<std::uint64_t> ggml_bytes(const GgmlType& t, std::uint64_t elements);

}  // namespace numscope
