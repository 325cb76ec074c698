// `numscope verify [--exhaustive]`: the flags of api::verify (fast kernels against the engine, bit for bit).
#include "numscope/api/verify.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

Result run(const Args& args, Context&) {
  api::VerifyRequest req;
  req.exhaustive = args.has("exhaustive");
  req.formats = args.get("formats", api::kVerifyFormats);
  req.roundings = args.list("rounding");
  req.isa = args.get("isa", "best");
  req.threads = static_cast<unsigned>(args.get_int("threads", 0, 1, 1024));
  return api::verify(req);
}

}  // namespace

const Command& verify_command() {
  static const Command kCommand{
      {"verify",
       "prove the fast conversion kernels bit-exact against the engine (and the CPU's instructions)",
       "numscope verify [--exhaustive] [--formats LIST|all] [--rounding rne,rna] [--isa best|all|NAME] "
       "[--threads N]",
       "Encodes fp32 inputs through the fast kernels, the reference engine and, where the CPU has one, its "
       "own\n"
       "conversion instruction (F16C, AVX-512 BF16), for both overflow policies (IEEE and --saturate), and "
       "decodes\n"
       "every code back to fp32. --exhaustive covers all 2^32 inputs; without it one exponent in 16.\n"
       "Prints the mismatch count and the first mismatches with their bits; exit 1 on any mismatch.\n"
       "Default formats: " +
           std::string(api::kVerifyFormats) + "; --formats all: " + api::kVerifyAllFormats + ".",
       {{"exhaustive", 0, "", "all 2^32 fp32 inputs (default: a sample of exponents)"},
        {"formats", 'f', "LIST", std::string("formats to check (default ") + api::kVerifyFormats + ", or all)"},
        {"rounding", 'r', "LIST", "rne and/or rna (default rne, and rna too for tf32)", true},
        {"isa", 0, "NAME", "kernel instruction set: best (default), all, portable, avx2, avx512"},
        {"threads", 'j', "N", "worker threads (default: every core)"}},
       0,
       0},
      run};
  return kCommand;
}

}  // namespace numscope::cli
