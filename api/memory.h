// `memory`: the LLM memory estimate (weights, gradients, optimizer, activations, KV cache, LoRA, GPU fit) as
// tables, and the built-in model and GPU listings.
#pragma once

#include <memory>   // std::shared_ptr
#include <string>   // std::string
#include <utility>  // std::pair
#include <vector>   // std::vector

#include "numscope/support/result.h"

namespace numscope::memory {
struct GgufModel;  // memory/gguf_model.h
}  // namespace numscope::memory

namespace numscope::api {

struct MemoryRequest {
  /// Estimator options as (key, value), in the order given: any row of memory/options.h under any spelling
  /// ("kv_heads" or "kv-heads"); a switch (tied, sp) takes "" or true/false; gpu may repeat. Example:
  /// {{"model", "llama-3-8b"}, {"seq", "8192"}, {"batch", "1"}}.
  std::vector<std::pair<std::string, std::string>> options;
  bool list_models = false;  // the built-in models instead of an estimate
  bool list_gpus = false;    // the GPU catalog instead of an estimate (both listings when both are set)
  /// The model of option gguf=NAME when the caller has read the file itself (the web page reads a GGUF's header
  /// and tensor table only: io/gguf.h parse_gguf_head); the estimate then does not open NAME.
  std::shared_ptr<const memory::GgufModel> gguf_model;
};

/// An estimate: table "breakdown" (name, dtype, bytes_per_element, elements, bytes, per_gpu_bytes, formula; the
/// last row is the total), "params" when the architecture has parts (MoE experts, a vision tower, MTP), "fit"
/// (gpu, capacity_bytes, need_per_gpu_bytes, fits, gpus_needed, how) with gpu options, "overflow" (dtype,
/// used_for, value, stored, status, max) with max-abs. Listings: tables "models" and/or "gpus".
/// Throws InputError naming the option for bad or contradictory options.
///
/// **Example**:
///   Result r = api::memory({.options = {{"params", "7B"}, {"weights", "fp16"}}});
///   r.table("breakdown").rows.back()  // total: bytes 14000000000
Result memory(const MemoryRequest& request);

}  // namespace numscope::api
