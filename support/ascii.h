// ASCII helpers shared by numscope's parsers (format names, schemes, config keys): case folding, trimming.
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

/// `s` without leading and trailing spaces and tabs.
inline std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace numscope
