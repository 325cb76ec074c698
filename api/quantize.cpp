// `quantize`: loads the tensors, runs every scheme in one pass per tensor, totals them across tensors, and
// returns the input statistics and the cost/error table with the recommendation.
#include "numscope/api/quantize.h"

#include <fmt/format.h>  // fmt::format, fmt::runtime

#include <algorithm>  // std::min, std::stable_sort
#include <cmath>      // std::isfinite
#include <memory>     // std::shared_ptr

#include "numscope/api/quantize_list.h"
#include "numscope/api/quantize_mix.h"
#include "numscope/formats/scheme.h"
#include "numscope/io/tensor_io.h"
#include "numscope/quantize/gguf_source.h"
#include "numscope/quantize/imatrix.h"
#include "numscope/quantize/model.h"
#include "numscope/quantize/quantize.h"
#include "numscope/support/atomic_file.h"
#include "numscope/support/error.h"
#include "numscope/support/suggest.h"

namespace numscope::api {
namespace {

constexpr auto R = Align::kRight;
using T = ColumnType;

using detail::Input;
using detail::shape_text;

std::string close_matches(const std::string& want, const std::vector<TensorEntry>& all) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& t : all) {
    std::size_t d = edit_distance(std::string_view(want).substr(0, 64), t.name);  // support/suggest.h
    if (t.name.find(want) != std::string::npos || want.find(t.name) != std::string::npos) d = 0;
    scored.push_back({d, t.name});
  }
  std::stable_sort(scored.begin(), scored.end());
  std::string out;
  for (std::size_t i = 0; i < scored.size() && i < 5; ++i) out += (i ? ", " : "") + scored[i].second;
  return out;
}

/// A measurement shown with `spec`; inf and NaN shown as such (JSON: null).
Cell measured(double v, const char* spec) {
  if (!std::isfinite(v)) return Cell::real(v);
  return Cell::real(v, fmt::format(fmt::runtime(spec), v));
}

std::string trimmed(double v, int decimals) {
  std::string s = fmt::format("{:.{}f}", v, decimals);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

/// The tensors the request names (in `files`, its inputs expanded), or the synthetic one; `skipped` collects
/// --all's tensors of other dtypes.
std::vector<Input> load_inputs(const QuantizeRequest& q, const std::vector<std::string>& files,
                               const std::vector<const FileTypeMix*>& mixes, std::vector<std::string>& skipped,
                               std::vector<std::string>& filtered) {
  std::vector<Input> inputs;
  if (q.synthetic.has_value() + !q.inputs.empty() + q.array.has_value() != 1)
    throw InputError("give the tensor with --input FILE.npy|FILE.safetensors|FILE.gguf or --synthetic SPEC (one of them)");
  if (q.array) {
    if (!q.tensors.empty() || q.all) throw InputError("--tensor and --all go with --input");
    if (!q.array->source || q.array->source->rows() * q.array->source->cols() == 0)
      throw InputError("the array has no elements");
    inputs.push_back({q.array->name, q.array->dtype, q.array->shape, q.array->source, {}, {}, 0, {}});
    detail::resolve_mixes(mixes, {}, {}, {}, false, inputs);
    return inputs;
  }
  if (q.synthetic) {
    if (!q.tensors.empty() || q.all) throw InputError("--tensor and --all go with --input");
    SyntheticTensor t = make_synthetic(*q.synthetic);
    inputs.push_back({t.name, "f32", t.shape, t.source, {}, {}, 0, {}});
    detail::resolve_mixes(mixes, {}, {}, {}, false, inputs);
    return inputs;
  }
  const std::vector<TensorEntry> all = detail::read_input_tensors(q, files);
  if (q.all && !q.tensors.empty()) throw InputError("--tensor and --all exclude each other");
  std::vector<const TensorEntry*> chosen;
  if (!q.tensors.empty()) {
    for (const std::string& w : q.tensors) {
      const TensorEntry* hit = nullptr;
      for (const auto& e : all)
        if (e.name == w) hit = &e;
      if (!hit) throw InputError("no tensor named '" + w + "'; closest: " + close_matches(w, all));
      chosen.push_back(hit);
    }
  } else if (q.all || all.size() == 1) {
    // --all: include / exclude globs and 1-D tensors (norms, biases) left out unless --include-1d
    // (quantize/model.h); a single tensor is always kept.
    const TensorFilter filter{q.include, q.exclude, q.include_1d || !q.all};
    for (const auto& e : all) {
      const std::string why = filter_reason(filter, e.name, e.shape);
      if (why.empty()) chosen.push_back(&e);
      else filtered.push_back(e.name + " (" + why + ")");
    }
  } else {
    throw InputError("the input holds " + std::to_string(all.size()) + " tensors: pass --tensor NAME or --all (" +
                     close_matches("", all) + (all.size() > 5 ? ", ..." : "") + ")");
  }
  const bool explicit_names = !q.tensors.empty() || all.size() == 1;
  std::vector<std::size_t> kept;  // the entry of each input
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
    inputs.push_back({e->name, e->dtype, e->shape, e->source, {}, {}, e->bytes, {}});
    kept.push_back(static_cast<std::size_t>(e - all.data()));
  }
  if (inputs.empty() && !filtered.empty())
    throw InputError("every tensor was left out (" + filtered.front() + (filtered.size() > 1 ? ", ..." : "") +
                     "): loosen --include / --exclude, or pass --include-1d for 1-D tensors");
  if (inputs.empty()) throw InputError("no tensor of a supported float dtype in the input");
  // A file-type mix types each tensor from the whole model, whatever the filters keep.
  detail::resolve_mixes(mixes, files, all, kept, q.imatrix.has_value(), inputs);
  return inputs;
}

