// `memory`: the estimator's breakdown, parameter parts, GPU fit and overflow check as tables, and the listings.
#include "numscope/api/memory.h"

#include <cctype>         // std::isalnum
#include <cmath>          // std::fabs, std::floor
#include <cstdint>        // std::uint64_t
#include <numeric>        // std::gcd
#include <fmt/format.h>  // fmt::format

#include "numscope/api/common.h"
#include "numscope/memory/estimate.h"
#include "numscope/memory/gpu.h"
#include "numscope/memory/grid.h"
#include "numscope/memory/parallel.h"
#include "numscope/memory/model.h"
#include "numscope/memory/options.h"
#include "numscope/support/error.h"

namespace numscope::api {
namespace {

namespace mem = ::numscope::memory;
constexpr auto R = Align::kRight;
constexpr auto kData = Shown::kDataOnly;
constexpr auto kDisplay = Shown::kDisplayOnly;
using T = ColumnType;

constexpr double kGB = 1e9;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// Sizes: two decimals, or three significant digits below 0.01 so that small rows do not print as 0.00.
std::string size_text(double bytes, double unit) {
  const double v = bytes / unit;
  if (v == 0) return "0";
  if (v < 0.01) return fmt::format("{:.3g}", v);
  return fmt::format("{:.2f}", v);
}

// Bytes per element as the exact quotient bytes / elements when its decimal expansion ends (0.515625, 1.000244140625),
// else rounded to ten significant digits and marked "≈" (a DeepSeek-V3 fp8 row, whose partial 128×128 blocks make
// the quotient 669,228,962,144 / 669,065,609,216).
std::string per_element_text(double per_element, double bytes, double elements) {
  auto integral = [](double v) { return v > 0 && v < 9e15 && v == std::floor(v); };
  if (!integral(bytes) || !integral(elements) || std::fabs(bytes / elements - per_element) > 1e-12 * per_element)
    return fmt::format("{}", per_element);
  std::uint64_t num = static_cast<std::uint64_t>(bytes), den = static_cast<std::uint64_t>(elements);
  const std::uint64_t g = std::gcd(num, den);
  num /= g;
  den /= g;
  std::uint64_t rest = den;
  while (rest % 2 == 0) rest /= 2;
  while (rest % 5 == 0) rest /= 5;
  if (rest != 1) return "≈" + fmt::format("{:.10g}", per_element);
  std::string text = std::to_string(num / den);  // den = 2^a 5^b < 2^53: at most 53 fraction digits, no overflow
  num %= den;
  if (num) text += '.';
  while (num) {
    num *= 10;  // num < den < 2^53, so 10 · num < 2^57
    text += static_cast<char>('0' + num / den);
    num %= den;
  }
  return text;
}

std::string count_text(double v) {
  if (v >= 0 && v < 9e18 && v == static_cast<double>(static_cast<std::int64_t>(v)))
    return mem::group_thousands(static_cast<std::int64_t>(v));
  return fmt::format("{:.6g}", v);
}

Cell count(std::int64_t v) { return Cell::integer(v, mem::group_thousands(v)); }

/// An exact value the estimator wrote as text ("123456.789", "1e5", "inf"), shown as written, or null shown as
/// `text` ("-").
Cell exact_text(const std::string& text) {
  try {
    return exact_cell(parse_number(text), text);
  } catch (const InputError&) {
    return Cell::null(text);
  }
}

Table models_table() {
  Table t;
  t.name = "models";
  t.title = "Built-in models (parameter counts computed from each config.json)";
  t.columns = {{"name", "model"},
               {"family", "family"},
               {"params", "params", T::kInteger, R},
               {"active_params", "active", T::kInteger, R},
               {"layers", "layers", T::kInteger, R},
               {"hidden", "hidden", T::kInteger, R},
               {"heads", "heads", T::kInteger, R},
               {"kv_heads", "kv heads", T::kInteger, R},
               {"head_dim", "head dim", T::kInteger, R},
               {"sliding_window", "window", T::kInteger},
               {"context_length", "context", T::kInteger, R},
               {"experts", "experts", T::kInteger},
               {"experts_per_token", "experts per token", T::kInteger, R, kData},
               {"base", "base"},
               {"source", "source"}};
  for (const mem::Preset& p : mem::preset_list()) {
    const mem::Architecture& a = p.arch;
    const mem::ParamBreakdown b = mem::param_breakdown(a);
    Cell experts = Cell::null();
    if (a.experts > 0) {
      std::string shown = std::to_string(a.experts) + " (top-" + std::to_string(a.experts_per_token) + ")";
      if (a.shared_experts > 0) shown += " + " + std::to_string(a.shared_experts) + " shared";
      if (a.shared_expert_intermediate > 0) shown += " + shared";
      experts = Cell::integer(a.experts, shown);
    }
    Cell window = Cell::null();
    if (a.sliding_window > 0) {
      std::int64_t local = 0;
      for (std::int64_t i = 0; i < a.layers; ++i) local += mem::layer_attention(a, i) == mem::LayerAttention::kSliding;
      window = Cell::integer(a.sliding_window, std::to_string(a.sliding_window) +
                                                   (local == a.layers ? " (all)"
                                                                      : " (" + std::to_string(local) + " of " +
                                                                            std::to_string(a.layers) + ")"));
    }
    t.add({Cell::text(a.name), Cell::text(a.family), count(b.total), count(b.active), Cell::integer(a.layers),
           Cell::integer(a.hidden), Cell::integer(a.heads), Cell::integer(a.kv_heads), Cell::integer(a.head_dim),
           window, Cell::integer(a.context_length), experts,
           a.experts > 0 ? Cell::integer(a.experts_per_token) : Cell::null(),
           p.base.empty() ? Cell::null() : Cell::text(p.base), Cell::text(a.source)});
  }
  t.notes.push_back("Counts are exact, from each family's modeling file (docs/memory.md); active = per token (MoE: "
                    "top-k routed experts, shared experts and dense layers). DeepSeek V3/R1: the MTP module "
                    "(11,610,068,224) is not in params. Vision models include the vision tower.");
  return t;
}

// The parameter rows of an architecture whose count has parts (experts, vision tower, MTP).
Table params_table(const mem::Architecture& a, const mem::ParamBreakdown& b) {
  Table t;
  t.name = "params";
  t.title = "Parameters: " + a.name;
  t.columns = {{"part", "part"}, {"params", "params", T::kInteger, R}};
  auto row = [&](const char* name, std::int64_t v) {
    if (v > 0) t.add({Cell::text(name), count(v)});
  };
  row("embedding", b.embedding);
  row("head", b.head);
  row("attention", b.attention);
  row("mlp (dense layers, shared experts, routers)", b.mlp - b.routed_experts);
  row("routed experts", b.routed_experts);
  row("norms", b.norms);
  row("vision tower and projector", b.vision);
  row("total", b.total);
  if (a.experts > 0) row("active per token", b.active);
  row("MTP module (not in total)", b.mtp);
  return t;
}

Cell tflops(const mem::Gpu& g, std::string_view format) {
  const auto p = g.peak(format);
  return p ? Cell::real(*p / 1e12, fmt::format("{}", *p / 1e12)) : Cell::null();
}

Table gpus_table() {
  Table t;
  t.name = "gpus";
  t.title = "GPU catalog (memory as the driver reports it; dense peak TFLOPS; memory/gpus.json)";
  t.columns = {{"gpu", "gpu"},
               {"generation", "generation"},
               {"segment", "segment"},
               {"reported", "driver reports"},
               {"capacity_bytes", "bytes", T::kInteger, R},
               {"gib", "GiB", T::kFloat, R, kDisplay},
               {"gb", "GB", T::kFloat, R, kDisplay},
               {"bandwidth_gbs", "GB/s", T::kFloat, R},
               {"fp32_tflops", "fp32", T::kFloat, R},
               {"tf32_tflops", "tf32", T::kFloat, R},
               {"bf16_tflops", "bf16", T::kFloat, R},
               {"fp16_tflops", "fp16", T::kFloat, R},
               {"fp8_tflops", "fp8", T::kFloat, R},
               {"fp4_tflops", "fp4", T::kFloat, R},
               {"marketed", "marketed"},
               {"memory_source", "memory source", T::kText, Align::kLeft, kData},
               {"spec_source", "spec source", T::kText, Align::kLeft, kData}};
  for (const mem::Gpu& g : mem::gpus()) {
    const double gib = g.capacity_bytes / kGiB, gb = g.capacity_bytes / kGB;
    t.add({Cell::text(g.name), Cell::text(g.generation), Cell::text(g.segment), Cell::text(g.reported),
           Cell::integer(g.capacity_bytes), Cell::real(gib, fmt::format("{:.2f}", gib)),
           Cell::real(gb, fmt::format("{:.2f}", gb)), Cell::real(g.bandwidth / 1e9, fmt::format("{}", g.bandwidth / 1e9)),
           tflops(g, "fp32"), tflops(g, "tf32"), tflops(g, "bf16"), tflops(g, "fp16"), tflops(g, "fp8"),
           tflops(g, "fp4"), Cell::text(g.marketed), Cell::text(g.capacity_source), Cell::text(g.spec_source)});
  }
  t.notes.push_back("nvidia-smi reports MiB (an H100 80GB shows 81559 MiB = 85.52 GB = 79.65 GiB); a marketed "
                    "\"80 GB\" is not 80·10^9 usable bytes.");
  t.notes.push_back("A format with a figure is native to the generation (bf16 from Ampere, fp8 from Ada/Hopper, fp4 "
                    "from Blackwell); '-' means emulated or unsupported. GeForce tensor rates are at FP32 accumulate. "
                    "Sources per card: -o json (memory_source, spec_source).");
  t.notes.push_back("A card not listed: --gpu 24GiB, or --gpu name:size (2080ti-22g:22GiB; H100:94GiB keeps the "
                    "H100's speeds).");
  return t;
}

std::string breakdown_title(const mem::MemoryEstimate& e) {
  std::string title = e.architecture ? fmt::format("Memory: {} ({} params), {}", e.architecture->name,
                                                   mem::group_thousands(e.params), mem::mode_name(e.mode))
                                     : fmt::format("Memory: {} params, {}", mem::group_thousands(e.params),
                                                   mem::mode_name(e.mode));
  if (e.gpus > 1) {
    title += fmt::format(", {} GPUs ({}", e.gpus, mem::layout_text(e.tp, e.pp, e.dp, e.zero, e.ep));
    if (e.zero > 0)
      title += e.zero_accounting == mem::ZeroAccounting::kDeepSpeed ? ", DeepSpeed's accounting"
                                                                     : ", the ZeRO paper's accounting";
    title += ")";
  }
  return title;
}

Table breakdown_table(const mem::MemoryRequest& req, const mem::MemoryEstimate& e) {
  bool offload = false;
  for (const mem::Component& c : e.components) offload |= c.device != mem::Device::kGpu;
  const bool gb = req.units != mem::Units::kGiB, gib = req.units != mem::Units::kGB, multi = e.gpus > 1 || offload;
  Table t;
  t.name = "breakdown";
  t.title = breakdown_title(e);
  t.columns = {{"name", "component"}, {"dtype", "dtype"}, {"bytes_per_element", "bytes/elem", T::kFloat, R},
               {"elements", "elements", T::kFloat, R}, {"bytes", "bytes", T::kFloat, R, kData}};
  if (gb) t.columns.push_back({"gb", "GB", T::kFloat, R, kDisplay});
  if (gib) t.columns.push_back({"gib", "GiB", T::kFloat, R, kDisplay});
  t.columns.push_back({"per_gpu_bytes", "bytes per GPU", T::kFloat, R, kData});
  if (multi && gb) t.columns.push_back({"gb_per_gpu", "GB/GPU", T::kFloat, R, kDisplay});
  if (multi && gib) t.columns.push_back({"gib_per_gpu", "GiB/GPU", T::kFloat, R, kDisplay});
  t.columns.push_back({"device", "on", T::kText, Align::kLeft, offload ? Shown::kEverywhere : kData});
  t.columns.push_back({"offloaded_bytes", offload ? "offloaded/GPU" : "offloaded", T::kFloat, R,
                       offload ? Shown::kEverywhere : kData});
  t.columns.push_back({"in_total", "in total", T::kFlag, Align::kLeft, kData});
  t.columns.push_back({"formula", "formula"});
  const double unit = req.units == mem::Units::kGiB ? kGiB : kGB;
  const char* u = req.units == mem::Units::kGiB ? " GiB" : " GB";
  auto row = [&](const std::string& name, const std::string& dtype, Cell bpe, Cell elems, double bytes,
                 double per_gpu, const std::string& device, double offloaded, bool in_total,
                 const std::string& formula) {
    std::vector<Cell> r = {Cell::text(name), Cell::text(dtype), std::move(bpe), std::move(elems), Cell::real(bytes)};
    if (gb) r.push_back(Cell::real(bytes / kGB, size_text(bytes, kGB)));
    if (gib) r.push_back(Cell::real(bytes / kGiB, size_text(bytes, kGiB)));
    r.push_back(Cell::real(per_gpu));
    if (multi && gb) r.push_back(Cell::real(per_gpu / kGB, size_text(per_gpu, kGB)));
    if (multi && gib) r.push_back(Cell::real(per_gpu / kGiB, size_text(per_gpu, kGiB)));
    r.push_back(device.empty() ? Cell::null("") : Cell::text(device));
    r.push_back(offloaded > 0 ? Cell::real(offloaded, size_text(offloaded, unit) + u) : Cell::null(offloaded == 0 && device.empty() ? "" : "-"));
    r.push_back(Cell::flag(in_total));
    r.push_back(Cell::text(formula));
    t.add(std::move(r));
  };
  auto component = [&](const mem::Component& c) {
    row(c.name, c.dtype,
        c.bytes_per_element > 0 && c.elements
            ? Cell::real(c.bytes_per_element, per_element_text(c.bytes_per_element, c.bytes, *c.elements))
                                              : Cell::null(),
        c.elements ? Cell::real(*c.elements, count_text(*c.elements)) : Cell::null(), c.bytes, c.per_gpu_bytes,
        std::string(mem::device_name(c.device)), c.offloaded_bytes, c.in_total, c.formula);
  };
  for (const mem::Component& c : e.components)
    if (c.in_total) component(c);
  row("total", "", Cell::null(""), Cell::null(""), e.total_bytes, e.per_gpu_bytes, "", 0, true,
      multi ? "sum of the rows; per GPU after sharding" : "sum of the rows");
  for (const mem::Component& c : e.components)
    if (!c.in_total) component(c);
  if (e.host_bytes_per_node > 0)
    row("host_per_node", "-", Cell::null(), Cell::null(), e.host_bytes_per_node, e.host_bytes_per_node, "cpu", 0,
        false, e.host_formula);
  if (e.nvme_bytes_per_node > 0)
    row("nvme_per_node", "-", Cell::null(), Cell::null(), e.nvme_bytes_per_node, e.nvme_bytes_per_node, "nvme", 0,
        false, "offloaded rows per GPU × " + std::to_string(e.gpus_per_node) + " GPUs per node");
  t.notes.push_back("P = " + mem::group_thousands(e.params) + " parameters" +
                    (e.trainable_params > 0 && e.trainable_params != e.params
                         ? "; P_lora = " + mem::group_thousands(e.trainable_params) + " trainable"
                         : "") +
                    ". GB = 10^9 bytes, GiB = 2^30 bytes, both rounded to 0.01 (to 3 significant digits below 0.01); -o json "
                    "gives exact bytes.");
  for (const std::string& n : e.notes) t.notes.push_back(n);
  return t;
}

Table fit_table(const mem::MemoryRequest& req, const mem::MemoryEstimate& e) {
  Table f;
  f.name = "fit";
  f.title = "Fit (per-GPU need, CUDA context included, against the memory the driver reports)";
  f.columns = {{"gpu", "gpu"},
               {"capacity_bytes", "capacity", T::kInteger, R},
               {"need_per_gpu_bytes", "need per GPU", T::kFloat, R},
               {"fits", "fits", T::kFlag},
               {"gpus_needed", "GPUs needed", T::kInteger, R},
               {"how", "by"},
               {"tp", "tp", T::kInteger, R, kData},
               {"pp", "pp", T::kInteger, R, kData},
               {"dp", "dp", T::kInteger, R, kData}};
  const double unit = req.units == mem::Units::kGiB ? kGiB : kGB;
  const char* u = req.units == mem::Units::kGiB ? " GiB" : " GB";
  for (const mem::Fit& fit : e.fits)
    f.add({Cell::text(fit.gpu),
           Cell::integer(fit.capacity_bytes, size_text(static_cast<double>(fit.capacity_bytes), unit) + u),
           Cell::real(fit.need_bytes, size_text(fit.need_bytes, unit) + u), Cell::flag(fit.fits),
           fit.gpus_needed ? Cell::integer(*fit.gpus_needed) : Cell::null("none"),
           fit.gpus_needed ? Cell::text(fit.how) : Cell::null(), Cell::integer(fit.tp), Cell::integer(fit.pp),
           Cell::integer(fit.dp)});
  f.notes.push_back("GPUs needed: the fewest cards that hold the job, by tensor parallelism over a divisor of the "
                    "head count times pipeline stages over the layers" +
                    std::string(e.mode != mem::Mode::kInference ? ", or ZeRO-3 data parallelism" : "") + ".");
  for (const mem::Fit& fit : e.fits)
    if (!fit.gpus_needed) {
      f.notes.push_back("none: the rows that do not shard (activations, logits, the CUDA context) alone exceed the "
                        "card; try --recompute selective or full, a smaller --batch or --seq, or --tp");
      break;
    }
  return f;
}

Cell bound(const std::optional<double>& v, const char* rel) {
  return v ? Cell::real(*v, fmt::format("{} {:.4g}", rel, *v)) : Cell::null();
}

Table speed_table(const mem::MemoryEstimate& e) {
  Table t;
  t.name = "speed";
  t.title = "Speed bounds (roofline: nothing runs faster than bytes / bandwidth or FLOPs / peak; bounds, not "
            "predictions)";
  const bool training = e.mode != mem::Mode::kInference;
  t.columns = {{"gpu", "gpu"}, {"gpus", "GPUs", T::kInteger, R}, {"how", "layout"},
               {"compute_format", "computes in"}};
  if (!training) {
    t.columns.push_back({"decode_tokens_per_s_max", "decode tokens/s", T::kFloat, R});
    t.columns.push_back({"prefill_s_min", "prefill s", T::kFloat, R});
  } else {
    t.columns.push_back({"train_step_s_min", "train step s", T::kFloat, R});
  }
  t.columns.push_back({"note", "note"});
  for (const mem::Speed& s : e.speeds) {
    std::vector<Cell> r = {Cell::text(s.gpu), Cell::integer(s.gpus), Cell::text(s.how), Cell::text(s.compute_format)};
    if (!training) {
      r.push_back(bound(s.decode_tokens_per_s, "≤"));
      r.push_back(bound(s.prefill_s, "≥"));
    } else {
      r.push_back(bound(s.train_step_s, "≥"));
    }
    r.push_back(s.note.empty() ? Cell::null() : Cell::text(s.note));
    t.add(std::move(r));
  }
  if (!training)
    t.notes.push_back("decode tokens/s ≤ b / max((weights / n + KV cache per TP rank) / bandwidth, 2·P_active·b / (n · "
                      "peak)), n = max(TP, EP) GPUs reading a layer side by side (a rank holds kv_heads / TP heads, one "
                      "at least, or MLA's whole latent); prefill ≥ max(FLOPs / (GPUs · peak), weights "
                      "/ (GPUs · bandwidth)), FLOPs = 2·P_active·b·s + 2·L·b·s²·heads·head_dim (LLM-Viewer's roofline, "
                      "llm-analysis's latency model).");
  else
    t.notes.push_back("train step ≥ 6·P_active·tokens / (GPUs · peak) (8 with full recompute; 4·P + 6·P_lora for "
                      "adapters), tokens = b · s · micro-batches × DP (the global batch), GPUs = TP × PP × DP (llm-analysis).");
  t.notes.push_back("Peaks are dense (no 2:4 sparsity) from the catalog (--list-gpus); real kernels reach 50-80% of "
                    "them.");
  return t;
}

Table grid_table(const mem::Grid& g, mem::Units units) {
  const bool gb = units != mem::Units::kGiB, gib = units != mem::Units::kGB;
  Table t;
  t.name = "grid";
  t.title = "Memory totals (rows " + std::string(g.model_key == "params" ? "parameter counts" : "models") +
            ", columns --weights)";
  t.columns = {{"model", g.model_key == "params" ? "params" : "model"}, {"params", "parameters", T::kInteger, R}};
  for (const std::string& d : g.dtypes) {
    std::string key = d;
    for (char& c : key)
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    t.columns.push_back({key + "_bytes", d + " bytes", T::kFloat, R, kData});
    if (gb) t.columns.push_back({key + "_gb", d + " GB", T::kFloat, R, kDisplay});
    if (gib) t.columns.push_back({key + "_gib", d + " GiB", T::kFloat, R, kDisplay});
  }
  for (std::size_t i = 0; i < g.models.size(); ++i) {
    std::vector<Cell> row = {Cell::text(g.models[i]), count(g.params[i])};
    for (std::size_t j = 0; j < g.dtypes.size(); ++j) {
      const double b = g.total_bytes[i][j];
      row.push_back(Cell::real(b));
      if (gb) row.push_back(Cell::real(b / kGB, size_text(b, kGB)));
      if (gib) row.push_back(Cell::real(b / kGiB, size_text(b, kGiB)));
    }
    t.add(std::move(row));
  }
  t.notes.push_back("Each cell is the total of `numscope memory` with that model and --weights (GB = 10^9 bytes, "
                    "GiB = 2^30 bytes, rounded to 0.01, or to 3 significant digits below 0.01; -o json gives exact bytes).");
  return t;
}

// --config DIR: the shards' tensors by dtype beside what config.json predicts (memory/checkpoint.h).
Table checkpoint_table(const mem::CheckpointFiles& f, const mem::CheckpointCheck& c) {
  Table t;
  t.name = "checkpoint";
  t.title = "Checkpoint in " + f.dir + " (" +
            (f.tensors.empty() ? std::string("the index only")
                               : std::to_string(f.shards.size()) + " shard" + (f.shards.size() == 1 ? "" : "s") +
                                     ", headers read") +
            ") against config.json";
  t.columns = {{"dtype", "dtype"},
               {"tensors", "tensors", T::kInteger, R},
               {"elements", "elements", T::kInteger, R},
               {"bytes", "bytes", T::kInteger, R},
               {"gb", "GB", T::kFloat, R, kDisplay},
               {"set_aside_elements", "set aside", T::kInteger, R},
               {"expected_elements", "config.json predicts", T::kInteger, R},
               {"difference", "difference", T::kInteger, R}};
  auto u64 = [](std::uint64_t v) { return count(static_cast<std::int64_t>(v)); };
  std::uint64_t tensors = 0, elements = 0, bytes = 0, buffers = 0;
  std::int64_t expected = 0;
  for (const mem::CheckpointDtype& d : c.dtypes) {
    const std::int64_t diff = static_cast<std::int64_t>(d.elements - d.set_aside) - d.expected;
    t.add({Cell::text(d.dtype), u64(d.tensors), u64(d.elements), u64(d.bytes),
           Cell::real(static_cast<double>(d.bytes) / kGB, size_text(static_cast<double>(d.bytes), kGB)),
           u64(d.set_aside), c.predicted ? count(d.expected) : Cell::null("-"),
           c.predicted ? Cell::integer(diff, diff == 0 ? "0" : (diff > 0 ? "+" : "-") + mem::group_thousands(diff < 0 ? -diff : diff))
                       : Cell::null("-")});
    tensors += d.tensors;
    elements += d.elements;
    bytes += d.bytes;
    buffers += d.set_aside;
    expected += d.expected;
  }
  const std::int64_t diff = static_cast<std::int64_t>(elements - buffers) - expected;
  t.add({Cell::text("total"), u64(tensors), u64(elements), u64(bytes),
         Cell::real(static_cast<double>(bytes) / kGB, size_text(static_cast<double>(bytes), kGB)), u64(buffers),
         c.predicted ? count(expected) : Cell::null("-"),
         c.predicted ? Cell::integer(diff, diff == 0 ? "0" : (diff > 0 ? "+" : "-") + mem::group_thousands(diff < 0 ? -diff : diff))
                     : Cell::null("-")});
  if (c.predicted && !f.tensors.empty())
    t.notes.push_back(c.agree ? "agree: every dtype's elements, less those set aside, equal what config.json's modules, "
                                "torch_dtype and quantization_config predict"
                              : "differ: the files and config.json's prediction disagree; why:");
  for (const std::string& r : c.reasons) t.notes.push_back(r);
  if (f.index_total_size && !f.tensors.empty() && *f.index_total_size == f.bytes)
    t.notes.push_back("model.safetensors.index.json: total_size " +
                      mem::group_thousands(static_cast<std::int64_t>(*f.index_total_size)) +
                      " bytes, the shards' tensors exactly (" + std::to_string(f.index_tensors) + " tensors mapped)");
  return t;
}

Table overflow_table(const mem::MemoryEstimate& e) {
  Table o;
  o.name = "overflow";
  o.title = "Overflow check (format engine, round to nearest even)";
  o.columns = {{"dtype", "dtype"},
               {"used_for", "used for"},
               {"value", "value", T::kExact},
               {"stored", "stored", T::kExact},
               {"status", "status"},
               {"max", "max", T::kExact}};
  bool scaled = false;
  for (const mem::OverflowCheck& c : e.overflow) {
    o.add({Cell::text(c.dtype), Cell::text(c.used_for), exact_text(c.value), exact_text(c.stored),
           Cell::text(c.status), exact_text(c.max)});
    scaled |= c.status == "scaled";
  }
  if (scaled) o.notes.push_back("scaled: a block-scaled scheme stores x / scale, so the magnitude cannot overflow.");
  return o;
}

}  // namespace

Result memory(const MemoryRequest& request) {
  Result r;
  r.command = "memory";
  if (request.list_models || request.list_gpus) {
    r.echo_flag("list_models", request.list_models);
    r.echo_flag("list_gpus", request.list_gpus);
    if (request.list_models) r.tables.push_back(models_table());
    if (request.list_gpus) r.tables.push_back(gpus_table());
    return r;
  }
  // Lists in model, params or weights (repeated, or comma-separated: a comma is never digit grouping) make a grid:
  // rows models, columns dtypes.
  std::vector<std::string> models, params, dtypes;
  for (const auto& [key, value] : request.options) {
    const mem::Option* o = mem::find_option(key);
    if (o == nullptr) continue;
    std::vector<std::string>* list = o->name == "model" ? &models : o->name == "params" ? &params
                                     : o->name == "weights" ? &dtypes : nullptr;
    if (list)
      for (const std::string& item : mem::split_list(value, o->name)) list->push_back(item);
  }
  const bool grid = models.size() > 1 || params.size() > 1 || dtypes.size() > 1;
  mem::MemoryRequest req;
  req.gguf_model = request.gguf_model;
  for (const auto& [key, value] : request.options) {
    const mem::Option* o = mem::find_option(key);
    if (o && (o->name == "model" || o->name == "params" || o->name == "weights")) {
      if (!grid) mem::set_option(req, key, mem::split_list(value, o->name).at(0));
      continue;
    }
    mem::set_option(req, key, value);
  }
  // The request as given, one key per option (snake_case), repeated options (gpu) as lists.
  for (const mem::Option& o : mem::options()) {
    std::vector<Cell> values;
    for (const auto& [key, value] : request.options)
      if (mem::find_option(key) == &o) values.push_back(o.value_name.empty() && value.empty() ? Cell::flag(true)
                                                                                               : Cell::text(value));
    std::string key(o.name);
    for (char& c : key)
      if (c == '-') c = '_';
    if (o.repeatable && !values.empty()) r.echo(key, std::move(values));
    else if (!values.empty()) r.echo(key, values.back());
  }
  if (grid) {
    if (!models.empty() && !params.empty())
      throw InputError("contradictory model sources: --model and --params; a grid's rows are one of them");
    if (!req.gpu.empty() || !req.max_abs.empty())
      throw InputError(std::string(!req.gpu.empty() ? "--gpu" : "--max-abs") +
                       " needs one model and one dtype; lists in --model, --params or --weights make a grid of totals");
    const std::string key = !models.empty() ? "model" : !params.empty() ? "params" : "";
    if (key.empty())
      throw InputError("a grid of dtypes needs its rows: give --model or --params (one or a list)");
    const mem::Grid g = mem::memory_grid(req, key, key == "model" ? models : params,
                                         dtypes.empty() ? std::vector<std::string>{"bf16"} : dtypes);
    r.tables.push_back(grid_table(g, req.units));
    return r;
  }
  const mem::MemoryEstimate e = mem::estimate(req);
  r.tables.push_back(breakdown_table(req, e));
  if (e.architecture && e.breakdown &&
      (e.architecture->experts > 0 || e.breakdown->vision > 0 || e.breakdown->mtp > 0))
    r.tables.push_back(params_table(*e.architecture, *e.breakdown));
  if (e.checkpoint_files && e.checkpoint) r.tables.push_back(checkpoint_table(*e.checkpoint_files, *e.checkpoint));
  if (!e.fits.empty()) r.tables.push_back(fit_table(req, e));
  if (!e.speeds.empty()) r.tables.push_back(speed_table(e));
  if (!e.overflow.empty()) r.tables.push_back(overflow_table(e));
  return r;
}

}  // namespace numscope::api
