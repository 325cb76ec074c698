// `numscope formats [NAME...]`: the property table, every number derived from the format rows.
#include "numscope/api/formats.h"
#include "numscope/support/error.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

Result run(const Args& args, Context&) {
  if (args.has("aliases") && args.has("exact"))
    throw InputError("--exact shows digits of the property table; --aliases lists names: give one of them");
  api::FormatsRequest req;
  req.formats = args.positional;
  req.exact = args.has("exact");
  req.aliases = args.has("aliases");
  return api::formats(req);
}

}  // namespace

const Command& formats_command() {
  static const Command kCommand{
      {"formats",
       "the property table of number formats: range, precision, encodings",
       "numscope formats [FORMAT...] [--exact | --aliases] [-o table|md|csv|json]",
       "Every number is derived from the format's row (exponent bits, mantissa bits, bias, inf/NaN rules).\n"
       "bytes is what one element takes (storage bits / 8: FP4 0.5, FP6 0.75, tf32 its 4-byte container);\n"
       "emin and emax are the exponents of the smallest normal and the largest finite number.\n"
       "digits is p·log10(2) with p = mantissa bits + 1; digits10 = floor((p-1)·log10 2) is how many decimal\n"
       "digits survive a round trip; max_digits10 = ceil(1 + p·log10 2) is how many print any value uniquely.\n"
       "FORMAT is any format or alias (fp16, half, bf16, e4m3, fp8_e5m2, e2m1, int8, ...) or a user-defined\n"
       "eXmY[-ieee|fn|fnuz][:bias=N], intN, uintN; case, '_' against '-' and torch./np./jnp./ml_dtypes. prefixes do not\n"
       "matter. fp8 and fp6 name two formats each and show both. Without names, every built-in format.\n"
       "The table is wide: --columns name,bytes,max,min_normal,epsilon picks columns; on a terminal, text tables\n"
       "wider than it are cut into column groups (--width N sets the width, 0 never cuts).",
       {{"exact", 0, "", "print every digit of max, min normal, min subnormal and epsilon (2^k in front of long ones)"},
        {"aliases", 0, "", "list every accepted spelling of the formats, what it means and who writes it so"}},
       0,
       -1},
      run};
  return kCommand;
}

}  // namespace numscope::cli
