// The estimator's resolved request (internal to memory/): every default applied, every contradiction refused,
// dtypes resolved to byte widths, the parallel layout and the ZeRO, offload and inference-peak settings.
#pragma once

#include <cstdint>      // std::int64_t
#include <memory>       // std::shared_ptr
#include <optional>     // std::optional
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/formats/format.h"
#include "numscope/memory/checkpoint.h"
#include "numscope/memory/estimate.h"
#include "numscope/memory/gguf_model.h"
#include "numscope/memory/kv_cache.h"

namespace numscope::memory {

/// A dtype of the breakdown: a registry format (the overflow check runs on it) or a storage scheme.
struct Dtype {
  std::string name;              // canonical: "bf16", "nf4", "int4-g128"
  double bits = 0;               // storage bits per element, scales included
  std::optional<Format> format;  // set for registry formats
  bool is_float() const { return format && format->kind == Kind::kFloat; }
  double bytes() const { return bits / 8.0; }
};

/// Resolves a dtype name ("fp8" is e4m3, vLLM's kv_cache_dtype); throws InputError naming --flag.
Dtype resolve_dtype(std::string_view name, std::string_view flag);

/// The parallel layout: tp · pp · ep · dp = gpus. Each of the ep expert-parallel ranks holds experts / ep of every
/// MoE layer and is a data-parallel rank of the dense layers, which so see dp · ep of them; ZeRO partitions the dense
/// state over `shard` ranks (dp · ep, or the ranks of one node with hybrid sharding) and the experts' over shard / ep; `micro_batches` is the number of micro-batches per step (1F1B keeps min(pp - stage, M) in flight).
struct Layout {
  std::int64_t gpus = 1, tp = 1, pp = 1, dp = 1, ep = 1;
  std::int64_t gpus_per_node = 1, nodes = 1, shard = 1, micro_batches = 1;
};

struct Plan {
  Mode mode = Mode::kInference;
  std::optional<Architecture> arch;
  std::optional<GgufModel> gguf;  // --gguf: the weights are the file's tensors
  // --config DIR: the directory's safetensors shards (headers; shared: the GPU search copies the plan often)
  std::shared_ptr<const CheckpointFiles> checkpoint;
  std::int64_t params = 0;
  Dtype weights, trained, grads, opt_dtype, act;
  KvFormat kv;
  std::string weights_from;  // where the default weights dtype came from (the checkpoint's quantization_config)
  std::int64_t kv_block = 0, images = 1;
  bool quantize_embeddings = false;
  std::optional<Dtype> master;
  Optimizer optimizer = Optimizer::kNone;
  Recompute recompute = Recompute::kNone;
  bool recompute_defaulted = false;  // lora / qlora: full recompute unless --recompute says otherwise
  std::optional<std::int64_t> batch, seq;  // seq given: batch defaults to 1
  bool sequence_parallel = false;
  bool flash_attention = true;
  Logits logits = Logits::kLast;
  bool logits_fp32 = true;
  double cuda_context = 0;
  int zero = 0;
  ZeroAccounting accounting = ZeroAccounting::kDeepSpeed;
  Device offload_optimizer = Device::kGpu, offload_params = Device::kGpu;
  bool zero_init = true;
  std::int64_t largest_layer = 0;  // DeepSpeed's largest_layer_params (0: unknown)
  bool zero_buckets = false;
  Layout layout;
  bool micro_batches_given = false;  // --micro-batches set (else M follows pp)
  std::int64_t lora_rank = 0;
  std::vector<std::string> lora_targets;
  bool kv_defaulted = false;
  std::optional<double> overhead_fraction, overhead_bytes;

  bool training() const { return mode != Mode::kInference; }
  /// Inference on a GGUF file with no --weights: the weight rows are the file's tensors by ggml type.
  bool gguf_weights() const { return gguf && mode == Mode::kInference && !weights_given; }
  bool weights_given = false;
  bool adapters() const { return mode == Mode::kLora || mode == Mode::kQlora; }
};

/// Applies the defaults and refuses contradictions; throws InputError naming the flags.
Plan make_plan(const MemoryRequest& r);

/// LoRA adapter parameters: r·(d_in + d_out) per adapted matrix (Hu et al. 2021), per family's module names.
std::int64_t lora_params(const Architecture& a, std::int64_t rank, const std::vector<std::string>& targets);

/// Splits "fp32,fp16, int8" on commas (a comma always separates values, never groups digits); an empty item is
/// refused naming --flag.
std::vector<std::string> split_list(std::string_view text, std::string_view flag);

/// "a, b, c".
std::string join(const std::vector<std::string>& v, std::string_view sep);

}  // namespace numscope::memory
