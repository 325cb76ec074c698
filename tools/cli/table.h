// The legacy table model of the commands not yet moved to the api layer (support/result.h replaces it).
#pragma once

#include <nlohmann/json.hpp>  // nlohmann::json, for commands whose JSON is an object rather than rows
#include <optional>           // std::optional
#include <ostream>            // std::ostream
#include <string>             // std::string
#include <string_view>        // std::string_view
#include <vector>             // std::vector

#include "numscope/support/render.h"
#include "numscope/support/result.h"

namespace numscope::cli {

using numscope::OutputFormat;

/// One cell: its text, and how JSON writes it (a string, a raw number, a boolean, or null).
struct Cell {
  enum class Type { kString, kNumber, kBool, kNull };
  std::string text;
  Type type = Type::kString;
};
inline Cell str(std::string s) { return Cell{std::move(s), Cell::Type::kString}; }
inline Cell num(std::string s) { return Cell{std::move(s), Cell::Type::kNumber}; }  // s must be a JSON number
inline Cell num(long long v) { return Cell{std::to_string(v), Cell::Type::kNumber}; }
inline Cell boolean(bool b) { return Cell{b ? "true" : "false", Cell::Type::kBool}; }
inline Cell null_cell(std::string shown = "-") { return Cell{std::move(shown), Cell::Type::kNull}; }

struct Column {
  std::string title;          // header in table / md / csv
  std::string key;            // JSON key
  bool right = false;         // right-align in table / md (numbers)
  enum class Show { kAll, kText, kJson } show = Show::kAll;  // kText: not in JSON; kJson: JSON only
};

struct Table {
  std::string title;               // printed above the table in text and Markdown output ("" for none)
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
  std::vector<std::string> notes;  // printed under the table in text and Markdown output
  void add(std::vector<Cell> row) { rows.push_back(std::move(row)); }
};

/// What a command prints: one or more tables; JSON is the single table's row array, an object of
/// {key: rows} for several tables (keyed by `json_keys`), or `json` when the command sets it.
struct Report {
  std::vector<Table> tables;
  std::vector<std::string> json_keys;
  std::optional<nlohmann::json> json;
  std::optional<Result> result;  // commands of the api layer return this instead
};

/// The rows of a table as a JSON array of objects (Show::kText columns left out).
nlohmann::json to_json(const Table& t);
void render(const Table& t, OutputFormat f, std::ostream& out);
void render(const Report& r, OutputFormat f, std::ostream& out);

}  // namespace numscope::cli
