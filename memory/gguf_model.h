// A llama.cpp GGUF file as a model for the memory estimator: the architecture from its metadata
// (ARCH.block_count, embedding_length, attention.head_count(_kv), feed_forward_length, context_length, expert
// counts, sliding window, MLA ranks) and the weights' exact bytes from its tensor table, through the project's one
// GGUF parser (io/gguf.h) and ggml type table (io/ggml_types.h). No tensor data is read.
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
};

/// Reads the model of a parsed GGUF file; throws InputError naming the missing or inconsistent metadata key.
GgufModel gguf_model(const GgufFile& g, const std::string& name);
/// Maps and parses `path`, then gguf_model().
GgufModel load_gguf_model(const std::string& path);

}  // namespace numscope::memory
