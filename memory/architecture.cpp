// The tensor inventory of every family (one function per module kind, after the Hugging Face modeling files), and
// the parameter counts, per-layer patterns and KV sizes derived from it (see architecture.h).
#include "numscope/memory/architecture.h"

#include <algorithm>  // std::min

#include "numscope/support/error.h"

namespace numscope::memory {
namespace {

using Role = TensorGroup::Role;

// Sizes past these are not models: a config that gives them is refused before any product is formed.
constexpr std::int64_t kMaxDimension = std::int64_t{1} << 31;
constexpr std::int64_t kMaxParams = 1'000'000'000'000'000;  // 10^15: 500× the largest published model

[[noreturn]] void too_large(const Architecture& a) {
  throw InputError((a.name.empty() ? std::string("model") : a.name) +
                   ": the sizes give more than 10^15 parameters; check the values");
}

// a · b, refused past 2^63 (every count goes through here or through add()).
std::int64_t mul(const Architecture& a, std::int64_t x, std::int64_t y) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(x, y, &r) || r > kMaxParams) too_large(a);
  return r;
}

struct Inventory {
  const Architecture& a;
  std::vector<TensorGroup> groups;

  void add(std::string name, Role role, std::int64_t rows, std::int64_t cols, std::int64_t count,
           bool routed = false) {
    if (count <= 0 || rows <= 0 || cols <= 0) return;
    mul(a, mul(a, rows, cols), count);  // checked once here; the sums are checked in param_breakdown
    groups.push_back({std::move(name), role, rows, cols, count, routed});
  }
  void vec(std::string name, Role role, std::int64_t n, std::int64_t count) { add(std::move(name), role, 1, n, count); }
  // A norm of width n: RMSNorm weight, or LayerNorm weight and bias.
  void norm(const std::string& name, std::int64_t n, std::int64_t count, Role role = Role::kNorm, Norm kind = Norm::kRms) {
    vec(name + ".weight", role, n, count);
    if (kind == Norm::kLayer) vec(name + ".bias", role, n, count);
  }
  // nn.Linear(in, out, bias): weight out × in, bias out.
  void linear(const std::string& name, std::int64_t in, std::int64_t out, bool bias, std::int64_t count,
              Role role = Role::kLinear, bool routed = false) {
    add(name + ".weight", role, out, in, count, routed);
    if (bias) add(name + ".bias", role == Role::kLinear ? Role::kBias : role, 1, out, count, routed);
  }
};

std::int64_t moe_width(const Architecture& a) { return a.moe_intermediate > 0 ? a.moe_intermediate : a.intermediate; }

// Attention of one layer kind, `n` layers (modeling_llama.py LlamaAttention; modeling_deepseek.py
// DeepseekV3Attention for MLA; modeling_mllama.py MllamaTextCrossAttention; modeling_gpt2/phi3 fuse q, k, v into
// one matrix of the same size).
void attention(Inventory& inv, const std::string& p, std::int64_t n, bool cross) {
  const Architecture& a = inv.a;
  const std::int64_t h = a.hidden;
  if (a.kv_lora_rank > 0 && !cross) {
    const std::int64_t qk = a.qk_nope_head_dim + a.qk_rope_head_dim;
    if (a.q_lora_rank > 0) {
      inv.linear(p + "q_a_proj", h, a.q_lora_rank, a.qkv_bias, n);
      inv.norm(p + "q_a_layernorm", a.q_lora_rank, n);
      inv.linear(p + "q_b_proj", a.q_lora_rank, mul(a, a.heads, qk), false, n);
    } else {
      inv.linear(p + "q_proj", h, mul(a, a.heads, qk), false, n);
    }
    inv.linear(p + "kv_a_proj_with_mqa", h, a.kv_lora_rank + a.qk_rope_head_dim, a.qkv_bias, n);
    inv.norm(p + "kv_a_layernorm", a.kv_lora_rank, n);
    inv.linear(p + "kv_b_proj", a.kv_lora_rank, mul(a, a.heads, a.qk_nope_head_dim + a.v_head_dim), false, n);
    inv.linear(p + "o_proj", mul(a, a.heads, a.v_head_dim), h, a.o_bias, n);
    return;
  }
  const std::int64_t q = mul(a, a.heads, a.head_dim), kv = mul(a, a.kv_heads, a.head_dim);
  const bool qkv_bias = a.qkv_bias && !cross;
  inv.linear(p + "q_proj", h, q, qkv_bias, n);
  inv.linear(p + "k_proj", h, kv, qkv_bias, n);
  inv.linear(p + "v_proj", h, kv, qkv_bias, n);
  inv.linear(p + "o_proj", q, h, a.o_bias && !cross, n);
  if (a.qk_norm || cross) {  // Qwen3 / Gemma 3 q_norm, k_norm; Mllama's cross-attention has them too
    inv.norm(p + "q_norm", a.head_dim, n);
    inv.norm(p + "k_norm", a.head_dim, n);
  }
  if (cross) {  // MllamaCrossAttentionDecoderLayer: cross_attn_attn_gate and cross_attn_mlp_gate, one scalar each
    inv.vec(p + "cross_attn_attn_gate", Role::kOther, 1, n);
    inv.vec(p + "cross_attn_mlp_gate", Role::kOther, 1, n);
  }
}

