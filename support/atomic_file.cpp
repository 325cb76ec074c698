// AtomicFile (atomic_file.h): a random O_EXCL temporary next to the real target, checked writes, fsync, rename on
// success; in-place writes for FIFOs and character devices; a fixed table of live temporaries for signal handlers.
#include "numscope/support/atomic_file.h"

#include <fcntl.h>     // open, O_EXCL, O_NOFOLLOW
#include <limits.h>    // PATH_MAX
#include <sys/stat.h>  // stat, lstat, fstat, fchmod
#include <unistd.h>    // write, close, fsync, unlink, readlink, fchown

#include <atomic>      // std::atomic: slots read by a signal handler
#include <cerrno>      // errno
#include <cstdio>      // std::rename
#include <cstdlib>     // realpath, free
#include <cstring>     // std::strerror, std::memcpy
#include <filesystem>  // std::filesystem::weakly_canonical
#include <random>      // std::random_device: the temporary's unpredictable name
#include <vector>      // std::vector

#include "numscope/support/error.h"
#include "numscope/support/sink_buf.h"

namespace numscope {
namespace {

// ---- The table of live temporaries: written by AtomicFile, read by remove_temporaries_now() in a handler ----
// A slot is claimed (`used`), filled, then published (`live`); the handler unlinks only published paths. Lock-free
// atomics of bool are async-signal-safe; the paths are plain arrays, never freed.
constexpr int kSlots = 32;
constexpr std::size_t kMaxTmpPath = 4096;
struct Slot {
  std::atomic<bool> used{false}, live{false};
  char path[kMaxTmpPath];
};
Slot g_slots[kSlots];
std::atomic<int> g_read_only{0};  // live ReadOnlyScope objects

int claim_slot(const std::string& path) {
  if (path.size() >= kMaxTmpPath) return -1;
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (!g_slots[i].used.compare_exchange_strong(expected, true)) continue;
    std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
    g_slots[i].live.store(true);
    return i;
  }
  return -1;
}
void release_slot(int i) {
  if (i < 0) return;
  g_slots[i].live.store(false);
  g_slots[i].used.store(false);
}

std::string dir_of(const std::string& p) {
  const std::size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : p.substr(0, slash);
}
std::string base_of(const std::string& p) {
  const std::size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

/// Follows a chain of symlinks whose end does not exist yet (a dangling link is written through to where it
/// points, never replaced). Returns the path to create.
std::string follow_dangling(const std::string& path) {
  std::string cur = path;
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (::lstat(cur.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return cur;
    if (hops == 40) throw InputError("cannot write '" + path + "': too many levels of symbolic links");
    char buf[PATH_MAX];
    const ssize_t n = ::readlink(cur.c_str(), buf, sizeof buf - 1);
    if (n < 0) return cur;
    std::string to(buf, static_cast<std::size_t>(n));
    cur = to.starts_with('/') ? to : dir_of(cur) + "/" + to;
  }
}

std::string random_suffix() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;  // getrandom(2) on Linux
  std::string s;
  for (int i = 0; i < 3; ++i) {
    std::uint32_t r = rd();
    for (int k = 0; k < 4; ++k, r >>= 4) s += kHex[r & 15];
  }
  return s;
}

std::string label(const std::string& path, const std::string& what) {
  return "'" + path + "'" + (what.empty() ? "" : " (" + what + ")");
}

/// The identity of a path for comparing outputs and inputs: device and inode when it exists, else the absolute
/// normalised path it would be created at.
struct Identity {
  bool exists = false, chardev = false;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string where;
  bool operator==(const Identity& o) const {
    return exists == o.exists && (exists ? dev == o.dev && ino == o.ino : where == o.where);
  }
};
Identity identity_of(const std::string& path) {
  Identity id;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    id.exists = true;
    id.chardev = S_ISCHR(st.st_mode);
    id.dev = st.st_dev;
    id.ino = st.st_ino;
    return id;
  }
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::weakly_canonical(std::filesystem::absolute(follow_dangling(path)), ec);
  id.where = ec ? path : p.string();
  return id;
}

}  // namespace

ReadOnlyScope::ReadOnlyScope() { ++g_read_only; }
ReadOnlyScope::~ReadOnlyScope() { --g_read_only; }

