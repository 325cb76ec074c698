// The CLI's process-level helpers (process.h): signal handlers (cleanup of temporaries, a shrunk mapped input
// reported as bad input) and the terminal's width.
#include "numscope/tools/process.h"

#include <signal.h>     // sigaction, SA_RESETHAND, SA_SIGINFO, raise
#include <sys/ioctl.h>  // ioctl, TIOCGWINSZ, winsize
#include <unistd.h>     // write, _exit, isatty

#include <cstdlib>  // std::getenv, std::strtol

#include "numscope/support/atomic_file.h"
#include "numscope/support/mapped_inputs.h"

namespace numscope::cli {
namespace {

/// Appends `s` to buf at *n, escaping control bytes (the error contract is one line), within `cap`.
void append(char* buf, std::size_t cap, std::size_t* n, const char* s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (; *s && *n + 4 < cap; ++s) {
    const auto u = static_cast<unsigned char>(*s);
    if (u < 0x20 || u == 0x7f) {
      buf[(*n)++] = '\\';
      buf[(*n)++] = 'x';
      buf[(*n)++] = kHex[u >> 4];
      buf[(*n)++] = kHex[u & 15];
    } else {
      buf[(*n)++] = *s;
    }
  }
}

extern "C" void on_terminate(int sig) {
  remove_temporaries_now();
  raise(sig);  // SA_RESETHAND restored the default action: the process dies of `sig` once this handler returns
}

extern "C" void on_bus(int, siginfo_t* info, void*) {
  remove_temporaries_now();
  char msg[1200];
  std::size_t n = 0;
  const char* path = mapping_path_at(info ? info->si_addr : nullptr);
  append(msg, sizeof msg, &n, "numscope: ");
  if (path) {
    append(msg, sizeof msg, &n, path);
    append(msg, sizeof msg, &n, " changed size while being read (truncated by another program?)");
  } else {
    append(msg, sizeof msg, &n, "an input file changed size while being read (bus error)");
  }
  msg[n++] = '\n';
  [[maybe_unused]] const ssize_t w = write(2, msg, n);
  _exit(2);
}

}  // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_terminate;
  sa.sa_flags = SA_RESETHAND;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) {
    struct sigaction old {};
    // A signal the parent set to be ignored (nohup, a shell's background job) stays ignored; SIGPIPE never is: a
    // closed pipe (`| head`) ends numscope silently, whatever the parent ignored.
    if (sig != SIGPIPE && sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaction(sig, &sa, nullptr);
  }
  struct sigaction bus {};
  sigemptyset(&bus.sa_mask);
  bus.sa_sigaction = on_bus;
  bus.sa_flags = SA_SIGINFO;
  sigaction(SIGBUS, &bus, nullptr);
  signal(SIGXFSZ, SIG_IGN);
}

std::size_t terminal_width(int fd) {
  if (!isatty(fd)) return 0;
  if (const char* columns = std::getenv("COLUMNS")) {
    const long n = std::strtol(columns, nullptr, 10);
    if (n > 0 && n < 100000) return static_cast<std::size_t>(n);
  }
  winsize w{};
  if (ioctl(fd, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
  return 0;
}

}  // namespace numscope::cli
