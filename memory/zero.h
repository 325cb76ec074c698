// ZeRO, FSDP and offload for the estimator: which rows each stage partitions, where offload puts them, DeepSpeed's
// gathered-layer buffer, communication buckets and host-memory formulas (microsoft/DeepSpeed at 38327e07,
// deepspeed/runtime/zero/stage_1_and_2.py estimate_zero2_model_states_mem_needs and deepspeed/runtime/zero/stage3.py
// estimate_zero3_model_states_mem_needs), or the ZeRO paper's Table 1 (Rajbhandari et al. 2019).
#pragma once

#include <cstdint>   // std::int64_t
#include <optional>  // std::optional
#include <string>    // std::string
#include <vector>    // std::vector

#include "numscope/memory/plan.h"

namespace numscope::memory {

/// The kinds of rows ZeRO treats differently.
enum class ZeroRow : std::uint8_t {
  kWeights,        // the trained dtype's parameters: partitioned from stage 3
  kGradients,      // the trained dtype's gradients: from stage 2
  kGradientsFp32,  // DeepSpeed's fp32 gradient partition (the optimizer's .grad): from stage 1
  kOptimizer,      // optimizer states: from stage 1
  kMaster,         // the fp32 master copy: from stage 1
  kGatherBuffer,   // ZeRO-3: one layer's gathered 16-bit parameters and gradients (never partitioned)
  kBucket,         // a communication bucket (never partitioned)
  kFixed,          // not a ZeRO row (activations, KV cache, logits, overhead)
};

/// The first ZeRO stage that partitions the row over the data-parallel ranks (0: never).
int zero_partition_stage(ZeroRow row);

/// Where the row lives. offload_optimizer moves the optimizer states, the master copy and the fp32 gradient
/// partition, and at stages 1-2 the 16-bit gradient partition too (DeepSpeed reduces gradients straight into the
/// host's fp32 partition: estimate_zero2 leaves 2·params on the GPU); offload_params moves the 16-bit parameters.
Device zero_device(ZeroRow row, const Plan& p);

/// DeepSpeed's largest_layer_params: the most parameters one module owns directly (model_to_params in stage3.py
/// sums m.parameters(recurse=False) per module): the embedding, the output head, one projection or one expert's
/// projection (Hugging Face transformers 4.x module layout; Phi-3 and GPT-2 fuse q/k/v, Phi-3 gate/up).
std::int64_t largest_layer_params(const Architecture& a);

/// Host memory per node by DeepSpeed's estimators (their cpu_mem, additional_buffer_factor 1.5, truncated to whole
/// bytes as int() does), for full training with mixed-precision Adam, ZeRO 1-3, pure data parallelism and CPU
/// offload (or none). Nothing when the estimators do not cover the plan. `formula` gets the expression.
std::optional<double> deepspeed_host_bytes(const Plan& p, std::string& formula);

/// A DeepSpeed communication bucket with its config default (deepspeed/runtime/zero/config.py).
struct Bucket {
  std::string name;      // reduce_bucket, allgather_bucket, prefetch_bucket
  double elements = 0;   // reduce_bucket_size 5e8, allgather_bucket_size 5e8, stage3_prefetch_bucket_size 5e7
  bool gradients = false;  // holds gradients (else parameters)
  std::string source;
};
/// The buckets a ZeRO stage allocates on each GPU.
std::vector<Bucket> zero_buckets(int stage);

}  // namespace numscope::memory
