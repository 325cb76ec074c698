// Hugging Face config.json -> Architecture, one reader per family; field names and defaults from each family's
// configuration_<family>.py in transformers (and deepseek-ai's configuration_deepseek.py), cited per function.
#include <algorithm>  // std::find
#include <fstream>    // std::ifstream
#include <filesystem> // std::filesystem::is_directory
#include <set>        // std::set

#include "numscope/memory/model.h"
#include "numscope/support/ascii.h"
#include "numscope/support/error.h"
#include "numscope/support/json.h"

namespace numscope::memory {
namespace {

constexpr std::size_t kMaxConfigBytes = 16 * 1024 * 1024;  // config.json files are a few KiB
constexpr int kMaxConfigDepth = 32;                        // nesting of objects and arrays in config.json
constexpr std::int64_t kMaxLayerList = 1 << 20;            // entries of layer_types, cross_attention_layers, ...

// Reads typed fields of one JSON object (the config, or its text_config / vision_config).
struct Reader {
  const nlohmann::json& j;
  std::string file;    // for messages: "config.json" or "config.json: text_config"

  [[noreturn]] void fail(const std::string& what) const { throw InputError(file + ": " + what); }
  bool has(const char* key) const { return j.contains(key) && !j.at(key).is_null(); }

  std::int64_t integer(const char* key) const {
    if (!has(key)) fail("missing field \"" + std::string(key) + "\" (a positive integer)");
    return integer_value(key, false);
  }
  std::int64_t integer_or(const char* key, std::int64_t fallback, bool allow_zero = false) const {
    return has(key) ? integer_value(key, allow_zero) : fallback;
  }
  std::int64_t integer_value(const char* key, bool allow_zero) const {
    const nlohmann::json& v = j.at(key);
    // 4096.0 is not an integer in a config; a size past 2^63 is not a model (validate() bounds the rest).
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX) ||
        v.get<std::int64_t>() < 0 || (v.get<std::int64_t>() == 0 && !allow_zero))
      fail("field \"" + std::string(key) + "\" must be a " + (allow_zero ? "non-negative" : "positive") +
           " integer, got " + v.dump().substr(0, 40));
    return v.get<std::int64_t>();
  }
  bool boolean_or(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    const nlohmann::json& v = j.at(key);
    if (!v.is_boolean()) fail("field \"" + std::string(key) + "\" must be true or false, got " + v.dump().substr(0, 40));
    return v.get<bool>();
  }
  std::string string_or(const char* key, std::string fallback) const {
    if (!has(key)) return fallback;
    if (!j.at(key).is_string()) fail("field \"" + std::string(key) + "\" must be a string");
    return j.at(key).get<std::string>();
  }
  const nlohmann::json& array(const char* key) const {
    const nlohmann::json& v = j.at(key);
    if (!v.is_array()) fail("field \"" + std::string(key) + "\" must be an array");
    if (static_cast<std::int64_t>(v.size()) > kMaxLayerList) fail("field \"" + std::string(key) + "\" is too long");
    return v;
  }
  std::vector<std::int64_t> integers(const char* key) const {
    std::vector<std::int64_t> out;
    for (const nlohmann::json& e : array(key)) {
      if (!e.is_number_integer() || e.get<std::int64_t>() < 0)
        fail("field \"" + std::string(key) + "\" must list non-negative integers");
      out.push_back(e.get<std::int64_t>());
    }
    return out;
  }
  Reader sub(const char* key) const {
    if (!has(key) || !j.at(key).is_object()) fail("missing object \"" + std::string(key) + "\"");
    return Reader{j.at(key), file + ": " + key};
  }
};

// torch_dtype (transformers < 4.56) or dtype: the activation dtype the model runs in.
std::string activation_dtype(const Reader& r) {
  std::string t = ascii_lower(r.string_or("torch_dtype", r.string_or("dtype", "")));
  if (t.rfind("torch.", 0) == 0) t = t.substr(6);
  if (t == "bfloat16") return "bf16";
  if (t == "float16" || t == "half") return "fp16";
  if (t == "float32" || t == "float") return "fp32";
  return "";
}

