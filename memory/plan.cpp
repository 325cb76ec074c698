// The estimator's plan (see plan.h): dtypes, defaults and the refusal of contradictory requests.
#include "numscope/memory/plan.h"

#include <algorithm>   // std::min
#include <filesystem>  // std::filesystem::is_directory

#include "numscope/formats/properties.h"
#include "numscope/formats/registry.h"
#include "numscope/formats/scheme.h"
#include "numscope/memory/parallel.h"
#include "numscope/memory/zero.h"
#include "numscope/support/ascii.h"
#include "numscope/support/error.h"

namespace numscope::memory {
namespace {

bool arch_flags_given(const MemoryRequest& r) {
  return r.layers || r.hidden || r.heads || r.kv_heads || r.head_dim || r.intermediate || r.vocab || r.experts ||
         r.experts_per_token || r.tied || r.gated_mlp;
}

std::optional<Architecture> arch_from_flags(const MemoryRequest& r) {
  const std::pair<const std::optional<std::int64_t>*, const char*> required[] = {
      {&r.layers, "--layers"}, {&r.hidden, "--hidden"}, {&r.heads, "--heads"},
      {&r.intermediate, "--intermediate"}, {&r.vocab, "--vocab"}};
  for (const auto& [v, name] : required)
    if (!*v)
      throw InputError(std::string("the architecture flags need --layers, --hidden, --heads, --intermediate and "
                                   "--vocab; missing ") + name);
  Architecture a;
  a.name = "custom";
  a.family = "custom";
  a.layers = *r.layers;
  a.hidden = *r.hidden;
  a.heads = *r.heads;
  a.kv_heads = r.kv_heads.value_or(a.heads);
  if (!r.head_dim && a.hidden % a.heads != 0)
    throw InputError("--hidden " + std::to_string(a.hidden) + " is not a multiple of --heads " +
                     std::to_string(a.heads) + "; give --head-dim");
  a.head_dim = r.head_dim.value_or(a.hidden / a.heads);
  a.intermediate = *r.intermediate;
  a.vocab = *r.vocab;
  a.tied = r.tied.value_or(false);
  a.gated_mlp = r.gated_mlp.value_or(true);
  a.experts = r.experts.value_or(0);
  a.experts_per_token = r.experts_per_token.value_or(a.experts > 0 ? std::min<std::int64_t>(2, a.experts) : 0);
  validate(a);
  return a;
}

void resolve_model(const MemoryRequest& r, Plan& p) {
  std::vector<std::string> sources;
  if (!r.model.empty()) sources.push_back("--model");
  if (!r.config.empty()) sources.push_back("--config");
  if (!r.gguf.empty()) sources.push_back("--gguf");
  if (r.params) sources.push_back("--params");
  if (arch_flags_given(r)) sources.push_back("the architecture flags (--layers ...)");
  if (r.architecture) sources.push_back("an architecture");
  if (sources.empty())
    throw InputError("no model: give --model NAME (see --list-models), --config config.json, --params 7B, or "
                     "--layers --hidden --heads --intermediate --vocab");
  if (sources.size() > 1)
    throw InputError("contradictory model sources: " + join(sources, " and ") +
                     "; give exactly one of --model, --config, --params or the architecture flags");
  if (!r.model.empty()) p.arch = find_preset(r.model);
  if (!r.config.empty()) {
    p.arch = load_config_json(r.config);
    std::error_code ec;
    if (std::filesystem::is_directory(r.config, ec))
      if (auto c = read_checkpoint(r.config)) p.checkpoint = std::make_shared<const CheckpointFiles>(std::move(*c));
  }
  if (!r.gguf.empty()) {
    p.gguf = r.gguf_model ? *r.gguf_model : load_gguf_model(r.gguf);
    p.arch = p.gguf->arch;
  }
  if (arch_flags_given(r)) p.arch = arch_from_flags(r);
  if (r.architecture) {
    validate(*r.architecture);
    p.arch = *r.architecture;
  }
  p.params = p.gguf ? static_cast<std::int64_t>(p.gguf->elements) : p.arch ? param_count(*p.arch) : *r.params;
}

// Inference keeps no training state: every training flag is refused with the reason.
void refuse_training_flags(const MemoryRequest& r, const std::string& mode) {
  if (!r.grads.empty()) throw InputError("--grads contradicts " + mode + ": inference keeps no gradients");
  if (!r.master.empty() && ascii_lower(r.master) != "none")
    throw InputError("--master " + r.master + " contradicts " + mode + ": the master copy is a training buffer");
  if (r.optimizer && *r.optimizer != Optimizer::kNone)
    throw InputError("--optimizer " + std::string(optimizer_name(*r.optimizer)) + " contradicts " + mode +
                     ": inference keeps no optimizer states; use --mode train, lora or qlora");
  if (!r.optimizer_dtype.empty())
    throw InputError("--optimizer-dtype contradicts " + mode + ": inference keeps no optimizer states");
  if (r.recompute) throw InputError("--recompute contradicts " + mode + ": recomputation is a training technique");
  if ((r.zero && *r.zero > 0) || !r.fsdp.empty())
    throw InputError(std::string(r.fsdp.empty() ? "--zero " + std::to_string(*r.zero) : "--fsdp " + r.fsdp) +
                     " contradicts " + mode +
                     ": ZeRO and FSDP partition training state (optimizer states, gradients and the parameters the "
                     "optimizer updates); split inference weights with --tp or --pp");
  const std::pair<bool, const char*> training_only[] = {
      {r.zero_accounting.has_value(), "--zero-accounting"}, {r.offload_optimizer.has_value(), "--offload-optimizer"},
      {r.offload_params.has_value(), "--offload-params"},   {r.zero_init.has_value(), "--zero-init"},
      {r.largest_layer.has_value(), "--largest-layer"},     {r.zero_buckets, "--zero-buckets"},
      {r.micro_batches.has_value(), "--micro-batches"},     {r.sequence_parallel, "--sp"}};
  for (const auto& [given, flag] : training_only)
    if (given) throw InputError(std::string(flag) + " contradicts " + mode + ": it describes a training run");
}

void resolve_dtypes(const MemoryRequest& r, Plan& p) {
  // Inference defaults to what the checkpoint stores: its quantization_config, else its torch_dtype.
  std::string weights = r.weights;
  p.weights_given = !r.weights.empty();
  if (weights.empty() && p.mode == Mode::kInference && p.arch) {
    if (!p.arch->quant.scheme.empty()) {
      weights = p.arch->quant.scheme;
      p.weights_from = p.arch->quant.describe;
    } else if (!p.arch->activation_dtype.empty()) {
      weights = p.arch->activation_dtype;
    }
  }
  if (weights.empty()) weights = p.mode == Mode::kQlora ? "nf4" : "bf16";
  p.weights = resolve_dtype(weights, "weights");
  // The trained dtype: the weights themselves (train), or the adapters, kept in the weights' dtype when that is a
  // 16- or 32-bit float and in bf16 over a quantized base (QLoRA: "BFloat16 computation and adapters").
  p.trained = p.weights;
  if (p.adapters() && !(p.weights.is_float() && p.weights.bits >= 16)) p.trained = resolve_dtype("bf16", "weights");
  p.grads = r.grads.empty() ? p.trained : resolve_dtype(r.grads, "grads");
  if (p.training()) {
    if (r.master.empty()) {
      // Mixed precision keeps an fp32 master copy when the trained dtype is narrower (Micikevicius et al. 2018).
      if (p.trained.bits < 32) p.master = resolve_dtype("fp32", "master");
    } else if (ascii_lower(r.master) != "none") {
      p.master = resolve_dtype(r.master, "master");
    }
  }
  p.optimizer = r.optimizer.value_or(p.training() ? Optimizer::kAdamW : Optimizer::kNone);
  if (!r.optimizer_dtype.empty() &&
      (p.optimizer == Optimizer::kNone || p.optimizer == Optimizer::kSgd || p.optimizer == Optimizer::kAdam8bit))
    throw InputError("--optimizer-dtype contradicts --optimizer " + std::string(optimizer_name(p.optimizer)) +
                     (p.optimizer == Optimizer::kAdam8bit ? ": adam8bit fixes its states at 8 bits"
                                                          : ": it keeps no states"));
  p.opt_dtype = resolve_dtype(r.optimizer_dtype.empty() ? "fp32" : r.optimizer_dtype, "optimizer-dtype");
  // The activation dtype: the trained/loaded dtype when it is a 16- or 32-bit float, else the model's torch_dtype,
  // else bf16 (Korthikanti et al. count 16-bit activations; fp32 training doubles them). The KV cache defaults to
  // it: serving engines keep K and V in the activation dtype and make fp8 KV opt-in (vLLM kv_cache_dtype "auto").
  const std::string model_act = p.arch && !p.arch->activation_dtype.empty() ? p.arch->activation_dtype : "bf16";
  p.act = (p.trained.is_float() && p.trained.bits >= 16) ? p.trained : resolve_dtype(model_act, "weights");
  p.kv_defaulted = r.kv.empty();
  p.kv = kv_format(r.kv.empty() ? std::string(p.act.name) : r.kv);
  p.kv_block = r.kv_block.value_or(0);
  p.images = r.images.value_or(1);
  p.quantize_embeddings = r.quantize_embeddings;
  if ((r.kv_block || r.images) && p.training())
    throw InputError(std::string(r.kv_block ? "--kv-block" : "--images") + " contradicts --mode " +
                     std::string(mode_name(p.mode)) + ": the KV cache is an inference buffer");
}

// ZeRO stage, FSDP alias, accounting, offload and DeepSpeed's largest layer.
bool resolve_zero(const MemoryRequest& r, Plan& p) {
  bool hybrid = false;
  p.zero = r.zero.value_or(0);
  if (!r.fsdp.empty()) {
    if (r.zero)
      throw InputError("--fsdp " + r.fsdp + " contradicts --zero " + std::to_string(*r.zero) +
                       ": FSDP's sharding strategies are named ZeRO stages; give one of them");
    const std::string f = ascii_lower(r.fsdp);
    if (f == "full_shard") p.zero = 3;
    else if (f == "shard_grad_op") p.zero = 2;
    else if (f == "no_shard") p.zero = 0;
    else if (f == "hybrid_shard") p.zero = 3, hybrid = true;
    else if (f == "hybrid_shard_zero2") p.zero = 2, hybrid = true;
  }
  p.accounting = r.zero_accounting.value_or(ZeroAccounting::kDeepSpeed);
  p.offload_optimizer = r.offload_optimizer.value_or(Device::kGpu);
  p.offload_params = r.offload_params.value_or(Device::kGpu);
  p.zero_init = r.zero_init.value_or(true);
  p.zero_buckets = r.zero_buckets;
  if (p.zero_buckets && p.zero == 0) throw InputError("--zero-buckets needs a ZeRO stage (--zero 1, 2 or 3)");
  if (p.offload_optimizer != Device::kGpu && p.zero == 0)
    throw InputError("--offload-optimizer needs a ZeRO stage: DeepSpeed offloads the partitioned optimizer "
                     "(--zero 1, 2 or 3)");
  if (p.offload_optimizer == Device::kNvme && p.zero != 3)
    throw InputError("--offload-optimizer nvme needs --zero 3 (ZeRO-Infinity; stages 1-2 offload to cpu only)");
  if (p.offload_params != Device::kGpu && p.zero != 3)
    throw InputError("--offload-params needs --zero 3: only ZeRO-3 partitions the parameters it would offload");
  if (r.largest_layer && p.arch)
    throw InputError("--largest-layer contradicts the architecture: the largest layer is computed from it (" +
                     std::to_string(largest_layer_params(*p.arch)) + " parameters)");
  p.largest_layer = p.arch ? largest_layer_params(*p.arch) : r.largest_layer.value_or(0);
  if (r.largest_layer && p.largest_layer > p.params)
    throw InputError("--largest-layer " + group_thousands(p.largest_layer) + " is more than the model's " +
                     group_thousands(p.params) + " parameters: give the parameters of its largest module");
  if (p.mode != Mode::kInference && p.zero == 3 && p.accounting == ZeroAccounting::kDeepSpeed && p.largest_layer == 0)
    throw InputError("ZeRO-3 under --zero-accounting deepspeed gathers one layer at a time and needs its size: give "
                     "--model, --config or the architecture flags, --largest-layer N (DeepSpeed's "
                     "largest_layer_params), or --zero-accounting paper");
  return hybrid;
}

}  // namespace

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : std::string(sep)) + x;
  return s;
}

