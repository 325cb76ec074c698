// `numscope quantize --list-tensors` (see quantize_list.h): what a model's files hold, from their headers alone.
#include "numscope/api/quantize_list.h"

#include <algorithm>  // std::sort
#include <map>        // std::map

#include <fmt/format.h>

#include "numscope/io/checkpoint.h"
#include "numscope/quantize/gguf_source.h"
#include "numscope/quantize/model.h"
#include "numscope/support/error.h"

namespace numscope::api::detail {
namespace {

constexpr auto R = Align::kRight;
using T = ColumnType;

/// Bits per element as the file stores it: 8·bytes/elements, shown to 4 decimals (exact for every ggml type).
Cell bits_cell(std::uint64_t bytes, std::uint64_t elements) {
  if (elements == 0) return Cell::null();
  const double b = 8.0 * static_cast<double>(bytes) / static_cast<double>(elements);
  return Cell::real(b, fmt::format("{:.4f}", b));
}

Cell count(std::uint64_t v) { return Cell::integer(static_cast<std::int64_t>(v)); }

/// The options a listing would ignore, refused by name.
void check_list_options(const QuantizeRequest& q) {
  if (q.inputs.empty()) throw InputError("--list-tensors lists the tensors of --input files (or a model directory)");
  const std::pair<const char*, bool> run_only[] = {
      {"--tensor", !q.tensors.empty()},          {"--schemes", !q.schemes.empty()},
      {"--max-bits", q.max_bits.has_value()},   {"--min-sqnr", q.min_sqnr.has_value()},
      {"--write-blocks", q.write_blocks.has_value()}, {"--dump-dequantized", q.dump_dequantized.has_value()},
      {"--imatrix", q.imatrix.has_value()},     {"--per-layer", q.per_layer},
      {"--percentiles", q.percentiles},         {"--histogram", q.histogram > 0}};
  for (const auto& [flag, given] : run_only)
    if (given)
      throw InputError(std::string("--list-tensors reads the file headers and runs no scheme: leave out ") + flag);
}

Table tensors_table() {
  Table t;
  t.name = "tensors";
  t.title = "tensors";
  t.columns = {{"tensor", "tensor"},
               {"dtype", "dtype"},
               {"shape", "shape"},
               {"elements", "elements", T::kInteger, R},
               {"bytes", "bytes", T::kInteger, R},
               {"bits_per_element", "bits/elem", T::kFloat, R}};
  return t;
}

Table dtypes_table(const std::vector<const TensorEntry*>& kept, std::uint64_t total_bytes) {
  struct Sum {
    std::uint64_t tensors = 0, elements = 0, bytes = 0;
  };
  std::map<std::string, Sum> by;
  for (const TensorEntry* e : kept) {
    Sum& s = by[e->dtype];
    ++s.tensors, s.elements += e->elements, s.bytes += e->bytes;
  }
  std::vector<std::pair<std::string, Sum>> rows(by.begin(), by.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.bytes > b.second.bytes; });
  Table t;
  t.name = "dtypes";
  t.title = "dtypes";
  t.columns = {{"dtype", "dtype"},
               {"tensors", "tensors", T::kInteger, R},
               {"elements", "elements", T::kInteger, R},
               {"bytes", "bytes", T::kInteger, R},
               {"bits_per_element", "bits/elem", T::kFloat, R},
               {"byte_share", "share of bytes", T::kFloat, R}};
  for (const auto& [dtype, s] : rows) {
    const double share = total_bytes ? static_cast<double>(s.bytes) / static_cast<double>(total_bytes) : 0;
    t.add({Cell::text(dtype), count(s.tensors), count(s.elements), count(s.bytes), bits_cell(s.bytes, s.elements),
           Cell::real(share, fmt::format("{:.4g}", share))});
  }
  return t;
}

}  // namespace

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string s;
  for (std::uint64_t d : shape) {
    if (!s.empty()) s += 'x';
    s += std::to_string(d);
  }
  return s.empty() ? "scalar" : s;
}

std::vector<std::string> input_file_list(const QuantizeRequest& q) {
  std::vector<std::string> files;
  for (const std::string& f : q.inputs)  // a model directory or an index names its shards
    for (std::string& file : input_files(f)) files.push_back(std::move(file));
  return files;
}

std::vector<TensorEntry> read_input_tensors(const QuantizeRequest& q, const std::vector<std::string>& files) {
  std::optional<DType> override_dtype;
  if (q.dtype) override_dtype = parse_dtype(*q.dtype);
  std::vector<std::pair<std::string, std::vector<TensorEntry>>> shards;
  for (const std::string& file : files) shards.emplace_back(file, read_tensors(file, override_dtype));
  return merge_shards(std::move(shards));  // a name in two shards is refused
}

Result list_tensors(const QuantizeRequest& q) {
  check_list_options(q);
  const std::vector<std::string> files = input_file_list(q);
  const std::vector<TensorEntry> all = read_input_tensors(q, files);
  const TensorFilter filter{q.include, q.exclude, true};
  std::vector<const TensorEntry*> kept;
  std::uint64_t elements = 0, bytes = 0;
  Table t = tensors_table();
  for (const TensorEntry& e : all) {
    if (!filter_reason(filter, e.name, e.shape).empty()) continue;
    kept.push_back(&e);
    elements += e.elements, bytes += e.bytes;
    t.add({Cell::text(e.name), Cell::text(e.dtype), Cell::text(shape_text(e.shape)), count(e.elements), count(e.bytes),
           bits_cell(e.bytes, e.elements)});
  }
  if (kept.empty()) throw InputError("no tensor matches --include / --exclude (the input holds " +
                                     std::to_string(all.size()) + ")");
  t.add({Cell::text("total"), Cell::text(""), Cell::text(""), count(elements), count(bytes), bits_cell(bytes, elements)});
  t.notes = {fmt::format("{} tensors in {} file{}; bytes as the files store them (ggml blocks with their scales), "
                         "bits/elem = 8·bytes/elements, rounded to 4 decimals; no tensor data was read",
                         kept.size(), files.size(), files.size() == 1 ? "" : "s")};
  Result r;
  r.command = "quantize";
  r.echo_texts("inputs", q.inputs);
  r.echo_flag("list_tensors", true);
  r.echo_texts("include", q.include);
  r.echo_texts("exclude", q.exclude);
  r.tables.push_back(std::move(t));
  r.tables.push_back(dtypes_table(kept, bytes));
  return r;
}

}  // namespace numscope::api::detail
