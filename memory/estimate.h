// The LLM memory estimator: a request (the flags of `numscope memory`, settable as key=value) and its breakdown.
//
// Every row is one formula with its source (docs/memory.md): weights, gradients, optimizer states and the FP32
// master copy (Rajbhandari et al. 2019, ZeRO; DeepSpeed's estimators for the runtime's extra buffers), activations
// (Korthikanti et al. 2022, Table 2; Megatron-LM's theoretical_memory_usage.py for pipeline stages), the inference
// peak (logits, the largest intermediate of a layer), the KV cache (Kwon et al. 2023, vLLM), LoRA adapters
// (Hu et al. 2021) over a frozen or NF4 base (Dettmers et al. 2023). Byte widths come from the format registry
// (storage_bits / 8) and from formats/scheme.h for block schemes; the overflow check runs the format engine.
#pragma once

#include <cstdint>      // std::int64_t
#include <memory>       // std::shared_ptr
#include <optional>     // std::optional
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <utility>      // std::pair
#include <vector>       // std::vector

#include "numscope/memory/checkpoint.h"
#include "numscope/memory/gpu.h"
#include "numscope/memory/kv_cache.h"
#include "numscope/memory/model.h"
#include "numscope/memory/weights.h"

namespace numscope::memory {

enum class Mode : std::uint8_t { kInference, kTrain, kLora, kQlora };
enum class Optimizer : std::uint8_t { kNone, kSgd, kMomentum, kAdam, kAdamW, kAdam8bit };
enum class Recompute : std::uint8_t { kNone, kSelective, kFull };
enum class Units : std::uint8_t { kBoth, kGB, kGiB };
/// Where a row lives: GPU memory, host memory (ZeRO-Offload) or NVMe (ZeRO-Infinity).
enum class Device : std::uint8_t { kGpu, kCpu, kNvme };
/// kDeepSpeed: what DeepSpeed's runtime allocates (its estimate_zero2/3_model_states_mem_needs: the fp32 gradient
/// partition, ZeRO-3's gathered layer); kPaper: the ZeRO paper's Table 1 (4Ψ + 12Ψ/N, 2Ψ + 14Ψ/N, 16Ψ/N).
enum class ZeroAccounting : std::uint8_t { kDeepSpeed, kPaper };
/// Which positions get logits in inference: the last of each sequence (serving engines) or all (older generate).
enum class Logits : std::uint8_t { kLast, kAll };

struct GgufModel;  // memory/gguf_model.h

/// Everything `numscope memory` accepts. Unset optionals take the defaults documented per field; the same keys
/// (without "--") work in set_option().
struct MemoryRequest {
  // The model: exactly one of model, config, params, or the architecture fields (or `architecture` itself).
  std::string model;                         // model=llama-3-8b
  std::string config;                        // config=path/to/config.json (or the model directory)
  std::string gguf;                          // gguf=model.gguf: architecture and exact weight bytes from the file
  std::shared_ptr<const GgufModel> gguf_model;  // the model of `gguf` when the caller read it (the web page)
  std::optional<std::int64_t> params;        // params=7B: weights-only estimates
  std::optional<std::int64_t> layers, hidden, heads, kv_heads, head_dim, intermediate, vocab;
  std::optional<std::int64_t> experts, experts_per_token;
  std::optional<bool> tied;                  // tied=true
  std::optional<bool> gated_mlp;             // mlp=gated|plain (default gated)
  std::optional<Architecture> architecture;  // for library callers that already hold one

  std::optional<Mode> mode;                  // default inference
  std::string weights;                       // default bf16 (qlora: nf4)
  std::string grads;                         // default: the trained dtype
  std::string master;                        // "none" or a dtype; default fp32 when training narrower than fp32
  std::optional<Optimizer> optimizer;        // default adamw when training, none for inference
  std::string optimizer_dtype;               // default fp32
  std::optional<std::int64_t> batch, seq;    // seq turns on activations / the KV cache; batch defaults to 1
  std::string kv;                            // default: the activation dtype (config torch_dtype, else bf16)
  std::optional<std::int64_t> kv_block;      // kv-block=16: paged KV, each sequence rounds up to whole blocks
  std::optional<std::int64_t> images;        // images per sequence for cross-attention (vision) models, default 1
  bool quantize_embeddings = false;          // quantize-embeddings: embeddings and head in --weights too
  std::optional<Recompute> recompute;        // default none (train), full (lora, qlora)
  bool sequence_parallel = false;            // sp=true (Korthikanti's sequence parallelism, needs tp > 1)
  std::optional<bool> flash_attention;       // default true: attention scores are not materialised
  std::optional<Logits> logits;              // inference: default last (training: every position)
  std::optional<bool> logits_fp32;           // default true: the fp32 copy of the logits (sampler / loss upcast)
  std::optional<double> cuda_context;        // bytes per GPU for the CUDA context and workspaces; default 1 GB

