// Where claims come from: .claims files (every line), Markdown (only ```claims fenced blocks, also inside block
// quotes and list items), Jupyter notebooks (the ```claims blocks of their Markdown cells), and folders (walked
// with every unreadable place reported, extensions in any case).
#include <algorithm>   // std::min
#include <filesystem>  // std::filesystem
#include <optional>    // std::optional
#include <utility>     // std::pair

#include "numscope/check/claims.h"
#include "numscope/support/files.h"
#include "numscope/support/json.h"

namespace numscope::check {
namespace {

namespace fs = std::filesystem;

/// The claim in `part` of line `n` (the text before '#', blanks trimmed), added to `out` when not empty; `offset`
/// is where `part` starts on its line, so that error columns point into the file.
void add_claim(std::vector<SourceLine>& out, int n, std::string_view part, std::size_t offset) {
  const auto hash = part.find('#');
  if (hash != std::string_view::npos) part = part.substr(0, hash);
  while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) {
    part.remove_prefix(1);
    ++offset;
  }
  while (!part.empty() && (part.back() == ' ' || part.back() == '\t' || part.back() == '\r')) part.remove_suffix(1);
  if (!part.empty()) out.push_back({n, std::string(part), static_cast<int>(offset)});
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

/// A fence line (CommonMark: up to 3 spaces, then 3+ backticks or tildes): its char, length and info string.
struct Fence {
  char ch = 0;
  std::size_t len = 0;
  std::string info;
};
std::optional<Fence> fence_of(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  if (i >= line.size() || (line[i] != '`' && line[i] != '~')) return std::nullopt;
  const char ch = line[i];
  std::size_t n = 0;
  while (i + n < line.size() && line[i + n] == ch) ++n;
  if (n < 3) return std::nullopt;
  std::string_view info = line.substr(i + n);
  if (ch == '`' && info.find('`') != std::string_view::npos) return std::nullopt;
  while (!info.empty() && (info.front() == ' ' || info.front() == '\t')) info.remove_prefix(1);
  while (!info.empty() && (info.back() == ' ' || info.back() == '\t' || info.back() == '\r')) info.remove_suffix(1);
  return Fence{ch, n, std::string(info)};
}

bool is_markdown(const fs::path& p) { return has_extension(p, ".md") || has_extension(p, ".markdown"); }
bool is_notebook(const fs::path& p) { return has_extension(p, ".ipynb"); }

// ---- Markdown containers (CommonMark 0.30 §5.1 block quotes, §5.2 list items) -------------------------------------

std::size_t indent_of(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;  // a tab counts as one column here
  return i;
}
bool blank(std::string_view s) {
  const std::size_t i = indent_of(s);
  return i == s.size() || s.substr(i) == "\r";
}

/// Up to `max` block-quote markers (up to 3 spaces, '>', an optional blank): how many, and where the rest starts.
std::pair<int, std::size_t> quote_prefix(std::string_view line, int max) {
  int quotes = 0;
  std::size_t at = 0;
  while (quotes < max) {
    std::size_t j = at;
    while (j < line.size() && j - at < 3 && line[j] == ' ') ++j;
    if (j >= line.size() || line[j] != '>') break;
    at = j + 1;
    if (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
    ++quotes;
  }
  return {quotes, at};
}

/// A list marker at the start of `s` ("-", "*", "+", "1." or "1)" and blanks): where the item's content starts,
/// or 0 when `s` does not start with one.
std::size_t list_marker(std::string_view s) {
  std::size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '*' || s[0] == '+')) {
    i = 1;
  } else {
    while (i < s.size() && i < 9 && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == 0 || i >= s.size() || (s[i] != '.' && s[i] != ')')) return 0;
    ++i;
  }
  if (i == s.size()) return i;
  if (s[i] != ' ' && s[i] != '\t') return 0;
  const std::size_t blanks = indent_of(s.substr(i));
  return blanks <= 4 && i + blanks < s.size() ? i + blanks : i + 1;  // 5+ blanks: indented code in the item
}

/// An open fenced block: its fence, the block quotes around it, the column its list item's content starts at
/// (0 outside lists), and whether it holds claims.
struct OpenFence {
  Fence fence;
  int quotes = 0;
  std::size_t base = 0;
  bool claims = false;
};

}  // namespace

std::vector<SourceLine> claims_of_text(std::string_view text) {
  std::vector<SourceLine> out;
  int n = 0;
  for (std::string_view line : lines_of(text)) add_claim(out, ++n, line, 0);
  return out;
}

