// `numscope decode FORMAT CODE...`: what each code of a format means, one row per code (any width, fp64 too).
#include "numscope/api/values.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

Result run(const Args& args, Context&) {
  return api::decode_codes({.format = args.positional[0],
                            .codes = std::vector<std::string>(args.positional.begin() + 1, args.positional.end())});
}

}  // namespace

const Command& decode_command() {
  static const Command kCommand{
      {"decode",
       "the value of each code of a format, any width: bits in, exact value out",
       "numscope decode FORMAT CODE...",
       "CODE is hex as numscope prints codes (0x3dcccccd; tf32 as its 32-bit container), binary with the\n"
       "format's own bits (0b0.01111011.00110011001100110011001; '_' or '.' may separate digits) or bare hex\n"
       "(3dcccccd). Every value is printed exactly; the text table puts the power of two in front of long ones.\n"
       "One code in full detail (fields, formula, neighbours): numscope explain FORMAT --bits CODE.\n"
       "Every code of a format up to 16 bits: numscope values FORMAT.",
       {},
       2,
       -1},
      run};
  return kCommand;
}

}  // namespace numscope::cli
