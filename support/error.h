// The one exception type for bad input: the CLI prints its message on one line and exits with code 2.
#pragma once

#include <stdexcept>  // std::runtime_error
#include <string>       // std::string
#include <string_view>  // std::string_view

namespace numscope {

/// `s` with control characters (U+0000..U+001F, U+007F) written as \n, \r or \xNN: every text form shows a
/// tensor or file name with a newline inside on one line (defined in support/render.cpp).
std::string escape_controls(std::string_view s);

/// Bad input from a user: the message names the problem and what would be accepted. It is one line whatever
/// the input it quotes holds: control characters in the message are escaped (fuzz_units found a newline
/// quoted raw).
struct InputError : std::runtime_error {
  explicit InputError(const std::string& what) : std::runtime_error(escape_controls(what)) {}
};

}  // namespace numscope