Table input_table(const std::vector<Input>& inputs) {
  Table t;
  t.name = "input";
  t.title = "input";
  t.columns = {{"tensor", "tensor"},
               {"dtype", "dtype"},
               {"shape", "shape"},
               {"elements", "elements", T::kInteger, R},
               {"min", "min", T::kFloat, R},
               {"max", "max", T::kFloat, R},
               {"amax", "amax", T::kFloat, R},
               {"mean", "mean", T::kFloat, R},
               {"std", "std", T::kFloat, R},
               {"kurtosis", "kurtosis", T::kFloat, R},
               {"outlier_fraction", "|x|>6σ", T::kFloat, R},
               {"nonfinite", "nan/inf", T::kInteger, R}};
  for (const Input& in : inputs) {
    const TensorStats& s = in.stats;
    t.add({Cell::text(in.name), Cell::text(in.dtype), Cell::text(shape_text(in.shape)),
           Cell::integer(static_cast<std::int64_t>(s.count)), measured(s.min, "{:.6g}"), measured(s.max, "{:.6g}"),
           measured(s.amax, "{:.6g}"), measured(s.mean, "{:.4g}"), measured(s.std, "{:.6g}"),
           measured(s.kurtosis, "{:.4g}"), measured(s.outlier_fraction, "{:.4g}"),
           Cell::integer(static_cast<std::int64_t>(s.nonfinite))});
  }
  return t;
}

Table scheme_table(bool several, bool recommending, bool mixes) {
  Table t;
  t.name = "schemes";
  t.title = "schemes";
  if (several) t.columns.push_back({"tensor", "tensor"});
  const std::vector<Column> cols = {{"scheme", "scheme"},
                                    {"bits_per_element", "bits/elem", T::kFloat, R},
                                    {"bytes", "bytes", T::kInteger, R},
                                    {"mse", "MSE", T::kFloat, R},
                                    {"rmse", "RMSE", T::kFloat, R},
                                    {"sqnr_db", "SQNR dB", T::kFloat, R},
                                    {"max_abs_error", "max |err|", T::kFloat, R},
                                    {"mean_rel_error", "mean rel err", T::kFloat, R},
                                    {"cosine", "cosine", T::kFloat, R},
                                    {"clipped_fraction", "clipped", T::kFloat, R},
                                    {"underflow_fraction", "underflow", T::kFloat, R},
                                    {"nonfinite", "nan/inf", T::kInteger, R}};
  t.columns.insert(t.columns.end(), cols.begin(), cols.end());
  // A llama.cpp file-type mix's row of one tensor names the type it gives that tensor.
  if (mixes) t.columns.insert(t.columns.begin() + (several ? 2 : 1), {"type", "type"});
  if (recommending) t.columns.push_back({"recommended", "recommended", T::kFlag, Align::kLeft, Shown::kDataOnly});
  return t;
}

