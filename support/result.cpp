// The Result data model: cell constructors and table look-ups (rendering is support/render.cpp).
#include "numscope/support/result.h"

#include <charconv>   // std::to_chars
#include <cmath>      // std::isnan, std::isinf
#include <stdexcept>  // std::logic_error

#include "numscope/support/error.h"

namespace numscope {
namespace {

/// The shortest decimal that reads back as `v` ("0.1", "1e+300", "inf", "nan").
std::string shortest(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
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

std::string Result::table_names() const {
  std::string s;
  for (const Table& t : tables) s += (s.empty() ? "" : ", ") + t.name;
  return s.empty() ? "none" : s;
}

const Table& Result::table(std::string_view name) const {
  for (const Table& t : tables)
    if (t.name == name) return t;
  throw InputError("'numscope " + command + "' has no table '" + std::string(name).substr(0, 60) +
                   "' here: its tables are " + table_names());
}

}  // namespace numscope
