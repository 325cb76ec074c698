// Renders a Result as aligned text, Markdown, CSV or JSON: the one place output formats live (docs/output.md).
#include "numscope/support/render.h"

#include <algorithm>          // std::max
#include <cstdint>            // std::int64_t
#include <nlohmann/json.hpp>  // nlohmann::ordered_json: keys in column order
#include <ostream>            // std::ostream
#include <sstream>            // std::ostringstream

#include "numscope/support/error.h"

namespace numscope {
namespace {

using Json = nlohmann::ordered_json;

/// Decodes one UTF-8 code point starting at s[i]; advances i. Malformed bytes count as one narrow character.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
  if (i + len > s.size()) len = 1;
  char32_t cp = len == 1 ? b : b & (0x3f >> (len - 1));
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  i += len;
  return cp;
}

bool is_wide(char32_t c) {  // East Asian Wide and Fullwidth ranges (UAX #11), the ones notes use
  return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
         (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
         (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd);
}

bool in_display(const Column& c) { return c.shown != Shown::kDataOnly; }
bool in_data(const Column& c) { return c.shown != Shown::kDisplayOnly; }

std::string pad(const std::string& s, std::size_t width, bool right) {
  const std::size_t w = display_width(s);
  const std::string fill(width > w ? width - w : 0, ' ');
  return right ? fill + s : s + fill;
}

std::string md_cell(std::string_view s) {
  std::string out;
  for (char c : escape_controls(s)) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string csv_field(std::string_view raw) {
  const std::string s = escape_controls(raw);
  if (s.find_first_of(",\"") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

/// A display grid: the header labels, alignment and text of every shown cell (a transposed table becomes
/// field/value rows).
struct Grid {
  std::vector<std::string> head;
  std::vector<bool> right;
  std::vector<std::vector<std::string>> rows;
};

Grid display_grid(const Table& t) {
  Grid g;
  if (t.transposed) {
    g.head = {"field", "value"};
    g.right = {false, false};
    for (const auto& row : t.rows)
      for (std::size_t c = 0; c < t.columns.size(); ++c)
        if (in_display(t.columns[c])) g.rows.push_back({t.columns[c].label, row[c].shown()});
    return g;
  }
  std::vector<std::size_t> idx;
  for (std::size_t c = 0; c < t.columns.size(); ++c)
    if (in_display(t.columns[c])) {
      idx.push_back(c);
      g.head.push_back(t.columns[c].label);
      g.right.push_back(t.columns[c].align == Align::kRight);
    }
  for (const auto& row : t.rows) {
    std::vector<std::string> r;
    for (std::size_t c : idx) r.push_back(row[c].shown());
    g.rows.push_back(std::move(r));
  }
  return g;
}

/// The one line text and Markdown print for a table without rows.
std::string empty_line(const Table& t) { return escape_controls(t.if_empty.empty() ? "no rows" : t.if_empty); }

/// The column groups of a text table at most `max_width` wide: each group after the first repeats the first
/// column (the row's name), so every piece reads on its own. One group when everything fits or max_width is 0.
std::vector<std::vector<std::size_t>> column_groups(const std::vector<std::size_t>& width, std::size_t max_width) {
  std::vector<std::vector<std::size_t>> groups(1);
  std::size_t used = 0;
  for (std::size_t c = 0; c < width.size(); ++c) {
    const std::size_t need = width[c] + (groups.back().empty() ? 0 : 2);
    if (max_width > 0 && c > 1 && groups.back().size() > 1 && used + need > max_width) {
      groups.push_back({0});
      used = width[0];
    }
    used += groups.back().empty() ? width[c] : width[c] + 2;
    groups.back().push_back(c);
  }
  return groups;
}

void render_text(const Table& t, const RenderOptions& o, std::ostream& out) {
  if (!t.title.empty() && o.titles) out << escape_controls(t.title) << "\n";
  if (t.rows.empty()) {
    out << empty_line(t) << "\n";
    return;
  }
  Grid g = display_grid(t);
  for (auto& s : g.head) s = escape_controls(s);
  for (auto& r : g.rows)
    for (auto& s : r) s = escape_controls(s);
  std::vector<std::size_t> width(g.head.size(), 0);
  for (std::size_t c = 0; c < g.head.size(); ++c) {
    width[c] = display_width(g.head[c]);
    for (const auto& row : g.rows) width[c] = std::max(width[c], display_width(row[c]));
  }
  const auto groups = column_groups(width, t.transposed ? 0 : o.width);
  for (std::size_t k = 0; k < groups.size(); ++k) {
    const std::vector<std::size_t>& cols = groups[k];
    auto line = [&](auto cell_text) {
      std::string s;
      for (std::size_t i = 0; i < cols.size(); ++i) {
        const std::size_t c = cols[i];
        const bool last = i + 1 == cols.size();
        const std::string cell = cell_text(c);
        s += (last && !g.right[c]) ? cell : pad(cell, width[c], g.right[c]);
        if (!last) s += "  ";
      }
      out << s << "\n";
    };
    if (k > 0) out << "\n";
    line([&](std::size_t c) { return g.head[c]; });
    line([&](std::size_t c) { return std::string(width[c], '-'); });
    for (const auto& row : g.rows) line([&](std::size_t c) { return row[c]; });
  }
  if (o.notes)
    for (const auto& n : t.notes) out << escape_controls(n) << "\n";
}

void render_markdown(const Table& t, const RenderOptions& o, std::ostream& out) {
  if (!t.title.empty() && o.titles) out << "**" << escape_controls(t.title) << "**\n\n";
  if (t.rows.empty()) {
    out << empty_line(t) << "\n";
    return;
  }
  const Grid g = display_grid(t);
  std::string head = "|", rule = "|";
  for (std::size_t c = 0; c < g.head.size(); ++c) {
    head += " " + md_cell(g.head[c]) + " |";
    rule += g.right[c] ? " ---: |" : " :--- |";
  }
  out << head << "\n" << rule << "\n";
  for (const auto& row : g.rows) {
    std::string s = "|";
    for (const auto& cell : row) s += " " + md_cell(cell) + " |";
    out << s << "\n";
  }
  if (!o.notes) return;
  if (!t.notes.empty()) out << "\n";
  for (const auto& n : t.notes) out << escape_controls(n) << "\n";
}

void render_csv(const Table& t, std::ostream& out) {
  std::string head;
  for (const auto& c : t.columns)
    if (in_data(c)) head += (head.empty() ? "" : ",") + csv_field(c.key);
  out << head << "\n";
  for (const auto& row : t.rows) {
    std::string s;
    bool first = true;
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      if (!in_data(t.columns[c])) continue;
      if (!first) s += ",";
      first = false;
      s += csv_field(row[c].value);
    }
    out << s << "\n";
  }
}

/// 2^53: the largest range in which every integer has its own binary64, so JSON readers that parse numbers as
/// doubles (JavaScript, jq) keep it exact. Larger integers are written as strings of their digits.
constexpr std::int64_t kMaxSafeInteger = std::int64_t{1} << 53;

Json integer_json(const std::string& digits) {
  const bool neg = !digits.empty() && digits[0] == '-';
  const std::size_t start = neg ? 1 : 0;
  if (digits.size() - start > 16) return digits;  // 17 digits or more: above 2^53 ≈ 9.007e15
  std::int64_t v = 0;
  for (std::size_t i = start; i < digits.size(); ++i) v = v * 10 + (digits[i] - '0');
  if (v > kMaxSafeInteger) return digits;
  return neg ? -v : v;
}

Json number_json(const std::optional<double>& v) {
  if (!v || *v != *v || *v - *v != 0) return nullptr;  // none, NaN or inf
  return *v;
}

/// A cell as one JSON value (exact values: the string; their _f64 twin is written by the row).
Json cell_json(const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::kNull: return nullptr;
    case Cell::Kind::kExact: return c.value;
    case Cell::Kind::kInteger: return integer_json(c.value);
    case Cell::Kind::kFloat: return number_json(c.number);
    case Cell::Kind::kText: return c.value;
    case Cell::Kind::kFlag: return c.value == "true";
  }
  return nullptr;
}

Json rows_json(const Table& t) {
  Json rows = Json::array();
  for (const auto& row : t.rows) {
    Json obj = Json::object();
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      const Column& col = t.columns[c];
      if (!in_data(col)) continue;
      obj[col.key] = cell_json(row[c]);
      if (col.type == ColumnType::kExact) obj[col.key + "_f64"] = number_json(row[c].number);
    }
    rows.push_back(std::move(obj));
  }
  return rows;
}

Json columns_json(const Table& t) {
  Json cols = Json::array();
  for (const Column& c : t.columns)
    if (in_data(c)) cols.push_back({{"key", c.key}, {"label", c.label}, {"type", std::string(type_name(c.type))}});
  return cols;
}

void render_json(const Result& r, const std::vector<const Table*>& tables, std::ostream& out) {
  Json doc = Json::object();
  doc["command"] = r.command;
  Json request = Json::object();
  for (const Field& f : r.request) {
    if (!f.list) {
      request[f.key] = f.values.empty() ? Json(nullptr) : cell_json(f.values[0]);
      continue;
    }
    Json list = Json::array();
    for (const Cell& c : f.values) list.push_back(cell_json(c));
    request[f.key] = std::move(list);
  }
  doc["request"] = std::move(request);
  Json rows = Json::object(), columns = Json::object(), titles = Json::object();
  Json notes = Json::array();
  for (const auto& n : r.intro) notes.push_back(n);
  for (const Table* t : tables) {
    rows[t->name] = rows_json(*t);
    columns[t->name] = columns_json(*t);
    titles[t->name] = t->title;
    for (const auto& n : t->notes) notes.push_back(n);
  }
  for (const auto& n : r.notes) notes.push_back(n);
  doc["tables"] = std::move(rows);
  doc["columns"] = std::move(columns);
  doc["titles"] = std::move(titles);
  doc["notes"] = std::move(notes);
  // Invalid UTF-8 (a tensor name read from a file) becomes U+FFFD instead of an exception.
  out << doc.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

std::vector<const Table*> chosen_tables(const Result& r, const RenderOptions& o) {
  std::vector<std::string> names;
  for (const Table& t : r.tables) names.push_back(t.name);
  check_table_choice(r.command, names, o);
  std::vector<const Table*> out;
  if (!o.table.empty()) {
    out.push_back(&r.table(o.table));
    return out;
  }
  for (const Table& t : r.tables) out.push_back(&t);
  return out;
}

}  // namespace

void check_table_choice(std::string_view command, const std::vector<std::string>& names, const RenderOptions& o) {
  if (!o.table.empty()) {
    if (std::find(names.begin(), names.end(), o.table) == names.end()) throw no_table_error(command, o.table, names);
    return;
  }
  if (o.format == OutputFormat::kCsv && names.size() > 1)
    throw InputError("'numscope " + std::string(command) + "' prints " + std::to_string(names.size()) +
                     " tables here and CSV holds one: pass --table NAME with NAME one of " + joined_names(names));
}

OutputFormat parse_output_format(std::string_view s) {
  if (s == "table" || s == "text") return OutputFormat::kText;
  if (s == "md" || s == "markdown") return OutputFormat::kMarkdown;
  if (s == "csv") return OutputFormat::kCsv;
  if (s == "json") return OutputFormat::kJson;
  throw InputError("unknown output format '" + std::string(s.substr(0, 60)) + "': use table, md, csv or json");
}

std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) w += is_wide(next_code_point(s, i)) ? 2 : 1;
  return w;
}

