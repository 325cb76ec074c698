// numscope's entry point: hands argv and the standard streams to the CLI library.
#include <iostream>  // std::cin, std::cout, std::cerr
#include <string>    // std::string
#include <vector>    // std::vector

#include "numscope/tools/cli/command.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const std::vector<std::string> args(argv, argv + argc);
  numscope::cli::Context ctx{std::cin, std::cout, std::cerr};
  const int rc = numscope::cli::run_main(args, ctx);
  std::cout.flush();
  return std::cout.good() ? rc : (rc == 0 ? 1 : rc);  // a failed write (disk full) is not a success
}
