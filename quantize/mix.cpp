// llama.cpp's file-type mixes (mix.h): the type of each tensor, as llama_tensor_get_type chooses it.
// Source: llama.cpp src/llama-quant.cpp at commit 0c1e57098bba43ac29e6e3b677cdceebdd22334f; the functions named
// in each comment are that file's. Only the branches that concern the file types of file_type_mixes() are
// written here (the IQ1/IQ2/IQ3/TQ/Q1_0/Q2_0 types have no quantizer in numscope); the user overrides of
// llama-quantize (--token-embedding-type, --output-tensor-type, --tensor-type, --pure) are not offered.
#include "numscope/quantize/mix.h"

#include <algorithm>  // std::sort, std::max
#include <filesystem>  // std::filesystem::path
#include <fstream>    // std::ifstream
#include <map>        // std::map

#include "numscope/io/gguf.h"
#include "numscope/quantize/names.h"
#include "numscope/support/ascii.h"
#include "numscope/support/error.h"
#include "numscope/support/files.h"
#include "numscope/support/json.h"

namespace numscope {
namespace {

// llama_ftype values (include/llama.h).
enum Ftype : int {
  kQ4_0 = 2, kQ4_1 = 3, kQ8_0 = 7, kQ5_0 = 8, kQ5_1 = 9, kQ2_K = 10, kQ3_K_S = 11, kQ3_K_M = 12, kQ3_K_L = 13,
  kQ4_K_S = 14, kQ4_K_M = 15, kQ5_K_S = 16, kQ5_K_M = 17, kQ6_K = 18, kIQ4_NL = 25, kIQ4_XS = 30, kMXFP4_MOE = 38,
};

constexpr FileTypeMix kMixes[] = {
    {"Q4_0", kQ4_0, &kGgmlQ4_0},     {"Q4_1", kQ4_1, &kGgmlQ4_1},       {"Q8_0", kQ8_0, &kGgmlQ8_0},
    {"Q5_0", kQ5_0, &kGgmlQ5_0},     {"Q5_1", kQ5_1, &kGgmlQ5_1},       {"Q2_K", kQ2_K, &kGgmlQ2_K},
    {"Q3_K_S", kQ3_K_S, &kGgmlQ3_K}, {"Q3_K_M", kQ3_K_M, &kGgmlQ3_K},   {"Q3_K_L", kQ3_K_L, &kGgmlQ3_K},
    {"Q4_K_S", kQ4_K_S, &kGgmlQ4_K}, {"Q4_K_M", kQ4_K_M, &kGgmlQ4_K},   {"Q5_K_S", kQ5_K_S, &kGgmlQ5_K},
    {"Q5_K_M", kQ5_K_M, &kGgmlQ5_K}, {"Q6_K", kQ6_K, &kGgmlQ6_K},       {"IQ4_NL", kIQ4_NL, &kGgmlIQ4_NL},
    {"IQ4_XS", kIQ4_XS, &kGgmlIQ4_XS}, {"MXFP4_MOE", kMXFP4_MOE, &kGgmlMXFP4},
};

// tensor_category and tensor_get_category: broad roles from substrings of the GGUF name.
enum class Category { kTokenEmbd, kAttnQ, kAttnV, kAttnK, kAttnQkv, kAttnKvB, kAttnOutput, kFfnUp, kFfnGate,
                      kFfnDown, kOutput, kOther };

bool has(std::string_view name, std::string_view part) { return name.find(part) != std::string_view::npos; }

Category category(std::string_view n) {
  if (n == "output.weight") return Category::kOutput;
  if (n == "token_embd.weight" || n == "per_layer_token_embd.weight") return Category::kTokenEmbd;
  if (has(n, "attn_qkv.weight")) return Category::kAttnQkv;
  if (has(n, "attn_kv_b.weight")) return Category::kAttnKvB;
  if (has(n, "attn_v.weight")) return Category::kAttnV;
  if (has(n, "attn_k.weight")) return Category::kAttnK;
  if (has(n, "attn_q.weight")) return Category::kAttnQ;
  if (has(n, "attn_output.weight")) return Category::kAttnOutput;
  if (has(n, "ffn_up")) return Category::kFfnUp;
  if (has(n, "ffn_gate")) return Category::kFfnGate;
  if (has(n, "ffn_down")) return Category::kFfnDown;
  return Category::kOther;
}

// category_is_attn_v: the tensors most sensitive to quantization.
bool is_attn_v(Category c) { return c == Category::kAttnV || c == Category::kAttnQkv || c == Category::kAttnKvB; }

/// ggml_n_dims: 1 + the index of the last ne above 1.
std::size_t n_dims(const std::vector<std::uint64_t>& ne) {
  std::size_t d = 1;
  for (std::size_t i = 0; i < ne.size(); ++i)
    if (ne[i] > 1) d = i + 1;
  return d;
}

// tensor_allows_quantization with llama-quantize's default parameters (quantize_output_tensor on, only_copy
// off): 2-D and 3-D weights, not norms, expert routers, positional embeddings or the small special tensors.
bool allows_quantization(const std::string& arch, const MixTensor& t) {
  if (n_dims(t.ne) < 2) return false;
  const std::string_view n = t.name;
  if (n.size() < 6 || n.substr(n.size() - 6) != "weight") return false;
  static constexpr std::string_view kNever[] = {
      "_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel", "per_layer_model_proj",
      "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight", "indexer.q_proj.weight",
      "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight",
      "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight", "time_mix_a0.weight",
      "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight", "time_mix_g2.weight",
      "time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight", "attn_rel_b.weight",
      ".position_embd", "sam.pos_embd", "sam.neck.", "sam.net_", ".rel_pos", ".patch_embd", ".patch_merger",
      "a.rvq.codebook", "mm.a.code_embd"};
  for (std::string_view p : kNever)
    if (has(n, p)) return false;
  // LLM_TN(arch)(LLM_TENSOR_POS_EMBD / LLM_TENSOR_TOKEN_TYPES, "weight") (llama-arch.cpp).
  if (n == "position_embd.weight" || n == "token_types.weight") return false;
  if (arch == "glm5-next") {
    static constexpr std::string_view kGlm5[] = {
        "hc_", "indexer.attn_q_b", "indexer.attn_k", "indexer.proj", "indexer_compressor_gate",
        "indexer_compressor_ape", "ssm_f_a.weight", "ssm_f_b.weight", "ssm_g_a.weight", "ssm_g_b.weight",
        "ssm_beta.weight", "attn_kv_a_mqa.weight", "attn_k_b.weight", "attn_v_b.weight"};
    for (std::string_view p : kGlm5)
      if (has(n, p)) return false;
  }
  return true;
}

/// The layer of "blk.N." as sscanf(name, "blk.%d.") reads it; -1 when the name does not start so.
long long blk_layer(std::string_view n) {
  if (n.rfind("blk.", 0) != 0) return -1;
  std::size_t i = 4, start = 4;
  while (i < n.size() && n[i] >= '0' && n[i] <= '9' && i - start < 10) ++i;
  if (i == start || i >= n.size() || n[i] != '.') return -1;
  return std::stoll(std::string(n.substr(start, i - start)));
}

// The model type the rules test (LLM_TYPE_70B), as each architecture's load_arch_hparams sets it
// (src/models/llama.cpp, deci.cpp, olmo.cpp, qwen2.cpp, jais2.cpp).
bool is_70b(const MixModel& m) {
  if (m.arch == "llama") return m.n_expert != 8 && m.n_layer == 80 && m.n_head != m.n_head_kv;
  if (m.arch == "deci" || m.arch == "olmo" || m.arch == "qwen2") return m.n_layer == 80;
  if (m.arch == "jais2") return m.n_layer == 68;
  return false;
}

struct State {  // quantize_state_impl's counters
  std::uint64_t n_attention_wv = 0, i_attention_wv = 0, n_ffn = 0, i_ffn_down = 0, i_ffn_gate = 0, i_ffn_up = 0;
  bool tied_embeddings = true;
};

bool use_more_bits(long long i, long long n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

/// layer_info: the counter, or for a mixture of experts the layer in the name (experts are not consecutive).
std::pair<long long, long long> layer_info(const MixModel& m, std::uint64_t counter, std::uint64_t n,
                                           const std::string& name) {
  long long i = static_cast<long long>(counter);
  if (std::max<std::uint64_t>(1, m.n_expert) > 1) {
    i = blk_layer(name);
    if (i < 0) throw InputError("llama.cpp's rules cannot tell the layer of tensor '" + name + "' (no blk.N.)");
    if (i >= static_cast<long long>(n))
      throw InputError("tensor '" + name + "' is in layer " + std::to_string(i) + " of a model of " +
                       std::to_string(n) + " layers");
  }
  return {i, static_cast<long long>(n)};
}

using G = const GgmlType*;

// llama_tensor_get_type_impl, the branches of the mixes above.
G type_impl(State& qs, const MixModel& m, G t, const MixTensor& x, int f, Category c) {
  const bool falcon = m.arch == "falcon";
  const std::uint64_t gqa = m.n_head_kv ? m.n_head / m.n_head_kv : 0;
  if (m.arch == "glm5-next" && (has(x.name, "attn_q_a") || has(x.name, "attn_q_b") || has(x.name, "nextn.eh_proj")))
    return &kGgmlQ8_0;
  if (c == Category::kOutput || (qs.tied_embeddings && c == Category::kTokenEmbd)) {
    if (f == kMXFP4_MOE || falcon || x.ne[0] % t->block != 0) return &kGgmlQ8_0;
    return t == &kGgmlQ8_0 ? t : &kGgmlQ6_K;
  }
  if (f == kMXFP4_MOE) {
    const bool expert_role = c == Category::kFfnUp || c == Category::kFfnGate || c == Category::kFfnDown;
    const bool is3d = x.ne.size() > 2 && x.ne[2] > 1;
    return is3d && (m.arch != "bailingmoe3" || expert_role) ? &kGgmlMXFP4 : &kGgmlQ8_0;
  }
  if (c == Category::kTokenEmbd) return t;  // only the IQ1/IQ2/IQ3/TQ/Q2_0 file types change it
  if (is_attn_v(c)) {
    if (f == kQ2_K) t = gqa >= 4 ? &kGgmlQ4_K : &kGgmlQ3_K;
    else if (f == kQ3_K_M) t = qs.i_attention_wv < 2 ? &kGgmlQ5_K : &kGgmlQ4_K;
    else if (f == kQ3_K_L) t = &kGgmlQ5_K;
    else if ((f == kIQ4_NL || f == kIQ4_XS) && gqa >= 4) t = &kGgmlQ5_K;
    else if ((f == kQ4_K_M || f == kQ5_K_M) &&
             use_more_bits(static_cast<long long>(qs.i_attention_wv), static_cast<long long>(qs.n_attention_wv)))
      t = &kGgmlQ6_K;
    else if (f == kQ4_K_S && qs.i_attention_wv < 4) t = &kGgmlQ5_K;
    // 70B: 8 heads share attn_v, which is 8x smaller than attn_q; more bits cost little.
    if (is_70b(m) && (t == &kGgmlQ3_K || t == &kGgmlQ4_K)) t = &kGgmlQ5_K;
    if (m.n_expert == 8) t = &kGgmlQ8_0;
    ++qs.i_attention_wv;
  } else if (c == Category::kAttnK) {
    if (m.n_expert == 8) t = &kGgmlQ8_0;
  } else if (c == Category::kFfnDown) {
    const auto [i, n] = layer_info(m, qs.i_ffn_down, qs.n_ffn, x.name);
    if (f == kQ2_K) t = &kGgmlQ3_K;
    else if (f == kQ3_K_M) t = i < n / 16 ? &kGgmlQ5_K : !falcon || use_more_bits(i, n) ? &kGgmlQ4_K : &kGgmlQ3_K;
    else if (f == kQ3_K_L) t = falcon ? &kGgmlQ4_K : &kGgmlQ5_K;
    else if (f == kQ4_K_M) {
      if (falcon) t = i < n / 16 ? &kGgmlQ6_K : use_more_bits(i, n) ? &kGgmlQ5_K : &kGgmlQ4_K;
      else if (use_more_bits(i, n)) t = &kGgmlQ6_K;
    } else if (i < n / 8 && (f == kIQ4_NL || f == kIQ4_XS) && !m.has_imatrix) t = &kGgmlQ5_K;
    else if (f == kQ5_K_M && use_more_bits(i, n)) t = &kGgmlQ6_K;
    else if (f == kQ4_K_S && !falcon && i < n / 8) t = &kGgmlQ5_K;
    else if ((f == kQ4_0 || f == kQ5_0) && m.has_imatrix && i < n / 8)
      t = f == kQ4_0 ? &kGgmlQ4_1 : &kGgmlQ5_1;  // "craziness in the first few ffn_down layers"
    ++qs.i_ffn_down;
  } else if (c == Category::kAttnOutput) {
    if (!falcon) {
      if (m.n_expert == 8) {
        if (f == kQ2_K || f == kQ3_K_S || f == kQ3_K_M || f == kIQ4_NL || f == kQ4_K_S || f == kQ4_K_M ||
            f == kIQ4_XS)
          t = &kGgmlQ5_K;
      } else if (f == kQ2_K) t = &kGgmlQ3_K;
      else if (f == kQ3_K_M) t = &kGgmlQ4_K;
      else if (f == kQ3_K_L) t = &kGgmlQ5_K;
    } else if (f == kQ3_K_L) t = &kGgmlQ4_K;
  } else if (c == Category::kAttnQkv) {
    if (f == kQ3_K_M || f == kQ3_K_L) t = &kGgmlQ4_K;
    else if (f == kQ4_K_M) t = &kGgmlQ5_K;
    else if (f == kQ5_K_M) t = &kGgmlQ6_K;
  } else if (c == Category::kFfnGate) {
    layer_info(m, qs.i_ffn_gate, qs.n_ffn, x.name);  // only IQ3_XS changes it, but a bad layer fails all
    ++qs.i_ffn_gate;
  } else if (c == Category::kFfnUp) {
    layer_info(m, qs.i_ffn_up, qs.n_ffn, x.name);
    ++qs.i_ffn_up;
  }
  return t;
}

// tensor_type_fallback: a row that is not a whole number of the type's blocks takes a type of 32-blocks, or
// F16 when even that does not fit.
G fallback(const MixTensor& x, G t) {
  const std::uint64_t ncols = x.ne[0];
  if (ncols % t->block == 0) return t;
  G r = t;
  if (t == &kGgmlIQ4_XS) r = &kGgmlIQ4_NL;
  else if (t == &kGgmlQ2_K || t == &kGgmlQ3_K) r = &kGgmlQ4_0;
  else if (t == &kGgmlQ4_K) r = &kGgmlQ5_0;
  else if (t == &kGgmlQ5_K) r = &kGgmlQ5_1;
  else if (t == &kGgmlQ6_K) r = &kGgmlQ8_0;
  return ncols % r->block == 0 ? r : &kGgmlF16;
}

}  // namespace

std::span<const FileTypeMix> file_type_mixes() { return kMixes; }

const FileTypeMix* find_file_type_mix(std::string_view name) {
  std::string key = ascii_lower(name);
  const bool prefixed = key.rfind("llama:", 0) == 0;
  if (prefixed) key.erase(0, 6);
  for (const FileTypeMix& m : kMixes) {
    if (key != ascii_lower(m.name)) continue;
    // Bare names that are also ggml types (q8_0, q6_K, iq4_nl, ...) stay the single-type schemes.
    if (!prefixed && find_ggml_type(m.name) != nullptr) return nullptr;
    return &m;
  }
  return nullptr;
}

std::string mix_scheme_name(const FileTypeMix& m) { return "llama:" + std::string(m.name); }

std::string mix_names() {
  std::string s;
  for (const FileTypeMix& m : kMixes) s += (s.empty() ? "" : ", ") + mix_scheme_name(m);
  return s;
}

std::vector<const GgmlType*> mix_types(const FileTypeMix& mix, const MixModel& model,
                                       std::span<const MixTensor> tensors) {
  // llama.cpp refuses a model of more than LLAMA_MAX_LAYERS blocks (llama-hparams.h: 512) when loading it.
  if (model.n_layer > 512)
    throw InputError("the model claims " + std::to_string(model.n_layer) +
                     " blocks; llama.cpp loads at most 512 (LLAMA_MAX_LAYERS), so no file type applies");
  // init_quantize_state_counters: over every weight of the file.
  State qs;
  qs.n_ffn = model.n_layer;
  for (const MixTensor& t : tensors) {
    const Category c = category(t.name);
    if (is_attn_v(c)) ++qs.n_attention_wv;
    if (c == Category::kOutput) qs.tied_embeddings = false;
  }
  // The tensors in llama_model_loader's weights_map order (weight_name_comparer): by the number after "blk."
  // (-1 for the others), then by name; the counters follow this order.
  std::vector<std::size_t> order(tensors.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const long long la = blk_layer(tensors[a].name), lb = blk_layer(tensors[b].name);
    return la != lb ? la < lb : tensors[a].name < tensors[b].name;
  });
  std::vector<const GgmlType*> out(tensors.size(), nullptr);
  for (std::size_t i : order) {
    const MixTensor& t = tensors[i];
    if (t.ne.empty() || !allows_quantization(model.arch, t)) continue;  // copied as stored
    // llama_tensor_get_type: the default type, the mix's rules, then the shape fallback.
    out[i] = fallback(t, type_impl(qs, model, mix.default_type, t, mix.ftype, category(t.name)));
  }
  return out;
}

MixModel mix_model_from_tensors(std::span<const MixTensor> tensors, std::string arch) {
  MixModel m;
  m.arch = std::move(arch);
  for (const MixTensor& t : tensors) {
    const long long l = blk_layer(t.name);
    if (l >= 0) m.n_layer = std::max<std::uint64_t>(m.n_layer, static_cast<std::uint64_t>(l) + 1);
    if (t.ne.size() > 2 && has(t.name, "_exps.")) m.n_expert = std::max(m.n_expert, t.ne[2]);
    if (t.name == "blk.0.attn_q.weight" && t.ne.size() > 1) m.n_head = t.ne[1];
    if (t.name == "blk.0.attn_k.weight" && t.ne.size() > 1) m.n_head_kv = t.ne[1];
  }
  return m;
}

namespace {

bool is_gguf_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char magic[4] = {};
  return f.read(magic, 4) && std::string_view(magic, 4) == "GGUF";
}

/// The hyperparameters llama.cpp's loader reads (llama-model.cpp load_hparams: LLM_KV_BLOCK_COUNT,
/// LLM_KV_ATTENTION_HEAD_COUNT / _KV, which may be per-layer arrays, of which layer 0 counts for n_gqa(), and
/// LLM_KV_EXPERT_COUNT); n_head_kv defaults to n_head.
MixModel model_from_gguf(const GgufFile& g) {
  MixModel m;
  const GgufValue* arch = g.find("general.architecture");
  if (arch == nullptr || arch->type != GgufType::kString) return m;
  m.arch = arch->s;
  auto number = [&](const std::string& key) -> std::uint64_t {
    const GgufValue* v = g.find(m.arch + key);
    if (v == nullptr) return 0;
    if (v->type == GgufType::kArray) {
      const double x = v->count ? v->number_at(0) : 0;  // a float array element may hold anything
      if (!(x > 0)) return 0;
      return x < 0x1p63 ? static_cast<std::uint64_t>(x) : std::uint64_t{1} << 63;
    }
    return v->as_uint().value_or(0);
  };
  m.n_layer = number(".block_count");
  m.n_head = number(".attention.head_count");
  m.n_head_kv = g.find(m.arch + ".attention.head_count_kv") ? number(".attention.head_count_kv") : m.n_head;
  m.n_expert = number(".expert_count");
  return m;
}

/// The config.json beside a Hugging Face checkpoint: the GGUF architecture llama.cpp's converter gives its class
/// (conversion/__init__.py and the model modules: these classes become these architectures; others matter to no
/// rule here and stay ""), and the hyperparameters convert_hf_to_gguf.py writes from it. nullopt without one.
std::optional<MixModel> model_from_config(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  nlohmann::json j;
  try {
    j = parse_json(read_text_file(path), JsonLimits{});
  } catch (const JsonError& e) {
    throw InputError(path.string() + " (read for llama.cpp's file-type rules): " + e.what());
  }
  if (!j.is_object()) throw InputError(path.string() + " (read for llama.cpp's file-type rules): not a JSON object");
  static constexpr std::pair<std::string_view, std::string_view> kArch[] = {
      {"LlamaForCausalLM", "llama"}, {"MistralForCausalLM", "llama"}, {"MixtralForCausalLM", "llama"},
      {"Qwen2ForCausalLM", "qwen2"}, {"FalconForCausalLM", "falcon"}, {"RWForCausalLM", "falcon"},
      {"OlmoForCausalLM", "olmo"},   {"DeciLMForCausalLM", "deci"}};
  MixModel m;
  const auto archs = j.find("architectures");
  if (archs != j.end() && archs->is_array() && !archs->empty() && (*archs)[0].is_string())
    for (const auto& [cls, arch] : kArch)
      if ((*archs)[0].get<std::string>() == cls) m.arch = arch;
  auto number = [&](std::initializer_list<const char*> keys) -> std::uint64_t {
    for (const char* k : keys) {
      const auto v = j.find(k);
      if (v != j.end() && v->is_number_integer() && v->get<std::int64_t>() > 0) return v->get<std::uint64_t>();
    }
    return 0;
  };
  m.n_layer = number({"num_hidden_layers", "n_layer"});
  m.n_head = number({"num_attention_heads", "n_head"});
  m.n_head_kv = number({"num_key_value_heads", "num_kv_heads", "n_head_kv"});
  if (m.n_head_kv == 0) m.n_head_kv = m.arch == "falcon" ? 1 : m.n_head;  // Falcon-7B: multi-query, one KV head
  m.n_expert = number({"num_local_experts", "num_experts", "n_routed_experts"});
  return m;
}

}  // namespace

