// Transformer architectures for the memory estimator: built-in presets, Hugging Face config.json, exact parameter counts.
//
// A model is stored as its architecture, never as a total: the parameter count is a formula of the rows below
// (embeddings, attention with grouped-query heads, gated or plain MLPs, MoE experts and router, norms). Sources:
// the Hugging Face transformers modeling files (modeling_llama.py, modeling_mistral.py, modeling_mixtral.py,
// modeling_qwen2.py, modeling_gemma.py, modeling_phi3.py, modeling_gpt2.py) and each model's config.json.
#pragma once

#include <cstdint>      // std::int64_t
#include <span>         // std::span
#include <string>       // std::string
#include <string_view>  // std::string_view

namespace numscope::memory {

enum class Norm : std::uint8_t { kRms, kLayer };  // RMSNorm: one weight vector (h); LayerNorm: weight and bias (2h)

/// One decoder-only transformer. Every count is exact; params() is derived, never stored.
struct Architecture {
  std::string name;    // preset name, or the config file's path
  std::string family;  // llama, mistral, mixtral, qwen2, gemma, phi3, gpt2, custom
  std::int64_t layers = 0;
  std::int64_t hidden = 0;
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;      // grouped-query attention: K and V have kv_heads heads (== heads: plain MHA)
  std::int64_t head_dim = 0;      // usually hidden / heads; Gemma: 256
  std::int64_t intermediate = 0;  // MLP width (per expert for MoE)
  std::int64_t vocab = 0;
  std::int64_t positions = 0;     // learned absolute position embeddings (GPT-2: 1024); 0 with RoPE
  bool tied = false;              // the output head shares the embedding matrix
  bool gated_mlp = true;          // SwiGLU / GeGLU: gate, up, down (3 matrices); plain: up, down (2)
  bool qkv_bias = false;          // biases on q, k, v (Qwen2; GPT-2; Llama with attention_bias)
  bool o_bias = false;            // a bias on the attention output (GPT-2; Llama with attention_bias)
  bool mlp_bias = false;          // biases on the MLP matrices (GPT-2; Llama with mlp_bias)
  Norm norm = Norm::kRms;
  std::int64_t experts = 0;            // MoE: experts per layer (0: dense MLP)
  std::int64_t experts_per_token = 0;  // MoE: routed experts per token (top-k)
  std::int64_t published_params = 0;   // the published count, for the tests (0: not published)
  std::string source;                  // where the architecture values come from
};

/// The parts of the parameter count, each exact.
struct ParamBreakdown {
  std::int64_t embedding = 0;   // vocab·h (+ positions·h)
  std::int64_t head = 0;        // vocab·h when untied
  std::int64_t attention = 0;   // per model: (q + k + v + o weights and biases) · layers
  std::int64_t mlp = 0;         // per model: dense MLP, or experts·MLP + router, · layers
  std::int64_t norms = 0;       // 2 per layer + the final norm
  std::int64_t linear = 0;      // weights of the linear layers in the blocks (what QLoRA quantizes)
  std::int64_t total = 0;
};

ParamBreakdown param_breakdown(const Architecture& a);
inline std::int64_t param_count(const Architecture& a) { return param_breakdown(a).total; }

/// The built-in presets, in the order of `numscope memory --list-models`.
std::span<const Architecture> presets();
/// Looks a preset up by name (case-insensitive); throws InputError naming the presets otherwise.
const Architecture& find_preset(std::string_view name);
/// The preset names, comma-separated, for error messages.
std::string preset_names();

/// Builds an architecture from the text of a Hugging Face config.json (model_type llama, mistral, mixtral,
/// qwen2, gemma, phi3, gpt2). Throws InputError naming the missing or malformed field.
Architecture parse_config_json(std::string_view text, std::string_view name = "config.json");
/// Reads and parses a config.json file; throws InputError when it cannot be read.
Architecture load_config_json(const std::string& path);

/// Checks that every size is positive and consistent (heads divide, kv_heads <= heads, top-k <= experts);
/// throws InputError naming the field.
void validate(const Architecture& a);

/// Parses a parameter count: "7B", "1.5B", "350M", "70b", "2T", "125K" or an integer ("124439808").
/// The value must be a positive whole number of parameters. Throws InputError otherwise.
std::int64_t parse_param_count(std::string_view text);

/// "6,738,415,616"
std::string group_thousands(std::int64_t v);

}  // namespace numscope::memory