// The llama-shaped fields every decoder family shares (LlamaConfig and its descendants).
void common_decoder(const Reader& r, Architecture& a, bool tied_default) {
  a.hidden = r.integer("hidden_size");
  a.layers = r.integer("num_hidden_layers");
  a.heads = r.integer("num_attention_heads");
  a.intermediate = r.integer("intermediate_size");
  a.vocab = r.integer("vocab_size");
  a.kv_heads = r.integer_or("num_key_value_heads", a.heads);  // LlamaConfig: None means heads (MHA)
  if (!r.has("head_dim") && a.hidden % a.heads != 0)
    r.fail("hidden size " + std::to_string(a.hidden) + " is not a multiple of the head count " +
           std::to_string(a.heads) + " and there is no \"head_dim\"");
  a.head_dim = r.integer_or("head_dim", a.hidden / a.heads);
  a.tied = r.boolean_or("tie_word_embeddings", tied_default);
  a.context_length = r.integer_or("max_position_embeddings", 0, true);
}

// Per-layer attention from "layer_types" (transformers >= 4.53 writes it for every windowed family).
bool read_layer_types(const Reader& r, Architecture& a) {
  if (!r.has("layer_types")) return false;
  for (const nlohmann::json& e : r.array("layer_types")) {
    const std::string t = e.is_string() ? e.get<std::string>() : "";
    if (t == "sliding_attention") a.layer_kinds.push_back(LayerAttention::kSliding);
    else if (t == "full_attention") a.layer_kinds.push_back(LayerAttention::kFull);
    else r.fail("layer_types: unknown entry " + e.dump().substr(0, 40) + "; accepted: full_attention, sliding_attention");
  }
  if (static_cast<std::int64_t>(a.layer_kinds.size()) != a.layers)
    r.fail("layer_types has " + std::to_string(a.layer_kinds.size()) + " entries for " + std::to_string(a.layers) +
           " layers");
  return true;
}

// sliding_window as the configuration classes read it: absent, the class's default; null, no window (None).
std::int64_t window_or(const Reader& r, std::int64_t fallback) {
  if (r.j.contains("sliding_window") && r.j.at("sliding_window").is_null()) return 0;
  return r.integer_or("sliding_window", fallback, true);
}

// Every layer sliding when sliding_window is set (MistralConfig, MixtralConfig, Phi3Config).
void sliding_all(const Reader& r, Architecture& a) {
  if (read_layer_types(r, a)) {
    a.sliding_window = r.integer_or("sliding_window", 0, true);
    return;
  }
  a.sliding_window = r.integer_or("sliding_window", 0, true);
}

// Qwen2Config / Qwen3Config: sliding only with use_sliding_window, on the layers from max_window_layers on; the
// classes' defaults are sliding_window 4096 and max_window_layers 28 (configuration_qwen2.py, configuration_qwen3.py).
void sliding_qwen(const Reader& r, Architecture& a) {
  if (!r.boolean_or("use_sliding_window", false)) return;
  a.sliding_window = window_or(r, 4096);
  if (a.sliding_window == 0) return;
  if (read_layer_types(r, a)) return;
  const std::int64_t first = r.integer_or("max_window_layers", 28, true);
  for (std::int64_t i = 0; i < a.layers; ++i)
    a.layer_kinds.push_back(i >= first ? LayerAttention::kSliding : LayerAttention::kFull);
}

// Gemma2Config: even layers sliding ((i + 1) % 2 != 0); Gemma3TextConfig: all but every sliding_window_pattern-th.
void sliding_pattern(const Reader& r, Architecture& a, std::int64_t period, std::int64_t window_default) {
  a.sliding_window = window_or(r, window_default);
  if (read_layer_types(r, a)) return;
  if (a.sliding_window == 0) return;
  for (std::int64_t i = 0; i < a.layers; ++i)
    a.layer_kinds.push_back((i + 1) % period != 0 ? LayerAttention::kSliding : LayerAttention::kFull);
}

// MixtralConfig: num_local_experts, every layer MoE, experts of intermediate_size.
void moe_mixtral(const Reader& r, Architecture& a) {
  a.experts = r.integer("num_local_experts");
  a.experts_per_token = r.integer("num_experts_per_tok");
}

// Qwen2MoeConfig / Qwen3MoeConfig: a layer is MoE unless listed in mlp_only_layers, every decoder_sparse_step-th.
void moe_qwen(const Reader& r, Architecture& a, bool shared) {
  a.experts = r.integer("num_experts");
  a.experts_per_token = r.integer("num_experts_per_tok");
  a.moe_intermediate = r.integer("moe_intermediate_size");
  if (shared) {
    a.shared_expert_intermediate = r.integer("shared_expert_intermediate_size");
    a.shared_expert_gate = true;
  }
  const std::int64_t step = r.integer_or("decoder_sparse_step", 1);
  std::set<std::int64_t> dense;
  if (r.has("mlp_only_layers"))
    for (std::int64_t i : r.integers("mlp_only_layers")) dense.insert(i);
  for (std::int64_t i = 0; i < a.layers; ++i)
    a.moe_layers.push_back(!dense.count(i) && (i + 1) % step == 0 ? 1 : 0);
}

