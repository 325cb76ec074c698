// gguf_name (names.h): Llama-style Hugging Face weight names to llama.cpp's GGUF names.
// Source: gguf-py gguf/tensor_mapping.py (TensorNameMap, as llama-cpp-python 0.3.36 carries it) and
// gguf/constants.py (TENSOR_NAMES): "model.layers.{bid}.self_attn.q_proj" -> "blk.{bid}.attn_q", per-expert
// "mlp.experts.{xid}.down_proj" and Mixtral's "block_sparse_moe.experts.{xid}.w2" merged into "blk.{bid}.ffn_down_exps".
#include "numscope/quantize/names.h"

#include <array>    // std::array
#include <charconv>  // std::from_chars
#include <cstdint>  // std::uint64_t

namespace numscope {
namespace {

struct Rename {
  std::string_view hf, gguf;
};

// Inside "model.layers.{bid}.": the part before ".weight" / ".bias".
constexpr std::array kLayer = {
    Rename{"self_attn.q_proj", "attn_q"},          Rename{"self_attn.k_proj", "attn_k"},
    Rename{"self_attn.v_proj", "attn_v"},          Rename{"self_attn.o_proj", "attn_output"},
    Rename{"self_attn.qkv_proj", "attn_qkv"},      Rename{"self_attn.q_norm", "attn_q_norm"},
    Rename{"self_attn.k_norm", "attn_k_norm"},     Rename{"input_layernorm", "attn_norm"},
    Rename{"post_attention_layernorm", "ffn_norm"}, Rename{"mlp.gate_proj", "ffn_gate"},
    Rename{"mlp.up_proj", "ffn_up"},               Rename{"mlp.down_proj", "ffn_down"},
    Rename{"mlp.gate_up_proj", "ffn_up"},          Rename{"mlp.gate", "ffn_gate_inp"},
    Rename{"block_sparse_moe.gate", "ffn_gate_inp"}, Rename{"mlp.shared_expert_gate", "ffn_gate_inp_shexp"},
    Rename{"mlp.shared_expert.gate_proj", "ffn_gate_shexp"}, Rename{"mlp.shared_expert.up_proj", "ffn_up_shexp"},
    Rename{"mlp.shared_expert.down_proj", "ffn_down_shexp"}, Rename{"mlp.shared_experts.gate_proj", "ffn_gate_shexp"},
    Rename{"mlp.shared_experts.up_proj", "ffn_up_shexp"}, Rename{"mlp.shared_experts.down_proj", "ffn_down_shexp"},
};
// Inside "model.layers.{bid}.": PREFIX.{xid}.SUFFIX, one expert of a merged 3-D tensor.
struct ExpertRename {
  std::string_view prefix, suffix, gguf;
};
constexpr std::array kExperts = {
    ExpertRename{"mlp.experts.", "gate_proj", "ffn_gate_exps"},
    ExpertRename{"mlp.experts.", "up_proj", "ffn_up_exps"},
    ExpertRename{"mlp.experts.", "down_proj", "ffn_down_exps"},
    ExpertRename{"block_sparse_moe.experts.", "w1", "ffn_gate_exps"},
    ExpertRename{"block_sparse_moe.experts.", "w3", "ffn_up_exps"},
    ExpertRename{"block_sparse_moe.experts.", "w2", "ffn_down_exps"},
};
constexpr std::array kTop = {Rename{"embed_tokens", "token_embd"}, Rename{"norm", "output_norm"}};

bool strip(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

/// A decimal number and the dot after it.
std::optional<std::uint64_t> number(std::string_view& s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end == s.data() || end == s.data() + s.size() || *end != '.') return std::nullopt;
  s.remove_prefix(static_cast<std::size_t>(end - s.data()) + 1);
  return v;
}

}  // namespace

std::optional<GgufName> gguf_name(std::string_view name) {
  if (name.starts_with("blk.") || name == "token_embd.weight" || name == "output.weight" ||
      name == "output_norm.weight" || name == "per_layer_token_embd.weight")
    return GgufName{std::string(name), std::nullopt};
  if (name == "lm_head.weight") return GgufName{"output.weight", std::nullopt};
  std::string_view s = name, kind;
  for (std::string_view k : {".weight", ".bias"})
    if (s.ends_with(k)) kind = k, s.remove_suffix(k.size());
  if (kind.empty()) return std::nullopt;
  // Multimodal checkpoints nest the language model one level deeper.
  if (!strip(s, "model.language_model.") && !strip(s, "language_model.model.") && !strip(s, "model.")) return std::nullopt;
  const std::string suffix(kind);
  if (strip(s, "layers.")) {
    const auto bid = number(s);
    if (!bid) return std::nullopt;
    const std::string blk = "blk." + std::to_string(*bid) + ".";
    for (const Rename& r : kLayer)
      if (s == r.hf) return GgufName{blk + std::string(r.gguf) + suffix, std::nullopt};
    for (const ExpertRename& r : kExperts) {
      std::string_view e = s;
      if (!strip(e, r.prefix)) continue;
      const auto xid = number(e);
      if (xid && e == r.suffix) return GgufName{blk + std::string(r.gguf) + suffix, *xid};
    }
    return std::nullopt;
  }
  for (const Rename& r : kTop)
    if (s == r.hf) return GgufName{std::string(r.gguf) + suffix, std::nullopt};
  return std::nullopt;
}

}  // namespace numscope
