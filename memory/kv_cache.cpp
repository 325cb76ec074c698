// KV cache rows per family (see kv_cache.h).
#include "numscope/memory/kv_cache.h"

#include <algorithm>  // std::min

#include "numscope/formats/registry.h"
#include "numscope/formats/scheme.h"
#include "numscope/memory/model.h"
#include "numscope/support/ascii.h"
#include "numscope/support/error.h"

namespace numscope::memory {
namespace {

std::int64_t round_up(std::int64_t tokens, std::int64_t block) {
  return block > 0 ? (tokens + block - 1) / block * block : tokens;
}

}  // namespace

double KvFormat::vector_bits(std::int64_t length) const {
  if (block_scheme) {  // the blocks of one vector; a per-tensor scale (NVFP4's fp32) is per cache, not per vector
    const Scheme s = parse_scheme(name);
    return scheme_storage_bits(s, 1, static_cast<unsigned long long>(length)) - s.tensor_scale_bits;
  }
  return element_bits * static_cast<double>(length) + scale_bits_per_vector;
}

KvFormat kv_format(std::string_view name_in) {
  const std::string name = ascii_lower(name_in);
  KvFormat f;
  // vLLM's kv_cache_dtype "fp8" is fp8_e4m3 (vLLM docs, "Quantized KV Cache").
  const std::string key = name == "fp8" ? std::string("e4m3") : name;
  try {
    const Format fmt = find_format(key);
    f.name = std::string(fmt.name);
    f.element_bits = static_cast<double>(storage_bits(fmt));
    if (fmt.kind == Kind::kInt) {
      // LMDeploy's KV int8/int4: per head and token, asymmetric, an fp16 scale and an fp16 zero point.
      f.scale_bits_per_vector = 2 * static_cast<double>(storage_bits(kFp16));
      f.scale_note = "with an fp16 scale and zero point per token and head";
    }
    return f;
  } catch (const InputError&) {
  }
  try {
    const Scheme s = parse_scheme(key);
    f.name = s.name;
    f.element_bits = storage_bits(s.element);
    f.block_scheme = true;
    f.scale_note = "with its block scales";
    return f;
  } catch (const InputError&) {
  }
  throw InputError("unknown KV cache dtype '" + std::string(name_in) +
                   "' for --kv; accepted: bf16, fp16, fp32, fp8 (e4m3), e5m2, int8, int4, nvfp4, mxfp8, mxfp4");
}

double kv_bytes_per_token(const Architecture& a, const KvFormat& f) {
  std::int64_t self_layers = 0;
  for (std::int64_t i = 0; i < a.layers; ++i) self_layers += layer_attention(a, i) != LayerAttention::kCross;
  return static_cast<double>(self_layers) * static_cast<double>(kv_vectors_per_token_layer(a)) *
         f.vector_bits(kv_vector_length(a)) / 8;
}

std::vector<KvRow> kv_cache_rows(const Architecture& a, const KvFormat& f, const KvRequest& r) {
  std::vector<KvRow> rows;
  const double b = static_cast<double>(r.batch);
  const bool mla = a.kv_lora_rank > 0;
  const std::int64_t vectors = kv_vectors_per_token_layer(a), length = kv_vector_length(a);
  // Tensor parallelism splits the KV heads, one head per rank at least; MLA's latent is on every rank.
  const std::int64_t vectors_per_rank = mla ? vectors : 2 * ((a.kv_heads + r.tp - 1) / r.tp);
  const double vbits = f.vector_bits(length);
  std::int64_t full = 0, sliding = 0, cross = 0;
  for (std::int64_t i = 0; i < a.layers; ++i) {
    const LayerAttention k = layer_attention(a, i);
    (k == LayerAttention::kFull ? full : k == LayerAttention::kSliding ? sliding : cross) += 1;
  }
  const std::int64_t s_full = round_up(r.seq, r.block);
  const std::int64_t s_window = round_up(std::min(r.seq, a.sliding_window), r.block);
  const double tokens_layers = static_cast<double>(full) * static_cast<double>(s_full) +
                               static_cast<double>(sliding) * static_cast<double>(s_window);
  const std::string bytes_text = formula_number(vbits / 8 / static_cast<double>(length));
  if (full + sliding > 0) {
    KvRow row;
    row.name = "kv_cache";
    row.elements = tokens_layers * static_cast<double>(vectors * length) * b;
    row.bytes = tokens_layers * static_cast<double>(vectors) * vbits / 8 * b;
    row.per_gpu_bytes = tokens_layers * static_cast<double>(vectors_per_rank) * vbits / 8 * b;
    std::string per_token = mla ? "(kv_lora_rank + qk_rope_head_dim)" : "2 × kv_heads × head_dim";
    std::string layers_tokens;
    if (sliding == 0) layers_tokens = cross == 0 ? "L × s" : std::to_string(full) + " layers × s";
    else if (full == 0) layers_tokens = "L × min(s, window " + std::to_string(a.sliding_window) + ")";
    else
      layers_tokens = "(" + std::to_string(full) + " global × s + " + std::to_string(sliding) + " local × min(s, " +
                      std::to_string(a.sliding_window) + "))";
    row.formula = layers_tokens + " × " + per_token + " × b × " + bytes_text + " B";
    if (!f.scale_note.empty()) row.formula += " (" + f.name + " " + f.scale_note + ")";
    if (r.block > 0) row.formula += ", s rounded up to blocks of " + std::to_string(r.block);
    if (r.tp > 1) row.formula += mla ? ", latent on every TP rank" : ", kv_heads / " + std::to_string(r.tp) + " (TP)";
    rows.push_back(row);
  }
  if (cross > 0 && a.cross_attention_tokens > 0 && r.images > 0) {
    // Cross-attention layers cache K and V of the image tokens once per sequence (vLLM: encoder tokens).
    const std::int64_t t = round_up(a.cross_attention_tokens * r.images, r.block);
    KvRow row;
    row.name = "kv_cache_cross";
    const double tl = static_cast<double>(cross) * static_cast<double>(t);
    row.elements = tl * static_cast<double>(vectors * length) * b;
    row.bytes = tl * static_cast<double>(vectors) * vbits / 8 * b;
    row.per_gpu_bytes = tl * static_cast<double>(vectors_per_rank) * vbits / 8 * b;
    row.formula = std::to_string(cross) + " cross layers × " + std::to_string(a.cross_attention_tokens) +
                  " image tokens × " + std::to_string(r.images) + " image(s) × 2 × kv_heads × head_dim × b × " +
                  bytes_text + " B";
    rows.push_back(row);
  }
  return rows;
}

}  // namespace numscope::memory