// DeepseekConfig / DeepseekV2Config / DeepseekV3Config: MoE from first_k_dense_replace on, every moe_layer_freq-th,
// n_shared_experts shared experts of moe_intermediate_size.
void moe_deepseek(const Reader& r, Architecture& a) {
  if (!r.has("n_routed_experts")) return;  // a dense DeepSeek
  a.experts = r.integer("n_routed_experts");
  a.experts_per_token = r.integer("num_experts_per_tok");
  a.moe_intermediate = r.integer("moe_intermediate_size");
  a.shared_experts = r.integer_or("n_shared_experts", 0, true);
  const std::int64_t first = r.integer_or("first_k_dense_replace", 0, true);
  const std::int64_t freq = r.integer_or("moe_layer_freq", 1);
  for (std::int64_t i = 0; i < a.layers; ++i) a.moe_layers.push_back(i >= first && i % freq == 0 ? 1 : 0);
}

// DeepseekV2Config / V3: multi-head latent attention. q_lora_rank null means a plain q_proj (DeepSeek-V2-Lite).
void mla(const Reader& r, Architecture& a) {
  a.kv_lora_rank = r.integer("kv_lora_rank");
  a.q_lora_rank = r.integer_or("q_lora_rank", 0, true);
  a.qk_nope_head_dim = r.integer("qk_nope_head_dim");
  a.qk_rope_head_dim = r.integer("qk_rope_head_dim");
  a.v_head_dim = r.integer("v_head_dim");
  a.head_dim = a.qk_nope_head_dim + a.qk_rope_head_dim;
  a.kv_heads = a.heads;
}

// quantization_config -> the checkpoint's weight storage (transformers' quantizers: FineGrainedFP8Config,
// GPTQConfig, AwqConfig, BitsAndBytesConfig, compressed-tensors).
WeightQuant quantization(const Reader& root) {
  WeightQuant q;
  if (!root.has("quantization_config")) return q;
  const Reader r = root.sub("quantization_config");
  const std::string method = ascii_lower(r.string_or("quant_method", ""));
  if (method == "fp8") {
    if (r.has("weight_block_size")) {
      const std::vector<std::int64_t> b = r.integers("weight_block_size");
      if (b.size() != 2 || b[0] <= 0 || b[1] <= 0) r.fail("weight_block_size must be two positive integers");
      q.kind = WeightQuant::Kind::kFp8Block;
      q.block_rows = b[0];
      q.block_cols = b[1];
      q.describe = "fp8 e4m3 weights with an fp32 scale per " + std::to_string(b[0]) + "×" + std::to_string(b[1]) +
                   " block (quantization_config)";
    } else {
      q.kind = WeightQuant::Kind::kFp8;
      q.describe = "fp8 e4m3 weights with an fp32 scale per tensor (quantization_config)";
    }
    q.scheme = "e4m3";
  } else if (method == "gptq" || method == "awq") {
    q.kind = method == "gptq" ? WeightQuant::Kind::kGptq : WeightQuant::Kind::kAwq;
    q.bits = r.integer_or("bits", r.integer_or("w_bit", 4));
    const nlohmann::json& g = r.j.contains("group_size") ? r.j.at("group_size") : r.j.contains("q_group_size")
                                                                                     ? r.j.at("q_group_size")
                                                                                     : nlohmann::json(128);
    if (!g.is_number_integer() || (g.get<std::int64_t>() <= 0 && g.get<std::int64_t>() != -1))
      r.fail("group_size must be a positive integer or -1");
    q.group = std::max<std::int64_t>(0, g.get<std::int64_t>());
    if (q.bits < 2 || q.bits > 8) r.fail("bits must be between 2 and 8");
    // Both store packed integers, an fp16 scale and a packed zero point per group (qweight, qzeros, scales);
    // GPTQ adds g_idx, one int32 per input column.
    q.scheme = "int" + std::to_string(q.bits) + "-asym" + (q.group > 0 ? "-g" + std::to_string(q.group) : "-ch");
    q.describe = method + " int" + std::to_string(q.bits) +
                 (q.group > 0 ? ", groups of " + std::to_string(q.group) : ", per channel") +
                 " with fp16 scales and packed zero points (quantization_config)";
  } else if (method == "bitsandbytes") {
    if (r.boolean_or("load_in_4bit", false)) {
      q.kind = WeightQuant::Kind::kBnb4;
      q.bnb_type = ascii_lower(r.string_or("bnb_4bit_quant_type", "fp4"));
      q.double_quant = r.boolean_or("bnb_4bit_use_double_quant", false);
      q.scheme = q.bnb_type == "nf4" ? (q.double_quant ? "nf4-dq" : "nf4") : "bnb-fp4";
      q.describe = "bitsandbytes " + q.scheme + " (quantization_config)";
    } else if (r.boolean_or("load_in_8bit", false)) {
      q.kind = WeightQuant::Kind::kBnb8;
      q.scheme = "int8-ch";  // LLM.int8(): int8 rows with an fp32 scale per row (SCB)
      q.describe = "bitsandbytes LLM.int8() (int8 with an fp32 scale per row, quantization_config)";
    }
  } else if (method == "compressed-tensors") {
    q.kind = WeightQuant::Kind::kCompressed;
    q.describe = "compressed-tensors (quantization_config): give --weights for its scheme";
  } else {
    q.describe = "quantization_config quant_method \"" + method + "\" is not read: give --weights";
  }
  return q;
}

