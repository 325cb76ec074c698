// The memory estimator's front (see estimate.h): request parsing, then the plan (plan.cpp), the rows
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
#include "numscope/memory/parallel.h"
#include "numscope/memory/plan.h"
#include "numscope/memory/roofline.h"
#include "numscope/support/ascii.h"
#include "numscope/support/error.h"

namespace numscope::memory {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// "kv_heads", "--kv-heads", "KV-Heads" -> "kv-heads".
std::string canonical_key(std::string_view key) {
  while (!key.empty() && key.front() == '-') key.remove_prefix(1);
  std::string k = ascii_lower(key);
  for (char& c : k)
    if (c == '_') c = '-';
  return k;
}

// ---- option parsing -----------------------------------------------------------------------------------------

std::int64_t positive_int(std::string_view key, std::string_view value) {
  const std::string v = trim(value);
  const std::string bad = "--" + std::string(key) + " must be a positive integer, got '" + v + "'";
  if (v.empty() || v.size() > 18) throw InputError(bad);
  std::int64_t n = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (i == 0 && (c == '-' || c == '+') && v.size() > 1) {
      if (c == '-') throw InputError(bad);
      continue;
    }
    if (c < '0' || c > '9') throw InputError(bad);
    n = n * 10 + (c - '0');
  }
  if (n <= 0) throw InputError(bad);
  return n;
}

// A sequence length: an integer, or with k / K for 1024 tokens (context lengths are powers of two: Llama 3.1's
// "128K" is max_position_embeddings 131072). At most 2^30 tokens.
std::int64_t sequence_length(std::string_view value) {
  std::string v = trim(value);
  std::int64_t scale = 1;
  if (!v.empty() && (v.back() == 'k' || v.back() == 'K')) {
    scale = 1024;
    v.pop_back();
  }
  const std::string bad = "--seq takes a positive number of tokens (8192, 32K, 128k = 131072), got '" +
                          trim(value) + "'";
  if (v.empty()) throw InputError(bad);
  std::int64_t n = 0;
  try {
    n = positive_int("seq", v);
  } catch (const InputError&) {
    throw InputError(bad);
  }
  if (n > (std::int64_t{1} << 30) / scale)
    throw InputError("--seq " + trim(value) + " is absurd: at most 2^30 tokens (1048576K)");
  return n * scale;
}

bool parse_bool(std::string_view key, std::string_view value) {
  const std::string v = ascii_lower(trim(value));
  if (v.empty() || v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  throw InputError("--" + std::string(key) + " takes true or false, got '" + std::string(value) + "'");
}

// "1.5GiB", "2GB", "512MiB", "100000000" (bytes) -> bytes.
double parse_size(std::string_view key, std::string_view value) {
  const std::string v = trim(value);
  const std::string bad = "--" + std::string(key) + " takes a percentage (20%) or a size (1.5GiB, 2GB, 512MiB), got '" +
                          v + "'";
  std::size_t i = 0;
  while (i < v.size() && (std::isdigit(static_cast<unsigned char>(v[i])) || v[i] == '.' || v[i] == '-' ||
                          v[i] == '+' || v[i] == 'e' || v[i] == 'E'))
    ++i;
  // Keep an 'e' / 'E' that starts a unit ("1e9" is a number; "2EB" is not accepted anyway).
  std::string number = v.substr(0, i), unit = ascii_lower(trim(std::string_view(v).substr(i)));
  static const std::map<std::string, double> kUnits = {
      {"", 1},      {"b", 1},          {"kb", 1e3},       {"mb", 1e6},           {"gb", 1e9},
      {"tb", 1e12}, {"kib", 1024.0},   {"mib", 1048576.0}, {"gib", 1073741824.0}, {"tib", 1099511627776.0}};
  auto it = kUnits.find(unit);
  if (number.empty() || it == kUnits.end()) throw InputError(bad);
  Rational r;
  try {
    r = parse_number(number).value();
  } catch (const InputError&) {
    throw InputError(bad);
  }
  if (r < 0) throw InputError("--" + std::string(key) + " must not be negative, got '" + v + "'");
  return static_cast<double>(r) * it->second;
}

}  // namespace

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

std::string option_keys() {
  return "model, config, params, layers, hidden, heads, kv-heads, head-dim, intermediate, vocab, tied, experts, "
         "experts-per-token, mlp, mode, weights, grads, master, optimizer, optimizer-dtype, batch, seq, kv, "
         "recompute, sp, flash-attention, logits, logits-fp32, cuda-context, zero, zero-accounting, fsdp, "
         "offload-optimizer, offload-params, zero-init, largest-layer, zero-buckets, gpus, tp, pp, dp, ep, "
         "gpus-per-node, micro-batches, lora-rank, lora-targets, overhead, units, gpu, max-abs";
}

