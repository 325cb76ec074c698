// Flags shared by the format commands: the conversion options, declared once and read into api::Conversion.
#pragma once

#include <vector>  // std::vector

#include "numscope/api/common.h"
#include "numscope/tools/cli/args.h"

namespace numscope::cli {

/// --rounding, --saturate, --ftz, --seed: the options of every command that converts.
std::vector<OptionSpec> conversion_options();

/// The api's Conversion from those flags (--seed checked here: an integer from 0 to 10^18 - 1).
api::Conversion conversion_from(const Args& args);

}  // namespace numscope::cli
