// The breakdown of a plan (see breakdown.h): each row's formula, its share on every pipeline stage after TP, EP
// and ZeRO, where offload puts it, and the totals of the most loaded stage.
#include "numscope/memory/breakdown.h"
#include "numscope/support/error.h"

#include <algorithm>  // std::find, std::max
#include <cmath>      // std::ceil

#include "numscope/formats/properties.h"
#include "numscope/formats/registry.h"
#include "numscope/memory/parallel.h"
#include "numscope/memory/zero.h"

namespace numscope::memory {
namespace {

std::string n(std::int64_t v) { return std::to_string(v); }

// The rows of one pipeline stage.
class StageRows {
 public:
  StageRows(const Plan& p, const Stage& st) : p_(p), st_(st) {}

  std::vector<Component> rows;
  double trainable = 0;

  void build() {
    weights();
    training_state();
    if (p_.seq && p_.arch) p_.training() ? training_activations() : inference_peak();
    overhead();
    if (p_.cuda_context > 0) {
      Component c;
      c.name = "cuda_context";
      c.dtype = "-";
      c.bytes = c.per_gpu_bytes = p_.cuda_context;
      c.in_total = false;
      c.formula = "per GPU: CUDA context and cuBLAS/cuDNN workspaces (0.3-1 GB, NAIRR GPU guide); in the fit, not "
                  "the total";
      rows.push_back(c);
    }
  }

  std::int64_t index() const { return st_.index; }

  double gpu_bytes() const {
    double s = 0;
    for (const Component& c : rows)
      if (c.in_total) s += c.per_gpu_bytes;
    return s;
  }

 private:
  const Plan& p_;
  const Stage& st_;

  bool zero_shards(ZeroRow k) const {
    const int s = zero_partition_stage(k);
    return s > 0 && p_.zero >= s;
  }

  std::string suffix(ZeroRow k, bool experts) const {
    const Layout& l = p_.layout;
    std::string out;
    if (l.tp > 1) out += " / " + n(l.tp) + " (TP)";
    if (experts && l.ep > 1) out += (l.tp > 1 ? ", routed experts / " : ", routed experts / ") + n(l.ep) + " (EP)";
    if (zero_shards(k) && l.shard > 1) out += " / " + n(l.shard) + " (ZeRO-" + std::to_string(p_.zero) + ")";
    return out;
  }

  // Parameter-shaped elements on one GPU: dense parts over TP, the routed experts over EP (whole experts per rank,
  // as vLLM's expert parallelism places them; without EP they split over TP like the rest), and over the ZeRO shard
  // group when the row's stage partitions it (for experts, the tp · shard / ep ranks that hold the same ones).
  double per_gpu(double dense, double expert, ZeroRow k) const {
    const Layout& l = p_.layout;
    const double tp = static_cast<double>(l.tp), ep = static_cast<double>(l.ep);
    double d = dense / tp, e = l.ep > 1 ? expert / ep : expert / tp;
    if (zero_shards(k)) {
      d /= static_cast<double>(l.shard);
      e /= l.ep > 1 ? std::max(1.0, tp * static_cast<double>(l.shard) / ep) : static_cast<double>(l.shard);
    }
    return d + e;
  }

  void push(Component c, ZeroRow k) {
    if (p_.training() && k != ZeroRow::kFixed) {
      const Device d = zero_device(k, p_);
      if (d != Device::kGpu) {
        c.device = d;
        c.offloaded_bytes = c.per_gpu_bytes;
        c.per_gpu_bytes = 0;
        c.formula += " → " + std::string(device_name(d)) + " (offloaded)";
      }
    }
    rows.push_back(std::move(c));
  }

  void param_row(std::string name, const Dtype& d, double elements, double dense, double expert, std::string formula,
                 ZeroRow k) {
    Component c;
    c.name = std::move(name);
    c.dtype = d.name;
    c.bytes_per_element = d.bytes();
    c.elements = elements;
    c.bytes = elements * d.bytes();
    c.per_gpu_bytes = per_gpu(dense, expert, k) * d.bytes();
    c.formula = std::move(formula) + suffix(k, expert > 0);
    push(std::move(c), k);
  }

