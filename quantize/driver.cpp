// The chunked driver (quantize.h quantize_schemes): one pass over the tensor serves every scheme; tasks are spread
// over the cores, each read in cache-sized pieces on which every scheme's row quantizer (family.h) runs, and the
// error sums of each task are merged in task order so that results do not depend on the thread count.
#include <algorithm>  // std::min, std::max
#include <array>      // std::array
#include <atomic>     // std::atomic
#include <cmath>      // std::ceil, std::fabs, std::isfinite
#include <memory>     // std::unique_ptr
#include <numeric>    // std::lcm
#include <optional>   // std::optional
#include <stdexcept>  // std::invalid_argument
#include <string>     // std::to_string

#include "numscope/quantize/family.h"
#include "numscope/quantize/lanes.h"
#include "numscope/quantize/quantize.h"
#include "numscope/support/error.h"
#include "numscope/support/parallel.h"

namespace numscope {
using namespace detail;
namespace {

/// min(0, row min) and max(0, row max) of every row over its finite values, for per-channel schemes on a
/// segmented plan (computed once, shared by all of them). A single row's range is the tensor's (stats); longer
/// tensors take one more pass.
RowRanges row_ranges(const RowSource& src, const Plan& plan, const TensorStats& stats, unsigned threads) {
  RowRanges rr;
  rr.lo.assign(plan.rows, 0.0);
  rr.hi.assign(plan.rows, 0.0);
  if (plan.rows == 1) {
    rr.lo[0] = std::min(stats.min, 0.0);
    rr.hi[0] = std::max(stats.max, 0.0);
    return rr;
  }
  std::vector<double> lo(plan.tasks, 0.0), hi(plan.tasks, 0.0);
  std::vector<std::vector<double>> bufs(worker_count(threads));
  parallel_tasks(plan.tasks, threads, [&](std::uint64_t k, unsigned w) {
    read_task(src, plan, k, bufs[w], true);
    block_range(bufs[w].data(), bufs[w].size(), lo[k], hi[k]);
  });
  for (std::uint64_t k = 0; k < plan.tasks; ++k) {
    const std::uint64_t r = plan.task(k).row;
    rr.lo[r] = std::min(rr.lo[r], lo[k]);
    rr.hi[r] = std::max(rr.hi[r], hi[k]);
  }
  return rr;
}


/// Refuses what cannot run: NaN / inf without ignore_nonfinite, ggml blocks written from rows that are not
/// whole blocks, the dequantized callback with several schemes.
void check_request(std::span<const Scheme> schemes, const RowSource& src, const TensorStats& stats,
                   const QuantizeOptions& options) {
  if (stats.nonfinite > 0 && !options.ignore_nonfinite)
    throw InputError("the input has " + std::to_string(stats.nonfinite) + " NaN or inf values among " +
                     std::to_string(stats.count) + ": pass --ignore-nonfinite to analyse the finite values only");
  if (options.blocks)
    for (const Scheme& s : schemes)
      if (writes_ggml_blocks(s) && src.cols() % static_cast<std::uint64_t>(s.block) != 0)
        throw InputError("--write-blocks needs rows whose length is a multiple of " + std::to_string(s.block) +
                         " (" + s.name + "'s block), got " + std::to_string(src.cols()));
  if (options.dequantized && schemes.size() != 1)
    throw std::invalid_argument("quantize_schemes: the dequantized callback takes a single scheme");
}

/// What the passes of one quantize_schemes call share: the plan, each scheme's state and result, the progress.
struct Run {
  Run(std::span<const Scheme> s, const RowSource& r, const QuantizeOptions& o)
      : schemes(s), src(r), options(o), plan(make_plan(r, o.chunk_elements, block_lcm(s))) {
    plan.align = std::lcm(block_lcm(s), std::uint64_t{8});
    plan.read = std::max<std::uint64_t>(1, o.read_elements);
  }
  std::span<const Scheme> schemes;
  const RowSource& src;
  const QuantizeOptions& options;
  Plan plan;
  std::vector<Ctx> ctx;             // per scheme; the row quantizers keep references to these
  std::optional<RowRanges> ranges;  // per-row ranges, when a per-channel scheme runs on cut rows
  std::vector<SchemeResult> results;
  std::atomic<std::uint64_t> done{0};
  std::uint64_t total_work = 0;
};

/// Per-scheme state shared by every task (tensor range, nf4-dq's absmax, per-row ranges of a segmented plan)
/// and the storage columns of each result.
void prepare_schemes(Run& run, const TensorStats& stats, unsigned threads) {
  const std::uint64_t rows = run.src.rows(), cols = run.src.cols();
  run.ctx.resize(run.schemes.size());
  run.results.resize(run.schemes.size());
  for (std::size_t j = 0; j < run.schemes.size(); ++j) {
    const Scheme& s = run.schemes[j];
    Ctx& c = run.ctx[j];
    c.amax = stats.amax;
    c.min = stats.min;
    c.max = stats.max;
    c.cols = cols;
    c.imatrix = run.options.imatrix;
    if (const Family& f = family_of(s); f.prepare) f.prepare(s, run.src, run.plan, threads, c);
    if (run.plan.segmented && s.granularity == Granularity::kChannel) {
      if (!run.ranges) run.ranges = row_ranges(run.src, run.plan, stats, threads);
      c.rows = &*run.ranges;
    }
    SchemeResult& r = run.results[j];
    r.scheme = s;
    r.storage_bits = scheme_storage_bits(s, rows, cols);
    r.bits_per_element = rows != 0 && cols != 0 ? r.storage_bits / (double(rows) * double(cols)) : 0;
    r.bytes = static_cast<std::uint64_t>(std::ceil(r.storage_bits / 8));
  }
}

/// One pass over the data for the schemes `which`: each task is read in pieces, and every scheme runs on a piece
/// while it is in cache. A scheme's sums see its segments in the order a scheme-by-scheme loop gives them, so
/// running them together does not change their bits.
class Pass {
 public:
  Pass(Run& run, std::vector<std::size_t> which) : run_(run), which_(std::move(which)) {}
  void run(unsigned nthreads) {
    const std::size_t J = which_.size();
    if (J == 0) return;
    slots_.assign(run_.plan.tasks * J, Metrics{});
    workers_.resize(nthreads);
    parallel_tasks(run_.plan.tasks, nthreads, [&](std::uint64_t k, unsigned w) { task(k, workers_[w]); });
    for (std::uint64_t k = 0; k < run_.plan.tasks; ++k)
      for (std::size_t jj = 0; jj < J; ++jj) run_.results[which_[jj]].metrics.merge(slots_[k * J + jj]);
  }

