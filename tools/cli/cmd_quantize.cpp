// `numscope quantize`: runs quantization schemes over a tensor (npy, safetensors or synthetic), prints cost against
// error side by side, and recommends the cheapest scheme that meets --max-bits / --min-sqnr.
#include <fmt/format.h>  // fmt::format

#include <algorithm>  // std::stable_sort, std::min
#include <cmath>      // std::isfinite
#include <optional>   // std::optional

#include "numscope/support/atomic_file.h"
#include "numscope/support/error.h"
#include "numscope/quantize/quantize.h"
#include "numscope/formats/scheme.h"
#include "numscope/io/tensor_io.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

struct Input {
  std::string name, dtype;
  std::vector<std::uint64_t> shape;
  std::shared_ptr<const RowSource> source;
  TensorStats stats;
};

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string close_matches(const std::string& want, const std::vector<TensorEntry>& all) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& t : all) {
    std::size_t d = edit_distance(want, t.name);
    if (t.name.find(want) != std::string::npos || want.find(t.name) != std::string::npos) d = 0;
    scored.push_back({d, t.name});
  }
  std::stable_sort(scored.begin(), scored.end());
  std::string out;
  for (std::size_t i = 0; i < scored.size() && i < 5; ++i) out += (i ? ", " : "") + scored[i].second;
  return out;
}

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string s;
  for (std::uint64_t d : shape) {
    if (!s.empty()) s += 'x';
    s += std::to_string(d);
  }
  return s.empty() ? "scalar" : s;
}

