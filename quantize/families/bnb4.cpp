// The bitsandbytes 4-bit family (nf4, nf4-dq, bnb-fp4): quantize_4bit with blocks of 64 and an fp32 absmax,
// x·(1/absmax) in fp32 to the nearest code by midpoints (a tie to the lower code), y = code·absmax in fp32.
// nf4-dq (compress_statistics=True) first quantizes the absmax values themselves (prepare_double_quant).
// Sources: bitsandbytes functional.py quantize_4bit / create_dynamic_map, kernels.cu dQuantizeNF4, dQuantizeFP4.
#include <algorithm>  // std::min, std::max, std::fill_n
#include <cmath>      // std::fabs

#include "numscope/quantize/codebook.h"
#include "numscope/quantize/family.h"
#include "numscope/quantize/kernels_avx512.h"
#include "numscope/support/parallel.h"

namespace numscope::detail {
namespace {

/// The code books: NF4's, and FP4's magnitudes sorted (searched by |x|, the sign put back), each with its
/// midpoints and codes padded to 16 for the vector loop.
struct Books {
  CodeBook nf4{kNf4}, fp4sorted{fp4_magnitudes()};
  std::array<float, 16> fp4_codes16{};
  Books() { std::copy(fp4sorted.codes.begin(), fp4sorted.codes.end(), fp4_codes16.begin()); }
  static const Books& get() {
    static const Books books;
    return books;
  }
  static std::vector<float> fp4_magnitudes() {
    static constexpr std::array<int, 8> kSortedToCode = {0, 1, 6, 7, 4, 5, 2, 3};
    std::vector<float> m(8);
    for (int i = 0; i < 8; ++i) m[static_cast<std::size_t>(i)] = kFp4Mag[static_cast<std::size_t>(kSortedToCode[i])];
    return m;
  }
};

class Bnb4Row : public RowQuantizer {
 public:
  Bnb4Row(const Scheme& s, Ctx& ctx) : s_(s), ctx_(ctx) {}
  void run(const Segment& g) override {
    const Books& books = Books::get();
    const bool is_nf4 = s_.family == SchemeFamily::kNf4;
    const CodeBook& book = is_nf4 ? books.nf4 : books.fp4sorted;
    const std::uint64_t bs = static_cast<std::uint64_t>(s_.block), cols = g.cols;
    deq_.resize((cols + bs - 1) / bs);
    inv_.resize(deq_.size());
    block_amaxes(g.x, cols, bs, amax_);
    for (std::uint64_t b = 0, k = g.col0 / bs; b < cols; b += bs, ++k) {
      const float absmax = static_cast<float>(amax_[b / bs]);  // = max |fp32(x)|: rounding is monotonic
      deq_[b / bs] = s_.double_quant ? ctx_.dq_absmax[g.row * ctx_.blocks_per_row + k] : absmax;
      inv_[b / bs] = absmax > 0 ? 1.0f / absmax : 0.0f;
    }
    // x·(1/absmax), the code and code·absmax in one vector loop where there is one, the rest below.
    std::uint64_t done = 0;
    if (kernel_isa() >= Isa::kAvx512)
      done = codebook4_avx512(g.x, g.y, cols, bs, inv_.data(), deq_.data(), book.padded16.data(), book.first_step,
                              is_nf4 ? kNf4.data() : books.fp4_codes16.data(), !is_nf4);
    scaled_.resize(cols);
    index_.resize(cols);
    for (std::uint64_t i = done; i < cols; ++i) scaled_[i] = static_cast<float>(g.x[i]) * inv_[i / bs];
    book.nearest_n(scaled_.data() + done, index_.data() + done, cols - done, !is_nf4);
    for (std::uint64_t i = done; i < cols; ++i) {
      const float v = scaled_[i];
      const float mag = books.fp4sorted.codes[static_cast<std::size_t>(index_[i] & 7)];
      const float code = is_nf4 ? kNf4[static_cast<std::size_t>(index_[i])] : v < 0 ? -mag : mag;
      g.y[i] = static_cast<double>(code * deq_[i / bs]);
    }
    std::fill_n(g.clip, cols, static_cast<unsigned char>(0));
  }

 private:
  const Scheme& s_;
  Ctx& ctx_;
  std::vector<float> scaled_, deq_, inv_;  // x·(1/absmax) of a segment; each block's absmax and 1/absmax
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
