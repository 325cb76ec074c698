// Presets, config.json parsing and exact parameter counts for the memory estimator (see model.h).
#include "numscope/memory/model.h"
#include "numscope/support/ascii.h"

#include <algorithm>          // std::find_if
#include <cctype>             // std::tolower, std::isdigit
#include <filesystem>         // std::filesystem::is_directory
#include <fstream>            // std::ifstream
#include <limits>             // std::numeric_limits
#include <nlohmann/json.hpp>  // nlohmann::json: config.json
#include <sstream>            // std::ostringstream
#include <vector>             // std::vector

#include "numscope/support/error.h"
#include "numscope/support/json.h"
#include "numscope/formats/number.h"

namespace numscope::memory {
namespace {

constexpr std::size_t kMaxConfigBytes = 16 * 1024 * 1024;  // config.json files are a few KiB
constexpr int kMaxConfigDepth = 32;                        // nesting of objects and arrays in config.json

// A Llama-style row: RMSNorm, gated MLP, no biases, RoPE (modeling_llama.py).
Architecture llama_like(std::string name, std::string family, std::int64_t layers, std::int64_t hidden,
                        std::int64_t heads, std::int64_t kv_heads, std::int64_t intermediate, std::int64_t vocab,
                        bool tied, std::int64_t published, std::string source) {
  Architecture a;
  a.name = std::move(name);
  a.family = std::move(family);
  a.layers = layers;
  a.hidden = hidden;
  a.heads = heads;
  a.kv_heads = kv_heads;
  a.head_dim = hidden / heads;
  a.intermediate = intermediate;
  a.vocab = vocab;
  a.tied = tied;
  a.published_params = published;
  a.source = std::move(source);
  return a;
}

// The published counts are the totals of the checkpoints' safetensors on the Hugging Face Hub (the "Model size"
// of each model page), the same figures as keras-hub's presets ("params" in keras_hub/src/models/*/*_presets.py).
std::vector<Architecture> make_presets() {
  std::vector<Architecture> v;
  // meta-llama/Llama-2-7b-hf config.json: hidden 4096, intermediate 11008, 32 layers, 32 heads, vocab 32000.
  v.push_back(llama_like("llama-2-7b", "llama", 32, 4096, 32, 32, 11008, 32000, false, 6'738'415'616,
                         "meta-llama/Llama-2-7b-hf config.json"));
  // meta-llama/Llama-2-13b-hf: hidden 5120, intermediate 13824, 40 layers, 40 heads.
  v.push_back(llama_like("llama-2-13b", "llama", 40, 5120, 40, 40, 13824, 32000, false, 13'015'864'320,
                         "meta-llama/Llama-2-13b-hf config.json"));
  // meta-llama/Llama-2-70b-hf: hidden 8192, intermediate 28672, 80 layers, 64 heads, 8 KV heads (GQA).
  v.push_back(llama_like("llama-2-70b", "llama", 80, 8192, 64, 8, 28672, 32000, false, 68'976'648'192,
                         "meta-llama/Llama-2-70b-hf config.json"));
  // meta-llama/Meta-Llama-3-8B: hidden 4096, intermediate 14336, 32 layers, 32 heads, 8 KV heads, vocab 128256.
  v.push_back(llama_like("llama-3-8b", "llama", 32, 4096, 32, 8, 14336, 128256, false, 8'030'261'248,
                         "meta-llama/Meta-Llama-3-8B config.json"));
  // meta-llama/Meta-Llama-3-70B: hidden 8192, intermediate 28672, 80 layers, 64 heads, 8 KV heads.
  v.push_back(llama_like("llama-3-70b", "llama", 80, 8192, 64, 8, 28672, 128256, false, 70'553'706'496,
                         "meta-llama/Meta-Llama-3-70B config.json"));
  // meta-llama/Llama-3.1-405B: hidden 16384, intermediate 53248, 126 layers, 128 heads, 8 KV heads.
  v.push_back(llama_like("llama-3.1-405b", "llama", 126, 16384, 128, 8, 53248, 128256, false, 405'853'388'800,
                         "meta-llama/Llama-3.1-405B config.json"));
  // mistralai/Mistral-7B-v0.1: hidden 4096, intermediate 14336, 32 layers, 32 heads, 8 KV heads, vocab 32000.
  v.push_back(llama_like("mistral-7b", "mistral", 32, 4096, 32, 8, 14336, 32000, false, 7'241'732'096,
                         "mistralai/Mistral-7B-v0.1 config.json"));
  {  // mistralai/Mixtral-8x7B-v0.1: Mistral-7B's attention, 8 experts per layer (num_local_experts), top-2.
    Architecture a = llama_like("mixtral-8x7b", "mixtral", 32, 4096, 32, 8, 14336, 32000, false, 46'702'792'704,
                                "mistralai/Mixtral-8x7B-v0.1 config.json");
    a.experts = 8;
    a.experts_per_token = 2;
    v.push_back(a);
  }
  {  // Qwen/Qwen2.5-0.5B: hidden 896, intermediate 4864, 24 layers, 14 heads, 2 KV heads, vocab 151936, tied,
     // q/k/v biases (modeling_qwen2.py: q_proj, k_proj, v_proj have bias=True).
    Architecture a = llama_like("qwen2.5-0.5b", "qwen2", 24, 896, 14, 2, 4864, 151936, true, 494'032'768,
                                "Qwen/Qwen2.5-0.5B config.json");
    a.qkv_bias = true;
    v.push_back(a);
  }
  {  // Qwen/Qwen2.5-7B: hidden 3584, intermediate 18944, 28 layers, 28 heads, 4 KV heads, vocab 152064, untied.
    Architecture a = llama_like("qwen2.5-7b", "qwen2", 28, 3584, 28, 4, 18944, 152064, false, 7'615'616'512,
                                "Qwen/Qwen2.5-7B config.json");
    a.qkv_bias = true;
    v.push_back(a);
  }
  {  // Qwen/Qwen2.5-72B: hidden 8192, intermediate 29568, 80 layers, 64 heads, 8 KV heads, vocab 152064.
    Architecture a = llama_like("qwen2.5-72b", "qwen2", 80, 8192, 64, 8, 29568, 152064, false, 72'706'203'648,
                                "Qwen/Qwen2.5-72B config.json");
    a.qkv_bias = true;
    v.push_back(a);
  }
  {  // google/gemma-2b: hidden 2048, intermediate 16384, 18 layers, 8 heads, 1 KV head, head_dim 256,
     // vocab 256000, tied embeddings, GeGLU (gated) MLP (modeling_gemma.py).
    Architecture a = llama_like("gemma-2b", "gemma", 18, 2048, 8, 1, 16384, 256000, true, 2'506'172'416,
                                "google/gemma-2b config.json");
    a.head_dim = 256;
    v.push_back(a);
  }
  {  // google/gemma-7b: hidden 3072, intermediate 24576, 28 layers, 16 heads, 16 KV heads, head_dim 256 (16·256 =
     // 4096 != hidden), vocab 256000, tied.
    Architecture a = llama_like("gemma-7b", "gemma", 28, 3072, 16, 16, 24576, 256000, true, 8'537'680'896,
                                "google/gemma-7b config.json");
    a.head_dim = 256;
    v.push_back(a);
  }
  // microsoft/Phi-3-mini-4k-instruct: hidden 3072, intermediate 8192, 32 layers, 32 heads, vocab 32064; fused
  // qkv_proj and gate_up_proj (modeling_phi3.py) hold the same parameters as separate matrices.
  v.push_back(llama_like("phi-3-mini", "phi3", 32, 3072, 32, 32, 8192, 32064, false, 3'821'079'552,
                         "microsoft/Phi-3-mini-4k-instruct config.json"));
  {  // openai-community/gpt2: n_embd 768, n_layer 12, n_head 12, n_inner 4·768, vocab 50257, n_positions 1024;
     // LayerNorm, biases on every Conv1D, plain GELU MLP, tied lm_head (modeling_gpt2.py).
    Architecture a = llama_like("gpt2", "gpt2", 12, 768, 12, 12, 3072, 50257, true, 124'439'808,
                                "openai-community/gpt2 config.json");
    a.positions = 1024;
    a.gated_mlp = false;
    a.qkv_bias = a.o_bias = a.mlp_bias = true;
    a.norm = Norm::kLayer;
    v.push_back(a);
  }
  return v;
}

const std::vector<Architecture>& preset_table() {
  static const std::vector<Architecture> table = make_presets();
  return table;
}

// ---- config.json --------------------------------------------------------------------------------------------

struct ConfigReader {
  const nlohmann::json& j;
  std::string file;

