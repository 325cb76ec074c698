// `numscope bench [--size BYTES]`: conversion speed in one run beside its limits, like `openssl speed`:
// memcpy of the same bytes, each fast kernel, the CPU's own instruction, the scalar reference engine, and the
// quantizers.
#include <fmt/format.h>  // fmt::format

#include <algorithm>  // std::min
#include <chrono>     // std::chrono::steady_clock
#include <cmath>      // std::ldexp
#include <cstring>    // std::memcpy
#include <vector>     // std::vector

#include "numscope/formats/fast/convert.h"
#include "numscope/support/parallel.h"
#include "numscope/quantize/quantize.h"
#include "numscope/formats/registry.h"
#include "numscope/formats/scheme.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

/// An fp32 tensor in memory, read as `numscope quantize` reads a mapped fp32 file.
class Fp32Source : public RowSource {
 public:
  Fp32Source(std::vector<float> data, std::uint64_t rows, std::uint64_t cols)
      : data_(std::move(data)), rows_(rows), cols_(cols) {}
  std::uint64_t rows() const override { return rows_; }
  std::uint64_t cols() const override { return cols_; }
  void read_range(std::uint64_t first, std::uint64_t count, double* out) const override {
    for (std::uint64_t i = 0; i < count; ++i) out[i] = static_cast<double>(data_[first + i]);
  }

 private:
  std::vector<float> data_;
  std::uint64_t rows_, cols_;
};

const char* const kFormats = "fp16,bf16,tf32,e5m2,e4m3,e4m3fnuz,e5m2fnuz,e3m2,e2m3,e2m1";

/// BYTES with an optional K, M, G (powers of 1024) suffix.
std::uint64_t parse_size(const std::string& s) {
  std::size_t i = 0;
  std::uint64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && v < (1ULL << 40))
    v = v * 10 + std::uint64_t(s[i++] - '0');
  std::uint64_t mult = 1;
  if (i < s.size()) {
    const char c = static_cast<char>(s[i] | 0x20);
    mult = c == 'k' ? 1ULL << 10 : c == 'm' ? 1ULL << 20 : c == 'g' ? 1ULL << 30 : 0;
    ++i;
    if (i < s.size() && (s[i] == 'i' || s[i] == 'I')) ++i;
    if (i < s.size() && (s[i] == 'b' || s[i] == 'B')) ++i;
  }
  if (i == 0 || i != s.size() || mult == 0 || v * mult < 1024 || v * mult > (16ULL << 30))
    throw InputError("--size '" + s +
                     "': expected bytes from 1K to 16G, optionally with K, M or G (e.g. 64M)");
  return v * mult;
}

/// Deterministic fp32 test data: magnitudes over 2^-12 .. 2^12 (weights and activations), both signs.
std::vector<float> make_input(std::size_t n) {
  std::vector<float> v(n);
  Rng rng{12345};
  for (auto& x : v) {
    const std::uint64_t r = rng.next();
    const double u = double(r >> 11) * 0x1p-53;  // [0, 1)
    const int e = int((r >> 3) % 25) - 12;
    x = static_cast<float>(std::ldexp((r & 1) ? -u : u, e));
  }
  return v;
}

/// Best (least) seconds of `fn` over at least 3 runs and about `budget` seconds: other processes only ever
/// add.
template <class Fn>
double best_time(Fn fn, double budget = 0.25) {
  using clock = std::chrono::steady_clock;
  double best = 1e30, spent = 0;
  for (int k = 0; k < 3 || (spent < budget && k < 50); ++k) {
    const auto t0 = clock::now();
    fn();
    const double s = std::chrono::duration<double>(clock::now() - t0).count();
    best = std::min(best, s);
    spent += s;
  }
  return best;
}

std::string size_text(std::uint64_t bytes) {
  if (bytes >= (1ULL << 30)) return fmt::format("{} GiB", double(bytes) / double(1ULL << 30));
  if (bytes >= (1ULL << 20)) return fmt::format("{} MiB", double(bytes) / double(1ULL << 20));
  return fmt::format("{} KiB", double(bytes) / 1024.0);
}

std::string gbps_text(double v) { return fmt::format("{:.2f}", v); }
Cell ratio(double v) { return num(fmt::format("{:.2f}", v)); }

