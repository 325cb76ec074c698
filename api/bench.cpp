// `bench`: conversion speed in one run beside its limits, like `openssl speed`: memcpy of the same bytes, each fast
// kernel, the CPU's own instruction, the scalar reference engine, and the quantizers.
#include "numscope/api/bench.h"

#include <fmt/format.h>  // fmt::format

#include <algorithm>  // std::min, std::max
#include <chrono>     // std::chrono::steady_clock
#include <cmath>      // std::ldexp
#include <cstring>    // std::memcpy
#include <vector>     // std::vector

#include "numscope/formats/fast/convert.h"
#include "numscope/formats/registry.h"
#include "numscope/formats/scheme.h"
#include "numscope/io/tensor_io.h"  // widen_fp32
#include "numscope/quantize/quantize.h"
#include "numscope/support/error.h"
#include "numscope/support/parallel.h"

namespace numscope::api {
namespace {

constexpr auto R = Align::kRight;
using T = ColumnType;

/// An fp32 tensor in memory, read as `numscope quantize` reads a mapped fp32 file.
class Fp32Source : public RowSource {
 public:
  Fp32Source(std::vector<float> data, std::uint64_t rows, std::uint64_t cols)
      : data_(std::move(data)), rows_(rows), cols_(cols) {}
  std::uint64_t rows() const override { return rows_; }
  std::uint64_t cols() const override { return cols_; }
  void read_range(std::uint64_t first, std::uint64_t count, double* out) const override {
    widen_fp32(data_.data() + first, out, count);  // as MappedSource reads fp32
  }
  const unsigned char* fp32_bytes(std::uint64_t first, std::uint64_t) const override {
    return reinterpret_cast<const unsigned char*>(data_.data() + first);
  }