std::vector<std::string> split_list(std::string_view text, std::string_view flag) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.empty())
      throw InputError("--" + std::string(flag) + " has an empty item in '" + std::string(text) +
                       "' (commas separate values; they never group digits)");
    out.emplace_back(item);
    start = comma + 1;
  }
  return out;
}

Dtype resolve_dtype(std::string_view name, std::string_view flag) {
  const std::string text = trim(name);
  if (text.empty()) throw InputError("--" + std::string(flag) + " needs a dtype name, e.g. bf16, fp16, int8, nf4");
  if (text.find(',') != std::string::npos)
    throw InputError("--" + std::string(flag) + " takes one dtype here, got the list '" + text +
                     "'; lists make a grid in `numscope memory --weights fp32,fp16`");
  // vLLM's kv_cache_dtype "fp8" means fp8_e4m3 (vLLM docs, "Quantized KV Cache"); the registry keeps fp8 unnamed
  // because it is ambiguous, so only this one spelling is mapped.
  const std::string key = ascii_lower(text) == "fp8" ? std::string("e4m3") : text;
  try {
    const Format f = find_format(key);
    return Dtype{std::string(f.name), static_cast<double>(storage_bits(f)), f};
  } catch (const InputError&) {
  }
  try {
    const double bits = scheme_bits_per_element(key);
    return Dtype{parse_scheme(key).name, bits, std::nullopt};
  } catch (const InputError&) {
  }
  throw InputError("unknown dtype '" + text + "' for --" + std::string(flag) + "; accepted: a format (" +
                   accepted_format_names() + ") or a storage scheme (" + accepted_scheme_names() + ")");
}