void add_scheme_row(Table& t, bool several, bool recommending, const std::string& tensor, const SchemeResult& r,
                    bool chosen, const std::string* type = nullptr) {
  const Metrics& m = r.metrics;
  std::vector<Cell> row;
  if (several) row.push_back(Cell::text(tensor));
  row.push_back(Cell::text(r.scheme.name, r.scheme.name + (chosen ? " *" : "")));
  if (type) row.push_back(type->empty() ? Cell::null() : Cell::text(*type));
  row.insert(row.end(), {
                         Cell::real(r.bits_per_element, trimmed(r.bits_per_element, 4)),
                         Cell::integer(static_cast<std::int64_t>(r.bytes)), measured(m.mse(), "{:.3e}"),
                         measured(m.rmse(), "{:.3e}"), measured(m.sqnr_db(), "{:.2f}"),
                         measured(m.max_abs_err, "{:.4g}"), measured(m.mean_rel_error(), "{:.4g}"),
                         measured(m.cosine(), "{:.6f}"), measured(m.clipped_fraction(), "{:.4g}"),
                         measured(m.underflow_fraction(), "{:.4g}"),
                         Cell::integer(static_cast<std::int64_t>(m.nonfinite))});
  if (recommending) row.push_back(Cell::flag(chosen));
  t.add(std::move(row));
}

/// Each scheme summed over every tensor: bits, bytes and error sums add; bits per element over all elements.
std::vector<SchemeResult> totals(const std::vector<Scheme>& schemes, const std::vector<Input>& inputs,
                                 const std::vector<std::vector<SchemeResult>>& per_input) {
  std::uint64_t n = 0;
  for (const Input& in : inputs) n += in.stats.count;
  std::vector<SchemeResult> out;
  for (std::size_t k = 0; k < schemes.size(); ++k) {
    SchemeResult total;
    total.scheme = schemes[k];
    for (const auto& results : per_input) {
      total.storage_bits += results[k].storage_bits;
      total.bytes += results[k].bytes;
      total.metrics.merge(results[k].metrics);
    }
    total.bits_per_element = n ? total.storage_bits / double(n) : 0;
    out.push_back(std::move(total));
  }
  return out;
}

std::vector<std::string> scheme_notes(const std::vector<Scheme>& schemes, Rounding rounding,
                                      const std::vector<std::string>& skipped) {
  bool mx_floor = false, mx_ceil = false;
  for (const Scheme& s : schemes)
    if (s.family == SchemeFamily::kMx) (s.mx_rule == MxScaleRule::kFloor ? mx_floor : mx_ceil) = true;
  std::string mx_note;
  if (mx_floor)
    mx_note += " MX scale rule of the mx* rows: floor (OCP MX v1.0, 2^(floor(log2 amax) − emax_elem), elements "
               "saturate).";
  if (mx_ceil) mx_note += " MX scale rule of the mx*-ceil rows: ceil (2^ceil(log2(amax/max_elem)), no element saturates).";
  std::vector<std::string> notes = {fmt::format(
      "bits/elem and bytes include every scale and zero point (per-tensor ones too); SQNR = 10·log10(Σx²/Σ(x−y)²); "
      "element rounding: {}.{}",
      rounding_name(rounding), mx_note)};
  if (!skipped.empty()) {
    std::string list;
    for (const std::string& n : skipped) list += (list.empty() ? "" : ", ") + n;
    notes.push_back("skipped (not a float tensor the quantizer reads, or empty): " + list);
  }
  return notes;
}

/// Reads --imatrix and gives each tensor its weights; a note names the tensors it has none for, or says that no
/// scheme of the run takes weights.
std::vector<std::string> attach_imatrix(const QuantizeRequest& q, const std::vector<Scheme>& schemes,
                                        std::vector<Input>& inputs) {
  if (!q.imatrix) return {};
  if (q.synthetic) throw InputError("--imatrix goes with --input (its weights are found by tensor name)");
  const Imatrix m = read_imatrix(*q.imatrix);
  std::vector<std::string> missing;
  for (Input& in : inputs) {
    in.imatrix = imatrix_weights(m, in.name, in.shape);
    if (in.imatrix.values.empty()) missing.push_back(in.name);
  }
  std::vector<std::string> notes;
  bool any = false;
  for (const Scheme& s : schemes) any |= takes_importance_weights(s);
  if (!any)
    notes.push_back("--imatrix: no scheme of this run takes importance weights (the ggml types q4_0 ... q6_K, "
                    "iq4_nl and iq4_xs do; q8_0, ggml-mxfp4, ggml-nvfp4 and the other families ignore them, as ggml does)");
  if (!missing.empty()) {
    std::string list;
    for (std::size_t i = 0; i < missing.size() && i < 8; ++i) list += (i ? ", " : "") + missing[i];
    notes.push_back(fmt::format("--imatrix {} has no weights for {} tensor(s), quantized without them as "
                                "llama-quantize does: {}{}", *q.imatrix, missing.size(), list,
                                missing.size() > 8 ? ", ..." : ""));
  }
  return notes;
}

