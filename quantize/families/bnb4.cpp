// The bitsandbytes 4-bit family (nf4, nf4-dq, bnb-fp4): quantize_4bit with blocks of 64 and an fp32 absmax,
// x·(1/absmax) in fp32 to the nearest code by midpoints (a tie to the lower code), y = code·absmax in fp32.
// nf4-dq (compress_statistics=True) first quantizes the absmax values themselves (prepare_double_quant).
// Sources: bitsandbytes functional.py quantize_4bit / create_dynamic_map, kernels.cu dQuantizeNF4, dQuantizeFP4.
#include <algorithm>  // std::min, std::max, std::fill_n
#include <cmath>      // std::fabs

#include "numscope/quantize/codebook.h"
#include "numscope/quantize/family.h"
#include "numscope/support/parallel.h"

namespace numscope::detail {
namespace {

class Bnb4Row : public RowQuantizer {
 public:
  Bnb4Row(const Scheme& s, Ctx& ctx) : s_(s), ctx_(ctx) {}
  void run(const Segment& g) override {
    static const CodeBook nf4(kNf4);
    static const std::array<int, 8> fp4_sorted_to_code = {0, 1, 6, 7, 4, 5, 2, 3};
    static const CodeBook fp4sorted([] {
      std::array<float, 8> m{};
      for (int i = 0; i < 8; ++i) m[i] = kFp4Mag[fp4_sorted_to_code[i]];
      return std::vector<float>(m.begin(), m.end());
    }());
    const bool is_nf4 = s_.family == SchemeFamily::kNf4;
    const std::uint64_t bs = static_cast<std::uint64_t>(s_.block), cols = g.cols;
    scaled_.resize(cols);
    index_.resize(cols);
    deq_.resize((cols + bs - 1) / bs);
    block_amaxes(g.x, cols, bs, amax_);
    // x·(1/absmax) of every block, then the codes of the whole segment in one search, then code·absmax.
    for (std::uint64_t b = 0, k = g.col0 / bs; b < cols; b += bs, ++k) {
      const std::uint64_t n = std::min(bs, cols - b);
      const float absmax = static_cast<float>(amax_[b / bs]);  // = max |fp32(x)|: rounding is monotonic
      deq_[b / bs] = s_.double_quant ? ctx_.dq_absmax[g.row * ctx_.blocks_per_row + k] : absmax;
      const float inv = absmax > 0 ? 1.0f / absmax : 0.0f;
      for (std::uint64_t i = b; i < b + n; ++i) scaled_[i] = static_cast<float>(g.x[i]) * inv;
    }
    (is_nf4 ? nf4 : fp4sorted).nearest_n(scaled_.data(), index_.data(), cols, !is_nf4);
    for (std::uint64_t b = 0; b < cols; b += bs) {
      const float deq = deq_[b / bs];
      for (std::uint64_t i = b; i < std::min(cols, b + bs); ++i) {
        const float v = scaled_[i];
        const float mag = fp4sorted.codes[static_cast<std::size_t>(index_[i] & 7)];
        const float code = is_nf4 ? kNf4[static_cast<std::size_t>(index_[i])] : v < 0 ? -mag : mag;
        g.y[i] = static_cast<double>(code * deq);
      }
    }
    std::fill_n(g.clip, cols, static_cast<unsigned char>(0));
  }

 private:
  const Scheme& s_;
  Ctx& ctx_;
  std::vector<float> scaled_, deq_;  // x·(1/absmax) of a segment, each block's absmax
  std::vector<std::int32_t> index_;  // the code index of each element
  std::vector<double> amax_;         // the amax of each block of a segment
};

std::unique_ptr<RowQuantizer> make_bnb4(const Scheme& s, Ctx& c) { return std::make_unique<Bnb4Row>(s, c); }

/// nf4-dq (bitsandbytes quantize_4bit with compress_statistics=True): offset = mean(absmax); absmax - offset
/// quantized blockwise (256) with the dynamic 8-bit map and an fp32 absmax; dequantized back here.
void prepare_double_quant(const Scheme& s, const RowSource& src, const Plan& plan, unsigned threads,
                          Ctx& ctx) {
  if (!s.double_quant) return;
  const std::uint64_t cols = src.cols(), bs = static_cast<std::uint64_t>(s.block);
  ctx.blocks_per_row = (cols + bs - 1) / bs;
  std::vector<float> a(src.rows() * ctx.blocks_per_row);
  std::vector<std::vector<double>> bufs(worker_count(threads)), amax(worker_count(threads));
  parallel_tasks(plan.tasks, threads, [&](std::uint64_t k, unsigned w) {
    std::vector<double>& buf = bufs[w];
    read_task(src, plan, k, buf, true);  // NaN / inf count as 0 (the caller has refused them or was told to skip)
    plan.segments(plan.task(k), [&](std::uint64_t off, std::uint64_t n, std::uint64_t row, std::uint64_t col0) {
      // max |fp32(x)| = fp32(max |x|): rounding to fp32 is monotonic.
      block_amaxes(buf.data() + off, n, bs, amax[w]);
      for (std::uint64_t b = 0; b < n; b += bs)
        a[row * ctx.blocks_per_row + (col0 + b) / bs] = static_cast<float>(amax[w][b / bs]);
    });
  });
  double sum = 0;
  for (float v : a) sum += v;
  const float offset = a.empty() ? 0.0f : static_cast<float>(sum / double(a.size()));
  static const CodeBook dyn(make_dynamic_map());
  ctx.dq_absmax.resize(a.size());
  for (std::size_t b = 0; b < a.size(); b += 256) {
    const std::size_t n = std::min<std::size_t>(256, a.size() - b);
    float amax2 = 0.0f;
    for (std::size_t i = b; i < b + n; ++i) amax2 = std::max(amax2, std::fabs(a[i] - offset));
    const float inv = amax2 > 0 ? 1.0f / amax2 : 0.0f;
    for (std::size_t i = b; i < b + n; ++i) {
      const float v = (a[i] - offset) * inv;
      ctx.dq_absmax[i] = dyn.codes[dyn.nearest(v)] * amax2 + offset;
    }
  }
}


}  // namespace

const Family kNf4Family{SchemeFamily::kNf4, "bitsandbytes NF4", make_bnb4, prepare_double_quant};
const Family kBnbFp4Family{SchemeFamily::kBnbFp4, "bitsandbytes FP4", make_bnb4};

}  // namespace numscope::detail