  void fixed_row(std::string name, const Dtype& d, std::optional<double> elements, double bytes, double gpu,
                 std::string formula) {
    Component c;
    c.name = std::move(name);
    c.dtype = d.name;
    c.bytes_per_element = d.bytes();
    c.elements = elements;
    c.bytes = bytes;
    c.per_gpu_bytes = gpu;
    c.formula = std::move(formula);
    push(std::move(c), ZeroRow::kFixed);
  }

  // A weight row from its replica bytes: the stage's dense part over TP, its routed experts over TP · EP.
  void weight_row(std::string name, const Dtype& d, double elements, double bytes, double stage_bytes,
                  double stage_expert_bytes, std::string formula) {
    Component c;
    c.name = std::move(name);
    c.dtype = d.name;
    c.elements = elements;
    c.bytes = bytes;
    c.bytes_per_element = elements > 0 ? bytes / elements : d.bytes();
    c.per_gpu_bytes = per_gpu(stage_bytes - stage_expert_bytes, stage_expert_bytes, ZeroRow::kWeights);
    c.formula = std::move(formula) + suffix(ZeroRow::kWeights, stage_expert_bytes > 0);
    push(std::move(c), ZeroRow::kWeights);
  }

  void weights() {
    const double P = static_cast<double>(p_.params);
    if (p_.gguf_weights()) {
      // The file's own tensors, by ggml type, to the byte (elements / block × bytes per block).
      for (const GgufModel::TypeTotal& t : p_.gguf->by_type) {
        const Dtype d{t.type, 8.0 * static_cast<double>(t.bytes) / static_cast<double>(t.elements), std::nullopt};
        const double bytes = static_cast<double>(t.bytes);
        weight_row("weights_" + t.type, d, static_cast<double>(t.elements), bytes, bytes * st_.params / P, 0,
                   std::to_string(t.tensors) + (t.tensors == 1 ? " tensor" : " tensors") + " of the file, " +
                       std::to_string(t.bytes) + " B");
      }
      return;
    }
    // A 16- or 32-bit float stores every parameter alike; a narrower format or a scheme stores the linear layers
    // only (QLoRA, quantized checkpoints: weights.h), the rest in the 16-bit dtype unless --quantize-embeddings.
    const bool split = p_.arch && (p_.mode == Mode::kQlora || !(p_.weights.is_float() && p_.weights.bits >= 16));
    if (!split) {
      double expert_bytes = 0;
      if (p_.arch && p_.arch->experts > 0 && !p_.gguf)
        expert_bytes = weight_storage(*p_.arch, p_.weights.name, p_.weights.name, false).expert_bytes;
      const double bytes = P * p_.weights.bytes(), stage = st_.params / P;
      const double routed = p_.arch ? static_cast<double>(param_breakdown(*p_.arch).routed_experts) : 0;
      weight_row("weights", p_.weights, P, bytes, bytes * stage,
                 routed > 0 ? expert_bytes * st_.expert / routed : 0,
                 "P × " + formula_number(p_.weights.bytes()) + " B");
      return;
    }
    const Architecture& a = *p_.arch;
    const ParamBreakdown b = param_breakdown(a);
    // The 16-bit dtype: the activations' (the trained dtype when that is a 16- or 32-bit float, else the model's
    // torch_dtype: plan.cpp). Not the trained dtype, which --mode train --weights int4 makes int4.
    const Dtype& other = p_.act;
    const WeightQuant* q = p_.weights_from.empty() ? nullptr : &a.quant;
    const WeightStorage w = weight_storage(a, p_.weights.name, other.name, p_.quantize_embeddings, q);
    // Stage shares: the linear layers with the stage's layers, the rest with what the stage holds besides them.
    const double linear_share = b.linear > 0 ? st_.linear / static_cast<double>(b.linear) : 0;
    const double rest = P - static_cast<double>(b.linear);
    const double other_share = rest > 0 ? (st_.params - st_.linear) / rest : 0;
    const double routed = static_cast<double>(b.routed_experts);
    weight_row("weights", p_.weights, static_cast<double>(w.quantized_params), w.quantized_bytes,
               w.quantized_bytes * linear_share, routed > 0 ? w.expert_bytes * st_.expert / routed : 0,
               w.quantized_what + " × " + formula_number(p_.weights.bytes()) + " B" + (q ? " + scales" : ""));
    weight_row("weights_other", other, static_cast<double>(w.other_params),
               static_cast<double>(w.other_params) * other.bytes(),
               static_cast<double>(w.other_params) * other.bytes() * other_share, 0,
               "embeddings, head, norms, routers, biases" +
                   std::string(a.vision.kind != VisionTower::Kind::kNone ? ", vision tower" : "") + " × " +
                   formula_number(other.bytes()) + " B");
  }