 private:
  struct Worker {
    std::vector<double> x, inv, y;
    std::vector<unsigned char> clip;
    std::vector<std::unique_ptr<RowQuantizer>> rq;
    Lanes shared;                                                  // Σx² and the nonzero count: every scheme's
    std::vector<Lanes> lanes;                                      // per scheme
    std::vector<unsigned char> finite;                             // error_histogram: which inputs count
    std::vector<std::array<std::vector<std::uint64_t>, 2>> hists;  // per scheme: |err|, relative err
    std::uint64_t masked = 0, base = 0;                            // NaN / inf inputs; the piece's offset
    bool one = false;       // one scheme, sums only, taking 1/|x| itself (RowQuantizer::fuses_inverses)
    bool prepared = false;  // the piece was widened from fp32 and prepared in one pass (read_piece)
    std::vector<double> amax;  // then max |x| of each row of the piece (of whole rows)
    const unsigned char* fp32 = nullptr;  // then the piece's fp32 bytes, where no element was masked
  };

  void task(std::uint64_t k, Worker& wk) {
    const QuantizeOptions& o = run_.options;
    const Plan& plan = run_.plan;
    const std::size_t J = which_.size();
    if (wk.rq.empty()) {
      for (std::size_t j : which_) wk.rq.push_back(family_of(run_.schemes[j]).make(run_.schemes[j], run_.ctx[j]));
      for (auto* v : {&wk.x, &wk.inv, &wk.y}) v->resize(plan.max_read());
      wk.clip.resize(plan.max_read());
      wk.finite.resize(plan.max_read());
      // y is not needed afterwards: the family may fuse the sums (run_sums), and with one scheme take 1/|x| in
      // the same loop (run_sums_inv).
      wk.one = !o.dequantized && !o.error_histogram && J == 1 && wk.rq[0]->fuses_inverses();
    }
    const Plan::Task t = plan.task(k);
    wk.shared = Lanes{};
    wk.lanes.assign(J, Lanes{});
    wk.masked = 0;
    if (o.error_histogram) {
      wk.hists.assign(J, {});
      for (auto& h : wk.hists) h[0].assign(ErrorHistogram::kBins, 0), h[1].assign(ErrorHistogram::kBins, 0);
    }
    plan.pieces(
        t, [&](std::uint64_t off, std::uint64_t n) { read_piece(wk, t, off, n); },
        [&](std::uint64_t off, std::uint64_t n, std::uint64_t row, std::uint64_t col0) {
          segment(wk, off - wk.base, n, row, col0);
        });
    for (std::size_t jj = 0; jj < J; ++jj) {
      wk.lanes[jj].take_x(wk.shared);
      Metrics& m = slots_[k * J + jj];
      m = wk.lanes[jj].metrics(t.count - wk.masked);
      if (o.error_histogram) {
        m.abs_hist = std::move(wk.hists[jj][0]);
        m.rel_hist = std::move(wk.hists[jj][1]);
      }
    }
    if (o.progress) {
      const std::uint64_t d = run_.done.fetch_add(t.count) + t.count;
      o.progress(d, run_.total_work);
    }
  }

