// Bounded text reads and a folder walk that reports unreadable places instead of failing (files.h).
#include "numscope/support/files.h"

#include <algorithm>  // std::sort
#include <cerrno>     // errno
#include <cstring>    // std::strerror
#include <fstream>    // std::ifstream

#include "numscope/support/ascii.h"
#include "numscope/support/error.h"

namespace numscope {

namespace fs = std::filesystem;

std::string read_text_file(const fs::path& p, std::size_t max_bytes) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) throw InputError("cannot read '" + p.string() + "': it is a folder");
  errno = 0;
  std::ifstream in(p, std::ios::binary);
  if (!in) throw InputError("cannot read '" + p.string() + "'" + (errno ? std::string(": ") + std::strerror(errno) : ""));
  std::string text;
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes)
      throw InputError("'" + p.string() + "' is larger than " + std::to_string(max_bytes >> 20) +
                       " MiB: notes and claim files are read whole, so larger ones are refused");
  }
  if (in.bad()) throw InputError("cannot read '" + p.string() + "': a read error");
  return text;
}

bool has_extension(const fs::path& p, std::string_view ext) { return ascii_lower(p.extension().string()) == ext; }

FoundFiles find_files(const fs::path& root, std::vector<std::string_view> extensions) {
  FoundFiles out;
  std::vector<fs::path> pending = {root};
  while (!pending.empty()) {
    const fs::path dir = pending.back();
    pending.pop_back();
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    if (ec) {
      out.errors.push_back({dir.string(), "cannot read the folder: " + ec.message()});
      continue;
    }
    for (; it != end; it.increment(ec)) {
      if (ec) break;
      std::error_code sec;
      const fs::file_status link = it->symlink_status(sec);
      if (fs::is_directory(link)) {
        pending.push_back(it->path());
        continue;
      }
      if (!fs::is_regular_file(it->status(sec))) continue;  // FIFOs, devices, dangling links: not notes
      for (std::string_view e : extensions)
        if (has_extension(it->path(), e)) {
          out.files.push_back(it->path());
          break;
        }
    }
    if (ec) out.errors.push_back({dir.string(), "cannot read the folder: " + ec.message()});
  }
  std::sort(out.files.begin(), out.files.end());
  std::sort(out.errors.begin(), out.errors.end(), [](const PathError& a, const PathError& b) { return a.path < b.path; });
  return out;
}

}  // namespace numscope
