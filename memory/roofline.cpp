// Roofline bounds (see roofline.h).
#include "numscope/memory/roofline.h"

#include <algorithm>  // std::max, std::min

#include "numscope/memory/kv_cache.h"

namespace numscope::memory {

std::string compute_format(const Plan& p, const Gpu& g, std::string* why) {
  const std::string w = p.weights.name;
  auto note = [&](const std::string& s) {
    if (why) *why = s;
  };
  std::string f;
  if (w == "fp32") f = "fp32";
  else if (w == "bf16" || w == "fp16") f = w;
  else if ((w == "e4m3" || w == "e5m2") && g.supports("fp8")) f = "fp8";
  else if ((w == "e2m1" || w == "nvfp4" || w == "mxfp4") && g.supports("fp4")) f = "fp4";
  else {
    f = p.act.name;  // weight-only quantization: dequantized to the activation dtype before the multiply
    note(w + " weights are dequantized to " + f);
  }
  if (f == "bf16" && !g.supports("bf16")) {
    note(g.generation + " has no bf16 tensor cores: the bound uses fp16");
    f = "fp16";
  }
  if (f == "fp8" && !g.supports("fp8")) f = g.supports("bf16") ? "bf16" : "fp16";
  return f;
}

double active_params(const Plan& p) {
  const double P = static_cast<double>(p.params);
  if (p.gguf) return static_cast<double>(p.gguf->active_elements);  // counted from the file's expert tensors
  if (!p.arch || p.arch->experts == 0) return P;
  return static_cast<double>(param_breakdown(*p.arch).active);
}

Speed speed_bounds(const Plan& p, const MemoryEstimate& e, const Gpu& g, std::int64_t tp, std::int64_t pp,
                   const std::string& how) {
  Speed s;
  s.gpu = g.name;
  s.gpus = tp * pp;
  s.how = how;
  std::string why;
  s.compute_format = compute_format(p, g, &why);
  s.note = why;
  const auto peak = g.peak(s.compute_format);
  if (g.bandwidth <= 0 || !peak) {
    s.note = g.custom ? "a card given by size has no bandwidth or peak: name a catalog card (--gpu H100:94GiB)"
                      : g.name + " has no " + s.compute_format + " figure in the catalog";
    return s;
  }
  // The GPUs that read and compute one token's layer side by side: the tensor-parallel ranks (and the expert-
  // parallel ranks, which are tensor- or data-parallel ranks of the stage, for the experts).
  const double bw = g.bandwidth, t = static_cast<double>(std::max(tp, p.layout.ep)),
               n = static_cast<double>(tp * pp);
  const double P = static_cast<double>(p.params), Pa = active_params(p);
  // Weight bytes a step reads: the weight rows, less the experts a token does not use.
  double weight_bytes = 0;
  for (const Component& c : e.components)
    if (c.name.rfind("weights", 0) == 0 || c.name == "lora_weights") weight_bytes += c.bytes;
  weight_bytes *= Pa / P;
  if (!p.training()) {
    const double b = p.batch ? static_cast<double>(*p.batch) : 1, ctx = p.seq ? static_cast<double>(*p.seq) : 0;
    double attn = 0;
    if (p.arch)
      attn = 2.0 * static_cast<double>(p.arch->layers * p.arch->heads * p.arch->head_dim);  // per query, per key
    // The KV cache one tensor-parallel rank reads, over every stage: its share of the KV heads (one head at
    // least), or MLA's whole latent, which every rank holds (kv_cache.h).
    double kv_rank = e.kv_cache / t;
    if (p.arch && p.seq) {
      KvRequest kr;
      kr.batch = p.batch ? *p.batch : 1;
      kr.seq = *p.seq;
      kr.block = p.kv_block;
      kr.tp = tp;
      kr.images = p.images;
      kv_rank = 0;
      for (const KvRow& k : kv_cache_rows(*p.arch, p.kv, kr)) kv_rank += k.per_gpu_bytes;
    }
    const double decode_flops = 2 * Pa * b + 2 * attn * b * ctx;
    const double step = std::max((weight_bytes / t + kv_rank) / bw, decode_flops / (t * *peak));
    s.decode_tokens_per_s = b / step;
    if (p.seq) {
      const double prefill_flops = 2 * Pa * b * ctx + attn * b * ctx * ctx;  // causal: half of 2 · 2 · s² per head
      s.prefill_s = std::max(prefill_flops / (n * *peak), weight_bytes / (n * bw));
    }
  } else {
    // A step of every data-parallel replica: all the layout's GPUs over the global batch (the same bound as one
    // replica's tp · pp GPUs over its own b · s · micro-batches tokens).
    const double dp = static_cast<double>(std::max<std::int64_t>(p.layout.dp, 1));
    s.gpus = tp * pp * static_cast<std::int64_t>(dp);
    if (p.seq) {
      const double tokens = static_cast<double>(*p.batch) * static_cast<double>(*p.seq) *
                            static_cast<double>(p.layout.micro_batches) * dp;
      double c = p.adapters() ? 4 + 6 * static_cast<double>(e.trainable_params) / P : 6;
      if (p.recompute == Recompute::kFull) c += 2;  // one more forward pass
      s.train_step_s = c * Pa * tokens / (n * dp * *peak);
    }
  }
  return s;
}

}  // namespace numscope::memory
