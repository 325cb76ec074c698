// `numscope memory`: the LLM memory estimator's CLI (the library is memory/; every row is one visible formula).
#include <fmt/format.h>  // fmt::format

#include "numscope/support/error.h"
#include "numscope/memory/estimate.h"
#include "numscope/memory/gpu.h"
#include "numscope/memory/model.h"
#include "numscope/memory/options.h"
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
  t.title = "Built-in models (parameter counts computed from the architecture)";
  t.columns = {{"model", "name"},
               {"family", "family"},
               {"params", "", true, Column::Show::kText},
               {"params", "params", true, Column::Show::kJson},
               {"layers", "layers", true},
               {"hidden", "hidden", true},
               {"heads", "heads", true},
               {"kv heads", "kv_heads", true},
               {"head dim", "head_dim", true},
               {"intermediate", "intermediate", true},
               {"vocab", "vocab", true},
               {"tied", "tied"},
               {"experts", "experts"},
               {"source", "source"}};
  for (const Architecture& a : presets()) {
    const std::string experts =
        a.experts > 0 ? std::to_string(a.experts) + " (top-" + std::to_string(a.experts_per_token) + ")" : "-";
    t.add({str(a.name), str(a.family), str(group_thousands(param_count(a))),
           num(static_cast<long long>(param_count(a))), num(a.layers), num(a.hidden), num(a.heads), num(a.kv_heads),
           num(a.head_dim), num(a.intermediate), num(a.vocab), boolean(a.tied), str(experts), str(a.source)});
  }
  t.notes.push_back("Counts are exact: embeddings, an untied head, q/k/v/o with grouped-query heads and biases where "
                    "the family has them, gated or plain MLPs, MoE experts and router, RMSNorm (h) or LayerNorm (2h).");
  return t;
}

Table gpus_table() {
  Table t;
  t.title = "GPU catalog (memory as the driver reports it)";
  t.columns = {{"gpu", "gpu"},
               {"bytes", "capacity_bytes", true},
               {"GiB", "gib", true, Column::Show::kText},
               {"GB", "gb", true, Column::Show::kText},
               {"driver reports", "reported"},
               {"marketed", "marketed"}};
  for (const Gpu& g : gpus())
    t.add({str(std::string(g.name)), num(static_cast<long long>(g.capacity_bytes)),
           str(fmt::format("{:.2f}", g.capacity_bytes / kGiB)), str(fmt::format("{:.2f}", g.capacity_bytes / kGB)),
           str(std::string(g.reported)), str(std::string(g.marketed))});
  t.notes.push_back("nvidia-smi reports MiB (an H100 80GB shows 81559 MiB = 85.52 GB = 79.65 GiB); a marketed "
                    "\"80 GB\" is not 80·10^9 usable bytes.");
  return t;
}