/// The scheme --dump-dequantized writes: --dump-scheme, else the only one, else the recommended one.
const Scheme& dump_pick(const QuantizeRequest& q, const std::vector<Scheme>& schemes, const Recommendation& rec,
                        Rounding rounding, MxScaleRule rule) {
  if (!q.dump_scheme.empty()) {
    const Scheme want = parse_scheme(q.dump_scheme, rounding, rule);
    for (const Scheme& s : schemes)
      if (s.name == want.name) return s;
    throw InputError("--dump-scheme " + q.dump_scheme + " is not among the schemes run");
  }
  if (schemes.size() == 1) return schemes[0];
  if (rec.chosen) return schemes[*rec.chosen];
  throw InputError("--dump-dequantized needs --dump-scheme NAME (or a single scheme, or a recommendation)");
}

/// Options that write files, checked before the work: the one ggml block scheme --write-blocks writes (nullptr
/// without it), and no two outputs naming one file or an output naming an input.
const Scheme* check_outputs(const QuantizeRequest& q, const std::vector<std::string>& files,
                            const std::vector<Scheme>& schemes) {
  const Scheme* ggml = nullptr;
  if (q.write_blocks) {
    for (const Scheme& s : schemes)
      if (writes_ggml_blocks(s)) {
        if (ggml) throw InputError("--write-blocks writes one block format: keep one ggml scheme (q8_0, q4_0, q4_K, ...) in --schemes");
        ggml = &s;
      }
    if (!ggml) throw InputError("--write-blocks needs a ggml block scheme (q8_0, q4_0, q4_K, ...) in --schemes");
  }
  std::vector<NamedPath> outputs, ins;
  if (q.write_blocks) outputs.push_back({"--write-blocks", *q.write_blocks});
  if (q.dump_dequantized) outputs.push_back({"--dump-dequantized", *q.dump_dequantized});
  for (const std::string& file : files) ins.push_back({"--input", file});
  if (q.imatrix) ins.push_back({"--imatrix", *q.imatrix});
  check_distinct_files(outputs, ins);
  return ggml;
}

/// Table "layers": each scheme summed over the tensors of each transformer block (quantize/model.h layer_of).
Table layer_table(const std::vector<Scheme>&, const std::vector<std::string>& names,
                  const std::vector<std::uint64_t>& elements,
                  const std::vector<std::vector<SchemeResult>>& per_input, const std::vector<std::size_t>& order) {
  Table t;
  t.name = "layers";
  t.title = "layers";
  t.columns = {{"layer", "layer"},
               {"tensors", "tensors", T::kInteger, R},
               {"elements", "elements", T::kInteger, R},
               {"scheme", "scheme"},
               {"bits_per_element", "bits/elem", T::kFloat, R},
               {"bytes", "bytes", T::kInteger, R},
               {"mse", "MSE", T::kFloat, R},
               {"sqnr_db", "SQNR dB", T::kFloat, R},
               {"max_abs_error", "max |err|", T::kFloat, R},
               {"cosine", "cosine", T::kFloat, R}};
  for (const LayerTotals& l : layer_totals(names, elements, per_input))
    for (std::size_t k : order) {
      const SchemeResult& r = l.schemes[k];
      const Metrics& m = r.metrics;
      t.add({Cell::text(l.layer), Cell::integer(static_cast<std::int64_t>(l.tensors)),
             Cell::integer(static_cast<std::int64_t>(l.elements)), Cell::text(r.scheme.name),
             Cell::real(r.bits_per_element, trimmed(r.bits_per_element, 4)),
             Cell::integer(static_cast<std::int64_t>(r.bytes)), measured(m.mse(), "{:.3e}"),
             measured(m.sqnr_db(), "{:.2f}"), measured(m.max_abs_err, "{:.4g}"), measured(m.cosine(), "{:.6f}")});
    }
  t.notes = {"layer: the number after blk., layers., h., block. or blocks. in the tensor name; other: the rest"};
  return t;
}

