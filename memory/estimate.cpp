// The memory estimator (see estimate.h): request parsing, defaults, contradiction checks, the rows, ZeRO and
// tensor-parallel sharding, the GPU fit and the format engine's overflow check.
#include "numscope/memory/estimate.h"
#include "numscope/support/ascii.h"

#include <algorithm>  // std::find, std::max
#include <cctype>     // std::tolower
#include <cmath>      // std::ceil
#include <map>        // std::map
#include <sstream>    // std::ostringstream

#include "numscope/formats/engine.h"
#include "numscope/support/error.h"
#include "numscope/formats/number.h"
#include "numscope/formats/properties.h"
#include "numscope/formats/registry.h"
#include "numscope/formats/scheme.h"

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

// Shortest decimal of a double for formulas ("4.5", "0.5", "4.126953125").
std::string num_text(double v) {
  std::ostringstream os;
  os.precision(12);
  os << v;
  return os.str();
}

// ---- dtypes ---------------------------------------------------------------------------------------------------

struct Dtype {
  std::string name;               // canonical: "bf16", "nf4", "int4-g128"
  double bits = 0;                // storage bits per element, scales included
  std::optional<Format> format;   // set for registry formats (the overflow check runs on these)
  bool is_float() const { return format && format->kind == Kind::kFloat; }
  double bytes() const { return bits / 8.0; }
};

Dtype resolve_dtype(std::string_view name, std::string_view flag) {
  const std::string text = trim(name);
  if (text.empty()) throw InputError("--" + std::string(flag) + " needs a dtype name, e.g. bf16, fp16, int8, nf4");
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

std::string option_keys() {
  return "model, config, params, layers, hidden, heads, kv-heads, head-dim, intermediate, vocab, tied, experts, "
         "experts-per-token, mlp, mode, weights, grads, master, optimizer, optimizer-dtype, batch, seq, kv, "
         "recompute, sp, zero, gpus, tp, lora-rank, lora-targets, overhead, units, gpu, max-abs";
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
  if (key == "batch") { r.batch = positive_int(key, value); return; }
  if (key == "seq") { r.seq = positive_int(key, value); return; }
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
    for (const Gpu& g : find_gpus(value)) r.gpu.emplace_back(g.name);
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

enum class Shard { kWeights, kGrads, kOptimizer, kActivations, kKv, kOverhead };

struct Plan {
  Mode mode = Mode::kInference;
  std::optional<Architecture> arch;
  std::int64_t params = 0;
  Dtype weights, trained, grads, opt_dtype, kv, act;
  std::optional<Dtype> master;
  Optimizer optimizer = Optimizer::kNone;
  Recompute recompute = Recompute::kNone;
  int zero = 0;
  std::int64_t gpus = 1, tp = 1, dp = 1;
  std::int64_t lora_rank = 0;
  std::vector<std::string> lora_targets;
  bool kv_defaulted = false;
};

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

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : std::string(sep)) + x;
  return s;
}