// ---- the families --------------------------------------------------------------------------------------------

void parse_gpt2(const Reader& r, Architecture& a) {
  // GPT2Config: n_embd, n_layer, n_head, n_positions, vocab_size; n_inner null means 4·n_embd. The lm_head is
  // tied to wte (GPT2LMHeadModel._tied_weights_keys). Conv1D layers all have biases; LayerNorm; plain GELU MLP.
  a.hidden = r.integer("n_embd");
  a.layers = r.integer("n_layer");
  a.heads = r.integer("n_head");
  a.kv_heads = a.heads;
  a.vocab = r.integer("vocab_size");
  a.positions = r.integer("n_positions");
  a.intermediate = r.integer_or("n_inner", 4 * std::min<std::int64_t>(a.hidden, std::int64_t{1} << 40));
  if (a.hidden % a.heads != 0)
    r.fail("n_embd " + std::to_string(a.hidden) + " is not a multiple of n_head " + std::to_string(a.heads));
  a.head_dim = a.hidden / a.heads;
  a.tied = r.boolean_or("tie_word_embeddings", true);
  a.gated_mlp = false;
  a.qkv_bias = a.o_bias = a.mlp_bias = true;
  a.norm = Norm::kLayer;
  a.context_length = a.positions;
}

// Gemma3TextConfig's defaults (configuration_gemma3.py): Gemma 3's config.json files give only what differs.
void gemma3_text(const Reader& r, Architecture& a) {
  a.hidden = r.integer_or("hidden_size", 2304);
  a.layers = r.integer_or("num_hidden_layers", 26);
  a.heads = r.integer_or("num_attention_heads", 8);
  a.kv_heads = r.integer_or("num_key_value_heads", 4);
  a.head_dim = r.integer_or("head_dim", 256);
  a.intermediate = r.integer_or("intermediate_size", 9216);
  a.vocab = r.integer_or("vocab_size", 262208);
  a.tied = r.boolean_or("tie_word_embeddings", true);
  a.context_length = r.integer_or("max_position_embeddings", 131072, true);
  a.qkv_bias = a.o_bias = r.boolean_or("attention_bias", false);
  a.qk_norm = true;
  a.norms_per_layer = 4;
  sliding_pattern(r, a, r.integer_or("sliding_window_pattern", 6), 4096);
}

// SiglipVisionConfig (configuration_siglip.py defaults) under Gemma3Config.vision_config.
void siglip_tower(const Reader& v, Architecture& a) {
  VisionTower& t = a.vision;
  t.kind = VisionTower::Kind::kSiglip;
  t.hidden = v.integer_or("hidden_size", 768);
  t.intermediate = v.integer_or("intermediate_size", 3072);
  t.layers = v.integer_or("num_hidden_layers", 12);
  t.heads = v.integer_or("num_attention_heads", 12);
  t.channels = v.integer_or("num_channels", 3);
  t.image_size = v.integer_or("image_size", 224);
  t.patch = v.integer_or("patch_size", 16);
  if (v.boolean_or("vision_use_head", false)) v.fail("vision_use_head true (a SigLIP pooling head) is not counted");
  t.text_hidden = a.hidden;
}

