// `formats`: one row of derived properties per format (formats/properties.h), floats and integers apart.
#include "numscope/api/formats.h"

#include <fmt/format.h>  // fmt::format

#include "numscope/api/common.h"
#include "numscope/formats/properties.h"
#include "numscope/formats/registry.h"

namespace numscope::api {
namespace {

constexpr auto R = Align::kRight;
constexpr auto kData = Shown::kDataOnly;
constexpr auto kDisplay = Shown::kDisplayOnly;
using T = ColumnType;

Table float_table() {
  Table t;
  t.name = "floats";
  t.columns = {
      {"name", "format"},
      {"bits", "bits", T::kInteger, R},
      {"sem", "S/E/M", T::kText, Align::kLeft, kDisplay},
      {"exponent_bits", "exponent bits", T::kInteger, R, kData},
      {"mantissa_bits", "mantissa bits", T::kInteger, R, kData},
      {"storage_bits", "storage bits", T::kInteger, R, kData},
      {"bias", "bias", T::kInteger, R},
      {"emin", "emin", T::kInteger, R, kData},
      {"emax", "emax", T::kInteger, R, kData},
      {"max", "max", T::kExact, R},
      {"max_formula", "max (formula)"},
      {"min_normal", "min normal", T::kExact, R},
      {"min_subnormal", "min subnormal", T::kExact, R},
      {"epsilon", "epsilon", T::kExact, R},
      {"unit_roundoff", "unit roundoff", T::kExact, R, kData},
      {"decimal_digits", "digits (p·log10 2)", T::kFloat, R},
      {"digits10", "digits10", T::kInteger, R},
      {"max_digits10", "max_digits10", T::kInteger, R},
      {"range_decades", "range (decades)", T::kFloat, R},
      {"finite_values", "finite values", T::kInteger, R, kData},
      {"has_inf", "inf", T::kFlag},
      {"has_negative_zero", "-0", T::kFlag, Align::kLeft, kData},
      {"nan_encoding", "NaN"},
  };
  return t;
}

Table integer_table() {
  Table t;
  t.name = "integers";
  t.columns = {{"name", "format"},
               {"bits", "bits", T::kInteger, R},
               {"bytes", "bytes", T::kFloat, R},
               {"min", "min", T::kInteger, R},
               {"max", "max", T::kInteger, R}};
  return t;
}

std::vector<Cell> float_row(const Format& f, const Properties& p, bool exact) {
  auto shown = [&](const Rational& r) { return exact_cell(r, exact ? exact_decimal(r) : short_or_rounded(r)); };
  const std::string sem = std::string(f.has_sign ? "1" : "0") + "/" + std::to_string(f.exponent_bits) + "/" +
                          std::to_string(f.mantissa_bits);
  return {Cell::text(std::string(f.name)),
          Cell::integer(p.bits),
          Cell::text(sem),
          Cell::integer(p.exponent_bits),
          Cell::integer(p.mantissa_bits),
          Cell::integer(p.storage_bits),
          Cell::integer(p.bias),
          Cell::integer(p.emin),
          Cell::integer(p.emax),
          shown(p.max),
          Cell::text(max_formula(f)),
          shown(p.min_normal),
          shown(p.min_subnormal),
          shown(p.epsilon),
          exact_cell(p.unit_roundoff),
          Cell::real(p.decimal_digits, fmt::format("{:.2f}", p.decimal_digits)),
          Cell::integer(p.digits10),
          Cell::integer(p.max_digits10),
          Cell::real(p.range_decades, fmt::format("{:.1f}", p.range_decades)),
          Cell::integer_digits(p.finite_count),
          Cell::flag(p.has_inf),
          Cell::flag(p.has_negative_zero),
          Cell::text(p.nan_encoding)};
}

}  // namespace

Result formats(const FormatsRequest& request) {
  Result r;
  r.command = "formats";
  std::vector<Format> list;
  for (const auto& name : request.formats) list.push_back(find_format(name));
  if (list.empty()) list.assign(builtin_formats().begin(), builtin_formats().end());
  std::vector<Cell> names;
  for (const Format& f : list) names.push_back(Cell::text(std::string(f.name)));
  r.echo("formats", std::move(names));
  r.echo_flag("exact", request.exact);

  Table floats = float_table(), ints = integer_table();
  for (const Format& f : list) {
    const Properties p = properties(f);
    if (f.kind == Kind::kInt)
      ints.add({Cell::text(std::string(f.name)), Cell::integer(p.bits),
                Cell::real(p.storage_bits / 8.0, fmt::format("{}", p.storage_bits / 8.0)),
                Cell::integer_digits(exact_decimal(p.int_min)), Cell::integer_digits(exact_decimal(p.int_max))});
    else
      floats.add(float_row(f, p, request.exact));
  }
  if (!floats.rows.empty()) {
    if (!request.exact) floats.notes.push_back(kRoundedNote);
    r.tables.push_back(std::move(floats));
  }
  if (!ints.rows.empty()) r.tables.push_back(std::move(ints));
  return r;
}

}  // namespace numscope::api
