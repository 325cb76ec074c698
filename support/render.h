// The one renderer of Results: aligned text, Markdown, CSV and JSON from the same tables (docs/output.md).
#pragma once

#include <iosfwd>       // std::ostream
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <utility>      // std::move
#include <vector>       // std::vector

#include "numscope/support/error.h"
#include "numscope/support/result.h"

namespace numscope {

enum class OutputFormat { kText, kMarkdown, kCsv, kJson };
/// Parses table (or text), md (or markdown), csv, json; throws InputError otherwise.
OutputFormat parse_output_format(std::string_view s);

/// How to show a Result (what to compute is the request's business).
struct RenderOptions {
  // A constructor rather than an aggregate, so that {format} and {format, table} stay complete initializers as
  // fields are added.
  RenderOptions(OutputFormat f = OutputFormat::kText, std::string t = "") : format(f), table(std::move(t)) {}
  OutputFormat format = OutputFormat::kText;
  std::string table;  // --table NAME: only this table; required for CSV when the Result has several
  std::vector<std::string> columns;  // --columns KEY,...: only these columns, in this order (every output)
  bool notes = true;    // false (--no-notes): text and Markdown leave out the notes under tables and results
  bool titles = true;   // false (--bare, with notes false): no titles and no intro either, only the tables
  std::size_t width = 0;  // text only: wider tables are cut into column groups of at most this width (0: never)
};

/// Writes `r` to `out`. Throws InputError (before writing anything) for an unknown --table or --columns key, or
/// for CSV of a Result with several tables and no --table.
///
/// **Example**:
///   Result r = api::store({.values = {"123456.789"}});
///   render(r, {OutputFormat::kJson}, std::cout);  // {"command": "store", "request": {...}, "tables": {...}, ...}
void render(const Result& r, const RenderOptions& options, std::ostream& out);
/// The same into a string.
std::string render_to_string(const Result& r, const RenderOptions& options);

/// Throws the InputError render() would for --table or CSV, given the names of the tables a command prints (in
/// order): the CLI calls it before a long run (quantize, bench), so that a wrong --table fails at once.
void check_table_choice(std::string_view command, const std::vector<std::string>& names, const RenderOptions& o);

/// Display width of UTF-8 text (code points; East Asian wide characters count two).
std::size_t display_width(std::string_view s);

// escape_controls (control characters written as \n, \r or \xNN) is declared in support/error.h.

}  // namespace numscope