// MllamaConfig: text_config (MllamaTextConfig) and vision_config (MllamaVisionConfig), defaults from
// configuration_mllama.py.
void parse_mllama(const Reader& root, Architecture& a) {
  const Reader r = root.sub("text_config");
  a.hidden = r.integer_or("hidden_size", 4096);
  a.layers = r.integer_or("num_hidden_layers", 40);
  a.heads = r.integer_or("num_attention_heads", 32);
  a.kv_heads = r.integer_or("num_key_value_heads", 8);
  a.intermediate = r.integer_or("intermediate_size", 14336);
  a.vocab = r.integer_or("vocab_size", 128256);
  if (a.hidden % a.heads != 0) r.fail("hidden_size is not a multiple of num_attention_heads");
  a.head_dim = a.hidden / a.heads;
  a.extra_embedding_rows = 8;  // MllamaTextModel: nn.Embedding(vocab_size + 8, hidden_size)
  a.tied = r.boolean_or("tie_word_embeddings", false);
  a.context_length = r.integer_or("max_position_embeddings", 131072, true);
  std::vector<std::int64_t> cross = {3, 8, 13, 18, 23, 28, 33, 38};
  if (r.has("cross_attention_layers")) cross = r.integers("cross_attention_layers");
  a.layer_kinds.assign(static_cast<std::size_t>(std::min(a.layers, kMaxLayerList)), LayerAttention::kFull);
  for (std::int64_t i : cross) {
    if (i >= a.layers) r.fail("cross_attention_layers lists layer " + std::to_string(i) + " of " + std::to_string(a.layers));
    a.layer_kinds[static_cast<std::size_t>(i)] = LayerAttention::kCross;
  }
  const Reader v = root.sub("vision_config");
  VisionTower& t = a.vision;
  t.kind = VisionTower::Kind::kMllama;
  t.hidden = v.integer_or("hidden_size", 1280);
  t.layers = v.integer_or("num_hidden_layers", 32);
  t.global_layers = v.integer_or("num_global_layers", 8, true);
  t.heads = v.integer_or("attention_heads", 16);
  t.channels = v.integer_or("num_channels", 3);
  t.intermediate = v.integer_or("intermediate_size", 5120);
  t.output_dim = v.integer_or("vision_output_dim", 7680);
  t.image_size = v.integer_or("image_size", 448);
  t.patch = v.integer_or("patch_size", 14);
  t.max_tiles = v.integer_or("max_num_tiles", 4);
  t.max_aspect_ratio_id = v.has("supported_aspect_ratios") ? static_cast<std::int64_t>(v.array("supported_aspect_ratios").size()) : 8;
  t.text_hidden = a.hidden;
  if (t.patch > 0 && t.image_size >= t.patch && t.image_size <= (std::int64_t{1} << 20)) {
    const std::int64_t side = t.image_size / t.patch;
    a.cross_attention_tokens = t.max_tiles * (side * side + 1);  // one image: every tile's patches and class token
  }
}

/// A config.json's text as a JSON object. A config.json is a flat object with a few nested ones (rope_scaling,
/// quantization_config, text_config): deeper nesting is refused while parsing, before it costs memory. parse_json is
/// linear in the text.
nlohmann::json config_object(std::string_view text, const std::string& file) {
  nlohmann::json j;
  try {
    j = parse_json(text, JsonLimits{.max_depth = kMaxConfigDepth});
  } catch (const JsonError& e) {
    if (e.kind == JsonError::Kind::kDepth)
      throw InputError(file + ": JSON nested more than " + std::to_string(kMaxConfigDepth) +
                       " levels deep; not a config.json");
    throw InputError(file + ": " + e.what());
  }
  if (!j.is_object()) throw InputError(file + ": not a JSON object; expected a Hugging Face config.json");
  return j;
}

