// Reading text files (docs, claims) with a size bound, and finding them in folders: one error message for every
// caller, and folders that cannot be read reported one by one instead of ending the walk.
#pragma once

#include <cstddef>      // std::size_t
#include <filesystem>   // std::filesystem::path
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

namespace numscope {

/// Notes and claim files are read whole; a larger file is refused, never read whole (a 1 GiB note took 4-5 GB).
inline constexpr std::size_t kMaxTextFileBytes = 64u << 20;

/// The whole file as bytes; throws InputError "cannot read 'PATH': reason" when it cannot be opened or read, and
/// "'PATH' is larger than 64 MiB" after reading at most max_bytes + 1 bytes (a device like /dev/zero ends too).
std::string read_text_file(const std::filesystem::path& p, std::size_t max_bytes = kMaxTextFileBytes);

/// A path that a folder walk could not enter or read, and why.
struct PathError {
  std::string path;
  std::string reason;
};
/// The files found under a folder, sorted, and the places that could not be read.
struct FoundFiles {
  std::vector<std::filesystem::path> files;
  std::vector<PathError> errors;
};

/// Every regular file under `root` (recursively; symlinked folders are not followed, so no walk loops) whose
/// extension is one of `extensions` (lower case with the dot, ".md"), compared without regard to case: NOTES.MD
/// is a Markdown file. A sub-folder that cannot be read is listed in `errors` and the walk goes on.
FoundFiles find_files(const std::filesystem::path& root, std::vector<std::string_view> extensions);

/// True when the extension of `p` is `ext` (lower case with the dot), in any case.
bool has_extension(const std::filesystem::path& p, std::string_view ext);

}  // namespace numscope