std::vector<SourceLine> claims_of_markdown(std::string_view text) {
  std::vector<SourceLine> out;
  std::optional<OpenFence> open;
  std::vector<std::size_t> items;  // content columns of the open list items, innermost last
  int quotes = 0;                  // block quotes around those items
  int n = 0;
  for (std::string_view line : lines_of(text)) {
    ++n;
    if (open) {
      // Inside a fence its block quotes continue (a line without them ends the quote, and the fence with it) and
      // a non-blank line stays inside its list item's content.
      const auto [q, at] = quote_prefix(line, open->quotes);
      const std::string_view rest = line.substr(at);
      if (q == open->quotes && (blank(rest) || indent_of(rest) >= open->base)) {
        const std::size_t from = std::min(indent_of(rest), open->base);
        const auto f = fence_of(rest.substr(from));
        if (f && f->ch == open->fence.ch && f->len >= open->fence.len && f->info.empty())
          open.reset();  // the closing fence: the same character, at least as long, no info string
        else if (open->claims)
          add_claim(out, n, rest.substr(from), at + from);
        continue;
      }
      open.reset();  // the container ended: the line is read as an ordinary one below
    }
    const auto [q, at] = quote_prefix(line, 1 << 20);
    if (q != quotes) items.clear();
    quotes = q;
    const std::string_view rest = line.substr(at);
    if (blank(rest)) continue;
    const std::size_t ind = indent_of(rest);
    while (!items.empty() && ind < items.back()) items.pop_back();
    std::size_t base = items.empty() ? 0 : items.back(), pos = ind;
    while (pos - base <= 3 && pos < rest.size()) {  // list items opened on this line, maybe nested ("- 1. ```")
      const std::size_t m = list_marker(rest.substr(pos));
      if (m == 0) break;
      base = pos + m;
      items.push_back(base);
      pos = base;
    }
    if (pos - base > 3) continue;  // an indented code block, not a fence
    if (const auto f = fence_of(rest.substr(base))) {
      const std::string word = f->info.substr(0, f->info.find_first_of(" \t{"));
      open = OpenFence{*f, quotes, base, word == "claims"};
    }
  }
  return out;
}

std::vector<ClaimResult> check_text(std::string_view text, bool markdown, const std::string& file) {
  std::vector<ClaimResult> out;
  for (const SourceLine& l : markdown ? claims_of_markdown(text) : claims_of_text(text)) {
    ClaimResult r = check_claim(l.text);
    r.file = file;
    r.line = l.line;
    if (r.column > 0) r.column += l.offset;  // a column on the line, not in the claim
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

/// A Jupyter notebook's claims: the ```claims blocks of its Markdown cells (nbformat 4: "cells", each with a
/// "cell_type" and a "source" that is a string or a list of lines). Each claim's file reads "PATH, cell N" (cells
/// counted from 1, code cells included) and its line is the line within that cell. Throws InputError for a file
/// that is not such JSON.
std::vector<ClaimResult> check_notebook(std::string_view text, const std::string& file) {
  nlohmann::json nb;
  try {
    nb = parse_json(text, JsonLimits{});
  } catch (const JsonError& e) {
    throw InputError("not a Jupyter notebook: " + std::string(e.what()));
  }
  if (!nb.is_object() || !nb.contains("cells") || !nb["cells"].is_array())
    throw InputError("not a Jupyter notebook: no \"cells\" list (nbformat 4)");
  std::vector<ClaimResult> out;
  int index = 0;
  for (const auto& cell : nb["cells"]) {
    ++index;
    if (!cell.is_object() || cell.value("cell_type", "") != "markdown" || !cell.contains("source")) continue;
    std::string source;
    const auto& src = cell["source"];
    if (src.is_string()) {
      source = src.get<std::string>();
    } else if (src.is_array()) {
      for (const auto& line : src)
        if (line.is_string()) source += line.get<std::string>();
    }
    std::vector<ClaimResult> r = check_text(source, true, file + ", cell " + std::to_string(index));
    out.insert(out.end(), std::make_move_iterator(r.begin()), std::make_move_iterator(r.end()));
  }
  return out;
}

ClaimResult file_error(const std::string& file, const std::string& reason) {
  ClaimResult r;
  r.file = file;
  r.verdict = Verdict::kError;
  r.reason = reason;
  return r;
}
}  // namespace

std::vector<ClaimResult> check_paths(const std::vector<std::string>& paths) {
  std::vector<ClaimResult> out;
  auto check_file = [&](const fs::path& f) {
    std::vector<ClaimResult> r;
    try {
      const std::string text = read_text_file(f);
      r = is_notebook(f) ? check_notebook(text, f.string()) : check_text(text, is_markdown(f), f.string());
    } catch (const InputError& e) {  // reported for this file; the others are still checked
      out.push_back(file_error(f.string(), e.what()));
      return;
    }
    out.insert(out.end(), std::make_move_iterator(r.begin()), std::make_move_iterator(r.end()));
  };
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      const FoundFiles found = find_files(p, {".claims", ".md", ".markdown", ".ipynb"});
      for (const PathError& e : found.errors) out.push_back(file_error(e.path, e.reason));
      for (const fs::path& f : found.files) check_file(f);
    } else if (fs::is_regular_file(p, ec)) {
      check_file(p);
    } else {
      throw InputError("'" + p + "' is not a file or folder (give .claims files, Markdown files, notebooks or folders)");
    }
  }
  return out;
}

}  // namespace numscope::check
