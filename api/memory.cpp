// `memory`: the estimator's breakdown, parameter parts, GPU fit and overflow check as tables, and the listings.
#include "numscope/api/memory.h"

#include <fmt/format.h>  // fmt::format

#include "numscope/api/common.h"
#include "numscope/memory/estimate.h"
#include "numscope/memory/gpu.h"
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

Table gpus_table() {
  Table t;
  t.name = "gpus";
  t.title = "GPU catalog (memory as the driver reports it)";
  t.columns = {{"gpu", "gpu"},
               {"capacity_bytes", "bytes", T::kInteger, R},
               {"gib", "GiB", T::kFloat, R, kDisplay},
               {"gb", "GB", T::kFloat, R, kDisplay},
               {"reported", "driver reports"},
               {"marketed", "marketed"}};
  for (const mem::Gpu& g : mem::gpus()) {
    const double gib = g.capacity_bytes / kGiB, gb = g.capacity_bytes / kGB;
    t.add({Cell::text(std::string(g.name)), Cell::integer(g.capacity_bytes), Cell::real(gib, fmt::format("{:.2f}", gib)),
           Cell::real(gb, fmt::format("{:.2f}", gb)), Cell::text(std::string(g.reported)),
           Cell::text(std::string(g.marketed))});
  }
  t.notes.push_back("nvidia-smi reports MiB (an H100 80GB shows 81559 MiB = 85.52 GB = 79.65 GiB); a marketed "
                    "\"80 GB\" is not 80·10^9 usable bytes.");
  return t;
}

std::string breakdown_title(const mem::MemoryEstimate& e) {
  std::string title = e.architecture ? fmt::format("Memory: {} ({} params), {}", e.architecture->name,
                                                   mem::group_thousands(e.params), mem::mode_name(e.mode))
                                     : fmt::format("Memory: {} params, {}", mem::group_thousands(e.params),
                                                   mem::mode_name(e.mode));
  if (e.gpus > 1)
    title += fmt::format(", {} GPUs (tensor parallel {}, data parallel {}, ZeRO-{})", e.gpus, e.tp, e.dp, e.zero);
  return title;
}

Table breakdown_table(const mem::MemoryRequest& req, const mem::MemoryEstimate& e) {
  const bool gb = req.units != mem::Units::kGiB, gib = req.units != mem::Units::kGB, multi = e.gpus > 1;
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
  t.columns.push_back({"formula", "formula"});
  auto row = [&](const std::string& name, const std::string& dtype, Cell bpe, Cell elems, double bytes,
                 double per_gpu, const std::string& formula) {
    std::vector<Cell> r = {Cell::text(name), Cell::text(dtype), std::move(bpe), std::move(elems), Cell::real(bytes)};
    if (gb) r.push_back(Cell::real(bytes / kGB, size_text(bytes, kGB)));
    if (gib) r.push_back(Cell::real(bytes / kGiB, size_text(bytes, kGiB)));
    r.push_back(Cell::real(per_gpu));
    if (multi && gb) r.push_back(Cell::real(per_gpu / kGB, size_text(per_gpu, kGB)));
    if (multi && gib) r.push_back(Cell::real(per_gpu / kGiB, size_text(per_gpu, kGiB)));
    r.push_back(Cell::text(formula));
    t.add(std::move(r));
  };
  for (const mem::Component& c : e.components)
    row(c.name, c.dtype,
        c.bytes_per_element > 0 && c.elements ? Cell::real(c.bytes_per_element, fmt::format("{}", c.bytes_per_element))
                                              : Cell::null(),
        c.elements ? Cell::real(*c.elements, count_text(*c.elements)) : Cell::null(), c.bytes, c.per_gpu_bytes,
        c.formula);
  row("total", "", Cell::null(""), Cell::null(""), e.total_bytes, e.per_gpu_bytes,
      multi ? "sum of the rows; per GPU after TP and ZeRO sharding" : "sum of the rows");
  t.notes.push_back("P = " + mem::group_thousands(e.params) + " parameters" +
                    (e.trainable_params > 0 && e.trainable_params != e.params
                         ? "; P_lora = " + mem::group_thousands(e.trainable_params) + " trainable"
                         : "") +
                    ". GB = 10^9 bytes, GiB = 2^30 bytes, both rounded to 0.01; -o json gives exact bytes.");
  if (!req.overhead_fraction && !req.overhead_bytes)
    t.notes.push_back("No overhead row: the CUDA context, allocator caching and workspaces come on top "
                      "(add --overhead 20% or --overhead 1.5GiB).");
  for (const std::string& n : e.notes) t.notes.push_back(n);
  return t;
}

Table fit_table(const mem::MemoryRequest& req, const mem::MemoryEstimate& e) {
  Table f;
  f.name = "fit";
  f.title = "Fit (per-GPU total against the memory the driver reports)";
  f.columns = {{"gpu", "gpu"},
               {"capacity_bytes", "capacity", T::kInteger, R},
               {"need_per_gpu_bytes", "need per GPU", T::kFloat, R},
               {"fits", "fits", T::kFlag},
               {"gpus_needed", "GPUs needed", T::kInteger, R},
               {"how", "by"}};
  const double unit = req.units == mem::Units::kGiB ? kGiB : kGB;
  const char* u = req.units == mem::Units::kGiB ? " GiB" : " GB";
  for (const mem::Fit& fit : e.fits)
    f.add({Cell::text(fit.gpu),
           Cell::integer(fit.capacity_bytes, size_text(static_cast<double>(fit.capacity_bytes), unit) + u),
           Cell::real(e.per_gpu_bytes, size_text(e.per_gpu_bytes, unit) + u), Cell::flag(fit.fits),
           fit.gpus_needed ? Cell::integer(*fit.gpus_needed) : Cell::null("none"), Cell::text(fit.how)});
  for (const mem::Fit& fit : e.fits)
    if (!fit.gpus_needed) {
      f.notes.push_back("none: the rows that do not shard (activations, overhead) alone exceed the card; try "
                        "--recompute selective or full, a smaller --batch or --seq, or --tp");
      break;
    }
  return f;
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
  mem::MemoryRequest req;
  for (const auto& [key, value] : request.options) mem::set_option(req, key, value);
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
  const mem::MemoryEstimate e = mem::estimate(req);
  r.tables.push_back(breakdown_table(req, e));
  if (e.architecture && e.breakdown &&
      (e.architecture->experts > 0 || e.breakdown->vision > 0 || e.breakdown->mtp > 0))
    r.tables.push_back(params_table(*e.architecture, *e.breakdown));
  if (!e.fits.empty()) r.tables.push_back(fit_table(req, e));
  if (!e.overflow.empty()) r.tables.push_back(overflow_table(e));
  return r;
}

}  // namespace numscope::api