Plan make_plan(const MemoryRequest& r) {
  Plan p;
  resolve_model(r, p);
  p.mode = r.mode.value_or(Mode::kInference);
  const std::string mode = "--mode " + std::string(mode_name(p.mode));
  if (!p.training()) refuse_training_flags(r, mode);
  else if (!r.kv.empty()) throw InputError("--kv contradicts " + mode + ": the KV cache is an inference buffer");
  if (p.training() && r.logits && *r.logits == Logits::kLast)
    throw InputError("--logits last contradicts " + mode + ": training computes the loss at every position");
  if (!p.adapters() && (r.lora_rank || !r.lora_targets.empty()))
    throw InputError(std::string(r.lora_rank ? "--lora-rank" : "--lora-targets") + " contradicts " + mode +
                     ": adapters need --mode lora or qlora");
  resolve_dtypes(r, p);

  // Recomputation: every LoRA / QLoRA recipe turns gradient checkpointing on (PEFT's
  // prepare_model_for_kbit_training, the QLoRA paper's setup), so they default to full recomputation.
  p.recompute = r.recompute.value_or(p.adapters() ? Recompute::kFull : Recompute::kNone);
  p.recompute_defaulted = p.adapters() && !r.recompute;

  // Batch and sequence: the sequence turns on activations and the KV cache; the batch defaults to one sequence.
  if (r.batch && !r.seq)
    throw InputError("--batch needs --seq (activations and the KV cache scale with the sequence length)");
  if (!r.seq && (!r.kv.empty() || r.kv_block || r.images) && !p.training())
    throw InputError(std::string(!r.kv.empty() ? "--kv" : r.kv_block ? "--kv-block" : "--images") +
                     " needs --seq: without a sequence length there is no KV cache to size (e.g. --seq 8192)");
  if (r.seq) {
    if (!p.arch)
      throw InputError("--seq and --batch need the architecture (--model, --config or --layers ...): --params gives "
                       "weight-only estimates");
    p.seq = r.seq;
    p.batch = r.batch.value_or(1);
  }
  p.sequence_parallel = r.sequence_parallel;
  p.flash_attention = r.flash_attention.value_or(true);
  p.logits = r.logits.value_or(Logits::kLast);
  p.logits_fp32 = r.logits_fp32.value_or(true);
  // The CUDA context, cuBLAS/cuDNN workspaces and kernel images: 300 MB to 1 GB per process (the NAIRR pilot's GPU
  // estimation guide, which budgets 1 GB); PyTorch issue #34323 measures 781 MB for a bare context.
  p.cuda_context = r.cuda_context.value_or(1e9);

  const bool hybrid = resolve_zero(r, p);
  p.layout = resolve_layout(r, p.arch, p.zero, hybrid);
  p.micro_batches_given = r.micro_batches.has_value();
  if (r.sequence_parallel && p.layout.tp == 1)
    throw InputError("--sp (sequence parallelism) needs --tp greater than 1");

  if (p.adapters()) {
    if (!p.arch)
      throw InputError("--mode " + std::string(mode_name(p.mode)) +
                       " needs the architecture to size the adapters (--model, --config or --layers ...)");
    p.lora_rank = r.lora_rank.value_or(8);  // PEFT LoraConfig default r = 8
    p.lora_targets = r.lora_targets.empty()
                         ? std::vector<std::string>{"q", "k", "v", "o", "gate", "up", "down"}
                         : r.lora_targets;
  }
  p.overhead_fraction = r.overhead_fraction;
  p.overhead_bytes = r.overhead_bytes;
  return p;
}

