// ASCII helpers shared by numscope's parsers (format names, schemes, config keys): case folding.
#pragma once

#include <cctype>       // std::tolower
#include <string>       // std::string
#include <string_view>  // std::string_view

namespace numscope {

/// `s` with ASCII letters lowered; other bytes (UTF-8 included) unchanged.
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace numscope