void set_option(MemoryRequest& r, std::string_view key_in, std::string_view value_in) {
  const std::string key = canonical_key(key_in);
  const std::string value = trim(value_in);
  auto need_value = [&] {
    if (value.empty()) throw InputError("--" + key + " needs a value");
  };
  if (key == "model") { need_value(); r.model = value; return; }
  if (key == "config") { need_value(); r.config = value; return; }
  if (key == "params") { r.params = parse_param_count(value); return; }
  if (key == "layers") { r.layers = positive_int(key, value); return; }
  if (key == "hidden") { r.hidden = positive_int(key, value); return; }
  if (key == "heads") { r.heads = positive_int(key, value); return; }
  if (key == "kv-heads") { r.kv_heads = positive_int(key, value); return; }
  if (key == "head-dim") { r.head_dim = positive_int(key, value); return; }
  if (key == "intermediate") { r.intermediate = positive_int(key, value); return; }
  if (key == "vocab") { r.vocab = positive_int(key, value); return; }
  if (key == "experts") { r.experts = positive_int(key, value); return; }
  if (key == "experts-per-token") { r.experts_per_token = positive_int(key, value); return; }
  if (key == "tied") { r.tied = parse_bool(key, value); return; }
  if (key == "mlp") {
    const std::string v = ascii_lower(value);
    if (v != "gated" && v != "plain") throw InputError("--mlp takes gated or plain, got '" + value + "'");
    r.gated_mlp = v == "gated";
    return;
  }
  if (key == "mode") {
    const std::string v = ascii_lower(value);
    if (v == "inference") r.mode = Mode::kInference;
    else if (v == "train") r.mode = Mode::kTrain;
    else if (v == "lora") r.mode = Mode::kLora;
    else if (v == "qlora") r.mode = Mode::kQlora;
    else throw InputError("--mode takes inference, train, lora or qlora, got '" + value + "'");
    return;
  }
  if (key == "weights") { resolve_dtype(value, key); r.weights = value; return; }
  if (key == "grads") { resolve_dtype(value, key); r.grads = value; return; }
  if (key == "master") {
    if (ascii_lower(value) != "none") resolve_dtype(value, key);
    r.master = value;
    return;
  }
  if (key == "optimizer") {
    const std::string v = ascii_lower(value);
    if (v == "none") r.optimizer = Optimizer::kNone;
    else if (v == "sgd") r.optimizer = Optimizer::kSgd;
    else if (v == "momentum") r.optimizer = Optimizer::kMomentum;
    else if (v == "adam") r.optimizer = Optimizer::kAdam;
    else if (v == "adamw") r.optimizer = Optimizer::kAdamW;
    else if (v == "adam8bit") r.optimizer = Optimizer::kAdam8bit;
    else throw InputError("--optimizer takes none, sgd, momentum, adam, adamw or adam8bit, got '" + value + "'");
    return;
  }
  if (key == "optimizer-dtype") { resolve_dtype(value, key); r.optimizer_dtype = value; return; }
  if (key == "batch") {
    r.batch = positive_int(key, value);
    if (*r.batch > (std::int64_t{1} << 30)) throw InputError("--batch " + value + " is absurd: at most 2^30 sequences");
    return;
  }
  if (key == "seq") { r.seq = sequence_length(value); return; }
  if (key == "kv") { resolve_dtype(value, key); r.kv = value; return; }
  if (key == "recompute") {
    const std::string v = ascii_lower(value);
    if (v == "none") r.recompute = Recompute::kNone;
    else if (v == "selective") r.recompute = Recompute::kSelective;
    else if (v == "full") r.recompute = Recompute::kFull;
    else throw InputError("--recompute takes none, selective or full, got '" + value + "'");
    return;
  }
  if (key == "sp" || key == "sequence-parallel") { r.sequence_parallel = parse_bool(key, value); return; }
  if (key == "zero") {
    if (value != "0" && value != "1" && value != "2" && value != "3")
      throw InputError("--zero takes 0, 1, 2 or 3, got '" + value + "'");
    r.zero = value[0] - '0';
    return;
  }
  if (key == "gpus") { r.gpus = positive_int(key, value); return; }
  if (key == "tp") { r.tp = positive_int(key, value); return; }
  if (key == "pp") { r.pp = positive_int(key, value); return; }
  if (key == "dp") { r.dp = positive_int(key, value); return; }
  if (key == "ep") { r.ep = positive_int(key, value); return; }
  if (key == "gpus-per-node") { r.gpus_per_node = positive_int(key, value); return; }
  if (key == "micro-batches") { r.micro_batches = positive_int(key, value); return; }
  if (key == "flash-attention") { r.flash_attention = parse_bool(key, value); return; }
  if (key == "logits") {
    const std::string v = ascii_lower(value);
    if (v == "last") r.logits = Logits::kLast;
    else if (v == "all") r.logits = Logits::kAll;
    else throw InputError("--logits takes last (serving engines) or all (every position), got '" + value + "'");
    return;
  }
  if (key == "logits-fp32") { r.logits_fp32 = parse_bool(key, value); return; }
  if (key == "cuda-context") {
    need_value();
    const std::string v = ascii_lower(value);
    r.cuda_context = (v == "0" || v == "off" || v == "none") ? 0.0 : parse_bytes(value, "--cuda-context");
    return;
  }
  if (key == "zero-accounting") {
    const std::string v = ascii_lower(value);
    if (v == "deepspeed") r.zero_accounting = ZeroAccounting::kDeepSpeed;
    else if (v == "paper") r.zero_accounting = ZeroAccounting::kPaper;
    else throw InputError("--zero-accounting takes deepspeed (the runtime's buffers) or paper (ZeRO's Table 1), got '" +
                          value + "'");
    return;
  }
  if (key == "offload-optimizer" || key == "offload-params") {
    const std::string v = ascii_lower(value);
    Device d = Device::kGpu;
    if (v == "cpu") d = Device::kCpu;
    else if (v == "nvme") d = Device::kNvme;
    else if (v != "none") throw InputError("--" + key + " takes none, cpu or nvme, got '" + value + "'");
    (key == "offload-optimizer" ? r.offload_optimizer : r.offload_params) = d;
    return;
  }
  if (key == "zero-init") { r.zero_init = parse_bool(key, value); return; }
  if (key == "zero-buckets") { r.zero_buckets = parse_bool(key, value); return; }
  if (key == "largest-layer") { r.largest_layer = parse_param_count(value); return; }
  if (key == "fsdp") {
    const std::string v = ascii_lower(value);
    if (v != "full_shard" && v != "shard_grad_op" && v != "no_shard" && v != "hybrid_shard" &&
        v != "hybrid_shard_zero2")
      throw InputError("--fsdp takes full_shard (ZeRO-3), shard_grad_op (ZeRO-2), no_shard, hybrid_shard or "
                       "hybrid_shard_zero2 (PyTorch's ShardingStrategy names), got '" + value + "'");
    r.fsdp = v;
    return;
  }
  if (key == "lora-rank") { r.lora_rank = positive_int(key, value); return; }
  if (key == "lora-targets") {
    need_value();
    r.lora_targets.clear();
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      const std::string t = ascii_lower(trim(std::string_view(value).substr(start, comma - start)));
      if (t.empty()) throw InputError("--lora-targets has an empty name in '" + value + "'");
      r.lora_targets.push_back(t);
      start = comma + 1;
    }
    return;
  }
  if (key == "overhead") {
    need_value();
    if (value.back() == '%') {
      Rational p;
      try {
        p = parse_number(std::string_view(value).substr(0, value.size() - 1)).value();
      } catch (const InputError&) {
        throw InputError("--overhead takes a percentage (20%) or a size (1.5GiB), got '" + value + "'");
      }
      if (p < 0 || p > 1000) throw InputError("--overhead percentage must be between 0% and 1000%, got " + value);
      r.overhead_fraction = static_cast<double>(p) / 100.0;
      r.overhead_bytes.reset();
    } else {
      r.overhead_bytes = parse_size(key, value);
      r.overhead_fraction.reset();
    }
    return;
  }
  if (key == "units") {
    const std::string v = ascii_lower(value);
    if (v == "gb") r.units = Units::kGB;
    else if (v == "gib") r.units = Units::kGiB;
    else if (v == "both") r.units = Units::kBoth;
    else throw InputError("--units takes GB, GiB or both, got '" + value + "'");
    return;
  }
  if (key == "gpu") {
    need_value();
    for (const Gpu& g : parse_gpus(value)) r.gpu.emplace_back(g.name);  // names re-parse to the same card
    return;
  }
  if (key == "max-abs") {
    need_value();
    const Number n = parse_number(value);
    if (n.kind != Number::Kind::kFinite || n.is_zero() || n.neg)
      throw InputError("--max-abs takes a positive finite magnitude (e.g. 123456.789), got '" + value + "'");
    r.max_abs = value;
    return;
  }
  throw InputError("unknown memory option '" + std::string(key_in) + "'; accepted: " + option_keys());
}

