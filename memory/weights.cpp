// Weight bytes per matrix and the checkpoint's dtype totals (see weights.h).
#include "numscope/memory/weights.h"

#include <optional>  // std::optional

#include "numscope/formats/registry.h"
#include "numscope/formats/scheme.h"
#include "numscope/support/ascii.h"
#include "numscope/support/error.h"

namespace numscope::memory {
namespace {

using Role = TensorGroup::Role;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// A plain format's storage bits, or nothing when the name is a block scheme.
std::optional<double> format_bits(std::string_view name) {
  const std::string key = ascii_lower(name) == "fp8" ? std::string("e4m3") : std::string(name);
  try {
    return static_cast<double>(storage_bits(find_format(key)));
  } catch (const InputError&) {
    return std::nullopt;
  }
}

bool quantized_role(const TensorGroup& g, bool quantize_embeddings) {
  if (g.role == Role::kLinear) return true;
  return quantize_embeddings && (g.role == Role::kEmbedding || g.role == Role::kHead);
}

const char* safetensors_name(std::string_view dtype) {
  if (dtype == "fp32") return "F32";
  if (dtype == "fp16") return "F16";
  return "BF16";
}

// Bits of the safetensors dtypes a checkpoint of numscope's families stores.
int safetensors_bits(std::string_view st) {
  if (st == "F32" || st == "I32") return 32;
  if (st == "F16" || st == "BF16") return 16;
  return 8;  // F8_E4M3, I8, U8
}

constexpr std::int64_t kBnbBlock = 64;         // bitsandbytes quantize_4bit's default blocksize
constexpr std::int64_t kBnbNestedBlock = 256;  // quantize_blockwise of the absmax (compress_statistics)
// The digits json.dumps gives nested_offset (the mean of the absmax, a float32 widened to double, printed with
// Python's shortest repr): data dependent, 1 to about 24 characters; numscope assumes 18 (e.g. 0.0234375 is 9,
// 0.020218253135681152 is 20).
constexpr std::size_t kBnbOffsetDigits = 18;

}  // namespace

std::string bnb_quant_state_json(const WeightQuant& q, std::int64_t rows, std::int64_t cols, std::string_view act) {
  // bitsandbytes functional.py QuantState.as_dict(packed=True): the non-tensor items in insertion order
  // (quant_type, blocksize, dtype, shape; with double quantization nested_blocksize, nested_dtype, nested_offset),
  // json.dumps'ed with its default separators ", " and ": " (utils.py pack_dict_to_tensor). dtype is
  // str(torch.dtype).strip("torch.").
  const std::string dtype = act == "fp32" ? "float32" : act == "fp16" ? "float16" : "bfloat16";
  std::string j = "{\"quant_type\": \"" + q.bnb_type + "\", \"blocksize\": " + std::to_string(kBnbBlock) +
                  ", \"dtype\": \"" + dtype + "\", \"shape\": [" + std::to_string(rows) + ", " +
                  std::to_string(cols) + "]";
  if (q.double_quant)
    j += ", \"nested_blocksize\": " + std::to_string(kBnbNestedBlock) +
         ", \"nested_dtype\": \"float32\", \"nested_offset\": " + std::string(kBnbOffsetDigits, '0');
  return j + "}";
}

std::map<std::string, std::int64_t> quantized_matrix_elements(const WeightQuant& q, std::int64_t rows,
                                                              std::int64_t cols, std::string_view act) {
  // rows × cols is nn.Linear's weight, out_features × in_features.
  const std::int64_t out = rows, in = cols, n = rows * cols;  // n: checked by tensor_inventory
  std::map<std::string, std::int64_t> t;
  switch (q.kind) {
    case WeightQuant::Kind::kFp8Block:  // transformers FineGrainedFP8: weight F8_E4M3, weight_scale_inv per block
      t["F8_E4M3"] = n;
      t["F32"] = ceil_div(rows, q.block_rows) * ceil_div(cols, q.block_cols);
      break;
    case WeightQuant::Kind::kFp8:  // one fp32 scale per tensor
      t["F8_E4M3"] = n;
      t["F32"] = 1;
      break;
    case WeightQuant::Kind::kGptq: {
      // AutoGPTQ nn_modules/qlinear/qlinear_cuda_old.py QuantLinear.__init__ (at 9f7d3707, lines 50-74):
      // qweight int32 (in // 32 · bits, out), qzeros int32 (ceil(in / g), out // 32 · bits), scales fp16
      // (ceil(in / g), out), g_idx int32 (in); group -1 is one group of `in`.
      const std::int64_t g = q.group > 0 ? q.group : in;
      t["I32"] = in / 32 * q.bits * out + ceil_div(in, g) * (out / 32 * q.bits) + in;
      t["F16"] = ceil_div(in, g) * out;
      break;
    }
    case WeightQuant::Kind::kAwq: {
      // AutoAWQ awq/modules/linear/gemm.py WQLinear_GEMM.__init__ (at 88e4c76b, lines 132-157): qweight int32
      // (in, out // (32 / w_bit)), qzeros int32 (in // g, out // (32 / w_bit)), scales fp16 (in // g, out).
      const std::int64_t g = q.group > 0 ? q.group : in, pack = 32 / q.bits;
      t["I32"] = in * (out / pack) + in / g * (out / pack);
      t["F16"] = in / g * out;
      break;
    }
    case WeightQuant::Kind::kBnb4: {
      // bitsandbytes (at 95f9af30) _ops.py quantize_4bit: weight uint8 ((n + 1) // 2, 1) and absmax fp32, one per
      // block of 64 (functional.py quantize_4bit's default blocksize); with compress_statistics the absmax is
      // quantize_blockwise'd to uint8 in blocks of 256, leaving nested_absmax fp32 and a 256-entry
      // nested_quant_map; quant_map is the 16-entry code. The packed JSON quant state is a uint8 tensor.
      const std::int64_t blocks = ceil_div(n, kBnbBlock);
      t["U8"] = (n + 1) / 2 + static_cast<std::int64_t>(bnb_quant_state_json(q, rows, cols, act).size());
      t["F32"] = 16;
      if (q.double_quant) {
        t["U8"] += blocks;
        t["F32"] += ceil_div(blocks, kBnbNestedBlock) + 256;
      } else {
        t["F32"] += blocks;
      }
      break;
    }
    case WeightQuant::Kind::kBnb8:
      // bitsandbytes nn/modules.py Linear8bitLt._save_to_state_dict: weight int8 (out, in), SCB fp32 (out) and
      // weight_format, a uint8 scalar.
      t["I8"] = n;
      t["F32"] = out;
      t["U8"] = 1;
      break;
    default:
      throw InputError("quantization_config: " + q.describe + " cannot be priced tensor by tensor");
  }
  return t;
}

double matrix_bits(std::string_view dtype, std::int64_t rows, std::int64_t cols, const WeightQuant* quant,
                   std::string_view act) {
  if (quant && quant->kind != WeightQuant::Kind::kNone && quant->kind != WeightQuant::Kind::kCompressed &&
      dtype == quant->scheme) {
    // The checkpoint's own tensors for this matrix, as its quantizer stores them.
    double bits = 0;
    for (const auto& [st, n] : quantized_matrix_elements(*quant, rows, cols, act))
      bits += static_cast<double>(n) * static_cast<double>(safetensors_bits(st));
    return bits;
  }
  const double n = static_cast<double>(rows) * static_cast<double>(cols);
  if (const auto b = format_bits(dtype)) return n * *b;
  return scheme_storage_bits(parse_scheme(dtype), static_cast<unsigned long long>(rows),
                             static_cast<unsigned long long>(cols));
}

WeightStorage weight_storage(const Architecture& a, std::string_view scheme, std::string_view other_dtype,
                             bool quantize_embeddings, const WeightQuant* quant) {
  WeightStorage w;
  const double other_bits = format_bits(other_dtype).value_or(16);
  w.quantized_what = quantize_embeddings ? "linear layers, embeddings and head" : "linear layers";
  for (const TensorGroup& g : tensor_inventory(a)) {
    if (g.mtp || g.checkpoint_copy) continue;
    const std::int64_t n = g.rows * g.cols * g.count;  // checked by tensor_inventory
    double bytes = 0;
    if (quantized_role(g, quantize_embeddings)) {
      bytes = matrix_bits(scheme, g.rows, g.cols, quant, other_dtype) * static_cast<double>(g.count) / 8;
      w.quantized_params += n;
      w.quantized_bytes += bytes;
    } else {
      bytes = static_cast<double>(n) * other_bits / 8;
      w.other_params += n;
      w.other_bytes += bytes;
    }
    if (g.routed_expert) w.expert_bytes += bytes;
  }
  return w;
}

std::map<std::string, std::int64_t> checkpoint_elements(const Architecture& a) {
  std::map<std::string, std::int64_t> out;
  const std::string act = a.activation_dtype.empty() ? "bf16" : a.activation_dtype;
  const WeightQuant& q = a.quant;
  if (q.kind == WeightQuant::Kind::kCompressed)
    throw InputError(a.name + ": the checkpoint's dtypes are not predicted for " + q.describe);
  for (const TensorGroup& g : tensor_inventory(a)) {
    const std::int64_t n = g.rows * g.cols * g.count;
    // DeepSeek V3's e_score_correction_bias is stored in fp32 (F32 tensors of the Hub's count).
    if (g.name.find("e_score_correction_bias") != std::string::npos) {
      out["F32"] += n;
      continue;
    }
    if (q.kind != WeightQuant::Kind::kNone && g.role == Role::kLinear) {
      for (const auto& [st, k] : quantized_matrix_elements(q, g.rows, g.cols, act)) out[st] += k * g.count;
      continue;
    }
    // GPTQ and AWQ keep the biases of their QuantLinear in fp16 (register_buffer("bias", ..., float16)).
    const bool fp16_bias = (q.kind == WeightQuant::Kind::kGptq || q.kind == WeightQuant::Kind::kAwq) &&
                           g.role == Role::kBias;
    out[fp16_bias ? "F16" : safetensors_name(act)] += n;
  }
  return out;
}

}  // namespace numscope::memory
