// The memory estimator's front (see estimate.h): the plan (plan.cpp; options are parsed by options.cpp), the rows
// (breakdown.cpp), the GPU fit and search (parallel.cpp), the speed bounds (roofline.cpp) and the format engine's
// overflow check.
#include "numscope/memory/estimate.h"

#include <cctype>   // std::isdigit
#include <map>      // std::map

#include "numscope/formats/engine.h"
#include "numscope/formats/number.h"
#include "numscope/formats/properties.h"
#include "numscope/formats/registry.h"
#include "numscope/memory/breakdown.h"
#include "numscope/memory/options.h"
#include "numscope/memory/parallel.h"
#include "numscope/memory/plan.h"
#include "numscope/memory/roofline.h"
#include "numscope/support/ascii.h"
#include "numscope/support/error.h"

namespace numscope::memory {

std::string_view mode_name(Mode m) {
  switch (m) {
    case Mode::kInference: return "inference";
    case Mode::kTrain: return "train";
    case Mode::kLora: return "lora";
    case Mode::kQlora: return "qlora";
  }
  return "inference";
}
std::string_view optimizer_name(Optimizer o) {
  switch (o) {
    case Optimizer::kNone: return "none";
    case Optimizer::kSgd: return "sgd";
    case Optimizer::kMomentum: return "momentum";
    case Optimizer::kAdam: return "adam";
    case Optimizer::kAdamW: return "adamw";
    case Optimizer::kAdam8bit: return "adam8bit";
  }
  return "none";
}
std::string_view recompute_name(Recompute r) {
  switch (r) {
    case Recompute::kNone: return "none";
    case Recompute::kSelective: return "selective";
    case Recompute::kFull: return "full";
  }
  return "none";
}

std::string_view device_name(Device d) {
  switch (d) {
    case Device::kGpu: return "gpu";
    case Device::kCpu: return "cpu";
    case Device::kNvme: return "nvme";
  }
  return "gpu";
}

double dtype_bytes(std::string_view name, std::string_view flag) { return resolve_dtype(name, flag).bytes(); }

double activation_bytes_per_layer(double s, double b, double h, double a, double linear, std::int64_t t, bool sp,
                                  Recompute recompute) {
  const double sbh = s * b * h, td = static_cast<double>(t);
  // Full recompute keeps only each layer's input, 2sbh (split over t with sequence parallelism).
  if (recompute == Recompute::kFull) return (sp && t > 1) ? 2 * sbh / td : 2 * sbh;
  // Selective recompute drops the attention-score term 5as/h (softmax, its dropout mask and output).
  const double scores = recompute == Recompute::kSelective ? 0 : 5 * a * s / h;
  if (t == 1) return sbh * (linear + scores);
  // Tensor parallel: the 10 of layernorm inputs (4), dropout masks (2) and the first linear layers' inputs (4) stay
  // replicated, the rest (24 for a 4h MLP) is split; sequence parallelism splits the 10 too.
  if (sp) return sbh * (linear / td + scores / td);
  return sbh * (10 + (linear - 10) / td + scores / td);
}

namespace {

void check_overflow(const MemoryRequest& r, const Plan& p, MemoryEstimate& e) {
  const Number x = parse_number(r.max_abs);
  std::vector<std::pair<Dtype, std::string>> used;
  auto use = [&](const Dtype& d, const std::string& what) {
    for (auto& [ud, uses] : used)
      if (ud.name == d.name) {
        uses += ", " + what;
        return;
      }
    used.emplace_back(d, what);
  };
  const bool training = p.mode != Mode::kInference;
  use(p.weights, "weights");
  if (training) {
    if (p.mode != Mode::kTrain) use(p.trained, "adapters");
    use(p.act, "activations");
    use(p.grads, "gradients");
    if (p.master) use(*p.master, "master");
    if (p.optimizer == Optimizer::kMomentum || p.optimizer == Optimizer::kAdam || p.optimizer == Optimizer::kAdamW)
      use(p.opt_dtype, "optimizer");
  } else {
    use(p.act, "activations");
    if (p.seq && !p.kv.block_scheme) use(resolve_dtype(p.kv.name, "kv"), "kv_cache");
  }
  bool fp16_overflow = false;
  for (const auto& [d, what] : used) {
    OverflowCheck c;
    c.dtype = d.name;
    c.value = r.max_abs;
    c.used_for = what;
    if (!d.format) {
      // Block-scaled schemes store x / scale: the scale absorbs the magnitude, so there is nothing to overflow.
      c.stored = "-";
      c.status = "scaled";
      c.max = "-";
      e.overflow.push_back(c);
      continue;
    }
    const Format& f = *d.format;
    const Encoded enc = encode(f, x);
    const Number stored = decode(f, enc.code).number();
    c.stored = exact_decimal(stored);
    const Properties props = properties(f);
    c.max = exact_decimal(f.kind == Kind::kInt ? props.int_max : props.max);
    c.status = std::string(outcome(f, x, enc));  // the engine's one status rule
    if (c.status == "overflow" && same_layout(f, kFp16)) fp16_overflow = true;
    if (f.kind == Kind::kInt && c.status != "exact")
      e.notes.push_back(c.dtype + " holds integers " + exact_decimal(props.int_min) + ".." + c.max +
                        ": quantized weights carry a scale (int8 / int4 schemes such as int8-ch or int4-g128)");
    e.overflow.push_back(c);
  }
  if (fp16_overflow) {
    const std::string as_bf16 = exact_decimal(decode(kBf16, encode(kBf16, x).code).number());
    e.notes.push_back("fp16 overflows at " + r.max_abs + " (max 65504): use bf16 (stores it as " + as_bf16 +
                      "), or loss scaling to keep fp16 gradients in range");
  }
}

}  // namespace

std::optional<double> MemoryEstimate::get(std::string_view key_in) const {
  const std::string key = canonical_key(key_in);
  if (key == "params") return static_cast<double>(params);
  if (key == "trainable-params") return static_cast<double>(trainable_params);
  if (key == "active-params" && breakdown) return static_cast<double>(breakdown->active);
  if (key == "mtp-params" && breakdown) return static_cast<double>(breakdown->mtp);
  if (key == "weights") return weights;
  if (key == "gradients" || key == "grads") return gradients;
  if (key == "optimizer") return optimizer;
  if (key == "master") return master;
  if (key == "activations") return activations;
  if (key == "kv-cache" || key == "kv") return kv_cache;
  if (key == "lora") return lora;
  if (key == "overhead") return overhead;
  if (key == "logits") return logits;
  if (key == "total" || key == "total-bytes") return total_bytes;
  if (key == "per-gpu" || key == "per-gpu-bytes") return per_gpu_bytes;
  if (key == "cuda-context") return cuda_context_bytes;
  if (key == "fit" || key == "fit-bytes") return fit_bytes;
  if (key == "host" || key == "host-bytes") return host_bytes_per_node;
  if (key == "nvme") return nvme_bytes_per_node;
  if (key == "checkpoint-bytes" && checkpoint_files)
    return static_cast<double>(checkpoint_files->tensors.empty() && checkpoint_files->index_total_size
                                   ? *checkpoint_files->index_total_size
                                   : checkpoint_files->bytes);
  if (key == "checkpoint-elements" && checkpoint_files) return static_cast<double>(checkpoint_files->elements);
  for (const Component& c : components)
    if (canonical_key(c.name) == key) return c.bytes;
  return std::nullopt;
}

namespace {

void add_notes(const Plan& plan, MemoryEstimate& e) {
  if (plan.kv_defaulted && plan.seq && plan.mode == Mode::kInference)
    e.notes.push_back("KV cache in " + plan.kv.name + ", the activation dtype (the default; --kv fp8 halves it, as "
                      "serving engines allow when asked)");
  if (!plan.weights_from.empty()) e.notes.push_back("weights: " + plan.weights_from + "; --weights overrides");
  if (plan.gguf)
    for (const std::string& n : plan.gguf->notes) e.notes.push_back(n);
  if (plan.recompute_defaulted && plan.seq)
    e.notes.push_back("--recompute full: LoRA and QLoRA recipes turn gradient checkpointing on (PEFT's "
                      "prepare_model_for_kbit_training); --recompute none counts without it");
  if (plan.training() && plan.seq && plan.recompute == Recompute::kNone)
    e.notes.push_back("activations keep the attention scores (the 5as/h term); FlashAttention-style kernels do "
                      "not store them: --recompute selective drops the term");
  if (plan.zero > 0 && plan.layout.shard == 1)
    e.notes.push_back("ZeRO-" + std::to_string(plan.zero) + " over one data-parallel rank shards nothing; set --gpus");
}

}  // namespace

MemoryEstimate estimate(const MemoryRequest& r) {
  const Plan plan = make_plan(r);
  MemoryEstimate e = estimate_plan(plan);
  if (plan.checkpoint && plan.arch) {
    e.checkpoint_files = *plan.checkpoint;
    e.checkpoint = compare_checkpoint(*plan.arch, *plan.checkpoint);
  }
  add_notes(plan, e);
  auto need = [](const Plan& q) -> std::optional<double> { return estimate_plan(q).fit_bytes; };
  for (const std::string& name : r.gpu) {
    const Gpu g = parse_gpu(name);
    const double capacity = static_cast<double>(g.capacity_bytes);
    Fit f;
    f.gpu = g.name;
    f.capacity_bytes = g.capacity_bytes;
    f.need_bytes = e.fit_bytes;
    f.fits = e.fit_bytes <= capacity;
    if (const auto placed = fewest_gpus(plan, capacity, need)) {
      f.gpus_needed = placed->gpus;
      f.how = placed->how;
      f.tp = placed->tp;
      f.pp = placed->pp;
      f.dp = placed->dp;
    }
    e.fits.push_back(f);
    // Speed bounds on the request's own layout when it fits, else on the fewest GPUs that hold it.
    if (f.fits) {
      e.speeds.push_back(speed_bounds(plan, e, g, plan.layout.tp, plan.layout.pp,
                                      layout_text(plan.layout.tp, plan.layout.pp, plan.layout.dp, plan.zero,
                                                  plan.layout.ep)));
    } else if (f.gpus_needed) {
      Plan q = plan;
      q.layout.tp = f.tp;
      q.layout.pp = f.pp;
      q.layout.dp = f.dp;
      e.speeds.push_back(speed_bounds(q, e, g, f.tp, f.pp, f.how));
    }
  }
  if (!r.max_abs.empty()) check_overflow(r, plan, e);
  return e;
}

}  // namespace numscope::memory
