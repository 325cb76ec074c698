// The code-book search (codebook.h) in vector lanes, and bitsandbytes' code tables.
#include "numscope/quantize/codebook.h"

#include <algorithm>  // std::sort
#include <cmath>      // std::fabs, std::pow
#include <cstring>    // std::memcpy

#include "numscope/quantize/quantize.h"

namespace numscope {
namespace detail {

/// idx[i] = the number of the m midpoints strictly below x[i] (|x[i]|), in vectors F of floats, S their masks.
template <class F, class S>
[[gnu::always_inline]] inline std::uint64_t count_below(const float* mid, int m, const float* x, std::int32_t* idx,
                                                       std::uint64_t n, bool magnitude) {
  constexpr int W = sizeof(F) / sizeof(float);
  const S abs_mask = S{} + (magnitude ? 0x7fffffff : -1);
  F mids[16];
  for (int j = 0; j < m; ++j) mids[j] = F{} + mid[j];
  std::uint64_t i = 0;
  for (; i + W <= n; i += W) {
    F v;
    std::memcpy(&v, x + i, sizeof v);
    v = (F)((S)v & abs_mask);
    S c = S{};
    for (int j = 0; j < m; ++j) c -= mids[j] < v;  // -1 where below; NaN compares false
    std::memcpy(idx + i, &c, sizeof c);
  }
  return i;
}
[[gnu::target("avx2")]] std::uint64_t count_below_avx2(const float* mid, int m, const float* x, std::int32_t* idx,
                                                       std::uint64_t n, bool magnitude) {
  return count_below<V8f, V8s>(mid, m, x, idx, n, magnitude);
}
void CodeBook::nearest_n(const float* x, std::int32_t* idx, std::uint64_t n, bool magnitude, bool avx2) const {
  std::uint64_t i = 0;
  const int m = static_cast<int>(codes.size()) - 1;
  if (m <= 16)
    i = avx2 ? count_below_avx2(padded.data(), m, x, idx, n, magnitude)
             : count_below<V4f, V4s>(padded.data(), m, x, idx, n, magnitude);
  for (; i < n; ++i) idx[i] = nearest(magnitude ? std::fabs(x[i]) : x[i]);
}

std::array<float, 16> make_fp4() {
  std::array<float, 16> t{};
  for (int i = 0; i < 8; ++i) {
    t[i] = kFp4Mag[i];
    t[i + 8] = -kFp4Mag[i];
  }
  return t;
}
const std::array<float, 16> kFp4 = make_fp4();

// bitsandbytes functional.create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8): for i in 0..6,
// 2^i means of linspace(0.1, 1, 2^i + 1) scaled by 10^(i-6), both signs, plus 0 and 1; sorted.
std::vector<float> make_dynamic_map() {
  std::vector<float> data;
  for (int i = 0; i < 7; ++i) {
    const int items = (1 << i) + 1;
    for (int k = 0; k + 1 < items; ++k) {
      const float a = 0.1f + float(k) * (0.9f / float(items - 1));
      const float b = 0.1f + float(k + 1) * (0.9f / float(items - 1));
      const float mean = (a + b) / 2.0f;
      const float v = static_cast<float>(std::pow(10.0, i - 6) * mean);
      data.push_back(v);
      data.push_back(-v);
    }
  }
  data.push_back(0.0f);
  data.push_back(1.0f);
  std::sort(data.begin(), data.end());
  return data;
}


}  // namespace detail

using namespace detail;

std::span<const float> nf4_codes() { return kNf4; }
std::span<const float> bnb_fp4_codes() { return kFp4; }
std::span<const float> bnb_dynamic_map() {
  static const std::vector<float> m = make_dynamic_map();
  return m;
}
int nearest_code(std::span<const float> sorted_codes, float x) { return CodeBook(sorted_codes).nearest(x); }
std::vector<int> nearest_codes(std::span<const float> sorted_codes, std::span<const float> x, bool magnitude,
                               int isa) {
  std::vector<std::int32_t> idx(x.size());
  CodeBook(sorted_codes).nearest_n(x.data(), idx.data(), x.size(), magnitude, isa == 2 || (isa == 0 && have_avx2()));
  return std::vector<int>(idx.begin(), idx.end());
}


}  // namespace numscope
