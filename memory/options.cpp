// The memory estimator's option table (options.h) and the value parsers its rows share.
#include "numscope/memory/options.h"

#include <cctype>  // std::isdigit

#include "numscope/formats/number.h"
#include "numscope/memory/gpu.h"
#include "numscope/memory/model.h"
#include "numscope/support/ascii.h"
#include "numscope/support/error.h"
#include "numscope/support/units.h"

namespace numscope::memory {
namespace {

using V = std::string_view;

std::string need(V key, V value) {
  if (value.empty()) throw InputError("--" + std::string(key) + " needs a value");
  return std::string(value);
}

std::int64_t positive_int(V key, V value) {
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

bool parse_bool(V key, V value) {
  const std::string v = ascii_lower(trim(value));
  if (v.empty() || v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  throw InputError("--" + std::string(key) + " takes true or false, got '" + std::string(value) + "'");
}

/// One of `names` (case-insensitive), as its index; the error lists them.
template <std::size_t N>
std::size_t choice(V key, V value, const char* const (&names)[N], V accepted) {
  const std::string v = ascii_lower(value);
  for (std::size_t i = 0; i < N; ++i)
    if (v == names[i]) return i;
  throw InputError("--" + std::string(key) + " takes " + std::string(accepted) + ", got '" + std::string(value) + "'");
}

/// A dtype (format or storage scheme), validated now so that the error names the flag.
std::string dtype(V key, V value) {
  dtype_bytes(value, key);
  return std::string(value);
}

// "1.5GiB", "2 GB", "512MiB", "100000000" (bytes) -> bytes; support/units.h refuses inf, nan, negatives and
// sizes past 2^63 bytes.
double parse_size(V key, V value) { return parse_byte_size(value, "--" + std::string(key), true); }

void set_overhead(MemoryRequest& r, V value) {
  const std::string v = need("overhead", value);
  if (v.back() == '%') {
    r.overhead_fraction = parse_percent(v, "--overhead", 1000);
    r.overhead_bytes.reset();
  } else {
    r.overhead_bytes = parse_size("overhead", v);
    r.overhead_fraction.reset();
  }
}

void set_lora_targets(MemoryRequest& r, V value) {
  const std::string v = need("lora-targets", value);
  r.lora_targets.clear();
  std::size_t start = 0;
  while (start <= v.size()) {
    std::size_t comma = v.find(',', start);
    if (comma == std::string::npos) comma = v.size();
    const std::string t = ascii_lower(trim(V(v).substr(start, comma - start)));
    if (t.empty()) throw InputError("--lora-targets has an empty name in '" + v + "'");
    r.lora_targets.push_back(t);
    start = comma + 1;
  }
}

// A sequence length: an integer, or with k / K for 1024 tokens (context lengths are powers of two: Llama 3.1's
// "128K" is max_position_embeddings 131072). At most 2^30 tokens.
std::int64_t sequence_length(V value) {
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

// A count with an absurdity bound, for the batch and the parallel degrees.
std::int64_t bounded(V key, V value, std::int64_t max, V what) {
  const std::int64_t n = positive_int(key, value);
  if (n > max)
    throw InputError("--" + std::string(key) + " " + trim(value) + " is absurd: at most " + std::to_string(max) + " " +
                     std::string(what));
  return n;
}

Device device(V key, V value) {
  constexpr const char* kDevices[] = {"none", "cpu", "nvme"};
  const std::size_t i = choice(key, value, kDevices, "none, cpu or nvme");
  return i == 0 ? Device::kGpu : i == 1 ? Device::kCpu : Device::kNvme;
}

void set_max_abs(MemoryRequest& r, V value) {
  const std::string v = need("max-abs", value);
  const Number n = parse_number(v);
  if (n.kind != Number::Kind::kFinite || n.is_zero() || n.neg)
    throw InputError("--max-abs takes a positive finite magnitude (e.g. 123456.789), got '" + v + "'");
  r.max_abs = v;
}

constexpr const char* kModes[] = {"inference", "train", "lora", "qlora"};
constexpr const char* kOptimizers[] = {"none", "sgd", "momentum", "adam", "adamw", "adam8bit"};
constexpr const char* kRecomputes[] = {"none", "selective", "full"};
constexpr const char* kUnits[] = {"both", "gb", "gib"};
constexpr const char* kMlps[] = {"gated", "plain"};
constexpr const char* kZeroStages[] = {"0", "1", "2", "3"};
constexpr const char* kLogits[] = {"last", "all"};
constexpr const char* kAccounting[] = {"deepspeed", "paper"};
constexpr const char* kFsdp[] = {"full_shard", "shard_grad_op", "no_shard", "hybrid_shard", "hybrid_shard_zero2"};
constexpr std::int64_t kMaxDegree = std::int64_t{1} << 20;

// The rows, in the order of --help. A row's parser sees the value trimmed of blanks.
const Option kOptions[] = {
    {"model", "NAME", "a built-in model (see --list-models); several make a grid", "",
     [](MemoryRequest& r, V v) { r.model = need("model", v); }, true},
    {"config", "FILE|DIR",
     "a Hugging Face config.json or model directory (llama, mistral, mixtral, qwen2, qwen2_moe, qwen3, qwen3_moe, "
     "gemma, gemma2, gemma3, phi3, gpt2, deepseek, deepseek_v2, deepseek_v3, mllama)",
     "",
     [](MemoryRequest& r, V v) { r.config = need("config", v); }},
    {"gguf", "FILE", "a llama.cpp GGUF file: architecture from its metadata, exact weight bytes from its tensors", "",
     [](MemoryRequest& r, V v) { r.gguf = need("gguf", v); }},
    {"params", "N", "parameter count for weight-only estimates: 7B, 1.5B, 350M or an integer; several make a grid",
     "", [](MemoryRequest& r, V v) { r.params = parse_param_count(v); }, true},
    {"layers", "N", "architecture: transformer layers", "",
     [](MemoryRequest& r, V v) { r.layers = positive_int("layers", v); }},
    {"hidden", "N", "architecture: hidden size", "",
     [](MemoryRequest& r, V v) { r.hidden = positive_int("hidden", v); }},
    {"heads", "N", "architecture: attention heads", "",
     [](MemoryRequest& r, V v) { r.heads = positive_int("heads", v); }},
    {"kv-heads", "N", "architecture: key/value heads", "heads",
     [](MemoryRequest& r, V v) { r.kv_heads = positive_int("kv-heads", v); }},
    {"head-dim", "N", "architecture: head dimension", "hidden / heads",
     [](MemoryRequest& r, V v) { r.head_dim = positive_int("head-dim", v); }},
    {"intermediate", "N", "architecture: MLP width (per expert)", "",
     [](MemoryRequest& r, V v) { r.intermediate = positive_int("intermediate", v); }},
    {"vocab", "N", "architecture: vocabulary size", "",
     [](MemoryRequest& r, V v) { r.vocab = positive_int("vocab", v); }},
    {"tied", "", "architecture: the output head shares the embedding", "",
     [](MemoryRequest& r, V v) { r.tied = parse_bool("tied", v); }},
    {"experts", "N", "architecture: MoE experts per layer", "",
     [](MemoryRequest& r, V v) { r.experts = positive_int("experts", v); }},
    {"experts-per-token", "K", "architecture: routed experts per token", "2",
     [](MemoryRequest& r, V v) { r.experts_per_token = positive_int("experts-per-token", v); }},
    {"mlp", "KIND", "architecture: gated (SwiGLU) or plain (GPT-2/GPT-3)", "gated",
     [](MemoryRequest& r, V v) { r.gated_mlp = choice("mlp", v, kMlps, "gated or plain") == 0; }},
    {"mode", "MODE", "inference, train, lora or qlora", "inference",
     [](MemoryRequest& r, V v) { r.mode = static_cast<Mode>(choice("mode", v, kModes, "inference, train, lora or qlora")); }},
    {"weights", "DTYPE", "weights dtype or storage scheme (quantized: the linear layers; embeddings, head, norms 16-bit)",
     "the config's quantization_config or torch_dtype in inference, else bf16; qlora nf4",
     [](MemoryRequest& r, V v) { r.weights = dtype("weights", v); }, true},
    {"grads", "DTYPE", "gradient dtype", "the trained dtype",
     [](MemoryRequest& r, V v) { r.grads = dtype("grads", v); }},
    {"master", "DTYPE", "master copy dtype or none", "fp32 when training narrower than fp32",
     [](MemoryRequest& r, V v) { r.master = ascii_lower(v) == "none" ? std::string(v) : dtype("master", v); }},
    {"optimizer", "NAME", "none, sgd, momentum, adam, adamw or adam8bit", "adamw when training",
     [](MemoryRequest& r, V v) {
       r.optimizer = static_cast<Optimizer>(
           choice("optimizer", v, kOptimizers, "none, sgd, momentum, adam, adamw or adam8bit"));
     }},
    {"optimizer-dtype", "DTYPE", "optimizer state dtype", "fp32",
     [](MemoryRequest& r, V v) { r.optimizer_dtype = dtype("optimizer-dtype", v); }},
    {"seq", "S", "sequence length: 8192, 32K, 128k (k = 1024 tokens); turns on activations and the KV cache", "",
     [](MemoryRequest& r, V v) { r.seq = sequence_length(v); }},
    {"batch", "B", "sequences per GPU (the micro-batch)", "1 with --seq",
     [](MemoryRequest& r, V v) { r.batch = bounded("batch", v, std::int64_t{1} << 30, "sequences"); }},
    {"kv", "DTYPE", "KV cache dtype: bf16, fp16, fp8, int8/int4 (with scales), nvfp4, mxfp8, ...",
     "the activation dtype", [](MemoryRequest& r, V v) {
       kv_format(v);
       r.kv = std::string(v);
     }},
    {"kv-block", "N", "paged KV cache: each sequence rounds up to blocks of N tokens (vLLM: 16)", "",
     [](MemoryRequest& r, V v) { r.kv_block = positive_int("kv-block", v); }},
    {"images", "N", "images per sequence for cross-attention (vision) models", "1",
     [](MemoryRequest& r, V v) { r.images = v == "0" ? 0 : positive_int("images", v); }},
    {"quantize-embeddings", "", "store embeddings and head in --weights too", "16-bit",
     [](MemoryRequest& r, V v) { r.quantize_embeddings = parse_bool("quantize-embeddings", v); }},
    {"recompute", "KIND", "activation recomputation: none, selective or full", "none; lora and qlora full",
     [](MemoryRequest& r, V v) {
       r.recompute = static_cast<Recompute>(choice("recompute", v, kRecomputes, "none, selective or full"));
     }},
    {"sp", "", "sequence parallelism with --tp (Korthikanti et al. 2022)", "",
     [](MemoryRequest& r, V v) { r.sequence_parallel = parse_bool("sp", v); }, false, "sequence-parallel"},
    {"flash-attention", "on|off", "inference: attention scores computed in tiles, never stored", "on",
     [](MemoryRequest& r, V v) { r.flash_attention = parse_bool("flash-attention", v); }},
    {"logits", "WHICH", "inference: logits of the last position of each sequence, or of all positions", "last",
     [](MemoryRequest& r, V v) {
       r.logits = choice("logits", v, kLogits, "last (serving engines) or all (every position)") == 0 ? Logits::kLast
                                                                                                      : Logits::kAll;
     }},
    {"logits-fp32", "on|off", "the fp32 copy of the logits (the sampler's, the loss's)", "on",
     [](MemoryRequest& r, V v) { r.logits_fp32 = parse_bool("logits-fp32", v); }},
    {"cuda-context", "SIZE", "per-GPU CUDA context and workspaces, in the fit but not the total (0 drops it)", "1GB",
     [](MemoryRequest& r, V v) {
       const std::string s = ascii_lower(need("cuda-context", v));
       r.cuda_context = (s == "0" || s == "off" || s == "none") ? 0.0 : parse_byte_size(v, "--cuda-context");
     }},
    {"gpus", "N", "GPUs: tp × pp × ep × dp", "tp × pp × ep × dp",
     [](MemoryRequest& r, V v) { r.gpus = bounded("gpus", v, std::int64_t{1} << 24, "GPUs"); }},
    {"tp", "N", "tensor-parallel degree (divides the head count)", "1",
     [](MemoryRequest& r, V v) { r.tp = bounded("tp", v, kMaxDegree, "(a degree of parallelism)"); }},
    {"pp", "N", "pipeline-parallel degree (at most the layer count)", "1",
     [](MemoryRequest& r, V v) { r.pp = bounded("pp", v, kMaxDegree, "(a degree of parallelism)"); }},
    {"dp", "N", "data-parallel degree", "gpus / (tp × pp × ep)",
     [](MemoryRequest& r, V v) { r.dp = bounded("dp", v, kMaxDegree, "(a degree of parallelism)"); }},
    {"ep", "N", "expert parallelism: each rank holds experts / N of every MoE layer (N divides the expert count)",
     "1", [](MemoryRequest& r, V v) { r.ep = bounded("ep", v, kMaxDegree, "(a degree of parallelism)"); }},
    {"gpus-per-node", "N", "GPUs per node: host memory per node, hybrid sharding", "min(gpus, 8)",
     [](MemoryRequest& r, V v) { r.gpus_per_node = bounded("gpus-per-node", v, kMaxDegree, "GPUs"); }},
    {"micro-batches", "M", "training: micro-batches per step; 1F1B keeps min(pp - stage, M) in flight", "pp",
     [](MemoryRequest& r, V v) { r.micro_batches = bounded("micro-batches", v, kMaxDegree, "micro-batches"); }},
    {"zero", "STAGE", "ZeRO stage 0, 1, 2 or 3 (training)", "0",
     [](MemoryRequest& r, V v) { r.zero = static_cast<int>(choice("zero", v, kZeroStages, "0, 1, 2 or 3")); }},
    {"fsdp", "STRATEGY", "PyTorch FSDP's sharding strategy, as the ZeRO stage it is: full_shard (3), shard_grad_op "
     "(2), no_shard (0), hybrid_shard / hybrid_shard_zero2 (3 / 2 within a node)", "",
     [](MemoryRequest& r, V v) {
       r.fsdp = kFsdp[choice("fsdp", v, kFsdp,
                             "full_shard, shard_grad_op, no_shard, hybrid_shard or hybrid_shard_zero2")];
     }},
    {"zero-accounting", "HOW", "deepspeed (its estimators: the fp32 gradient partition, ZeRO-3's gathered layer) or "
     "paper (ZeRO's Table 1)", "deepspeed",
     [](MemoryRequest& r, V v) {
       r.zero_accounting = choice("zero-accounting", v, kAccounting, "deepspeed or paper") == 0
                               ? ZeroAccounting::kDeepSpeed
                               : ZeroAccounting::kPaper;
     }},
    {"offload-optimizer", "DEV", "none, cpu or nvme: the optimizer states, master copy and fp32 gradients", "none",
     [](MemoryRequest& r, V v) { r.offload_optimizer = device("offload-optimizer", v); }},
    {"offload-params", "DEV", "none, cpu or nvme: the 16-bit parameters (ZeRO-3)", "none",
     [](MemoryRequest& r, V v) { r.offload_params = device("offload-params", v); }},
    {"zero-init", "on|off", "DeepSpeed's zero.Init, for the host-memory formula", "on",
     [](MemoryRequest& r, V v) { r.zero_init = parse_bool("zero-init", v); }},
    {"largest-layer", "N", "DeepSpeed's largest_layer_params for ZeRO-3 without an architecture", "",
     [](MemoryRequest& r, V v) { r.largest_layer = parse_param_count(v); }},
    {"zero-buckets", "", "DeepSpeed's communication buckets as rows", "",
     [](MemoryRequest& r, V v) { r.zero_buckets = parse_bool("zero-buckets", v); }},
    {"lora-rank", "R", "LoRA rank", "8", [](MemoryRequest& r, V v) { r.lora_rank = positive_int("lora-rank", v); }},
    {"lora-targets", "LIST", "adapted matrices", "q,k,v,o,gate,up,down", set_lora_targets},
    {"overhead", "X", "extra row: a percentage (20%) or a size per GPU (1.5GiB)", "none", set_overhead},
    {"units", "U", "GB, GiB or both", "both",
     [](MemoryRequest& r, V v) { r.units = static_cast<Units>(choice("units", v, kUnits, "GB, GiB or both")); }},
    {"gpu", "CARD[,CARD]", "fit, GPUs needed and speed bounds on a catalog card (see --list-gpus), a size (24GiB) "
     "or name:size", "",
     [](MemoryRequest& r, V v) {
       for (const Gpu& g : parse_gpus(need("gpu", v))) r.gpu.emplace_back(g.name);  // names re-parse to the card
     },
     true},
    {"max-abs", "X", "overflow check: the largest magnitude expected in weights, activations or gradients", "",
     set_max_abs},
};

}  // namespace

std::span<const Option> options() { return kOptions; }

std::string canonical_key(std::string_view key) {
  while (!key.empty() && key.front() == '-') key.remove_prefix(1);
  std::string k = ascii_lower(key);
  for (char& c : k)
    if (c == '_') c = '-';
  return k;
}

const Option* find_option(std::string_view key) {
  const std::string k = canonical_key(key);
  for (const Option& o : kOptions)
    if (o.name == k || (!o.alias.empty() && o.alias == k)) return &o;
  return nullptr;
}

std::string option_keys() {
  std::string s;
  for (const Option& o : kOptions) s += (s.empty() ? "" : ", ") + std::string(o.name);
  return s;
}

void set_option(MemoryRequest& r, std::string_view key, std::string_view value) {
  const Option* o = find_option(key);
  if (o == nullptr) throw InputError("unknown memory option '" + std::string(key) + "'; accepted: " + option_keys());
  o->set(r, trim(value));
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

}  // namespace numscope::memory
