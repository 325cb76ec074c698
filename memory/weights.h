// Weight bytes of an architecture, exactly, per matrix: which tensors a weight scheme quantizes (the linear layers
// of the text blocks; embeddings, head, norms, routers and the vision tower stay in the model's 16-bit dtype unless
// asked), the scales each matrix stores, and the checkpoint's elements by dtype.
#pragma once

#include <cstdint>      // std::int64_t
#include <map>          // std::map
#include <string>       // std::string
#include <string_view>  // std::string_view

#include "numscope/memory/architecture.h"

namespace numscope::memory {

/// The weights of one replica, split where the dtypes split.
struct WeightStorage {
  std::int64_t quantized_params = 0;  // stored in the weight scheme
  double quantized_bytes = 0;         // their bytes with every scale and zero point, summed matrix by matrix
  std::int64_t other_params = 0;      // kept in the 16-bit dtype
  double other_bytes = 0;
  double expert_bytes = 0;            // the routed experts' share of quantized_bytes + other_bytes (for --ep)
  std::string quantized_what;         // "linear layers" or "linear layers, embeddings and head"
};

/// Bits to store one rows × cols matrix in `dtype`: a format (bits × elements) or a storage scheme
/// (scheme_storage_bits: blocks along a row, partial blocks keep a whole scale). `quant`, when `dtype` is its
/// scheme (the checkpoint the dtype came from), counts the tensors that checkpoint stores for the matrix instead
/// (quantized_matrix_elements), with `act` the model's 16/32-bit dtype.
double matrix_bits(std::string_view dtype, std::int64_t rows, std::int64_t cols, const WeightQuant* quant = nullptr,
                   std::string_view act = "bf16");

/// The tensors a quantized checkpoint stores for one nn.Linear weight of rows (out) × cols (in), elements by
/// safetensors dtype, as each quantizer's source packs them: fp8 (F8_E4M3 + F32 block or tensor scales), GPTQ
/// (AutoGPTQ QuantLinear: qweight, qzeros, g_idx in I32, scales F16), AWQ (WQLinear_GEMM: qweight, qzeros I32,
/// scales F16), bitsandbytes 4-bit (packed U8 weight, absmax, quant_map, the nested statistics with double
/// quantization, the JSON quant state as U8) and 8-bit (I8 weight, F32 SCB, U8 weight_format). Throws InputError
/// for compressed-tensors.
std::map<std::string, std::int64_t> quantized_matrix_elements(const WeightQuant& q, std::int64_t rows,
                                                              std::int64_t cols, std::string_view act);

/// The JSON quant state bitsandbytes 4-bit stores per matrix (a U8 tensor "weight.quant_state.bitsandbytes__nf4"),
/// as json.dumps writes it; with double quantization nested_offset's digits depend on the data (taken as 18).
std::string bnb_quant_state_json(const WeightQuant& q, std::int64_t rows, std::int64_t cols, std::string_view act);

/// Splits the weights: the linear layers (and with quantize_embeddings the embeddings and the untied head) in
/// `scheme`, the rest in `other_dtype` (a format of 16 or 32 bits). When scheme is a plain format of the same width
/// as other_dtype the split still holds; callers print one row then.
WeightStorage weight_storage(const Architecture& a, std::string_view scheme, std::string_view other_dtype,
                             bool quantize_embeddings, const WeightQuant* quant = nullptr);

/// The checkpoint's elements by safetensors dtype (BF16, F8_E4M3, F32, I32, ...) as its quantization_config stores
/// them: the linear layers of the blocks as quantized_matrix_elements, DeepSeek V3's router biases in F32, GPTQ and
/// AWQ biases in F16, the rest in the activation dtype (torch_dtype). Includes the MTP module and its stored copies
/// (they are tensors of the files). Throws InputError for compressed-tensors.
std::map<std::string, std::int64_t> checkpoint_elements(const Architecture& a);

}  // namespace numscope::memory
