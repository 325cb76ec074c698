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


}  // namespace

std::vector<SchemeResult> quantize_schemes(std::span<const Scheme> schemes, const RowSource& src,
                                           const TensorStats& stats, const QuantizeOptions& options) {
  if (stats.nonfinite > 0 && !options.ignore_nonfinite)
    throw InputError("the input has " + std::to_string(stats.nonfinite) + " NaN or inf values among " +
                     std::to_string(stats.count) + ": pass --ignore-nonfinite to analyse the finite values only");
  const std::uint64_t rows = src.rows(), cols = src.cols();
  auto is_ggml = [](const Scheme& s) { return family_of(s).writes_blocks; };
  if (options.blocks)
    for (const Scheme& s : schemes)
      if (is_ggml(s) && cols % static_cast<std::uint64_t>(s.block) != 0)
        throw InputError("--write-blocks needs rows whose length is a multiple of " + std::to_string(s.block) +
                         " (" + s.name + "'s block), got " + std::to_string(cols));
  const unsigned threads = worker_count(options.threads);
  if (options.dequantized && schemes.size() != 1)
    throw std::invalid_argument("quantize_schemes: the dequantized callback takes a single scheme");
  Plan plan = make_plan(src, options.chunk_elements, block_lcm(schemes));
  plan.align = std::lcm(block_lcm(schemes), std::uint64_t{8});
  plan.read = std::max<std::uint64_t>(1, options.read_elements);

  // Per-scheme state shared by every task: tensor range, nf4-dq's absmax, per-row ranges of a segmented plan.
  std::vector<Ctx> ctx(schemes.size());
  std::optional<RowRanges> ranges;  // per-row ranges, when a per-channel scheme runs on cut rows
  std::vector<SchemeResult> results(schemes.size());
  for (std::size_t j = 0; j < schemes.size(); ++j) {
    const Scheme& s = schemes[j];
    ctx[j].amax = stats.amax;
    ctx[j].min = stats.min;
    ctx[j].max = stats.max;
    ctx[j].cols = cols;
    ctx[j].imatrix = options.imatrix;
    if (const Family& f = family_of(s); f.prepare) f.prepare(s, src, plan, threads, ctx[j]);
    if (plan.segmented && s.granularity == Granularity::kChannel) {
      if (!ranges) ranges = row_ranges(src, plan, stats, threads);
      ctx[j].rows = &*ranges;
    }
    SchemeResult& r = results[j];
    r.scheme = s;
    r.storage_bits = scheme_storage_bits(s, rows, cols);
    r.bits_per_element = rows != 0 && cols != 0 ? r.storage_bits / (double(rows) * double(cols)) : 0;
    r.bytes = static_cast<std::uint64_t>(std::ceil(r.storage_bits / 8));
  }

  // Schemes whose tasks must run in order (a stochastic rounding stream, ggml blocks written to a stream, the
  // dequantized callback) take one thread; the others share the tasks of one pass over the data.
  std::vector<std::size_t> ordered, free;
  for (std::size_t j = 0; j < schemes.size(); ++j) {
    const bool seq = schemes[j].rounding == Rounding::kStochastic || (options.blocks && is_ggml(schemes[j])) ||
                     options.dequantized;
    (seq ? ordered : free).push_back(j);
  }
  // Progress counts the elements of every pass (one, or two when some schemes must run in order).
  std::atomic<std::uint64_t> done{0};
  const std::uint64_t total_work = rows * cols * ((free.empty() ? 0 : 1) + (ordered.empty() ? 0 : 1));
  auto pass = [&](const std::vector<std::size_t>& which, unsigned nthreads) {
    if (which.empty()) return;
    const std::size_t J = which.size();
    std::vector<Metrics> slots(plan.tasks * J);
    struct Worker {
      std::vector<double> x, inv, y;
      std::vector<unsigned char> clip;
      std::vector<std::unique_ptr<RowQuantizer>> rq;
      std::vector<Lanes> lanes;
      std::vector<unsigned char> finite;                             // error_histogram: which inputs count
      std::vector<std::array<std::vector<std::uint64_t>, 2>> hists;  // per scheme: |err|, relative err
    };
    std::vector<Worker> workers(nthreads);
    parallel_tasks(plan.tasks, nthreads, [&](std::uint64_t k, unsigned w) {
      Worker& wk = workers[w];
      if (wk.rq.empty()) {
        for (std::size_t j : which) wk.rq.push_back(family_of(schemes[j]).make(schemes[j], ctx[j]));
        wk.x.resize(plan.max_read());
        wk.inv.resize(plan.max_read());
        wk.y.resize(plan.max_read());
        wk.clip.resize(plan.max_read());
        wk.finite.resize(plan.max_read());
      }
      // Each piece is read once, and every scheme runs on it while it is in cache. A scheme's sums see its
      // segments in the order a scheme-by-scheme loop gives them, so this order does not change their bits.
      const Plan::Task t = plan.task(k);
      wk.lanes.assign(J, Lanes{});
      std::uint64_t masked = 0, base = 0;
      if (options.error_histogram) {
        wk.hists.assign(J, {});
        for (auto& h : wk.hists) h[0].assign(ErrorHistogram::kBins, 0), h[1].assign(ErrorHistogram::kBins, 0);
      }
      const auto read = [&](std::uint64_t off, std::uint64_t n) {
        src.read_range(t.first + off, n, wk.x.data());
        if (options.error_histogram)  // NaN / inf inputs are left out of the histograms too
          for (std::uint64_t i = 0; i < n; ++i) wk.finite[i] = std::isfinite(wk.x[i]);
        masked += count_nonfinite(wk.x.data(), n, true);
        reciprocals(wk.x.data(), wk.inv.data(), n);
        base = off;
      };
      plan.pieces(t, read, [&](std::uint64_t off, std::uint64_t n, std::uint64_t row, std::uint64_t col0) {
        const double* x = wk.x.data() + (off - base);
        const double* inv = wk.inv.data() + (off - base);
        for (std::size_t jj = 0; jj < J; ++jj) {
          std::ostream* blocks = is_ggml(schemes[which[jj]]) ? options.blocks : nullptr;
          wk.rq[jj]->run({x, wk.y.data(), wk.clip.data(), n, row, col0, blocks});
          if (options.dequantized) options.dequantized(wk.y.data(), n);
          wk.lanes[jj].add(x, inv, wk.y.data(), wk.clip.data(), n);
          if (options.error_histogram) {
            const unsigned char* ok = wk.finite.data() + (off - base);
            for (std::uint64_t i = 0; i < n; ++i) {
              if (!ok[i]) continue;
              const double e = std::fabs(x[i] - wk.y[i]);
              ++wk.hists[jj][0][static_cast<std::size_t>(ErrorHistogram::bin(e))];
              if (x[i] != 0) ++wk.hists[jj][1][static_cast<std::size_t>(ErrorHistogram::bin(e * inv[i]))];
            }
          }
        }
      });
      for (std::size_t jj = 0; jj < J; ++jj) {
        slots[k * J + jj] = wk.lanes[jj].metrics(t.count - masked);
        if (options.error_histogram) {
          slots[k * J + jj].abs_hist = std::move(wk.hists[jj][0]);
          slots[k * J + jj].rel_hist = std::move(wk.hists[jj][1]);
        }
      }
      if (options.progress) {
        const std::uint64_t d = done.fetch_add(t.count) + t.count;
        options.progress(d, total_work);
      }
    });
    for (std::uint64_t k = 0; k < plan.tasks; ++k)
      for (std::size_t jj = 0; jj < J; ++jj) results[which[jj]].metrics.merge(slots[k * J + jj]);
  };
  pass(free, threads);
  pass(ordered, 1);
  return results;
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
