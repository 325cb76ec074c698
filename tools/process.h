// The process-level pieces of the numscope program, used by main() only (the library also runs inside Python and
// WebAssembly, whose signals and terminal are not ours): the signal handlers and the terminal width.
#pragma once

#include <cstddef>  // std::size_t

namespace numscope::cli {

/// SIGINT, SIGTERM, SIGHUP, SIGPIPE: remove the temporaries of unfinished outputs (support/atomic_file.h), then
/// die of the same signal (a closed pipe still ends the process silently with status 141).
/// SIGBUS: a mapped input shrank (support/mapped_inputs.h): one line "numscope: FILE changed size while being
/// read", temporaries removed, exit 2. SIGXFSZ: ignored, so a write past the file-size limit fails with EFBIG
/// and is reported like a full disk. Every handler is async-signal-safe: unlink, write and _exit only.
void install_signal_handlers();

/// The width in columns of the terminal on file descriptor `fd` (COLUMNS when set, else the terminal's own), or 0
/// when `fd` is not a terminal: wide text tables are cut to it only when a person reads them.
std::size_t terminal_width(int fd);

}  // namespace numscope::cli
