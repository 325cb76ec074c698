// `numscope doc-tables PATH...`: re-runs the numscope commands that printed the tables in Markdown docs and
// reports (or with --update, rewrites) any table that drifted from the CLI's output.
//
// A generated block in a .md file is:
//   <!-- numscope: formats fp16 bf16 -o md -->
//   ...the exact output of `numscope formats fp16 bf16 -o md`...
//   <!-- end -->
#include <algorithm>   // std::sort
#include <filesystem>  // std::filesystem::recursive_directory_iterator
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
};

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
    // A marker that runs doc-tables would recurse (on its own file, without end): refused as an error.
    const int rc = argv.size() > 1 && argv[1] == "doc-tables"
                       ? (err << "numscope: a generated table cannot run doc-tables itself\n", 2)
                       : run_main(argv, ctx);
    std::string fresh = out.str();
    Outcome o{path.string(), command, "", start};
    if (rc != 0 && rc != 1) {
      o.status = "error: " + err.str();
      if (!o.status.empty() && o.status.back() == '\n') o.status.pop_back();
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
  for (const auto& p : args.positional) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file() && e.path().extension() == ".md") files.push_back(e.path());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      throw InputError("'" + p + "' is not a file or folder");
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<Outcome> outcomes;
  const bool update = args.has("update");
  for (const auto& f : files) {
    const std::string text = read_text_file(f);
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
       "Exit 1 when a table drifted (CI), 0 when all match or --update rewrote them.",
       {{"update", 0, "", "rewrite drifted tables in place"}},
       1,
       -1},
      run};
  return kCommand;
}

}  // namespace numscope::cli
