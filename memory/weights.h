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
/// (scheme_storage_bits: blocks along a row, partial blocks keep a whole scale). `quant`, when it describes the
/// checkpoint the dtype came from, adds what that checkpoint stores beside: fp8 block scales (fp32 per
/// block_rows × block_cols tile), GPTQ's g_idx (one int32 per input column).
double matrix_bits(std::string_view dtype, std::int64_t rows, std::int64_t cols, const WeightQuant* quant = nullptr);

/// Splits the weights: the linear layers (and with quantize_embeddings the embeddings and the untied head) in
/// `scheme`, the rest in `other_dtype` (a format of 16 or 32 bits). When scheme is a plain format of the same width
/// as other_dtype the split still holds; callers print one row then.
WeightStorage weight_storage(const Architecture& a, std::string_view scheme, std::string_view other_dtype,
                             bool quantize_embeddings, const WeightQuant* quant = nullptr);

/// The checkpoint's elements by safetensors dtype (BF16, F8_E4M3, F32, ...) as its quantization_config stores them:
/// fp8 block checkpoints hold the linear layers in F8_E4M3, their block scales and router biases in F32 and the rest
/// in the activation dtype; unquantized checkpoints hold everything in the activation dtype. Includes the MTP
/// module and its stored copies (they are tensors of the files). Throws InputError for quantization it cannot price.
std::map<std::string, std::int64_t> checkpoint_elements(const Architecture& a);

}  // namespace numscope::memory
