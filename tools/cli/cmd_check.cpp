// `numscope check PATH...`: the flags of api::check (claims in .claims files, Markdown ```claims blocks, --claim).
#include "numscope/api/check.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

Result run(const Args& args, Context&) {
  api::CheckRequest req;
  req.paths = args.positional;
  if (args.has("claim")) req.claims = args.options.at("claim");  // whole claims: commas are part of them
  req.failing_only = args.has("failing");
  req.allow_empty = args.has("allow-empty");
  return api::check(req);
}

}  // namespace

const Command& check_command() {
  static const Command kCommand{
      {"check",
       "evaluate numeric claims (in .claims files or Markdown ```claims blocks): TRUE or FALSE, with the reason",
       "numscope check PATH... [--claim 'CLAIM']... [--failing] [--allow-empty]",
       "One claim per line, '#' starts a comment: LEFT RELATION RIGHT, both sides exact, e.g.\n"
       "  store(bf16, 123456.789) = 123392\n"
       "  max(fp16) ≈ 6e4                  # within 10% unless 'within 2%' or 'within x10' follows\n"
       "  memory(params=7B, weights=fp32) = 28 GB\n"
       "  store(e5m2, 123456.789) overflows\n"
       "PATH is a .claims file, a Markdown file (only its ```claims blocks) or a folder (every .claims and .md\n"
       "inside). The language is described in docs/check.md.\n"
       "Exit 0 when every claim holds, 1 when one is false or a PATH holds no claim (one line on stderr each:\n"
       "a Markdown block without the claims info string is not checked), 2 when one cannot be parsed or evaluated\n"
       "(each such error is also printed on stderr as FILE:LINE:COLUMN: what was expected).",
       {{"claim", 'c', "CLAIM", "check this claim too (repeatable)", true},
        {"failing", 0, "", "list only the claims that are false or in error"},
        {"allow-empty", 0, "", "a PATH without claims is no failure"}},
       0,
       -1},
      run};
  return kCommand;
}

}  // namespace numscope::cli
