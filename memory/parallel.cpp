// Parallel layouts (see parallel.h): resolving and checking the degrees, the pipeline stages, the GPU search.
#include "numscope/memory/parallel.h"

#include <algorithm>  // std::min
#include <numeric>    // std::gcd

#include "numscope/support/error.h"

namespace numscope::memory {
namespace {

constexpr std::int64_t kMaxDegree = std::int64_t{1} << 20;  // no parallel degree beyond a million is meant
constexpr std::int64_t kMaxGpus = std::int64_t{1} << 24;    // nor more than 16.7 million GPUs
// The GPUs-needed search tries TP up to and PP up to this many (one estimate each): the largest clusters run TP 8-64
// and PP tens of stages, and a config of 20,000 huge layers that fits nowhere must not search for minutes.
constexpr std::int64_t kMaxSearchDegree = 1024;

std::string n(std::int64_t v) { return std::to_string(v); }

void check_degree(const std::optional<std::int64_t>& v, const char* flag, std::int64_t max) {
  if (v && *v > max)
    throw InputError(std::string(flag) + " " + n(*v) + " is absurd: at most " + n(max) + " (a degree of parallelism)");
}

}  // namespace

std::string layout_text(std::int64_t tp, std::int64_t pp, std::int64_t dp, int zero, std::int64_t ep) {
  std::vector<std::string> parts;
  if (dp > 1) parts.push_back((zero > 0 ? "ZeRO-" + std::to_string(zero) + " " : std::string()) + "DP=" + n(dp));
  if (tp > 1) parts.push_back("TP=" + n(tp));
  if (pp > 1) parts.push_back("PP=" + n(pp));
  std::string out = parts.empty() ? "1 GPU" : join(parts, " × ");
  if (ep > 1) out += ", EP=" + n(ep);  // over the tensor- and data-parallel ranks: no GPUs of its own
  return out;
}

Layout resolve_layout(const MemoryRequest& r, const std::optional<Architecture>& arch, int zero, bool hybrid) {
  check_degree(r.tp, "--tp", kMaxDegree);
  check_degree(r.pp, "--pp", kMaxDegree);
  check_degree(r.dp, "--dp", kMaxDegree);
  check_degree(r.ep, "--ep", kMaxDegree);
  check_degree(r.gpus, "--gpus", kMaxGpus);
  check_degree(r.gpus_per_node, "--gpus-per-node", kMaxDegree);
  check_degree(r.micro_batches, "--micro-batches", kMaxDegree);
  Layout l;
  l.tp = r.tp.value_or(1);
  l.pp = r.pp.value_or(1);
  l.ep = r.ep.value_or(1);
  if (l.ep > 1 && (!arch || arch->experts == 0))
    throw InputError("--ep (expert parallelism) needs a mixture-of-experts model (--model mixtral-8x7b, --experts)");
  if (l.ep > 1 && arch->experts % l.ep != 0)
    throw InputError("--ep " + n(l.ep) + " must divide the expert count " + n(arch->experts));
  // One replica spans tp · pp GPUs (at most 2^40: no overflow); the data-parallel degree multiplies it to the GPU
  // count. Expert parallelism draws its ranks from the tp · dp GPUs of a pipeline stage: ep must divide tp · dp
  // (vLLM's expert parallelism uses all of them, ep = tp · dp; Megatron-Core's a subset).
  const std::int64_t model = l.tp * l.pp;
  const std::string degrees = "--tp " + n(l.tp) + " × --pp " + n(l.pp);
  if (r.gpus && r.dp) {
    l.gpus = *r.gpus;
    l.dp = *r.dp;
    if (model * l.dp != l.gpus)
      throw InputError(degrees + " × --dp " + n(l.dp) + " = " + n(model * l.dp) + " GPUs, but --gpus is " +
                       n(l.gpus) + ": the data, tensor and pipeline degrees multiply to the GPU count");
  } else if (r.gpus) {
    l.gpus = *r.gpus;
    if (model > l.gpus)
      throw InputError("--tp " + n(l.tp) + (l.pp > 1 ? " × --pp " + n(l.pp) : std::string()) + " contradicts --gpus " +
                       n(l.gpus) + ": tensor and pipeline parallelism need at least tp · pp = " + n(model) + " GPUs");
    if (l.gpus % model != 0)
      throw InputError("--gpus " + n(l.gpus) + " is not a multiple of " +
                       (l.pp > 1 ? degrees + " = " + n(model) : "--tp " + n(l.tp)) +
                       ": the data-parallel degree would not be whole");
    l.dp = l.gpus / model;
  } else {
    // Without --gpus or --dp, the fewest data-parallel ranks that give --ep its ranks.
    l.dp = r.dp.value_or(l.ep / std::gcd(l.ep, l.tp));
    if (model * l.dp > kMaxGpus)
      throw InputError(degrees + " × --dp " + n(l.dp) + " = " + n(model * l.dp) + " GPUs is absurd: at most " +
                       n(kMaxGpus));
    l.gpus = model * l.dp;
  }
  if (l.ep > 1 && (l.tp * l.dp) % l.ep != 0)
    throw InputError("--ep " + n(l.ep) + " must divide tp × dp = " + n(l.tp) + " × " + n(l.dp) +
                     ": expert-parallel ranks are the tensor- and data-parallel GPUs of a pipeline stage");
  if (arch) {
    if (arch->heads % l.tp != 0)
      throw InputError("--tp " + n(l.tp) + " must divide the attention head count " + n(arch->heads));
    if (l.pp > arch->layers)
      throw InputError("--pp " + n(l.pp) + " exceeds the " + n(arch->layers) +
                       " transformer layers: every pipeline stage needs at least one layer");
  }
  l.gpus_per_node = r.gpus_per_node.value_or(std::min<std::int64_t>(l.gpus, 8));
  if (l.gpus > l.gpus_per_node && l.gpus % l.gpus_per_node != 0)
    throw InputError("--gpus " + n(l.gpus) + " is not a multiple of --gpus-per-node " + n(l.gpus_per_node) +
                     ": the nodes would not be whole");
  l.nodes = (l.gpus + l.gpus_per_node - 1) / l.gpus_per_node;
  // ZeRO partitions the dense layers' state over the data-parallel ranks (the experts' over tp · shard / ep).
  l.shard = l.dp;
  if (hybrid) {
    if (zero == 0) throw InputError("hybrid sharding needs a ZeRO stage (--zero 2 or 3, or --fsdp hybrid_shard)");
    const std::int64_t tp_pp = l.tp * l.pp;
    if (l.gpus_per_node % tp_pp != 0)
      throw InputError("hybrid sharding shards within a node: --gpus-per-node " + n(l.gpus_per_node) +
                       " must be a multiple of tp · pp = " + n(tp_pp));
    l.shard = std::min(l.shard, l.gpus_per_node / tp_pp);
  }
  l.micro_batches = r.micro_batches.value_or(l.pp);
  return l;
}

std::vector<Stage> pipeline_stages(const std::optional<Architecture>& arch, std::int64_t params, const Layout& l,
                                   bool training) {
  std::vector<Stage> out;
  const std::int64_t pp = l.pp;
  for (std::int64_t k = 0; k < pp; ++k) {
    Stage s;
    s.index = k;
    s.first = k == 0;
    s.last = k == pp - 1;
    s.in_flight = training ? std::min(pp - k, l.micro_batches) : 1;
    out.push_back(s);
  }
  if (!arch) {
    for (Stage& s : out) s.params = static_cast<double>(params) / static_cast<double>(pp);
    return out;
  }
  const Architecture& a = *arch;
  const ParamBreakdown b = param_breakdown(a);
  const std::int64_t L = a.layers, final_norm = a.norm == Norm::kRms ? a.hidden : 2 * a.hidden;
  // The decoder layers' parameters, shared in proportion to each stage's layers (exact when the layers are alike;
  // DeepSeek's dense first layers and Gemma's local/global mixes are averaged).
  const double body = static_cast<double>(b.total - b.embedding - b.head - final_norm - b.vision);
  // Megatron-LM keeps a copy of tied word embeddings on the last stage for the output layer when pp > 1.
  const std::int64_t head = a.tied ? (pp > 1 ? a.vocab * a.hidden : 0) : b.head;
  const std::int64_t base = L / pp, extra = L % pp;
  for (Stage& s : out) {
    // The layers that do not divide evenly go to the stages after the first, which holds the embedding.
    s.layers = pp == 1 ? L : base + (s.index >= 1 && s.index <= extra ? 1 : 0);
    const double share = static_cast<double>(s.layers) / static_cast<double>(L);
    s.params = body * share;
    s.linear = static_cast<double>(b.linear) * share;
    s.expert = static_cast<double>(b.routed_experts) * share;
    if (s.first) s.params += static_cast<double>(b.embedding + b.vision);
    if (s.last) s.params += static_cast<double>(head + final_norm);
    // A GGUF file's element count may differ from the architecture's formula (extra tensors): scale to it.
    if (params != b.total) s.params *= static_cast<double>(params) / static_cast<double>(b.total);
  }
  return out;
}

std::optional<Placement> fewest_gpus(const Plan& p, double capacity,
                                     const std::function<std::optional<double>(const Plan&)>& need) {
  std::optional<Placement> best;
  auto fits = [&](const Plan& q) {
    const auto v = need(q);
    return v && *v <= capacity;
  };
  auto with_layout = [&](std::int64_t tp, std::int64_t pp, std::int64_t dp, int zero) {
    Plan q = p;
    q.zero = zero;
    Layout& l = q.layout;
    l.tp = tp;
    l.pp = pp;
    l.dp = dp;
    l.gpus = tp * pp * dp;  // the request's expert parallelism stays: dp is at least ep / gcd(ep, tp)
    l.shard = dp;
    l.gpus_per_node = std::min<std::int64_t>(l.gpus, p.layout.gpus_per_node);
    l.nodes = (l.gpus + l.gpus_per_node - 1) / l.gpus_per_node;
    l.micro_batches = p.micro_batches_given ? p.layout.micro_batches : pp;
    return q;
  };
  const std::int64_t ep = p.layout.ep;
  auto consider = [&](std::int64_t tp, std::int64_t pp, std::int64_t dp, int zero) {
    const std::int64_t g = tp * pp * dp;
    if (best && (g > best->gpus || (g == best->gpus && tp <= best->tp))) return;
    best = Placement{g, tp, pp, dp, layout_text(tp, pp, dp, dp > 1 ? zero : 0, ep)};
  };
  // Tensor × pipeline parallelism: TP over the divisors of the head count, PP over any split of the layers.
  if (p.arch) {
    for (std::int64_t tp = 1; tp <= std::min(p.arch->heads, kMaxSearchDegree); ++tp) {
      if (p.arch->heads % tp != 0) continue;
      const std::int64_t dp = ep / std::gcd(ep, tp);  // the fewest that give the experts their ranks
      for (std::int64_t pp = 1; pp <= std::min(p.arch->layers, kMaxSearchDegree); ++pp) {
        if (best && tp * pp * dp > best->gpus) break;
        if (fits(with_layout(tp, pp, dp, p.zero))) {
          consider(tp, pp, dp, p.zero);
          break;
        }
      }
    }
  } else {
    // Weights only: the parameters split evenly over n GPUs; the per-GPU need falls with n, so bisect.
    std::int64_t hi = 1;
    while (hi < kMaxDegree && !fits(with_layout(hi, 1, 1, p.zero))) hi *= 2;
    if (fits(with_layout(hi, 1, 1, p.zero))) {
      std::int64_t lo = hi / 2;
      while (hi - lo > 1) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        (fits(with_layout(mid, 1, 1, p.zero)) ? hi : lo) = mid;
      }
      consider(hi, 1, 1, p.zero);
    }
  }
  // Training: ZeRO-3 data parallelism over the request's TP × PP (the activations do not shard, so it may never fit).
  if (p.training()) {
    const std::int64_t tp = p.layout.tp, pp = p.layout.pp;
    std::int64_t hi = 1;
    const std::int64_t step = ep / std::gcd(ep, tp);  // dp must keep ep | tp · dp
    auto zero3 = [&](std::int64_t d) { return fits(with_layout(tp, pp, d * step, 3)); };
    while (hi < kMaxDegree && !zero3(hi)) hi *= 2;
    if (zero3(hi)) {
      std::int64_t lo = hi / 2;
      while (hi - lo > 1) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        (zero3(mid) ? hi : lo) = mid;
      }
      const std::int64_t dp = hi * step, g = dp * tp * pp;
      if (!best || g <= best->gpus) best = Placement{g, tp, pp, dp, layout_text(tp, pp, dp, 3, ep)};
    }
  }
  return best;
}

}  // namespace numscope::memory