/// Table "percentiles": approximate percentiles of |x - y| and |x - y| / |x| from ErrorHistogram, max exact.
Table percentile_table(const std::vector<std::string>& names, const std::vector<std::vector<SchemeResult>>& per_input,
                       const std::vector<SchemeResult>& total, const std::vector<std::size_t>& order) {
  Table t;
  t.name = "percentiles";
  t.title = "error percentiles (approximate)";
  t.columns = {{"tensor", "tensor"}, {"scheme", "scheme"}};
  static constexpr double kP[] = {0.5, 0.9, 0.99, 0.999};
  static constexpr const char* kKey[] = {"p50", "p90", "p99", "p99_9"};
  static constexpr const char* kLabel[] = {"p50", "p90", "p99", "p99.9"};
  for (const char* what : {"abs", "rel"})
    for (int i = 0; i < 4; ++i)
      t.columns.push_back({fmt::format("{}_{}", what, kKey[i]),
                           fmt::format("{} {}", std::string(what) == "abs" ? "|err|" : "rel", kLabel[i]), T::kFloat, R});
  t.columns.push_back({"max_abs_error", "max |err|", T::kFloat, R});
  auto row = [&](const std::string& tensor, const SchemeResult& r) {
    std::vector<Cell> cells = {Cell::text(tensor), Cell::text(r.scheme.name)};
    for (const auto* h : {&r.metrics.abs_hist, &r.metrics.rel_hist})
      for (double p : kP) cells.push_back(measured(ErrorHistogram::percentile(*h, p), "≤{:.3g}"));
    cells.push_back(measured(r.metrics.max_abs_err, "{:.4g}"));
    t.add(std::move(cells));
  };
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t k : order) row(names[i], per_input[i][k]);
  if (names.size() > 1)
    for (std::size_t k : order) row("total", total[k]);
  t.notes = {"percentiles are approximate: the upper edge of the logarithmic bin (4 per octave, so at most 25% "
             "above the true value) where the rank falls; max |err| is exact; rel: over x != 0"};
  return t;
}

/// Table "histogram": |x - y| of every scheme (all tensors) in `bins` logarithmic bins between the smallest and
/// largest nonzero error, plus the exact zeros.
Table histogram_table(const std::vector<SchemeResult>& total, const std::vector<std::size_t>& order, unsigned bins) {
  Table t;
  t.name = "histogram";
  t.title = "histogram of |err|";
  t.columns = {{"scheme", "scheme"},
               {"from", "from", T::kFloat, R},
               {"to", "to", T::kFloat, R},
               {"count", "count", T::kInteger, R},
               {"share", "share", T::kFloat, R}};
  for (std::size_t k : order) {
    const std::vector<std::uint64_t>& h = total[k].metrics.abs_hist;
    std::uint64_t n = 0;
    for (std::uint64_t c : h) n += c;
    const std::string& name = total[k].scheme.name;
    auto add = [&](double from, double to, std::uint64_t c) {
      t.add({Cell::text(name), measured(from, "{:.3g}"), measured(to, "{:.3g}"),
             Cell::integer(static_cast<std::int64_t>(c)), measured(n ? double(c) / double(n) : 0, "{:.4g}")});
    };
    if (h.empty() || n == 0) continue;
    add(0, 0, h[0]);
    int lo = 1, hi = static_cast<int>(h.size()) - 1;
    while (lo <= hi && h[static_cast<std::size_t>(lo)] == 0) ++lo;
    while (hi >= lo && h[static_cast<std::size_t>(hi)] == 0) --hi;
    if (lo > hi) continue;
    const int span = hi - lo + 1;
    for (unsigned b = 0; b < bins; ++b) {
      const int first = lo + static_cast<int>(std::uint64_t(span) * b / bins);
      const int last = lo + static_cast<int>(std::uint64_t(span) * (b + 1) / bins) - 1;
      if (last < first) continue;
      std::uint64_t c = 0;
      for (int i = first; i <= last; ++i) c += h[static_cast<std::size_t>(i)];
      add(ErrorHistogram::lower_edge(first), ErrorHistogram::upper_edge(last), c);
    }
  }
  t.notes = {"bins of a fixed logarithmic histogram (4 per octave) merged into the bins asked for; the first row "
             "of each scheme counts the exact zeros"};
  return t;
}