Plan make_plan(const MemoryRequest& r) {
  Plan p;
  // ---- the model: exactly one source.
  std::vector<std::string> sources;
  if (!r.model.empty()) sources.push_back("--model");
  if (!r.config.empty()) sources.push_back("--config");
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
  if (!r.config.empty()) p.arch = load_config_json(r.config);
  if (arch_flags_given(r)) p.arch = arch_from_flags(r);
  if (r.architecture) {
    validate(*r.architecture);
    p.arch = *r.architecture;
  }
  p.params = p.arch ? param_count(*p.arch) : *r.params;

  // ---- the mode and its dtypes.
  p.mode = r.mode.value_or(Mode::kInference);
  const bool training = p.mode != Mode::kInference;
  const bool adapters = p.mode == Mode::kLora || p.mode == Mode::kQlora;
  const std::string mode = "--mode " + std::string(mode_name(p.mode));
  if (!training) {
    if (!r.grads.empty()) throw InputError("--grads contradicts " + mode + ": inference keeps no gradients");
    if (!r.master.empty() && ascii_lower(r.master) != "none")
      throw InputError("--master " + r.master + " contradicts " + mode + ": the master copy is a training buffer");
    if (r.optimizer && *r.optimizer != Optimizer::kNone)
      throw InputError("--optimizer " + std::string(optimizer_name(*r.optimizer)) + " contradicts " + mode +
                       ": inference keeps no optimizer states; use --mode train, lora or qlora");
    if (!r.optimizer_dtype.empty())
      throw InputError("--optimizer-dtype contradicts " + mode + ": inference keeps no optimizer states");
    if (r.recompute) throw InputError("--recompute contradicts " + mode + ": recomputation is a training technique");
    if (r.zero && (*r.zero == 1 || *r.zero == 2))
      throw InputError("--zero " + std::to_string(*r.zero) + " contradicts " + mode +
                       ": stages 1 and 2 shard optimizer states and gradients, which inference does not have");
  } else if (!r.kv.empty()) {
    throw InputError("--kv contradicts " + mode + ": the KV cache is an inference buffer");
  }
  if (!adapters && (r.lora_rank || !r.lora_targets.empty()))
    throw InputError(std::string(r.lora_rank ? "--lora-rank" : "--lora-targets") + " contradicts " + mode +
                     ": adapters need --mode lora or qlora");

  p.weights = resolve_dtype(r.weights.empty() ? (p.mode == Mode::kQlora ? "nf4" : "bf16") : r.weights, "weights");
  // The trained dtype: the weights themselves (train), or the adapters, kept in the weights' dtype when that is a
  // 16- or 32-bit float and in bf16 over a quantized base (QLoRA: "BFloat16 computation and adapters").
  p.trained = p.weights;
  if (adapters && !(p.weights.is_float() && p.weights.bits >= 16)) p.trained = resolve_dtype("bf16", "weights");
  p.grads = r.grads.empty() ? p.trained : resolve_dtype(r.grads, "grads");
  if (training) {
    if (r.master.empty()) {
      // Mixed precision keeps an fp32 master copy when the trained dtype is narrower (Micikevicius et al. 2018).
      if (p.trained.bits < 32) p.master = resolve_dtype("fp32", "master");
    } else if (ascii_lower(r.master) != "none") {
      p.master = resolve_dtype(r.master, "master");
    }
  }
  p.optimizer = r.optimizer.value_or(training ? Optimizer::kAdamW : Optimizer::kNone);
  if (!r.optimizer_dtype.empty() &&
      (p.optimizer == Optimizer::kNone || p.optimizer == Optimizer::kSgd || p.optimizer == Optimizer::kAdam8bit))
    throw InputError("--optimizer-dtype contradicts --optimizer " + std::string(optimizer_name(p.optimizer)) +
                     (p.optimizer == Optimizer::kAdam8bit ? ": adam8bit fixes its states at 8 bits"
                                                          : ": it keeps no states"));
  p.opt_dtype = resolve_dtype(r.optimizer_dtype.empty() ? "fp32" : r.optimizer_dtype, "optimizer-dtype");
  p.recompute = r.recompute.value_or(Recompute::kNone);
  // Activations are 16-bit in Korthikanti et al.; fp32 training doubles them.
  p.act = (p.trained.is_float() && p.trained.bits >= 16) ? p.trained : resolve_dtype("bf16", "weights");
  if (r.kv.empty()) {
    p.kv_defaulted = !(p.weights.format && p.weights.bits >= 8);
    p.kv = p.kv_defaulted ? resolve_dtype("bf16", "kv") : p.weights;
  } else {
    p.kv = resolve_dtype(r.kv, "kv");
  }

  // ---- batch and sequence.
  if (r.batch.has_value() != r.seq.has_value())
    throw InputError(std::string(r.batch ? "--batch needs --seq" : "--seq needs --batch") +
                     " (activations and the KV cache scale with both)");
  if (r.batch && !p.arch)
    throw InputError("--batch and --seq need the architecture (--model, --config or --layers ...): --params "
                     "gives weight-only estimates");

  // ---- parallelism.
  p.tp = r.tp.value_or(1);
  p.gpus = r.gpus.value_or(p.tp);
  p.zero = r.zero.value_or(0);
  if (p.tp > p.gpus)
    throw InputError("--tp " + std::to_string(p.tp) + " contradicts --gpus " + std::to_string(p.gpus) +
                     ": tensor parallelism needs at least as many GPUs");
  if (p.gpus % p.tp != 0)
    throw InputError("--gpus " + std::to_string(p.gpus) + " is not a multiple of --tp " + std::to_string(p.tp));
  if (p.arch && p.arch->heads % p.tp != 0)
    throw InputError("--tp " + std::to_string(p.tp) + " must divide the attention head count " +
                     std::to_string(p.arch->heads));
  p.dp = p.gpus / p.tp;
  if (r.sequence_parallel && p.tp == 1)
    throw InputError("--sp (sequence parallelism) needs --tp greater than 1");

  // ---- adapters.
  if (adapters) {
    if (!p.arch)
      throw InputError("--mode " + std::string(mode_name(p.mode)) +
                       " needs the architecture to size the adapters (--model, --config or --layers ...)");
    p.lora_rank = r.lora_rank.value_or(8);  // PEFT LoraConfig default r = 8
    p.lora_targets = r.lora_targets.empty()
                         ? std::vector<std::string>{"q", "k", "v", "o", "gate", "up", "down"}
                         : r.lora_targets;
  }
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
  std::int64_t per_layer = 0;
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
  return a.layers * per_layer;
}

