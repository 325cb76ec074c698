// Transformer architectures as data: every family's layers, attention (GQA, MLA, sliding, cross), MLPs and MoE,
// vision towers, and what follows from them exactly: parameter counts, the tensor inventory, KV bytes per token.
//
// A model is stored as its architecture, never as a total: the parameter count is a formula of the modules below,
// read from the module structure of each Hugging Face modeling file (src/transformers/models/<family>/
// modeling_<family>.py: llama, mistral, mixtral, qwen2, qwen2_moe, qwen3, qwen3_moe, gemma, gemma2, gemma3, phi3,
// gpt2, mllama; deepseek-ai's modeling_deepseek.py for deepseek, deepseek_v2, deepseek_v3). docs/memory.md has a
// section per family with the formula. All counts are exact and overflow-checked (sizes past 2^63 are refused).
#pragma once

#include <cstdint>      // std::int64_t
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

namespace numscope::memory {

enum class Norm : std::uint8_t { kRms, kLayer };  // RMSNorm: one weight vector (h); LayerNorm: weight and bias (2h)

/// What one decoder layer's attention attends to, and so what it caches.
enum class LayerAttention : std::uint8_t {
  kFull,     // every earlier token (K and V per token)
  kSliding,  // the last `sliding_window` tokens only (Mistral v0.1, Gemma 2/3 local layers, Qwen2 window layers)
  kCross,    // the image tokens of a vision encoder (Llama 3.2 Vision): no per-text-token cache
};

/// A vision encoder and its projector into the text model, counted in their own row.
struct VisionTower {
  enum class Kind : std::uint8_t { kNone, kSiglip, kMllama };
  Kind kind = Kind::kNone;
  std::int64_t hidden = 0, intermediate = 0, layers = 0, heads = 0;
  std::int64_t patch = 0, image_size = 0, channels = 3;
  std::int64_t global_layers = 0, max_tiles = 0, max_aspect_ratio_id = 0, output_dim = 0;  // mllama
  std::int64_t text_hidden = 0;  // the projector's output width
};

/// A checkpoint's weight quantization, from config.json's quantization_config.
struct WeightQuant {
  enum class Kind : std::uint8_t { kNone, kFp8Block, kFp8, kGptq, kAwq, kBnb4, kBnb8, kCompressed };
  Kind kind = Kind::kNone;
  std::int64_t bits = 0;        // GPTQ/AWQ/compressed-tensors: 4 or 8
  std::int64_t group = 0;       // GPTQ/AWQ group size (-1 in the config: per channel, stored 0)
  std::int64_t block_rows = 0, block_cols = 0;  // fp8 weight_block_size [128, 128]
  std::string bnb_type;         // bitsandbytes: nf4 or fp4
  bool double_quant = false;    // bitsandbytes bnb_4bit_use_double_quant
  std::string scheme;           // the numscope storage scheme that prices it (int4-g128, nf4, e4m3, ...)
  std::string describe;         // one line for the output: "fp8 e4m3 with 128×128 fp32 block scales"
};

/// One decoder-only (or vision-conditioned) transformer. Every count is exact; params are derived, never stored.
struct Architecture {
  std::string name;    // preset name, or the config file's path
  std::string family;  // the config's model_type (llama, deepseek_v3, gemma3, ...), or custom
  std::int64_t layers = 0;
  std::int64_t hidden = 0;
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;      // grouped-query attention: K and V have kv_heads heads (== heads: plain MHA)
  std::int64_t head_dim = 0;      // usually hidden / heads; Gemma: 256
  std::int64_t intermediate = 0;  // dense MLP width
  std::int64_t vocab = 0;
  std::int64_t extra_embedding_rows = 0;  // Mllama: embed_tokens has vocab + 8 rows, the head vocab
  std::int64_t positions = 0;     // learned absolute position embeddings (GPT-2: 1024); 0 with RoPE
  bool tied = false;              // the output head shares the embedding matrix
  bool gated_mlp = true;          // SwiGLU / GeGLU: gate, up, down (3 matrices); plain: up, down (2)
  bool qkv_bias = false;          // biases on q, k, v (Qwen2; GPT-2; Llama with attention_bias)
  bool o_bias = false;            // a bias on the attention output (GPT-2; Llama with attention_bias)
  bool mlp_bias = false;          // biases on the MLP matrices (GPT-2; Llama with mlp_bias)
  bool qk_norm = false;           // q_norm and k_norm, RMSNorm(head_dim) per layer (Qwen3, Gemma 3)
  int norms_per_layer = 2;        // input and post-attention; Gemma 2/3 add pre- and post-feedforward (4)
  Norm norm = Norm::kRms;

  // Multi-head latent attention (DeepSeek V2/V3) when kv_lora_rank > 0: q through a rank-q_lora_rank bottleneck
  // (0: a plain q_proj), K and V from one compressed latent of kv_lora_rank plus a shared RoPE key.
  std::int64_t q_lora_rank = 0, kv_lora_rank = 0, qk_nope_head_dim = 0, qk_rope_head_dim = 0, v_head_dim = 0;