void echo_request(Result& r, const QuantizeRequest& q, const std::vector<Scheme>& schemes, Rounding rounding) {
  r.echo_texts("inputs", q.inputs);
  r.echo_texts("tensors", q.tensors);
  r.echo_flag("all", q.all);
  r.echo("synthetic", q.synthetic ? Cell::text(*q.synthetic) : Cell::null());
  std::vector<std::string> names;
  for (const Scheme& s : schemes) names.push_back(s.name);
  r.echo_texts("schemes", names);
  r.echo_text("rounding", std::string(rounding_name(rounding)));
  r.echo_text("mx_scale", q.mx_scale);
  r.echo("max_bits", q.max_bits ? Cell::real(*q.max_bits) : Cell::null());
  r.echo("min_sqnr", q.min_sqnr ? Cell::real(*q.min_sqnr) : Cell::null());
  r.echo_flag("ignore_nonfinite", q.ignore_nonfinite);
  r.echo("imatrix", q.imatrix ? Cell::text(*q.imatrix) : Cell::null());
  r.echo("dtype", q.dtype ? Cell::text(*q.dtype) : Cell::null());
  r.echo_texts("include", q.include);
  r.echo_texts("exclude", q.exclude);
  r.echo_flag("include_1d", q.include_1d);
  r.echo_flag("per_layer", q.per_layer);
  r.echo_flag("percentiles", q.percentiles);
  r.echo("histogram", Cell::integer(q.histogram));
  r.echo("write_blocks", q.write_blocks ? Cell::text(*q.write_blocks) : Cell::null());
  r.echo("dump_dequantized", q.dump_dequantized ? Cell::text(*q.dump_dequantized) : Cell::null());
}

/// The bytes a tensor takes in its file (4 per element for synthetic and in-memory fp32 tensors without one).
std::uint64_t input_bytes(const Input& in) {
  return in.stored_bytes ? in.stored_bytes : 4 * in.source->rows() * in.source->cols();
}
std::uint64_t input_bytes(const std::vector<Input>& inputs) {
  std::uint64_t n = 0;
  for (const Input& in : inputs) n += input_bytes(in);
  return n;
}

/// The tensors to measure with their statistics; tensors without a finite value are skipped (listed) or refused.
std::vector<Input> measured_inputs(const QuantizeRequest& q, const std::vector<std::string>& files,
                                   const std::vector<const FileTypeMix*>& mixes, const QuantizeOptions& qopt,
                                   std::vector<std::string>& skipped, std::vector<std::string>& filtered) {
  if ((!q.include.empty() || !q.exclude.empty() || q.include_1d) && !q.all)
    throw InputError("--include, --exclude and --include-1d select tensors of --all");
  if (q.histogram > 1000) throw InputError("--histogram takes 1 to 1000 bins, got " + std::to_string(q.histogram));
  std::vector<Input> inputs = load_inputs(q, files, mixes, skipped, filtered);
  // These files hold one tensor each (ggml's bare blocks, a .npy): refused now, not after a pass over a model.
  for (const auto& [flag, asked] : {std::pair{"--write-blocks", q.write_blocks.has_value()},
                                    std::pair{"--dump-dequantized", q.dump_dequantized.has_value()}})
    if (asked && inputs.size() > 1)
      throw InputError(std::string(flag) + " writes one tensor and " + std::to_string(inputs.size()) +
                       " are chosen: pick it with --tensor NAME");
  QuantizeProgress p{"", 0, inputs.size(), true, 0, input_bytes(inputs)};
  for (Input& in : inputs) {
    if (q.progress) p.tensor = in.name, ++p.index, q.progress(p);
    in.stats = tensor_stats(*in.source, qopt.threads);
    p.bytes_done += input_bytes(in);
    if (in.stats.nonfinite > 0 && !qopt.ignore_nonfinite)
      throw InputError("tensor '" + in.name + "' has " + std::to_string(in.stats.nonfinite) + " NaN or inf values among " +
                       std::to_string(in.stats.count) + ": pass --ignore-nonfinite to analyse the finite values only");
  }
  // No metrics without a finite value: MSE 0, SQNR inf and cosine 1 of nothing would read as a perfect scheme.
  // With several tensors (--all) such a tensor is skipped and listed; alone, it is refused.
  std::erase_if(inputs, [&](const Input& in) {
    if (in.stats.count > in.stats.nonfinite) return false;
    if (inputs.size() == 1)
      throw InputError("tensor '" + in.name + "' has no finite value (all " + std::to_string(in.stats.count) +
                       " are NaN or inf): with --ignore-nonfinite nothing is left to measure");
    skipped.push_back(in.name + " (no finite value)");
    return true;
  });
  if (inputs.empty()) throw InputError("no tensor has a finite value: with --ignore-nonfinite nothing is left to measure");
  return inputs;
}

