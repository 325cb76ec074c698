// The man page and the shell completions of numscope, generated from the same command tables as --help.
#pragma once

#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/tools/cli/args.h"

namespace numscope::cli {

/// numscope(1) in roff (man(7) macros): every command with its usage, summary, options and details, the common
/// options, exit status and environment, all read from commands() and common_options().
std::string man_page();

/// A completion script for `shell` ("bash" or "zsh"): commands, each command's options, and the values the
/// tables name (format names, rounding modes, output formats, files); throws InputError for another shell.
std::string completion_script(std::string_view shell);

/// What completes the value of one option, or a positional argument, as the scripts complete it.
struct ValueCompletion {
  enum class Kind { kNone, kWords, kFiles } kind = Kind::kNone;
  std::vector<std::string> words;  // kWords: the candidates
};
/// The completion of `option`'s value: files for FILE/PATH/DIR values; format, scheme or model names for the
/// options that take them; the choices its help lists ("inference, train, lora or qlora"); else nothing.
ValueCompletion option_completion(const OptionSpec& option);
/// The completion of the positional arguments of `spec`, from its usage line: FORMAT -> format names,
/// PATH/FILE -> files, anything else (VALUE, CODE) nothing.
ValueCompletion positional_completion(const CommandSpec& spec);

}  // namespace numscope::cli