// LoRA: r·(d_in + d_out) per adapted matrix (Hu et al. 2021: W + BA with B d_out×r, A r×d_in).
std::int64_t lora_params(const Architecture& a, std::int64_t rank, const std::vector<std::string>& targets) {
  const std::int64_t h = a.hidden, qw = a.heads * a.head_dim, kvw = a.kv_heads * a.head_dim, I = a.intermediate;
  const std::int64_t n_mlp = a.experts > 0 ? a.experts : 1;
  // Phi-3 and GPT-2 fuse q, k, v into one matrix (qkv_proj, c_attn) and Phi-3 fuses gate and up (gate_up_proj):
  // PEFT adapts the fused module, one A and one B.
  const bool fused_qkv = a.family == "phi3" || a.family == "gpt2";
  const bool fused_gate_up = a.family == "phi3";
  bool q = false, k = false, v = false, o = false, gate = false, up = false, down = false;
  for (const std::string& t0 : targets) {
    std::string t = t0;
    if (t.size() > 5 && t.substr(t.size() - 5) == "_proj") t = t.substr(0, t.size() - 5);
    if (t == "q") q = true;
    else if (t == "k") k = true;
    else if (t == "v") v = true;
    else if (t == "o") o = true;
    else if (t == "gate") gate = true;
    else if (t == "up") up = true;
    else if (t == "down") down = true;
    else if (t == "qkv") q = k = v = true;
    else if (t == "gate_up") gate = up = true;
    else throw InputError("unknown --lora-targets name '" + t0 + "'; accepted: q, k, v, o, gate, up, down (or "
                          "q_proj ...), qkv, gate_up");
  }
  // In 128 bits: a user's rank (--lora-rank 4000000000000) meets the model's widths here; the total is refused
  // past 10^18 instead of wrapping to a negative memory.
  __int128 per_layer = 0;
  if (fused_qkv) {
    if (q || k || v) per_layer += rank * (h + qw + 2 * kvw);
  } else {
    if (q) per_layer += rank * (h + qw);
    if (k) per_layer += rank * (h + kvw);
    if (v) per_layer += rank * (h + kvw);
  }
  if (o) per_layer += rank * (qw + h);
  if (a.gated_mlp && fused_gate_up) {
    if (gate || up) per_layer += n_mlp * rank * (h + 2 * I);
  } else {
    if (gate && a.gated_mlp) per_layer += n_mlp * rank * (h + I);  // a plain MLP has no gate
    if (up) per_layer += n_mlp * rank * (h + I);
  }
  if (down) per_layer += n_mlp * rank * (I + h);
  const __int128 total = a.layers * per_layer;
  if (total > 1'000'000'000'000'000'000)
    throw InputError("--lora-rank " + std::to_string(rank) + " is too large: the adapters would hold more than 10^18 "
                     "parameters (a rank is at most the smaller side of an adapted matrix, " +
                     std::to_string(std::min(h, I)) + " here)");
  return static_cast<std::int64_t>(total);
}

}  // namespace numscope::memory
