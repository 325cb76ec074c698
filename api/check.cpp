// `check`: every claim's verdict as a row, the exit status from the worst verdict.
#include "numscope/api/check.h"

#include <filesystem>  // std::filesystem::is_directory
#include <set>         // std::set

#include "numscope/api/common.h"
#include "numscope/check/claims.h"

namespace numscope::api {
namespace {

namespace chk = ::numscope::check;
constexpr auto R = Align::kRight;
using T = ColumnType;

/// One side of a claim: its exact value shown compactly ("2^-149"), or null ("-") when not evaluated.
Cell side(const std::optional<chk::Value>& v, const std::string& shown) {
  if (!v) return Cell::null();
  return exact_cell(v->num, shown);
}

Table claims_table(bool several_files) {
  Table t;
  t.name = "claims";
  t.columns = {{"file", "file", T::kText, Align::kLeft, several_files ? Shown::kEverywhere : Shown::kDataOnly},
               {"line", "line", T::kInteger, R},
               {"claim", "claim"},
               {"left", "left", T::kExact, R},
               {"left_rounded", "≈ left", T::kText, R, Shown::kDisplayOnly},
               {"left_approx", "left approx", T::kFlag, Align::kLeft, Shown::kDataOnly},
               {"right", "right", T::kExact, R},
               {"right_approx", "right approx", T::kFlag, Align::kLeft, Shown::kDataOnly},
               {"verdict", "verdict"},
               {"reason", "reason"}};
  return t;
}

}  // namespace

Result check(const CheckRequest& request) {
  std::vector<chk::ClaimResult> results;
  for (const std::string& c : request.claims) {
    chk::ClaimResult r = chk::check_claim(c);
    r.file = "--claim";
    r.line = 1;
    results.push_back(std::move(r));
  }
  if (request.paths.empty() && request.claims.empty() && request.texts.empty())
    throw InputError("check needs FILE..., a folder or --claim 'CLAIM'");
  std::vector<std::string> empty;  // paths named on the command line that hold no claim
  for (const std::string& path : request.paths) {
    std::vector<chk::ClaimResult> more = chk::check_paths({path});
    if (more.empty()) empty.push_back(path);
    results.insert(results.end(), more.begin(), more.end());
  }
  for (const CheckRequest::Text& t : request.texts) {
    const bool markdown = t.name.size() >= 3 && t.name.compare(t.name.size() - 3, 3, ".md") == 0;
    std::vector<chk::ClaimResult> more = chk::check_text(t.text, markdown, t.name);
    results.insert(results.end(), more.begin(), more.end());
  }
  Result res;
  res.command = "check";
  res.echo_texts("paths", request.paths);
  res.echo_texts("claims", request.claims);
  res.echo_flag("failing_only", request.failing_only);
  res.echo_flag("allow_empty", request.allow_empty);
  if (!request.allow_empty)
    for (const std::string& path : empty)
      res.errors.push_back(path + ": no claims" +
                           (std::filesystem::is_directory(path)
                                ? " in any .claims or Markdown file under this folder"
                                : " (Markdown claims sit in ```claims blocks; .claims files hold one per line)") +
                           "; --allow-empty accepts it");
  std::set<std::string> files;
  for (const auto& r : results) files.insert(r.file);
  Table t = claims_table(files.size() > 1);
  int n_true = 0, n_false = 0, n_error = 0;
  for (const chk::ClaimResult& r : results) {
    n_true += r.verdict == chk::Verdict::kTrue;
    n_false += r.verdict == chk::Verdict::kFalse;
    const bool err = r.verdict == chk::Verdict::kError;
    n_error += err;
    if (err && r.line == 0)  // a file or folder that could not be read
      res.errors.push_back(r.file + ": " + r.reason);
    else if (err)
      res.errors.push_back(r.file + ":" + std::to_string(r.line) + ":" + std::to_string(r.column) + ": " + r.reason);
    if (request.failing_only && r.verdict == chk::Verdict::kTrue) continue;
    t.add({Cell::text(r.file), Cell::integer(r.line), Cell::text(r.claim), side(r.left_value, r.left),
           r.left_rounded.empty() ? Cell::null() : Cell::text(r.left_rounded),
           r.left_value ? Cell::flag(r.left_value->approx) : Cell::null(), side(r.right_value, r.right),
           r.right_value ? Cell::flag(r.right_value->approx) : Cell::null(),
           Cell::text(std::string(chk::verdict_name(r.verdict))),
           Cell::text(err && r.line > 0 ? "column " + std::to_string(r.column) + ": " + r.reason : r.reason)});
  }
  std::string summary = std::to_string(n_true) + " true, " + std::to_string(n_false) + " false";
  if (n_error) summary += ", " + std::to_string(n_error) + (n_error == 1 ? " error" : " errors");
  t.notes.push_back(summary);
  t.if_empty = results.empty() ? "no claims" : "no claim is false or in error: " + summary;
  const bool failed_empty = !empty.empty() && !request.allow_empty;
  // Nothing to show but the missing claims: the error lines say it all, stdout stays empty.
  if (!(results.empty() && failed_empty)) res.tables.push_back(std::move(t));
  res.status = n_error ? 2 : (n_false || failed_empty) ? 1 : 0;
  return res;
}

}  // namespace numscope::api
