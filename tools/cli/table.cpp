// Renders a Table or Report as aligned text, Markdown, CSV or JSON: the one place output formats live.
#include "numscope/tools/cli/table.h"

#include <algorithm>  // std::max

#include "numscope/support/error.h"

namespace numscope::cli {
namespace {

bool shown_in_text(const Column& c) { return c.show != Column::Show::kJson; }
bool shown_in_json(const Column& c) { return c.show != Column::Show::kText && !c.key.empty(); }

std::string pad(const std::string& s, std::size_t width, bool right) {
  const std::size_t w = display_width(s);
  const std::string fill(width > w ? width - w : 0, ' ');
  return right ? fill + s : s + fill;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

void render_text(const Table& t, std::ostream& out) {
  std::vector<std::size_t> idx;
  for (std::size_t c = 0; c < t.columns.size(); ++c)
    if (shown_in_text(t.columns[c])) idx.push_back(c);
  std::vector<std::size_t> width(t.columns.size(), 0);
  for (std::size_t c : idx) {
    width[c] = display_width(t.columns[c].title);
    for (const auto& row : t.rows) width[c] = std::max(width[c], display_width(row[c].text));
  }
  if (!t.title.empty()) out << t.title << "\n";
  auto line = [&](auto cell_text) {
    std::string s;
    for (std::size_t k = 0; k < idx.size(); ++k) {
      const std::size_t c = idx[k];
      const bool last = k + 1 == idx.size();
      std::string cell = cell_text(c);
      s += (last && !t.columns[c].right) ? cell : pad(cell, width[c], t.columns[c].right);
      if (!last) s += "  ";
    }
    out << s << "\n";
  };
  line([&](std::size_t c) { return t.columns[c].title; });
  line([&](std::size_t c) { return std::string(width[c], '-'); });
  for (const auto& row : t.rows) line([&](std::size_t c) { return row[c].text; });
  for (const auto& n : t.notes) out << n << "\n";
}

void render_markdown(const Table& t, std::ostream& out) {
  if (!t.title.empty()) out << "**" << t.title << "**\n\n";
  std::string head = "|", rule = "|";
  for (const auto& c : t.columns) {
    if (!shown_in_text(c)) continue;
    head += " " + md_cell(c.title) + " |";
    rule += c.right ? " ---: |" : " :--- |";
  }
  out << head << "\n" << rule << "\n";
  for (const auto& row : t.rows) {
    std::string s = "|";
    for (std::size_t c = 0; c < t.columns.size(); ++c)
      if (shown_in_text(t.columns[c])) s += " " + md_cell(row[c].text) + " |";
    out << s << "\n";
  }
  if (!t.notes.empty()) out << "\n";
  for (const auto& n : t.notes) out << n << "\n";
}

void render_csv(const Table& t, std::ostream& out) {
  std::string head;
  for (const auto& c : t.columns) {
    if (!shown_in_text(c)) continue;
    if (!head.empty()) head += ",";
    head += csv_field(c.key.empty() ? c.title : c.key);
  }
  out << head << "\n";
  for (const auto& row : t.rows) {
    std::string s;
    bool first = true;
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      if (!shown_in_text(t.columns[c])) continue;
      if (!first) s += ",";
      first = false;
      s += csv_field(row[c].type == Cell::Type::kNull ? "" : row[c].text);
    }
    out << s << "\n";
  }
}

}  // namespace

nlohmann::json to_json(const Table& t) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : t.rows) {
    nlohmann::json obj = nlohmann::json::object();
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      const Column& col = t.columns[c];
      if (!shown_in_json(col)) continue;
      const Cell& cell = row[c];
      switch (cell.type) {
        case Cell::Type::kString: obj[col.key] = cell.text; break;
        case Cell::Type::kNumber: obj[col.key] = nlohmann::json::parse(cell.text); break;
        case Cell::Type::kBool: obj[col.key] = cell.text == "true"; break;
        case Cell::Type::kNull: obj[col.key] = nullptr; break;
      }
    }
    rows.push_back(std::move(obj));
  }
  return rows;
}

void render(const Table& t, OutputFormat f, std::ostream& out) {
  switch (f) {
    case OutputFormat::kText: render_text(t, out); break;
    case OutputFormat::kMarkdown: render_markdown(t, out); break;
    case OutputFormat::kCsv: render_csv(t, out); break;
    case OutputFormat::kJson: out << to_json(t).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n"; break;
  }
}

void render(const Report& r, OutputFormat f, std::ostream& out) {
  if (f == OutputFormat::kJson) {
    if (r.json) {
      out << r.json->dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else if (r.tables.size() == 1) {
      render(r.tables[0], f, out);
    } else {
      nlohmann::json obj = nlohmann::json::object();
      for (std::size_t i = 0; i < r.tables.size(); ++i)
        obj[i < r.json_keys.size() ? r.json_keys[i] : "table" + std::to_string(i + 1)] = to_json(r.tables[i]);
      out << obj.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
    return;
  }
  for (std::size_t i = 0; i < r.tables.size(); ++i) {
    if (i > 0) out << "\n";
    render(r.tables[i], f, out);
  }
}

}  // namespace numscope::cli
