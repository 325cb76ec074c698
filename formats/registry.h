// The built-in format rows (kFp16, kE4m3, ...), the table of them with their aliases, and the parser of user
// input (names, aliases and user-defined eXmY / intN formats).
#pragma once

#include <span>         // std::span
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/formats/format.h"

namespace numscope {

// ---- The built-in rows, by name -----------------------------------------------------------------------------
// Code refers to a format by its row (kE4m3), never by its name or position; find_format() is for user input.
// Each row gets its layout in a comment and is cross-checked against published anchors in registry.cpp.

/// S1 E11 M52, bias 1023: IEEE 754 binary64 (double).
inline constexpr Format kFp64{.name = "fp64", .exponent_bits = 11, .mantissa_bits = 52, .bias = 1023,
                              .summary = "IEEE 754 binary64 (double)"};
/// S1 E8 M23, bias 127: IEEE 754 binary32 (float).
inline constexpr Format kFp32{.name = "fp32", .exponent_bits = 8, .mantissa_bits = 23, .bias = 127,
                              .summary = "IEEE 754 binary32 (float)"};
/// S1 E8 M10, bias 127, stored in 32 bits with the low 13 bits zero: NVIDIA TensorFloat-32.
inline constexpr Format kTf32{.name = "tf32", .exponent_bits = 8, .mantissa_bits = 10, .bias = 127,
                              .storage_override = 32,
                              .summary = "NVIDIA TensorFloat-32: fp32's range, fp16's precision, 19 bits in a "
                                         "32-bit container"};
/// S1 E5 M10, bias 15: IEEE 754 binary16, max 65504.
inline constexpr Format kFp16{.name = "fp16", .exponent_bits = 5, .mantissa_bits = 10, .bias = 15,
                              .summary = "IEEE 754 binary16 (half)"};
/// S1 E8 M7, bias 127: the top half of binary32 (Google Brain bfloat16).
inline constexpr Format kBf16{.name = "bf16", .exponent_bits = 8, .mantissa_bits = 7, .bias = 127,
                              .summary = "bfloat16: fp32's exponent, 7 mantissa bits"};
/// S1 E5 M2, bias 15, inf = S.11111.00, NaN = S.11111.{01,10,11}: OFP8 E5M2, max 57344.
inline constexpr Format kE5m2{.name = "e5m2", .exponent_bits = 5, .mantissa_bits = 2, .bias = 15,
                              .summary = "OCP FP8 E5M2: IEEE-like, with inf"};
/// S1 E4 M3, bias 7, no inf, NaN = S.1111.111: OFP8 E4M3 (e4m3fn), max 448.
inline constexpr Format kE4m3{.name = "e4m3", .exponent_bits = 4, .mantissa_bits = 3, .bias = 7,
                              .nonfinite = Nonfinite::kNanOnly, .nan = NanEncoding::kAllOnes,
                              .summary = "OCP FP8 E4M3 (e4m3fn): no inf, NaN = S.1111.111"};
/// S1 E4 M3, bias 8, NaN = 0x80 only, no -0 (Graphcore / AMD fnuz), max 240.
inline constexpr Format kE4m3fnuz{.name = "e4m3fnuz", .exponent_bits = 4, .mantissa_bits = 3, .bias = 8,
                                  .nonfinite = Nonfinite::kNanOnly, .nan = NanEncoding::kNegativeZero,
                                  .summary = "FP8 E4M3 fnuz: bias 8, NaN = 0x80, no -0"};
/// S1 E5 M2, bias 16, NaN = 0x80 only, no -0, max 57344.
inline constexpr Format kE5m2fnuz{.name = "e5m2fnuz", .exponent_bits = 5, .mantissa_bits = 2, .bias = 16,
                                  .nonfinite = Nonfinite::kNanOnly, .nan = NanEncoding::kNegativeZero,
                                  .summary = "FP8 E5M2 fnuz: bias 16, NaN = 0x80, no -0"};
/// S1 E4 M3, bias 11, NaN = 0x80 only, no -0 (TPU), max 30.
inline constexpr Format kE4m3b11fnuz{.name = "e4m3b11fnuz", .exponent_bits = 4, .mantissa_bits = 3, .bias = 11,
                                     .nonfinite = Nonfinite::kNanOnly, .nan = NanEncoding::kNegativeZero,
                                     .summary = "FP8 E4M3 bias 11 fnuz (TPU): NaN = 0x80, no -0"};
/// S1 E4 M3, bias 7, IEEE-like with inf (ml_dtypes float8_e4m3), max 240.
inline constexpr Format kE4m3Ieee{.name = "e4m3-ieee", .exponent_bits = 4, .mantissa_bits = 3, .bias = 7,
                                  .summary = "FP8 E4M3 IEEE-like, with inf (ml_dtypes float8_e4m3)"};
/// S1 E3 M4, bias 3, IEEE-like with inf, max 15.5.
inline constexpr Format kE3m4{.name = "e3m4", .exponent_bits = 3, .mantissa_bits = 4, .bias = 3,
                              .summary = "FP8 E3M4 IEEE-like, with inf"};
/// S1 E3 M2, bias 3, every code finite: OCP MX FP6 E3M2, max 28.
inline constexpr Format kE3m2{.name = "e3m2", .exponent_bits = 3, .mantissa_bits = 2, .bias = 3,
                              .nonfinite = Nonfinite::kFiniteOnly, .nan = NanEncoding::kNone,
                              .summary = "OCP MX FP6 E3M2: finite only"};
/// S1 E2 M3, bias 1, every code finite: OCP MX FP6 E2M3, max 7.5.
inline constexpr Format kE2m3{.name = "e2m3", .exponent_bits = 2, .mantissa_bits = 3, .bias = 1,
                              .nonfinite = Nonfinite::kFiniteOnly, .nan = NanEncoding::kNone,
                              .summary = "OCP MX FP6 E2M3: finite only"};
/// S1 E2 M1, bias 1, every code finite: OCP MX FP4 E2M1, max 6.
inline constexpr Format kE2m1{.name = "e2m1", .exponent_bits = 2, .mantissa_bits = 1, .bias = 1,
                              .nonfinite = Nonfinite::kFiniteOnly, .nan = NanEncoding::kNone,
                              .summary = "OCP MX FP4 E2M1: finite only"};
/// E8 M0, unsigned, bias 127, no zero, NaN = 0xFF: the OCP MX shared scale 2^-127..2^127.
inline constexpr Format kE8m0{.name = "e8m0", .exponent_bits = 8, .mantissa_bits = 0, .bias = 127,
                              .nonfinite = Nonfinite::kNanOnly, .nan = NanEncoding::kAllOnes, .has_sign = false,
                              .has_subnormals = false,
                              .summary = "OCP MX shared scale: unsigned powers of two 2^-127..2^127, NaN = 0xFF, "
                                         "no zero"};
inline constexpr Format kInt8{.name = "int8", .kind = Kind::kInt, .int_bits = 8,
                              .summary = "two's complement, -128..127"};
inline constexpr Format kUint8{.name = "uint8", .kind = Kind::kInt, .int_bits = 8, .is_signed = false,
                               .summary = "unsigned, 0..255"};
inline constexpr Format kInt4{.name = "int4", .kind = Kind::kInt, .int_bits = 4,
                              .summary = "two's complement, -8..7"};
inline constexpr Format kUint4{.name = "uint4", .kind = Kind::kInt, .int_bits = 4, .is_signed = false,
                               .summary = "unsigned, 0..15"};
inline constexpr Format kInt2{.name = "int2", .kind = Kind::kInt, .int_bits = 2,
                              .summary = "two's complement, -2..1"};
inline constexpr Format kUint2{.name = "uint2", .kind = Kind::kInt, .int_bits = 2, .is_signed = false,
                               .summary = "unsigned, 0..3"};
// Integer rows that code names but the format table leaves out (find_format builds the same rows from their
// names): quantize's wide intermediate, and the code widths of ggml's block types.
inline constexpr Format kInt32{.name = "int32", .kind = Kind::kInt, .int_bits = 32,
                               .summary = "two's complement"};
inline constexpr Format kUint3{.name = "uint3", .kind = Kind::kInt, .int_bits = 3, .is_signed = false,
                               .summary = "unsigned integer"};
inline constexpr Format kUint5{.name = "uint5", .kind = Kind::kInt, .int_bits = 5, .is_signed = false,
                               .summary = "unsigned integer"};
inline constexpr Format kUint6{.name = "uint6", .kind = Kind::kInt, .int_bits = 6, .is_signed = false,
                               .summary = "unsigned integer"};

/// Every built-in format, in the order of the format table (floats by width, then integers).
std::span<const Format> builtin_formats();

/// Aliases accepted for a built-in format's canonical name (lower case), e.g. "half" for fp16.
std::vector<std::string_view> aliases(const Format& f);

/// One accepted spelling of a built-in format: as people write it, the canonical name it means, who writes it so,
/// and a hint where libraries mean different formats by similar names ("" when there is no doubt).
struct AliasInfo {
  std::string_view alias;    // "float8_e4m3fn"
  std::string_view name;     // "e4m3"
  std::string_view used_by;  // "PyTorch, ml_dtypes, JAX"
  std::string_view hint;     // "IEEE-like with inf (max 240), not OCP E4M3 ..."
};
/// Every alias, grouped by format in the order of builtin_formats(). Case, '_' against '-' and a library prefix
/// (torch., np., jnp., ml_dtypes.) do not matter when a name is looked up.
std::span<const AliasInfo> alias_table();

/// A name that means different formats in different places ("fp8": e4m3 or e5m2): find_format refuses it and
/// names the candidates; `numscope formats fp8` shows them all.
struct AmbiguousName {
  std::string_view name;        // "fp8"
  std::string_view candidates;  // "e4m3,e5m2"
  std::string_view why;         // one clause saying how they differ
};
std::span<const AmbiguousName> ambiguous_names();
/// The candidates of an ambiguous name ({"e4m3", "e5m2"} for "fp8"), or empty.
std::vector<std::string> ambiguous_candidates(std::string_view name);

/// Up to `n` canonical names or aliases closest to a misspelt `name` (for "did you mean"), closest first.
std::vector<std::string> closest_format_names(std::string_view name, std::size_t n);

/// Looks a format up by canonical name or alias, case-insensitively, or builds a user-defined one:
///   eXmY            IEEE-like, bias 2^(X-1)-1, 1 <= X <= 15, 0 <= Y <= 112
///   eXmYfn          no infinity, NaN = all ones (as OFP8 E4M3)
///   eXmYfnuz        no infinity, no -0, NaN = 0x80..0, bias 2^(X-1) unless given
///   ...:bias=N      any of the above with an explicit bias
///   intN / uintN    integers, 2 <= N <= 64
/// Case, '_' against '-' and a library prefix do not matter (torch.float8_e4m3fn is e4m3). Throws InputError
/// (error.h) for an unknown name with the closest names, or for an ambiguous one ("fp8") with its candidates.
/// Example: find_format("FP8_E4M3").name == "e4m3"
Format find_format(std::string_view name);

/// Parses a comma-separated list of format names (as find_format).
std::vector<Format> find_formats(std::string_view list);

/// The accepted names, for error messages and --help.
std::string accepted_format_names();

}  // namespace numscope
