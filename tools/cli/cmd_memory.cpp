// `numscope memory`: the LLM memory estimator's CLI (the library is memory/; every row is one visible formula).
#include <fmt/format.h>  // fmt::format

#include "numscope/support/error.h"
#include "numscope/memory/estimate.h"
#include "numscope/memory/gpu.h"
#include "numscope/memory/model.h"
#include "numscope/memory/grid.h"
#include "numscope/memory/options.h"
#include "numscope/memory/parallel.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

using namespace numscope::memory;

constexpr double kGB = 1e9;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// Sizes: two decimals, or three significant digits below 0.01 so that small rows do not print as 0.00.
std::string size_text(double bytes, double unit) {
  const double v = bytes / unit;
  if (v == 0) return "0";
  if (v < 0.01) return fmt::format("{:.3g}", v);
  return fmt::format("{:.2f}", v);
}

std::string number_text(double v) { return fmt::format("{}", v); }  // shortest round-trip

std::string count_text(double v) {
  if (v >= 0 && v < 9e18 && v == static_cast<double>(static_cast<std::int64_t>(v)))
    return group_thousands(static_cast<std::int64_t>(v));
  return fmt::format("{:.6g}", v);
}

nlohmann::json json_number(double v) {
  if (v == static_cast<double>(static_cast<std::int64_t>(v)) && std::abs(v) < 9e15)
    return static_cast<std::int64_t>(v);
  return v;
}

Table models_table() {
  Table t;
  t.title = "Built-in models (parameter counts computed from each config.json)";
  t.columns = {{"model", "name"},
               {"family", "family"},
               {"params", "", true, Column::Show::kText},
               {"params", "params", true, Column::Show::kJson},
               {"active", "", true, Column::Show::kText},
               {"active", "active_params", true, Column::Show::kJson},
               {"layers", "layers", true},
               {"hidden", "hidden", true},
               {"heads", "heads", true},
               {"kv heads", "kv_heads", true},
               {"head dim", "head_dim", true},
               {"window", "sliding_window"},
               {"context", "context_length", true},
               {"experts", "experts"},
               {"base", "base"},
               {"source", "source"}};
  for (const Preset& p : preset_list()) {
    const Architecture& a = p.arch;
    const ParamBreakdown b = param_breakdown(a);
    std::string experts = "-";
    if (a.experts > 0) {
      experts = std::to_string(a.experts) + " (top-" + std::to_string(a.experts_per_token) + ")";
      if (a.shared_experts > 0) experts += " + " + std::to_string(a.shared_experts) + " shared";
      if (a.shared_expert_intermediate > 0) experts += " + shared";
    }
    std::string window = "-";
    if (a.sliding_window > 0) {
      std::int64_t local = 0;
      for (std::int64_t i = 0; i < a.layers; ++i) local += layer_attention(a, i) == LayerAttention::kSliding;
      window = std::to_string(a.sliding_window) + (local == a.layers ? " (all)" : " (" + std::to_string(local) + " of " + std::to_string(a.layers) + ")");
    }
    t.add({str(a.name), str(a.family), str(group_thousands(b.total)), num(static_cast<long long>(b.total)),
           str(group_thousands(b.active)), num(static_cast<long long>(b.active)), num(a.layers), num(a.hidden),
           num(a.heads), num(a.kv_heads), num(a.head_dim), str(window),
           num(a.context_length), str(experts), str(p.base.empty() ? "-" : p.base), str(a.source)});
  }
  t.notes.push_back("Counts are exact, from each family's modeling file (docs/memory.md); active = per token (MoE: "
                    "top-k routed experts, shared experts and dense layers). DeepSeek V3/R1: the MTP module "
                    "(11,610,068,224) is not in params. Vision models include the vision tower.");
  return t;
}

