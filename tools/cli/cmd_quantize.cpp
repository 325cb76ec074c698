// `numscope quantize`: the flags of api::quantize (schemes over a tensor: cost against error, a recommendation).
#include "numscope/api/quantize.h"
#include "numscope/formats/number.h"
#include "numscope/formats/scheme.h"
#include "numscope/support/error.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

std::optional<double> get_double(const Args& args, const std::string& name) {
  if (!args.has(name)) return std::nullopt;
  const std::string v = args.get(name);
  const std::optional<double> d = parse_finite_double(v);
  if (!d) throw InputError("--" + name + " needs a number, got '" + v + "'");
  return *d;
}

std::optional<std::string> get_optional(const Args& args, const std::string& name) {
  if (!args.has(name)) return std::nullopt;
  return args.get(name);
}

Result run(const Args& args, Context&) {
  if (args.has("dump-scheme") && !args.has("dump-dequantized"))
    throw InputError("--dump-scheme picks the scheme of --dump-dequantized FILE: give that too, or leave it out");
  api::QuantizeRequest q;
  q.inputs = args.list("input");
  q.tensors = args.list("tensor");
  q.all = args.has("all");
  q.synthetic = get_optional(args, "synthetic");
  q.dtype = get_optional(args, "dtype");
  q.schemes = args.list("schemes");
  q.rounding = args.get("rounding", "rne");
  q.threads = static_cast<unsigned>(args.get_int("threads", 0, 1, 1024));
  q.mx_scale = args.get("mx-scale", "floor");
  q.max_bits = get_double(args, "max-bits");
  q.min_sqnr = get_double(args, "min-sqnr");
  q.dump_dequantized = get_optional(args, "dump-dequantized");
  q.dump_scheme = args.get("dump-scheme");
  q.write_blocks = get_optional(args, "write-blocks");
  q.ignore_nonfinite = args.has("ignore-nonfinite");
  return api::quantize(q);
}

}  // namespace

const Command& quantize_command() {
  static const Command kCommand{
      {"quantize",
       "quantize a tensor with many schemes; cost in bits against error, and a recommendation",
       "numscope quantize (--input FILE... [--tensor NAME... | --all] | --synthetic SPEC) [--schemes LIST] "
       "[--max-bits B] [--min-sqnr D]",
       "Input: .npy (versions 1-3, float16/32/64, C or Fortran order) or .safetensors (F32, F16, BF16, F64, F8_*; "
       "several shards with repeated --input), memory-mapped. A 2-D tensor's rows are its output channels: "
       "per-channel scales are per row, groups and blocks run along a row.\n\n"
       "--synthetic DIST[:n=N,shape=ROWSxCOLS,sigma=S,nu=V,outliers=FRACTION:MAGNITUDE,seed=K] with DIST normal, "
       "laplace, uniform or student-t (for example student-t:nu=3 or normal:n=65536,outliers=0.001:20,seed=1); "
       "values are rounded to fp32 and always the same for the same spec.\n\n"
       "Schemes: " + accepted_scheme_names() + ". Default: a representative set of every family.\n\n"
       "Recommendation: --max-bits and/or --min-sqnr pick the cheapest scheme meeting both; the note says why each "
       "cheaper one fails. When no scheme meets them, the table is still printed, one line on stderr says so and "
       "the exit code is 1. See docs/quantize.md for each scheme's definition and source.",
       {{"input", 'i', "FILE", "a .npy or .safetensors file (repeat for shards)", true},
        {"tensor", 't', "NAME", "a tensor of a safetensors input (repeatable)", true},
        {"all", 0, "", "every float tensor of the input, one row per tensor and scheme plus totals"},
        {"synthetic", 0, "SPEC", "a synthetic tensor instead of a file"},
        {"dtype", 0, "TYPE", "the type inside an ml_dtypes .npy saved as <V2 / <V1 (bf16, e4m3, e5m2)"},
        {"schemes", 's', "LIST", "comma-separated scheme names (repeatable)", true},
        {"rounding", 0, "MODE", "element rounding of casts, scaled, integer, MX and NVFP4 schemes (default rne)"},
        {"threads", 'j', "N", "worker threads (default: every core); results do not depend on it"},
        {"mx-scale", 0, "RULE", "MX block scale rule: floor (OCP MX v1.0, default) or ceil"},
        {"max-bits", 0, "B", "recommend only schemes of at most B bits per element"},
        {"min-sqnr", 0, "D", "recommend only schemes with SQNR of at least D dB"},
        {"dump-dequantized", 0, "FILE", "write the dequantized tensor (float64 .npy) of one scheme", false, true},
        {"dump-scheme", 0, "NAME", "the scheme for --dump-dequantized (default: the recommended or only one)"},
        {"write-blocks", 0, "FILE", "write the q8_0 or q4_0 blocks in ggml's byte layout", false, true},
        {"ignore-nonfinite", 0, "", "analyse the finite values only when the input has NaN or inf"}},
       0,
       0},
      run};
  return kCommand;
}

}  // namespace numscope::cli