AtomicFile::AtomicFile(const std::string& path, std::string what) : path_(path), what_(std::move(what)) {
  if (g_read_only.load() > 0)
    throw InputError("cannot write " + label(path, what_) + ": a document's commands may only read (no file is written)");
  if (path.empty()) throw InputError("an empty file name" + (what_.empty() ? "" : " for " + what_));
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (!exists && errno != ENOENT)
    throw InputError("cannot write " + label(path, what_) + ": " + std::strerror(errno));
  if (exists && !S_ISREG(st.st_mode)) {
    // Not a regular file: FIFOs and terminals/devices like /dev/null are written in place and never replaced.
    if (S_ISDIR(st.st_mode)) throw InputError(label(path, what_) + " is a directory: give a file name");
    if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
      throw InputError("cannot write " + label(path, what_) + ": it is a " +
                       (S_ISBLK(st.st_mode) ? "block device" : "socket or special file") +
                       "; numscope writes regular files, FIFOs and character devices");
    fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd_ < 0) throw InputError("cannot write " + label(path, what_) + ": " + std::strerror(errno));
    in_place_ = true;
    target_ = path;
    return;
  }
  if (exists) {  // a regular file, maybe through symlinks: write through to the real file
    char* real = ::realpath(path.c_str(), nullptr);
    target_ = real ? std::string(real) : path;
    std::free(real);
  } else {
    target_ = follow_dangling(path);
  }
  const std::string dir = dir_of(target_);
  std::string base = base_of(target_);
  if (base.empty() || base == "." || base == "..") throw InputError(label(path, what_) + " is not a file name");
  if (base.size() > 200) base.resize(200);  // the temporary's name stays within NAME_MAX (255)
  for (int attempt = 0; attempt < 64 && fd_ < 0; ++attempt) {
    tmp_ = (dir == "/" ? "" : dir) + "/." + base + ".numscope-" + random_suffix();
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);  // 0666 minus umask
    if (fd_ < 0 && errno != EEXIST) break;
  }
  if (fd_ < 0)
    throw InputError("cannot write " + label(path, what_) + ": cannot create a temporary file in '" + dir +
                     "': " + std::strerror(errno));
  slot_ = claim_slot(tmp_);
  if (slot_ < 0) {
    close_fd();
    ::unlink(tmp_.c_str());
    throw InputError("cannot write " + label(path, what_) + ": too many output files at once or a path too long");
  }
  if (exists) {  // keep the target's owner (where allowed) and permission bits; fchown first, it clears set-id bits
    if (::fchown(fd_, st.st_uid, st.st_gid) != 0) { /* not permitted: the file becomes ours, as with any editor */ }
    ::fchmod(fd_, st.st_mode & 07777);
  }
}

AtomicFile::~AtomicFile() {
  close_fd();
  if (!committed_ && !tmp_.empty() && !in_place_) ::unlink(tmp_.c_str());
  release_slot(slot_);
}

void AtomicFile::close_fd() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void AtomicFile::fail(const std::string& step, int err) {
  close_fd();
  if (!in_place_) {
    ::unlink(tmp_.c_str());
    release_slot(slot_);
    slot_ = -1;
  }
  throw InputError("cannot " + step + " " + label(path_, what_) + ": " + std::strerror(err) +
                   (in_place_ ? "" : "; '" + path_ + "' is unchanged"));
}

void AtomicFile::write(const void* data, std::size_t n) {
  if (fd_ < 0) throw InputError("cannot write " + label(path_, what_) + ": the file is closed");
  if (const int err = write_all(fd_, data, n)) fail("write", err);
}

std::ostream& AtomicFile::stream() {
  if (!stream_) {
    // An ostream swallows its buffer's exceptions: the message is kept for commit() to throw.
    buf_ = std::make_unique<SinkBuf>([this](const char* p, std::size_t n) {
      try {
        write(p, n);
        return true;
      } catch (const InputError& e) {
        stream_error_ = e.what();
        return false;
      }
    });
    stream_ = std::make_unique<std::ostream>(buf_.get());
  }
  return *stream_;
}

void AtomicFile::commit() {
  if (committed_) return;
  if (stream_) {
    stream_->flush();
    if (buf_->failed()) {
      close_fd();
      throw InputError(stream_error_);  // the temporary is already removed by fail()
    }
  }
  if (fd_ < 0) throw InputError("cannot write " + label(path_, what_) + ": the file is closed");
  if (in_place_) {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw InputError("cannot write " + label(path_, what_) + ": " + std::strerror(errno));
    committed_ = true;
    return;
  }
  // The data reaches the disk before the name does: a crash leaves the old file or the new one, never a torn one.
  if (::fsync(fd_) != 0 && errno != EINVAL) fail("write", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("write", errno);
  if (std::rename(tmp_.c_str(), target_.c_str()) != 0) fail("replace", errno);
  committed_ = true;
  release_slot(slot_);
  slot_ = -1;
  const int dir = ::open(dir_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);  // the rename, durable
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void check_distinct_files(std::span<const NamedPath> outputs, std::span<const NamedPath> inputs) {
  std::vector<Identity> ids;
  for (const NamedPath& o : outputs) ids.push_back(identity_of(o.path));
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (ids[i].chardev) continue;  // /dev/null twice is fine
    for (std::size_t j = 0; j < i; ++j)
      if (ids[i] == ids[j])
        throw InputError(outputs[j].option + " and " + outputs[i].option + " name the same file '" + outputs[i].path +
                         "': give each output its own file");
    for (const NamedPath& in : inputs)
      if (identity_of(in.path) == ids[i])
        throw InputError("'" + outputs[i].path + "' is both an input (" + in.option + ") and an output (" +
                         outputs[i].option + "): write the output to another file");
  }
}

void check_not_input_fd(const NamedPath& output, int fd, const std::string& input_name) {
  struct stat in {}, out {};
  if (::fstat(fd, &in) != 0 || !S_ISREG(in.st_mode) || ::stat(output.path.c_str(), &out) != 0) return;
  if (in.st_dev == out.st_dev && in.st_ino == out.st_ino)
    throw InputError("'" + output.path + "' is both the input (" + input_name + ") and the output (" + output.option +
                     "): write the output to another file");
}

void remove_temporaries_now() noexcept {
  for (Slot& s : g_slots)
    if (s.live.load()) ::unlink(s.path);
}

}  // namespace numscope