  // Parallelism: tp × pp × ep × dp = gpus; the ep ranks split the routed experts and replicate the dense layers.
  std::optional<std::int64_t> gpus, tp, pp, dp, ep, gpus_per_node, micro_batches;
  std::optional<int> zero;                   // 0..3, default 0
  std::string fsdp;                          // PyTorch FSDP ShardingStrategy: full_shard (ZeRO-3), shard_grad_op
                                             // (ZeRO-2), no_shard (0), hybrid_shard / hybrid_shard_zero2 (3 / 2
                                             // within a node, replicated across nodes)
  std::optional<ZeroAccounting> zero_accounting;  // default deepspeed
  std::optional<Device> offload_optimizer;   // cpu|nvme: optimizer states, master and fp32 gradients
  std::optional<Device> offload_params;      // cpu|nvme (ZeRO-3): the 16-bit parameters
  std::optional<bool> zero_init;             // default true (DeepSpeed's zero.Init, for the host-memory formula)
  std::optional<std::int64_t> largest_layer; // DeepSpeed's largest_layer_params when there is no architecture
  bool zero_buckets = false;                 // add the runtime's communication buckets as rows

  std::optional<std::int64_t> lora_rank;     // default 8 (PEFT LoraConfig.r) in lora / qlora
  std::vector<std::string> lora_targets;     // default q,k,v,o,gate,up,down
  std::optional<double> overhead_fraction;   // overhead=20%
  std::optional<double> overhead_bytes;      // overhead=1.5GiB (per GPU)
  Units units = Units::kBoth;
  std::vector<std::string> gpu;              // gpu=H100-80GB,RTX-4090,24GiB: fit check and speed bounds
  std::string max_abs;                       // max-abs=123456.789: overflow check (exact decimal text)
};

/// Sets one field from its flag name (with or without "--", '_' or '-') and its text value, validating it:
/// set_option(r, "weights", "fp16"), set_option(r, "kv-heads", "8"), set_option(r, "tied", "").
/// Throws InputError naming the key and what it accepts. The options are the rows of memory/options.h.
void set_option(MemoryRequest& r, std::string_view key, std::string_view value);
/// "key=value" in one string: set_option(r, "seq=8192").
void set_option(MemoryRequest& r, std::string_view key_eq_value);
/// Builds a request from key/value pairs: make_request({{"model", "llama-3-8b"}, {"seq", "8192"}}).
MemoryRequest make_request(const std::vector<std::pair<std::string, std::string>>& options);
/// The accepted keys, for error messages.
std::string option_keys();

/// One row of the breakdown.
struct Component {
  std::string name;                  // weights, gradients, optimizer, master, activations, kv_cache, lora_*, ...
  std::string dtype;                 // "bf16", "nf4", "fp32"
  double bytes_per_element = 0;      // from the registry (storage_bits / 8) or the scheme (bits with scales / 8)
  std::optional<double> elements;    // none for formula rows (activations, overhead)
  double bytes = 0;                  // one model replica, before any sharding (the ZeRO paper's baseline)
  double per_gpu_bytes = 0;          // what each GPU holds after TP, PP, EP and ZeRO (0 when offloaded)
  Device device = Device::kGpu;      // where the row lives after offload
  double offloaded_bytes = 0;        // per GPU rank, held in host memory or on NVMe instead
  bool in_total = true;              // false for cuda_context: counted in the fit, not in the total
  std::string formula;               // the row's formula, as printed
};

/// The fit of the per-GPU need on one card.
struct Fit {
  std::string gpu;
  std::int64_t capacity_bytes = 0;
  double need_bytes = 0;                    // per GPU, the CUDA context included
  bool fits = false;
  std::optional<std::int64_t> gpus_needed;  // the fewest cards that hold the job
  std::string how;                          // "1 GPU", "TP=2", "TP=1 × PP=5", "ZeRO-3 DP=4"
  std::int64_t tp = 1, pp = 1, dp = 1;      // the layout of gpus_needed
};

/// Roofline bounds on one card (LLM-Viewer, llm-analysis): no kernel is faster than its bytes over the bandwidth
/// or its FLOPs over the peak. Bounds, never predictions.
struct Speed {
  std::string gpu;
  std::int64_t gpus = 1;                    // the layout used: the request's when it fits, else gpus_needed's
  std::string how;
  std::string compute_format;               // the peak used: bf16, fp16, fp8, fp32, ...
  std::optional<double> decode_tokens_per_s;  // upper bound, all sequences of the batch together
  std::optional<double> prefill_s;          // lower bound for the batch's prompts
  std::optional<double> train_step_s;       // lower bound for one optimizer step (training)
  std::string note;
};

/// The format engine's verdict on the largest magnitude the user expects, per dtype in use.
struct OverflowCheck {
  std::string dtype;
  std::string value;   // the input, as given
  std::string stored;  // exact decimal of the stored value ("inf", "nan", "-" for block-scaled schemes)
  std::string status;  // exact, rounded, underflow, saturated, overflow, scaled
  std::string max;     // the format's largest finite value, exact
  std::string used_for;  // weights, gradients, master, optimizer, kv_cache, activations
};

struct MemoryEstimate {
  std::int64_t params = 0;            // parameters of the model (the main model: MTP modules apart)
  std::optional<ParamBreakdown> breakdown;  // the parameter rows, when the architecture is known
  std::int64_t trainable_params = 0;  // params (train), the adapters (lora / qlora), 0 (inference)
  std::optional<Architecture> architecture;
  Mode mode = Mode::kInference;
  std::vector<Component> components;
  // Bytes per row kind (one replica; the components' sum where several rows share a kind), for callers that
  // want one number: estimate(r).kv_cache.
  double weights = 0, gradients = 0, optimizer = 0, master = 0, activations = 0, kv_cache = 0, lora = 0,
         overhead = 0, logits = 0;
  double total_bytes = 0;    // sum of the rows in the total, one replica
  double per_gpu_bytes = 0;  // sum of the rows in the total on one GPU (the most loaded pipeline stage)
  double cuda_context_bytes = 0;     // per GPU, not in the totals
  double fit_bytes = 0;              // per_gpu_bytes + cuda_context_bytes: what --gpu compares
  double host_bytes_per_node = 0;    // host memory a node needs (offload; DeepSpeed's formula under its accounting)
  double nvme_bytes_per_node = 0;    // NVMe a node needs (ZeRO-Infinity)
  std::string host_formula;          // how host_bytes_per_node was computed
  double decode_activation_bytes = 0;  // inference: the decode step's peak per GPU (row activations_decode)
  std::int64_t gpus = 1, tp = 1, pp = 1, dp = 1, ep = 1, gpus_per_node = 1;
  std::int64_t stage = 0;            // the pipeline stage whose per-GPU rows are shown (0-based)
  int zero = 0;
  ZeroAccounting zero_accounting = ZeroAccounting::kDeepSpeed;
  std::vector<Fit> fits;
  std::vector<Speed> speeds;
  std::vector<OverflowCheck> overflow;
  // --config DIR with safetensors shards: what the files hold, and how it compares with the config's prediction.
  std::optional<CheckpointFiles> checkpoint_files;
  std::optional<CheckpointCheck> checkpoint;
  std::vector<std::string> notes;  // assumptions and advice, one line each

