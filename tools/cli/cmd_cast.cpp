// `numscope cast --from F --to G`: a binary filter converting little-endian codes from stdin to stdout.
#include <sys/stat.h>  // fstat: a regular file's size is checked before anything is written
#include <unistd.h>    // STDIN_FILENO

#include <istream>  // std::istream
#include <vector>   // std::vector

#include "formats/registry.h"
#include "tools/cli/command.h"
#include "tools/cli/common.h"

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

int run(const Args& args, Context& ctx, Report&) {
  if (!args.has("from") || !args.has("to"))
    throw InputError("cast needs --from FORMAT and --to FORMAT (e.g. numscope cast --from fp32 --to bf16 < in > out)");
  const Format from = find_format(args.get("from")), to = find_format(args.get("to"));
  Rng rng;
  const ConvertOptions opt = conversion_from(args, rng);
  const int in_bytes = container_bytes(from), out_bytes = container_bytes(to);
  // A regular file whose size is not a whole number of elements is refused before any output is written.
  struct stat st {};
  if (&ctx.in == &std::cin && fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) && st.st_size % in_bytes != 0)
    throw InputError("input is " + std::to_string(st.st_size) + " bytes, not a multiple of " +
                     std::to_string(in_bytes) + " (" + std::string(from.name) + " elements): trailing partial element");
  // 8- and 16-bit sources decode through a table; wider ones decode per element.
  const bool exact_double = fits_double(from);
  std::vector<double> table;
  if (exact_double && bits(from) <= 16) {
    table.resize(std::size_t{1} << bits(from));
    for (std::size_t c = 0; c < table.size(); ++c) table[c] = decode_double(from, c);
  }
  const int tf32_low_bits = from.storage_override ? from.storage_override - bits(from) : 0;
  constexpr std::size_t kChunk = 1 << 20;
  std::vector<unsigned char> in(kChunk * static_cast<std::size_t>(in_bytes));
  std::vector<unsigned char> out(kChunk * static_cast<std::size_t>(out_bytes));
  std::uint64_t offset = 0;
  for (;;) {
    ctx.in.read(reinterpret_cast<char*>(in.data()), static_cast<std::streamsize>(in.size()));
    const std::size_t got = static_cast<std::size_t>(ctx.in.gcount());
    if (got == 0) break;
    if (got % static_cast<std::size_t>(in_bytes) != 0 && (ctx.in.eof() || ctx.in.fail())) {
      ctx.out.flush();
      throw InputError("input ends with a partial element: " + std::to_string(offset + got) + " bytes is not a multiple of " +
                       std::to_string(in_bytes) + " (" + std::string(from.name) + "); the output is incomplete");
    }
    const std::size_t n = got / static_cast<std::size_t>(in_bytes);
    for (std::size_t i = 0; i < n; ++i) {
      u128 code = load_le(&in[i * in_bytes], in_bytes);
      if (tf32_low_bits) code >>= tf32_low_bits;  // tf32 keeps its 19 bits at the top of the fp32 container
      if (!valid_code(from, code))
        throw InputError("element " + std::to_string(offset / in_bytes + i) + " (byte offset " +
                         std::to_string(offset + i * in_bytes) + ") has bits set above the " + std::to_string(bits(from)) +
                         "-bit " + std::string(from.name) + " code; narrow codes go in the low bits");
      Encoded e;
      if (!table.empty()) e = encode(to, table[static_cast<std::size_t>(code)], opt);
      else if (exact_double) e = encode(to, decode_double(from, code), opt);
      else e = encode(to, decode(from, code).number(), opt);
      u128 outcode = e.code;
      if (to.storage_override) outcode <<= to.storage_override - bits(to);
      store_le(&out[i * out_bytes], out_bytes, outcode);
    }
    ctx.out.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(n * out_bytes));
    offset += got;
    if (!ctx.out) throw InputError("cannot write the output (disk full or closed pipe)");
  }
  return 0;
}

}  // namespace

const Command& cast_command() {
  static const Command kCommand{
      {"cast",
       "binary filter: convert little-endian codes from stdin to another format on stdout",
       "numscope cast --from FORMAT --to FORMAT [--rounding MODE] [--saturate] [--ftz] < in.bin > out.bin",
       "Element sizes: 16-bit formats 2 bytes, tf32 its 4-byte container (19 bits at the top, low 13 bits zero),\n"
       "32/64-bit formats 4/8 bytes, 8-bit and narrower formats one byte (narrow codes in the low bits).\n"
       "A trailing partial element is an error (exit 2), never silently dropped.",
       [] {
         auto o = conversion_options();
         o.insert(o.begin(), {{"from", 0, "FORMAT", "format of the input codes"},
                              {"to", 0, "FORMAT", "format of the output codes"}});
         return o;
       }(),
       0,
       0},
      run};
  return kCommand;
}

}  // namespace numscope::cli