/// What the schemes measured: per input, and the totals over the inputs.
struct Measured {
  std::vector<std::vector<SchemeResult>> per_input;
  std::vector<SchemeResult> total;
  Recommendation rec;
};

/// Every scheme over every input, writing --write-blocks and --dump-dequantized on the way. Outputs are opened
/// before the work (a missing folder fails now) and written whole or not at all (support/atomic_file.h); the blocks
/// file is committed only after the dump, so an error leaves neither.
Measured measure(const QuantizeRequest& q, const std::vector<Scheme>& schemes,
                 const std::vector<const FileTypeMix*>& mixes, const std::vector<Input>& inputs,
                 const QuantizeOptions& qopt, const Scheme* ggml, Rounding rounding, MxScaleRule rule) {
  std::optional<AtomicFile> blocks;
  if (ggml) blocks.emplace(*q.write_blocks, "--write-blocks");
  std::optional<NpyWriter> dump;
  if (q.dump_dequantized) dump.emplace(*q.dump_dequantized, inputs[0].shape, "--dump-dequantized");
  Measured m;
  QuantizeProgress p{"", 0, inputs.size(), false, 0, input_bytes(inputs)};
  // One pass over each tensor serves every scheme (quantize_schemes).
  for (const Input& in : inputs) {
    QuantizeOptions o = qopt;
    if (blocks) o.blocks = &blocks->stream();
    const std::uint64_t before = p.bytes_done, bytes = input_bytes(in);
    p.tensor = in.name, ++p.index;
    // quantize_schemes reports the elements of work done in this tensor; as bytes of the files, in the run's.
    if (q.progress)
      o.progress = [&, before, bytes](std::uint64_t done, std::uint64_t all) {
        QuantizeProgress now = p;
        now.bytes_done = before + static_cast<std::uint64_t>(static_cast<double>(bytes) * double(done) / double(all));
        q.progress(now);
      };
    p.bytes_done = before + bytes;
    if (!in.imatrix.values.empty()) o.imatrix = &in.imatrix;
    m.per_input.push_back(detail::run_schemes(schemes, mixes, in, o));
  }
  m.total = totals(schemes, inputs, m.per_input);
  if (q.max_bits || q.min_sqnr) m.rec = recommend(m.total, q.max_bits, q.min_sqnr);
  if (dump) {
    QuantizeOptions o = qopt;
    o.dequantized = [&](const double* y, std::uint64_t count) { dump->write(y, count); };
    if (!inputs[0].imatrix.values.empty()) o.imatrix = &inputs[0].imatrix;
    const Scheme& pick = dump_pick(q, schemes, m.rec, rounding, rule);
    if (mixes[static_cast<std::size_t>(&pick - schemes.data())])
      throw InputError("--dump-dequantized writes one scheme's tensor: name a ggml type (--dump-scheme q4_K), not "
                       "the mix " + pick.name);
    quantize_tensor(pick, *inputs[0].source, inputs[0].stats, o);
    dump->commit();
  }
  if (blocks) blocks->commit();
  return m;
}

/// The schemes table: sorted by bits (then by SQNR, best first), as the recommendation ranks them; with several
/// tensors, per tensor and then the totals.
Table schemes_result_table(const std::vector<Input>& inputs, const Measured& m, const std::vector<std::size_t>& order,
                           bool recommending, bool any_mix) {
  const bool several = inputs.size() > 1;
  Table t = scheme_table(several, recommending, any_mix);
  const std::string none;
  auto type_of = [&](std::size_t i, std::size_t k) { return any_mix ? &inputs[i].mix_type[k] : nullptr; };
  if (several)
    for (std::size_t i = 0; i < inputs.size(); ++i)
      for (std::size_t k : order)
        add_scheme_row(t, true, recommending, inputs[i].name, m.per_input[i][k], false, type_of(i, k));
  for (std::size_t k : order)
    add_scheme_row(t, several, recommending, several ? "total" : inputs[0].name, m.total[k], m.rec.chosen == k,
                   several ? (any_mix ? &none : nullptr) : type_of(0, k));
  return t;
}

}  // namespace

