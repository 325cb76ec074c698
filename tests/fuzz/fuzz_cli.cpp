// libFuzzer target: the whole CLI in-process (run_main): argument parsing, every command's option handling and
// the exit-code contract.
//
// Input: arguments separated by NUL bytes; the bytes after the first "\0\0\0" are stdin (for cast). Skipped, so
// that a run never reads or writes files and stays fast: doc-tables, verify, bench, the options --input, --config, --out,
// --write-blocks, --dump-dequantized, check with paths, and synthetic tensors other than n=N with N < 10000.
// Properties: the exit code is 0, 1 or 2 (3 is an internal error: a finding); exit 2 prints exactly one line
// "numscope: ..." on stderr and, except for commands that report per item (check, cast streaming), nothing on
// stdout; exit 0 prints nothing on stderr but, for cast, at most one line "numscope: note: ..." (its count of
// saturations: the bytes are its output).
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "numscope/support/error.h"
#include "tests/fuzz/fuzz_io.h"
#include "numscope/tools/cli/command.h"

using namespace numscope;
using namespace numscope::cli;

namespace {

/// True when the arguments are safe to run in the fuzzer: no file system access, bounded work.
bool allowed(const std::vector<std::string>& argv) {
  if (argv.size() < 2) return true;
  const std::string& name = argv[1];
  // doc-tables reads and rewrites files; verify and bench run for minutes by design.
  if (name == "doc-tables" || name == "verify" || name == "bench") return false;
  for (const Command& c : commands()) {
    if (c.spec.name != name) continue;
    Args args;
    try {
      args = parse_args(c.spec, std::span<const std::string>(argv).subspan(2));
    } catch (const InputError&) {
      return true;  // refused while parsing: nothing is touched
    }
    for (const char* o : {"input", "config", "write-blocks", "dump-dequantized", "out"})
      if (args.has(o)) return false;
    if (name == "check" && !args.positional.empty()) return false;
    if (args.has("synthetic")) {
      const std::string s = args.get("synthetic");
      int run = 0;
      for (char ch : s) {
        run = (ch >= '0' && ch <= '9') ? run + 1 : 0;
        if (run > 4) return false;
      }
      if (s.find("shape") != std::string::npos || s.find("n=") == std::string::npos) return false;
    }
    return true;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  std::string stdin_bytes;
  if (const auto at = bytes.find(std::string("\0\0\0", 3)); at != std::string::npos) {
    stdin_bytes = bytes.substr(at + 3);
    bytes.resize(at);
  }
  std::vector<std::string> argv = {"numscope"};
  std::size_t start = 0;
  while (start <= bytes.size() && !bytes.empty()) {
    std::size_t end = bytes.find('\0', start);
    if (end == std::string::npos) end = bytes.size();
    argv.push_back(bytes.substr(start, end - start));
    start = end + 1;
  }
  if (argv.size() > 64 || !allowed(argv)) return 0;

  std::istringstream in(stdin_bytes);
  std::ostringstream out, err;
  Context ctx{in, out, err};
  const int rc = run_main(argv, ctx);
  const std::string e = err.str(), o = out.str();
  const std::string name = argv.size() > 1 ? argv[1] : "";
  auto fail = [&](const std::string& what) {
    std::string shown;
    for (const auto& a : argv) shown += "[" + a.substr(0, 80) + "] ";
    fuzz::fail("fuzz_cli", what + "\n  argv: " + shown + "\n  stderr: " + e.substr(0, 600));
  };
  if (rc != 0 && rc != 1 && rc != 2) fail("exit code " + std::to_string(rc));
  if (rc == 2 && name != "check") {
    if (e.rfind("numscope: ", 0) != 0) fail("an error that does not start with 'numscope: '");
    if (e.find('\n') != e.size() - 1) fail("an error that is not exactly one line");
    if (name != "cast" && !o.empty()) fail("output printed before an error");
  }
  const bool cast_note = name == "cast" && e.rfind("numscope: note: ", 0) == 0 && e.find('\n') == e.size() - 1;
  if (rc == 0 && !e.empty() && !cast_note) fail("a success that printed on stderr");
  return 0;
}