void mlp(Inventory& inv, const std::string& p, std::int64_t width, std::int64_t n, bool routed = false) {
  const Architecture& a = inv.a;
  if (a.gated_mlp) inv.linear(p + "gate_proj", a.hidden, width, a.mlp_bias, n, Role::kLinear, routed);
  inv.linear(p + "up_proj", a.hidden, width, a.mlp_bias, n, Role::kLinear, routed);
  inv.linear(p + "down_proj", width, a.hidden, a.mlp_bias, n, Role::kLinear, routed);
}

// One MoE block, `n` layers (modeling_mixtral.py MixtralSparseMoeBlock: gate h -> E and E experts;
// modeling_deepseek.py DeepseekV3MoE: + shared_experts as one MLP of n_shared × moe width, V3's
// e_score_correction_bias; modeling_qwen2_moe.py: + shared_expert of its own width and shared_expert_gate h -> 1).
void moe(Inventory& inv, const std::string& p, std::int64_t n) {
  const Architecture& a = inv.a;
  inv.linear(p + "gate", a.hidden, a.experts, false, n, Role::kRouter);
  if (a.router_bias) inv.vec(p + "gate.e_score_correction_bias", Role::kOther, a.experts, n);
  mlp(inv, p + "experts.*.", moe_width(a), mul(a, n, a.experts), true);
  if (a.shared_experts > 0) mlp(inv, p + "shared_experts.", mul(a, a.shared_experts, moe_width(a)), n);
  if (a.shared_expert_intermediate > 0) mlp(inv, p + "shared_expert.", a.shared_expert_intermediate, n);
  if (a.shared_expert_gate) inv.linear(p + "shared_expert_gate", a.hidden, 1, false, n, Role::kRouter);
}

// Decoder layers grouped by kind (self or cross attention × dense or MoE MLP), so that a 61-layer model is four
// groups, not 61 × 20 rows.
void decoder_layers(Inventory& inv, const std::string& p, std::int64_t first, std::int64_t count, Role norm_role) {
  const Architecture& a = inv.a;
  std::int64_t n[2][2] = {{0, 0}, {0, 0}};  // [cross][moe]
  for (std::int64_t i = first; i < first + count; ++i)
    ++n[layer_attention(a, i) == LayerAttention::kCross][is_moe_layer(a, i)];
  for (int cross = 0; cross < 2; ++cross)
    for (int m = 0; m < 2; ++m) {
      const std::int64_t k = n[cross][m];
      if (k == 0) continue;
      attention(inv, p + (cross ? "cross_attn." : "self_attn."), k, cross);
      if (m) moe(inv, p + "mlp.", k);
      else mlp(inv, p + "mlp.", a.intermediate, k);
      inv.norm(p + "norms", a.hidden, mul(a, k, a.norms_per_layer), norm_role, a.norm);
    }
}

// modeling_siglip.py SiglipVisionTransformer (Gemma 3's tower, vision_use_head false) and
// modeling_gemma3.py Gemma3MultiModalProjector (mm_input_projection_weight, mm_soft_emb_norm).
void siglip(Inventory& inv) {
  const VisionTower& v = inv.a.vision;
  const std::string p = "vision_tower.";
  const std::int64_t d = v.hidden, side = v.image_size / v.patch;
  inv.add(p + "patch_embedding.weight", Role::kVision, d, mul(inv.a, v.channels, v.patch * v.patch), 1);
  inv.vec(p + "patch_embedding.bias", Role::kVision, d, 1);
  inv.add(p + "position_embedding.weight", Role::kVision, mul(inv.a, side, side), d, 1);
  for (const char* m : {"q_proj", "k_proj", "v_proj", "out_proj"})
    inv.linear(p + "layers.*.self_attn." + m, d, d, true, v.layers, Role::kVision);
  inv.linear(p + "layers.*.mlp.fc1", d, v.intermediate, true, v.layers, Role::kVision);
  inv.linear(p + "layers.*.mlp.fc2", v.intermediate, d, true, v.layers, Role::kVision);
  inv.norm(p + "layers.*.layer_norms", d, 2 * v.layers, Role::kVision, Norm::kLayer);
  inv.norm(p + "post_layernorm", d, 1, Role::kVision, Norm::kLayer);
  inv.add("multi_modal_projector.mm_input_projection_weight", Role::kVision, d, v.text_hidden, 1);
  inv.vec("multi_modal_projector.mm_soft_emb_norm.weight", Role::kVision, d, 1);
}

