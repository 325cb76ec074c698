// The command registry and the program's top level: dispatch, --help, --version, and the exit-code contract.
#include <cstdlib>    // std::getenv
#include <exception>  // std::exception
#include <iostream>   // std::ostream
#include <new>        // std::bad_alloc
#include <string>     // std::string

#include "numscope/support/error.h"
#include "numscope/support/render.h"
#include "numscope/formats/fast/convert.h"
#include "numscope/tools/cli/command.h"
#include "numscope/tools/cli/manual.h"

namespace numscope::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = {
      formats_command(), store_command(), explain_command(), values_command(), decode_command(), cast_command(),
      tour_command(),    doc_tables_command(), quantize_command(), memory_command(), check_command(),
      verify_command(),  bench_command(), completion_command(),
  };
  return kCommands;
}

namespace {

std::string command_names() {
  std::string s;
  for (const auto& c : commands()) s += (s.empty() ? "" : ", ") + c.spec.name;
  return s;
}

std::string main_help() {
  std::string s =
      "numscope " NUMSCOPE_VERSION ": bit-exact numeric formats of machine learning\n\n"
      "Usage: numscope COMMAND [ARGS] [-o table|md|csv|json] [--table NAME]\n\nCommands:\n";
  for (const auto& c : commands()) {
    std::string name = "  " + c.spec.name;
    name += std::string(name.size() < 14 ? 14 - name.size() : 2, ' ');
    s += name + c.spec.summary + "\n";
  }
  s += "\nRun 'numscope COMMAND --help' for a command's options, 'numscope help --man' for the manual page.\n"
       "New here? Run 'numscope tour'.\n";
  s += "Exit codes: " + std::string(exit_status_text()) + "\n";
  s += "Environment: " + std::string(environment_text()) + "\n";
  return s;
}

/// The error contract is one line on stderr: control characters quoted from the input (a newline inside an
/// argument or a file name) are shown escaped, never as line breaks, as every text output shows them.
std::string one_line(std::string_view message) { return escape_controls(message); }

/// How to show the Result: -o, --table, --columns, --no-notes, --bare, and --width (else the terminal's).
RenderOptions render_options(const Args& args, const Context& ctx) {
  RenderOptions o;
  o.format = args.output;
  o.table = args.get("table");
  o.columns = args.list("columns");
  if (args.has("columns") && o.columns.empty()) throw InputError("--columns needs column keys, e.g. --columns name,max");
  // Notes, titles and column groups exist in text and Markdown only: elsewhere the flags would be ignored.
  if (o.format == OutputFormat::kCsv || o.format == OutputFormat::kJson)
    for (const char* flag : {"no-notes", "bare", "width"})
      if (args.has(flag))
        throw InputError(std::string("--") + flag + " shapes text and Markdown tables; -o " + args.get("output") +
                         " prints the data as it is");
  if (o.format == OutputFormat::kMarkdown && args.has("width"))
    throw InputError("--width cuts text tables; a Markdown table keeps its columns (-o table to cut it)");
  o.notes = !args.has("no-notes") && !args.has("bare");
  o.titles = !args.has("bare");
  o.width = static_cast<std::size_t>(args.get_int("width", static_cast<long long>(ctx.terminal_width), 0, 1000000));
  return o;
}

}  // namespace

std::string_view program_description() {
  return "numscope derives the numbers of machine-learning number formats (FP64 to FP4, the FP8 family, OCP MX,\n"
         "integers and user-defined eXmY) from their bit layouts and prints them exactly; it estimates LLM memory and\n"
         "compares quantization schemes on real tensors. Every command prints tables as aligned text, Markdown, CSV\n"
         "or JSON (-o). Bad input gets one line on stderr naming the problem and what would be accepted.";
}

std::string_view exit_status_text() {
  return "0 success, 1 a check failed (a false claim, a file without claims, no scheme meeting --max-bits or\n"
         "--min-sqnr), 2 bad input or a failed write (one line on stderr says why); a closed output pipe (| head)\n"
         "ends numscope silently by SIGPIPE (status 141).";
}

std::string_view environment_text() {
  return "NUMSCOPE_ISA=portable|avx2|avx512 caps the instruction set of the fast paths (the same bits).";
}

int run_main(std::span<const std::string> argv, Context& ctx) {
  try {
    if (argv.size() < 2) throw InputError("missing command: expected one of " + command_names() + " (numscope --help)");
    if (!fast::isa_cap_valid())
      throw InputError("NUMSCOPE_ISA='" + std::string(std::getenv("NUMSCOPE_ISA")) +
                       "' is not an instruction set: expected portable, avx2 or avx512 (or unset it)");
    const std::string& name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
      if (argv.size() > 2 && argv[2] == "--man") {
        if (argv.size() > 3) throw InputError("'numscope help --man' prints the whole manual page and takes nothing more");
        ctx.out << man_page();
        return 0;
      }
      if (argv.size() > 2) {
        for (const auto& c : commands())
          if (c.spec.name == argv[2]) {
            ctx.out << help_text(c.spec);
            return 0;
          }
        throw InputError("unknown command '" + argv[2] + "': expected one of " + command_names());
      }
      ctx.out << main_help();
      return 0;
    }
    if (name == "--version" || name == "-V" || name == "version") {
      ctx.out << "numscope " NUMSCOPE_VERSION "\n";
      return 0;
    }
    for (const auto& c : commands()) {
      if (c.spec.name != name) continue;
      const Args args = parse_args(c.spec, argv.subspan(2));
      if (args.help) {
        ctx.out << help_text(c.spec);
        return 0;
      }
      const RenderOptions options = render_options(args, ctx);  // checked before the command runs
      if (c.tables) check_table_choice(c.spec.name, c.tables(args), options);
      const Result result = c.run(args, ctx);
      if (!result.command.empty()) render(result, options, ctx.out);
      for (const std::string& e : result.errors) ctx.err << "numscope: " << one_line(e) << "\n";
      ctx.out.flush();
      return result.status;
    }
    throw InputError("unknown command '" + name.substr(0, 60) + "': expected one of " + command_names() +
                     " (numscope --help)");
  } catch (const InputError& e) {
    ctx.err << "numscope: " << e.what() << "\n";  // one line already: InputError escapes control characters
    return 2;
  } catch (const std::bad_alloc&) {
    ctx.err << "numscope: out of memory: the input is too large for this machine\n";
    return 2;
  } catch (const std::exception& e) {
    ctx.err << "numscope: internal error: " << one_line(e.what()) << " (please report it)\n";
    return 3;
  }
}

}  // namespace numscope::cli
