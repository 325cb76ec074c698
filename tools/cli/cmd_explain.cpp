// `numscope explain FORMAT VALUE`: the bit-level view of how a format stores one number.
#include "numscope/api/explain.h"
#include "numscope/tools/cli/command.h"
#include "numscope/tools/cli/common.h"

namespace numscope::cli {
namespace {

Result run(const Args& args, Context&) {
  return api::explain({.format = args.positional[0], .value = args.positional[1], .conversion = conversion_from(args)});
}

}  // namespace

const Command& explain_command() {
  static const Command kCommand{
      {"explain",
       "the bit-level view of one number in one format: fields, formula, neighbours",
       "numscope explain FORMAT VALUE [--rounding MODE] [--saturate] [--ftz]",
       "Shows sign, exponent and mantissa fields, (-1)^s × 1.m × 2^(e-bias) with the exact numbers, the\n"
       "neighbouring values below and above and the gaps to them, and the error against the exact input.",
       conversion_options(),
       2,
       2},
      run};
  return kCommand;
}

}  // namespace numscope::cli
