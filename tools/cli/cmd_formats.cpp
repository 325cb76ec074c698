// `numscope formats [NAME...]`: the property table, every number derived from the format rows.
#include <fmt/format.h>  // fmt::format (shortest round-trip doubles)

#include "numscope/formats/properties.h"
#include "numscope/formats/registry.h"
#include "numscope/tools/cli/command.h"
#include "numscope/tools/cli/common.h"

namespace numscope::cli {
namespace {

int run(const Args& args, Context&, Report& report) {
  std::vector<Format> list;
  for (const auto& name : args.positional) list.push_back(find_format(name));
  if (list.empty()) list.assign(builtin_formats().begin(), builtin_formats().end());
  const bool exact = args.has("exact");
  auto shown = [&](const Rational& r) { return exact ? exact_decimal(r) : short_or_rounded(r); };

  Table floats;
  floats.columns = {
      {"format", "name"},
      {"bits", "bits", true},
      {"S/E/M", "", false, Column::Show::kText},
      {"exponent bits", "exponent_bits", true, Column::Show::kJson},
      {"mantissa bits", "mantissa_bits", true, Column::Show::kJson},
      {"storage bits", "storage_bits", true, Column::Show::kJson},
      {"bias", "bias", true},
      {"emin", "emin", true, Column::Show::kJson},
      {"emax", "emax", true, Column::Show::kJson},
      {"max", "max", true},
      {"max (formula)", "max_formula", false, Column::Show::kText},
      {"min normal", "min_normal", true},
      {"min subnormal", "min_subnormal", true},
      {"epsilon", "epsilon", true},
      {"unit roundoff", "unit_roundoff", true, Column::Show::kJson},
      {"digits (p·log10 2)", "decimal_digits", true},
      {"digits10", "digits10", true},
      {"max_digits10", "max_digits10", true},
      {"range (decades)", "range_decades", true},
      {"finite values", "finite_values", true, Column::Show::kJson},
      {"inf", "has_inf", false},
      {"-0", "has_negative_zero", false, Column::Show::kJson},
      {"NaN", "nan_encoding", false},
  };
  Table ints;
  ints.columns = {{"format", "name"}, {"bits", "bits", true}, {"bytes", "bytes", true}, {"min", "min", true},
                  {"max", "max", true}};
  for (const Format& f : list) {
    const Properties p = properties(f);
    if (f.kind == Kind::kInt) {
      ints.add({str(std::string(f.name)), num(p.bits), num(fmt::format("{}", p.storage_bits / 8.0)),
                str(exact_decimal(p.int_min)), str(exact_decimal(p.int_max))});
      continue;
    }
    const std::string sem = std::string(f.has_sign ? "1" : "0") + "/" + std::to_string(f.exponent_bits) + "/" +
                            std::to_string(f.mantissa_bits);
    // JSON reads the truth; text tables show yes/no (converted below).
    const Cell inf{p.has_inf ? "true" : "false", Cell::Type::kBool};
    const Cell negzero{p.has_negative_zero ? "true" : "false", Cell::Type::kBool};
    floats.add({str(std::string(f.name)), num(p.bits), str(sem), num(p.exponent_bits), num(p.mantissa_bits),
                num(p.storage_bits), num(p.bias), num(p.emin), num(p.emax), str(shown(p.max)), str(max_formula(f)),
                str(shown(p.min_normal)), str(shown(p.min_subnormal)), str(shown(p.epsilon)),
                str(exact_decimal(p.unit_roundoff)), num(fmt::format("{:.2f}", p.decimal_digits)),
                num(p.digits10), num(p.max_digits10), num(fmt::format("{:.1f}", p.range_decades)),
                str(p.finite_count), inf, negzero, str(p.nan_encoding)});
  }
  // JSON always carries every digit.
  if (args.output == OutputFormat::kJson) {
    nlohmann::json all = nlohmann::json::array();
    std::size_t fi = 0, ii = 0;
    const nlohmann::json fj = to_json(floats), ij = to_json(ints);
    for (const Format& f : list) {
      if (f.kind == Kind::kInt) {
        all.push_back(ij[ii++]);
        continue;
      }
      nlohmann::json row = fj[fi++];
      const Properties p = properties(f);
      row["max"] = exact_decimal(p.max);
      row["min_normal"] = exact_decimal(p.min_normal);
      row["min_subnormal"] = exact_decimal(p.min_subnormal);
      row["epsilon"] = exact_decimal(p.epsilon);
      row["decimal_digits"] = p.decimal_digits;
      row["range_decades"] = p.range_decades;
      row["max_formula"] = max_formula(f);
      all.push_back(std::move(row));
    }
    report.json = std::move(all);
    return 0;
  }
  // Text tables say yes/no where JSON says true/false.
  for (auto& row : floats.rows)
    for (Cell& cell : row)
      if (cell.type == Cell::Type::kBool) cell.text = cell.text == "true" ? "yes" : "no";
  if (!floats.rows.empty()) {
    if (!exact) floats.notes.push_back(kRoundedNote);
    report.tables.push_back(std::move(floats));
  }
  if (!ints.rows.empty()) report.tables.push_back(std::move(ints));
  return 0;
}

}  // namespace

const Command& formats_command() {
  static const Command kCommand{
      {"formats",
       "the property table of number formats: range, precision, encodings",
       "numscope formats [NAME...] [--exact] [-o table|md|csv|json]",
       "Every number is derived from the format's row (exponent bits, mantissa bits, bias, inf/NaN rules).\n"
       "digits is p·log10(2) with p = mantissa bits + 1; digits10 = floor((p-1)·log10 2) is how many decimal\n"
       "digits survive a round trip; max_digits10 = ceil(1 + p·log10 2) is how many print any value uniquely.\n"
       "NAME is any format or alias (fp16, half, bf16, e4m3, fp8-e5m2, e2m1, int8, ...) or a user-defined\n"
       "eXmY[-ieee|fn|fnuz][:bias=N], intN, uintN. Without names, every built-in format.",
       {{"exact", 0, "", "print every digit of max, min normal, min subnormal and epsilon"}},
       0,
       -1},
      run};
  return kCommand;
}

}  // namespace numscope::cli
