// Code books: a sorted table of code values searched by fp32 midpoints (bitsandbytes' rule, a tie to the lower
// code), and the code tables of bitsandbytes (NF4, FP4, the 8-bit dynamic map of double quantization).
#pragma once

#include <algorithm>  // std::copy, std::fill
#include <array>    // std::array
#include <cstdint>  // std::int32_t, std::uint64_t
#include <limits>   // std::numeric_limits
#include <span>     // std::span
#include <vector>   // std::vector

#include "numscope/quantize/kernels.h"

namespace numscope::detail {

/// A sorted code table with its fp32 midpoints (bitsandbytes compares against midpoints, ties to the lower).
struct CodeBook {
  std::vector<float> codes;
  std::vector<float> padded;  // the midpoints, then +inf up to a power of two, for the branch-free search
  std::array<float, 16> padded16{};  // the same padded to 16 (books of up to 16 codes), for one vector register
  int first_step = 0;
  explicit CodeBook(std::span<const float> c) : codes(c.begin(), c.end()) {
    for (std::size_t i = 0; i + 1 < codes.size(); ++i) padded.push_back((codes[i] + codes[i + 1]) / 2.0f);
    std::size_t p = 1;
    while (p < padded.size() + 1) p *= 2;
    padded.resize(p, std::numeric_limits<float>::infinity());
    first_step = static_cast<int>(p / 2);
    std::fill(padded16.begin(), padded16.end(), std::numeric_limits<float>::infinity());
    if (padded.size() <= padded16.size()) std::copy(padded.begin(), padded.end(), padded16.begin());
  }
  /// The number of midpoints strictly below x (std::lower_bound's index), by a binary search whose steps are
  /// selects, not branches: the codes of a tensor's elements are unpredictable, and mispredicted branches cost
  /// more than the whole search. NaN counts none.
  int nearest(float x) const {
    int i = 0;
    for (int step = first_step; step >= 1; step /= 2) i += padded[static_cast<std::size_t>(i + step - 1)] < x ? step : 0;
    return i;
  }
  /// nearest() of n values (of |x| when `magnitude`) into idx. Books of at most 16 codes count the midpoints
  /// below each value in vector lanes (15 comparisons beat four dependent loads); larger ones search.
  void nearest_n(const float* x, std::int32_t* idx, std::uint64_t n, bool magnitude, bool avx2 = have_avx2()) const;
};

// bitsandbytes functional.py: the NF4 values (also kernels.cu dDequantizeNF4).
inline constexpr std::array<float, 16> kNf4 = {
    -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
    -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
    0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
    0.7229568362236023f, 1.0f};
// bitsandbytes FP4 (kernels.cu dDequantizeFP4Tree): bit 3 is the sign, magnitudes {0,0.0625,8,12,4,6,2,3}/12.
inline constexpr std::array<float, 8> kFp4Mag = {0.0f, 0.0625f / 12, 8.0f / 12, 12.0f / 12,
                                                 4.0f / 12, 6.0f / 12, 2.0f / 12, 3.0f / 12};
/// bitsandbytes' 8-bit dynamic map (create_dynamic_map(signed=True)), sorted.
std::vector<float> make_dynamic_map();

}  // namespace numscope::detail