/// A number cell: fixed text for the table, JSON number unless it is not finite (then null, shown as text).
Cell number(double v, const char* spec) {
  if (std::isnan(v)) return null_cell("nan");
  if (!std::isfinite(v)) return null_cell(v > 0 ? "inf" : "-inf");
  return num(fmt::format(fmt::runtime(spec), v));
}
std::string trimmed(double v, int decimals) {
  std::string s = fmt::format("{:.{}f}", v, decimals);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

std::optional<double> get_double(const Args& args, const std::string& name) {
  if (!args.has(name)) return std::nullopt;
  const std::string v = args.get(name);
  const std::optional<double> d = parse_finite_double(v);
  if (!d) throw InputError("--" + name + " needs a number, got '" + v + "'");
  return *d;
}

std::vector<Input> load_inputs(const Args& args, std::vector<std::string>& skipped) {
  std::vector<Input> inputs;
  const bool synthetic = args.has("synthetic");
  const std::vector<std::string> files = args.list("input");
  if (synthetic == !files.empty())
    throw InputError("give the tensor with --input FILE.npy|FILE.safetensors or --synthetic SPEC (one of them)");
  if (synthetic) {
    if (args.has("tensor") || args.has("all")) throw InputError("--tensor and --all go with --input");
    SyntheticTensor t = make_synthetic(args.get("synthetic"));
    inputs.push_back({t.name, "f32", t.shape, t.source, {}});
    return inputs;
  }
  std::optional<DType> override_dtype;
  if (args.has("dtype")) override_dtype = parse_dtype(args.get("dtype"));
  std::vector<TensorEntry> all;
  for (const std::string& f : files)
    for (TensorEntry& e : read_tensor_file(f, override_dtype)) all.push_back(std::move(e));
  const std::vector<std::string> wanted = args.list("tensor");
  if (args.has("all") && !wanted.empty()) throw InputError("--tensor and --all exclude each other");
  std::vector<const TensorEntry*> chosen;
  if (!wanted.empty()) {
    for (const std::string& w : wanted) {
      const TensorEntry* hit = nullptr;
      for (const auto& e : all)
        if (e.name == w) hit = &e;
      if (!hit) throw InputError("no tensor named '" + w + "'; closest: " + close_matches(w, all));
      chosen.push_back(hit);
    }
  } else if (args.has("all") || all.size() == 1) {
    for (const auto& e : all) chosen.push_back(&e);
  } else {
    throw InputError("the input holds " + std::to_string(all.size()) + " tensors: pass --tensor NAME or --all (" +
                     close_matches("", all) + (all.size() > 5 ? ", ..." : "") + ")");
  }
  const bool explicit_names = !wanted.empty() || all.size() == 1;
  for (const TensorEntry* e : chosen) {
    if (!e->source) {
      if (explicit_names) throw InputError("tensor '" + e->name + "': " + e->unsupported);
      skipped.push_back(e->name + " (" + e->dtype + ")");
      continue;  // --all: tensors of other dtypes (integer buffers, ...) are skipped and listed in a note
    }
    if (e->elements == 0) {
      if (explicit_names) throw InputError("tensor '" + e->name + "' has no elements");
      skipped.push_back(e->name + " (empty)");
      continue;
    }
    inputs.push_back({e->name, e->dtype, e->shape, e->source, {}});
  }
  if (inputs.empty()) throw InputError("no tensor of a supported float dtype in the input");
  return inputs;
}

int run(const Args& args, Context&, Report& report) {
  const Rounding rounding = parse_rounding(args.get("rounding", "rne"));
  const std::string rule_name = args.get("mx-scale", "floor");
  if (rule_name != "floor" && rule_name != "ceil")
    throw InputError("--mx-scale must be floor (OCP MX v1.0) or ceil (round the scale up), got '" + rule_name + "'");
  const MxScaleRule rule = rule_name == "ceil" ? MxScaleRule::kCeil : MxScaleRule::kFloor;
  std::vector<Scheme> schemes;
  if (args.has("schemes")) {
    for (const std::string& n : args.list("schemes")) schemes.push_back(parse_scheme(n, rounding, rule));
  } else {
    for (const std::string& n : default_scheme_names()) schemes.push_back(parse_scheme(n, rounding, rule));
  }
  const std::optional<double> max_bits = get_double(args, "max-bits"), min_sqnr = get_double(args, "min-sqnr");

  // Options that write files: check them before the work.
  const Scheme* ggml = nullptr;
  if (args.has("write-blocks")) {
    for (const Scheme& s : schemes)
      if (s.family == SchemeFamily::kQ8_0 || s.family == SchemeFamily::kQ4_0) {
        if (ggml) throw InputError("--write-blocks writes one block format: keep one of q8_0, q4_0 in --schemes");
        ggml = &s;
      }
    if (!ggml) throw InputError("--write-blocks needs q8_0 or q4_0 in --schemes");
  }
  {  // Two outputs naming one file, or an output naming an input, are refused before anything is read or written.
    std::vector<NamedPath> outputs, ins;
    for (const char* o : {"write-blocks", "dump-dequantized"})
      if (args.has(o)) outputs.push_back({std::string("--") + o, args.get(o)});
    for (const std::string& f : args.list("input")) ins.push_back({"--input", f});
    check_distinct_files(outputs, ins);
  }

  std::vector<std::string> skipped;
  std::vector<Input> inputs = load_inputs(args, skipped);
  QuantizeOptions qopt;
  qopt.ignore_nonfinite = args.has("ignore-nonfinite");
  qopt.threads = static_cast<unsigned>(args.get_int("threads", 0, 1, 1024));
  for (Input& in : inputs) {
    in.stats = tensor_stats(*in.source, qopt.threads);
    if (in.stats.nonfinite > 0 && !qopt.ignore_nonfinite)
      throw InputError("tensor '" + in.name + "' has " + std::to_string(in.stats.nonfinite) + " NaN or inf values among " +
                       std::to_string(in.stats.count) + ": pass --ignore-nonfinite to analyse the finite values only");
  }
  if (args.has("dump-dequantized") && inputs.size() != 1)
    throw InputError("--dump-dequantized writes one tensor: pick it with --tensor NAME");

  const bool several = inputs.size() > 1;
  Table in_table;
  in_table.title = "input";
  in_table.columns = {{"tensor", "tensor"},          {"dtype", "dtype"},           {"shape", "shape"},
                      {"elements", "elements", true}, {"min", "min", true},         {"max", "max", true},
                      {"amax", "amax", true},         {"mean", "mean", true},       {"std", "std", true},
                      {"kurtosis", "kurtosis", true}, {"|x|>6σ", "outlier_fraction", true},
                      {"nan/inf", "nonfinite", true}};
  for (const Input& in : inputs) {
    const TensorStats& s = in.stats;
    in_table.add({str(in.name), str(in.dtype), str(shape_text(in.shape)), num(static_cast<long long>(s.count)),
                  number(s.min, "{:.6g}"), number(s.max, "{:.6g}"), number(s.amax, "{:.6g}"),
                  number(s.mean, "{:.4g}"), number(s.std, "{:.6g}"), number(s.kurtosis, "{:.4g}"),
                  number(s.outlier_fraction, "{:.4g}"), num(static_cast<long long>(s.nonfinite))});
  }

  // Outputs are opened before the work (a missing folder fails now) and written whole or not at all
  // (support/atomic_file.h); the blocks file is committed only after the dump, so an error leaves neither.
  std::optional<AtomicFile> blocks;
  if (ggml) blocks.emplace(args.get("write-blocks"), "--write-blocks");
  std::optional<NpyWriter> dump;
  if (args.has("dump-dequantized")) dump.emplace(args.get("dump-dequantized"), inputs[0].shape, "--dump-dequantized");
  struct Row {
    std::string tensor;
    SchemeResult r;
  };
  std::vector<Row> rows;
  std::vector<SchemeResult> totals;
  {
    // One pass over each tensor serves every scheme (quantize_schemes); rows are listed scheme by scheme.
    std::vector<std::vector<SchemeResult>> per_input;
    for (const Input& in : inputs) {
      QuantizeOptions o = qopt;
      if (blocks) o.blocks = &blocks->stream();
      per_input.push_back(quantize_schemes(schemes, *in.source, in.stats, o));
    }
    std::uint64_t n = 0;
    for (const Input& in : inputs) n += in.stats.count;
    for (std::size_t k = 0; k < schemes.size(); ++k) {
      SchemeResult total;
      total.scheme = schemes[k];
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        SchemeResult& r = per_input[i][k];
        total.storage_bits += r.storage_bits;
        total.bytes += r.bytes;
        total.metrics.merge(r.metrics);
        rows.push_back({inputs[i].name, std::move(r)});
      }
      total.bits_per_element = n ? total.storage_bits / double(n) : 0;
      totals.push_back(std::move(total));
    }
  }

  const Recommendation rec =
      (max_bits || min_sqnr) ? recommend(totals, max_bits, min_sqnr) : Recommendation{};

  if (dump) {
    std::string name = args.get("dump-scheme");
    const Scheme* pick = nullptr;
    if (!name.empty()) {
      const Scheme want = parse_scheme(name, rounding, rule);
      for (const Scheme& s : schemes)
        if (s.name == want.name) pick = &s;
      if (!pick) throw InputError("--dump-scheme " + name + " is not among the schemes run");
    } else if (schemes.size() == 1) {
      pick = &schemes[0];
    } else if (rec.chosen) {
      pick = &schemes[*rec.chosen];
    } else {
      throw InputError("--dump-dequantized needs --dump-scheme NAME (or a single scheme, or a recommendation)");
    }
    QuantizeOptions o = qopt;
    o.dequantized = [&](const double* y, std::uint64_t count) { dump->write(y, count); };
    quantize_tensor(*pick, *inputs[0].source, inputs[0].stats, o);
    dump->commit();
  }
  if (blocks) blocks->commit();

  Table t;
  t.title = "schemes";
  if (several) t.columns.push_back({"tensor", "tensor"});
  const std::vector<Column> cols = {
      {"scheme", "scheme"},           {"bits/elem", "bits_per_element", true}, {"bytes", "bytes", true},
      {"MSE", "mse", true},           {"RMSE", "rmse", true},                  {"SQNR dB", "sqnr_db", true},
      {"max |err|", "max_abs_error", true}, {"mean rel err", "mean_rel_error", true},
      {"cosine", "cosine", true},     {"clipped", "clipped_fraction", true},   {"underflow", "underflow_fraction", true},
      {"nan/inf", "nonfinite", true}};
  t.columns.insert(t.columns.end(), cols.begin(), cols.end());
  if (max_bits || min_sqnr) t.columns.push_back({"", "recommended", false, Column::Show::kJson});
  nlohmann::json json = nlohmann::json::array();
  auto add_row = [&](const std::string& tensor, const SchemeResult& r, bool chosen) {
    const Metrics& m = r.metrics;
    std::vector<Cell> row;
    if (several) row.push_back(str(tensor));
    row.insert(row.end(),
               {str(r.scheme.name + (chosen ? " *" : "")), num(trimmed(r.bits_per_element, 4)),
                num(static_cast<long long>(r.bytes)), number(m.mse(), "{:.3e}"), number(m.rmse(), "{:.3e}"),
                number(m.sqnr_db(), "{:.2f}"), number(m.max_abs_err, "{:.4g}"), number(m.mean_rel_error(), "{:.4g}"),
                number(m.cosine(), "{:.6f}"), number(m.clipped_fraction(), "{:.4g}"),
                number(m.underflow_fraction(), "{:.4g}"), num(static_cast<long long>(m.nonfinite))});
    if (max_bits || min_sqnr) row.push_back(boolean(chosen));
    t.add(std::move(row));
    auto full = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
    nlohmann::json o;
    if (several) o["tensor"] = tensor;
    o["scheme"] = r.scheme.name;
    o["bits_per_element"] = r.bits_per_element;
    o["bytes"] = r.bytes;
    o["mse"] = full(m.mse());
    o["rmse"] = full(m.rmse());
    o["sqnr_db"] = full(m.sqnr_db());
    o["max_abs_error"] = full(m.max_abs_err);
    o["mean_rel_error"] = full(m.mean_rel_error());
    o["cosine"] = full(m.cosine());
    o["clipped_fraction"] = m.clipped_fraction();
    o["underflow_fraction"] = m.underflow_fraction();
    o["nonfinite"] = m.nonfinite;
    if (max_bits || min_sqnr) o["recommended"] = chosen;
    json.push_back(std::move(o));
  };
  // Sorted by bits (then by SQNR, best first); with several tensors, per tensor and then the totals.
  std::vector<std::size_t> order(schemes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (totals[a].bits_per_element != totals[b].bits_per_element)
      return totals[a].bits_per_element < totals[b].bits_per_element;
    return totals[a].metrics.sqnr_db() > totals[b].metrics.sqnr_db();
  });
  if (several) {
    for (std::size_t ti = 0; ti < inputs.size(); ++ti)
      for (std::size_t k : order) add_row(inputs[ti].name, rows[k * inputs.size() + ti].r, false);
  }
  for (std::size_t k : order) {
    if (several) add_row("total", totals[k], rec.chosen && *rec.chosen == k);
    else add_row(inputs[0].name, totals[k], rec.chosen && *rec.chosen == k);
  }
  bool mx_floor = false, mx_ceil = false;
  for (const Scheme& s : schemes)
    if (s.family == SchemeFamily::kMx) (s.mx_rule == MxScaleRule::kFloor ? mx_floor : mx_ceil) = true;
  std::string mx_note;
  if (mx_floor) mx_note += " MX scale rule of the mx* rows: floor (OCP MX v1.0, 2^(floor(log2 amax) − emax_elem), elements saturate).";
  if (mx_ceil) mx_note += " MX scale rule of the mx*-ceil rows: ceil (2^ceil(log2(amax/max_elem)), no element saturates).";
  t.notes.push_back(fmt::format(
      "bits/elem and bytes include every scale and zero point (per-tensor ones too); SQNR = 10·log10(Σx²/Σ(x−y)²); "
      "element rounding: {}.{}",
      rounding_name(rounding), mx_note));
  if (!skipped.empty()) {
    std::string list;
    for (const std::string& n : skipped) list += (list.empty() ? "" : ", ") + n;
    t.notes.push_back("skipped (not a float tensor the quantizer reads, or empty): " + list);
  }
  if (max_bits || min_sqnr) {
    t.notes.push_back(rec.summary + (rec.chosen ? " (marked *)" : ""));
    for (const std::string& r : rec.reasons) t.notes.push_back("  " + r);
  }
  report.tables.push_back(std::move(in_table));
  report.tables.push_back(t);
  report.json = std::move(json);  // -o json: one object per row, every digit
  return 0;
}

}  // namespace

