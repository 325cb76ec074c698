// `numscope bench [--size BYTES]`: the flags of api::bench (conversion and quantize speed beside memcpy).
#include "numscope/api/bench.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

api::BenchRequest request(const Args& args) {
  api::BenchRequest req;
  if (args.has("size")) req.size = api::parse_bench_size(args.get("size"), "--size");
  req.formats = args.get("formats", api::kBenchFormats);
  if (args.has("quantize-size")) req.quantize_size = api::parse_bench_size(args.get("quantize-size"), "--quantize-size");
  req.quantize = !args.has("no-quantize");
  return req;
}

Result run(const Args& args, Context&) { return api::bench(request(args)); }

std::vector<std::string> tables(const Args& args) { return api::bench_table_names(request(args)); }

}  // namespace

const Command& bench_command() {
  static const Command kCommand{
      {"bench",
       "conversion speed beside memcpy, the CPU's instructions and the reference engine (like openssl speed)",
       "numscope bench [--size BYTES] [--formats LIST] [--quantize-size BYTES] [--no-quantize] [-o json]",
       "Times, in one run on the same data: memcpy of the fp32 bytes, each fast cast fp32 -> FORMAT and "
       "back\n"
       "(one thread and all cores), the CPU's own instruction where there is one (F16C, AVX-512 BF16), the\n"
       "scalar reference engine, and each default quantize scheme. Ratios compare times measured in this "
       "run,\n"
       "so they hold up better than GB/s on a busy machine. JSON: name, gbps, ratio_memcpy, ratio_hardware\n"
       "(null when there is no instruction), ratio_reference (null for the quantize rows).",
       {{"size", 's', "BYTES", "fp32 input size, K/M/G suffixes (default 64M)"},
        {"formats", 'f', "LIST", std::string("formats to time (default ") + api::kBenchFormats + ")"},
        {"quantize-size", 0, "BYTES", "fp32 input of the quantize rows (default 4M, at most --size)"},
        {"no-quantize", 0, "", "leave out the quantize rows"}},
       0,
       0},
      run,
      tables};
  return kCommand;
}

}  // namespace numscope::cli
