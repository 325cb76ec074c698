// A llama.cpp GGUF file as a model for the memory estimator: the architecture from its metadata, read per
// architecture as llama.cpp reads it (ARCH.block_count less nextn_predict_layers, embedding_length,
// attention.head_count(_kv), key_length, feed_forward_length, context_length; expert_count, expert_used_count,
// expert_feed_forward_length, expert_shared_feed_forward_length (qwen2moe), expert_shared_count and
// leading_dense_block_count (deepseek, deepseek2); MLA's q/kv_lora_rank, key/value_length_mla, rope.dimension_count
// (deepseek2); sliding windows with llama.cpp's per-architecture patterns (gemma2: every second layer, default
// window 4096; gemma3: five in six; attention.sliding_window_pattern as a period or per-layer bools)) and the
// weights' exact bytes from its tensor table, through the project's one GGUF parser (io/gguf.h) and ggml type table
// (io/ggml_types.h). No tensor data is read.
#pragma once

#include <cstdint>  // std::uint64_t
#include <string>   // std::string
#include <vector>   // std::vector

#include "numscope/io/gguf.h"
#include "numscope/memory/architecture.h"

namespace numscope::memory {

struct GgufModel {
  struct TypeTotal {
    std::string type;  // ggml type name: f32, f16, q4_K, ...
    std::uint64_t tensors = 0, elements = 0, bytes = 0;
  };
  Architecture arch;                 // params of the file = elements below (what the file holds)
  std::vector<TypeTotal> by_type;    // ordered by bytes, largest first
  std::uint64_t elements = 0, bytes = 0;
  std::uint64_t routed_expert_elements = 0;  // the merged *_exps tensors (every routed expert of a layer)
  std::uint64_t active_elements = 0;         // per token: elements less the routed experts not chosen (top-k of E)
  std::vector<std::string> notes;            // what the metadata says that llama.cpp reads differently
};

/// Reads the model of a parsed GGUF file; throws InputError naming the missing or inconsistent metadata key.
GgufModel gguf_model(const GgufFile& g, const std::string& name);
/// Maps and parses `path`, then gguf_model().
GgufModel load_gguf_model(const std::string& path);

}  // namespace numscope::memory
