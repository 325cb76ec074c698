// The family table (family.h): one row per family, each defined in its own file of quantize/families/.
#include "numscope/quantize/family.h"

#include <array>      // std::array
#include <stdexcept>  // std::logic_error

namespace numscope::detail {

std::span<const Family> families() {
  static const std::array<Family, 8> kTable = {kCastFamily,  kScaledFamily, kIntFamily,    kMxFamily,
                                               kNvfp4Family, kNf4Family,    kBnbFp4Family, kGgmlFamily};
  return kTable;
}

const Family& family_of(const Scheme& s) {
  for (const Family& f : families())
    if (f.id == s.family) return f;
  throw std::logic_error("no quantization family for scheme " + s.name);
}

Codec element_codec(const Scheme& s, Ctx& ctx, bool saturate, bool symmetric) {
  Codec c(s.element, s.rounding, saturate, &ctx.rng);
  if (symmetric && s.element.kind == Kind::kInt && s.element.is_signed) c.restrict_to_symmetric();
  return c;
}

}  // namespace numscope::detail