  void training_state() {
    if (!p_.training()) return;
    double dense = 0, expert = 0;
    std::string prefix, T = "P";
    if (p_.mode == Mode::kTrain) {
      trainable = static_cast<double>(p_.params);
      dense = st_.params - st_.expert;
      expert = st_.expert;
    } else {
      trainable = static_cast<double>(lora_params(*p_.arch, p_.lora_rank, p_.lora_targets));
      dense = trainable * static_cast<double>(st_.layers) / static_cast<double>(p_.arch->layers);
      prefix = "lora_";
      T = "P_lora";
      param_row("lora_weights", p_.trained, trainable, dense, 0,
                "r·(d_in + d_out) per adapted matrix, r = " + n(p_.lora_rank) + " (" + join(p_.lora_targets, ",") +
                    ") × " + formula_number(p_.trained.bytes()) + " B",
                ZeroRow::kWeights);
    }
    // DeepSpeed's optimizer keeps an fp32 copy of its gradient partition (stage_1_and_2.py: the 2 + 18 of
    // estimate_zero2; ZeRO-3 reduce-scatters straight into it, so no 16-bit gradient partition remains).
    const bool deepspeed = p_.accounting == ZeroAccounting::kDeepSpeed && p_.zero >= 1;
    const bool fp32_grads = deepspeed && p_.master.has_value();
    if (!(fp32_grads && p_.zero == 3))
      param_row(prefix + "gradients", p_.grads, trainable, dense, expert,
                T + " × " + formula_number(p_.grads.bytes()) + " B", ZeroRow::kGradients);
    if (fp32_grads)
      param_row(prefix + "gradients_fp32", *p_.master, trainable, dense, expert,
                T + " × " + formula_number(p_.master->bytes()) + " B (DeepSpeed's " + p_.master->name +
                    " gradient partition)",
                ZeroRow::kGradientsFp32);
    optimizer_rows(prefix, T, dense, expert);
    if (p_.master)
      param_row(prefix + "master", *p_.master, trainable, dense, expert,
                T + " × " + formula_number(p_.master->bytes()) + " B", ZeroRow::kMaster);
    if (deepspeed && p_.zero == 3) {
      // stage3.py: largest_layer_memory = 4 · largest_layer_params, the gathered 16-bit parameters and gradients.
      const double w = p_.trained.bytes() + p_.grads.bytes(), L = static_cast<double>(p_.largest_layer);
      Component c;
      c.name = "gather_buffer";
      c.dtype = p_.trained.name + "+" + p_.grads.name;
      c.bytes_per_element = w;
      c.elements = L;
      c.bytes = c.per_gpu_bytes = L * w;
      c.formula = "largest layer " + n(p_.largest_layer) + " params × (" + formula_number(p_.trained.bytes()) + " + " +
                  formula_number(p_.grads.bytes()) + ") B (ZeRO-3 gathers one layer; DeepSpeed stage3.py)";
      push(c, ZeroRow::kGatherBuffer);
    }
    if (p_.zero_buckets)
      for (const Bucket& b : zero_buckets(p_.zero)) {
        const Dtype& d = b.gradients ? p_.grads : p_.trained;
        Component c;
        c.name = b.name;
        c.dtype = d.name;
        c.bytes_per_element = d.bytes();
        c.elements = b.elements;
        c.bytes = c.per_gpu_bytes = b.elements * d.bytes();
        c.formula = formula_number(b.elements) + " × " + formula_number(d.bytes()) + " B, " + b.source;
        push(c, ZeroRow::kBucket);
      }
  }

