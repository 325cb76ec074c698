// Tensor names in llama.cpp's spelling: a Hugging Face checkpoint's weight names mapped to the GGUF names that
// llama.cpp's converter gives them, so that an importance matrix (keyed by GGUF names) and llama.cpp's file-type
// rules (which read GGUF names) apply to safetensors input too.
#pragma once

#include <cstdint>      // std::uint64_t
#include <optional>     // std::optional
#include <string>       // std::string
#include <string_view>  // std::string_view

namespace numscope {

/// A tensor's GGUF name, and the expert it is when a Hugging Face checkpoint stores each expert of a
/// mixture-of-experts layer as its own 2-D tensor that llama.cpp merges into one 3-D tensor (matrix `expert`).
struct GgufName {
  std::string name;
  std::optional<std::uint64_t> expert;
};

/// The GGUF name of a tensor: a name already in GGUF spelling ("blk.3.attn_v.weight", "token_embd.weight") is
/// itself; a Llama-style Hugging Face name (Llama, Mistral, Mixtral, Qwen 2/3 and their MoE, Gemma, Phi-3,
/// DeepSeek: "model.layers.3.self_attn.v_proj.weight", "...mlp.experts.7.down_proj.weight", "lm_head.weight")
/// is mapped as convert_hf_to_gguf.py's tensor map (gguf-py gguf/tensor_mapping.py) maps it; nullopt for a name
/// neither knows.
std::optional<GgufName> gguf_name(std::string_view name);

}  // namespace numscope