// modeling_mllama.py MllamaVisionModel and MllamaForConditionalGeneration.multi_modal_projector.
void mllama_vision(Inventory& inv) {
  const Architecture& a = inv.a;
  const VisionTower& v = a.vision;
  const std::string p = "vision_model.";
  const std::int64_t d = v.hidden, side = v.image_size / v.patch, patches = mul(a, side, side) + 1;
  const std::int64_t ratios = v.max_aspect_ratio_id + 1;
  inv.add(p + "patch_embedding.weight", Role::kVision, d, mul(a, v.channels, v.patch * v.patch), 1);
  inv.vec(p + "class_embedding", Role::kVision, d, 1);
  inv.vec(p + "gated_positional_embedding.gate", Role::kVision, 1, 1);
  inv.add(p + "gated_positional_embedding.embedding", Role::kVision, patches, d, 1);
  inv.add(p + "gated_positional_embedding.tile_embedding.weight", Role::kVision, ratios,
          mul(a, mul(a, v.max_tiles, patches), d), 1);
  for (const char* t : {"pre_tile_positional_embedding.", "post_tile_positional_embedding."}) {
    inv.add(p + t + "embedding.weight", Role::kVision, ratios, mul(a, v.max_tiles, d), 1);
    inv.vec(p + t + "gate", Role::kVision, 1, 1);
  }
  inv.norm(p + "layernorm_pre", d, 1, Role::kVision, Norm::kLayer);
  inv.norm(p + "layernorm_post", d, 1, Role::kVision, Norm::kLayer);
  const std::int64_t all = v.layers + v.global_layers;
  for (const char* m : {"q_proj", "k_proj", "v_proj", "o_proj"})
    inv.linear(p + "layers.*.self_attn." + m, d, d, false, all, Role::kVision);
  inv.linear(p + "layers.*.mlp.fc1", d, v.intermediate, true, all, Role::kVision);
  inv.linear(p + "layers.*.mlp.fc2", v.intermediate, d, true, all, Role::kVision);
  inv.norm(p + "layers.*.layer_norms", d, 2 * all, Role::kVision, Norm::kLayer);
  inv.vec(p + "global_transformer.layers.*.gates", Role::kVision, 1, 2 * v.global_layers);  // gate_attn, gate_ffn
  inv.linear("multi_modal_projector", v.output_dim, v.text_hidden, true, 1, Role::kVision);
}

// DeepSeek V3's MTP module (README_WEIGHTS.md of deepseek-ai/DeepSeek-V3; modeling in DeepSeek-V3 inference/
// model.py): enorm, hnorm, eh_proj (2h -> h), one decoder layer, shared_head.norm; the embedding and the head are
// shared with the main model.
void mtp(Inventory& inv) {
  const Architecture& a = inv.a;
  const std::string p = "mtp.";
  const std::int64_t n = a.mtp_layers, h = a.hidden;
  Inventory m{a, {}};
  m.vec(p + "enorm.weight", Role::kNorm, h, n);
  m.vec(p + "hnorm.weight", Role::kNorm, h, n);
  m.add(p + "eh_proj.weight", Role::kOther, h, mul(a, 2, h), n);  // bf16 in the fp8 checkpoint
  m.vec(p + "shared_head.norm.weight", Role::kNorm, h, n);
  decoder_layers(m, p + "layers.*.", a.layers, n, Role::kNorm);
  // The checkpoint stores the shared embedding and head again under the MTP layer (model.layers.61.embed_tokens,
  // model.layers.61.shared_head.head): tensors of the file, not parameters of the model.
  m.add(p + "embed_tokens.weight", Role::kEmbedding, a.vocab, h, n);
  m.groups.back().checkpoint_copy = true;
  m.add(p + "shared_head.head.weight", Role::kHead, a.vocab, h, n);
  m.groups.back().checkpoint_copy = true;
  for (TensorGroup& g : m.groups) {
    g.mtp = true;
    g.routed_expert = false;
    inv.groups.push_back(std::move(g));
  }
}

}  // namespace

