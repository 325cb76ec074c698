// The one exception type for bad input: the CLI prints its message on one line and exits with code 2.
#pragma once

#include <stdexcept>  // std::runtime_error
#include <string>     // std::string

namespace numscope {

/// Bad input from a user: the message names the problem and what would be accepted.
struct InputError : std::runtime_error {
  explicit InputError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace numscope
