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

/// One accepted spelling of a built-in format: as people write it, the canonical name it means, who writes it so,
/// and a hint where libraries mean different formats by similar names ("" when there is no doubt).
struct AliasInfo {
  std::string_view alias;    // "float8_e4m3fn"
  std::string_view name;     // "e4m3"
  std::string_view used_by;  // "PyTorch, ml_dtypes, JAX"
  std::string_view hint;     // "IEEE-like with inf (max 240), not OCP E4M3 ..."
};
/// Every alias, grouped by format in the order of builtin_formats(). Case, '_' against '-' and a library prefix
/// (torch., np., jnp., ml_dtypes.) do not matter when a name is looked up.
std::span<const AliasInfo> alias_table();

/// A name that means different formats in different places ("fp8": e4m3 or e5m2): find_format refuses it and
/// names the candidates; `numscope formats fp8` shows them all.
struct AmbiguousName {
  std::string_view name;        // "fp8"
  std::string_view candidates;  // "e4m3,e5m2"
  std::string_view why;         // one clause saying how they differ
};
std::span<const AmbiguousName> ambiguous_names();
/// The candidates of an ambiguous name ({"e4m3", "e5m2"} for "fp8"), or empty.
std::vector<std::string> ambiguous_candidates(std::string_view name);

/// Up to `n` canonical names or aliases closest to a misspelt `name` (for "did you mean"), closest first.
std::vector<std::string> closest_format_names(std::string_view name, std::size_t n);

/// Looks a format up by canonical name or alias, case-insensitively, or builds a user-defined one:
///   eXmY            IEEE-like, bias 2^(X-1)-1, 1 <= X <= 15, 0 <= Y <= 112
///   eXmYfn          no infinity, NaN = all ones (as OFP8 E4M3)
///   eXmYfnuz        no infinity, no -0, NaN = 0x80..0, bias 2^(X-1) unless given
///   ...:bias=N      any of the above with an explicit bias
///   intN / uintN    integers, 2 <= N <= 64
/// Case, '_' against '-' and a library prefix do not matter (torch.float8_e4m3fn is e4m3). Throws InputError
/// (error.h) for an unknown name with the closest names, or for an ambiguous one ("fp8") with its candidates.
/// Example: find_format("FP8_E4M3").name == "e4m3"
Format find_format(std::string_view name);

/// Parses a comma-separated list of format names (as find_format).
std::vector<Format> find_formats(std::string_view list);

/// The accepted names, for error messages and --help.
std::string accepted_format_names();

}  // namespace numscope