  void optimizer_rows(const std::string& prefix, const std::string& T, double dense, double expert) {
    int states = 0;
    if (p_.optimizer == Optimizer::kMomentum) states = 1;
    if (p_.optimizer == Optimizer::kAdam || p_.optimizer == Optimizer::kAdamW) states = 2;
    if (p_.optimizer == Optimizer::kAdam8bit) {
      // bitsandbytes 8-bit Adam: two uint8 states, block-wise quantized in blocks of 2048 with one fp32 absmax
      // each (Dettmers et al. 2022, "8-bit Optimizers via Block-wise Quantization", §2).
      const Format &u8 = kUint8, &f32 = kFp32;
      const Dtype d{"uint8+fp32/2048", storage_bits(u8) + storage_bits(f32) / 2048.0, std::nullopt};
      param_row(prefix + "optimizer", d, 2 * trainable, 2 * dense, 2 * expert,
                "2 states × " + T + " × " + formula_number(d.bytes()) + " B (adam8bit)", ZeroRow::kOptimizer);
    } else if (states > 0) {
      param_row(prefix + "optimizer", p_.opt_dtype, states * trainable, states * dense, states * expert,
                std::to_string(states) + " state" + (states > 1 ? "s" : "") + " × " + T + " × " +
                    formula_number(p_.opt_dtype.bytes()) + " B (" + std::string(optimizer_name(p_.optimizer)) + ")",
                ZeroRow::kOptimizer);
    } else {
      param_row(prefix + "optimizer", p_.opt_dtype, 0, 0, 0,
                "0 states (" + std::string(optimizer_name(p_.optimizer)) + ")", ZeroRow::kOptimizer);
    }
  }

  std::string stage_note() const {
    if (p_.layout.pp == 1) return "";
    return ", stage " + n(st_.index) + ": " + n(st_.layers) + " layers × " + n(st_.in_flight) + " in flight";
  }

  void training_activations() {
    const Architecture& a = *p_.arch;
    const Layout& l = p_.layout;
    const double s = static_cast<double>(*p_.seq), b = static_cast<double>(*p_.batch),
                 h = static_cast<double>(a.hidden), t = static_cast<double>(l.tp);
    const double width =
        static_cast<double>(a.intermediate) * static_cast<double>(a.experts > 0 ? a.experts_per_token : 1);
    const double linear = 18 + (a.gated_mlp ? 6 : 4) * width / h;
    const double per_layer = activation_bytes_per_layer(s, b, h, static_cast<double>(a.heads), linear, l.tp,
                                                        p_.sequence_parallel, p_.recompute);
    const double scale = p_.act.bytes() / 2;  // the paper counts 16-bit activations
    const std::string lin = formula_number(linear);
    std::string f;
    const bool sp = p_.sequence_parallel;
    if (p_.recompute == Recompute::kFull) f = "L·2sbh" + std::string(sp ? "/t" : "") + " (full)";
    else if (p_.recompute == Recompute::kSelective)
      f = l.tp == 1 ? "L·sbh·" + lin + " (selective)"
          : sp      ? "L·sbh·" + lin + "/t (selective)"
                    : "L·sbh·(10 + " + formula_number(linear - 10) + "/t) (selective)";
    else
      f = l.tp == 1 ? "L·sbh·(" + lin + " + 5as/h)"
          : sp      ? "L·sbh·(" + lin + "/t + 5as/(ht))"
                    : "L·sbh·(10 + " + formula_number(linear - 10) + "/t + 5as/(ht))";
    f += ", s=" + n(*p_.seq) + " b=" + n(*p_.batch);
    if (l.tp > 1) f += " t=" + n(l.tp);
    if (scale != 1) f += " × " + formula_number(scale);
    f += stage_note();
    fixed_row("activations", p_.act, std::nullopt, per_layer * static_cast<double>(a.layers) * scale * t,
              per_layer * static_cast<double>(st_.layers * st_.in_flight) * scale, f);
    if (st_.first) {
      // Korthikanti et al. §4.3 / Megatron-LM compute_activation_memory: the int64 input ids (8sb) and the
      // embedding's dropout mask (sbh), for every micro-batch in flight; split over t with sequence parallelism.
      const double e = (8 * s * b + s * b * h) / (sp ? t : 1.0);
      fixed_row("embedding_activations", p_.act, std::nullopt, e, e * static_cast<double>(st_.in_flight),
                "8·s·b + s·b·h (input ids, embedding dropout mask)" + std::string(sp ? " / t" : "") +
                    (st_.in_flight > 1 ? " × " + n(st_.in_flight) + " in flight" : ""));
    }
    if (st_.last) logits_rows(s * b, "s·b·V (every position: the loss)");
  }

