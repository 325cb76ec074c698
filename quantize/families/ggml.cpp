// The ggml family: every llama.cpp block type (quantize/ggml/: q8_0, q4_0, ...) through one row quantizer that
// converts a segment to fp32 as ggml's callers do, quantizes it block by block with the type's reference
// quantizer (a partial last block padded with zeros), writes the blocks when asked, and dequantizes them with
// the type's to_float.
#include <algorithm>  // std::min, std::copy
#include <ostream>    // std::ostream
#include <stdexcept>  // std::logic_error

#include "numscope/quantize/family.h"
#include "numscope/quantize/ggml/ggml.h"

namespace numscope::detail {
namespace {

class GgmlRow : public RowQuantizer {
 public:
  explicit GgmlRow(const Scheme& s) : codec_(find_ggml_codec(s.ggml_type)) {
    if (!codec_) throw std::logic_error("no ggml codec for scheme " + s.name);
    const std::size_t qk = codec_->type->block;
    xf_.resize(qk);
    yf_.resize(qk);
    clip_.resize(qk);
    block_.resize(codec_->type->bytes);
  }
  void run(const Segment& g) override {
    const std::uint64_t qk = codec_->type->block;
    for (std::uint64_t b = 0; b < g.cols; b += qk) {
      const std::uint64_t n = std::min(qk, g.cols - b);
      for (std::uint64_t i = 0; i < n; ++i) xf_[i] = static_cast<float>(g.x[b + i]);
      std::fill(xf_.begin() + static_cast<std::ptrdiff_t>(n), xf_.end(), 0.0f);
      std::fill(clip_.begin(), clip_.end(), 0);
      codec_->quantize(xf_.data(), block_.data(), clip_.data());
      codec_->dequantize(block_.data(), yf_.data());
      for (std::uint64_t i = 0; i < n; ++i) {
        g.y[b + i] = yf_[i];
        g.clip[b + i] = clip_[i];
      }
      if (g.blocks) g.blocks->write(reinterpret_cast<const char*>(block_.data()), std::streamsize(block_.size()));
    }
  }

 private:
  const GgmlCodec* codec_;
  std::vector<float> xf_, yf_;
  std::vector<unsigned char> clip_, block_;
};

}  // namespace

const Family kGgmlFamily{SchemeFamily::kGgml, "ggml blocks",
                         [](const Scheme& s, Ctx&) -> std::unique_ptr<RowQuantizer> {
                           return std::make_unique<GgmlRow>(s);
                         },
                         nullptr, true};

}  // namespace numscope::detail
