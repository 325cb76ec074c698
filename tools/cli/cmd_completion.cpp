// `numscope completion bash|zsh`: the shell completion script, written from the same tables as --help.
#include "numscope/tools/cli/command.h"
#include "numscope/tools/cli/manual.h"

namespace numscope::cli {
namespace {

Result run(const Args& args, Context& ctx) {
  ctx.out << completion_script(args.positional[0]);
  return Result{};  // the script is the output: nothing to render
}

}  // namespace

const Command& completion_command() {
  static const Command kCommand{
      {"completion",
       "the bash or zsh completion script: commands, options, format names",
       "numscope completion SHELL",
       "SHELL is bash or zsh. Load it for this shell with\n"
       "  source <(numscope completion bash)\n"
       "or install it: cmake --install puts both scripts where bash-completion and zsh look (docs/install.md).",
       {},
       1,
       1,
       /*renders=*/false},
      run};
  return kCommand;
}

}  // namespace numscope::cli
