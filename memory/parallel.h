// Parallel layouts for the estimator: the data × tensor × pipeline × expert degrees of a request, what each
// pipeline stage holds (Megatron-LM: the embedding on the first stage, the output head on the last, layers split
// as evenly as the count allows), the micro-batches each stage keeps in flight under 1F1B (Narayanan et al. 2021),
// and the search for the fewest GPUs that hold a job.
#pragma once

#include <cstdint>     // std::int64_t
#include <functional>  // std::function
#include <optional>    // std::optional
#include <string>      // std::string
#include <vector>      // std::vector

#include "numscope/memory/plan.h"

namespace numscope::memory {

/// Resolves the degrees of a request: fills the unset ones (tp 1, pp 1, ep 1, dp = gpus / (tp · pp · ep), gpus per
/// node min(gpus, 8), micro-batches pp), checks that tp · pp · ep · dp = gpus, that ep divides the expert count, tp
/// the head count, pp at most the layer count, and that the GPUs fill whole nodes. Throws InputError naming the
/// flags and what would be accepted.
Layout resolve_layout(const MemoryRequest& r, const std::optional<Architecture>& arch, int zero, bool hybrid);

/// What one pipeline stage holds (all counts in parameters, before tensor parallelism).
struct Stage {
  std::int64_t index = 0;
  std::int64_t layers = 0;   // transformer layers on the stage
  double params = 0;         // its layers, plus the embedding (first stage) and the output head (last stage)
  double linear = 0;         // of which the linear layers of the blocks (what QLoRA stores in NF4)
  double expert = 0;         // of which MoE expert weights (split over the expert-parallel ranks)
  bool first = true, last = true;
  std::int64_t in_flight = 1;  // micro-batches whose activations it keeps: min(pp - index, micro-batches) in 1F1B
};

/// Every stage of the layout. Without an architecture (--params) the parameters split evenly. With pp > 1 and tied
/// embeddings the last stage keeps its own copy of the embedding for the head (Megatron-LM).
std::vector<Stage> pipeline_stages(const std::optional<Architecture>& arch, std::int64_t params, const Layout& l,
                                   bool training);

/// The fewest GPUs whose per-GPU need fits `capacity`, and how. `need(layout)` is the per-GPU need of a layout
/// (nullopt: the layout is invalid). Inference tries tensor parallelism over the divisors of the head count times
/// any pipeline depth up to the layer count (the fewest GPUs win, then the widest TP); training also tries ZeRO-3
/// data parallelism over the request's TP × PP.
struct Placement {
  std::int64_t gpus = 0, tp = 1, pp = 1, dp = 1;
  std::string how;  // "1 GPU", "TP=2", "PP=5", "TP=2 × PP=3", "ZeRO-3 DP=4", "ZeRO-3 DP=4 × TP=2"
};
std::optional<Placement> fewest_gpus(const Plan& p, double capacity,
                                     const std::function<std::optional<double>(const Plan&)>& need);

/// "TP=2 × PP=3" for a layout (with "ZeRO-3 DP=4" first when data parallelism shards); "1 GPU" for one.
std::string layout_text(std::int64_t tp, std::int64_t pp, std::int64_t dp, int zero, std::int64_t ep = 1);

}  // namespace numscope::memory
