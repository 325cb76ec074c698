// The table of built-in formats, their aliases, and the parser for user-defined ExMy formats.
#pragma once

#include <span>         // std::span
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/formats/format.h"

namespace numscope {

/// Every built-in format, in the order of the format table (floats by width, then integers).
std::span<const Format> builtin_formats();

/// Aliases accepted for a built-in format's canonical name (lower case), e.g. "half" for fp16.
std::vector<std::string_view> aliases(const Format& f);

/// Looks a format up by canonical name or alias, case-insensitively, or builds a user-defined one:
///   eXmY            IEEE-like, bias 2^(X-1)-1, 1 <= X <= 15, 0 <= Y <= 112
///   eXmYfn          no infinity, NaN = all ones (as OFP8 E4M3)
///   eXmYfnuz        no infinity, no -0, NaN = 0x80..0, bias 2^(X-1) unless given
///   ...:bias=N      any of the above with an explicit bias
///   intN / uintN    integers, 2 <= N <= 64
/// Throws InputError (error.h) naming the accepted names when the name is unknown.
/// Example: find_format("FP8-E4M3").name == "e4m3"
Format find_format(std::string_view name);

/// Parses a comma-separated list of format names (as find_format).
std::vector<Format> find_formats(std::string_view list);

/// The accepted names, for error messages and --help.
std::string accepted_format_names();

}  // namespace numscope
