// `numscope cast --from F --to G`: a binary filter converting little-endian codes from stdin to stdout (or to
// --out FILE, replaced atomically), through the fast kernels (formats/fast/convert.h) where they apply.
#include <fcntl.h>     // fcntl F_SETPIPE_SZ
#include <sys/stat.h>  // fstat: a regular file's size is checked before anything is written
#include <unistd.h>    // STDIN_FILENO

#include <iostream>  // std::cin
#include <optional>  // std::optional
#include <vector>    // std::vector

#include "numscope/api/cast.h"
#include "numscope/io/code_cast.h"
#include "numscope/formats/registry.h"
#include "numscope/support/atomic_file.h"
#include "numscope/tools/cli/command.h"
#include "numscope/tools/cli/common.h"

namespace numscope::cli {
namespace {

Result run(const Args& args, Context& ctx) {
  api::CastRequest request;
  request.from = args.get("from");
  request.to = args.get("to");
  request.conversion = conversion_from(args);
  if (args.has("out")) request.out = args.get("out");
  request.nan_to = args.get("nan-to", "error");
  request.tf32_truncate = args.has("tf32-truncate");
  const api::CastPlan plan = api::plan_cast(request);
  const Format from = plan.from, to = plan.to;
  Rng rng;
  const ConvertOptions opt = api::convert_options(request.conversion, rng);
  const int in_bytes = plan.in_bytes, out_bytes = plan.out_bytes;
  // A regular file whose size is not a whole number of elements is refused before any output is written.
  struct stat st {};
  if (&ctx.in == &std::cin && fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) &&
      st.st_size % in_bytes != 0)
    throw InputError("input is " + std::to_string(st.st_size) + " bytes, not a multiple of " +
                     std::to_string(in_bytes) + " (" + std::string(from.name) +
                     " elements): trailing partial element");
  if (&ctx.in == &std::cin && fstat(STDIN_FILENO, &st) == 0 && S_ISDIR(st.st_mode))
    throw InputError("stdin is a directory: redirect a file of " + std::string(from.name) +
                     " codes (< in.bin)");
    // A larger pipe lets the writer run ahead while a block converts (Linux F_SETPIPE_SZ; a no-op elsewhere).
#ifdef F_SETPIPE_SZ
  if (&ctx.in == &std::cin && S_ISFIFO(st.st_mode)) fcntl(STDIN_FILENO, F_SETPIPE_SZ, 1 << 20);
#endif
  std::optional<AtomicFile> file;
  if (args.has("out")) {
    if (&ctx.in == &std::cin) check_not_input_fd({"--out", args.get("out")}, STDIN_FILENO, "stdin");
    file.emplace(args.get("out"), "--out");  // support/atomic_file.h: written whole or not at all
  }
  // The conversion, with no silent wrong code: NaN without a NaN code refused or mapped (--nan-to), stray tf32
  // container bits refused or dropped (--tf32-truncate), saturations counted (io/code_cast.h).
  CodeCast cast(from, to, opt, plan.policy);
  // Large blocks (8 MiB of fp32 input), converted on this thread: one core converts at 10+ GB/s, faster than
  // a pipe or a disk delivers, and on a busy machine a second thread per block only waits for a core.
  constexpr std::size_t kChunk = std::size_t{1} << 21;
  std::vector<unsigned char> in(kChunk * static_cast<std::size_t>(in_bytes));
  std::vector<unsigned char> out(kChunk * static_cast<std::size_t>(out_bytes));
  std::uint64_t offset = 0;
  for (;;) {
    ctx.in.read(reinterpret_cast<char*>(in.data()), static_cast<std::streamsize>(in.size()));
    const std::size_t got = static_cast<std::size_t>(ctx.in.gcount());
    if (got == 0) break;
    const std::size_t n = got / static_cast<std::size_t>(in_bytes);
    const bool partial = got % static_cast<std::size_t>(in_bytes) != 0 && (ctx.in.eof() || ctx.in.fail());
    cast.convert(in.data(), out.data(), n, offset / static_cast<std::uint64_t>(in_bytes));
    const std::size_t bytes = n * static_cast<std::size_t>(out_bytes);
    if (file) {
      file->write(out.data(), bytes);
    } else {
      ctx.out.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(bytes));
      if (!ctx.out) throw InputError("cannot write the output (disk full or closed pipe)");
    }
    if (partial) {  // the whole elements before it are written to a stream; --out leaves no file
      ctx.out.flush();
      throw InputError("input ends with a partial element: " + std::to_string(offset + got) +
                       " bytes is not a multiple of " + std::to_string(in_bytes) + " (" +
                       std::string(from.name) + "); " +
                       (file ? "no output file was written" : "the output is incomplete"));
    }
    offset += got;
  }
  if (ctx.in.bad())
    throw InputError("cannot read the input (a read error after " + std::to_string(offset) + " bytes)");
  if (file) file->commit();
  // Saturations and the like are not errors, but never silent: one note on stderr (the bytes are the output).
  if (const std::string note = cast.summary(); !note.empty()) ctx.err << "numscope: note: " << note << "\n";
  return Result{};  // the bytes are the output: nothing to render
}

}  // namespace

const Command& cast_command() {
  static const Command kCommand{
      {"cast", "binary filter: convert little-endian codes from stdin to another format on stdout",
       "numscope cast --from FORMAT --to FORMAT [--rounding MODE] [--saturate] [--ftz] [--out FILE] < in.bin "
       "> out.bin",
       "Element sizes: 16-bit formats 2 bytes, tf32 its 4-byte container (19 bits at the top, low 13 bits "
       "zero),\n"
       "32/64-bit formats 4/8 bytes, 8-bit and narrower formats one byte (narrow codes in the low bits).\n"
       "A trailing partial element is an error (exit 2), never silently dropped. No code is silently wrong:\n"
       "NaN into a format without NaN (e2m1, e3m2, e2m3, integers) is refused naming the element, unless\n"
       "--nan-to zero|max says what to store; tf32 codes with bits set below their 19-bit field are refused\n"
       "unless --tf32-truncate (a NaN container stays NaN); saturations to ±max and overflows to inf/NaN are\n"
       "counted in one note on stderr (exit 0).\n"
       "fp32 to fp16, bf16, tf32, the fp8 formats, e3m2, e2m3 and e2m1 (rne or rna, no --ftz), and each of "
       "them\n"
       "back to fp32, run through fast kernels checked bit for bit against the engine (numscope verify).\n"
       "--out FILE writes a temporary file next to FILE and renames it over FILE only when the whole input\n"
       "converted; an error or an interrupt leaves FILE as it was. A symlink is written through, the mode kept;\n"
       "a FIFO or a character device (/dev/null) is written in place, never replaced.",
       [] {
         auto o = conversion_options();
         o.insert(o.begin(),
                  {{"from", 0, "FORMAT", "format of the input codes"},
                   {"to", 0, "FORMAT", "format of the output codes"},
                   {"out", 0, "FILE", "write to FILE (atomically: renamed into place on success)", false, true},
                   {"nan-to", 0, "POLICY", "NaN into a format without NaN: error (default), zero (+0) or max (+max)"},
                   {"tf32-truncate", 0, "", "drop set bits below tf32's 19-bit field instead of refusing them"}});
         return o;
       }(),
       0, 0, /*renders=*/false},
      run};
  return kCommand;
}

}  // namespace numscope::cli
