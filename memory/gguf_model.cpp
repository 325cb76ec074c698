// GGUF metadata -> Architecture, tensor table -> exact bytes per ggml type (see gguf_model.h). Key names from
// llama.cpp's src/llama-arch.cpp (LLM_KV_NAMES) and gguf-py/gguf/constants.py (Keys.LLM, Keys.Attention); which
// keys each architecture reads, and the defaults, from llama.cpp's llama_model::load_hparams (src/llama-model.cpp:
// the keys every architecture shares) and src/models/<arch>.cpp load_arch_hparams (the per-architecture ones).
#include "numscope/memory/gguf_model.h"

#include <algorithm>  // std::sort
#include <map>        // std::map

#include "numscope/support/error.h"

namespace numscope::memory {
namespace {

constexpr std::int64_t kMaxMeta = std::int64_t{1} << 40;  // no size of a model's metadata is this large
constexpr std::uint64_t kMaxLayerArray = 1u << 20;        // per-layer arrays: block_count bounds them below too

struct Meta {
  const GgufFile& g;
  std::string arch, file;

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw InputError(file + ": metadata " + arch + "." + key + " " + what);
  }
  const GgufValue* find(const std::string& key) const { return g.find(arch + "." + key); }

  // A scalar, or llama.cpp's get_key_or_arr per-layer array (head_count_kv of OpenELM-style models,
  // feed_forward_length of some MoE models): the largest entry, which sizes the cache and the peak conservatively.
  std::optional<std::int64_t> get(const std::string& key) const {
    const GgufValue* v = find(key);
    if (!v) return std::nullopt;
    if (v->type == GgufType::kArray) {
      if (v->elem == GgufType::kString || v->elem == GgufType::kArray || v->count > kMaxLayerArray)
        fail(key, "must be an integer or an array of at most 2^20 integers");
      double best = 0;
      for (std::uint64_t k = 0; k < v->count; ++k) best = std::max(best, v->number_at(k));
      if (!(best >= 0 && best < static_cast<double>(kMaxMeta))) fail(key, "has an entry outside 0 to 2^40");
      return static_cast<std::int64_t>(best);
    }
    const auto u = v->as_uint();
    if (!u || *u >= static_cast<std::uint64_t>(kMaxMeta)) fail(key, "must be a non-negative integer below 2^40");
    return static_cast<std::int64_t>(*u);
  }
  std::int64_t need(const std::string& key) const {
    const auto v = get(key);
    if (!v || *v <= 0) throw InputError(file + ": missing metadata " + arch + "." + key + " (a positive integer)");
    return *v;
  }
};

// llama.cpp's set_swa_pattern(n, dense_first = false): layer il slides when il % n < n - 1 (n = 0: every layer),
// or the per-layer bool array attention.sliding_window_pattern (load_swa_pattern, llama-model.cpp).
void swa_layers(const Meta& m, Architecture& a, std::int64_t default_pattern) {
  std::int64_t n = default_pattern;
  if (const GgufValue* v = m.find("attention.sliding_window_pattern")) {
    if (v->type == GgufType::kArray) {
      if (v->elem != GgufType::kBool && v->elem != GgufType::kU8 && v->elem != GgufType::kI8 &&
          v->elem != GgufType::kU32 && v->elem != GgufType::kI32)
        m.fail("attention.sliding_window_pattern", "must be a number or an array of bools");
      if (static_cast<std::int64_t>(v->count) < a.layers)
        m.fail("attention.sliding_window_pattern", "has " + std::to_string(v->count) + " entries for " +
                                                       std::to_string(a.layers) + " layers");
      for (std::int64_t i = 0; i < a.layers; ++i)
        a.layer_kinds.push_back(v->number_at(static_cast<std::uint64_t>(i)) != 0 ? LayerAttention::kSliding
                                                                                 : LayerAttention::kFull);
      return;
    }
    n = m.get("attention.sliding_window_pattern").value_or(default_pattern);
  }
  for (std::int64_t i = 0; i < a.layers; ++i)
    a.layer_kinds.push_back(n == 0 || i % n < n - 1 ? LayerAttention::kSliding : LayerAttention::kFull);
}

// The keys every architecture shares (llama_model::load_hparams): context_length, block_count (with the
// nextn_predict_layers MTP blocks, which llama.cpp keeps out of n_layer), embedding_length, feed_forward_length,
// attention.head_count(_kv) (kv defaults to head_count), attention.key_length (defaults to n_embd / n_head),
// expert_count and expert_used_count.
void common(const Meta& m, Architecture& a) {
  const std::int64_t blocks = m.need("block_count");
  a.mtp_layers = m.get("nextn_predict_layers").value_or(0);
  if (a.mtp_layers >= blocks)
    m.fail("nextn_predict_layers", std::to_string(a.mtp_layers) + " leaves no layer of block_count " +
                                       std::to_string(blocks));
  a.layers = blocks - a.mtp_layers;
  a.hidden = m.need("embedding_length");
  a.heads = m.need("attention.head_count");
  a.kv_heads = m.get("attention.head_count_kv").value_or(a.heads);
  if (a.kv_heads == 0) a.kv_heads = a.heads;
  a.head_dim = m.get("attention.key_length").value_or(a.hidden / a.heads);
  a.intermediate = m.get("feed_forward_length").value_or(0);
  a.context_length = m.get("context_length").value_or(0);
  a.experts = m.get("expert_count").value_or(0);
  a.experts_per_token = a.experts > 0 ? m.get("expert_used_count").value_or(0) : 0;
  a.moe_intermediate = m.get("expert_feed_forward_length").value_or(0);
}

// Per architecture (src/models/<arch>.cpp load_arch_hparams). Returns a note when the file carries a key that
// llama.cpp does not apply to this architecture.
std::string per_architecture(const Meta& m, Architecture& a) {
  const std::string& arch = m.arch;
  std::string note;
  if (arch == "qwen2moe") {
    // qwen2moe.cpp: expert_feed_forward_length, expert_shared_feed_forward_length (one shared expert, gated).
    a.shared_expert_intermediate = m.get("expert_shared_feed_forward_length").value_or(0);
    a.shared_expert_gate = a.shared_expert_intermediate > 0;
  } else if (arch == "deepseek" || arch == "deepseek2") {
    // deepseek.cpp / deepseek2.cpp: leading_dense_block_count dense layers, then MoE with expert_shared_count
    // shared experts of expert_feed_forward_length.
    a.shared_experts = a.experts > 0 ? m.get("expert_shared_count").value_or(0) : 0;
    const std::int64_t dense = m.get("leading_dense_block_count").value_or(0);
    if (a.experts > 0)
      for (std::int64_t i = 0; i < a.layers; ++i) a.moe_layers.push_back(i >= dense ? 1 : 0);
  }
  if (arch == "deepseek2") {
    // MLA: attention.kv_lora_rank + rope.dimension_count per token and layer; q_lora_rank absent in the Lite
    // models. key_length_mla / value_length_mla (newer converters, which write the absorbed sizes in key_length
    // and value_length) give the per-head q·k and v sizes.
    if (const auto r = m.get("attention.kv_lora_rank"); r && *r > 0) {
      a.kv_lora_rank = *r;
      a.q_lora_rank = m.get("attention.q_lora_rank").value_or(0);
      a.qk_rope_head_dim = m.need("rope.dimension_count");
      const std::int64_t k = m.get("attention.key_length_mla").value_or(a.head_dim);
      if (k <= a.qk_rope_head_dim)
        m.fail("attention.key_length", std::to_string(k) + " must exceed rope.dimension_count " +
                                           std::to_string(a.qk_rope_head_dim));
      a.head_dim = k;
      a.qk_nope_head_dim = k - a.qk_rope_head_dim;
      a.v_head_dim = m.get("attention.value_length_mla")
                         .value_or(m.get("attention.value_length").value_or(a.qk_nope_head_dim));
      a.kv_heads = a.heads;
    }
  }
  const std::int64_t window = m.get("attention.sliding_window").value_or(0);
  if (arch == "gemma2") {
    // gemma2.cpp: n_swa defaults to 4096 (the key is optional), pattern 2 (even layers slide).
    a.sliding_window = window > 0 ? window : 4096;
    swa_layers(m, a, 2);
  } else if (arch == "gemma3") {
    // gemma3.cpp: sliding only when attention.sliding_window is present and positive, pattern 6.
    if (window > 0) {
      a.sliding_window = window;
      swa_layers(m, a, 6);
    }
  } else if (window > 0) {
    note = arch + ": the file's attention.sliding_window " + std::to_string(window) +
           " is not applied by llama.cpp to this architecture (phi3.cpp disables it; llama, qwen2 read no window): "
           "the KV cache is full length, as llama.cpp allocates it";
  }
  if (arch == "gpt2") {
    a.norm = Norm::kLayer;
    a.gated_mlp = false;
  }
  return note;
}

// The families numscope reads from config.json, by their llama.cpp architecture names.
constexpr const char* kKnown[] = {"llama",    "qwen2",  "qwen2moe", "qwen3",    "qwen3moe",  "gemma",
                                  "gemma2",   "gemma3", "phi3",     "gpt2",     "deepseek",  "deepseek2"};

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
  common(m, arch);
  if (std::find(std::begin(kKnown), std::end(kKnown), m.arch) == std::end(kKnown))
    out.notes.push_back(m.arch + ": an architecture numscope reads with the keys every llama.cpp architecture shares "
                        "(block_count, embedding_length, attention.head_count(_kv), key_length, expert counts); "
                        "per-architecture keys are not read");
  if (std::string note = per_architecture(m, arch); !note.empty()) out.notes.push_back(std::move(note));