std::string escape_controls(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (u < 0x20 || u == 0x7f) out += std::string("\\x") + kHex[u >> 4] + kHex[u & 15];
    else out += c;
  }
  return out;
}

namespace {

/// `t` with only the columns of `keys` that it has, in the order of `keys`.
Table selected_columns(const Table& t, const std::vector<std::string>& keys) {
  Table out = t;
  out.columns.clear();
  for (auto& row : out.rows) row.clear();
  for (const std::string& k : keys) {
    const std::optional<std::size_t> c = t.column(k);
    if (!c) continue;
    out.columns.push_back(t.columns[*c]);
    for (std::size_t i = 0; i < t.rows.size(); ++i) out.rows[i].push_back(t.rows[i][*c]);
  }
  return out;
}

/// --columns: every key must name a column of one of the chosen tables.
std::vector<Table> apply_columns(const std::vector<const Table*>& tables, const std::vector<std::string>& keys) {
  for (const std::string& k : keys) {
    bool found = false;
    for (const Table* t : tables) found = found || t->column(k).has_value();
    if (found) continue;
    std::string known;
    for (const Table* t : tables)
      for (const Column& c : t->columns) known += (known.empty() ? "" : ", ") + c.key;
    throw InputError("--columns: no column '" + std::string(std::string_view(k).substr(0, 60)) +
                     "' here: the columns are " + known);
  }
  std::vector<Table> out;  // a table with none of the columns is left out
  for (const Table* t : tables)
    if (Table cut = selected_columns(*t, keys); !cut.columns.empty()) out.push_back(std::move(cut));
  return out;
}

}  // namespace