  void logits_rows(double positions, const std::string& what) {
    const double V = static_cast<double>(p_.arch->vocab), t = static_cast<double>(p_.layout.tp);
    const double e = positions * V;
    const std::string split = p_.layout.tp > 1 ? " / " + n(p_.layout.tp) + " (TP, vocab-parallel)" : "";
    fixed_row("logits", p_.act, e, e * p_.act.bytes(), e / t * p_.act.bytes(),
              what + " × " + formula_number(p_.act.bytes()) + " B" + split);
    if (p_.logits_fp32) {
      const Dtype f32 = resolve_dtype("fp32", "logits");
      fixed_row("logits_fp32", f32, e, e * 4, e / t * 4,
                what + " × 4 B: the fp32 copy " + (p_.training() ? "for the loss" : "the sampler takes") + split);
    }
  }

  void inference_peak() {
    const Architecture& a = *p_.arch;
    const Layout& l = p_.layout;
    const double s = static_cast<double>(*p_.seq), b = static_cast<double>(*p_.batch);
    // The KV cache (kv_cache.h: every family's layers, MLA, sliding windows, cross-attention, KV formats with
    // their scales, paged blocks), held by the stage in proportion to its layers.
    KvRequest kr;
    kr.batch = *p_.batch;
    kr.seq = *p_.seq;
    kr.block = p_.kv_block;
    kr.tp = l.tp;
    kr.images = p_.images;
    const double share = static_cast<double>(st_.layers) / static_cast<double>(a.layers);
    for (const KvRow& k : kv_cache_rows(a, p_.kv, kr)) {
      Component c;
      c.name = k.name;
      c.dtype = p_.kv.name;
      c.bytes_per_element = k.elements > 0 ? k.bytes / k.elements : 0;
      c.elements = k.elements;
      c.bytes = k.bytes;
      c.per_gpu_bytes = k.per_gpu_bytes * share;
      c.formula = k.formula + (l.pp > 1 ? ", stage " + n(st_.index) + ": " + n(st_.layers) + " layers" : "");
      push(std::move(c), ZeroRow::kFixed);
    }
    // Prefill (the whole prompt at once) and a decode step (one new position against s cached) are two peaks at
    // different times: the prefill's is the larger and is in the total; the decode row is shown beside it.
    std::string tf, df;
    const double gpu = layer_transient_elements(a, b, s, s, l.tp, p_.flash_attention, &tf);
    const double one = layer_transient_elements(a, b, s, s, 1, p_.flash_attention);
    fixed_row("activations", p_.act, std::nullopt, one * p_.act.bytes(), gpu * p_.act.bytes(),
              tf + " × " + formula_number(p_.act.bytes()) + " B (prefill, one layer live)");
    const double dec_gpu = layer_transient_elements(a, b, 1, s, l.tp, p_.flash_attention, &df);
    const double dec_one = layer_transient_elements(a, b, 1, s, 1, p_.flash_attention);
    fixed_row("activations_decode", p_.act, std::nullopt, dec_one * p_.act.bytes(), dec_gpu * p_.act.bytes(),
              df + " × " + formula_number(p_.act.bytes()) +
                  " B (decode step, one layer live; not in the total: the prefill's peak is larger)");
    rows.back().in_total = false;
    if (st_.last)
      logits_rows(p_.logits == Logits::kAll ? b * s : b,
                  p_.logits == Logits::kAll ? "b·s·V (--logits all)" : "b·V (the last position)");
  }

