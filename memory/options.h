// The options of the memory estimator, declared once: one row per option with its name, value name, default,
// help and parser. The CLI's flags and --help, memory(...) in claims, the Python keyword arguments and the echoed
// request all come from this table.
#pragma once

#include <span>         // std::span
#include <string>       // std::string
#include <string_view>  // std::string_view

#include "numscope/memory/estimate.h"

namespace numscope::memory {

/// One option of the estimator. set_option(r, name, value) trims the value and calls `set`.
struct Option {
  std::string_view name;        // the flag without dashes: "kv-heads" (kv_heads and KV-Heads are the same key)
  std::string_view value_name;  // "N", "DTYPE"; "" for a switch, whose value defaults to true (tied, sp)
  std::string_view help;        // one line for --help, without the default
  std::string_view fallback;    // the default in words ("bf16; qlora nf4"); "" when unset means "not used"
  void (*set)(MemoryRequest& r, std::string_view value);  // parses and validates; throws InputError
  bool repeatable = false;      // may be given more than once; each value adds (gpu)
  std::string_view alias = {};  // a second accepted name ("sequence-parallel" for sp)
};

/// Every option, in the order of `numscope memory --help`. Adding an option is adding a row (options.cpp) and a
/// field of MemoryRequest.
///
/// **Example**:
///   for (const Option& o : options()) std::cout << "--" << o.name << " " << o.value_name << "\n";
std::span<const Option> options();

/// The option a key names (any spelling: "--kv-heads", "kv_heads", "KV-Heads", or the alias), or nullptr.
const Option* find_option(std::string_view key);

/// "kv_heads", "--kv-heads", "KV-Heads" -> "kv-heads".
std::string canonical_key(std::string_view key);

}  // namespace numscope::memory
