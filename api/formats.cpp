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
      {"bytes", "bytes", T::kFloat, R},
      {"sem", "S/E/M", T::kText, Align::kLeft, kDisplay},
      {"exponent_bits", "exponent bits", T::kInteger, R, kData},
      {"mantissa_bits", "mantissa bits", T::kInteger, R, kData},
      {"storage_bits", "storage bits", T::kInteger, R, kData},
      {"bias", "bias", T::kInteger, R},
      {"emin", "emin", T::kInteger, R},
      {"emax", "emax", T::kInteger, R},
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

/// Bytes one element takes, storage bits / 8: 0.5 for FP4, 0.75 for FP6, 4 for tf32's container.
Cell bytes_cell(int storage_bits) { return Cell::real(storage_bits / 8.0, fmt::format("{}", storage_bits / 8.0)); }

std::vector<Cell> float_row(const Format& f, const Properties& p, bool exact) {
  auto shown = [&](const Rational& r) { return exact_cell(r, exact ? exact_with_power(r) : short_or_rounded(r)); };
  const std::string sem = std::string(f.has_sign ? "1" : "0") + "/" + std::to_string(f.exponent_bits) + "/" +
                          std::to_string(f.mantissa_bits);
  return {Cell::text(std::string(f.name)),
          Cell::integer(p.bits),
          bytes_cell(p.storage_bits),
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

/// Table "aliases": each format's canonical name and its aliases; without a filter, the ambiguous names and the
/// user-defined forms too.
Table alias_table_of(const std::vector<Format>& list, bool everything) {
  Table t;
  t.name = "aliases";
  t.columns = {{"spelling", "spelling"}, {"format", "format"}, {"used_by", "used by"}, {"note", "note"}};
  for (const Format& f : list) {
    t.add({Cell::text(std::string(f.name)), Cell::text(std::string(f.name)), Cell::text("numscope"),
           Cell::text(std::string(f.summary))});
    for (const AliasInfo& a : alias_table())
      if (a.name == f.name)
        t.add({Cell::text(std::string(a.alias)), Cell::text(std::string(a.name)), Cell::text(std::string(a.used_by)),
               a.hint.empty() ? Cell::null("") : Cell::text(std::string(a.hint))});
  }
  if (!everything) return t;
  for (const AmbiguousName& a : ambiguous_names()) {
    std::string either;
    for (const std::string& c : ambiguous_candidates(a.name)) either += (either.empty() ? "" : " or ") + c;
    t.add({Cell::text(std::string(a.name)), Cell::text(either), Cell::null(""),
           Cell::text("ambiguous, refused where one format is needed: " + std::string(a.why))});
  }
  const std::pair<const char*, const char*> kForms[] = {
      {"eXmY", "IEEE-like: bias 2^(X-1)-1, inf and NaN in the all-ones exponent (1<=X<=15, 1<=Y<=112)"},
      {"eXmYfn", "no inf, NaN = all ones (as OCP E4M3)"},
      {"eXmYfnuz", "no inf, no -0, NaN = 100..0, bias 2^(X-1)"},
      {"FORMAT:bias=N", "any of the above with bias N (-16384..16384)"},
      {"intN / uintN", "two's complement / unsigned integers, 2<=N<=64"},
  };
  for (const auto& [form, what] : kForms)
    t.add({Cell::text(form), Cell::text("user-defined"), Cell::null(""), Cell::text(what)});
  return t;
}

}  // namespace

Result formats(const FormatsRequest& request) {
  Result r;
  r.command = "formats";
  std::vector<Format> list;
  for (const auto& name : request.formats) {
    const std::vector<std::string> candidates = ambiguous_candidates(name);
    if (candidates.empty()) {
      list.push_back(find_format(name));
      continue;
    }
    std::string shown;
    for (const std::string& c : candidates) {
      list.push_back(find_format(c));
      shown += (shown.empty() ? "" : " and ") + c;
    }
    r.notes.push_back(name + " names " + std::to_string(candidates.size()) + " formats, shown both: " + shown +
                      "; elsewhere name one.");
  }
  const bool everything = list.empty();
  if (everything) list.assign(builtin_formats().begin(), builtin_formats().end());
  std::vector<Cell> names;
  for (const Format& f : list) names.push_back(Cell::text(std::string(f.name)));
  r.echo("formats", std::move(names));
  r.echo_flag("exact", request.exact);
  r.echo_flag("aliases", request.aliases);
  if (request.aliases) {
    Table t = alias_table_of(list, everything);
    t.notes.push_back("Case, '_' against '-' and a prefix torch., np., jnp. or ml_dtypes. do not matter: "
                      "torch.float8_e4m3fn, FLOAT8-E4M3FN and float8_e4m3fn are the same name.");
    r.tables.push_back(std::move(t));
    return r;
  }

  Table floats = float_table(), ints = integer_table();
  for (const Format& f : list) {
    const Properties p = properties(f);
    if (f.kind == Kind::kInt)
      ints.add({Cell::text(std::string(f.name)), Cell::integer(p.bits), bytes_cell(p.storage_bits),
                Cell::integer_digits(exact_decimal(p.int_min)), Cell::integer_digits(exact_decimal(p.int_max))});
    else
      floats.add(float_row(f, p, request.exact));
  }
  if (!floats.rows.empty()) {
    if (!request.exact) floats.notes.push_back(kRoundedNote);
    // The two logarithmic columns have no exact decimal form; say how they are shown (-o json has the doubles).
    floats.notes.push_back("digits (p·log10 2) is rounded to 0.01 and range (decades) to 0.1; -o json gives the doubles.");
    r.tables.push_back(std::move(floats));
  }
  if (!ints.rows.empty()) r.tables.push_back(std::move(ints));
  return r;
}

}  // namespace numscope::api
