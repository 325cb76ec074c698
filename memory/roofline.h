// Roofline bounds on speed (Williams et al. 2009, as LLM-Viewer's roofline_model.py and llm-analysis's latency
// functions apply them to LLMs): no step runs faster than its bytes over the memory bandwidth or its FLOPs over
// the card's peak for the format it computes in. Upper bounds on tokens/s, lower bounds on time; never predictions.
#pragma once

#include <cstdint>  // std::int64_t
#include <string>   // std::string

#include "numscope/memory/estimate.h"
#include "numscope/memory/gpu.h"
#include "numscope/memory/plan.h"

namespace numscope::memory {

/// The format the plan's matrix multiplications run in on the card: fp8 and fp4 weights in their own format where
/// the generation runs it natively, 16- and 32-bit float weights in theirs, weight-only schemes (int8, int4, nf4,
/// q4_0, ...) in the activation dtype they are dequantized to; fp16 on cards without bf16 (Volta, Turing).
/// `why` gets the reason when the choice differs from the weights' format.
std::string compute_format(const Plan& p, const Gpu& g, std::string* why = nullptr);

/// Parameters whose weights a token touches: all of them, less the routed experts a MoE layer does not choose
/// (ParamBreakdown::active).
double active_params(const Plan& p);

/// The bounds for the plan's batch on tp · pp copies of the card (pipeline stages in sequence for one token):
/// decode tokens/s ≤ b / max((weights + KV cache) / (tp · bandwidth), 2 · P_active · b / (tp · peak));
/// prefill ≥ max(FLOPs / (tp · pp · peak), weights / (tp · pp · bandwidth)) with FLOPs = 2 · P_active · b · s +
/// 2 · L · b · s² · heads · head_dim (causal attention); training step ≥ c · P_active · b · s · M / (tp · pp · peak)
/// with c = 6 (2 forward + 4 backward), 8 with full recomputation, 4 + 6 · P_lora / P for adapters.
Speed speed_bounds(const Plan& p, const MemoryEstimate& e, const Gpu& g, std::int64_t tp, std::int64_t pp,
                   const std::string& how);

}  // namespace numscope::memory
