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

}  // namespace

double matrix_bits(std::string_view dtype, std::int64_t rows, std::int64_t cols, const WeightQuant* quant) {
  const double n = static_cast<double>(rows) * static_cast<double>(cols);
  double bits = 0;
  if (const auto b = format_bits(dtype)) bits = n * *b;
  else bits = scheme_storage_bits(parse_scheme(dtype), static_cast<unsigned long long>(rows),
                                  static_cast<unsigned long long>(cols));
  if (quant && quant->kind == WeightQuant::Kind::kFp8Block)
    bits += 32.0 * static_cast<double>(ceil_div(rows, quant->block_rows) * ceil_div(cols, quant->block_cols));
  if (quant && quant->kind == WeightQuant::Kind::kFp8) bits += 32;  // weight_scale, one fp32 per tensor
  if (quant && quant->kind == WeightQuant::Kind::kGptq) bits += 32.0 * static_cast<double>(cols);  // g_idx
  return bits;
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
      bytes = matrix_bits(scheme, g.rows, g.cols, quant) * static_cast<double>(g.count) / 8;
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
  const bool fp8 = q.kind == WeightQuant::Kind::kFp8Block || q.kind == WeightQuant::Kind::kFp8;
  if (q.kind != WeightQuant::Kind::kNone && !fp8)
    throw InputError(a.name + ": the checkpoint's dtypes are priced for fp8 and unquantized checkpoints only (" +
                     q.describe + ")");
  for (const TensorGroup& g : tensor_inventory(a)) {
    const std::int64_t n = g.rows * g.cols * g.count;
    // DeepSeek V3's e_score_correction_bias is stored in fp32 (F32 tensors of the Hub's count).
    if (g.name.find("e_score_correction_bias") != std::string::npos) {
      out["F32"] += n;
      continue;
    }
    if (fp8 && g.role == Role::kLinear) {
      out["F8_E4M3"] += n;
      out["F32"] += q.kind == WeightQuant::Kind::kFp8
                        ? g.count
                        : ceil_div(g.rows, q.block_rows) * ceil_div(g.cols, q.block_cols) * g.count;
      continue;
    }
    out[safetensors_name(act)] += n;
  }
  return out;
}

}  // namespace numscope::memory
