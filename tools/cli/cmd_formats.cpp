// `numscope formats [NAME...]`: the property table, every number derived from the format rows.
#include "numscope/api/formats.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

Result run(const Args& args, Context&) {
  return api::formats({.formats = args.positional, .exact = args.has("exact")});
}

}  // namespace

const Command& formats_command() {
  static const Command kCommand{
      {"formats",
       "the property table of number formats: range, precision, encodings",
       "numscope formats [NAME...] [--exact] [-o table|md|csv|json]",
       "Every number is derived from the format's row (exponent bits, mantissa bits, bias, inf/NaN rules).\n"
       "digits is p·log10(2) with p = mantissa bits + 1; digits10 = floor((p-1)·log10 2) is how many decimal\n"
       "digits survive a round trip; max_digits10 = ceil(1 + p·log10 2) is how many print any value uniquely.\n"
       "NAME is any format or alias (fp16, half, bf16, e4m3, fp8-e5m2, e2m1, int8, ...) or a user-defined\n"
       "eXmY[fn|fnuz][:bias=N], intN, uintN. Without names, every built-in format.",
       {{"exact", 0, "", "print every digit of max, min normal, min subnormal and epsilon"}},
       0,
       -1},
      run};
  return kCommand;
}

}  // namespace numscope::cli
