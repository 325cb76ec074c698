// The ggml family: every llama.cpp block type (quantize/ggml/: q8_0, q4_0, ...) through one row quantizer that
// converts a segment to fp32 as ggml's callers do, quantizes it block by block with the type's quantizer (a
// partial last block padded with zeros), writes the blocks when asked, and dequantizes them with the type's
// to_float. With importance weights (--imatrix) the types that take them run ggml's weighted quantizer; Q4_0,
// Q4_1, Q5_0 and Q5_1 weight by the mean square of the whole ggml row, which a segment holding whole ggml rows
// computes itself and a plan that cuts rows takes from one extra pass (prepare).
#include <algorithm>  // std::min, std::fill
#include <ostream>    // std::ostream
#include <stdexcept>  // std::logic_error

#include "numscope/quantize/family.h"
#include "numscope/quantize/ggml/ggml.h"
#include "numscope/quantize/kernels.h"
#include "numscope/support/parallel.h"

namespace numscope::detail {
namespace {

const GgmlCodec& codec_of(const Scheme& s) {
  const GgmlCodec* c = find_ggml_codec(s.ggml_type);
  if (!c) throw std::logic_error("no ggml codec for scheme " + s.name);
  return *c;
}

/// Whether the scheme runs ggml's weighted quantizer: weights given, a type that takes them, and ggml rows of
/// whole blocks (ggml cannot quantize others at all; numscope pads them and leaves the weights out).
bool weighted(const GgmlCodec& c, const Ctx& ctx) {
  return ctx.imatrix && c.quantize_weighted && ctx.imatrix->ne0 % c.type->block == 0;
}

class GgmlRow : public RowQuantizer {
 public:
  GgmlRow(const Scheme& s, const Ctx& ctx)
      : codec_(&codec_of(s)),
        ctx_(ctx),
        weighted_(weighted(*codec_, ctx)),
        segment_(!weighted_ && codec_->segment ? codec_->segment(best_isa()) : nullptr),
        segment_sums_(!weighted_ && codec_->segment_sums ? codec_->segment_sums(kernel_isa()) : nullptr) {
    const std::size_t qk = codec_->type->block;
    xf_.resize(qk);
    yf_.resize(qk);
    clip_.resize(qk);
    block_.resize(codec_->type->bytes);
  }
  void run(const Segment& g) override {
    // The whole blocks of the segment convert to fp32 and back in one vector loop each, and the codec works in
    // place on them; a partial last block is padded with zeros in a block of its own. The same operations per
    // element as block by block, so the same bits.
    const std::uint64_t qk = codec_->type->block, whole = g.cols / qk * qk;
    if (segment_) {  // the 32-element types: every whole block in one fused pass (blocks32.cpp)
      const std::uint64_t bytes = whole / qk * codec_->type->bytes;
      if (seg_bytes_.size() < bytes) seg_bytes_.resize(bytes);
      segment_(g.x, whole / qk, seg_bytes_.data(), g.y, g.clip);
      if (g.blocks) g.blocks->write(reinterpret_cast<const char*>(seg_bytes_.data()), std::streamsize(bytes));
    } else {
      if (xs_.size() < whole) xs_.resize(whole), ys_.resize(whole);
      for (std::uint64_t i = 0; i < whole; ++i) xs_[i] = static_cast<float>(g.x[i]);
      std::fill(g.clip, g.clip + whole, 0);
      for (std::uint64_t b = 0; b < whole; b += qk) block(g, b, xs_.data() + b, ys_.data() + b, g.clip + b);
      for (std::uint64_t i = 0; i < whole; ++i) g.y[i] = ys_[i];
    }
    if (whole == g.cols) return;
    const std::uint64_t n = g.cols - whole;
    for (std::uint64_t i = 0; i < n; ++i) xf_[i] = static_cast<float>(g.x[whole + i]);
    std::fill(xf_.begin() + static_cast<std::ptrdiff_t>(n), xf_.end(), 0.0f);
    std::fill(clip_.begin(), clip_.end(), 0);
    block(g, whole, xf_.data(), yf_.data(), clip_.data());
    for (std::uint64_t i = 0; i < n; ++i) {
      g.y[whole + i] = yf_[i];
      g.clip[whole + i] = clip_[i];
    }
  }
  // Segments of whole blocks with a fused kernel (blocks32.cpp) take their sums in it, and 1/|x| too when the
  // scheme is alone (fuses_inverses); the others, or where a sum is not finite, run and add_error apart.
  bool fuses_inverses() const override { return segment_sums_ != nullptr; }
  void run_sums(const Segment& g, const double* inv, Lanes& sums) override {
    if (!fused_sums(g, inv, sums)) RowQuantizer::run_sums(g, inv, sums);
  }
  void run_sums_inv(const Segment& g, double* inv, Lanes& sums) override {
    if (!fused_sums(g, nullptr, sums)) RowQuantizer::run_sums_inv(g, inv, sums);
  }

