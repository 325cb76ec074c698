// The command registry: each command is a spec (options, help) and a function that returns a Result.
#pragma once

#include <cstddef>  // std::size_t
#include <iosfwd>  // std::istream, std::ostream
#include <span>    // std::span
#include <string>  // std::string
#include <string_view>  // std::string_view
#include <vector>  // std::vector

#include "numscope/support/error.h"
#include "numscope/tools/cli/args.h"
#include "numscope/support/result.h"

namespace numscope::cli {

/// What a command may touch: its input and output streams. Tests pass string streams.
struct Context {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  std::size_t terminal_width = 0;  // columns of the terminal `out` prints to; 0 when it is not one (no wrapping)
};

struct Command {
  CommandSpec spec;
  /// Parses the flags into the api's request and returns the api function's Result, which the caller renders
  /// in the chosen output format; its status is the exit code. A command that writes bytes itself (cast) writes
  /// to ctx.out and returns a Result without a command name. Bad input throws InputError (exit 2).
  Result (*run)(const Args& args, Context& ctx);
  /// For commands that may run for minutes: the names of the tables run(args) will return, so that --table and
  /// CSV are checked before the run (nullptr: checked when rendering).
  std::vector<std::string> (*tables)(const Args& args) = nullptr;
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
const Command& decode_command();
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
