// The command registry: each command is a spec (options, help) and a function that fills a Report.
#pragma once

#include <iosfwd>  // std::istream, std::ostream
#include <span>    // std::span
#include <string>  // std::string
#include <string_view>  // std::string_view
#include <vector>  // std::vector

#include "numscope/support/error.h"
#include "numscope/tools/cli/args.h"
#include "numscope/tools/cli/table.h"

namespace numscope::cli {

/// What a command may touch: its input and output streams. Tests pass string streams.
struct Context {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

struct Command {
  CommandSpec spec;
  /// Runs the command and returns the exit code. Table-printing commands fill `report` and return 0;
  /// the caller renders it in the chosen output format. Commands that write bytes themselves (cast)
  /// write to ctx.out and leave `report` empty. Bad input throws InputError (exit 2).
  int (*run)(const Args& args, Context& ctx, Report& report);
};

/// All commands, in the order of `numscope --help`.
const std::vector<Command>& commands();

/// The paragraph of the man page's DESCRIPTION.
std::string_view program_description();
/// What each exit code means, and the environment numscope reads: `numscope --help` and the man page print them.
std::string_view exit_status_text();
std::string_view environment_text();

/// The whole program: `numscope COMMAND ...`; returns the exit code. Prints one line on ctx.err and returns
/// 2 for bad input.
int run_main(std::span<const std::string> argv, Context& ctx);

// One accessor per command (tools/cli/cmd_*.cpp).
const Command& formats_command();
const Command& store_command();
const Command& explain_command();
const Command& values_command();
const Command& cast_command();
const Command& tour_command();
const Command& doc_tables_command();
const Command& quantize_command();
const Command& memory_command();
const Command& check_command();
const Command& verify_command();
const Command& bench_command();
const Command& completion_command();

}  // namespace numscope::cli