  /// Reads n elements at `off` of the task (segment() masks NaN / inf, segment by segment). An fp32 source
  /// whose segments all start on lane 0 of the piece (a row cut into pieces, or rows of a multiple of 8) is
  /// widened and prepared (Lanes::prepare_fp32) in one pass over the piece instead: the lanes of Σx² see the
  /// same elements in the same order.
  void read_piece(Worker& wk, const Plan::Task& t, std::uint64_t off, std::uint64_t n) const {
    wk.base = off;
    const unsigned char* fp32 = run_.options.error_histogram || !(run_.plan.segmented || run_.plan.cols % 8 == 0)
                                    ? nullptr
                                    : run_.src.fp32_bytes(t.first + off, n);
    wk.prepared = fp32 != nullptr;
    wk.fp32 = nullptr;
    if (fp32) {
      const std::uint64_t before = wk.masked;
      if (run_.plan.segmented) {
        wk.masked += wk.shared.prepare_fp32(fp32, wk.x.data(), wk.one ? nullptr : wk.inv.data(), n);
      } else {  // row by row, taking each row's max |x| on the way (per-channel scales)
        const std::uint64_t cols = run_.plan.cols;
        wk.amax.resize(n / cols);
        for (std::uint64_t r = 0; r < n / cols; ++r)
          wk.masked += wk.shared.prepare_fp32(fp32 + 4 * r * cols, wk.x.data() + r * cols,
                                              wk.one ? nullptr : wk.inv.data() + r * cols, cols, &wk.amax[r]);
      }
      if (wk.masked == before) wk.fp32 = fp32;
      return;
    }
    run_.src.read_range(t.first + off, n, wk.x.data());
    if (run_.options.error_histogram)  // NaN / inf inputs are left out of the histograms too
      for (std::uint64_t i = 0; i < n; ++i) wk.finite[i] = std::isfinite(wk.x[i]);
  }

