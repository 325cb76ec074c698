// write_all and SinkBuf (sink_buf.h).
#include "numscope/support/sink_buf.h"

#include <unistd.h>  // write

#include <cerrno>   // errno, EINTR, EIO
#include <cstring>  // std::memcpy

namespace numscope {

int write_all(int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return w < 0 ? errno : EIO;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return 0;
}

SinkBuf::SinkBuf(Sink sink, std::size_t capacity) : sink_(std::move(sink)), data_(capacity) {
  setp(data_.data(), data_.data() + data_.size());
}

SinkBuf::int_type SinkBuf::overflow(int_type c) {
  if (!drain()) return traits_type::eof();
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

std::streamsize SinkBuf::xsputn(const char* s, std::streamsize n) {
  if (n > epptr() - pptr()) return drain() && put(s, static_cast<std::size_t>(n)) ? n : 0;  // large: straight through
  std::memcpy(pptr(), s, static_cast<std::size_t>(n));
  pbump(static_cast<int>(n));
  return n;
}

int SinkBuf::sync() { return drain() ? 0 : -1; }

bool SinkBuf::drain() {
  const bool ok = put(pbase(), static_cast<std::size_t>(pptr() - pbase()));
  setp(data_.data(), data_.data() + data_.size());
  return ok;
}

bool SinkBuf::put(const char* s, std::size_t n) {
  if (failed_) return false;
  if (n > 0 && !sink_(s, n)) failed_ = true;
  return !failed_;
}

}  // namespace numscope
