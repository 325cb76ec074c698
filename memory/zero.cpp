// ZeRO, FSDP and offload rules (see zero.h), transcribed from DeepSpeed's estimators and the ZeRO paper.
#include "numscope/memory/zero.h"

#include <algorithm>  // std::max
#include <cmath>      // std::floor

namespace numscope::memory {

int zero_partition_stage(ZeroRow row) {
  switch (row) {
    case ZeroRow::kWeights: return 3;
    case ZeroRow::kGradients: return 2;
    case ZeroRow::kGradientsFp32:
    case ZeroRow::kOptimizer:
    case ZeroRow::kMaster: return 1;
    case ZeroRow::kGatherBuffer:
    case ZeroRow::kBucket:
    case ZeroRow::kFixed: return 0;
  }
  return 0;
}

Device zero_device(ZeroRow row, const Plan& p) {
  switch (row) {
    case ZeroRow::kOptimizer:
    case ZeroRow::kMaster:
    case ZeroRow::kGradientsFp32: return p.offload_optimizer;
    case ZeroRow::kGradients: return p.zero <= 2 ? p.offload_optimizer : Device::kGpu;
    case ZeroRow::kWeights: return p.offload_params;
    default: return Device::kGpu;
  }
}

std::int64_t largest_layer_params(const Architecture& a) {
  const std::int64_t h = a.hidden, q = a.heads * a.head_dim, kv = a.kv_heads * a.head_dim, I = a.intermediate;
  const bool fused_qkv = a.family == "phi3" || a.family == "gpt2";
  const bool fused_gate_up = a.family == "phi3";
  std::int64_t best = a.vocab * h;                 // embed_tokens (and lm_head, tied or not: the same shape)
  best = std::max(best, a.positions * h);          // learned positions (GPT-2's wpe)
  const std::int64_t qkv_bias = a.qkv_bias ? 1 : 0, mlp_bias = a.mlp_bias ? 1 : 0;
  if (fused_qkv) {
    best = std::max(best, h * (q + 2 * kv) + qkv_bias * (q + 2 * kv));
  } else {
    best = std::max(best, h * q + qkv_bias * q);
    best = std::max(best, h * kv + qkv_bias * kv);
  }
  best = std::max(best, q * h + (a.o_bias ? h : 0));  // o_proj
  if (fused_gate_up) best = std::max(best, h * 2 * I + mlp_bias * 2 * I);
  else best = std::max(best, h * I + mlp_bias * I);    // gate_proj, up_proj (per expert for MoE)
  best = std::max(best, I * h + mlp_bias * h);          // down_proj
  if (a.experts > 0) best = std::max(best, h * a.experts);  // the router
  return best;
}

std::optional<double> deepspeed_host_bytes(const Plan& p, std::string& formula) {
  const Layout& l = p.layout;
  const bool adam = p.optimizer == Optimizer::kAdam || p.optimizer == Optimizer::kAdamW;
  const bool mixed = p.master && p.master->name == "fp32" && p.trained.bits == 16 && p.opt_dtype.name == "fp32";
  if (p.mode != Mode::kTrain || p.accounting != ZeroAccounting::kDeepSpeed || p.zero == 0 || !adam || !mixed ||
      l.tp != 1 || l.pp != 1 || l.ep != 1 || p.offload_optimizer == Device::kNvme || p.offload_params == Device::kNvme)
    return std::nullopt;
  // The operands in DeepSpeed's order of evaluation (its products are left to right in binary64), so that the
  // truncation to whole bytes lands on the same integer.
  const double P = static_cast<double>(p.params), gpn = static_cast<double>(l.gpus_per_node),
               total = static_cast<double>(l.gpus), gpus_factor = 1.0 / static_cast<double>(l.nodes);
  constexpr double kBuffer = 1.5;  // additional_buffer_factor, the estimators' default
  const bool cpu = p.offload_optimizer == Device::kCpu;
  double bytes = 0;
  if (p.zero <= 2) {
    // stage_1_and_2.py:2440 (offload) and :2445 (none); stage 1 runs the same optimizer.
    if (cpu) {
      bytes = P * std::max(4 * total, 16.0) * kBuffer;
      formula = "P × max(4·gpus, 16) × 1.5 (DeepSpeed stage_1_and_2.py:2440)";
    } else {
      bytes = P * 4 * gpn * kBuffer;
      formula = "P × 4 × gpus_per_node × 1.5 (model init; DeepSpeed stage_1_and_2.py:2445)";
    }
  } else {
    const bool params_cpu = p.offload_params == Device::kCpu;
    if (params_cpu && !cpu) return std::nullopt;  // the estimator skips offload_param without offload_optimizer
    const double per = params_cpu ? 18 : 16;     // stage3.py:3026/3028 and :3034/3036
    if (cpu) {
      bytes = p.zero_init ? P * per * gpus_factor * kBuffer : P * std::max(4 * gpn, per * gpus_factor) * kBuffer;
      formula = p.zero_init ? "P × " + std::string(params_cpu ? "18" : "16") + " / nodes × 1.5 (zero.Init; DeepSpeed stage3.py:" +
                                  (params_cpu ? "3026)" : "3034)")
                            : "P × max(4·gpus_per_node, " + std::string(params_cpu ? "18" : "16") +
                                  " / nodes) × 1.5 (DeepSpeed stage3.py:" + (params_cpu ? "3028)" : "3036)");
    } else {
      const double largest = static_cast<double>(p.largest_layer);
      bytes = p.zero_init ? largest * 4 * gpn * kBuffer : P * 4 * gpn * kBuffer;
      formula = p.zero_init ? "largest_layer × 4 × gpus_per_node × 1.5 (zero.Init; DeepSpeed stage3.py:3040)"
                            : "P × 4 × gpus_per_node × 1.5 (model init; DeepSpeed stage3.py:3042)";
    }
  }
  return std::floor(bytes);
}

std::vector<Bucket> zero_buckets(int stage) {
  if (stage == 0) return {};
  const Bucket reduce{"reduce_bucket", 5e8, true, "reduce_bucket_size 5e8 (deepspeed/runtime/zero/config.py:109)"};
  if (stage <= 2)
    return {reduce, Bucket{"allgather_bucket", 5e8, false,
                           "allgather_bucket_size 5e8 (deepspeed/runtime/zero/config.py:128)"}};
  return {reduce, Bucket{"prefetch_bucket", 5e7, false,
                         "stage3_prefetch_bucket_size 5e7 (deepspeed/runtime/zero/config.py:208)"}};
}

}  // namespace numscope::memory
