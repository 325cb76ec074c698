// Command-line parsing for numscope: each command declares its options; the parser checks them and builds help.
#pragma once

#include <map>          // std::map
#include <span>         // std::span
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/support/render.h"

namespace numscope::cli {

struct OptionSpec {
  std::string name;        // long name without dashes: "rounding"
  char short_name = 0;     // 'o' for -o, 0 for none
  std::string value_name;  // "MODE"; empty for a flag that takes no value
  std::string help;
  bool repeatable = false;  // may be given more than once (values accumulate)
  bool writes_file = false;  // names a file the command writes: refused in documents (doc-tables markers)
};

struct CommandSpec {
  std::string name;     // "store"
  std::string summary;  // one line for `numscope --help`
  std::string usage;    // "numscope store VALUE... [options]"
  std::string details;  // paragraphs after the options in `numscope store --help`
  std::vector<OptionSpec> options;  // -o/--output and -h/--help are added for every command
  int min_positional = 0;
  int max_positional = 0;  // -1: unbounded
  // false: the command writes its own bytes (cast, completion), so the options of rendering (-o, --table,
  // --columns, --no-notes, --bare, --width) would be ignored and are refused instead.
  bool renders = true;
};

/// Parsed arguments of one command.
struct Args {
  std::map<std::string, std::vector<std::string>> options;
  std::vector<std::string> positional;
  OutputFormat output = OutputFormat::kText;
  bool help = false;

  bool has(const std::string& name) const { return options.count(name) != 0; }
  /// The last value of an option, or `fallback`.
  std::string get(const std::string& name, const std::string& fallback = "") const;
  /// Every value of a repeatable option, with comma-separated lists split.
  std::vector<std::string> list(const std::string& name) const;
  /// A non-negative integer option; throws InputError naming the option on bad input.
  long long get_int(const std::string& name, long long fallback, long long min, long long max) const;
};

/// The options of rendering every table-printing command takes (-o/--output, --table, --columns, --no-notes,
/// --bare, --width, -h/--help), after its own in --help.
const std::vector<OptionSpec>& common_options();
/// The common options `spec` takes: all of them, or only -h/--help for a command that writes its own bytes.
std::vector<OptionSpec> common_options(const CommandSpec& spec);

/// Parses argv (after the command name) against the spec; throws InputError on an unknown option, a
/// missing value or a wrong number of positional arguments. `--` ends options.
Args parse_args(const CommandSpec& spec, std::span<const std::string> argv);

/// `numscope COMMAND --help`.
std::string help_text(const CommandSpec& spec);

}  // namespace numscope::cli