const Command& quantize_command() {
  static const Command kCommand{
      {"quantize",
       "quantize a tensor with many schemes; cost in bits against error, and a recommendation",
       "numscope quantize (--input FILE... [--tensor NAME... | --all] | --synthetic SPEC) [--schemes LIST] "
       "[--max-bits B] [--min-sqnr D]",
       "Input: .npy (versions 1-3, float16/32/64, C or Fortran order) or .safetensors (F32, F16, BF16, F64, F8_*; "
       "several shards with repeated --input), memory-mapped. A 2-D tensor's rows are its output channels: "
       "per-channel scales are per row, groups and blocks run along a row.\n\n"
       "--synthetic DIST[:n=N,shape=ROWSxCOLS,sigma=S,nu=V,outliers=FRACTION:MAGNITUDE,seed=K] with DIST normal, "
       "laplace, uniform or student-t (for example student-t:nu=3 or normal:n=65536,outliers=0.001:20,seed=1); "
       "values are rounded to fp32 and always the same for the same spec.\n\n"
       "Schemes: " + accepted_scheme_names() + ". Default: a representative set of every family.\n\n"
       "Recommendation: --max-bits and/or --min-sqnr pick the cheapest scheme meeting both; the note says why each "
       "cheaper one fails. See docs/quantize.md for each scheme's definition and source.",
       {{"input", 'i', "FILE", "a .npy or .safetensors file (repeat for shards)", true},
        {"tensor", 't', "NAME", "a tensor of a safetensors input (repeatable)", true},
        {"all", 0, "", "every float tensor of the input, one row per tensor and scheme plus totals"},
        {"synthetic", 0, "SPEC", "a synthetic tensor instead of a file"},
        {"dtype", 0, "TYPE", "the type inside an ml_dtypes .npy saved as <V2 / <V1 (bf16, e4m3, e5m2)"},
        {"schemes", 's', "LIST", "comma-separated scheme names (repeatable)", true},
        {"rounding", 0, "MODE", "element rounding of casts, scaled, integer, MX and NVFP4 schemes (default rne)"},
        {"threads", 'j', "N", "worker threads (default: every core); results do not depend on it"},
        {"mx-scale", 0, "RULE", "MX block scale rule: floor (OCP MX v1.0, default) or ceil"},
        {"max-bits", 0, "B", "recommend only schemes of at most B bits per element"},
        {"min-sqnr", 0, "D", "recommend only schemes with SQNR of at least D dB"},
        {"dump-dequantized", 0, "FILE", "write the dequantized tensor (float64 .npy) of one scheme"},
        {"dump-scheme", 0, "NAME", "the scheme for --dump-dequantized (default: the recommended or only one)"},
        {"write-blocks", 0, "FILE", "write the q8_0 or q4_0 blocks in ggml's byte layout"},
        {"ignore-nonfinite", 0, "", "analyse the finite values only when the input has NaN or inf"}},
       0,
       0},
      run};
  return kCommand;
}

}  // namespace numscope::cli