void set_option(MemoryRequest& r, std::string_view key_eq_value) {
  const std::size_t eq = key_eq_value.find('=');
  if (eq == std::string_view::npos) {
    set_option(r, key_eq_value, "");
    return;
  }
  set_option(r, key_eq_value.substr(0, eq), key_eq_value.substr(eq + 1));
}

MemoryRequest make_request(const std::vector<std::pair<std::string, std::string>>& options) {
  MemoryRequest r;
  for (const auto& [k, v] : options) set_option(r, k, v);
  return r;
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
    if (p.seq) use(p.kv, "kv_cache");
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
    if (enc.status & kSaturated) c.status = "saturated";
    else if (enc.status & kOverflow) c.status = "overflow";
    else if ((enc.status & kUnderflow) && stored.is_zero()) c.status = "underflow";
    else if (enc.status & kInexact) c.status = "rounded";
    else c.status = "exact";
    if (c.status == "overflow" && f.name == "fp16") fp16_overflow = true;
    if (f.kind == Kind::kInt && c.status != "exact")
      e.notes.push_back(c.dtype + " holds integers " + exact_decimal(props.int_min) + ".." + c.max +
                        ": quantized weights carry a scale (int8 / int4 schemes such as int8-ch or int4-g128)");
    e.overflow.push_back(c);
  }
  if (fp16_overflow) {
    const Format bf16 = find_format("bf16");
    const std::string as_bf16 = exact_decimal(decode(bf16, encode(bf16, x).code).number());
    e.notes.push_back("fp16 overflows at " + r.max_abs + " (max 65504): use bf16 (stores it as " + as_bf16 +
                      "), or loss scaling to keep fp16 gradients in range");
  }
}

}  // namespace

