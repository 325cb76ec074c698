// `numscope values FORMAT`: every code of a format of at most 16 bits, with its class and exact value.
#include "numscope/api/values.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

Result run(const Args& args, Context&) {
  return api::values({.format = args.positional[0], .finite_only = args.has("finite")});
}

}  // namespace

const Command& values_command() {
  static const Command kCommand{
      {"values",
       "every code of a format (at most 16 bits): bits, class, exact value",
       "numscope values FORMAT [--finite]",
       "Lists codes in order 0x00.. with the class (zero, subnormal, normal, inf, nan) and the full exact value.\n"
       "Wider formats (fp32, fp64): numscope decode FORMAT CODE... or explain FORMAT --bits CODE for single codes.",
       {{"finite", 0, "", "only codes of finite values"}},
       1,
       1},
      run};
  return kCommand;
}

}  // namespace numscope::cli
