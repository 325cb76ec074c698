// What every numscope command returns: named tables of typed cells, the request it answered, and notes.
//
// A Result is data, not text: support/render.h turns the same Result into aligned text, Markdown, CSV or JSON
// (docs/output.md), and the Python package turns it into Python objects. Each cell keeps its raw value (an exact
// decimal, an integer of any size, a double, text, a flag) apart from the form the text tables show ("≈5.063e-10",
// "8,030,261,248", "16.11 GB", "-"), so that machine-readable output never carries a display decoration.
#pragma once

#include <cstdint>      // std::int64_t, std::uint8_t
#include <optional>     // std::optional
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/support/error.h"  // InputError

namespace numscope {

/// The type of a column; every non-null cell of the column has the matching kind.
enum class ColumnType : std::uint8_t {
  kExact,    // an exact value: its full decimal expansion ("0.000000059604644775390625", "inf", "nan", "13/127")
  kInteger,  // an integer of any size (128-bit codes and counts included), kept as its digits
  kFloat,    // a binary64 measurement (errors, SQNR, GB/s, bytes of a formula)
  kText,     // names, statuses, formulas, bit strings
  kFlag,     // true / false
};
/// "exact", "integer", "float", "text", "flag": the type names of the JSON "columns" section.
std::string_view type_name(ColumnType t);

enum class Align : std::uint8_t { kLeft, kRight };

/// Which outputs show a column. Prefer one column whose raw value and display differ; split a column only where
/// the display joins several values (S/E/M) or the data adds one the table leaves out (exponent_bits).
enum class Shown : std::uint8_t {
  kEverywhere,
  kDisplayOnly,  // text and Markdown only
  kDataOnly,     // JSON and CSV only
};

struct Column {
  std::string key;    // snake_case: the JSON key and CSV header ("min_subnormal")
  std::string label;  // the text and Markdown header ("min subnormal")
  ColumnType type = ColumnType::kText;
  Align align = Align::kLeft;
  Shown shown = Shown::kEverywhere;
};

/// One value. `value` is the raw form every machine-readable output writes; `display`, when set, is what text and
/// Markdown show instead. Build cells with the named constructors.
struct Cell {
  enum class Kind : std::uint8_t { kNull, kExact, kInteger, kFloat, kText, kFlag };
  Kind kind = Kind::kNull;
  // exact: the decimal expansion, "inf", "-inf", "nan", "-0", or "p/q" when it does not terminate;
  // integer: decimal digits with an optional '-'; float: the shortest round-trip form; text: the text;
  // flag: "true" or "false"; null: "".
  std::string value;
  // float: the value; exact: the nearest binary64 (nullopt for inf, NaN, or beyond binary64's range);
  // integer: the value (exact up to 2^53); flag: 0 or 1.
  std::optional<double> number;
  std::optional<std::string> display;  // the text/Markdown form when it differs from `value`

  /// Absent or not applicable; text and Markdown show `display` ("-" by default).
  static Cell null(std::string display = "-");
  /// An exact value: `decimal` as exact_decimal prints it, `nearest` its nearest binary64 (nullopt for inf, NaN
  /// and values beyond binary64). api/cells.h builds these from exact numbers.
  static Cell exact(std::string decimal, std::optional<double> nearest, std::optional<std::string> display = {});
  static Cell integer(std::int64_t v, std::optional<std::string> display = {});
  /// An integer given by its decimal digits (any size): "340282366920938463463374607431768211455".
  static Cell integer_digits(std::string digits, std::optional<std::string> display = {});
  /// A measurement; inf and NaN are kept (JSON writes null for them).
  static Cell real(double v, std::optional<std::string> display = {});
  static Cell text(std::string s, std::optional<std::string> display = {});
  /// A flag; text and Markdown show "yes" / "no" unless `display` says otherwise.
  static Cell flag(bool b, std::optional<std::string> display = {});

  /// What text and Markdown show.
  const std::string& shown() const { return display ? *display : value; }
  bool is_null() const { return kind == Kind::kNull; }
};

/// A named table: columns with keys and types, rows of cells (one per column), notes printed under it.
struct Table {
  std::string name;   // snake_case: the key in JSON's "tables" and the NAME of --table
  std::string title;  // printed above the table in text and Markdown ("" for none)
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
  std::vector<std::string> notes;  // one line each, under the table
  // Text and Markdown print each column as a line "label  value" (a one-row record such as explain's);
  // JSON and CSV still print one row with a key per column.
  bool transposed = false;
  // What text and Markdown print, as one line, when the table has no rows ("no claim is false or in error");
  // "" prints "no rows". JSON and CSV still print the empty table.
  std::string if_empty;

  /// Appends a row; throws std::logic_error when it does not have one cell per column.
  void add(std::vector<Cell> row);
  /// The index of the column with this key, or nullopt.
  std::optional<std::size_t> column(std::string_view key) const;
};

/// One echoed request field: a key and its value, or a list of values.
struct Field {
  std::string key;  // snake_case
  std::vector<Cell> values;
  bool list = false;
};

/// What one command returns.
struct Result {
  std::string command;         // "store"
  std::vector<Field> request;  // the request as the command understood it, in the order of its options
  std::vector<Table> tables;   // in the order text prints them
  std::vector<std::string> intro;   // lines before the tables (the tour's welcome)
  std::vector<std::string> notes;   // lines after the tables, about the whole result
  std::vector<std::string> errors;  // problems with single inputs (an unparsable claim) for the error stream
  int status = 0;  // the exit code: 0 ok, 1 a check failed, 2 some input could not be evaluated

  /// Echoes one request field.
  void echo(std::string key, Cell value);
  void echo(std::string key, std::vector<Cell> values);  // a list
  void echo_text(std::string key, std::string value) { echo(std::move(key), Cell::text(std::move(value))); }
  void echo_texts(std::string key, const std::vector<std::string>& values);
  void echo_flag(std::string key, bool value) { echo(std::move(key), Cell::flag(value)); }

  /// The table of this name; throws no_table_error.
  const Table& table(std::string_view name) const;
  /// "floats, integers": the table names, for messages.
  std::string table_names() const;
};

/// "floats, integers" ("none" without names): table names for messages.
std::string joined_names(const std::vector<std::string>& names);
/// The error for a table `command` does not print: "'numscope CMD' has no table 'X' here: its tables are A, B".
InputError no_table_error(std::string_view command, std::string_view name, const std::vector<std::string>& names);

}  // namespace numscope