MixInputs mix_inputs(std::span<const std::string> files, std::span<const TensorEntry> entries, bool has_imatrix) {
  MixInputs out;
  std::map<std::string, std::size_t> index;
  for (const TensorEntry& e : entries) {
    const std::optional<GgufName> g = gguf_name(e.name);
    const std::string name = g ? g->name : e.name;
    std::vector<std::uint64_t> ne(e.shape.rbegin(), e.shape.rend());
    if (ne.empty()) ne.push_back(1);
    auto [it, added] = index.emplace(name, out.tensors.size());
    if (added) out.tensors.push_back({name, ne});
    if (g && g->expert) {  // expert k of a merged 3-D tensor
      std::vector<std::uint64_t>& t = out.tensors[it->second].ne;
      t.resize(3, 1);
      t[2] = std::max(t[2], *g->expert + 1);
    }
    out.tensor_of.push_back(it->second);
  }
  out.model = mix_model_from_tensors(out.tensors);
  for (const std::string& f : files) {
    if (is_gguf_file(f)) {
      MixModel m = model_from_gguf(read_gguf(f));
      if (m.arch.empty()) continue;
      if (m.n_layer == 0) m.n_layer = out.model.n_layer;  // no block_count: the blocks the names hold
      out.model = m;
      break;
    }
    // A checkpoint's config.json, where there is one, says what the GGUF metadata would; what it leaves out
    // stays as the tensors say.
    if (const std::optional<MixModel> c = model_from_config(std::filesystem::path(f).parent_path() / "config.json")) {
      out.model.arch = c->arch;
      for (auto [mine, theirs] : {std::pair{&out.model.n_layer, c->n_layer}, {&out.model.n_head, c->n_head},
                                  {&out.model.n_head_kv, c->n_head_kv}, {&out.model.n_expert, c->n_expert}})
        if (theirs) *mine = theirs;
      break;
    }
  }
  out.model.has_imatrix = has_imatrix;
  return out;
}

}  // namespace numscope
