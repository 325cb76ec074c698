// Where claims come from: .claims files (every line), Markdown (only ```claims fenced blocks), and folders.
#include <algorithm>   // std::sort
#include <filesystem>  // std::filesystem
#include <fstream>     // std::ifstream
#include <optional>    // std::optional
#include <sstream>     // std::ostringstream

#include "numscope/check/claims.h"
#include "numscope/support/files.h"
#include "numscope/support/json.h"

namespace numscope::check {
namespace {

namespace fs = std::filesystem;

/// The claim on one line: the text before '#', blanks trimmed.
std::string claim_part(std::string_view line) {
  const auto hash = line.find('#');
  if (hash != std::string_view::npos) line = line.substr(0, hash);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
  return std::string(line);
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

bool is_markdown(const fs::path& p) {
  const std::string e = p.extension().string();
  return e == ".md" || e == ".markdown";
}

bool is_notebook(const fs::path& p) { return p.extension().string() == ".ipynb"; }

/// A Jupyter notebook's claims: the ```claims blocks of its Markdown cells (nbformat 4: "cells", each with a
/// "cell_type" and a "source" that is a string or a list of lines). Each claim's file reads "PATH, cell N" (cells
/// counted from 1, code cells included) and its line is the line within that cell.
std::vector<ClaimResult> check_notebook(std::string_view text, const std::string& file) {
  nlohmann::json nb;
  try {
    nb = parse_json(text, JsonLimits{});
  } catch (const JsonError& e) {
    throw InputError("'" + file + "' is not a Jupyter notebook: " + e.what());
  }
  if (!nb.is_object() || !nb.contains("cells") || !nb["cells"].is_array())
    throw InputError("'" + file + "' is not a Jupyter notebook: no \"cells\" list (nbformat 4)");
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

}  // namespace

std::vector<SourceLine> claims_of_text(std::string_view text) {
  std::vector<SourceLine> out;
  int n = 0;
  for (std::string_view line : lines_of(text)) {
    ++n;
    std::string c = claim_part(line);
    if (!c.empty()) out.push_back({n, std::move(c)});
  }
  return out;
}

std::vector<SourceLine> claims_of_markdown(std::string_view text) {
  std::vector<SourceLine> out;
  std::optional<Fence> open;  // the fence we are inside, if any
  bool claims = false;
  int n = 0;
  for (std::string_view line : lines_of(text)) {
    ++n;
    const auto f = fence_of(line);
    if (open) {
      // A closing fence: the same character, at least as long, no info string.
      if (f && f->ch == open->ch && f->len >= open->len && f->info.empty()) {
        open.reset();
        continue;
      }
      if (claims) {
        std::string c = claim_part(line);
        if (!c.empty()) out.push_back({n, std::move(c)});
      }
      continue;
    }
    if (f) {
      open = f;
      const std::string word = f->info.substr(0, f->info.find_first_of(" \t{"));
      claims = word == "claims";
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
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<ClaimResult> check_paths(const std::vector<std::string>& paths) {
  std::vector<fs::path> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::recursive_directory_iterator(p, ec)) {
        if (!e.is_regular_file()) continue;
        const std::string ext = e.path().extension().string();
        if (ext == ".claims" || ext == ".md" || ext == ".markdown" || ext == ".ipynb") found.push_back(e.path());
      }
      if (ec) throw InputError("cannot read the folder '" + p + "': " + ec.message());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      files.emplace_back(p);
    } else {
      throw InputError("'" + p + "' is not a file or folder (give .claims files, Markdown files or folders)");
    }
  }
  std::vector<ClaimResult> out;
  for (const fs::path& f : files) {
    const std::string text = read_text_file(f);
    std::vector<ClaimResult> r =
        is_notebook(f) ? check_notebook(text, f.string()) : check_text(text, is_markdown(f), f.string());
    out.insert(out.end(), std::make_move_iterator(r.begin()), std::make_move_iterator(r.end()));
  }
  return out;
}

}  // namespace numscope::check