  [[noreturn]] void fail(const std::string& what) const { throw InputError(file + ": " + what); }

  bool has(const char* key) const { return j.contains(key) && !j.at(key).is_null(); }

  std::int64_t integer(const char* key) const {
    if (!has(key)) fail("missing field \"" + std::string(key) + "\" (a positive integer)");
    return integer_value(key);
  }
  std::int64_t integer_or(const char* key, std::int64_t fallback) const {
    return has(key) ? integer_value(key) : fallback;
  }
  std::int64_t integer_value(const char* key) const {
    const nlohmann::json& v = j.at(key);
    if (!v.is_number_integer() || v.get<std::int64_t>() <= 0)
      fail("field \"" + std::string(key) + "\" must be a positive integer, got " + v.dump());
    return v.get<std::int64_t>();
  }
  bool boolean_or(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    const nlohmann::json& v = j.at(key);
    if (!v.is_boolean()) fail("field \"" + std::string(key) + "\" must be true or false, got " + v.dump());
    return v.get<bool>();
  }
};

}  // namespace

ParamBreakdown param_breakdown(const Architecture& a) {
  ParamBreakdown p;
  const std::int64_t h = a.hidden, q_width = a.heads * a.head_dim, kv_width = a.kv_heads * a.head_dim;
  p.embedding = a.vocab * h + a.positions * h;
  p.head = a.tied ? 0 : a.vocab * h;
  // Attention: q (h -> heads·d), k and v (h -> kv_heads·d), o (heads·d -> h).
  const std::int64_t attn_w = h * q_width + 2 * h * kv_width + q_width * h;
  std::int64_t attn_b = 0;
  if (a.qkv_bias) attn_b += q_width + 2 * kv_width;
  if (a.o_bias) attn_b += h;
  // MLP: gated gate + up (h -> I) and down (I -> h); plain up and down. MoE: every expert, plus a router h -> E.
  const std::int64_t mlp_w = (a.gated_mlp ? 3 : 2) * h * a.intermediate;
  const std::int64_t mlp_b = a.mlp_bias ? (a.gated_mlp ? 2 * a.intermediate : a.intermediate) + h : 0;
  const std::int64_t n_mlp = a.experts > 0 ? a.experts : 1;
  const std::int64_t router = a.experts > 0 ? h * a.experts : 0;
  const std::int64_t norm = a.norm == Norm::kRms ? h : 2 * h;  // RMSNorm weight; LayerNorm weight and bias
  p.attention = a.layers * (attn_w + attn_b);
  p.mlp = a.layers * (n_mlp * (mlp_w + mlp_b) + router);
  p.norms = a.layers * 2 * norm + norm;  // input and post-attention norms per layer, and the final norm
  p.linear = a.layers * (attn_w + n_mlp * mlp_w + router);
  p.total = p.embedding + p.head + p.attention + p.mlp + p.norms;
  return p;
}

std::span<const Architecture> presets() { return preset_table(); }

std::string preset_names() {
  std::string s;
  for (const Architecture& a : preset_table()) s += (s.empty() ? "" : ", ") + a.name;
  return s;
}

const Architecture& find_preset(std::string_view name) {
  const std::string key = ascii_lower(name);
  const auto& t = preset_table();
  auto it = std::find_if(t.begin(), t.end(), [&](const Architecture& a) { return a.name == key; });
  if (it == t.end())
    throw InputError("unknown model '" + std::string(name) + "'; built-in models: " + preset_names() +
                     " (or give --config config.json, --params N, or --layers/--hidden/... )");
  return *it;
}

void validate(const Architecture& a) {
  const std::string who = a.name.empty() ? std::string("model") : a.name;
  auto positive = [&](std::int64_t v, const char* field) {
    if (v <= 0) throw InputError(who + ": " + field + " must be a positive integer, got " + std::to_string(v));
  };
  positive(a.layers, "layers");
  positive(a.hidden, "hidden");
  positive(a.heads, "heads");
  positive(a.kv_heads, "kv-heads");
  positive(a.head_dim, "head-dim");
  positive(a.intermediate, "intermediate");
  positive(a.vocab, "vocab");
  if (a.positions < 0) throw InputError(who + ": positions must not be negative");
  if (a.kv_heads > a.heads || a.heads % a.kv_heads != 0)
    throw InputError(who + ": kv-heads (" + std::to_string(a.kv_heads) + ") must divide heads (" +
                     std::to_string(a.heads) + ")");
  if (a.experts < 0 || a.experts_per_token < 0) throw InputError(who + ": experts must not be negative");
  if (a.experts == 0 && a.experts_per_token > 0)
    throw InputError(who + ": experts-per-token needs experts (a mixture-of-experts model)");
  if (a.experts > 0 && (a.experts_per_token <= 0 || a.experts_per_token > a.experts))
    throw InputError(who + ": experts-per-token must be between 1 and experts (" + std::to_string(a.experts) + ")");
  // Keep every product below 2^63: the largest count is layers · experts · 3 · hidden · intermediate.
  const long double big = static_cast<long double>(a.layers) * std::max<std::int64_t>(a.experts, 1) * 3 *
                          a.hidden * a.intermediate + static_cast<long double>(a.vocab) * a.hidden * 2 +
                          static_cast<long double>(a.layers) * 4 * a.hidden * a.heads * a.head_dim +
                          static_cast<long double>(a.positions) * a.hidden;
  if (big > 1e18L) throw InputError(who + ": the sizes give more than 10^18 parameters; check the values");
}

Architecture parse_config_json(std::string_view text, std::string_view name) {
  const std::string file(name);
  nlohmann::json j;
  // A config.json is a flat object with a few nested ones (rope_scaling, quantization_config): deeper nesting is
  // refused while parsing, before it costs memory. parse_json is linear in the text (support/json.h).
  try {
    j = parse_json(text, JsonLimits{.max_depth = kMaxConfigDepth});
  } catch (const JsonError& e) {  // syntax, and a number like 1e400 (number overflow)
    if (e.kind == JsonError::Kind::kDepth)
      throw InputError(file + ": JSON nested more than " + std::to_string(kMaxConfigDepth) +
                       " levels deep; not a config.json");
    throw InputError(file + ": " + e.what());
  }
  if (!j.is_object()) throw InputError(file + ": not a JSON object; expected a Hugging Face config.json");
  ConfigReader r{j, file};
  if (!r.has("model_type") || !j.at("model_type").is_string())
    r.fail("missing field \"model_type\" (llama, mistral, mixtral, qwen2, gemma, phi3 or gpt2)");
  const std::string type = ascii_lower(j.at("model_type").get<std::string>());

  Architecture a;
  a.name = file;
  a.family = type;
  a.source = file;
  if (type == "gpt2") {
    // GPT2Config: n_embd, n_layer, n_head, n_positions, vocab_size; n_inner null means 4·n_embd. The lm_head is
    // always tied to wte (GPT2LMHeadModel._tied_weights_keys).
    a.hidden = r.integer("n_embd");
    a.layers = r.integer("n_layer");
    a.heads = r.integer("n_head");
    a.kv_heads = a.heads;
    a.vocab = r.integer("vocab_size");
    a.positions = r.integer("n_positions");
    a.intermediate = r.integer_or("n_inner", 4 * a.hidden);
    a.head_dim = a.hidden / a.heads;
    a.tied = r.boolean_or("tie_word_embeddings", true);
    a.gated_mlp = false;
    a.qkv_bias = a.o_bias = a.mlp_bias = true;
    a.norm = Norm::kLayer;
  } else if (type == "llama" || type == "mistral" || type == "mixtral" || type == "qwen2" || type == "gemma" ||
             type == "phi3") {
    a.hidden = r.integer("hidden_size");
    a.layers = r.integer("num_hidden_layers");
    a.heads = r.integer("num_attention_heads");
    a.intermediate = r.integer("intermediate_size");
    a.vocab = r.integer("vocab_size");
    // num_key_value_heads defaults to num_attention_heads (LlamaConfig); head_dim to hidden_size / heads,
    // except Gemma, whose config always gives it (256).
    a.kv_heads = r.integer_or("num_key_value_heads", a.heads);
    a.head_dim = type == "gemma" ? r.integer("head_dim") : r.integer_or("head_dim", a.hidden / a.heads);
    // tie_word_embeddings: PretrainedConfig default true, overridden false by LlamaConfig, MistralConfig,
    // MixtralConfig, Qwen2Config and Phi3Config; GemmaConfig keeps true.
    a.tied = r.boolean_or("tie_word_embeddings", type == "gemma");
    // Qwen2 always has q, k, v biases (modeling_qwen2.py); LlamaConfig's attention_bias adds q, k, v and o
    // biases, its mlp_bias biases on gate, up and down.
    const bool attention_bias = r.boolean_or("attention_bias", false);
    a.qkv_bias = type == "qwen2" || attention_bias;
    a.o_bias = attention_bias;
    a.mlp_bias = r.boolean_or("mlp_bias", false);
    if (type == "mixtral") {
      a.experts = r.integer("num_local_experts");
      a.experts_per_token = r.integer("num_experts_per_tok");
    }
  } else {
    r.fail("unsupported model_type \"" + type + "\"; accepted: llama, mistral, mixtral, qwen2, gemma, phi3, gpt2");
  }
  if (a.heads > 0 && a.hidden % a.heads != 0 && !r.has("head_dim"))
    r.fail("hidden size " + std::to_string(a.hidden) + " is not a multiple of the head count " +
           std::to_string(a.heads) + " and there is no \"head_dim\"");
  validate(a);
  return a;
}

Architecture load_config_json(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError("config file '" + path + "' is a directory; give the path of a Hugging Face config.json");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read config file '" + path + "'; give the path of a Hugging Face config.json");
  // Read at most kMaxConfigBytes + 1 bytes: a huge file (or a device) is refused without reading it whole.
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw InputError("cannot read config file '" + path + "'");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxConfigBytes) throw InputError(path + ": larger than 16 MiB; not a config.json");
  return parse_config_json(text, path);
}

