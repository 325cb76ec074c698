// `numscope explain FORMAT VALUE | --bits CODE`: the bit-level view of how a format stores one number, or of what
// one code means.
#include "numscope/api/explain.h"
#include "numscope/support/error.h"
#include "numscope/tools/cli/command.h"
#include "numscope/tools/cli/common.h"

namespace numscope::cli {
namespace {

Result run(const Args& args, Context&) {
  if (args.has("bits")) {
    if (args.positional.size() != 1)
      throw InputError("'numscope explain FORMAT --bits CODE' takes the format and the code, not a VALUE too (got " +
                       std::to_string(args.positional.size()) + " arguments)");
    for (const OptionSpec& o : conversion_options())
      if (args.has(o.name))
        throw InputError("--" + o.name + " rounds a VALUE; --bits decodes a code as it is, so it does not apply");
    api::ExplainRequest req;
    req.format = args.positional[0];
    req.bits = args.get("bits");
    return api::explain(req);
  }
  if (args.positional.size() != 2)
    throw InputError("'numscope explain' takes FORMAT VALUE, or FORMAT --bits CODE (got " +
                     std::to_string(args.positional.size()) + " arguments)");
  api::ExplainRequest req;
  req.format = args.positional[0];
  req.value = args.positional[1];
  req.conversion = conversion_from(args);
  return api::explain(req);
}

}  // namespace

const Command& explain_command() {
  static const Command kCommand{
      {"explain",
       "the bit-level view of one number, or one code, in one format: fields, formula, neighbours",
       "numscope explain FORMAT (VALUE | --bits CODE) [--rounding MODE] [--saturate] [--ftz]",
       "Shows sign, exponent and mantissa fields, (-1)^s × 1.m × 2^(e-bias) with the exact numbers, the\n"
       "neighbouring values below and above and the gaps to them, and the error against the exact input.\n"
       "--bits decodes a code instead of rounding a value: 0x3dcccccd (hex, as numscope prints codes; tf32 as its\n"
       "32-bit container), 0b0.01111011.0011... (binary, '_' or '.' between fields) or bare hex (3dcccccd). A VALUE\n"
       "written 0b... is a code too; 0x3dcccccd as VALUE is the number 1036831949 (a note says so).\n"
       "Several codes at once: numscope decode FORMAT CODE...",
       [] {
         auto o = conversion_options();
         o.insert(o.begin(), {"bits", 'b', "CODE", "decode this code of the format instead of rounding a VALUE"});
         return o;
       }(),
       1,
       2},
      run};
  return kCommand;
}

}  // namespace numscope::cli
