// numscope's entry point: installs the program's signal handlers, hands argv and the standard streams to the CLI
// library, and turns a failed write to stdout into one line on stderr and exit 2.
#include <cstring>   // std::strerror
#include <iostream>  // std::cin, std::cerr, std::ostream
#include <string>    // std::string
#include <vector>    // std::vector

#include "numscope/support/sink_buf.h"
#include "numscope/tools/cli/command.h"
#include "numscope/tools/process.h"

int main(int argc, char** argv) {
  numscope::cli::install_signal_handlers();
  std::ios::sync_with_stdio(false);
  int out_error = 0;  // the errno of the first failed write to stdout
  numscope::SinkBuf out_buf([&](const char* p, std::size_t n) { return (out_error = numscope::write_all(1, p, n)) == 0; });
  std::ostream out(&out_buf);
  const std::vector<std::string> args(argv, argv + argc);
  numscope::cli::Context ctx{std::cin, out, std::cerr, numscope::cli::terminal_width(1)};
  const int rc = numscope::cli::run_main(args, ctx);
  out.flush();
  // Disk full, a closed descriptor: not a success and not "a check failed" (1). A closed pipe never gets here:
  // SIGPIPE ends the process silently (status 141), the one documented exception to exit codes 0/1/2.
  if (out_error != 0 && rc != 2) {
    std::cerr << "numscope: cannot write the output to stdout: " << std::strerror(out_error) << "\n";
    return 2;
  }
  return rc;
}