  /// Every scheme on the segment at `at` of the piece.
  void segment(Worker& wk, std::uint64_t at, std::uint64_t n, std::uint64_t row, std::uint64_t col0) {
    const QuantizeOptions& o = run_.options;
    double* x = wk.x.data() + at;
    double* inv = wk.inv.data() + at;
    const bool sums_only = !o.dequantized && !o.error_histogram, one = wk.one;
    // NaN / inf to 0, 1/|x| and Σx²: once for every scheme (done in read_piece when `prepared`).
    if (!wk.prepared) wk.masked += wk.shared.prepare_x(x, one ? nullptr : inv, n);
    for (std::size_t jj = 0; jj < which_.size(); ++jj) {
      std::ostream* blocks = writes_ggml_blocks(run_.schemes[which_[jj]]) ? o.blocks : nullptr;
      const Segment g{x, wk.y.data(), wk.clip.data(), n, row, col0, blocks,
                      wk.prepared && !run_.plan.segmented ? wk.amax[at / run_.plan.cols] : -1,
                      wk.fp32 ? wk.fp32 + 4 * at : nullptr};
      if (one) {
        wk.rq[jj]->run_sums_inv(g, inv, wk.lanes[jj]);
        continue;
      }
      if (sums_only) {
        wk.rq[jj]->run_sums(g, inv, wk.lanes[jj]);
        continue;
      }
      wk.rq[jj]->run(g);
      if (o.dequantized) o.dequantized(wk.y.data(), n);
      wk.lanes[jj].add_error(x, inv, wk.y.data(), wk.clip.data(), n);
      if (o.error_histogram) add_histograms(wk.hists[jj], x, inv, wk.y.data(), wk.finite.data() + at, n);
    }
  }

  static void add_histograms(std::array<std::vector<std::uint64_t>, 2>& h, const double* x, const double* inv,
                             const double* y, const unsigned char* ok, std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) {
      if (!ok[i]) continue;
      const double e = std::fabs(x[i] - y[i]);
      ++h[0][static_cast<std::size_t>(ErrorHistogram::bin(e))];
      if (x[i] != 0) ++h[1][static_cast<std::size_t>(ErrorHistogram::bin(e * inv[i]))];
    }
  }

  Run& run_;
  const std::vector<std::size_t> which_;
  std::vector<Metrics> slots_;  // task k, scheme jj at k * J + jj: merged in task order
  std::vector<Worker> workers_;
};

}  // namespace

std::vector<SchemeResult> quantize_schemes(std::span<const Scheme> schemes, const RowSource& src,
                                           const TensorStats& stats, const QuantizeOptions& options) {
  check_request(schemes, src, stats, options);
  const unsigned threads = worker_count(options.threads);
  Run run(schemes, src, options);
  prepare_schemes(run, stats, threads);
  // Schemes whose tasks must run in order (a stochastic rounding stream, ggml blocks written to a stream, the
  // dequantized callback) take one thread; the others share the tasks of one pass over the data.
  std::vector<std::size_t> ordered, free;
  for (std::size_t j = 0; j < schemes.size(); ++j) {
    const bool seq = schemes[j].rounding == Rounding::kStochastic ||
                     (options.blocks && writes_ggml_blocks(schemes[j])) || options.dequantized;
    (seq ? ordered : free).push_back(j);
  }
  // Progress counts the elements of every pass (one, or two when some schemes must run in order).
  run.total_work = src.rows() * src.cols() * ((free.empty() ? 0 : 1) + (ordered.empty() ? 0 : 1));
  Pass(run, std::move(free)).run(threads);
  Pass(run, std::move(ordered)).run(1);
  return std::move(run.results);
}

SchemeResult quantize_tensor(const Scheme& s, const RowSource& src, const TensorStats& stats,
                             const QuantizeOptions& options) {
  return quantize_schemes(std::span<const Scheme>(&s, 1), src, stats, options)[0];
}

std::vector<double> quantize_dequantize(const Scheme& s, std::span<const double> x, std::uint64_t rows,
                                        std::uint64_t cols, Metrics* metrics, std::ostream* blocks) {
  const MemorySource src(std::vector<double>(x.begin(), x.end()), rows, cols);
  std::vector<double> out;
  out.reserve(x.size());
  QuantizeOptions opt;
  opt.blocks = blocks;
  opt.dequantized = [&](const double* y, std::uint64_t count) { out.insert(out.end(), y, y + count); };
  const SchemeResult r = quantize_tensor(s, src, tensor_stats(src), opt);
  if (metrics) *metrics = r.metrics;
  return out;
}


bool writes_ggml_blocks(const Scheme& s) { return family_of(s).writes_blocks; }

}  // namespace numscope
