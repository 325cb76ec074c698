// The Result data model: cell constructors and table look-ups (rendering is support/render.cpp).
#include "numscope/support/result.h"

#include <charconv>   // std::to_chars
#include <cmath>      // std::isnan, std::isinf
#include <cstdio>     // std::snprintf
#include <cstdlib>    // std::strtod
#include <stdexcept>  // std::logic_error

#include "numscope/support/error.h"

namespace numscope {
namespace {

#if !defined(__cpp_lib_to_chars)
/// |v| (an integer) with every digit, as to_chars writes a large integer in fixed form ("969728693705784320").
std::string integer_digits(double v) {
  char buf[320];
  std::snprintf(buf, sizeof buf, "%.0f", std::fabs(v));
  return buf;
}
#endif

/// The shortest decimal that reads back as `v` ("0.1", "1e+300", "inf", "nan").
std::string shortest(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
#if defined(__cpp_lib_to_chars)
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
#else
  // emscripten 3.1.6's libc++ (the web page, scripts/build-web.sh) has no floating-point to_chars. The same string by
  // its definition: the fewest significant digits that read back (the correctly rounded %.*e of that length is
  // the closest such string), then the shorter of the fixed form (a large integer with all its digits) and the
  // scientific form, fixed on a tie.
  char buf[40];
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*e", p - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s(buf), sign;
  if (s[0] == '-') sign = "-", s.erase(0, 1);
  const std::size_t e = s.find('e');
  const int exp = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (std::size_t i = 0; i < e; ++i)
    if (s[i] != '.') digits += s[i];
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int n = static_cast<int>(digits.size()), mag = exp < 0 ? -exp : exp;
  const std::string sci = digits.substr(0, 1) + (n > 1 ? "." + digits.substr(1) : "") + (exp < 0 ? "e-" : "e+") +
                          (mag < 10 ? "0" : "") + std::to_string(mag);
  const std::string fixed = exp >= n - 1 ? integer_digits(v)
                            : exp >= 0   ? digits.substr(0, exp + 1) + "." + digits.substr(exp + 1)
                                         : "0." + std::string(-exp - 1, '0') + digits;
  return sign + (fixed.size() <= sci.size() ? fixed : sci);
#endif
}

}  // namespace

std::string_view type_name(ColumnType t) {
  switch (t) {
    case ColumnType::kExact: return "exact";
    case ColumnType::kInteger: return "integer";
    case ColumnType::kFloat: return "float";
    case ColumnType::kText: return "text";
    case ColumnType::kFlag: return "flag";
  }
  return "text";
}

Cell Cell::null(std::string display) { return Cell{Kind::kNull, "", std::nullopt, std::move(display)}; }

Cell Cell::exact(std::string decimal, std::optional<double> nearest, std::optional<std::string> display) {
  return Cell{Kind::kExact, std::move(decimal), nearest, std::move(display)};
}

Cell Cell::integer(std::int64_t v, std::optional<std::string> display) {
  return Cell{Kind::kInteger, std::to_string(v), static_cast<double>(v), std::move(display)};
}

Cell Cell::integer_digits(std::string digits, std::optional<std::string> display) {
  // strtod-free conversion: the digits are validated by their producer; the double is for sorting and plotting.
  double v = 0;
  for (char c : digits)
    if (c >= '0' && c <= '9') v = v * 10 + (c - '0');
  if (!digits.empty() && digits[0] == '-') v = -v;
  return Cell{Kind::kInteger, std::move(digits), v, std::move(display)};
}

Cell Cell::real(double v, std::optional<std::string> display) {
  return Cell{Kind::kFloat, shortest(v), v, std::move(display)};
}

Cell Cell::text(std::string s, std::optional<std::string> display) {
  return Cell{Kind::kText, std::move(s), std::nullopt, std::move(display)};
}

Cell Cell::flag(bool b, std::optional<std::string> display) {
  if (!display) display = b ? "yes" : "no";
  return Cell{Kind::kFlag, b ? "true" : "false", b ? 1.0 : 0.0, std::move(display)};
}

void Table::add(std::vector<Cell> row) {
  if (row.size() != columns.size())
    throw std::logic_error("table '" + name + "': a row of " + std::to_string(row.size()) + " cells for " +
                           std::to_string(columns.size()) + " columns");
  rows.push_back(std::move(row));
}

std::optional<std::size_t> Table::column(std::string_view key) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].key == key) return i;
  return std::nullopt;
}

void Result::echo(std::string key, Cell value) { request.push_back({std::move(key), {std::move(value)}, false}); }

void Result::echo(std::string key, std::vector<Cell> values) {
  request.push_back({std::move(key), std::move(values), true});
}

void Result::echo_texts(std::string key, const std::vector<std::string>& values) {
  std::vector<Cell> cells;
  for (const std::string& v : values) cells.push_back(Cell::text(v));
  echo(std::move(key), std::move(cells));
}

std::string joined_names(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none" : s;
}

InputError no_table_error(std::string_view command, std::string_view name, const std::vector<std::string>& names) {
  return InputError("'numscope " + std::string(command) + "' has no table '" + std::string(name.substr(0, 60)) +
                    "' here: its tables are " + joined_names(names));
}

std::string Result::table_names() const {
  std::vector<std::string> names;
  for (const Table& t : tables) names.push_back(t.name);
  return joined_names(names);
}

const Table& Result::table(std::string_view name) const {
  std::vector<std::string> names;
  for (const Table& t : tables) {
    if (t.name == name) return t;
    names.push_back(t.name);
  }
  throw no_table_error(command, name, names);
}

}  // namespace numscope
