// Shared helpers of the file-format fuzz targets: a per-process scratch file and a failure report.
#pragma once

#include <unistd.h>  // getpid

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace numscope::fuzz {

/// Writes the input to a scratch file of this process (the readers take paths and mmap them) and returns its path.
inline const std::string& scratch(const std::uint8_t* data, std::size_t size, const char* ext) {
  static const std::string path = std::string("/tmp/numscope_fuzz_") + std::to_string(::getpid()) + ext;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

[[noreturn]] inline void fail(const char* target, const std::string& what) {
  std::fprintf(stderr, "%s: property violated: %s\n", target, what.c_str());
  std::abort();
}

inline std::uint64_t load_le(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace numscope::fuzz