int run(const Args& args, Context&, Report& report) {
  if (args.has("list-models") || args.has("list-gpus")) {
    if (args.has("list-models")) report.tables.push_back(models_table());
    if (args.has("list-gpus")) report.tables.push_back(gpus_table());
    report.json_keys = {args.has("list-models") ? "models" : "gpus", "gpus"};
    return 0;
  }
  MemoryRequest req;
  for (const Option& o : options()) {
    const auto given = args.options.find(std::string(o.name));
    if (given != args.options.end())
      for (const std::string& value : given->second) set_option(req, o.name, value);
  }
  const MemoryEstimate e = estimate(req);

  const bool gb = req.units != Units::kGiB, gib = req.units != Units::kGB, multi = e.gpus > 1;
  // ---- the breakdown.
  Table t;
  t.title = e.architecture ? fmt::format("Memory: {} ({} params), {}", e.architecture->name,
                                         group_thousands(e.params), mode_name(e.mode))
                           : fmt::format("Memory: {} params, {}", group_thousands(e.params), mode_name(e.mode));
  if (multi)
    t.title += fmt::format(", {} GPUs (tensor parallel {}, data parallel {}, ZeRO-{})", e.gpus, e.tp, e.dp, e.zero);
  t.columns = {{"component", "name"}, {"dtype", "dtype"}, {"bytes/elem", "bytes_per_element", true},
               {"elements", "elements", true}};
  if (gb) t.columns.push_back({"GB", "gb", true, Column::Show::kText});
  if (gib) t.columns.push_back({"GiB", "gib", true, Column::Show::kText});
  if (multi && gb) t.columns.push_back({"GB/GPU", "gb_per_gpu", true, Column::Show::kText});
  if (multi && gib) t.columns.push_back({"GiB/GPU", "gib_per_gpu", true, Column::Show::kText});
  t.columns.push_back({"formula", "formula"});
  auto row = [&](const std::string& name, const std::string& dtype, const std::string& bpe, const std::string& elems,
                 double bytes, double per_gpu, const std::string& formula) {
    std::vector<Cell> r = {str(name), str(dtype), str(bpe), str(elems)};
    if (gb) r.push_back(str(size_text(bytes, kGB)));
    if (gib) r.push_back(str(size_text(bytes, kGiB)));
    if (multi && gb) r.push_back(str(size_text(per_gpu, kGB)));
    if (multi && gib) r.push_back(str(size_text(per_gpu, kGiB)));
    r.push_back(str(formula));
    t.add(std::move(r));
  };
  for (const Component& c : e.components)
    row(c.name, c.dtype, c.bytes_per_element > 0 && c.elements ? number_text(c.bytes_per_element) : "-",
        c.elements ? count_text(*c.elements) : "-", c.bytes, c.per_gpu_bytes, c.formula);
  row("total", "", "", "", e.total_bytes, e.per_gpu_bytes,
      multi ? "sum of the rows; per GPU after TP and ZeRO sharding" : "sum of the rows");
  t.notes.push_back("P = " + group_thousands(e.params) + " parameters" +
                    (e.trainable_params > 0 && e.trainable_params != e.params
                         ? "; P_lora = " + group_thousands(e.trainable_params) + " trainable"
                         : "") +
                    ". GB = 10^9 bytes, GiB = 2^30 bytes, both rounded to 0.01; -o json gives exact bytes.");
  if (!req.overhead_fraction && !req.overhead_bytes)
    t.notes.push_back("No overhead row: the CUDA context, allocator caching and workspaces come on top "
                      "(add --overhead 20% or --overhead 1.5GiB).");
  for (const std::string& n : e.notes) t.notes.push_back(n);
  report.tables.push_back(std::move(t));

  // ---- the fit table.
  if (!e.fits.empty()) {
    Table f;
    f.title = "Fit (per-GPU total against the memory the driver reports)";
    f.columns = {{"gpu", "gpu"}, {"capacity", "capacity_bytes", true}, {"need per GPU", "", true, Column::Show::kText},
                 {"fits", "fits"}, {"GPUs needed", "gpus_needed", true}, {"by", "how"}};
    const double unit = req.units == Units::kGiB ? kGiB : kGB;
    const char* u = req.units == Units::kGiB ? " GiB" : " GB";
    for (const Fit& fit : e.fits)
      f.add({str(fit.gpu), str(size_text(static_cast<double>(fit.capacity_bytes), unit) + u),
             str(size_text(e.per_gpu_bytes, unit) + u), str(fit.fits ? "yes" : "no"),
             fit.gpus_needed ? num(static_cast<long long>(*fit.gpus_needed)) : null_cell("none"), str(fit.how)});
    for (const Fit& fit : e.fits)
      if (!fit.gpus_needed) {
        f.notes.push_back("none: the rows that do not shard (activations, overhead) alone exceed the card; try "
                          "--recompute selective or full, a smaller --batch or --seq, or --tp");
        break;
      }
    report.tables.push_back(std::move(f));
  }
  // ---- the overflow table.
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

  // ---- JSON: the object of issue 3.
  nlohmann::json j = nlohmann::json::object();
  j["params"] = e.params;
  j["trainable_params"] = e.trainable_params;
  j["mode"] = std::string(mode_name(e.mode));
  j["gpus"] = e.gpus;
  j["components"] = nlohmann::json::array();
  for (const Component& c : e.components) {
    nlohmann::json cj = {{"name", c.name},
                         {"dtype", c.dtype},
                         {"bytes_per_element", c.bytes_per_element},
                         {"elements", c.elements ? json_number(*c.elements) : nlohmann::json(nullptr)},
                         {"bytes", json_number(c.bytes)},
                         {"per_gpu_bytes", json_number(c.per_gpu_bytes)},
                         {"formula", c.formula}};
    j["components"].push_back(cj);
  }
  j["total_bytes"] = json_number(e.total_bytes);
  j["per_gpu_bytes"] = json_number(e.per_gpu_bytes);
  j["fits"] = nlohmann::json::array();
  for (const Fit& fit : e.fits)
    j["fits"].push_back({{"gpu", fit.gpu},
                         {"capacity_bytes", fit.capacity_bytes},
                         {"fits", fit.fits},
                         {"gpus_needed", fit.gpus_needed ? nlohmann::json(*fit.gpus_needed) : nlohmann::json(nullptr)},
                         {"how", fit.how}});
  j["overflow"] = nlohmann::json::array();
  for (const OverflowCheck& c : e.overflow)
    j["overflow"].push_back({{"dtype", c.dtype},
                             {"value", c.value},
                             {"stored", c.stored},
                             {"status", c.status},
                             {"max", c.max},
                             {"used_for", c.used_for}});
  j["notes"] = e.notes;
  report.json = std::move(j);
  return 0;
}

}  // namespace

