// Reading whole text files (docs, claims) with one error message for every caller.
#pragma once

#include <filesystem>  // std::filesystem::path
#include <fstream>     // std::ifstream
#include <sstream>     // std::ostringstream
#include <string>      // std::string

#include "numscope/support/error.h"

namespace numscope {

/// The whole file as bytes; throws InputError "cannot read 'PATH'" when it cannot be opened or read.
inline std::string read_text_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw InputError("cannot read '" + p.string() + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw InputError("cannot read '" + p.string() + "'");
  return ss.str();
}

}  // namespace numscope