struct Row {
  Component c;
  Shard shard;
};

std::string shard_suffix(const Plan& p, Shard s) {
  std::string out;
  if (s == Shard::kActivations || s == Shard::kKv || s == Shard::kOverhead) return out;
  if (p.tp > 1) out += " / " + std::to_string(p.tp) + " (TP)";
  const bool zero_shards = (s == Shard::kWeights && p.zero >= 3) || (s == Shard::kGrads && p.zero >= 2) ||
                           (s == Shard::kOptimizer && p.zero >= 1);
  if (zero_shards && p.dp > 1) out += " / " + std::to_string(p.dp) + " (ZeRO-" + std::to_string(p.zero) + ")";
  return out;
}

double shard_divisor(const Plan& p, Shard s) {
  double d = static_cast<double>(p.tp);
  if ((s == Shard::kWeights && p.zero >= 3) || (s == Shard::kGrads && p.zero >= 2) ||
      (s == Shard::kOptimizer && p.zero >= 1))
    d *= static_cast<double>(p.dp);
  return d;
}

MemoryEstimate compute(const MemoryRequest& r, const Plan& p) {
  MemoryEstimate e;
  e.params = p.params;
  e.architecture = p.arch;
  e.mode = p.mode;
  e.gpus = p.gpus;
  e.tp = p.tp;
  e.dp = p.dp;
  e.zero = p.zero;
  const bool training = p.mode != Mode::kInference;
  const bool adapters = p.mode == Mode::kLora || p.mode == Mode::kQlora;
  const double P = static_cast<double>(p.params);
  std::vector<Row> rows;
  auto add = [&](std::string name, const Dtype& d, double elements, std::string formula, Shard s) {
    Component c;
    c.name = std::move(name);
    c.dtype = d.name;
    c.bytes_per_element = d.bytes();
    c.elements = elements;
    c.bytes = elements * d.bytes();
    c.per_gpu_bytes = c.bytes / shard_divisor(p, s);
    c.formula = std::move(formula) + shard_suffix(p, s);
    rows.push_back({std::move(c), s});
  };
  const std::string bpe_w = num_text(p.weights.bytes());

  // ---- weights.
  if (p.mode == Mode::kQlora && p.arch) {
    // QLoRA quantizes the linear layers of the blocks; embeddings, the head and the norms stay 16-bit
    // (bitsandbytes replaces nn.Linear modules only; transformers keeps lm_head unquantized).
    const ParamBreakdown b = param_breakdown(*p.arch);
    const double other = P - static_cast<double>(b.linear);
    add("weights", p.weights, static_cast<double>(b.linear), "linear params × " + bpe_w + " B", Shard::kWeights);
    add("weights_other", p.trained, other, "embeddings, head, norms, biases × " + num_text(p.trained.bytes()) + " B",
        Shard::kWeights);
  } else {
    add("weights", p.weights, P, "P × " + bpe_w + " B", Shard::kWeights);
  }

  // ---- training state: gradients, optimizer states, master copy, on the trained parameters.
  double trainable = 0;
  std::string prefix;
  if (p.mode == Mode::kTrain) {
    trainable = P;
  } else if (adapters) {
    trainable = static_cast<double>(lora_params(*p.arch, p.lora_rank, p.lora_targets));
    prefix = "lora_";
    add("lora_weights", p.trained, trainable,
        "r·(d_in + d_out) per adapted matrix, r = " + std::to_string(p.lora_rank) + " (" + join(p.lora_targets, ",") +
            ") × " + num_text(p.trained.bytes()) + " B",
        Shard::kWeights);
  }
  e.trainable_params = static_cast<std::int64_t>(trainable);
  const std::string T = adapters ? "P_lora" : "P";
  if (training) {
    add(prefix + "gradients", p.grads, trainable, T + " × " + num_text(p.grads.bytes()) + " B", Shard::kGrads);
    int states = 0;
    if (p.optimizer == Optimizer::kMomentum) states = 1;
    if (p.optimizer == Optimizer::kAdam || p.optimizer == Optimizer::kAdamW) states = 2;
    if (p.optimizer == Optimizer::kAdam8bit) {
      // bitsandbytes 8-bit Adam: two uint8 states, block-wise quantized in blocks of 2048 with one fp32 absmax
      // each (Dettmers et al. 2022, "8-bit Optimizers via Block-wise Quantization", §2).
      const Format &u8 = kUint8, &f32 = kFp32;
      Dtype d{"uint8+fp32/2048", storage_bits(u8) + storage_bits(f32) / 2048.0, std::nullopt};
      add(prefix + "optimizer", d, 2 * trainable, "2 states × " + T + " × " + num_text(d.bytes()) + " B (adam8bit)",
          Shard::kOptimizer);
    } else if (states > 0) {
      add(prefix + "optimizer", p.opt_dtype, states * trainable,
          std::to_string(states) + " state" + (states > 1 ? "s" : "") + " × " + T + " × " +
              num_text(p.opt_dtype.bytes()) + " B (" + std::string(optimizer_name(p.optimizer)) + ")",
          Shard::kOptimizer);
    } else {
      add(prefix + "optimizer", p.opt_dtype, 0, "0 states (" + std::string(optimizer_name(p.optimizer)) + ")",
          Shard::kOptimizer);
    }
    if (p.master) add(prefix + "master", *p.master, trainable, T + " × " + num_text(p.master->bytes()) + " B",
                      Shard::kOptimizer);
  }

  // ---- activations (training) and the KV cache (inference).
  if (r.batch && p.arch) {
    const Architecture& a = *p.arch;
    const double s = static_cast<double>(*r.seq), b = static_cast<double>(*r.batch), h = static_cast<double>(a.hidden);
    if (training) {
      const double width = static_cast<double>(a.intermediate) *
                           static_cast<double>(a.experts > 0 ? a.experts_per_token : 1);
      const double linear = 18 + (a.gated_mlp ? 6 : 4) * width / h;
      const double per_layer =
          activation_bytes_per_layer(s, b, h, static_cast<double>(a.heads), linear, p.tp, r.sequence_parallel,
                                     p.recompute);
      const double scale = p.act.bytes() / 2;  // the paper counts 16-bit activations
      Component c;
      c.name = "activations";
      c.dtype = p.act.name;
      c.bytes_per_element = p.act.bytes();
      c.per_gpu_bytes = per_layer * static_cast<double>(a.layers) * scale;
      c.bytes = c.per_gpu_bytes * static_cast<double>(p.tp);
      std::string f;
      const std::string t = p.tp > 1 ? std::to_string(p.tp) : "";
      const std::string lin = num_text(linear);
      if (p.recompute == Recompute::kFull) f = "L·2sbh" + std::string(r.sequence_parallel ? "/t" : "") + " (full)";
      else if (p.recompute == Recompute::kSelective)
        f = p.tp == 1 ? "L·sbh·" + lin + " (selective)"
            : r.sequence_parallel ? "L·sbh·" + lin + "/t (selective)"
                                  : "L·sbh·(10 + " + num_text(linear - 10) + "/t) (selective)";
      else
        f = p.tp == 1 ? "L·sbh·(" + lin + " + 5as/h)"
            : r.sequence_parallel ? "L·sbh·(" + lin + "/t + 5as/(ht))"
                                  : "L·sbh·(10 + " + num_text(linear - 10) + "/t + 5as/(ht))";
      f += ", s=" + std::to_string(*r.seq) + " b=" + std::to_string(*r.batch);
      if (p.tp > 1) f += " t=" + t;
      if (scale != 1) f += " × " + num_text(scale);
      c.formula = f;
      rows.push_back({c, Shard::kActivations});
      if (p.recompute == Recompute::kNone)
        e.notes.push_back("activations keep the attention scores (the 5as/h term); FlashAttention-style kernels do "
                          "not store them: --recompute selective drops the term");
    } else {
      const double elements = 2.0 * static_cast<double>(a.layers * a.kv_heads * a.head_dim) * b * s;
      Component c;
      c.name = "kv_cache";
      c.dtype = p.kv.name;
      c.bytes_per_element = p.kv.bytes();
      c.elements = elements;
      c.bytes = elements * p.kv.bytes();
      // Tensor parallelism splits the KV heads; with more ranks than KV heads each rank keeps one head.
      const double kv_per_rank = std::ceil(static_cast<double>(a.kv_heads) / static_cast<double>(p.tp));
      c.per_gpu_bytes = 2.0 * static_cast<double>(a.layers) * kv_per_rank * static_cast<double>(a.head_dim) * b * s *
                        p.kv.bytes();
      c.formula = "2 × L × kv_heads × head_dim × b × s × " + num_text(p.kv.bytes()) + " B";
      if (p.tp > 1) c.formula += ", kv_heads / " + std::to_string(p.tp) + " (TP)";
      rows.push_back({c, Shard::kKv});
    }
  }

  // ---- overhead.
  double sum = 0, sum_gpu = 0;
  for (const Row& row : rows) {
    sum += row.c.bytes;
    sum_gpu += row.c.per_gpu_bytes;
  }
  if (r.overhead_fraction || r.overhead_bytes) {
    Component c;
    c.name = "overhead";
    c.dtype = "-";
    if (r.overhead_fraction) {
      c.bytes = sum * *r.overhead_fraction;
      c.per_gpu_bytes = sum_gpu * *r.overhead_fraction;
      c.formula = num_text(*r.overhead_fraction * 100) + "% of the rows above";
    } else {
      c.per_gpu_bytes = *r.overhead_bytes;
      c.bytes = *r.overhead_bytes * static_cast<double>(p.tp);
      c.formula = "fixed, per GPU";
    }
    rows.push_back({c, Shard::kOverhead});
  }

  for (Row& row : rows) {
    const Component& c = row.c;
    e.total_bytes += c.bytes;
    e.per_gpu_bytes += c.per_gpu_bytes;
    const std::string& n = c.name;
    if (n == "weights" || n == "weights_other") e.weights += c.bytes;
    else if (n == "gradients") e.gradients += c.bytes;
    else if (n == "optimizer") e.optimizer += c.bytes;
    else if (n == "master") e.master += c.bytes;
    else if (n == "activations") e.activations += c.bytes;
    else if (n == "kv_cache") e.kv_cache += c.bytes;
    else if (n == "overhead") e.overhead += c.bytes;
    else if (n.rfind("lora_", 0) == 0) e.lora += c.bytes;
    e.components.push_back(std::move(row.c));
  }
  return e;
}