 private:
  bool fused_sums(const Segment& g, const double* inv, Lanes& sums) {
    const std::uint64_t qk = codec_->type->block;
    if (!segment_sums_ || g.cols % qk != 0) return false;
    const std::uint64_t bytes = g.cols / qk * codec_->type->bytes;
    if (seg_bytes_.size() < bytes) seg_bytes_.resize(bytes);
    if (!segment_sums_(g.x, g.cols / qk, g.blocks ? seg_bytes_.data() : nullptr, inv, sums, g.fp32)) return false;
    if (g.blocks) g.blocks->write(reinterpret_cast<const char*>(seg_bytes_.data()), std::streamsize(bytes));
    return true;
  }
  /// One block at column b of the segment: xf (qk floats) quantized, written when asked, dequantized into yf.
  void block(const Segment& g, std::uint64_t b, const float* xf, float* yf, unsigned char* clip) {
    if (weighted_) quantize_weighted(g, b, xf, clip);
    else codec_->quantize(xf, block_.data(), clip);
    codec_->dequantize(block_.data(), yf);
    if (g.blocks) g.blocks->write(reinterpret_cast<const char*>(block_.data()), std::streamsize(block_.size()));
  }

  /// The block at column b of the segment with the weights of its columns: element f of the tensor (C order)
  /// lies in ggml row f / ne0 at column f % ne0, and that row in matrix (f / ne0) / ne1.
  void quantize_weighted(const Segment& g, std::uint64_t b, const float* xf, unsigned char* clip) {
    const ImportanceWeights& w = *ctx_.imatrix;
    const std::uint64_t f = g.row * ctx_.cols + g.col0 + b, grow = f / w.ne0, col = f % w.ne0;
    const float* qw = w.values.data() + (grow / w.ne1) * w.ne0 + col;
    float sigma2 = 0;
    if (codec_->needs_row_sigma2) {
      if (!ctx_.row_sigma2.empty()) {
        sigma2 = ctx_.row_sigma2[grow];
      } else {  // the segment holds whole ggml rows: the row's sum once, at its first block
        if (col == 0) row_sigma2_ = row_sigma2(add_squares(0.0f, g.x + b, w.ne0), w.ne0);
        sigma2 = row_sigma2_;
      }
    }
    codec_->quantize_weighted(xf, qw, sigma2, block_.data(), clip);
  }

  const GgmlCodec* codec_;
  const Ctx& ctx_;
  bool weighted_;
  SegmentFn segment_;
  SegmentSumsFn segment_sums_;
  float row_sigma2_ = 0;
  std::vector<float> xf_, yf_, xs_, ys_;  // one block (a partial last one, padded); the segment's whole blocks
  std::vector<unsigned char> clip_, block_, seg_bytes_;
};

/// A plan that cuts rows into segments may cut ggml rows too: Q4_0 ... Q5_1's weighted quantizer then takes σ²
/// of each ggml row from one pass that sums every row in order (as ggml does), NaN / inf masked to 0 as the
/// main pass masks them.
void prepare(const Scheme& s, const RowSource& src, const Plan& plan, unsigned threads, Ctx& ctx) {
  const GgmlCodec& c = codec_of(s);
  if (!weighted(c, ctx) || !c.needs_row_sigma2 || !plan.segmented) return;
  const std::uint64_t ne0 = ctx.imatrix->ne0, grows = src.rows() * src.cols() / ne0;
  const std::uint64_t per_task = std::max<std::uint64_t>(1, (std::uint64_t{1} << 20) / ne0);
  const std::uint64_t piece = std::min<std::uint64_t>(ne0, std::uint64_t{1} << 16);
  ctx.row_sigma2.assign(grows, 0.0f);
  std::vector<std::vector<double>> bufs(worker_count(threads), std::vector<double>(piece));
  parallel_tasks((grows + per_task - 1) / per_task, threads, [&](std::uint64_t k, unsigned w) {
    std::vector<double>& buf = bufs[w];
    for (std::uint64_t r = k * per_task; r < std::min(grows, (k + 1) * per_task); ++r) {
      float acc = 0;
      for (std::uint64_t off = 0; off < ne0; off += piece) {
        const std::uint64_t n = std::min(piece, ne0 - off);
        src.read_range(r * ne0 + off, n, buf.data());
        count_nonfinite(buf.data(), n, true);
        acc = add_squares(acc, buf.data(), n);
      }
      ctx.row_sigma2[r] = row_sigma2(acc, ne0);
    }
  });
}

}  // namespace

const Family kGgmlFamily{SchemeFamily::kGgml, "ggml blocks",
                         [](const Scheme& s, Ctx& ctx) -> std::unique_ptr<RowQuantizer> {
                           return std::make_unique<GgmlRow>(s, ctx);
                         },
                         prepare, true};

}  // namespace numscope::detail

namespace numscope {
bool takes_importance_weights(const Scheme& s) {
  if (s.family != SchemeFamily::kGgml) return false;
  const detail::GgmlCodec* c = detail::find_ggml_codec(s.ggml_type);
  return c && c->quantize_weighted;
}
}  // namespace numscope