 private:
  std::vector<float> data_;
  std::uint64_t rows_, cols_;
};

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

Cell gbps(double v) { return Cell::real(v, fmt::format("{:.2f}", v)); }
Cell ratio(double v) { return v > 0 ? Cell::real(v, fmt::format("{:.2f}", v)) : Cell::null(); }

Table speed_table(std::string name, std::string title) {
  Table t;
  t.name = std::move(name);
  t.title = std::move(title);
  t.columns = {{"name", "conversion"},
               {"gbps", "GB/s", T::kFloat, R},
               {"ratio_memcpy", "× memcpy", T::kFloat, R},
               {"ratio_hardware", "× instruction", T::kFloat, R},
               {"ratio_reference", "× reference", T::kFloat, R}};
  return t;
}

/// The fp32 input and the buffers every conversion row reuses, with memcpy's time over them.
struct Workspace {
  std::size_t n = 0, nref = 0;
  std::vector<float> in, copy, back;
  std::vector<unsigned char> codes;
  double t_memcpy = 0;
  /// memcpy timed again beside each row (best of a few), so that a ratio compares two times taken under the
  /// same load from other processes.
  double memcpy_near(double budget = 0.05) {
    return best_time([&] { std::memcpy(copy.data(), in.data(), n * 4); }, budget);
  }
};

/// The rows of one format: fp32 -> format (fast, threaded, the instruction, the engine) and back.
void time_format(const Format& f, Workspace& w, Table& t) {
  const fast::EncodeFn enc = fast::encoder(f, {});
  const fast::DecodeFn dec = fast::decoder(f);
  if (!enc || !dec) throw InputError("no fast path for '" + std::string(f.name) + "': bench covers " + kBenchFormats);
  const std::size_t n = w.n, nref = w.nref;
  const int cb = container_bytes(f);
  const fast::Hardware hw = fast::hardware(f);
  // GB/s counts input bytes; the ratios compare times over the same n values (memcpy: of their fp32 bytes).
  auto row = [&](const std::string& name, double secs, double in_bytes, double t_hw, double t_ref) {
    const double t_mc = w.memcpy_near();
    t.add({Cell::text(name), gbps(in_bytes / secs / 1e9), ratio(t_mc / secs), ratio(t_hw > 0 ? t_hw / secs : 0),
           ratio(t_ref > 0 ? t_ref / secs : 0)});
  };
  const double t_ref = best_time(
                           [&] {
                             for (std::size_t i = 0; i < nref; ++i) {
                               const auto c = static_cast<std::uint32_t>(encode(f, static_cast<double>(w.in[i])).code);
                               std::memcpy(w.codes.data() + i * cb, &c, static_cast<std::size_t>(cb));
                             }
                           },
                           0.05) *
                       double(n) / double(nref);
  const double t_fast = best_time([&] { enc(w.in.data(), w.codes.data(), n); });
  const double t_hw = hw.encode ? best_time([&] { hw.encode(w.in.data(), w.codes.data(), n); }) : 0;
  const double t_par = best_time([&] { fast::encode_parallel(enc, w.in.data(), w.codes.data(), n, cb); });
  const double bytes32 = double(n) * 4;
  const std::string to = "fp32→" + std::string(f.name);
  row(to + " fast", t_fast, bytes32, t_hw, t_ref);
  if (core_count() > 1 && n * 4 > fast::kParallelBytes)  // smaller arrays are not split
    row(to + fmt::format(" fast, {} threads", core_count()), t_par, bytes32, t_hw, t_ref);
  if (hw.encode) row(to + " " + std::string(hw.name.substr(0, hw.name.find('/'))), t_hw, bytes32, t_hw, t_ref);
  row(to + " reference engine", t_ref, bytes32, t_hw, t_ref);
  // Decoding: GB/s of code bytes in; × memcpy against copying the fp32 bytes it writes.
  enc(w.in.data(), w.codes.data(), n);
  const double td_ref = best_time(
                            [&] {
                              for (std::size_t i = 0; i < nref; ++i) {
                                std::uint32_t c = 0;
                                std::memcpy(&c, w.codes.data() + i * cb, static_cast<std::size_t>(cb));
                                w.back[i] = static_cast<float>(decode_double(f, c >> (storage_bits(f) - bits(f))));
                              }
                            },
                            0.05) *
                        double(n) / double(nref);
  const double td_fast = best_time([&] { dec(w.codes.data(), w.back.data(), n); });
  const double td_hw = hw.decode ? best_time([&] { hw.decode(w.codes.data(), w.back.data(), n); }) : 0;
  const std::string from = std::string(f.name) + "→fp32";
  row(from + " fast", td_fast, double(n) * cb, td_hw, td_ref);
  if (hw.decode) row(from + " F16C vcvtph2ps", td_hw, double(n) * cb, td_hw, td_ref);
  row(from + " reference engine", td_ref, double(n) * cb, td_hw, td_ref);
}

/// The default quantize schemes, one by one and in the one-pass driver, over `qsize` bytes of the same input.
Table quantize_table(const Workspace& w, std::uint64_t qsize) {
  const std::size_t qn = qsize / 4;
  std::vector<float> data(w.in.begin(), w.in.begin() + static_cast<std::ptrdiff_t>(std::min(qn, w.n)));
  if (data.size() < qn) data.resize(qn, 0.5f);
  const std::uint64_t cols = std::min<std::uint64_t>(4096, qn), rows = qn / cols ? qn / cols : 1;
  data.resize(rows * cols);
  const Fp32Source src(std::move(data), rows, cols);
  const TensorStats stats = tensor_stats(src);
  Table q = speed_table("quantize", fmt::format("Quantize analysis (quantize + dequantize + error metrics), {} of "
                                                "fp32 as a {}x{} tensor",
                                                size_text(qsize), src.rows(), src.cols()));
  const double elements = double(src.rows() * src.cols());
  const double tq_memcpy = w.t_memcpy * elements / double(w.n);
  std::vector<Scheme> all;
  auto row = [&](const std::string& name, double secs) {
    q.add({Cell::text(name), gbps(elements * 4 / secs / 1e9), ratio(tq_memcpy / secs), Cell::null(), Cell::null()});
  };
  QuantizeOptions one;
  one.threads = 1;
  // Each row is the best of at least 3 runs and 0.25 s (5 runs of a 64 MiB tensor): on a shared machine one
  // slow phase can cost a row a third of its speed, and only more runs find its quiet moments.
  for (const std::string& name : default_scheme_names()) {
    all.push_back(parse_scheme(name));
    row(name, best_time([&] { quantize_tensor(all.back(), src, stats, one); }));
  }
  // llama.cpp's other types: the whole analysis beside the type's reference quantizer alone
  // (ggml_quantize_row_reference: quantize_row_<type>_ref's algorithm as ggml writes it, bytes only), as the
  // ratio_reference column; above 1, the analysis is faster than quantizing alone.
  {
    std::vector<float> xf(src.rows() * src.cols());
    for (std::size_t i = 0; i < xf.size(); ++i) xf[i] = static_cast<float>(w.in[i % w.n]);
    for (const char* name : {"q4_1", "q5_0", "q5_1", "q2_K", "q3_K", "q4_K", "q5_K", "q6_K", "iq4_nl", "iq4_xs"}) {
      const Scheme s = parse_scheme(name);
      if (src.cols() % static_cast<std::uint64_t>(s.block) != 0) continue;
      const double t = best_time([&] { quantize_tensor(s, src, stats, one); });
      std::vector<unsigned char> blocks(xf.size() / static_cast<std::size_t>(s.block) * 300);
      const double tr = best_time([&] {
        for (std::uint64_t r = 0; r < src.rows(); ++r)
          ggml_quantize_row_reference(s.ggml_type, xf.data() + r * src.cols(), src.cols(),
                            blocks.data() + r * (src.cols() / static_cast<std::uint64_t>(s.block)) * 300);
      });
      q.add({Cell::text(name), gbps(elements * 4 / t / 1e9), ratio(tq_memcpy / t), Cell::null(), ratio(tr / t)});
    }
  }
  // The whole default run as `numscope quantize` does it: statistics, then every scheme in one pass. The driver
  // spreads tasks of chunk_elements (2^20 by default) over the threads, and the default input is one such
  // task, so these rows cut it into four tasks per core (both rows alike): a large tensor has many tasks.
  QuantizeOptions all_one = one, all_n;
  all_one.chunk_elements = all_n.chunk_elements =
      std::max<std::uint64_t>(src.cols(), src.rows() * src.cols() / (4 * core_count()));
  // Best of 0.5 s of runs (about 15 at 4 MiB): a whole run is long enough that a busy machine rarely leaves one
  // undisturbed.
  const double t1 = best_time([&] { quantize_schemes(all, src, tensor_stats(src, 1), all_one); }, 0.5);
  row("all defaults, 1 thread", t1);
  const double tn = best_time([&] { quantize_schemes(all, src, tensor_stats(src), all_n); }, 0.5);
  row(fmt::format("all defaults, {} threads", core_count()), tn);
  q.notes.push_back(
      "GB/s of fp32 input analysed, single thread unless the row says otherwise; the tensor is read from "
      "fp32 in memory, as `numscope quantize` reads a mapped file.");
  q.notes.push_back(
      "ratio_reference of the llama.cpp rows: the time of the type's reference quantizer alone (ggml's "
      "quantize_row_<type>_ref algorithm, bytes only) over the time of the whole analysis.");
  q.notes.push_back(fmt::format(
      "The all-defaults rows cut the input into tasks of {} elements (four per core), the unit threads share; a "
      "tensor of one task runs on one thread.",
      all_n.chunk_elements));
  q.notes.push_back(fmt::format(
      "At these rates the default schemes take {:.1f} s per GiB of fp32 on {} threads ({:.1f} s on one); "
      "time grows linearly with size.",
      tn * double(1ull << 30) / (elements * 4), core_count(), t1 * double(1ull << 30) / (elements * 4)));
  return q;
}

void check_size(std::uint64_t bytes, const std::string& flag) {
  if (bytes < 1024 || bytes > (16ULL << 30))
    throw InputError(flag + " " + std::to_string(bytes) + ": expected bytes from 1K to 16G");
}

}  // namespace

std::uint64_t parse_bench_size(const std::string& s, const std::string& flag) {
  std::size_t i = 0;
  std::uint64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && v < (1ULL << 40)) v = v * 10 + std::uint64_t(s[i++] - '0');
  std::uint64_t mult = 1;
  if (i < s.size()) {
    const char c = static_cast<char>(s[i] | 0x20);
    mult = c == 'k' ? 1ULL << 10 : c == 'm' ? 1ULL << 20 : c == 'g' ? 1ULL << 30 : 0;
    ++i;
    if (i < s.size() && (s[i] == 'i' || s[i] == 'I')) ++i;
    if (i < s.size() && (s[i] == 'b' || s[i] == 'B')) ++i;
  }
  if (i == 0 || i != s.size() || mult == 0 || v * mult < 1024 || v * mult > (16ULL << 30))
    throw InputError(flag + " '" + s + "': expected bytes from 1K to 16G, optionally with K, M or G (e.g. 64M)");
  return v * mult;
}