/// The architecture fields of model_type `type` (lower case), read as that family's configuration class does.
void parse_family(const Reader& r, const std::string& type, Architecture& a) {
  const bool attention_bias = r.boolean_or("attention_bias", false);
  if (type == "gpt2") {
    parse_gpt2(r, a);
  } else if (type == "llama" || type == "mistral" || type == "mixtral" || type == "phi3") {
    // LlamaConfig: attention_bias adds q, k, v and o biases, mlp_bias biases on gate, up, down; Mistral, Mixtral
    // and Phi-3 have no biases (modeling_mistral.py, modeling_mixtral.py; Phi-3 fuses qkv_proj and gate_up_proj,
    // the same parameters as separate matrices).
    common_decoder(r, a, false);
    if (type == "llama") {
      a.qkv_bias = a.o_bias = attention_bias;
      a.mlp_bias = r.boolean_or("mlp_bias", false);
    } else {
      sliding_all(r, a);
    }
    if (type == "mixtral") moe_mixtral(r, a);
  } else if (type == "qwen2" || type == "qwen2_moe") {
    // Qwen2 / Qwen2-MoE: q, k, v always have biases, o none (modeling_qwen2.py Qwen2Attention).
    common_decoder(r, a, false);
    a.qkv_bias = true;
    sliding_qwen(r, a);
    if (type == "qwen2_moe") moe_qwen(r, a, true);
  } else if (type == "qwen3" || type == "qwen3_moe") {
    // Qwen3: q_norm and k_norm per layer, attention_bias on q, k, v and o (modeling_qwen3.py Qwen3Attention).
    common_decoder(r, a, false);
    a.qkv_bias = a.o_bias = attention_bias;
    a.qk_norm = true;
    sliding_qwen(r, a);
    if (type == "qwen3_moe") moe_qwen(r, a, false);
  } else if (type == "gemma" || type == "gemma2") {
    // GemmaConfig / Gemma2Config: head_dim given (256), tied, attention_bias on q, k, v, o; Gemma 2 adds pre- and
    // post-feedforward norms and alternates sliding (even) and global (odd) layers.
    common_decoder(r, a, true);
    a.head_dim = r.integer("head_dim");
    a.qkv_bias = a.o_bias = attention_bias;
    if (type == "gemma2") {
      a.norms_per_layer = 4;
      sliding_pattern(r, a, 2, 4096);
    }
  } else if (type == "gemma3_text") {
    gemma3_text(r, a);
  } else if (type == "gemma3") {
    // Gemma3Config: text_config (Gemma3TextConfig), vision_config (SigLIP) and the multi-modal projector.
    gemma3_text(r.sub("text_config"), a);
    siglip_tower(r.sub("vision_config"), a);
  } else if (type == "mllama") {
    parse_mllama(r, a);
  } else if (type == "deepseek" || type == "deepseek_v2" || type == "deepseek_v3") {
    common_decoder(r, a, false);
    a.qkv_bias = a.o_bias = attention_bias;
    if (type != "deepseek") mla(r, a);
    moe_deepseek(r, a);
    // DeepseekV3TopkRouter keeps e_score_correction_bias (noaux_tc routing), a tensor of every checkpoint.
    a.router_bias = type == "deepseek_v3" && a.experts > 0;
    if (type == "deepseek_v3") a.mtp_layers = r.integer_or("num_nextn_predict_layers", 0, true);
  } else {
    r.fail("unsupported model_type \"" + type + "\"; accepted: " + std::string(supported_families()));
  }
}

}  // namespace

Architecture parse_config_json(std::string_view text, std::string_view name) {
  const std::string file(name);
  const nlohmann::json j = config_object(text, file);
  const Reader r{j, file};
  if (!r.has("model_type") || !j.at("model_type").is_string())
    r.fail("missing field \"model_type\" (one of " + std::string(supported_families()) + ")");
  const std::string type = ascii_lower(j.at("model_type").get<std::string>());

  Architecture a;
  a.name = file;
  a.family = type;
  a.source = file;
  a.activation_dtype = activation_dtype(r);
  a.quant = quantization(r);
  parse_family(r, type, a);
  if (a.activation_dtype.empty() && (type == "gemma3" || type == "mllama")) {
    // The multimodal configs may carry torch_dtype in text_config only.
    if (r.has("text_config") && j.at("text_config").is_object())
      a.activation_dtype = activation_dtype(Reader{j.at("text_config"), file});
  }
  validate(a);
  return a;
}

Architecture load_config_json(const std::string& path) {
  std::error_code ec;
  std::string file = path;
  if (std::filesystem::is_directory(path, ec)) file = (std::filesystem::path(path) / "config.json").string();
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw InputError("cannot read config file '" + file +
                     "'; give a Hugging Face config.json or the model directory that holds one");
  // Read at most kMaxConfigBytes + 1 bytes: a huge file (or a device) is refused without reading it whole.
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw InputError("cannot read config file '" + file + "'");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxConfigBytes) throw InputError(file + ": larger than 16 MiB; not a config.json");
  return parse_config_json(text, file);
}

}  // namespace numscope::memory
