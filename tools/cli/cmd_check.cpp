// `numscope check PATH...`: evaluates the claims in .claims files and in Markdown ```claims blocks, TRUE or FALSE.
#include <set>  // std::set

#include "numscope/check/claims.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

using check::ClaimResult;
using check::Verdict;

int run(const Args& args, Context& ctx, Report& report) {
  std::vector<ClaimResult> results;
  if (args.has("claim")) {
    for (const std::string& c : args.options.at("claim")) {
      ClaimResult r = check::check_claim(c);
      r.file = "--claim";
      r.line = 1;
      results.push_back(std::move(r));
    }
  }
  if (!args.positional.empty()) {
    std::vector<ClaimResult> more = check::check_paths(args.positional);
    results.insert(results.end(), more.begin(), more.end());
  }
  if (args.positional.empty() && !args.has("claim"))
    throw InputError("check needs FILE..., a folder or --claim 'CLAIM'");
  std::set<std::string> files;
  for (const auto& r : results) files.insert(r.file);
  const bool failing_only = args.has("failing");

  Table t;
  const auto file_show = files.size() > 1 ? Column::Show::kAll : Column::Show::kJson;
  t.columns = {{"file", "file", false, file_show},
               {"line", "line", true},
               {"claim", "claim"},
               {"left", "", true, Column::Show::kText},
               {"≈ left", "", true, Column::Show::kText},
               {"left", "left", false, Column::Show::kJson},
               {"right", "", true, Column::Show::kText},
               {"right", "right", false, Column::Show::kJson},
               {"verdict", "verdict"},
               {"reason", "reason"}};
  int n_true = 0, n_false = 0, n_error = 0;
  for (const ClaimResult& r : results) {
    n_true += r.verdict == Verdict::kTrue;
    n_false += r.verdict == Verdict::kFalse;
    n_error += r.verdict == Verdict::kError;
    if (r.verdict == Verdict::kError && r.line == 0)  // a file or folder that could not be read
      ctx.err << "numscope: " << r.file << ": " << r.reason << "\n";
    else if (r.verdict == Verdict::kError)
      ctx.err << "numscope: " << r.file << ":" << r.line << ":" << r.column << ": " << r.reason << "\n";
    if (failing_only && r.verdict == Verdict::kTrue) continue;
    const bool err = r.verdict == Verdict::kError;
    auto cell = [](const std::string& s) { return s.empty() ? null_cell() : str(s); };
    t.add({str(r.file), num(r.line), str(r.claim), cell(r.left), cell(r.left_rounded), cell(r.left_exact),
           cell(r.right), cell(r.right_exact), str(std::string(check::verdict_name(r.verdict))),
           str(err && r.line > 0 ? "column " + std::to_string(r.column) + ": " + r.reason : r.reason)});
  }
  std::string summary = std::to_string(n_true) + " true, " + std::to_string(n_false) + " false";
  if (n_error) summary += ", " + std::to_string(n_error) + (n_error == 1 ? " error" : " errors");
  t.notes.push_back(summary);
  report.tables.push_back(std::move(t));
  if (n_error) return 2;
  return n_false ? 1 : 0;
}

}  // namespace

const Command& check_command() {
  static const Command kCommand{
      {"check",
       "evaluate numeric claims (in .claims files or Markdown ```claims blocks): TRUE or FALSE, with the reason",
       "numscope check PATH... [--claim 'CLAIM']... [--failing]",
       "One claim per line, '#' starts a comment: LEFT RELATION RIGHT, both sides exact, e.g.\n"
       "  store(bf16, 123456.789) = 123392\n"
       "  max(fp16) ≈ 6e4                  # within 10% unless 'within 2%' or 'within x10' follows\n"
       "  memory(params=7B, weights=fp32) = 28 GB\n"
       "  store(e5m2, 123456.789) overflows\n"
       "PATH is a .claims file, a Markdown file (only its ```claims blocks) or a folder (every .claims and .md\n"
       "inside). The language is described in docs/check.md.\n"
       "Exit 0 when every claim holds, 1 when one is false, 2 when one cannot be parsed or evaluated (each such\n"
       "error is also printed on stderr as FILE:LINE:COLUMN: what was expected).",
       {{"claim", 'c', "CLAIM", "check this claim too (repeatable)", true},
        {"failing", 0, "", "list only the claims that are false or in error"}},
       0,
       -1},
      run};
  return kCommand;
}

}  // namespace numscope::cli