int run(const Args& args, Context&, Report& report) {
  const std::uint64_t size = args.has("size") ? parse_size(args.get("size")) : 64ULL << 20;
  const std::uint64_t qsize = args.has("quantize-size") ? parse_size(args.get("quantize-size"))
                                                        : std::min<std::uint64_t>(size, 4ULL << 20);
  const std::size_t n = size / 4;
  const std::vector<float> in = make_input(n);
  std::vector<float> copy(n), back(n);
  std::vector<unsigned char> codes(n * 4);
  std::memset(copy.data(), 0, n * 4);  // touch every page before timing
  std::memset(back.data(), 0, n * 4);
  std::memset(codes.data(), 0, n * 4);
  const unsigned cores = core_count();
  // The reference engine is ~30 ns a value: timed on the first 1 MiB (its cost per value does not depend on
  // n).
  const std::size_t nref = std::min<std::size_t>(n, 1 << 18);

  Table t;
  t.title = fmt::format("Conversion speed, {} of fp32 ({} values), single thread unless stated; kernels: {}",
                        size_text(size), n, fast::isa_name(fast::best_isa()));
  t.columns = {{"conversion", "name"},
               {"GB/s", "gbps", true},
               {"× memcpy", "ratio_memcpy", true},
               {"× instruction", "ratio_hardware", true},
               {"× reference", "ratio_reference", true}};
  const double t_memcpy = std::min(best_time([&] { std::memcpy(copy.data(), in.data(), n * 4); }),
                                   best_time([&] { std::memcpy(copy.data(), in.data(), n * 4); }));
  const double bytes32 = double(n) * 4;
  t.add({str("memcpy " + size_text(size)), num(gbps_text(bytes32 / t_memcpy / 1e9)), ratio(1.0), null_cell(),
         null_cell()});
  // GB/s counts input bytes; the ratios compare times over the same n values (memcpy: of their fp32 bytes).
  // memcpy timed again beside each row (best of both, alternating), so that a ratio compares two times taken
  // under the same load from other processes.
  auto memcpy_near = [&] { return best_time([&] { std::memcpy(copy.data(), in.data(), n * 4); }, 0.05); };
  auto row = [&](const std::string& name, double secs, double in_bytes, double t_hw, double t_ref) {
    const double t_mc = memcpy_near();
    t.add({str(name), num(gbps_text(in_bytes / secs / 1e9)), ratio(t_mc / secs),
           t_hw > 0 ? ratio(t_hw / secs) : null_cell(), t_ref > 0 ? ratio(t_ref / secs) : null_cell()});
  };
  for (const Format& f : find_formats(args.get("formats", kFormats))) {
    const fast::EncodeFn enc = fast::encoder(f, {});
    const fast::DecodeFn dec = fast::decoder(f);
    if (!enc || !dec)
      throw InputError("no fast path for '" + std::string(f.name) + "': bench covers " + kFormats);
    const int cb = container_bytes(f);
    const fast::Hardware hw = fast::hardware(f);
    const double t_ref = best_time(
                             [&] {
                               for (std::size_t i = 0; i < nref; ++i) {
                                 const auto c =
                                     static_cast<std::uint32_t>(encode(f, static_cast<double>(in[i])).code);
                                 std::memcpy(codes.data() + i * cb, &c, static_cast<std::size_t>(cb));
                               }
                             },
                             0.05) *
                         double(n) / double(nref);
    const double t_fast = best_time([&] { enc(in.data(), codes.data(), n); });
    const double t_hw = hw.encode ? best_time([&] { hw.encode(in.data(), codes.data(), n); }) : 0;
    const double t_par = best_time([&] { fast::encode_parallel(enc, in.data(), codes.data(), n, cb); });
    const std::string to = "fp32→" + std::string(f.name);
    row(to + " fast", t_fast, bytes32, t_hw, t_ref);
    if (cores > 1 && n * 4 > fast::kParallelBytes)  // smaller arrays are not split
      row(to + fmt::format(" fast, {} threads", cores), t_par, bytes32, t_hw, t_ref);
    if (hw.encode)
      row(to + " " + std::string(hw.name.substr(0, hw.name.find('/'))), t_hw, bytes32, t_hw, t_ref);
    row(to + " reference engine", t_ref, bytes32, t_hw, t_ref);
    // Decoding: GB/s of code bytes in; × memcpy against copying the fp32 bytes it writes.
    enc(in.data(), codes.data(), n);
    const double td_ref = best_time(
                              [&] {
                                for (std::size_t i = 0; i < nref; ++i) {
                                  std::uint32_t c = 0;
                                  std::memcpy(&c, codes.data() + i * cb, static_cast<std::size_t>(cb));
                                  back[i] =
                                      static_cast<float>(decode_double(f, c >> (storage_bits(f) - bits(f))));
                                }
                              },
                              0.05) *
                          double(n) / double(nref);
    const double td_fast = best_time([&] { dec(codes.data(), back.data(), n); });
    const double td_hw = hw.decode ? best_time([&] { hw.decode(codes.data(), back.data(), n); }) : 0;
    const std::string from = std::string(f.name) + "→fp32";
    row(from + " fast", td_fast, double(n) * cb, td_hw, td_ref);
    if (hw.decode) row(from + " F16C vcvtph2ps", td_hw, double(n) * cb, td_hw, td_ref);
    row(from + " reference engine", td_ref, double(n) * cb, td_hw, td_ref);
  }
  t.notes.push_back(
      "GB/s: bytes of input per second (fp32 for casts, codes for decodes). × memcpy: memcpy of the "
      "same values' fp32 bytes takes that many times as long (> 1: faster than copying). "
      "× instruction / × reference: the same against the CPU's instruction and the scalar engine.");
  t.notes.push_back(
      "Each time is the best of at least 3 runs (other processes only add time), and memcpy is "
      "timed again next to each row for its ratio; the reference engine is timed on 2^18 values and "
      "scaled.");
  const std::vector<Column> columns = t.columns;
  report.tables.push_back(std::move(t));

  if (!args.has("no-quantize")) {
    const std::size_t qn = qsize / 4;
    std::vector<float> data(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(std::min(qn, n)));
    if (data.size() < qn) data.resize(qn, 0.5f);
    const std::uint64_t cols = std::min<std::uint64_t>(4096, qn), rows = qn / cols ? qn / cols : 1;
    data.resize(rows * cols);
    const Fp32Source src(std::move(data), rows, cols);
    const TensorStats stats = tensor_stats(src);
    Table q;
    q.title = fmt::format(
        "Quantize analysis (quantize + dequantize + error metrics), {} of fp32 as a {}x{} tensor",
        size_text(qsize), src.rows(), src.cols());
    q.columns = columns;
    const double elements = double(src.rows() * src.cols());
    const double tq_memcpy = t_memcpy * elements / double(n);
    std::vector<Scheme> all;
    auto row = [&](const std::string& name, double secs) {
      q.add({str(name), num(gbps_text(elements * 4 / secs / 1e9)), ratio(tq_memcpy / secs), null_cell(),
             null_cell()});
    };
    QuantizeOptions one;
    one.threads = 1;
    // Each row is the best of at least 3 runs and 0.25 s (5 runs of a 64 MiB tensor): on a shared machine one
    // slow phase can cost a row a third of its speed, and only more runs find its quiet moments.
    for (const std::string& name : default_scheme_names()) {
      all.push_back(parse_scheme(name));
      row(name, best_time([&] { quantize_tensor(all.back(), src, stats, one); }));
    }
    // The whole default run as `numscope quantize` does it: statistics, then every scheme in one pass.
    const double t1 = best_time([&] { quantize_schemes(all, src, tensor_stats(src, 1), one); }, 0.1);
    row("all defaults, 1 thread", t1);
    const double tn = best_time([&] { quantize_schemes(all, src, tensor_stats(src), QuantizeOptions{}); }, 0.1);
    row(fmt::format("all defaults, {} threads", core_count()), tn);
    q.notes.push_back(
        "GB/s of fp32 input analysed, single thread unless the row says otherwise; the tensor is read from "
        "fp32 in memory, as `numscope quantize` reads a mapped file.");
    q.notes.push_back(fmt::format(
        "At these rates the default schemes take {:.1f} s per GiB of fp32 on {} threads ({:.1f} s on one); "
        "time grows linearly with size.",
        tn * double(1ull << 30) / (elements * 4), core_count(), t1 * double(1ull << 30) / (elements * 4)));
    report.tables.push_back(std::move(q));
    report.json_keys = {"conversions", "quantize"};
  }
  return 0;
}

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
        {"formats", 'f', "LIST", std::string("formats to time (default ") + kFormats + ")"},
        {"quantize-size", 0, "BYTES", "fp32 input of the quantize rows (default 4M, at most --size)"},
        {"no-quantize", 0, "", "leave out the quantize rows"}},
       0,
       0},
      run};
  return kCommand;
}

}  // namespace numscope::cli
