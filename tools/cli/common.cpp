// The conversion flags of store, explain and cast.
#include "numscope/tools/cli/common.h"

#include "numscope/formats/engine.h"
#include "numscope/support/error.h"

namespace numscope::cli {

std::vector<OptionSpec> conversion_options() {
  return {
      {"rounding", 'r', "MODE", "rne (default), rna, rtz, up, down, odd or stochastic"},
      {"saturate", 0, "", "clamp overflow to ±max in every format (OCP saturation mode)"},
      {"ftz", 0, "", "flush subnormal results to zero"},
      {"seed", 0, "N", "seed of stochastic rounding (default 1): the same seed gives the same bits"},
  };
}

api::Conversion conversion_from(const Args& args) {
  api::Conversion c;
  c.rounding = args.get("rounding", "rne");
  c.saturate = args.has("saturate");
  c.ftz = args.has("ftz");
  c.seed = static_cast<std::uint64_t>(args.get_int("seed", 1, 0, 999999999999999999LL));
  if (args.has("seed") && parse_rounding(c.rounding) != Rounding::kStochastic)
    throw InputError("--seed seeds stochastic rounding only: add --rounding stochastic, or leave --seed out");
  return c;
}

}  // namespace numscope::cli