  std::map<std::string, GgufModel::TypeTotal> types;
  for (const GgufTensor& t : g.tensors) {
    GgufModel::TypeTotal& tt = types[std::string(t.type->name)];
    tt.type = t.type->name;
    tt.tensors += 1;
    tt.elements += t.elements;  // the parser bounds every tensor by the file: sums stay below the file size·8
    tt.bytes += t.bytes;
    out.elements += t.elements;
    out.bytes += t.bytes;
    // llama.cpp's merged expert tensors (blk.N.ffn_{gate,up,down}_exps, LLM_TENSOR_FFN_*_EXPS): every routed
    // expert of a layer in one tensor. The shared experts are *_shexp.
    if (t.name.find("_exps.") != std::string::npos) out.routed_expert_elements += t.elements;
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
  // Per token a MoE file runs expert_used_count of expert_count routed experts: the rest of the *_exps elements
  // stay idle.
  out.active_elements = out.elements;
  if (arch.experts > 0 && out.routed_expert_elements > 0)
    out.active_elements -= out.routed_expert_elements / static_cast<std::uint64_t>(arch.experts) *
                           static_cast<std::uint64_t>(arch.experts - arch.experts_per_token);
  return out;
}

GgufModel load_gguf_model(const std::string& path) {
  const GgufFile g = read_gguf(path);
  return gguf_model(g, path);
}

}  // namespace numscope::memory