void render(const Result& r, const RenderOptions& o, std::ostream& out) {
  std::vector<const Table*> tables = chosen_tables(r, o);
  std::vector<Table> narrowed;  // --columns: the chosen tables cut to the named columns
  if (!o.columns.empty()) {
    narrowed = apply_columns(tables, o.columns);
    tables.clear();
    for (const Table& t : narrowed) tables.push_back(&t);
  }
  if (o.format == OutputFormat::kJson) {
    render_json(r, tables, out);
    return;
  }
  if (o.format == OutputFormat::kCsv) {
    if (!tables.empty()) render_csv(*tables[0], out);
    return;
  }
  // Text and Markdown: the intro, the tables one blank line apart, then the result's notes (--no-notes and --bare
  // leave the notes out, --bare the titles and the intro too).
  if (o.titles) {
    for (const auto& line : r.intro) out << escape_controls(line) << "\n";
    if (!r.intro.empty()) out << "\n";
  }
  for (std::size_t i = 0; i < tables.size(); ++i) {
    if (i > 0) out << "\n";
    if (o.format == OutputFormat::kMarkdown) render_markdown(*tables[i], o, out);
    else render_text(*tables[i], o, out);
  }
  if (!o.notes) return;
  if (!r.notes.empty()) out << "\n";
  for (const auto& n : r.notes) out << escape_controls(n) << "\n";
}

std::string render_to_string(const Result& r, const RenderOptions& options) {
  std::ostringstream out;
  render(r, options, out);
  return out.str();
}

}  // namespace numscope
