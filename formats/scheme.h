// Quantization scheme names and rows: what each scheme stores (element format, block, scales) and its cost in bits.
//
// A scheme is a row like a format: its family, its element format (from the registry), how many elements share a
// scale, and what the scale and zero point cost. Bits per element are derived from the row, never typed in.
// Sources: OCP Microscaling Formats (MX) v1.0 §5-6; NVIDIA NVFP4 (TensorRT-LLM / ModelOpt); bitsandbytes
// (functional.py, kernels.cu: NF4, FP4, double quantization); llama.cpp ggml-quants.c (block_q8_0, block_q4_0);
// GPTQ / AWQ (INT4 groups of 128); TransformerEngine (FP8 per-tensor scaling).
#pragma once

#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/formats/engine.h"
#include "numscope/formats/format.h"

namespace numscope {

enum class SchemeFamily {
  kCast,    // plain cast into a registry format (fp16, bf16, tf32, e4m3, ...), no scale
  kScaled,  // float element with a scale fmt_max/amax per tensor or per channel (FP8 training recipes)
  kInt,     // integer, symmetric (absmax) or asymmetric (min/max + zero point), per tensor / channel / group
  kMx,      // OCP MX v1.0: blocks of 32 sharing an E8M0 power-of-two scale
  kNvfp4,   // NVIDIA NVFP4: E2M1 in blocks of 16, E4M3 block scale, FP32 tensor scale
  kNf4,     // bitsandbytes NF4 (16 code values), blocks of 64, fp32 absmax (optionally double-quantized)
  kBnbFp4,  // bitsandbytes FP4 (its own code table, not OCP E2M1), blocks of 64, fp32 absmax
  kGgml,    // a llama.cpp / ggml block type (Scheme::ggml_type): q8_0, q4_0, ... as ggml-quants.c lays it out
};

/// What one scale is shared by.
enum class Granularity { kNone, kTensor, kChannel, kBlock };

/// How an MX block scale is chosen. kFloor: OCP MX v1.0 §6.3, X = 2^(floor(log2 amax) - emax_elem), elements
/// saturate. kCeil: X = 2^ceil(log2(amax / max_elem)), no element saturates (TransformerEngine, cuBLAS, ModelOpt).
enum class MxScaleRule { kFloor, kCeil };

struct Scheme {
  std::string name;  // canonical name, as printed
  SchemeFamily family = SchemeFamily::kCast;
  Format element;    // element format (for NF4 / bnb FP4: uint4, the code index)
  Granularity granularity = Granularity::kNone;
  int block = 0;              // elements per scale for kBlock (group size G, MX 32, NVFP4 16, NF4 64, ggml 32)
  bool asymmetric = false;    // kInt: min/max with a zero point
  int scale_bits = 0;         // bits of one scale (per tensor, per channel, or per block)
  int zero_bits = 0;          // bits of one zero point (asymmetric integers: the element width)
  int tensor_scale_bits = 0;  // a second-level per-tensor scale (NVFP4: fp32; nf4-dq: fp32 offset)
  bool double_quant = false;  // nf4-dq: the fp32 absmax is itself quantized to 8 bits in blocks of 256
  int scale2_bits = 0;        // nf4-dq: bits of the second-level scale (fp32) ...
  int scale2_group = 0;       // ... shared by this many first-level scales (256)
  MxScaleRule mx_rule = MxScaleRule::kFloor;
  int ggml_type = -1;         // kGgml: the ggml_type id (ggml.h), whose block layout the scheme writes
  Rounding rounding = Rounding::kNearestEven;  // element rounding (casts, scaled, int, MX, NVFP4)
  std::string description;  // one line: what it stores
  std::string source;       // where the definition comes from
};

/// Parses a scheme name (case-insensitive). Grammar:
///   any registry format (fp16, bf16, tf32, e4m3, ...)  a plain cast (saturating for formats without inf)
///   FLOAT-tensor | FLOAT-ch                           scaled float: scale fmt_max/amax per tensor / channel
///   intB[-sym|-asym][-tensor|-ch|-gG]                  integers, 2 <= B <= 8 (int8-ch, int4-g128, int4-asym-g128)
///   mxfp8 mxfp8-e5m2 mxfp6 mxfp6-e3m2 mxfp4 mxint8     OCP MX v1.0; add -ceil for the round-up scale rule
///   nvfp4, nf4, nf4-dq, bnb-fp4, and the ggml block types of kGgmlSchemes (q8_0, q4_0, ...)
/// `rounding` applies to the schemes whose element rounding is free (not NF4 / bnb FP4 / ggml, which fix theirs).
/// Throws InputError naming the accepted schemes.
Scheme parse_scheme(std::string_view name, Rounding rounding = Rounding::kNearestEven,
                    MxScaleRule mx_rule = MxScaleRule::kFloor);

/// Parses a comma-separated list of scheme names.
std::vector<Scheme> parse_schemes(std::string_view list, Rounding rounding = Rounding::kNearestEven,
                                  MxScaleRule mx_rule = MxScaleRule::kFloor);

/// The default set of `numscope quantize`: a representative scheme from every family.
std::vector<std::string> default_scheme_names();

/// The accepted scheme names, for error messages and --help.
std::string accepted_scheme_names();

/// Storage bits per element including block scales and zero points, with per-tensor and per-channel scales
/// amortised to 0 (they depend on the tensor's size). Derived from the row: element bits + (scale bits +
/// zero bits) / block. Examples: int4-g128 4.125, q8_0 8.5, mxfp4 4.25, nf4-dq 4 + 8/64 + 32/(64·256).
double scheme_bits_per_element(const Scheme& s);

/// Same, by name. Plain format names (fp16, e4m3, int8, ...) are casts, not quantization schemes: this throws
/// InputError for them and for unknown names, naming the accepted schemes.
double scheme_bits_per_element(std::string_view name);

/// Exact storage of a tensor of `rows` x `cols` elements (rows = output channels; blocks run along a row, a
/// partial last block still stores a whole scale), in bits: elements, scales, zero points, tensor scales.
double scheme_storage_bits(const Scheme& s, unsigned long long rows, unsigned long long cols);

}  // namespace numscope
