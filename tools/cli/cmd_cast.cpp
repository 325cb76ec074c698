// `numscope cast --from F --to G`: a binary filter converting little-endian codes from stdin to stdout (or to
// --out FILE, replaced atomically), through the fast kernels (formats/fast/convert.h) where they apply.
#include <fcntl.h>     // fcntl F_SETPIPE_SZ
#include <sys/stat.h>  // fstat: a regular file's size is checked before anything is written
#include <unistd.h>    // STDIN_FILENO

#include <iostream>  // std::cin
#include <optional>  // std::optional
#include <vector>    // std::vector

#include "numscope/formats/fast/convert.h"
#include "numscope/formats/registry.h"
#include "numscope/support/atomic_file.h"
#include "numscope/tools/cli/command.h"
#include "numscope/tools/cli/common.h"

namespace numscope::cli {
namespace {

u128 load_le(const unsigned char* p, int n) {
  u128 v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
void store_le(unsigned char* p, int n, u128 v) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

/// Every value of `f` fits a double exactly: then decode_double + encode(double) is the exact path.
bool fits_double(const Format& f) {
  if (f.kind == Kind::kInt) return f.int_bits <= 53;
  return f.mantissa_bits <= 52 && emax(f) <= 1023 && emin(f) - f.mantissa_bits >= -1074;
}

/// The binary32 row (IEEE 754 §3.4), by its fields.
bool is_fp32(const Format& f) {
  return f.kind == Kind::kFloat && f.exponent_bits == 8 && f.mantissa_bits == 23 && f.bias == 127 &&
         f.nonfinite == Nonfinite::kIeee754 && f.has_sign && f.has_subnormals && storage_bits(f) == 32;
}

Result run(const Args& args, Context& ctx) {
  if (!args.has("from") || !args.has("to"))
    throw InputError(
        "cast needs --from FORMAT and --to FORMAT (e.g. numscope cast --from fp32 --to bf16 < in > out)");
  const Format from = find_format(args.get("from")), to = find_format(args.get("to"));
  Rng rng;
  const ConvertOptions opt = api::convert_options(conversion_from(args), rng);
  const int in_bytes = container_bytes(from), out_bytes = container_bytes(to);
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
  // The fast kernels: fp32 -> G and F -> fp32, bit for bit the engine (tests/formats/fast_convert_test.cpp,
  // numscope verify --exhaustive). Everything else goes through the engine per element.
  const fast::EncodeFn fast_encode = is_fp32(from) ? fast::encoder(to, opt) : nullptr;
  const fast::DecodeFn fast_decode = is_fp32(to) && !fast_encode ? fast::decoder(from, opt) : nullptr;
  // 8- and 16-bit sources decode through a table; wider ones decode per element.
  const bool exact_double = fits_double(from);
  const std::vector<double>* table = exact_double && bits(from) <= 16 && !fast_decode ? &decode_table(from) : nullptr;
  const int tf32_low_bits = from.storage_override ? from.storage_override - bits(from) : 0;
  // Large blocks (8 MiB of fp32 input), converted on this thread: one core converts at 10+ GB/s, faster than
  // a pipe or a disk delivers, and on a busy machine a second thread per block only waits for a core.
  constexpr std::size_t kChunk = std::size_t{1} << 21;
  std::vector<unsigned char> in(kChunk * static_cast<std::size_t>(in_bytes));
  std::vector<unsigned char> out(kChunk * static_cast<std::size_t>(out_bytes));
  std::uint64_t offset = 0;
  auto slow_block = [&](std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      u128 code = load_le(&in[i * in_bytes], in_bytes);
      if (tf32_low_bits) code >>= tf32_low_bits;  // tf32 keeps its 19 bits at the top of the fp32 container
      if (!valid_code(from, code))
        throw InputError("element " + std::to_string(offset / in_bytes + i) + " (byte offset " +
                         std::to_string(offset + i * in_bytes) + ") has bits set above the " +
                         std::to_string(bits(from)) + "-bit " + std::string(from.name) +
                         " code; narrow codes go in the low bits");
      Encoded e;
      if (table)
        e = encode(to, (*table)[static_cast<std::size_t>(code)], opt);
      else if (exact_double)
        e = encode(to, decode_double(from, code), opt);
      else
        e = encode(to, decode(from, code).number(), opt);
      u128 outcode = e.code;
      if (to.storage_override) outcode <<= to.storage_override - bits(to);
      store_le(&out[i * out_bytes], out_bytes, outcode);
    }
  };
  for (;;) {
    ctx.in.read(reinterpret_cast<char*>(in.data()), static_cast<std::streamsize>(in.size()));
    const std::size_t got = static_cast<std::size_t>(ctx.in.gcount());
    if (got == 0) break;
    const std::size_t n = got / static_cast<std::size_t>(in_bytes);
    const bool partial = got % static_cast<std::size_t>(in_bytes) != 0 && (ctx.in.eof() || ctx.in.fail());
    if (fast_encode) {
      fast_encode(reinterpret_cast<const float*>(in.data()), out.data(), n);
    } else if (fast_decode && fast::codes_valid(from, in.data(), n)) {
      fast_decode(in.data(), reinterpret_cast<float*>(out.data()), n);
    } else {
      slow_block(n);
    }
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
       "A trailing partial element is an error (exit 2), never silently dropped.\n"
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
                   {"out", 0, "FILE", "write to FILE (atomically: renamed into place on success)", false, true}});
         return o;
       }(),
       0, 0, /*renders=*/false},
      run};
  return kCommand;
}

}  // namespace numscope::cli