  void overhead() {
    if (!p_.overhead_fraction && !p_.overhead_bytes) return;
    double sum = 0, sum_gpu = 0;
    for (const Component& c : rows) {
      if (!c.in_total) continue;  // the decode step's row is beside the total, not in it
      sum += c.bytes;
      sum_gpu += c.per_gpu_bytes;
    }
    Component c;
    c.name = "overhead";
    c.dtype = "-";
    if (p_.overhead_fraction) {
      c.bytes = sum * *p_.overhead_fraction;
      c.per_gpu_bytes = sum_gpu * *p_.overhead_fraction;
      c.formula = formula_number(*p_.overhead_fraction * 100) + "% of the rows above";
    } else {
      c.per_gpu_bytes = *p_.overhead_bytes;
      c.bytes = *p_.overhead_bytes * static_cast<double>(p_.layout.tp);
      c.formula = "fixed, per GPU";
    }
    rows.push_back(c);
  }
};

}  // namespace

double layer_transient_elements(const Architecture& a, double b, double q, double ctx, std::int64_t tp, bool flash,
                                std::string* formula) {
  const double t = static_cast<double>(tp), h = static_cast<double>(a.hidden), d = static_cast<double>(a.head_dim);
  const double heads = static_cast<double>(a.heads) / t;
  const double kv = std::ceil(static_cast<double>(a.kv_heads) / t);
  const double k = static_cast<double>(a.experts > 0 ? a.experts_per_token : 1);
  const double mlp = (a.gated_mlp ? 3 : 2) * static_cast<double>(a.intermediate) * k / t;
  const double attn = (2 * heads + 2 * kv) * d + (flash ? 0 : 2 * heads * ctx);
  if (formula) {
    // A decode step (q = 1) attends over ctx cached positions: its scores are 2·a·ctx, not 2·a·s.
    const bool decode = q == 1 && ctx != 1;
    const std::string ts = tp > 1 ? "/t" : "";
    const std::string mlp_f = std::string(a.gated_mlp ? "3" : "2") + "·I" + (a.experts > 0 ? "·k" : "") + ts;
    const std::string attn_f = "(2a + 2kv)·d" + ts + (flash ? "" : (decode ? " + 2·a·ctx" : " + 2·a·s") + ts);
    const std::string size = decode ? "ctx=" + std::to_string(static_cast<std::int64_t>(ctx))
                                    : "s=" + std::to_string(static_cast<std::int64_t>(q));
    *formula = std::string(decode ? "b·" : "b·s·") + "(h + max(" + mlp_f + ", " + attn_f + ")), " + size +
               " b=" + std::to_string(static_cast<std::int64_t>(b)) + (tp > 1 ? " t=" + std::to_string(tp) : "") +
               (flash ? " (FlashAttention: no scores)" : " (scores materialised)");
  }
  return b * q * (h + std::max(mlp, attn));
}

namespace {

/// The rows of the most loaded pipeline stage (per GPU); the first of equals wins.
StageRows most_loaded_stage(const Plan& p, const std::vector<Stage>& stages) {
  std::optional<StageRows> best;
  double best_gpu = -1;
  // Stages alike in layers, embedding and head differ only in the micro-batches they keep in flight, which fall with
  // the index: the earliest of each kind is the most loaded of its kind (and wins ties), so only those are built.
  // (Building every stage made the GPUs-needed search quadratic in the pipeline depth: minutes for 20,000 layers.)
  std::vector<std::int64_t> middle_layers_seen;
  for (const Stage& st : stages) {
    if (!st.first && !st.last) {
      if (std::find(middle_layers_seen.begin(), middle_layers_seen.end(), st.layers) != middle_layers_seen.end())
        continue;
      middle_layers_seen.push_back(st.layers);
    }
    StageRows r(p, st);
    r.build();
    const double g = r.gpu_bytes();
    if (!best || g > best_gpu) {  // a NaN total never compares greater: keep the first stage then
      best_gpu = g;
      best.emplace(std::move(r));
    }
  }
  return std::move(*best);
}

/// The rows into the estimate's totals and per-kind sums; `host` and `nvme` get the bytes offloaded per GPU.
void add_rows(MemoryEstimate& e, const std::vector<Component>& rows, double& host, double& nvme) {
  for (const Component& c : rows) {
    if (c.in_total) {
      e.total_bytes += c.bytes;
      e.per_gpu_bytes += c.per_gpu_bytes;
    }
    if (c.device == Device::kCpu) host += c.offloaded_bytes;
    if (c.device == Device::kNvme) nvme += c.offloaded_bytes;
    const std::string& name = c.name;
    if (name.rfind("weights", 0) == 0) e.weights += c.bytes;
    else if (name == "gradients") e.gradients += c.bytes;
    else if (name == "optimizer") e.optimizer += c.bytes;
    else if (name == "master") e.master += c.bytes;
    else if (name == "activations") e.activations += c.bytes;
    else if (name == "activations_decode") e.decode_activation_bytes = c.per_gpu_bytes;
    else if (name == "kv_cache" || name == "kv_cache_cross") e.kv_cache += c.bytes;
    else if (name == "overhead") e.overhead += c.bytes;
    else if (name == "logits" || name == "logits_fp32") e.logits += c.bytes;
    else if (name == "cuda_context") e.cuda_context_bytes = c.per_gpu_bytes;
    else if (name.rfind("lora_", 0) == 0) e.lora += c.bytes;
  }
}

}  // namespace

MemoryEstimate estimate_plan(const Plan& p) {
  const std::vector<Stage> stages = pipeline_stages(p.arch, p.params, p.layout, p.training());
  StageRows best = most_loaded_stage(p, stages);
  MemoryEstimate e;
  e.params = p.params;
  e.architecture = p.arch;
  if (p.arch && !p.gguf) e.breakdown = param_breakdown(*p.arch);
  e.mode = p.mode;
  e.trainable_params = static_cast<std::int64_t>(best.trainable);
  const Layout& l = p.layout;
  e.gpus = l.gpus;
  e.tp = l.tp;
  e.pp = l.pp;
  e.dp = l.dp;
  e.ep = l.ep;
  e.gpus_per_node = l.gpus_per_node;
  e.zero = p.zero;
  e.zero_accounting = p.accounting;
  double host = 0, nvme = 0;
  add_rows(e, best.rows, host, nvme);
  // Sizes from the user meet products here: a total past 2^53 bytes (or not a number) is refused, not printed as
  // inf, wrapped or rounded (support/units.h bounds each size; this bounds their products). The rows are doubles:
  // up to 2^53 every integer is one, so each row and their sum is exact; past it the sum of the rows rounds
  // (3 layers of h = 4097 at 1M tokens × 997 sequences summed to 96490304031597712, 10 bytes short).
  if (!(e.total_bytes >= 0 && e.total_bytes < 9007199254740992.0) ||
      !(e.per_gpu_bytes >= 0 && e.per_gpu_bytes < 9007199254740992.0))
    throw InputError("the estimate is too large: more than 2^53 bytes (9 PB), beyond which its sums are not exact; "
                     "check the sizes given (--batch, --seq, --lora-rank, --overhead, the model's dimensions)");
  e.stage = best.index();
  e.components = std::move(best.rows);
  e.fit_bytes = e.per_gpu_bytes + e.cuda_context_bytes;
  const double ranks = static_cast<double>(l.gpus_per_node);
  e.host_bytes_per_node = host * ranks;
  e.nvme_bytes_per_node = nvme * ranks;
  if (host > 0) e.host_formula = "offloaded rows per GPU × " + n(l.gpus_per_node) + " GPUs per node";
  std::string ds;
  if (const auto d = deepspeed_host_bytes(p, ds)) {
    e.host_bytes_per_node = *d;
    e.host_formula = ds;
  }
  const std::int64_t stage = e.stage;
  if (l.pp > 1) {
    const Stage& st = stages[static_cast<std::size_t>(stage)];
    e.notes.push_back("per GPU: pipeline stage " + n(stage) + " of " + n(l.pp) + " (" + n(st.layers) + " layers" +
                      (st.first ? ", the embedding" : "") + (st.last ? ", the output head" : "") + "), the most " +
                      "loaded" + (p.training() ? "; 1F1B keeps " + n(st.in_flight) + " micro-batches in flight there"
                                               : ""));
  }
  return e;
}

}  // namespace numscope::memory