std::optional<double> MemoryEstimate::get(std::string_view key_in) const {
  const std::string key = canonical_key(key_in);
  if (key == "params") return static_cast<double>(params);
  if (key == "trainable-params") return static_cast<double>(trainable_params);
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
  for (const Component& c : components)
    if (canonical_key(c.name) == key) return c.bytes;
  return std::nullopt;
}

namespace {

void add_notes(const Plan& plan, MemoryEstimate& e) {
  if (plan.kv_defaulted && plan.seq && plan.mode == Mode::kInference)
    e.notes.push_back("KV cache in bf16: " + plan.weights.name + " is a storage scheme for weights; set --kv");
  if (plan.recompute_defaulted && plan.seq)
    e.notes.push_back("--recompute full: LoRA and QLoRA recipes turn gradient checkpointing on (PEFT's "
                      "prepare_model_for_kbit_training); --recompute none counts without it");
  if (plan.training() && plan.seq && plan.recompute == Recompute::kNone)
    e.notes.push_back("activations keep the attention scores (the 5as/h term); FlashAttention-style kernels do "
                      "not store them: --recompute selective drops the term");
  if (plan.zero > 0 && plan.layout.shard == 1)
    e.notes.push_back("ZeRO-" + std::to_string(plan.zero) + " over one data-parallel rank shards nothing; set --gpus");
  if (!plan.training() && plan.seq && plan.arch)
    e.notes.push_back("decode step (one new position against " + std::to_string(*plan.seq) +
                      " cached): its activations are " + group_thousands(static_cast<std::int64_t>(e.decode_activation_bytes)) +
                      " B per GPU, below the prefill's" +
                      (plan.logits == Logits::kLast ? "; the logits are the same" : ""));
}

}  // namespace

MemoryEstimate estimate(const MemoryRequest& r) {
  const Plan plan = make_plan(r);
  MemoryEstimate e = breakdown(plan);
  add_notes(plan, e);
  auto need = [](const Plan& q) -> std::optional<double> { return breakdown(q).fit_bytes; };
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
                                      layout_text(plan.layout.tp, plan.layout.pp, plan.layout.dp, plan.zero)));
    } else if (f.gpus_needed) {
      Plan q = plan;
      q.layout.tp = f.tp;
      q.layout.pp = f.pp;
      e.speeds.push_back(speed_bounds(q, e, g, f.tp, f.pp, f.how));
    }
  }
  if (!r.max_abs.empty()) check_overflow(r, plan, e);
  return e;
}

}  // namespace numscope::memory
