// Results of the api functions (support/result.h) as Python data, and the commands that return them: one
// binding per api function, its request struct filled from keyword arguments, the Result rendered by the one
// renderer (support/render.h) when Python asks for Markdown, text or JSON.
#include <nanobind/stl/optional.h>  // std::optional arguments
#include <nanobind/stl/string.h>    // std::string arguments and results
#include <nanobind/stl/vector.h>    // std::vector arguments

#include <optional>  // std::optional
#include <string>    // std::string
#include <vector>    // std::vector

#include "numscope/api/explain.h"
#include "numscope/api/formats.h"
#include "numscope/api/store.h"
#include "numscope/api/values.h"
#include "numscope/python/src/bind.h"
#include "numscope/support/render.h"
#include "numscope/support/result.h"

namespace numscope::python {
namespace {

const char* kind_name(Cell::Kind k) {
  switch (k) {
    case Cell::Kind::kNull: return "null";
    case Cell::Kind::kExact: return "exact";
    case Cell::Kind::kInteger: return "integer";
    case Cell::Kind::kFloat: return "float";
    case Cell::Kind::kText: return "text";
    case Cell::Kind::kFlag: return "flag";
  }
  return "null";
}

const char* shown_name(Shown s) {
  switch (s) {
    case Shown::kEverywhere: return "everywhere";
    case Shown::kDisplayOnly: return "display";
    case Shown::kDataOnly: return "data";
  }
  return "everywhere";
}

/// A cell as (kind, value, number, display): the Python side makes the typed value (numscope/_results.py).
nb::tuple cell_tuple(const Cell& c) {
  nb::object number = c.number ? nb::cast(*c.number) : nb::none();
  nb::object display = c.display ? nb::cast(*c.display) : nb::none();
  return nb::make_tuple(kind_name(c.kind), c.value, number, display);
}

nb::list cells(const std::vector<Cell>& v) {
  nb::list l;
  for (const Cell& c : v) l.append(cell_tuple(c));
  return l;
}

nb::dict table_dict(const Table& t) {
  nb::dict d;
  d["name"] = t.name;
  d["title"] = t.title;
  d["transposed"] = t.transposed;
  nb::list columns;
  for (const Column& c : t.columns) {
    nb::dict col;
    col["key"] = c.key;
    col["label"] = c.label;
    col["type"] = std::string(type_name(c.type));
    col["align"] = c.align == Align::kRight ? "right" : "left";
    col["shown"] = shown_name(c.shown);
    columns.append(col);
  }
  d["columns"] = columns;
  nb::list rows;
  for (const auto& row : t.rows) rows.append(cells(row));
  d["rows"] = rows;
  d["notes"] = nb::cast(t.notes);
  return d;
}

/// Everything in a Result as plain Python data (strings, numbers, lists, dicts of cell tuples).
nb::dict result_dict(const Result& r) {
  nb::dict d;
  d["command"] = r.command;
  nb::list request;
  for (const Field& f : r.request) request.append(nb::make_tuple(f.key, cells(f.values), f.list));
  d["request"] = request;
  nb::list tables;
  for (const Table& t : r.tables) tables.append(table_dict(t));
  d["tables"] = tables;
  d["intro"] = nb::cast(r.intro);
  d["notes"] = nb::cast(r.notes);
  d["errors"] = nb::cast(r.errors);
  d["status"] = r.status;
  return d;
}

std::string render_result(const Result& r, const std::string& format, const std::string& table) {
  return render_to_string(r, {parse_output_format(format), table});
}

api::Conversion conversion(const std::string& rounding, bool saturate, bool ftz, std::uint64_t seed) {
  return {rounding, saturate, ftz, seed};
}

}  // namespace

void bind_results(nb::module_& m) {
  nb::class_<Result>(m, "Result", "A command's result as the C++ library returns it (support/result.h)")
      .def("data", &result_dict, "The command, request, tables, notes and status as Python data")
      .def("render", &render_result, nb::arg("format"), nb::arg("table") = "",
           "The text the CLI prints for -o FORMAT (table, md, csv, json), optionally one table (--table)");

  m.def("formats", [](const std::vector<std::string>& names, bool exact) {
    return api::formats({names, exact});
  }, nb::arg("names"), nb::arg("exact") = false);
  m.def("store", [](const std::vector<std::string>& values, const std::vector<std::string>& formats,
                    const std::string& rounding, bool saturate, bool ftz, std::uint64_t seed,
                    const std::optional<std::string>& scale) {
    return api::store({values, formats, conversion(rounding, saturate, ftz, seed), scale});
  }, nb::arg("values"), nb::arg("formats"), nb::arg("rounding"), nb::arg("saturate"), nb::arg("ftz"),
     nb::arg("seed"), nb::arg("scale").none());
  m.def("explain", [](const std::string& format, const std::string& value, const std::string& rounding,
                      bool saturate, bool ftz, std::uint64_t seed) {
    return api::explain({format, value, conversion(rounding, saturate, ftz, seed)});
  }, nb::arg("format"), nb::arg("value"), nb::arg("rounding"), nb::arg("saturate"), nb::arg("ftz"),
     nb::arg("seed"));
  m.def("values", [](const std::string& format, bool finite_only) {
    nb::gil_scoped_release release;  // a 16-bit format's 65,536 exact decimals take a moment
    return api::values({format, finite_only});
  }, nb::arg("format"), nb::arg("finite_only") = false);
}

}  // namespace numscope::python