bool is_moe_layer(const Architecture& a, std::int64_t layer) {
  if (a.experts <= 0) return false;
  if (a.moe_layers.empty() || layer >= static_cast<std::int64_t>(a.moe_layers.size())) return true;
  return a.moe_layers[static_cast<std::size_t>(layer)] != 0;
}

LayerAttention layer_attention(const Architecture& a, std::int64_t layer) {
  if (layer >= 0 && layer < static_cast<std::int64_t>(a.layer_kinds.size()))
    return a.layer_kinds[static_cast<std::size_t>(layer)];
  return a.sliding_window > 0 ? LayerAttention::kSliding : LayerAttention::kFull;
}

std::vector<TensorGroup> tensor_inventory(const Architecture& a) {
  Inventory inv{a, {}};
  inv.add("embed_tokens.weight", Role::kEmbedding, a.vocab + a.extra_embedding_rows, a.hidden, 1);
  inv.add("position_embeddings.weight", Role::kEmbedding, a.positions, a.hidden, 1);
  decoder_layers(inv, "layers.*.", 0, a.layers, Role::kNorm);
  inv.norm("norm", a.hidden, 1, Role::kNorm, a.norm);
  if (!a.tied) inv.add("lm_head.weight", Role::kHead, a.vocab, a.hidden, 1);
  if (a.vision.kind == VisionTower::Kind::kSiglip) siglip(inv);
  if (a.vision.kind == VisionTower::Kind::kMllama) mllama_vision(inv);
  if (a.mtp_layers > 0) mtp(inv);
  return std::move(inv.groups);
}

ParamBreakdown param_breakdown(const Architecture& a) {
  ParamBreakdown p;
  auto add = [&](std::int64_t& to, std::int64_t v) {
    if (__builtin_add_overflow(to, v, &to) || to > kMaxParams) too_large(a);
  };
  for (const TensorGroup& g : tensor_inventory(a)) {
    const std::int64_t n = mul(a, mul(a, g.rows, g.cols), g.count);
    if (g.checkpoint_copy) continue;
    if (g.mtp) {
      add(p.mtp, n);
      continue;
    }
    const bool attn = g.name.find("self_attn.") != std::string::npos || g.name.find("cross_attn.") != std::string::npos;
    switch (g.role) {
      case Role::kEmbedding: add(p.embedding, n); break;
      case Role::kHead: add(p.head, n); break;
      case Role::kNorm: add(p.norms, n); break;
      case Role::kVision: add(p.vision, n); break;
      default: add(attn ? p.attention : p.mlp, n); break;
    }
    // q/k norms and MLA's latent norms belong to the attention, not to the per-layer norms.
    if (g.role == Role::kNorm && attn) {
      p.norms -= n;
      add(p.attention, n);
    }
    if (g.role == Role::kLinear) add(p.linear, n);
    if (g.routed_expert) add(p.routed_experts, n);
    add(p.total, n);
  }
  // Per token, each MoE layer runs experts_per_token of its experts (the router, shared experts and dense layers
  // always run).
  p.active = p.total;
  std::int64_t moe = 0;
  for (std::int64_t i = 0; a.experts > 0 && i < a.layers; ++i) moe += is_moe_layer(a, i) ? 1 : 0;
  if (moe > 0) {  // a config may make no layer MoE (first_k_dense_replace >= layers, every layer mlp_only)
    const std::int64_t per_expert = p.routed_experts / mul(a, moe, a.experts);
    p.active -= mul(a, mul(a, moe, a.experts - a.experts_per_token), per_expert);
  }
  return p;
}

std::int64_t kv_elements_per_token_layer(const Architecture& a) {
  if (a.kv_lora_rank > 0) return a.kv_lora_rank + a.qk_rope_head_dim;  // MLA: one latent, K and V are derived
  return 2 * a.kv_heads * a.head_dim;
}
std::int64_t kv_vectors_per_token_layer(const Architecture& a) { return a.kv_lora_rank > 0 ? 1 : 2 * a.kv_heads; }
std::int64_t kv_vector_length(const Architecture& a) {
  return a.kv_lora_rank > 0 ? a.kv_lora_rank + a.qk_rope_head_dim : a.head_dim;
}

