// `values`: all codes of a narrow format in order, refused up front when their exact decimals would be huge.
#include "numscope/api/values.h"

#include <cmath>  // std::floor

#include "numscope/api/common.h"
#include "numscope/formats/registry.h"
#include "numscope/support/error.h"
#include "numscope/formats/text.h"

namespace numscope::api {
namespace {

/// Characters of the exact decimals of every code, binade by binade: a value below 2^top with quantum 2^q has
/// about (top - 1/2)·log10(2) + 1 integer digits (or the "0" of "0.") and, when q < 0, a point and -q fraction
/// digits less the trailing zero an even significand drops (one on average); a negative value adds its "-".
std::uint64_t estimate_chars(const Format& f) {
  constexpr double kLog10of2 = 0.30103;
  const double codes = static_cast<double>(std::uint64_t{1} << bits(f));
  if (f.kind == Kind::kInt) return static_cast<std::uint64_t>(codes * (f.int_bits * kLog10of2 + (f.is_signed ? 0.5 : 0)));
  const int m = f.mantissa_bits;
  const double per_field = static_cast<double>(std::uint64_t{1} << m);
  const long fields = long{1} << f.exponent_bits;
  double total = 0;
  for (long field = 0; field < fields; ++field) {
    const long q = (field == 0 && f.has_subnormals ? emin(f) : field - f.bias) - m;  // the binade's quantum
    const double top = static_cast<double>(q + m + 1);                               // the values are below 2^top
    const double whole = top > 0 ? std::floor((top - 0.5) * kLog10of2) + 1 : 1;
    total += (whole + (q < 0 ? static_cast<double>(-q) : 0)) * per_field;
  }
  if (f.has_sign) total = 2 * total + codes / 2;
  return static_cast<std::uint64_t>(total);
}

/// The columns code, bits, class, value, and one code's cells: what values and decode print for each code.
std::vector<Column> code_columns() {
  return {{"code", "code"}, {"bits", "bits"}, {"class", "class"}, {"value", "value", ColumnType::kExact, Align::kRight}};
}
std::vector<Cell> code_cells(const Format& f, u128 c, const Decoded& d, Cell value) {
  return {Cell::text(bits_hex(f, c)), Cell::text(bits_binary(f, c)),
          Cell::text(std::string(f.kind == Kind::kInt ? "integer" : class_name(d.cls))), std::move(value)};
}

}  // namespace

std::uint64_t values_chars(const std::string& format) { return estimate_chars(find_format(format)); }

Result values(const ValuesRequest& request) {
  const Format f = find_format(request.format);
  if (bits(f) > 16)
    throw InputError("values lists formats of at most 16 bits; " + std::string(f.name) + " has " +
                     std::to_string(bits(f)) + ": decode single codes with numscope decode " + std::string(f.name) +
                     " CODE... or explain " + std::string(f.name) + " --bits CODE (values with store or explain)");
  const std::uint64_t chars = estimate_chars(f);
  if (chars > kMaxValuesChars)
    throw InputError("values " + std::string(f.name) + " would print about " + std::to_string(chars >> 20) +
                     " MB of exact decimals, more than the " + std::to_string(kMaxValuesChars >> 20) +
                     " MB values prints: use explain or store for single values, or a bias nearer the IEEE one");
  Result res;
  res.command = "values";
  res.echo_text("format", std::string(f.name));
  res.echo_flag("finite_only", request.finite_only);
  Table t;
  t.name = "values";
  t.columns = code_columns();
  // Every value of a row inside binary64's range is a double exactly: decode_double gives the _f64 twin directly.
  const bool in_binary64 = f.kind == Kind::kInt || (emax(f) <= 1023 && emin(f) - f.mantissa_bits >= -1074);
  const u128 n = u128{1} << bits(f);
  for (u128 c = 0; c < n; ++c) {
    const Decoded d = decode(f, c);
    if (request.finite_only && (d.cls == ValueClass::kNan || d.cls == ValueClass::kInf)) continue;
    t.add(code_cells(f, c, d,
                     in_binary64 && d.cls != ValueClass::kNan && d.cls != ValueClass::kInf
                         ? Cell::exact(exact_decimal(d.number()), decode_double(f, c))
                         : exact_cell(d.number())));
  }
  res.tables.push_back(std::move(t));
  return res;
}

Result decode_codes(const DecodeRequest& request) {
  const Format f = find_format(request.format);
  if (request.codes.empty()) throw InputError("decode needs at least one CODE, e.g. numscope decode fp32 0x3dcccccd");
  Result res;
  res.command = "decode";
  res.echo_text("format", std::string(f.name));
  res.echo_texts("codes", request.codes);
  Table t;
  t.name = "codes";
  t.title = std::string(f.name) + " codes";
  t.columns = code_columns();
  t.columns.insert(t.columns.begin(), {"input", "input", ColumnType::kText, Align::kLeft, Shown::kDataOnly});
  for (const std::string& text : request.codes) {
    const u128 c = parse_code(f, text);
    const Decoded d = decode(f, c);
    std::vector<Cell> row = code_cells(f, c, d, exact_cell(d.number(), exact_with_power(d.number())));
    row.insert(row.begin(), Cell::text(text));
    t.add(std::move(row));
  }
  res.tables.push_back(std::move(t));
  return res;
}

}  // namespace numscope::api
