// The process-level pieces of the numscope program, used by main() only (the library also runs inside Python and
// WebAssembly, whose signals and standard streams are not ours): signal handlers and the stdout stream.
#pragma once

#include <cstddef>    // std::size_t
#include <streambuf>  // std::streambuf
#include <vector>     // std::vector

namespace numscope::cli {

/// SIGINT, SIGTERM, SIGHUP, SIGPIPE: remove the temporaries of unfinished outputs (support/atomic_file.h), then
/// die of the same signal (a closed pipe still ends the process silently with status 141).
/// SIGBUS: a mapped input shrank (support/mapped_inputs.h): one line "numscope: FILE changed size while being
/// read", temporaries removed, exit 2. SIGXFSZ: ignored, so a write past the file-size limit fails with EFBIG
/// and is reported like a full disk. Every handler is async-signal-safe: unlink, write and _exit only.
void install_signal_handlers();

/// A buffered stream buffer onto a file descriptor (stdout) that keeps the errno of its first failed write, so a
/// failure is reported with its reason ("No space left on device"), not as a bare stream state.
class FdOutBuf : public std::streambuf {
 public:
  explicit FdOutBuf(int fd) : fd_(fd), data_(1 << 16) { setp(data_.data(), data_.data() + data_.size()); }
  int error() const { return error_; }  // 0 while every write succeeded

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  bool put(const char* s, std::size_t n);
  bool drain();
  int fd_, error_ = 0;
  std::vector<char> data_;
};

/// The width in columns of the terminal on file descriptor `fd` (COLUMNS when set, else the terminal's own), or 0
/// when `fd` is not a terminal: wide text tables are cut to it only when a person reads them.
std::size_t terminal_width(int fd);

}  // namespace numscope::cli
