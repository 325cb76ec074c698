// `numscope quantize`: the flags of api::quantize (schemes over a tensor: cost against error, a recommendation).
#include <unistd.h>  // isatty

#include <chrono>      // std::chrono
#include <cstdio>      // std::fprintf
#include <functional>  // std::function
#include <memory>      // std::make_shared
#include <mutex>       // std::mutex

#include <fmt/format.h>

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

/// "1.23 GB", "456 MB", "12.3 kB": a byte count rounded to 3 significant digits for the progress line.
std::string short_bytes(double b) {
  const char* unit[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  for (; b >= 999.5 && u < 4; ++u) b /= 1000;
  return fmt::format("{:.3g} {}", b, unit[u]);
}

/// "42 s", "3 min 12 s", "2 h 5 min".
std::string short_time(double s) {
  const auto t = static_cast<long long>(s + 0.5);
  if (t < 60) return fmt::format("{} s", t);
  if (t < 3600) return fmt::format("{} min {} s", t / 60, t % 60);
  return fmt::format("{} h {} min", t / 3600, t % 3600 / 60);
}

/// Rewrites one stderr line (at most ten times a second): in the statistics pass the tensor being read; then the
/// tensor, the input bytes done of the run's, the rate since the quantize pass began and the time left.
std::function<void(const api::QuantizeProgress&)> progress_line() {
  struct State {
    std::mutex m;
    std::chrono::steady_clock::time_point start, last;
    std::uint64_t start_bytes = 0;
    bool started = false;
  };
  auto st = std::make_shared<State>();
  return [st](const api::QuantizeProgress& p) {
    const std::lock_guard<std::mutex> lock(st->m);
    const auto now = std::chrono::steady_clock::now();
    if (!p.stats && !st->started) st->started = true, st->start = now, st->start_bytes = p.bytes_done;
    const bool end = !p.stats && p.bytes_done >= p.bytes_total;
    if (!end && now - st->last < std::chrono::milliseconds(100)) return;
    st->last = now;
    const std::string which = p.tensors > 1 ? fmt::format("[{}/{}] {}", p.index, p.tensors, p.tensor) : p.tensor;
    std::string line;
    if (p.stats) {
      line = fmt::format("{}: reading value statistics", which);
    } else {
      const double s = std::chrono::duration<double>(now - st->start).count();
      const double rate = s > 0 ? double(p.bytes_done - st->start_bytes) / s : 0;
      line = fmt::format("{}: {} of {} ({:.1f}%)", which, short_bytes(double(p.bytes_done)),
                         short_bytes(double(p.bytes_total)),
                         p.bytes_total ? 100.0 * double(p.bytes_done) / double(p.bytes_total) : 100.0);
      if (rate > 0) line += fmt::format("  {}/s  {} left", short_bytes(rate),
                                        short_time(double(p.bytes_total - p.bytes_done) / rate));
    }
    std::fprintf(stderr, "\r%s\033[K%s", line.c_str(), end ? "\r\033[K" : "");
    std::fflush(stderr);
  };
}

api::QuantizeRequest request(const Args& args) {
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
  q.imatrix = get_optional(args, "imatrix");
  q.include = args.list("include");
  q.exclude = args.list("exclude");
  q.include_1d = args.has("include-1d");
  q.per_layer = args.has("per-layer");
  q.percentiles = args.has("percentiles");
  q.histogram = static_cast<unsigned>(args.get_int("histogram", 0, 1, 1000));
  q.list_tensors = args.has("list-tensors");
  return q;
}

std::vector<std::string> tables(const Args& args) { return api::quantize_table_names(request(args)); }

Result run(const Args& args, Context&) {
  api::QuantizeRequest q = request(args);
  // Progress on stderr only when it is a terminal (a redirected or captured run stays silent).
  if (::isatty(2)) q.progress = progress_line();
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
       "several shards with repeated --input, or a model directory or its model.safetensors.index.json) or GGUF (v2/v3; F32, F16, BF16 and the ggml block types, dequantized "
       "as ggml's to_float), memory-mapped. A 2-D tensor's rows are its output channels: "
       "per-channel scales are per row, groups and blocks run along a row.\n\n"
       "--synthetic DIST[:n=N,shape=ROWSxCOLS,sigma=S,nu=V,outliers=FRACTION:MAGNITUDE,seed=K] with DIST normal, "
       "laplace, uniform or student-t (for example student-t:nu=3 or normal:n=65536,outliers=0.001:20,seed=1); "
       "values are rounded to fp32 and always the same for the same spec.\n\n"
       "Schemes: " + accepted_scheme_names() + ". Default: a representative set of every family.\n\n"
       "Recommendation: --max-bits and/or --min-sqnr pick the cheapest scheme meeting both; the note says why each "
       "cheaper one fails. When no scheme meets them, the table is still printed, one line on stderr says so and "
       "the exit code is 1. See docs/quantize.md for each scheme's definition and source.",
       {{"input", 'i', "FILE", "a .npy, .safetensors or GGUF file, or a model directory (repeatable)", true},
        {"tensor", 't', "NAME", "a tensor of a safetensors or GGUF input (repeatable)", true},
        {"all", 0, "", "every float tensor of the input, one row per tensor and scheme plus totals"},
        {"synthetic", 0, "SPEC", "a synthetic tensor instead of a file"},
        {"dtype", 0, "TYPE", "the type inside an ml_dtypes .npy saved as <V2 / <V1 (bf16, e4m3, e5m2)"},
        {"schemes", 's', "LIST", "comma-separated scheme names (repeatable); llama.cpp file types such as Q4_K_M or llama:Q8_0 type each tensor of a model as llama-quantize does", true},
        {"rounding", 0, "MODE", "element rounding of casts, scaled, integer, MX and NVFP4 schemes (default rne)"},
        {"threads", 'j', "N", "worker threads (default: every core); results do not depend on it"},
        {"mx-scale", 0, "RULE", "MX block scale rule: floor (OCP MX v1.0, default) or ceil"},
        {"max-bits", 0, "B", "recommend only schemes of at most B bits per element"},
        {"min-sqnr", 0, "D", "recommend only schemes with SQNR of at least D dB"},
        {"dump-dequantized", 0, "FILE", "write the dequantized tensor (float64 .npy) of one scheme", false, true},
        {"dump-scheme", 0, "NAME", "the scheme for --dump-dequantized (default: the recommended or only one)"},
        {"write-blocks", 0, "FILE", "write the blocks of the one ggml scheme (q8_0, q4_K, ...) in ggml's layout", false, true},
        {"ignore-nonfinite", 0, "", "analyse the finite values only when the input has NaN or inf"},
        {"imatrix", 0, "FILE", "llama.cpp importance matrix (GGUF or legacy .dat) for the ggml schemes that take weights"},
        {"include", 0, "GLOB", "--all: only tensors matching GLOB (* ? [..]; repeatable)", true},
        {"exclude", 0, "GLOB", "--all: leave out tensors matching GLOB (repeatable)", true},
        {"include-1d", 0, "", "--all: keep 1-D tensors (norms, biases), left out by default"},
        {"per-layer", 0, "", "add a table of each scheme summed per transformer block"},
        {"percentiles", 0, "", "add approximate p50/p90/p99/p99.9 of |err| and relative error"},
        {"histogram", 0, "BINS", "add a histogram of |err| in BINS logarithmic bins"},
        {"list-tensors", 0, "", "only list the input's tensors (dtype, shape, bytes, bits/elem) from the file headers, reading no data"}},
       0,
       0},
      run,
      tables};
  return kCommand;
}

}  // namespace numscope::cli
