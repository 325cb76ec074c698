// Writing bytes that must all arrive: write_all (every byte of a buffer to a descriptor, or the errno that stopped
// it) and SinkBuf, a buffered std::streambuf over such a sink whose first failure is kept, not swallowed.
#pragma once

#include <cstddef>     // std::size_t
#include <functional>  // std::function
#include <streambuf>   // std::streambuf
#include <vector>      // std::vector

namespace numscope {

/// Writes all n bytes to `fd`, retrying short writes and EINTR; returns 0, or the errno of the failure (EIO for
/// a write that made no progress).
int write_all(int fd, const void* data, std::size_t n);

/// A buffered stream buffer over a sink. The sink writes all the bytes it is given or returns false; after the
/// first failure nothing more is written and failed() says so (an std::ostream on top only sees badbit).
/// Example: std::ostream out(&buf) over SinkBuf buf([](const char* p, std::size_t n) { return write_all(1, p, n) == 0; });
class SinkBuf : public std::streambuf {
 public:
  using Sink = std::function<bool(const char* data, std::size_t n)>;
  explicit SinkBuf(Sink sink, std::size_t capacity = std::size_t{1} << 16);
  bool failed() const { return failed_; }

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  bool put(const char* s, std::size_t n);
  bool drain();
  Sink sink_;
  std::vector<char> data_;
  bool failed_ = false;
};

}  // namespace numscope
