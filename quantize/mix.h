// llama.cpp's file-type mixes (Q4_K_M, Q5_K_M, Q3_K_S, ...) as whole-model schemes: which ggml type each tensor
// of a model gets, following llama.cpp's llama_tensor_get_type, so `quantize --all --schemes Q4_K_M` measures
// what llama-quantize would write.
// Source: llama.cpp src/llama-quant.cpp (tensor_allows_quantization, tensor_type_fallback,
// llama_tensor_get_type_impl, llama_tensor_get_type, llama_ftype_get_default_type, init_quantize_state_counters)
// and src/llama-model-loader.h (weight_name_comparer), at commit 0c1e57098bba43ac29e6e3b677cdceebdd22334f
// (the llama.cpp that llama-cpp-python 0.3.36 carries). Our own code; checked against llama.cpp's own
// tests/snapshots/*.schema (tests/quantize/mix_test.cpp).
#pragma once

#include <cstdint>      // std::uint64_t
#include <optional>     // std::optional
#include <span>         // std::span
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/io/ggml_types.h"
#include "numscope/io/tensor_io.h"

namespace numscope {

/// One of llama-quantize's file types that numscope can quantize whole (every type it assigns has a quantizer).
struct FileTypeMix {
  std::string_view name;           // llama-quantize's spelling: "Q4_K_M"
  int ftype;                       // llama_ftype (include/llama.h): LLAMA_FTYPE_MOSTLY_Q4_K_M = 15
  const GgmlType* default_type;    // llama_ftype_get_default_type
};
/// Every mix, in llama_ftype order.
std::span<const FileTypeMix> file_type_mixes();
/// The mix of a scheme name: "llama:Q4_K_M" (any case), or the bare name where it is not also a ggml type
/// ("Q4_K_M", "q3_k_l": the _S, _M and _L mixes); nullptr for any other name.
const FileTypeMix* find_file_type_mix(std::string_view name);
/// The printed name of a mix: "llama:Q4_K_M".
std::string mix_scheme_name(const FileTypeMix& m);
/// "llama:Q2_K, llama:Q3_K_S, ..." for messages.
std::string mix_names();

/// What llama.cpp's rules read of a model besides the tensor names: the hyperparameters of its GGUF metadata
/// (general.architecture, {arch}.block_count, .attention.head_count(_kv), .expert_count) and whether an
/// importance matrix is given.
struct MixModel {
  std::string arch;            // "llama", "qwen2", "falcon", ...; "" when unknown (no arch-specific rule applies)
  std::uint64_t n_layer = 0;   // block_count (n_layer_all): the layer count of ffn_down / ffn_gate / ffn_up
  std::uint64_t n_head = 0, n_head_kv = 0;  // of layer 0; n_gqa = n_head / n_head_kv (0 when n_head_kv is 0)
  std::uint64_t n_expert = 0;
  bool has_imatrix = false;
};

/// A tensor as llama.cpp sees it: its GGUF name and ggml's ne (ne[0] the row length; C-order shape reversed).
struct MixTensor {
  std::string name;
  std::vector<std::uint64_t> ne;
};

/// For every tensor of the model, the type llama-quantize gives it under `mix`, or nullptr where it copies the
/// tensor unchanged (1-D tensors, norms, positional embeddings, expert routers, ...). The tensors are every
/// weight of the file: the rules count attention-v tensors and look for output.weight over all of them.
/// Throws InputError where llama-quantize fails (a MoE tensor whose layer cannot be read from its name).
std::vector<const GgmlType*> mix_types(const FileTypeMix& mix, const MixModel& model,
                                       std::span<const MixTensor> tensors);

/// The model's hyperparameters where a checkpoint has no GGUF metadata: n_layer from the highest block number
/// in the (GGUF) names plus one, n_head / n_head_kv as the rows of layer 0's attn_q and attn_k (their ratio is
/// n_gqa when q and k heads have one size), n_expert from a 3-D expert tensor or the experts named. `arch` is
/// left as given.
MixModel mix_model_from_tensors(std::span<const MixTensor> tensors, std::string arch = {});

/// A run's inputs as llama-quantize would see them: the tensors under their GGUF names (quantize/names.h; the
/// experts of a Hugging Face mixture-of-experts layer merged into one 3-D tensor, as the converter merges them)
/// and the model's hyperparameters: from the first GGUF input's metadata; for a Hugging Face checkpoint from the
/// config.json beside its first file (the architecture as llama.cpp's converter names its class,
/// num_hidden_layers, num_attention_heads, num_key_value_heads, num_local_experts), and what that leaves out
/// from the tensors (mix_model_from_tensors). A config.json that is not JSON is an InputError.
struct MixInputs {
  MixModel model;
  std::vector<MixTensor> tensors;
  std::vector<std::size_t> tensor_of;  // for each entry, its tensor
};
MixInputs mix_inputs(std::span<const std::string> files, std::span<const TensorEntry> entries, bool has_imatrix);

}  // namespace numscope