std::int64_t parse_param_count(std::string_view text) {
  const std::string bad = "bad parameter count '" + std::string(text) +
                          "'; accepted: an integer or a number with K, M, B or T (7B, 1.5B, 350M)";
  if (text.empty()) throw InputError(bad);
  std::string digits(text);
  for (char& c : digits) if (c == '_' || c == ',') c = '\0';
  digits.erase(std::remove(digits.begin(), digits.end(), '\0'), digits.end());
  if (digits.empty()) throw InputError(bad);  // "_" or ",": nothing left to read
  int exp10 = 0;
  const char last = static_cast<char>(std::tolower(static_cast<unsigned char>(digits.back())));
  if (last == 'k') exp10 = 3;
  if (last == 'm') exp10 = 6;
  if (last == 'b' || last == 'g') exp10 = 9;
  if (last == 't') exp10 = 12;
  if (exp10 != 0) digits.pop_back();
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
      }))
    throw InputError(bad);
  Rational v;
  try {
    v = parse_number(digits).value();
  } catch (const InputError&) {
    throw InputError(bad);
  }
  for (int i = 0; i < exp10; ++i) v *= 10;
  if (v <= 0) throw InputError("parameter count '" + std::string(text) + "' must be positive");
  if (denominator(v) != 1)
    throw InputError("parameter count '" + std::string(text) + "' is not a whole number of parameters");
  if (v > Rational(std::numeric_limits<std::int64_t>::max() / 64))
    throw InputError("parameter count '" + std::string(text) + "' is too large (at most 10^17)");
  return static_cast<std::int64_t>(numerator(v));
}

std::string group_thousands(std::int64_t v) {
  const std::string digits = std::to_string(v < 0 ? -v : v);
  std::string s = v < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

}  // namespace numscope::memory