  /// A number by key: params, trainable_params, active_params, mtp_params, weights, gradients, optimizer, master,
  /// activations, kv_cache, lora, overhead, logits, total (total_bytes), per_gpu (per_gpu_bytes), cuda_context,
  /// fit (fit_bytes), host (host_bytes_per_node), nvme, checkpoint_bytes and checkpoint_elements (the model
  /// directory's tensors), or a component name. Empty when unknown.
  std::optional<double> get(std::string_view key) const;
};

/// Computes the breakdown. Throws InputError for bad or contradictory requests (naming the flags).
MemoryEstimate estimate(const MemoryRequest& r);

/// Bytes of one element of a dtype: storage_bits(find_format(name)) / 8 for registry formats, and
/// scheme_bits_per_element(name) / 8 for storage schemes (int4-g128, q8_0, nf4, mxfp4, ...). `flag` names the
/// option in the error message. Example: dtype_bytes("int4") == 0.5, dtype_bytes("tf32") == 4.
double dtype_bytes(std::string_view name, std::string_view flag = "dtype");

/// Korthikanti et al. 2022, Table 2: activation bytes of ONE transformer layer per GPU, with 16-bit activations.
/// linear = 34 for a 4h GeLU MLP (18 + 4·I/h in general; 18 + 6·I/h for a gated MLP).
double activation_bytes_per_layer(double s, double b, double h, double a, double linear, std::int64_t t, bool sp,
                                  Recompute recompute);

/// The exact mode / optimizer / recompute / device names.
std::string_view mode_name(Mode m);
std::string_view optimizer_name(Optimizer o);
std::string_view recompute_name(Recompute r);
std::string_view device_name(Device d);

}  // namespace numscope::memory
