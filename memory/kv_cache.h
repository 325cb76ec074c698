// The KV cache of every family, exactly: per-layer K and V heads (grouped-query attention), DeepSeek's MLA latent,
// sliding-window layers capped at their window, cross-attention layers sized by the image tokens, KV formats with
// their scale overhead, and vLLM-style paged blocks.
//
// Sources: Kwon et al. 2023 (vLLM, PagedAttention); vLLM's KV specs (vllm/v1/kv_cache_interface.py:
// FullAttentionSpec 2 × block × kv_heads × head_size × dtype bytes per page, MLAAttentionSpec one latent of
// kv_lora_rank + qk_rope_head_dim per token, SlidingWindowSpec); DeepSeek-V2 paper §2.1 (MLA caches
// (d_c + d_h^R) per token and layer); LMDeploy's KV int8/int4 (per-head, per-token asymmetric: an fp16 scale and
// zero point per cached vector).
#pragma once

#include <cstdint>      // std::int64_t
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/memory/architecture.h"

namespace numscope::memory {

/// How one cached vector (a K or V head, or MLA's latent) of `length` elements is stored.
struct KvFormat {
  std::string name;              // bf16, e4m3, int8, nvfp4, ...
  double element_bits = 16;      // bits per element
  double scale_bits_per_vector = 0;  // int8/int4: fp16 scale + fp16 zero point; block schemes: their scales
  std::string scale_note;        // "fp16 scale and zero point per token and head"
  double vector_bits(std::int64_t length) const;  // element_bits·length + scales (block schemes exact per block)
  bool block_scheme = false;     // nvfp4, mxfp8, ...: scales per block along the vector
};

/// Resolves a --kv name: a registry format (bf16, fp16, fp32, e4m3/fp8, e5m2, int8, int4) or a block scheme
/// (nvfp4, mxfp8, mxfp4, ...). Throws InputError naming what is accepted.
KvFormat kv_format(std::string_view name);

struct KvRequest {
  std::int64_t batch = 1, seq = 0;
  std::int64_t block = 0;   // paged allocation: tokens per block, each sequence rounds up (0: none)
  std::int64_t tp = 1;      // tensor parallelism splits the KV heads (MLA's latent is replicated on every rank)
  std::int64_t images = 1;  // images per sequence for cross-attention layers
};

/// One row of the KV cache (self-attention, or cross-attention for vision models).
struct KvRow {
  std::string name;     // kv_cache, kv_cache_cross
  double elements = 0;  // cached elements, one replica
  double bytes = 0;     // one replica, scales included
  double per_gpu_bytes = 0;
  std::string formula;
};

/// The KV cache rows for `r` (empty when the model caches nothing). Exact in double for sizes below 2^53 bytes.
std::vector<KvRow> kv_cache_rows(const Architecture& a, const KvFormat& f, const KvRequest& r);

/// Bytes one token adds to one sequence's cache when no window caps it (every self-attention layer), in the
/// given format: the figure vLLM's KV specs give per token (e.g. DeepSeek V3 in bf16: 61 × 576 × 2 = 70,272 B).
double kv_bytes_per_token(const Architecture& a, const KvFormat& f);

}  // namespace numscope::memory
