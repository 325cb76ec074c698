// The rows of a plan (internal to memory/): one formula per row, sharded by the layout and ZeRO, on the most
// loaded pipeline stage; the inference peak of one layer; totals, host memory and the fit's per-GPU need.
#pragma once

#include <string>  // std::string

#include "numscope/memory/estimate.h"
#include "numscope/memory/plan.h"

namespace numscope::memory {

/// The breakdown of a plan: its rows on the pipeline stage with the largest per-GPU need, the totals, the host
/// and NVMe memory per node, and notes. Fits, speeds and overflow checks are added by estimate().
MemoryEstimate estimate_plan(const Plan& p);

/// Inference: the elements of one layer's live tensors per GPU while b sequences run q new positions against ctx
/// keys: the residual stream (h) plus the larger of the MLP's intermediates (gate, up and their activated product
/// for a gated MLP: 3·I; up and its activation for a plain one: 2·I; I × experts per token for MoE) and the
/// attention's (q, k, v and the output: (2·heads + 2·kv_heads)·head_dim, plus the scores and their softmax,
/// 2·heads·ctx, unless FlashAttention computes them in tiles). The order of Hugging Face's modeling_llama.py.
double layer_transient_elements(const Architecture& a, double b, double q, double ctx, std::int64_t tp, bool flash,
                                std::string* formula = nullptr);

}  // namespace numscope::memory