// The parameter rows of an architecture whose count has parts (experts, vision tower, MTP).
Table params_table(const Architecture& a, const ParamBreakdown& b) {
  Table t;
  t.title = "Parameters: " + a.name;
  t.columns = {{"part", "part"}, {"params", "", true, Column::Show::kText}, {"params", "params", true, Column::Show::kJson}};
  auto row = [&](const char* name, std::int64_t v) {
    if (v > 0) t.add({str(name), str(group_thousands(v)), num(static_cast<long long>(v))});
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

std::string tflops_text(const Gpu& g, std::string_view format) {
  const auto p = g.peak(format);
  if (!p) return "-";
  return fmt::format("{}", *p / 1e12);
}

Table gpus_table() {
  Table t;
  t.title = "GPU catalog (memory as the driver reports it; dense peak TFLOPS; memory/gpus.json)";
  t.columns = {{"gpu", "gpu"},
               {"generation", "generation"},
               {"segment", "segment"},
               {"driver reports", "reported"},
               {"bytes", "capacity_bytes", true},
               {"GiB", "gib", true, Column::Show::kText},
               {"GB", "gb", true, Column::Show::kText},
               {"GB/s", "bandwidth_gbs", true},
               {"fp32", "fp32_tflops", true},
               {"tf32", "tf32_tflops", true},
               {"bf16", "bf16_tflops", true},
               {"fp16", "fp16_tflops", true},
               {"fp8", "fp8_tflops", true},
               {"fp4", "fp4_tflops", true},
               {"marketed", "marketed"},
               {"memory source", "memory_source", false, Column::Show::kJson},
               {"spec source", "spec_source", false, Column::Show::kJson}};
  auto tf = [](const Gpu& g, std::string_view f) {
    const std::string s = tflops_text(g, f);
    return s == "-" ? null_cell("-") : num(s);
  };
  for (const Gpu& g : gpus())
    t.add({str(g.name), str(g.generation), str(g.segment), str(g.reported),
           num(static_cast<long long>(g.capacity_bytes)), str(fmt::format("{:.2f}", g.capacity_bytes / kGiB)),
           str(fmt::format("{:.2f}", g.capacity_bytes / kGB)), num(fmt::format("{}", g.bandwidth / 1e9)),
           tf(g, "fp32"), tf(g, "tf32"), tf(g, "bf16"), tf(g, "fp16"), tf(g, "fp8"), tf(g, "fp4"), str(g.marketed),
           str(g.capacity_source), str(g.spec_source)});
  t.notes.push_back("nvidia-smi reports MiB (an H100 80GB shows 81559 MiB = 85.52 GB = 79.65 GiB); a marketed "
                    "\"80 GB\" is not 80·10^9 usable bytes.");
  t.notes.push_back("A format with a figure is native to the generation (bf16 from Ampere, fp8 from Ada/Hopper, fp4 "
                    "from Blackwell); '-' means emulated or unsupported. GeForce tensor rates are at FP32 accumulate. "
                    "Sources per card: -o json (memory_source, spec_source).");
  t.notes.push_back("A card not listed: --gpu 24GiB, or --gpu name:size (2080ti-22g:22GiB; H100:94GiB keeps the "
                    "H100's speeds).");
  return t;
}

// Every value of a repeatable option, split on commas (a comma always separates values).
std::vector<std::string> values(const Args& args, const std::string& name) {
  std::vector<std::string> out;
  if (!args.has(name)) return out;
  for (const std::string& v : args.options.at(name))
    for (const std::string& item : split_list(v, name)) out.push_back(item);
  return out;
}

MemoryRequest request_from(const Args& args, bool grid) {
  MemoryRequest req;
  for (const Option& o : options()) {
    const auto given = args.options.find(std::string(o.name));
    if (given == args.options.end()) continue;
    const std::string name(o.name);
    if (name == "model" || name == "params" || name == "weights") {
      // Lists make a grid (handled by the caller); one value is a plain option.
      if (!grid) set_option(req, name, values(args, name).at(0));
      continue;
    }
    for (const std::string& value : given->second) set_option(req, o.name, value);
  }
  return req;
}

Table grid_table(const Grid& g, Units units) {
  const bool gb = units != Units::kGiB, gib = units != Units::kGB;
  Table t;
  t.title = "Memory totals (rows " + std::string(g.model_key == "params" ? "parameter counts" : "models") +
            ", columns --weights)";
  t.columns = {{g.model_key == "params" ? "params" : "model", "model"},
               {"parameters", "", true, Column::Show::kText},
               {"parameters", "params", true, Column::Show::kJson}};
  for (const std::string& d : g.dtypes) {
    if (gb) t.columns.push_back({d + " GB", "", true, Column::Show::kText});
    if (gib) t.columns.push_back({d + " GiB", "", true, Column::Show::kText});
    t.columns.push_back({d, d + "_bytes", true, Column::Show::kJson});
  }
  for (std::size_t i = 0; i < g.models.size(); ++i) {
    std::vector<Cell> row = {str(g.models[i]), str(group_thousands(g.params[i])),
                             num(static_cast<long long>(g.params[i]))};
    for (std::size_t j = 0; j < g.dtypes.size(); ++j) {
      const double b = g.total_bytes[i][j];
      if (gb) row.push_back(str(size_text(b, kGB)));
      if (gib) row.push_back(str(size_text(b, kGiB)));
      row.push_back(num(json_number(b).dump()));
    }
    t.add(std::move(row));
  }
  t.notes.push_back("Each cell is the total of `numscope memory` with that model and --weights (GB = 10^9 bytes, "
                    "GiB = 2^30 bytes, rounded to 0.01; -o json gives exact bytes).");
  return t;
}

std::string device_text(const Component& c) { return std::string(device_name(c.device)); }

Table breakdown_table(const MemoryEstimate& e, const MemoryRequest& req) {
  bool offload = false;
  for (const Component& c : e.components) offload |= c.device != Device::kGpu;
  const bool gb = req.units != Units::kGiB, gib = req.units != Units::kGB, multi = e.gpus > 1 || offload;
  Table t;
  t.title = e.architecture ? fmt::format("Memory: {} ({} params), {}", e.architecture->name,
                                         group_thousands(e.params), mode_name(e.mode))
                           : fmt::format("Memory: {} params, {}", group_thousands(e.params), mode_name(e.mode));
  if (e.gpus > 1) {
    t.title += fmt::format(", {} GPUs ({}", e.gpus, layout_text(e.tp, e.pp, e.dp, e.zero, e.ep));
    if (e.zero > 0)
      t.title += e.zero_accounting == ZeroAccounting::kDeepSpeed ? ", DeepSpeed's accounting" : ", the ZeRO paper's accounting";
    t.title += ")";
  }
  t.columns = {{"component", "name"}, {"dtype", "dtype"}, {"bytes/elem", "bytes_per_element", true},
               {"elements", "elements", true}};
  if (gb) t.columns.push_back({"GB", "gb", true, Column::Show::kText});
  if (gib) t.columns.push_back({"GiB", "gib", true, Column::Show::kText});
  if (multi && gb) t.columns.push_back({"GB/GPU", "gb_per_gpu", true, Column::Show::kText});
  if (multi && gib) t.columns.push_back({"GiB/GPU", "gib_per_gpu", true, Column::Show::kText});
  if (offload) t.columns.push_back({"offloaded/GPU", "offloaded", true, Column::Show::kText});
  t.columns.push_back({"formula", "formula"});
  auto row = [&](const std::string& name, const std::string& dtype, const std::string& bpe, const std::string& elems,
                 double bytes, double per_gpu, const std::string& off, const std::string& formula) {
    std::vector<Cell> r = {str(name), str(dtype), str(bpe), str(elems)};
    if (gb) r.push_back(str(size_text(bytes, kGB)));
    if (gib) r.push_back(str(size_text(bytes, kGiB)));
    if (multi && gb) r.push_back(str(size_text(per_gpu, kGB)));
    if (multi && gib) r.push_back(str(size_text(per_gpu, kGiB)));
    if (offload) r.push_back(str(off));
    r.push_back(str(formula));
    t.add(std::move(r));
  };
  const double unit = req.units == Units::kGiB ? kGiB : kGB;
  const char* u = req.units == Units::kGiB ? " GiB " : " GB ";
  auto off_text = [&](const Component& c) {
    return c.device == Device::kGpu ? std::string("-") : size_text(c.offloaded_bytes, unit) + u + device_text(c);
  };
  for (const Component& c : e.components)
    if (c.in_total)
      row(c.name, c.dtype, c.bytes_per_element > 0 && c.elements ? number_text(c.bytes_per_element) : "-",
          c.elements ? count_text(*c.elements) : "-", c.bytes, c.per_gpu_bytes, off_text(c), c.formula);
  row("total", "", "", "", e.total_bytes, e.per_gpu_bytes, "",
      multi ? "sum of the rows; per GPU after sharding" : "sum of the rows");
  for (const Component& c : e.components)
    if (!c.in_total) row(c.name, c.dtype, "-", "-", c.bytes, c.per_gpu_bytes, "", c.formula);
  if (e.host_bytes_per_node > 0)
    row("host_per_node", "-", "-", "-", e.host_bytes_per_node, e.host_bytes_per_node, "", e.host_formula);
  if (e.nvme_bytes_per_node > 0)
    row("nvme_per_node", "-", "-", "-", e.nvme_bytes_per_node, e.nvme_bytes_per_node, "",
        "offloaded rows per GPU × " + std::to_string(e.gpus_per_node) + " GPUs per node");
  t.notes.push_back("P = " + group_thousands(e.params) + " parameters" +
                    (e.trainable_params > 0 && e.trainable_params != e.params
                         ? "; P_lora = " + group_thousands(e.trainable_params) + " trainable"
                         : "") +
                    ". GB = 10^9 bytes, GiB = 2^30 bytes, both rounded to 0.01; -o json gives exact bytes.");
  for (const std::string& n : e.notes) t.notes.push_back(n);
  return t;
}

Table fit_table(const MemoryEstimate& e, const MemoryRequest& req) {
  Table f;
  f.title = "Fit (per-GPU need, CUDA context included, against the memory the driver reports)";
  f.columns = {{"gpu", "gpu"}, {"capacity", "capacity_bytes", true}, {"need per GPU", "", true, Column::Show::kText},
               {"fits", "fits"}, {"GPUs needed", "gpus_needed", true}, {"by", "how"}};
  const double unit = req.units == Units::kGiB ? kGiB : kGB;
  const char* u = req.units == Units::kGiB ? " GiB" : " GB";
  for (const Fit& fit : e.fits)
    f.add({str(fit.gpu), str(size_text(static_cast<double>(fit.capacity_bytes), unit) + u),
           str(size_text(fit.need_bytes, unit) + u), str(fit.fits ? "yes" : "no"),
           fit.gpus_needed ? num(static_cast<long long>(*fit.gpus_needed)) : null_cell("none"), str(fit.how)});
  f.notes.push_back("GPUs needed: the fewest cards that hold the job, by tensor parallelism over a divisor of the "
                    "head count times pipeline stages over the layers" +
                    std::string(e.mode != Mode::kInference ? ", or ZeRO-3 data parallelism" : "") + ".");
  for (const Fit& fit : e.fits)
    if (!fit.gpus_needed) {
      f.notes.push_back("none: the rows that do not shard (activations, logits, the CUDA context) alone exceed the "
                        "card; try --recompute selective or full, a smaller --batch or --seq, or --tp");
      break;
    }
  return f;
}

std::string bound_text(const std::optional<double>& v, const char* rel, int digits) {
  return v ? fmt::format("{} {:.{}g}", rel, *v, digits) : std::string("-");
}

Table speed_table(const MemoryEstimate& e) {
  Table t;
  t.title = "Speed bounds (roofline: nothing runs faster than bytes / bandwidth or FLOPs / peak; bounds, not "
            "predictions)";
  const bool training = e.mode != Mode::kInference;
  t.columns = {{"gpu", "gpu"}, {"GPUs", "gpus", true}, {"layout", "how"}, {"computes in", "compute_format"}};
  if (!training) {
    t.columns.push_back({"decode tokens/s", "", true, Column::Show::kText});
    t.columns.push_back({"decode_tokens_per_s_max", "decode_tokens_per_s_max", true, Column::Show::kJson});
    t.columns.push_back({"prefill s", "", true, Column::Show::kText});
    t.columns.push_back({"prefill_s_min", "prefill_s_min", true, Column::Show::kJson});
  } else {
    t.columns.push_back({"train step s", "", true, Column::Show::kText});
    t.columns.push_back({"train_step_s_min", "train_step_s_min", true, Column::Show::kJson});
  }
  t.columns.push_back({"note", "note"});
  auto json_or_null = [](const std::optional<double>& v) { return v ? num(fmt::format("{}", *v)) : null_cell(); };
  for (const Speed& s : e.speeds) {
    std::vector<Cell> r = {str(s.gpu), num(static_cast<long long>(s.gpus)), str(s.how), str(s.compute_format)};
    if (!training) {
      r.push_back(str(bound_text(s.decode_tokens_per_s, "≤", 4)));
      r.push_back(json_or_null(s.decode_tokens_per_s));
      r.push_back(str(bound_text(s.prefill_s, "≥", 4)));
      r.push_back(json_or_null(s.prefill_s));
    } else {
      r.push_back(str(bound_text(s.train_step_s, "≥", 4)));
      r.push_back(json_or_null(s.train_step_s));
    }
    r.push_back(str(s.note.empty() ? "-" : s.note));
    t.add(std::move(r));
  }
  if (!training)
    t.notes.push_back("decode tokens/s ≤ b / max((weights + KV cache) / (TP · bandwidth), 2·P_active·b / (TP · peak)); "
                      "prefill ≥ max(FLOPs / (GPUs · peak), weights / (GPUs · bandwidth)), FLOPs = 2·P_active·b·s + "
                      "2·L·b·s²·heads·head_dim (LLM-Viewer's roofline, llm-analysis's latency model).");
  else
    t.notes.push_back("train step ≥ 6·P_active·tokens / (GPUs · peak) (8 with full recompute; 4·P + 6·P_lora for "
                      "adapters), tokens = b · s · micro-batches per data-parallel rank (llm-analysis).");
  t.notes.push_back("Peaks are dense (no 2:4 sparsity) from the catalog (--list-gpus); real kernels reach 50-80% of "
                    "them.");
  return t;
}

nlohmann::json estimate_json(const MemoryEstimate& e) {
  nlohmann::json j = nlohmann::json::object();
  j["params"] = e.params;
  j["trainable_params"] = e.trainable_params;
  j["mode"] = std::string(mode_name(e.mode));
  j["gpus"] = e.gpus;
  j["layout"] = {{"tp", e.tp}, {"pp", e.pp}, {"dp", e.dp}, {"ep", e.ep}, {"gpus_per_node", e.gpus_per_node},
                 {"stage", e.stage}, {"zero", e.zero},
                 {"zero_accounting", e.zero_accounting == ZeroAccounting::kDeepSpeed ? "deepspeed" : "paper"}};
  j["components"] = nlohmann::json::array();
  for (const Component& c : e.components) {
    nlohmann::json cj = {{"name", c.name},
                         {"dtype", c.dtype},
                         {"bytes_per_element", c.bytes_per_element},
                         {"elements", c.elements ? json_number(*c.elements) : nlohmann::json(nullptr)},
                         {"bytes", json_number(c.bytes)},
                         {"per_gpu_bytes", json_number(c.per_gpu_bytes)},
                         {"device", std::string(device_name(c.device))},
                         {"offloaded_bytes", json_number(c.offloaded_bytes)},
                         {"in_total", c.in_total},
                         {"formula", c.formula}};
    j["components"].push_back(cj);
  }
  j["total_bytes"] = json_number(e.total_bytes);
  j["per_gpu_bytes"] = json_number(e.per_gpu_bytes);
  j["cuda_context_bytes"] = json_number(e.cuda_context_bytes);
  j["fit_bytes"] = json_number(e.fit_bytes);
  j["host_bytes_per_node"] = json_number(e.host_bytes_per_node);
  j["nvme_bytes_per_node"] = json_number(e.nvme_bytes_per_node);
  j["fits"] = nlohmann::json::array();
  for (const Fit& fit : e.fits)
    j["fits"].push_back({{"gpu", fit.gpu},
                         {"capacity_bytes", fit.capacity_bytes},
                         {"need_bytes", json_number(fit.need_bytes)},
                         {"fits", fit.fits},
                         {"gpus_needed", fit.gpus_needed ? nlohmann::json(*fit.gpus_needed) : nlohmann::json(nullptr)},
                         {"how", fit.how},
                         {"tp", fit.tp},
                         {"pp", fit.pp},
                         {"dp", fit.dp}});
  j["speeds"] = nlohmann::json::array();
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  for (const Speed& s : e.speeds)
    j["speeds"].push_back({{"gpu", s.gpu}, {"gpus", s.gpus}, {"how", s.how}, {"compute_format", s.compute_format},
                           {"decode_tokens_per_s_max", opt(s.decode_tokens_per_s)}, {"prefill_s_min", opt(s.prefill_s)},
                           {"train_step_s_min", opt(s.train_step_s)}, {"note", s.note}});
  j["overflow"] = nlohmann::json::array();
  for (const OverflowCheck& c : e.overflow)
    j["overflow"].push_back({{"dtype", c.dtype},
                             {"value", c.value},
                             {"stored", c.stored},
                             {"status", c.status},
                             {"max", c.max},
                             {"used_for", c.used_for}});
  j["notes"] = e.notes;
  return j;
}

int run(const Args& args, Context&, Report& report) {
  if (args.has("list-models") || args.has("list-gpus")) {
    if (args.has("list-models")) report.tables.push_back(models_table());
    if (args.has("list-gpus")) report.tables.push_back(gpus_table());
    report.json_keys = {args.has("list-models") ? "models" : "gpus", "gpus"};
    return 0;
  }
  // Lists in --model, --params or --weights make a grid: rows models, columns dtypes.
  const std::vector<std::string> models = values(args, "model"), params = values(args, "params"),
                                 configs = values(args, "config"), dtypes = values(args, "weights");
  if (models.size() > 1 || params.size() > 1 || dtypes.size() > 1) {
    if (!models.empty() && !params.empty())
      throw InputError("contradictory model sources: --model and --params; a grid's rows are one of them");
    if (args.has("gpu") || args.has("max-abs"))
      throw InputError(std::string(args.has("gpu") ? "--gpu" : "--max-abs") +
                       " needs one model and one dtype; lists in --model, --params or --weights make a grid of totals");
    const MemoryRequest base = request_from(args, true);
    const std::string key = !models.empty() ? "model" : !params.empty() ? "params" : "config";
    const std::vector<std::string>& rows = !models.empty() ? models : !params.empty() ? params : configs;
    const Grid g = memory_grid(base, key, rows.empty() ? std::vector<std::string>{} : rows,
                               dtypes.empty() ? std::vector<std::string>{"bf16"} : dtypes);
    report.tables.push_back(grid_table(g, base.units));
    return 0;
  }
  const MemoryRequest req = request_from(args, false);
  const MemoryEstimate e = estimate(req);
  report.tables.push_back(breakdown_table(e, req));
  if (e.architecture && e.breakdown &&
      (e.architecture->experts > 0 || e.breakdown->vision > 0 || e.breakdown->mtp > 0))
    report.tables.push_back(params_table(*e.architecture, *e.breakdown));
  if (!e.fits.empty()) report.tables.push_back(fit_table(e, req));
  if (!e.speeds.empty()) report.tables.push_back(speed_table(e));
  if (!e.overflow.empty()) {
    Table o;
    o.title = "Overflow check (format engine, round to nearest even)";
    o.columns = {{"dtype", "dtype"}, {"used for", "used_for"}, {"value", "value"}, {"stored", "stored"},
                 {"status", "status"}, {"max", "max"}};
    for (const OverflowCheck& c : e.overflow)
      o.add({str(c.dtype), str(c.used_for), str(c.value), str(c.stored), str(c.status), str(c.max)});
    bool scaled = false;
    for (const OverflowCheck& c : e.overflow) scaled |= c.status == "scaled";
    if (scaled) o.notes.push_back("scaled: a block-scaled scheme stores x / scale, so the magnitude cannot overflow.");
    report.tables.push_back(std::move(o));
  }
  report.json = estimate_json(e);
  return 0;
}

}  // namespace

const Command& memory_command() {
  static const Command kCommand{
      {"memory",
       "LLM memory estimate: weights, training state, activations, KV cache, ZeRO/offload, GPU fit and speed bounds",
       "numscope memory (--model NAME | --config FILE | --params N | --layers ... ) [options] [-o table|md|csv|json]",
       "Every row is one formula (docs/memory.md): weights P × bytes(dtype), with byte widths from the format\n"
       "registry (int4 = 0.5, tf32 = 4) and block schemes with their scales (nf4 4.5 bits, int4-g128 4.125, q8_0 8.5,\n"
       "mxfp4 4.25, nvfp4 4.5); gradients; optimizer states (sgd 0, momentum 1, adam/adamw 2, adam8bit 2 one-byte);\n"
       "an fp32 master copy when training in a narrower dtype (mixed-precision Adam: 2 + 2 + 12 = 16 bytes per\n"
       "parameter, ZeRO paper); activations per layer sbh(34 + 5as/h) (Korthikanti et al. 2022); KV cache\n"
       "2 × kv_heads × head_dim per layer and token (MLA: kv_lora_rank + qk_rope_head_dim; sliding layers hold\n"
       "min(window, seq)), in the activation dtype unless --kv; LoRA r·(d_in + d_out) per adapted matrix.\n"
       "Quantized weights store the linear layers in --weights, embeddings, head and norms in 16 bits.\n"
       "Inference adds the largest live intermediate of one layer and the logits; a CUDA context row (1 GB by\n"
       "default) counts in the fit, not the total.\n"
       "--zero shards optimizer states (1), gradients (2), parameters (3) over the data-parallel ranks, by DeepSpeed's\n"
       "accounting (its estimate_zero2/3_model_states_mem_needs) or the paper's; --offload-* move rows to cpu/nvme.\n"
       "--tp × --pp × --ep × --dp = --gpus. Lists (--weights fp32,fp16 --model a --model b) print one grid.\n"
       "Sizes print in GB (10^9) and GiB (2^30). Bad input exits 2 with one line naming the problem.",
       [] {
         // Every estimator option from its row (memory/options.h), then the two listings.
         std::vector<OptionSpec> specs;
         for (const Option& o : options())
           specs.push_back({std::string(o.name), 0, std::string(o.value_name),
                            std::string(o.help) + (o.fallback.empty() ? "" : " (default " + std::string(o.fallback) + ")"),
                            o.repeatable});
         specs.push_back({"list-models", 0, "", "print the built-in models with their parameter counts"});
         specs.push_back({"list-gpus", 0, "", "print the GPU catalog (memory, bandwidth, peak throughput, sources)"});
         return specs;
       }(),
       0,
       0},
      run};
  return kCommand;
}

}  // namespace numscope::cli