Result bench(const BenchRequest& request) {
  check_size(request.size, "--size");
  if (request.quantize_size) check_size(*request.quantize_size, "--quantize-size");
  const std::vector<Format> formats = find_formats(request.formats);
  Result res;
  res.command = "bench";
  res.echo("size", Cell::integer(static_cast<std::int64_t>(request.size)));
  std::vector<Cell> names;
  for (const Format& f : formats) names.push_back(Cell::text(std::string(f.name)));
  res.echo("formats", std::move(names));
  const std::uint64_t qsize = request.quantize_size.value_or(std::min<std::uint64_t>(request.size, 4ULL << 20));
  res.echo("quantize_size", request.quantize ? Cell::integer(static_cast<std::int64_t>(qsize)) : Cell::null());

  Workspace w;
  w.n = request.size / 4;
  w.in = make_input(w.n);
  w.copy.assign(w.n, 0.0f);  // touch every page before timing
  w.back.assign(w.n, 0.0f);
  w.codes.assign(w.n * 4, 0);
  // The reference engine is ~30 ns a value: timed on the first 1 MiB (its cost per value does not depend on n).
  w.nref = std::min<std::size_t>(w.n, 1 << 18);
  Table t = speed_table("conversions",
                        fmt::format("Conversion speed, {} of fp32 ({} values), single thread unless stated; kernels: {}",
                                    size_text(request.size), w.n, fast::isa_name(fast::best_isa())));
  w.t_memcpy = std::min(w.memcpy_near(0.25), w.memcpy_near(0.25));
  t.add({Cell::text("memcpy " + size_text(request.size)), gbps(double(w.n) * 4 / w.t_memcpy / 1e9), ratio(1.0),
         Cell::null(), Cell::null()});
  for (const Format& f : formats) time_format(f, w, t);
  t.notes.push_back(
      "GB/s: bytes of input per second (fp32 for casts, codes for decodes). × memcpy: memcpy of the "
      "same values' fp32 bytes takes that many times as long (> 1: faster than copying). "
      "× instruction / × reference: the same against the CPU's instruction and the scalar engine.");
  t.notes.push_back(
      "Each time is the best of at least 3 runs (other processes only add time), and memcpy is "
      "timed again next to each row for its ratio; the reference engine is timed on 2^18 values and "
      "scaled.");
  res.tables.push_back(std::move(t));
  if (request.quantize) res.tables.push_back(quantize_table(w, qsize));
  return res;
}

std::vector<std::string> bench_table_names(const BenchRequest& request) {
  if (request.quantize) return {"conversions", "quantize"};
  return {"conversions"};
}

}  // namespace numscope::api