// The fewest GPUs that hold the job on a card: training adds ZeRO-3 data parallelism (tp kept), inference tensor
// parallelism over a divisor of the head count (Megatron and vLLM need heads % tp == 0).
std::optional<std::int64_t> gpus_needed(const MemoryRequest& r, const Plan& base, double capacity,
                                        std::string& how) {
  const bool training = base.mode != Mode::kInference;
  how = training ? "ZeRO-3 data parallel" : "tensor parallel";
  auto per_gpu = [&](std::int64_t n) {
    Plan p = base;
    if (training) {
      p.zero = 3;
      p.dp = n;
      p.gpus = n * p.tp;
    } else {
      p.tp = n;
      p.dp = 1;
      p.gpus = n;
    }
    return compute(r, p).per_gpu_bytes;
  };
  if (training) {
    // per-GPU bytes fall with n toward the unshardable rows (activations, overhead): search 1, 2, 4, ... then bisect.
    const std::int64_t kMax = std::int64_t{1} << 20;
    std::int64_t hi = 1;
    while (hi < kMax && per_gpu(hi) > capacity) hi *= 2;
    if (per_gpu(hi) > capacity) return std::nullopt;
    std::int64_t lo = hi / 2;  // per_gpu(lo) > capacity (or lo == 0)
    while (hi - lo > 1) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      (per_gpu(mid) > capacity ? lo : hi) = mid;
    }
    return hi * base.tp;
  }
  const std::int64_t heads = base.arch ? base.arch->heads : std::int64_t{1} << 20;
  for (std::int64_t n = 1; n <= heads; ++n) {
    if (base.arch && heads % n != 0) continue;
    if (per_gpu(n) <= capacity) return n;
    if (!base.arch && n >= 4096) break;
  }
  return std::nullopt;
}

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
    if (r.batch) use(p.kv, "kv_cache");
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
  if (key == "weights") return weights;
  if (key == "gradients" || key == "grads") return gradients;
  if (key == "optimizer") return optimizer;
  if (key == "master") return master;
  if (key == "activations") return activations;
  if (key == "kv-cache" || key == "kv") return kv_cache;
  if (key == "lora") return lora;
  if (key == "overhead") return overhead;
  if (key == "total" || key == "total-bytes") return total_bytes;
  if (key == "per-gpu" || key == "per-gpu-bytes") return per_gpu_bytes;
  for (const Component& c : components)
    if (canonical_key(c.name) == key) return c.bytes;
  return std::nullopt;
}

MemoryEstimate estimate(const MemoryRequest& r) {
  const Plan plan = make_plan(r);
  MemoryEstimate e = compute(r, plan);
  if (plan.kv_defaulted && r.batch && plan.mode == Mode::kInference)
    e.notes.push_back("KV cache in bf16: " + plan.weights.name + " is a storage scheme for weights; set --kv");
  if (plan.zero > 0 && plan.dp == 1)
    e.notes.push_back("ZeRO-" + std::to_string(plan.zero) + " over one data-parallel rank shards nothing; set --gpus");
  for (const std::string& name : r.gpu) {
    const Gpu& g = find_gpu(name);
    Fit f;
    f.gpu = std::string(g.name);
    f.capacity_bytes = g.capacity_bytes;
    f.fits = e.per_gpu_bytes <= static_cast<double>(g.capacity_bytes);
    f.gpus_needed = gpus_needed(r, plan, static_cast<double>(g.capacity_bytes), f.how);
    e.fits.push_back(f);
  }
  if (!r.max_abs.empty()) check_overflow(r, plan, e);
  return e;
}

}  // namespace numscope::memory