const Command& memory_command() {
  static const Command kCommand{
      {"memory",
       "LLM memory estimate: weights, gradients, optimizer, activations, KV cache, LoRA, GPU fit",
       "numscope memory (--model NAME | --config FILE | --params N | --layers ... ) [options] [-o table|md|csv|json]",
       "Every row is one formula (docs/memory.md): weights P × bytes(dtype), with byte widths from the format\n"
       "registry (int4 = 0.5, tf32 = 4) and block schemes with their scales (nf4 4.5 bits, int4-g128 4.125, q8_0 8.5,\n"
       "mxfp4 4.25, nvfp4 4.5); gradients; optimizer states (sgd 0, momentum 1, adam/adamw 2, adam8bit 2 one-byte);\n"
       "an fp32 master copy when training in a narrower dtype (mixed-precision Adam: 2 + 2 + 12 = 16 bytes per\n"
       "parameter, ZeRO paper); activations per layer sbh(34 + 5as/h) (Korthikanti et al. 2022); KV cache\n"
       "2 × layers × kv_heads × head_dim × bytes × batch × seq; LoRA r·(d_in + d_out) per adapted matrix.\n"
       "--zero shards optimizer states (1), gradients (2), parameters (3) over --gpus; --tp splits weights and heads.\n"
       "Sizes print in GB (10^9) and GiB (2^30). Bad input exits 2 with one line naming the problem.",
       [] {
         // Every estimator option from its row (memory/options.h), then the two listings.
         std::vector<OptionSpec> specs;
         for (const Option& o : options())
           specs.push_back({std::string(o.name), 0, std::string(o.value_name),
                            std::string(o.help) + (o.fallback.empty() ? "" : " (default " + std::string(o.fallback) + ")"),
                            o.repeatable});
         specs.push_back({"list-models", 0, "", "print the built-in models with their parameter counts"});
         specs.push_back({"list-gpus", 0, "", "print the GPU catalog"});
         return specs;
       }(),
       0,
       0},
      run};
  return kCommand;
}

}  // namespace numscope::cli
