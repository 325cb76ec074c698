// `check`: numeric claims from .claims files, Markdown ```claims blocks or the request itself, TRUE or FALSE.
#pragma once

#include <string>  // std::string
#include <vector>  // std::vector

#include "numscope/support/result.h"

namespace numscope::api {

struct CheckRequest {
  std::vector<std::string> paths;   // .claims files, Markdown files (their ```claims blocks) or folders
  std::vector<std::string> claims;  // claims given directly: "store(bf16, 123456.789) = 123392"
  bool failing_only = false;        // list only the claims that are false or in error
  /// Documents the caller holds in memory (the Python package's check(text)): a name for the file column and
  /// the text, read as Markdown (its ```claims blocks) when the name ends in .md, else as a .claims file.
  struct Text {
    std::string name, text;
  };
  std::vector<Text> texts;
  bool allow_empty = false;         // a path without claims is no failure (else: status 1 and one error line)
};

/// Table "claims": file, line, claim, left and right (exact, with a compact display; left_approx / right_approx
/// when a side was computed approximately), verdict (TRUE, FALSE, ERROR), reason; a note counts them. status is
/// 0 when every claim holds, 1 when one is false, 2 when one could not be evaluated (each such claim is also
/// one line of `errors`: FILE:LINE:COLUMN: reason). A file named in `paths` without a claim, or a folder whose walk
/// finds none, is status 1 with one line of `errors` each (a Markdown file whose blocks lack the `claims` info
/// string would otherwise pass silently), unless allow_empty; when nothing at all had a claim, the Result has no
/// table. With failing_only and nothing failing, the table is empty and its one line says so. Throws InputError
/// for unreadable paths or an empty request.
///
/// **Example**:
///   CheckRequest c;
///   c.claims = {"max(e4m3) = 448"};
///   Result r = api::check(c);  // r.status == 0, r.tables[0].rows[0][verdict] == "TRUE"
Result check(const CheckRequest& request);

}  // namespace numscope::api