std::string_view supported_families() {
  return "llama, mistral, mixtral, qwen2, qwen2_moe, qwen3, qwen3_moe, gemma, gemma2, gemma3, gemma3_text, phi3, "
         "gpt2, deepseek, deepseek_v2, deepseek_v3, mllama";
}

void validate(const Architecture& a) {
  const std::string who = a.name.empty() ? std::string("model") : a.name;
  auto field = [&](std::int64_t v, const char* name, bool allow_zero = false) {
    if (v < 0 || (v == 0 && !allow_zero))
      throw InputError(who + ": " + name + " must be a positive integer, got " + std::to_string(v));
    if (v > kMaxDimension)
      throw InputError(who + ": " + name + " " + std::to_string(v) + " is larger than 2^31; not a model size");
  };
  field(a.layers, "layers");
  field(a.hidden, "hidden");
  field(a.heads, "heads");
  field(a.kv_heads, "kv-heads");
  field(a.head_dim, "head-dim");
  field(a.intermediate, "intermediate");
  field(a.vocab, "vocab");
  field(a.positions, "positions", true);
  field(a.experts, "experts", true);
  field(a.experts_per_token, "experts-per-token", true);
  field(a.moe_intermediate, "moe-intermediate", true);
  field(a.shared_experts, "shared-experts", true);
  field(a.shared_expert_intermediate, "shared-expert-intermediate", true);
  field(a.q_lora_rank, "q_lora_rank", true);
  field(a.kv_lora_rank, "kv_lora_rank", true);
  field(a.qk_nope_head_dim, "qk_nope_head_dim", true);
  field(a.qk_rope_head_dim, "qk_rope_head_dim", true);
  field(a.v_head_dim, "v_head_dim", true);
  field(a.sliding_window, "sliding-window", true);
  field(a.mtp_layers, "mtp layers", true);
  field(a.context_length, "context length", true);
  if (a.kv_heads > a.heads || a.heads % a.kv_heads != 0)
    throw InputError(who + ": kv-heads (" + std::to_string(a.kv_heads) + ") must divide heads (" +
                     std::to_string(a.heads) + ")");
  if (a.experts == 0 && a.experts_per_token > 0)
    throw InputError(who + ": experts-per-token needs experts (a mixture-of-experts model)");
  if (a.experts > 0 && (a.experts_per_token <= 0 || a.experts_per_token > a.experts))
    throw InputError(who + ": experts-per-token must be between 1 and experts (" + std::to_string(a.experts) + ")");
  if (a.kv_lora_rank > 0 && (a.qk_rope_head_dim <= 0 || a.v_head_dim <= 0 || a.qk_nope_head_dim <= 0))
    throw InputError(who + ": multi-head latent attention needs qk_nope_head_dim, qk_rope_head_dim and v_head_dim");
  if (!a.layer_kinds.empty() && static_cast<std::int64_t>(a.layer_kinds.size()) != a.layers)
    throw InputError(who + ": the per-layer attention pattern has " + std::to_string(a.layer_kinds.size()) +
                     " entries for " + std::to_string(a.layers) + " layers");
  for (LayerAttention k : a.layer_kinds)
    if (k == LayerAttention::kSliding && a.sliding_window <= 0)
      throw InputError(who + ": sliding-attention layers need a sliding window size");
  const VisionTower& v = a.vision;
  if (v.kind != VisionTower::Kind::kNone) {
    for (auto [x, name] : {std::pair{v.hidden, "vision hidden_size"}, {v.intermediate, "vision intermediate_size"},
                           {v.layers, "vision num_hidden_layers"}, {v.heads, "vision attention heads"},
                           {v.patch, "vision patch_size"}, {v.image_size, "vision image_size"},
                           {v.channels, "vision num_channels"}, {v.text_hidden, "text hidden_size"}})
      field(x, name);
    if (v.image_size < v.patch)
      throw InputError(who + ": vision image_size " + std::to_string(v.image_size) + " is smaller than patch_size " +
                       std::to_string(v.patch));
    if (v.kind == VisionTower::Kind::kMllama) {
      field(v.max_tiles, "vision max_num_tiles");
      field(v.output_dim, "vision_output_dim");
      field(v.global_layers, "vision num_global_layers", true);
      field(v.max_aspect_ratio_id, "vision supported_aspect_ratios", true);
    }
  }
  param_breakdown(a);  // every product and sum checked: refuses sizes past 10^15 parameters
}

}  // namespace numscope::memory
