// The one way numscope writes a file: whole or not at all. A regular target is written to a fresh temporary file
// in its own folder and renamed over it only when every byte, the fsync and the close succeeded; a target that is
// not a regular file (a FIFO, a terminal, /dev/null) is written in place and never replaced.
//
// Every output of every front end goes through AtomicFile (cast --out, quantize --write-blocks and
// --dump-dequantized, doc-tables --update). The library installs no signal handler (it also runs inside Python
// and WebAssembly); a program that wants temporaries removed when it is interrupted calls
// remove_temporaries_now() from its own handler (tools/main.cpp does, for SIGINT, SIGTERM, SIGHUP and SIGPIPE).
#pragma once

#include <cstddef>      // std::size_t
#include <memory>       // std::unique_ptr
#include <ostream>      // std::ostream
#include <span>         // std::span
#include <string>       // std::string

#include "numscope/support/sink_buf.h"

namespace numscope {

/// An output file written atomically.
///
/// Example:
///   AtomicFile out("table.bin", "--out");
///   out.write(data, size);   // throws InputError "cannot write ...; 'table.bin' is unchanged" on ENOSPC, EFBIG, ...
///   out.commit();            // fsync, close, rename: only now does table.bin change
///
/// - The temporary `.NAME.numscope-XXXXXXXXXXXX` is created with O_EXCL and a random name next to the real
///   target, so a planted file or symlink at a predictable name is never written through, and two runs never
///   share a temporary.
/// - A symlinked target is written through to its real file (the link stays a link); an existing target keeps
///   its permission bits (and its owner, where the process may set it); a new one gets 0666 minus the umask.
/// - Targets that are not regular files: FIFOs and character devices are opened and written in place (no
///   temporary, no rename; a failure may leave part of the output there, as a shell redirection would);
///   directories, block devices and sockets are refused before anything is written.
/// - Destroyed without commit(): the temporary is removed, the target is untouched. While the temporary exists
///   its path sits in a fixed table that remove_temporaries_now() empties.
class AtomicFile {
 public:
  /// `what` names the output in messages (an option like "--out"); may be empty.
  explicit AtomicFile(const std::string& path, std::string what = "");
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Writes all `n` bytes (retrying short writes and EINTR); throws InputError naming the target on failure.
  void write(const void* data, std::size_t n);
  /// A std::ostream onto this file (buffered); a failed write makes later writes no-ops and is thrown by
  /// commit(). For libraries that take an std::ostream (quantize's block writer).
  std::ostream& stream();
  /// Flushes the stream, fsyncs, closes and renames the temporary over the target (or closes the in-place
  /// target). Throws InputError and leaves the target unchanged when any step fails.
  void commit();

  /// The path as the user gave it.
  const std::string& path() const { return path_; }
  /// True when the target is written in place (FIFO, character device).
  bool in_place() const { return in_place_; }

 private:
  [[noreturn]] void fail(const std::string& step, int err);
  void close_fd() noexcept;

  std::string path_, what_, target_, tmp_;
  int fd_ = -1, slot_ = -1;
  bool in_place_ = false, committed_ = false;
  std::unique_ptr<SinkBuf> buf_;
  std::unique_ptr<std::ostream> stream_;
  std::string stream_error_;  // the first failed write through stream()
};

/// One path the user named, with the option that named it ("--out", "--input", "stdin").
struct NamedPath {
  std::string option;
  std::string path;
};

/// Refuses, before anything is written, two outputs that name the same file (through different spellings,
/// symlinks or hard links) and an output that names an input of the same run. Character devices (/dev/null)
/// may be named more than once. Throws InputError naming both options.
void check_distinct_files(std::span<const NamedPath> outputs, std::span<const NamedPath> inputs = {});

/// Refuses an output that is the file open on descriptor `fd` (cast --out FILE < FILE): reading and replacing
/// one file in one run would read the output back.
void check_not_input_fd(const NamedPath& output, int fd, const std::string& input_name);

/// While one lives, AtomicFile refuses to open any file: what runs meanwhile may only read. doc-tables holds one
/// around the commands of a document's markers (a document that is merely checked must not write files).
class ReadOnlyScope {
 public:
  ReadOnlyScope();
  ~ReadOnlyScope();
  ReadOnlyScope(const ReadOnlyScope&) = delete;
  ReadOnlyScope& operator=(const ReadOnlyScope&) = delete;
};

/// Unlinks every temporary file of live AtomicFile objects. Async-signal-safe (unlink only, over a fixed table):
/// meant for a program's SIGINT/SIGTERM/SIGHUP handler, which then re-raises the signal.
void remove_temporaries_now() noexcept;

}  // namespace numscope
