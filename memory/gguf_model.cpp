// GGUF metadata -> Architecture, tensor table -> exact bytes per ggml type (see gguf_model.h). Key names from
// llama.cpp's gguf-py/gguf/constants.py (Keys.LLM, Keys.Attention) and src/llama-arch.cpp.
#include "numscope/memory/gguf_model.h"

#include <algorithm>  // std::sort
#include <map>        // std::map

#include "numscope/support/error.h"

namespace numscope::memory {
namespace {

struct Meta {
  const GgufFile& g;
  std::string arch, file;

  std::optional<std::int64_t> get(const std::string& key) const {
    const GgufValue* v = g.find(arch + "." + key);
    if (!v) return std::nullopt;
    if (v->type == GgufType::kArray) {
      // Per-layer arrays (head_count_kv of some models): the largest entry sizes the cache conservatively.
      std::int64_t best = 0;
      for (std::uint64_t k = 0; k < v->count && k < (1u << 20); ++k)
        best = std::max<std::int64_t>(best, static_cast<std::int64_t>(v->number_at(k)));
      return best;
    }
    const auto u = v->as_uint();
    if (!u || *u > (std::uint64_t{1} << 40))
      throw InputError(file + ": metadata " + arch + "." + key + " must be a non-negative integer below 2^40");
    return static_cast<std::int64_t>(*u);
  }
  std::int64_t need(const std::string& key) const {
    const auto v = get(key);
    if (!v || *v <= 0) throw InputError(file + ": missing metadata " + arch + "." + key + " (a positive integer)");
    return *v;
  }
};

}  // namespace

GgufModel gguf_model(const GgufFile& g, const std::string& name) {
  const GgufValue* a = g.find("general.architecture");
  if (!a || a->type != GgufType::kString)
    throw InputError(name + ": no general.architecture string in the GGUF metadata");
  Meta m{g, a->s, name};
  GgufModel out;
  Architecture& arch = out.arch;
  arch.name = name;
  arch.family = "gguf:" + m.arch;
  arch.source = name;
  arch.layers = m.need("block_count");
  arch.hidden = m.need("embedding_length");
  arch.heads = m.need("attention.head_count");
  arch.kv_heads = m.get("attention.head_count_kv").value_or(arch.heads);
  if (arch.kv_heads == 0) arch.kv_heads = arch.heads;
  arch.head_dim = m.get("attention.key_length").value_or(arch.hidden / arch.heads);
  arch.intermediate = m.get("feed_forward_length").value_or(0);
  arch.context_length = m.get("context_length").value_or(0);
  arch.sliding_window = m.get("attention.sliding_window").value_or(0);
  arch.experts = m.get("expert_count").value_or(0);
  arch.experts_per_token = arch.experts > 0 ? m.get("expert_used_count").value_or(0) : 0;
  arch.moe_intermediate = m.get("expert_feed_forward_length").value_or(0);
  // MLA (llama.cpp's deepseek2): the cache holds kv_lora_rank + rope dimension per token and layer.
  if (const auto r = m.get("attention.kv_lora_rank"); r && *r > 0) {
    arch.kv_lora_rank = *r;
    arch.qk_rope_head_dim = m.need("rope.dimension_count");
    arch.qk_nope_head_dim = std::max<std::int64_t>(1, arch.head_dim - arch.qk_rope_head_dim);
    arch.v_head_dim = m.get("attention.value_length").value_or(arch.qk_nope_head_dim);
    arch.kv_heads = arch.heads;
  }
  // Gemma 2 alternates sliding and global layers, Gemma 3 has one global layer in six (llama-arch.cpp /
  // llama-model.cpp: hparams.swa_layers from the architecture).
  if (arch.sliding_window > 0 && (m.arch == "gemma2" || m.arch == "gemma3")) {
    const std::int64_t period = m.arch == "gemma2" ? 2 : 6;
    for (std::int64_t i = 0; i < arch.layers && i < (1 << 20); ++i)
      arch.layer_kinds.push_back((i + 1) % period != 0 ? LayerAttention::kSliding : LayerAttention::kFull);
  }
  std::map<std::string, GgufModel::TypeTotal> types;
  for (const GgufTensor& t : g.tensors) {
    GgufModel::TypeTotal& tt = types[std::string(t.type->name)];
    tt.type = t.type->name;
    tt.tensors += 1;
    tt.elements += t.elements;  // the parser bounds every tensor by the file: sums stay below the file size·8
    tt.bytes += t.bytes;
    out.elements += t.elements;
    out.bytes += t.bytes;
    if (t.name == "token_embd.weight" && t.ne.size() == 2) arch.vocab = static_cast<std::int64_t>(t.ne[1]);
  }
  for (auto& [k, v] : types) out.by_type.push_back(v);
  // Equal sizes in name order: std::sort leaves ties in an order of the standard library's choosing, and the web
  // page (libc++) must print the rows as the CLI (libstdc++) does.
  std::sort(out.by_type.begin(), out.by_type.end(),
            [](const auto& x, const auto& y) { return x.bytes != y.bytes ? x.bytes > y.bytes : x.type < y.type; });
  if (arch.vocab == 0) {
    const GgufValue* tokens = g.find("tokenizer.ggml.tokens");
    arch.vocab = tokens ? static_cast<std::int64_t>(tokens->count) : 0;
  }
  if (arch.vocab <= 0) throw InputError(name + ": no token_embd.weight tensor nor tokenizer.ggml.tokens to size the vocabulary");
  if (arch.intermediate <= 0) arch.intermediate = arch.moe_intermediate > 0 ? arch.moe_intermediate : 4 * arch.hidden;
  if (arch.heads > 0 && arch.kv_heads > 0 && arch.heads % arch.kv_heads != 0)
    throw InputError(name + ": attention.head_count_kv " + std::to_string(arch.kv_heads) +
                     " does not divide attention.head_count " + std::to_string(arch.heads));
  validate(arch);
  return out;
}

GgufModel load_gguf_model(const std::string& path) {
  const GgufFile g = read_gguf(path);
  return gguf_model(g, path);
}

}  // namespace numscope::memory
