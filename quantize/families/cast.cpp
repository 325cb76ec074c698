// The cast family: a plain cast into a registry format (fp16, bf16, tf32, e4m3, ...), no scale. Formats with
// inf keep their own overflow rule (fp16 overflow gives inf, reported); the others saturate.
#include "numscope/quantize/family.h"

namespace numscope::detail {
namespace {

class CastRow : public RowQuantizer {
 public:
  CastRow(const Scheme& s, Ctx& ctx) : elem_(element_codec(s, ctx, !has_inf(s.element))) {}
  void run(const Segment& g) override {
    // Tensors stored as fp32 (or narrower) go through the fast fp32 kernels; anything else rounds element-wise.
    if (elem_.round_fp32(g.x, g.y, g.clip, g.cols)) return;
    elem_.round_n(g.x, g.y, g.clip, g.cols);
  }

 private:
  Codec elem_;
};

}  // namespace

const Family kCastFamily{SchemeFamily::kCast, "cast",
                         [](const Scheme& s, Ctx& c) -> std::unique_ptr<RowQuantizer> {
                           return std::make_unique<CastRow>(s, c);
                         }};

}  // namespace numscope::detail