  // Mixture of experts (experts > 0): routed experts of width moe_intermediate (0: intermediate), top-k per token,
  // DeepSeek's shared experts (shared_experts × moe width, one MLP), Qwen2-MoE's shared expert of its own width
  // with a sigmoid gate, DeepSeek V3's router bias, and which layers are MoE (empty: all).
  std::int64_t experts = 0;
  std::int64_t experts_per_token = 0;
  std::int64_t moe_intermediate = 0;
  std::int64_t shared_experts = 0;
  std::int64_t shared_expert_intermediate = 0;
  bool shared_expert_gate = false;
  bool router_bias = false;
  std::vector<std::uint8_t> moe_layers;  // per layer, 1 = MoE; empty = every layer when experts > 0

  // Attention per layer: full, sliding (window sliding_window) or cross; empty = every layer full, or every layer
  // sliding when sliding_window > 0.
  std::int64_t sliding_window = 0;
  std::vector<LayerAttention> layer_kinds;
  std::int64_t cross_attention_tokens = 0;  // Mllama: image tokens per image (tiles × patches), the cross KV length

  std::int64_t mtp_layers = 0;      // DeepSeek V3 multi-token prediction modules (num_nextn_predict_layers)
  std::int64_t context_length = 0;  // max_position_embeddings (0: unknown)
  std::string activation_dtype;     // config torch_dtype as a format name (bf16, fp16, fp32); empty: unknown
  VisionTower vision;
  WeightQuant quant;

  std::int64_t published_params = 0;  // the published count, for the tests (0: not published)
  std::string source;                 // where the architecture values come from
};

/// The parts of the parameter count, each exact. total = the main model (what the model card's count means):
/// embedding + head + attention + mlp + norms + vision. MTP modules are counted apart (mtp), never in total.
struct ParamBreakdown {
  std::int64_t embedding = 0;  // vocab·h (+ positions·h)
  std::int64_t head = 0;       // vocab·h when untied
  std::int64_t attention = 0;  // every layer's attention (q, k, v, o or MLA's projections; q/k norms; cross gates)
  std::int64_t mlp = 0;        // dense MLPs and MoE layers (routed and shared experts, routers)
  std::int64_t norms = 0;      // per-layer norms and the final norm
  std::int64_t vision = 0;     // vision encoder and projector
  std::int64_t linear = 0;     // weights of the linear layers in the text blocks (what weight quantization stores)
  std::int64_t routed_experts = 0;  // the routed experts' weights (what --ep divides)
  std::int64_t active = 0;     // per token: total minus the routed experts not chosen (top-k of each MoE layer)
  std::int64_t mtp = 0;        // DeepSeek V3 MTP modules (not in total)
  std::int64_t total = 0;
};

ParamBreakdown param_breakdown(const Architecture& a);
inline std::int64_t param_count(const Architecture& a) { return param_breakdown(a).total; }

/// One group of identical tensors of the checkpoint: `count` tensors of rows × cols (a vector: rows = 1).
struct TensorGroup {
  // kLinear: a block's projection (what weight quantization stores); kRouter: an MoE gate (kept in 16 bits by
  // every quantized checkpoint); kOther: gates, scalars, biases of routers, MTP's eh_proj.
  enum class Role : std::uint8_t { kLinear, kEmbedding, kHead, kNorm, kBias, kRouter, kOther, kVision };
  std::string name;  // "layers.*.self_attn.q_proj.weight"
  Role role = Role::kLinear;
  std::int64_t rows = 0, cols = 0, count = 0;
  bool routed_expert = false;  // one of the routed experts' matrices
  bool mtp = false;            // part of DeepSeek V3's MTP module (not in the main count)
  bool checkpoint_copy = false;  // stored again in the checkpoint but shared in the model (MTP's embedding, head)
};

/// Every tensor of the model (main model, vision tower, MTP) grouped by shape and role; the elements of the
/// groups that are neither MTP nor checkpoint copies sum to param_count().
std::vector<TensorGroup> tensor_inventory(const Architecture& a);

bool is_moe_layer(const Architecture& a, std::int64_t layer);
LayerAttention layer_attention(const Architecture& a, std::int64_t layer);

/// What one token adds to the cache of one sequence, in elements: per self-attention layer K and V
/// (2 × kv_heads × head_dim), or MLA's latent (kv_lora_rank + qk_rope_head_dim).
std::int64_t kv_elements_per_token_layer(const Architecture& a);
/// The vectors cached per token and layer (K and V heads: 2 × kv_heads; MLA: 1) and their length, for per-vector
/// KV scales.
std::int64_t kv_vectors_per_token_layer(const Architecture& a);
std::int64_t kv_vector_length(const Architecture& a);

/// Checks that every size is positive and consistent (heads divide, kv_heads <= heads, top-k <= experts, the
/// counts fit in 63 bits); throws InputError naming the field.
void validate(const Architecture& a);

/// The family names numscope reads from config.json, for messages.
std::string_view supported_families();

}  // namespace numscope::memory