Result quantize(const QuantizeRequest& q) {
  if (q.list_tensors) return detail::list_tensors(q);
  const Rounding rounding = parse_rounding(q.rounding);
  if (q.mx_scale != "floor" && q.mx_scale != "ceil")
    throw InputError("--mx-scale must be floor (OCP MX v1.0) or ceil (round the scale up), got '" + q.mx_scale + "'");
  const MxScaleRule rule = q.mx_scale == "ceil" ? MxScaleRule::kCeil : MxScaleRule::kFloor;
  std::vector<const FileTypeMix*> mixes;  // per scheme: the llama.cpp file-type mix it is, or nullptr
  const std::vector<Scheme> schemes =
      detail::parse_run_schemes(q.schemes.empty() ? default_scheme_names() : q.schemes, rounding, rule, mixes);
  const bool any_mix = std::any_of(mixes.begin(), mixes.end(), [](const FileTypeMix* m) { return m != nullptr; });
  const bool recommending = q.max_bits || q.min_sqnr;

  if (any_mix && q.write_blocks)
    throw InputError("--write-blocks writes one block type; a llama.cpp file-type mix (llama:Q4_K_M, ...) has "
                     "several: pass one ggml scheme (q4_K, q6_K, ...) instead");
  const std::vector<std::string> files = detail::input_file_list(q);  // directories and indexes read once
  const Scheme* ggml = check_outputs(q, files, schemes);

  std::vector<std::string> skipped, filtered;
  QuantizeOptions qopt;
  qopt.error_histogram = q.percentiles || q.histogram > 0;
  qopt.ignore_nonfinite = q.ignore_nonfinite;
  qopt.threads = q.threads;
  std::vector<Input> inputs = measured_inputs(q, files, mixes, qopt, skipped, filtered);
  const std::vector<std::string> imatrix_notes = attach_imatrix(q, schemes, inputs);
  const Measured m = measure(q, schemes, mixes, inputs, qopt, ggml, rounding, rule);
  const Recommendation& rec = m.rec;

  Result res;
  res.command = "quantize";
  echo_request(res, q, schemes, rounding);
  res.tables.push_back(input_table(inputs));  // the tables in quantize_table_names' order (tested)
  const std::vector<std::size_t> order = cost_order(m.total);
  Table t = schemes_result_table(inputs, m, order, recommending, any_mix);
  t.notes = scheme_notes(schemes, rounding, skipped);
  t.notes.insert(t.notes.end(), imatrix_notes.begin(), imatrix_notes.end());
  if (recommending) {
    t.notes.push_back(rec.summary + (rec.chosen ? " (marked *)" : ""));
    for (const std::string& r : rec.reasons) t.notes.push_back("  " + r);
  }
  if (!filtered.empty()) {
    std::string list;
    for (std::size_t i = 0; i < filtered.size() && i < 8; ++i) list += (i ? ", " : "") + filtered[i];
    t.notes.push_back(fmt::format("left out by the tensor filter ({} tensors): {}{}", filtered.size(), list,
                                  filtered.size() > 8 ? ", ..." : ""));
  }
  res.tables.push_back(std::move(t));
  std::vector<std::string> names;
  std::vector<std::uint64_t> elements;
  for (const Input& in : inputs) names.push_back(in.name), elements.push_back(in.stats.count);
  if (q.per_layer) res.tables.push_back(layer_table(schemes, names, elements, m.per_input, order));
  if (q.percentiles) res.tables.push_back(percentile_table(names, m.per_input, m.total, order));
  if (q.histogram > 0) res.tables.push_back(histogram_table(m.total, order, q.histogram));
  // A bar no scheme meets is a failed check for scripts (exit 1), said in one line on stderr too.
  if (recommending && !rec.chosen) {
    res.status = 1;
    res.errors.push_back(rec.summary);
  }
  return res;
}

std::vector<std::string> quantize_table_names(const QuantizeRequest& q) {
  if (q.list_tensors) return {"tensors", "dtypes"};
  std::vector<std::string> names{"input", "schemes"};
  if (q.per_layer) names.push_back("layers");
  if (q.percentiles) names.push_back("percentiles");
  if (q.histogram > 0) names.push_back("histogram");
  return names;
}

}  // namespace numscope::api
