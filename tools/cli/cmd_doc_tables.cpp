// `numscope doc-tables PATH...`: re-runs the numscope commands that printed the tables in Markdown docs and
// reports (or with --update, rewrites) any table that drifted from the CLI's output.
//
// A generated block in a .md file is:
//   <!-- numscope: formats fp16 bf16 -o md -->
//   ...the exact output of `numscope formats fp16 bf16 -o md`...
//   <!-- end -->
#include <algorithm>   // std::sort
#include <filesystem>  // std::filesystem::path
#include <span>        // std::span
#include <sstream>     // std::istringstream, std::ostringstream

#include "numscope/tools/cli/command.h"
#include "numscope/support/atomic_file.h"
#include "numscope/support/files.h"

namespace numscope::cli {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kOpen = "<!-- numscope:";
constexpr std::string_view kClose = "<!-- end -->";

/// Splits a command line on blanks; "..." and '...' quote.
std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (char c : s) {
    if (quote) {
      if (c == quote) quote = 0;
      else cur += c;
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) out.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(cur);
  return out;
}

struct Outcome {
  std::string file, command, status;
  int line = 0;
  std::string error;  // the one-line reason of an error (also printed on stderr)
};

/// Why a marker's command may not run from a document, or "": documents only read. A command that writes files
/// (an option declared writes_file: cast --out, quantize --write-blocks, ...) is refused before it runs, and it
/// runs inside a ReadOnlyScope, under which no file can be opened for writing anyway.
std::string refusal(const std::vector<std::string>& argv) {
  if (argv.size() < 2) return "";
  if (argv[1] == "doc-tables") return "a generated table cannot run doc-tables itself";
  for (const Command& c : commands()) {
    if (c.spec.name != argv[1]) continue;
    Args args;
    try {
      args = parse_args(c.spec, std::span<const std::string>(argv).subspan(2));
    } catch (const InputError&) {
      return "";  // run_main reports the bad arguments
    }
    for (const OptionSpec& o : c.spec.options)
      if (o.writes_file && args.has(o.name))
        return "a document cannot write files: the marker names --" + o.name +
               " (markers run only commands that read; remove the option)";
  }
  return "";
}

/// Processes one file; returns the new text (blocks regenerated).
std::string process(const fs::path& path, const std::string& text, std::vector<Outcome>& outcomes) {
  std::istringstream in(text);
  std::string line, result;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    result += line + "\n";
    // A marker starts its line (after indentation): one quoted inside prose or a code span is not a marker.
    const auto at = line.find_first_not_of(" \t");
    if (at == std::string::npos || line.compare(at, kOpen.size(), kOpen) != 0) continue;
    const auto stop = line.find("-->", at);
    if (stop == std::string::npos) throw InputError(path.string() + ":" + std::to_string(lineno) + ": unclosed <!-- numscope: marker");
    const std::string command = line.substr(at + kOpen.size(), stop - at - kOpen.size());
    std::string old;
    bool closed = false;
    const int start = lineno;
    while (std::getline(in, line)) {
      ++lineno;
      if (line.find(kClose) != std::string::npos) {
        closed = true;
        break;
      }
      old += line + "\n";
    }
    if (!closed) throw InputError(path.string() + ":" + std::to_string(start) + ": no <!-- end --> after the numscope marker");
    std::vector<std::string> argv = {"numscope"};
    for (auto& w : split_words(command)) argv.push_back(w);
    std::istringstream none;
    std::ostringstream out, err;
    Context ctx{none, out, err};
    // Refused: a marker that runs doc-tables (it would recurse) or names an option that writes a file.
    const std::string refused = refusal(argv);
    int rc = 2;
    if (refused.empty()) {
      const ReadOnlyScope read_only;
      rc = run_main(argv, ctx);
    }
    std::string fresh = out.str();
    Outcome o{path.string(), command, "", start, ""};
    if (rc != 0 && rc != 1) {
      std::string why = refused.empty() ? err.str() : refused;
      if (why.rfind("numscope: ", 0) == 0) why.erase(0, 10);
      o.error = why.substr(0, why.find('\n'));
      o.status = "error: " + o.error;
      fresh = old;
    } else {
      o.status = fresh == old ? "ok" : "drift";
    }
    outcomes.push_back(o);
    result += fresh + std::string(kClose) + "\n";
  }
  return result;
}

Result run(const Args& args, Context&) {
  std::vector<fs::path> files;
  std::vector<Outcome> outcomes;
  auto unreadable = [&](const std::string& where, const std::string& why) {
    outcomes.push_back({where, "", "error: " + why, 0, why});
  };
  for (const auto& p : args.positional) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {  // every .md inside, in any case; unreadable folders reported one by one
      FoundFiles found = find_files(p, {".md"});
      for (const PathError& e : found.errors) unreadable(e.path, e.reason);
      files.insert(files.end(), found.files.begin(), found.files.end());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      throw InputError("'" + p + "' is not a file or folder");
    }
  }
  std::sort(files.begin(), files.end());
  const bool update = args.has("update");
  for (const auto& f : files) {
    std::string text;
    try {
      text = read_text_file(f);
    } catch (const InputError& e) {
      unreadable(f.string(), e.what());
      continue;
    }
    const std::string fresh = process(f, text, outcomes);
    if (update && fresh != text) {  // written whole or not at all, mode and symlinks kept (support/atomic_file.h)
      AtomicFile out(f.string(), "--update");
      out.write(fresh.data(), fresh.size());
      out.commit();
    }
  }
  Result res;
  res.command = "doc-tables";
  res.echo_texts("paths", args.positional);
  res.echo_flag("update", update);
  Table t;
  t.name = "doc_tables";
  t.columns = {{"file", "file"}, {"line", "line", ColumnType::kInteger, Align::kRight}, {"command", "command"},
               {"status", "status"}};
  int drift = 0, errors = 0;
  for (const auto& o : outcomes) {
    if (!o.error.empty())  // the error contract: one line per failure on stderr, FILE:LINE: reason
      res.errors.push_back(o.file + (o.line ? ":" + std::to_string(o.line) : "") + ": " + o.error);
    drift += o.status == "drift";
    errors += o.status.rfind("error", 0) == 0;
    t.add({Cell::text(o.file), Cell::integer(o.line), Cell::text("numscope" + o.command),
           Cell::text(update && o.status == "drift" ? "updated" : o.status)});
  }
  t.notes.push_back(std::to_string(outcomes.size()) + " generated tables: " + std::to_string(outcomes.size() - drift - errors) +
                    " ok, " + std::to_string(drift) + (update ? " updated, " : " drifted, ") + std::to_string(errors) + " failed");
  res.tables.push_back(std::move(t));
  res.status = errors ? 2 : drift && !update ? 1 : 0;
  return res;
}

}  // namespace

const Command& doc_tables_command() {
  static const Command kCommand{
      {"doc-tables",
       "check (or --update) the tables in Markdown docs against the CLI's output",
       "numscope doc-tables PATH... [--update]",
       "Each block between '<!-- numscope: ARGS -->' and '<!-- end -->' must equal the output of 'numscope ARGS'.\n"
       "Exit 1 when a table drifted (CI), 0 when all match or --update rewrote them, 2 when a marker failed or a\n"
       "file could not be read (one line per failure on stderr). Markers run only commands that read: one that\n"
       "names an option writing a file (--out, --write-blocks, --dump-dequantized, --update) is refused, in check\n"
       "and update mode alike.",
       {{"update", 0, "", "rewrite drifted tables in place", false, true}},
       1,
       -1},
      run};
  return kCommand;
}

}  // namespace numscope::cli
